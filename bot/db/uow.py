"""The unit of work: one session and its repositories for one interaction or one job run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import Database
from bot.db.repositories import (
    DueRepository,
    EffectRepository,
    GroupRepository,
    MembershipRepository,
    StateRepository,
)
from bot.domain.effects import Effect
from bot.domain.errors import StorageUnavailableError

_UNAVAILABLE = "Setkeeper could not reach its database just now, so nothing was changed. Please try again in a minute."


class UnitOfWork:
    """Opens a session on enter; commits only when asked; anything uncommitted is rolled back on exit."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], writer_lock: asyncio.Lock | None = None) -> None:
        self._sessions = sessions
        self._writer_lock = writer_lock

    async def __aenter__(self) -> UnitOfWork:
        if self._writer_lock is not None:
            await self._writer_lock.acquire()
        self.session = self._sessions()
        self.groups = GroupRepository(self.session)
        self.memberships = MembershipRepository(self.session)
        self.effects = EffectRepository(self.session)
        self.state = StateRepository(self.session)
        self.due = DueRepository(self.session)
        self.emitted: list[Effect] = []
        self._before_commit: list[Callable[[UnitOfWork], Awaitable[None]]] = []
        return self

    def before_commit(self, hook: Callable[[UnitOfWork], Awaitable[None]]) -> None:
        """Run `hook` once, inside the transaction, just before it commits (it sees everything the unit emitted)."""
        if hook not in self._before_commit:
            self._before_commit.append(hook)

    async def commit(self) -> None:
        """Make the unit's changes permanent."""
        for hook in self._before_commit:
            await hook(self)
        self._before_commit.clear()
        await self.session.commit()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            # Closing rolls back anything uncommitted and detaches objects without expiring what they loaded.
            await self.session.close()
        finally:
            if self._writer_lock is not None:
                self._writer_lock.release()
        if isinstance(exc, OperationalError | PoolTimeoutError | OSError) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated
        ):
            raise StorageUnavailableError(_UNAVAILABLE) from exc


class UnitOfWorkFactory:
    """Makes units of work: writers take the write lock up front, readers do not."""

    def __init__(self, database: Database) -> None:
        self.database = database
        # SQLite has one writer at a time. Writers of this process queue here, in order, instead of meeting in
        # SQLite's busy handler, whose growing sleeps (up to 100 ms) turn a burst of clicks into a convoy.
        # BEGIN IMMEDIATE still guards against other processes.
        self._writer_lock = asyncio.Lock() if database.sqlite else None

    def __call__(self, *, write: bool = True) -> UnitOfWork:
        """A new unit of work; `write=False` for one that only reads."""
        if write:
            return UnitOfWork(self.database.write_sessions, self._writer_lock)
        return UnitOfWork(self.database.read_sessions)
