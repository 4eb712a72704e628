"""Waking the owner of a guild at once: PostgreSQL's LISTEN/NOTIFY between the processes of a sharded bot.

A process that queues an effect or due work for a guild another process owns (a click in a direct message reaches
shard 0 whatever the group's guild) says so with a NOTIFY in the same transaction; the owner, listening, looks at
the guild's work at once instead of at its next sweep. The payload is the guild's id only, never what was queued.

A group key destroyed (crypto-shredding) is said the same way, as "key:<group id>" with no key in it: every process
listening drops the key from its keyring, so that none keeps reading the group's words until it restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

WAKE_CHANNEL = "setkeeper_wake"
"""The channel every process of the bot notifies and listens on."""
KEY_DESTROYED = "key:"
"""What a payload starts with when it names a group whose data key was destroyed (the group's id follows)."""


def key_destroyed_payload(group_id: int) -> str:
    """The payload that tells every process the group's key was destroyed."""
    return f"{KEY_DESTROYED}{group_id}"


class WakeUps:
    """Listens, on a connection of its own, for guilds whose work another process has just queued."""

    def __init__(self, url: str) -> None:
        self._engine: AsyncEngine = create_async_engine(url, poolclass=NullPool, hide_parameters=True)
        self._connection: AsyncConnection | None = None

    async def listen(
        self, woken: Callable[[int], None], key_destroyed: Callable[[int], None] = lambda group_id: None
    ) -> None:
        """From now on, call `woken(guild_id)` for every guild another process queued work for.

        And `key_destroyed(group_id)` for every group whose data key a process destroyed (this one included).
        """

        def heard(_connection: object, _pid: int, _channel: str, payload: str) -> None:
            told = key_destroyed if payload.startswith(KEY_DESTROYED) else woken
            try:
                named = int(payload.removeprefix(KEY_DESTROYED))
            except ValueError:
                log.warning("a wake-up that names no guild or group was ignored")
                return
            told(named)

        def lost(_connection: object) -> None:
            log.warning("the connection listening for other processes' wake-ups closed; the sweep still finds the work")

        connection = await self._engine.connect()
        self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        driver = (await self._connection.get_raw_connection()).driver_connection
        if driver is None:  # only a closed connection has no driver's connection
            raise ConnectionError("the connection for wake-ups closed as it opened")
        await driver.add_listener(WAKE_CHANNEL, heard)
        driver.add_termination_listener(lost)

    async def close(self) -> None:
        """Stop listening."""
        if self._connection is not None:
            try:
                await self._connection.close()
            except Exception:  # a broken connection listens to nothing already
                log.debug("the wake-up connection was already closed", exc_info=True)
            self._connection = None
        await self._engine.dispose()
