"""IDENTIFY in turn across processes: an advisory lock per `max_concurrency` bucket, held for Discord's window.

Discord lets a bot start `max_concurrency` sessions every 5 seconds, one per bucket (`shard_id % max_concurrency`).
discord.py spaces the shards of one process; several processes of one bot must also keep out of each other's way, or
Discord refuses the IDENTIFY (an invalid session) and the shard waits and tries again. Before a shard identifies, its
process takes the bucket's lock and keeps it for the window after, so no two processes identify in one bucket within it.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.db.shard_lock import lock_space

log = logging.getLogger(__name__)

IDENTIFY_WINDOW = 5.0
"""Seconds Discord counts one IDENTIFY against its bucket."""
POLL_EVERY = 0.1
"""Seconds between two tries for a bucket another process is identifying in."""


def bucket_of(shard_id: int, max_concurrency: int) -> int:
    """The IDENTIFY bucket of a shard: shards in one bucket start one at a time, one per window."""
    return shard_id % max(1, max_concurrency)


class IdentifyTurns:
    """Takes a bucket's turn to IDENTIFY, shared with every process of the same bot through the database."""

    def __init__(
        self, url: str, application: str, window: float = IDENTIFY_WINDOW, poll_every: float = POLL_EVERY
    ) -> None:
        self._engine: AsyncEngine = create_async_engine(url, poolclass=NullPool, hide_parameters=True)
        self._space = lock_space(f"{application}:identify")
        self.window = window
        self._poll_every = poll_every
        self._holding: set[asyncio.Task[None]] = set()

    async def take(self, shard_id: int, max_concurrency: int) -> None:
        """Wait for the shard's bucket, then hold it for the window (the IDENTIFY goes out as this returns)."""
        bucket = bucket_of(shard_id, max_concurrency)
        connection = await self._engine.connect()
        try:
            # Session-level, no transaction left open: the lock goes when the connection closes, even on kill -9.
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            query = text("SELECT pg_try_advisory_lock(:space, :bucket)")
            while True:  # until the bucket is free: another process identified in it within the window
                if await connection.scalar(query, {"space": self._space, "bucket": bucket}):
                    break
                await asyncio.sleep(self._poll_every)
        except BaseException:
            await connection.close()
            raise
        held = asyncio.get_running_loop().create_task(self._hold(connection))
        self._holding.add(held)
        held.add_done_callback(self._holding.discard)

    async def _hold(self, connection: AsyncConnection) -> None:
        try:
            await asyncio.sleep(self.window)
        finally:
            try:
                await connection.close()  # lets go of the bucket's lock
            except Exception:  # a broken connection has let go of it already
                log.debug("the connection holding an IDENTIFY turn was already closed", exc_info=True)

    async def close(self) -> None:
        """Let go of every bucket still held."""
        for held in list(self._holding):
            held.cancel()
        await asyncio.gather(*self._holding, return_exceptions=True)
        await self._engine.dispose()
