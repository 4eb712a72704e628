"""The standby: one PostgreSQL advisory lock per shard, held on a connection of its own for the process's life."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

POLL_EVERY = 1.0
"""Seconds between two tries for a shard another process holds: a take-over starts within about this long."""
CHECK_EVERY = 5.0
"""Seconds between two checks that the connection holding the locks is still there."""


def lock_space(application: str) -> int:
    """The first half of every shard's lock key: the same for every process of one bot, different for another bot.

    A signed 32-bit number (what `pg_try_advisory_lock(int, int)` takes), from the application's id.
    """
    digest = hashlib.sha256(f"setkeeper:{application}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


class ShardLocks:
    """Holds the lock of each shard this process serves; while another process holds one, this process waits.

    The locks are session-level: PostgreSQL lets go of them when their connection closes, which is what happens
    when the holder stops or is killed (kill -9 closes its sockets), so a standby polling for them takes over.
    """

    def __init__(self, url: str, application: str, shard_ids: Sequence[int], poll_every: float = POLL_EVERY) -> None:
        self._engine: AsyncEngine = create_async_engine(url, poolclass=NullPool, hide_parameters=True)
        self._space = lock_space(application)
        self._shard_ids = list(shard_ids)
        self._poll_every = poll_every
        self._connection: AsyncConnection | None = None
        self._held: set[int] = set()

    @property
    def held(self) -> list[int]:
        """The shards whose locks this process holds."""
        return sorted(self._held)

    async def try_all(self) -> list[int]:
        """Try once for every lock not yet held; returns the shards still held by another process."""
        connection = await self._connect()
        for shard in self._shard_ids:
            if shard in self._held:
                continue
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:space, :shard)"), {"space": self._space, "shard": shard}
            )
            if taken:
                self._held.add(shard)
        return [shard for shard in self._shard_ids if shard not in self._held]

    async def acquire(self, waiting: Callable[[list[int]], None] = lambda shards: None) -> bool:
        """Hold every shard's lock, waiting as long as another process holds one; True if this process had to wait.

        `waiting(shards)` is told once, when the first try finds shards held by another process.
        """
        others = await self.try_all()
        if not others:
            return False
        waiting(others)
        while others:
            await asyncio.sleep(self._poll_every)
            others = await self.try_all()
        return True

    async def still_held(self) -> bool:
        """Whether the connection holding the locks is still there (if it broke, PostgreSQL let go of them)."""
        if self._connection is None:
            return False
        try:
            await self._connection.scalar(text("SELECT 1"))
        except Exception:  # any driver's broken connection: the locks went with it
            return False
        return True

    async def watch(self, lost: Callable[[], object], every: float = CHECK_EVERY) -> None:
        """Check the connection every so often; call `lost()` once if it broke (another process may take over)."""
        while True:
            await asyncio.sleep(every)
            if not await self.still_held():
                lost()
                return

    async def release(self) -> None:
        """Let go of every lock (closing the connection does it) so a standby takes over at once."""
        if self._connection is not None:
            try:
                await self._connection.close()
            except Exception:  # a broken connection has let go of its locks already
                log.debug("the connection holding the shard locks was already closed", exc_info=True)
            self._connection = None
        self._held.clear()
        await self._engine.dispose()

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._engine.connect()
            # No transaction left open between tries: the locks are the session's, not a transaction's.
            self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return self._connection
