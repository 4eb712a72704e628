"""The unit of work: one session and its repositories for one interaction or one job run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import Database
from bot.db.outbox import EFFECT_LEASE, QueuedEffect, current_answering
from bot.db.repositories import (
    ActionRepository,
    BidRepository,
    DueRepository,
    EffectRepository,
    GroupRepository,
    MeetingRepository,
    MembershipRepository,
    StateRepository,
    VoiceMuteRepository,
    VoteRepository,
)
from bot.db.wake import WAKE_CHANNEL
from bot.domain.clock import Clock
from bot.domain.effects import Answer, Effect, effect_kind, effect_to_payload
from bot.domain.errors import StorageUnavailableError
from bot.domain.shards import ALL_SHARDS, Shards
from bot.domain.text import msg

_UNAVAILABLE = msg(
    "Setkeeper could not reach its database just now, so nothing was changed. Please try again in a minute."
)


class _UTCClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UnitOfWork:
    """Opens a session on enter; commits only when asked; anything uncommitted is rolled back on exit.

    A decision emits its effects here (`emit`); `commit` stores them in the same transaction, with the answer to
    the command the current task serves, and then hands them to whoever carries effects out (`on_commit`).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        writer_lock: asyncio.Lock | None = None,
        clock: Clock | None = None,
        on_commit: Callable[[list[QueuedEffect]], None] | None = None,
        on_due: Callable[[datetime], None] | None = None,
        shards: Shards = ALL_SHARDS,
        notify: bool = False,
    ) -> None:
        self._sessions = sessions
        self._shards = shards
        self._notify = notify
        self._writer_lock = writer_lock
        self._clock = clock or _UTCClock()
        self._on_commit = on_commit
        self._on_due = on_due

    async def __aenter__(self) -> UnitOfWork:
        if self._writer_lock is not None:
            await self._writer_lock.acquire()
        self.session = self._sessions()
        self.groups = GroupRepository(self.session)
        self.memberships = MembershipRepository(self.session)
        self.effects = EffectRepository(self.session)
        self.state = StateRepository(self.session)
        self.due = DueRepository(self.session)
        self.bids = BidRepository(self.session)
        self.votes = VoteRepository(self.session)
        self.meetings = MeetingRepository(self.session)
        self.actions = ActionRepository(self.session)
        self.voice_mutes = VoiceMuteRepository(self.session)
        self.emitted: list[tuple[int, Effect]] = []
        self.committed: list[QueuedEffect] = []
        self.due_from: datetime | None = None
        self._theirs: set[int] = set()
        self._decided_in: int | None = None
        return self

    def due_added(self, at: datetime, guild_id: int) -> None:
        """Due work of the guild falling due at `at` was added: whoever carries it out is told once the unit commits."""
        self.due_from = at if self.due_from is None else min(self.due_from, at)
        if not self._shards.owns(guild_id):
            self._theirs.add(guild_id)

    def emit(self, guild_id: int, *effects: Effect) -> None:
        """The decision in this guild implies these effects (none is fine: the command is still answered)."""
        self._decided_in = guild_id
        self.emitted.extend((guild_id, effect) for effect in effects)

    async def commit(self) -> None:
        """Make the unit's changes permanent, with the effects they imply; then hand the effects on."""
        queued = await self._store_effects()
        if self._notify:
            # Delivered when, and only if, the transaction commits: the owner never looks before the work is there.
            for guild_id in sorted(self._theirs):
                await self.session.execute(
                    text("SELECT pg_notify(:channel, :guild)"), {"channel": WAKE_CHANNEL, "guild": str(guild_id)}
                )
        await self.session.commit()
        self._theirs.clear()
        self.committed, self.emitted, self._decided_in = queued, [], None
        due_from, self.due_from = self.due_from, None
        if self._on_commit is not None and queued:
            self._on_commit(queued)
        if self._on_due is not None and due_from is not None:
            self._on_due(due_from)

    async def _store_effects(self) -> list[QueuedEffect]:
        emitted = list(self.emitted)
        command = current_answering()
        if command is not None and self._decided_in is not None:
            emitted.append((self._decided_in, command.answer([effect for _, effect in emitted])))
        now = self._clock.now()
        # An effect for a guild another process owns is stored held by nobody, for its owner to take at once (a
        # command's answer is the exception: it replies to an interaction this process received).
        free = [not isinstance(effect, Answer) and not self._shards.owns(guild_id) for guild_id, effect in emitted]
        self._theirs |= {guild_id for (guild_id, _), theirs in zip(emitted, free, strict=True) if theirs}
        ids = await self.effects.add_all(
            [
                {
                    "guild_id": guild_id,
                    "group_id": effect.group_id,
                    "kind": effect_kind(effect),
                    "payload": effect_to_payload(effect),
                    "created_at": now,
                    "attempts": 0,
                    "lease_until": None if theirs else now + EFFECT_LEASE,
                }
                for (guild_id, effect), theirs in zip(emitted, free, strict=True)
            ]
        )
        queued = []
        for effect_id, (guild_id, effect) in zip(ids, emitted, strict=True):
            queued.append(QueuedEffect(effect_id, guild_id, effect, now))
            if command is not None and isinstance(effect, Answer):
                command.answer_ids.append(effect_id)
        return queued

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

    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        self.database = database
        self.clock = clock or _UTCClock()
        # Whoever carries effects out (the applier) is told of each committed batch; nobody, in service tests.
        self.on_commit: Callable[[list[QueuedEffect]], None] | None = None
        # Whoever carries out due work (the scheduler) is told when new work falls due; nobody, in service tests.
        self.on_due: Callable[[datetime], None] | None = None
        # The shards this process serves: work queued for another process's guild is left free for its owner and,
        # with `notify` (a sharded bot on PostgreSQL), announced to it when the transaction commits.
        self.shards: Shards = ALL_SHARDS
        self.notify = False
        # SQLite has one writer at a time. Writers of this process queue here, in order, instead of meeting in
        # SQLite's busy handler, whose growing sleeps (up to 100 ms) turn a burst of clicks into a convoy.
        # BEGIN IMMEDIATE still guards against other processes.
        self._writer_lock = asyncio.Lock() if database.sqlite else None

    def __call__(self, *, write: bool = True) -> UnitOfWork:
        """A new unit of work; `write=False` for one that only reads."""
        if write:
            return UnitOfWork(
                self.database.write_sessions,
                self._writer_lock,
                self.clock,
                self.on_commit,
                self.on_due,
                self.shards,
                self.notify,
            )
        return UnitOfWork(self.database.read_sessions, clock=self.clock)
