"""The table of due work: everything that must happen once at a time (retries today; timers and reminders next)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.models import DueWork
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.due import DueKey, retry_at
from bot.domain.shards import ALL_SHARDS, Shards

LEASE = timedelta(minutes=2)
DEFAULT_OWNER = "main"
"""The name a process claims due work under when none is given (one process per database)."""


@dataclass(frozen=True)
class DueItem:
    """A claimed piece of due work, held by this process until `lease_until`."""

    id: int
    guild_id: int
    key: DueKey
    attempts: int


async def schedule_in(uow: UnitOfWork, guild_id: int, *keys: DueKey) -> None:
    """Add due work inside the caller's unit of work (so it commits with the decision); a repeat is a no-op."""
    await uow.due.add_once(
        [DueWork(guild_id=guild_id, subject=key.subject, kind=key.kind, due_at=key.due_at) for key in keys]
    )
    if keys:
        uow.due_added(min(key.due_at for key in keys), guild_id)


class DueWorkService:
    """Claims due work with a lease, so that two workers (or a restart) never carry out the same piece twice.

    A claim names this life of the process (`instance_id`, new at every start) and its owner (a name that outlives
    a restart): what a killed life held is taken back by the next life of the same owner at once, while the claims
    of another owner (a process that may be alive) are left to run out.

    Only the work of the guilds `shards` own is ever claimed, whichever guilds a caller names: the database filters.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        instance_id: str,
        owner: str = DEFAULT_OWNER,
        shards: Shards = ALL_SHARDS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._instance_id = instance_id
        self._owner = owner
        self._shards = shards
        self._holds_shards = False

    @property
    def shards(self) -> Shards:
        """The shards whose guilds' work this process claims."""
        return self._shards

    def shards_held(self) -> None:
        """Say that this process holds its shards' locks: nobody else alive serves them, so their claims are stale.

        `take_back` then frees the work any earlier holder of these shards left claimed (a standby taking over from
        a process killed with work in hand), not only this process's own.
        """
        self._holds_shards = True

    @property
    def clock(self) -> Clock:
        """The clock work falls due by (the scheduler turns its times into waits on the real one)."""
        return self._clock

    async def schedule(self, guild_id: int, key: DueKey) -> None:
        """Add due work on its own (a repeat of the same key is a no-op)."""
        async with self._uow() as uow:
            await schedule_in(uow, guild_id, key)
            await uow.commit()

    async def next_due(self, guild_ids: Sequence[int]) -> datetime | None:
        """The earliest time anything of these guilds falls due (or its lease runs out), if any."""
        async with self._uow(write=False) as uow:
            return await uow.due.next_due(guild_ids, self._shards)

    async def claim(self, guild_ids: Sequence[int], limit: int = 50) -> list[DueItem]:
        """Take the work of these guilds that is due now and held by nobody, for the length of a lease."""
        now = self._clock.now()
        async with self._uow() as uow:
            rows = await uow.due.claim(
                guild_ids, now, now + LEASE, self._instance_id, limit, owner=self._owner, shards=self._shards
            )
            await uow.commit()
            return [
                DueItem(row.id, row.guild_id, DueKey(row.subject, row.kind, row.due_at), row.attempts) for row in rows
            ]

    async def take_back(self) -> int:
        """At start-up: free at once what an earlier life of this process held when it died; returns how many pieces.

        Once the shards' locks are held (`shards_held`), whatever any earlier holder of them held.
        """
        held = self._shards if self._holds_shards else None
        async with self._uow() as uow:
            freed = await uow.due.take_back(self._owner, self._instance_id, held)
            await uow.commit()
            return freed

    @property
    def instance_id(self) -> str:
        """Who this process is when it claims work."""
        return self._instance_id

    async def done(self, item: DueItem) -> None:
        """The work is done: it is never claimed again (the row stays, so the same key cannot be added again).

        Only while this process still holds it: work whose lease ran out and that another process took over is
        theirs to finish (a handler that decided for itself has already finished it with its decision).
        """
        async with self._uow() as uow:
            await uow.due.finish(item.id, self._clock.now(), held_by=self._instance_id)
            await uow.commit()

    async def failed(self, item: DueItem) -> datetime | None:
        """The work failed: it falls due again later, or is given up after a few tries; returns when, if ever."""
        now = self._clock.now()
        again = retry_at(now, item.attempts + 1)
        async with self._uow() as uow:
            await uow.due.release(item.id, again, now, held_by=self._instance_id)
            await uow.commit()
        return again
