"""Carries out due work: claims it from the database, runs the handler for its kind, and sleeps until the next."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.i18n import start_reading, stop_reading
from bot.services.due import DueItem, DueWorkService
from bot.services.effects import no_command

log = logging.getLogger(__name__)

Handler = Callable[[DueItem], Awaitable[bool | None]]
"""Carries out one piece of due work; True when it finished the work itself, in the transaction of its decision."""
Sweep = Callable[[], Awaitable[object]]
GuildIds = Callable[[], Sequence[int]]
_JOB = "setkeeper-due-work"
RETRY_ARMING = timedelta(minutes=1)
SIDE_BY_SIDE = 16
"""Subjects whose due work is carried out at once (their posts wait in the pacer together, well within a lease)."""


class DueRuntime:
    """One per process; carries out the due work of the guilds this process serves.

    APScheduler 3 holds a single in-memory job, "wake at the next due time": nothing is pickled, nothing is lost
    to a misfire, and work that fell due while the bot was down is found by `start`.
    """

    def __init__(self, service: DueWorkService, guild_ids: GuildIds) -> None:
        self._service = service
        self._guild_ids = guild_ids
        self._handlers: dict[str, Handler] = {}
        self._sweeps: list[tuple[float, Sweep]] = []
        self._scheduler: AsyncIOScheduler | None = None
        self._running = asyncio.Lock()
        self._armed_for: datetime | None = None
        self._woken_during_run = False

    @property
    def armed_for(self) -> datetime | None:
        """When the scheduler will next wake for due work, if at all."""
        return self._armed_for

    def handle(self, kind: str, handler: Handler) -> None:
        """Register the handler of one kind of work; a kind has exactly one."""
        if kind in self._handlers:
            raise ValueError(f"due work of kind {kind!r} already has a handler")
        self._handlers[kind] = handler

    def every(self, seconds: float, sweep: Sweep) -> None:
        """Also run `sweep` every so often (a safety net for work whose holder vanished, such as an expired lease)."""
        self._sweeps.append((seconds, sweep))

    async def start(self) -> None:
        """Start the scheduler and do whatever fell due while the bot was down, or was held by its killed life."""
        if self._scheduler is None:
            # Before anything is claimed: what this process held when it was killed goes now, not when the lease ends.
            taken_back = await self._service.take_back()
            if taken_back:
                log.info("due work taken back from this process's earlier life", extra={"pieces": taken_back})
            self._scheduler = AsyncIOScheduler(
                timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
            )
            self._scheduler.start()
            for number, (seconds, sweep) in enumerate(self._sweeps):
                self._scheduler.add_job(self._guarded(sweep), "interval", seconds=seconds, id=f"{_JOB}-sweep-{number}")
        await self.run_due()

    async def stop(self) -> None:
        """Stop waking, after a run in progress finishes; work left undone stays in the database for the next start."""
        async with self._running:  # a run in progress finishes first: cancelling it could leave an effect half-done
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def run_due(self) -> int:
        """Claim and carry out everything due now, then sleep until the next; returns how many pieces were done."""
        no_command()  # due work answers no interaction, whichever task woke the scheduler
        # Nor is it read by whoever woke it: what it draws is drawn in each group's language (`speaking`).
        reader = start_reading(None)
        try:
            return await self._run_due()
        finally:
            stop_reading(reader)

    async def _run_due(self) -> int:
        done = 0
        async with self._running:
            self._armed_for, self._woken_during_run = None, False
            guild_ids = list(self._guild_ids())
            try:
                while guild_ids:
                    items = await self._service.claim(guild_ids)
                    if not items:
                        break
                    done += await self._carry_out_all(items)
            finally:
                # Whatever happened, the scheduler wakes again: at the next due time, or soon if woken meanwhile.
                await self._arm(guild_ids)
        return done

    async def clock_moved(self) -> int:
        """The clock jumped (a test setting): do what is due by the new time at once, and set the next wake-up anew."""
        self._armed_for = None
        return await self.run_due()

    def wake(self, at: datetime | None) -> None:
        """New work falls due at `at`: make sure the scheduler wakes by then."""
        if at is None or self._scheduler is None:
            return
        if self._running.locked():
            self._woken_during_run = True
            return
        if self._armed_for is None or at < self._armed_for:
            self._set_job(at)

    async def _carry_out_all(self, items: list[DueItem]) -> int:
        """Carry out a claimed batch: different subjects side by side, each subject's pieces in the order they fell due.

        A burst of reminders then posts while the next is decided, and a meeting's timers never overtake each other.
        """
        by_subject: dict[str, list[DueItem]] = {}
        for item in items:
            by_subject.setdefault(item.key.subject, []).append(item)
        room = asyncio.Semaphore(SIDE_BY_SIDE)

        async def subject(pieces: list[DueItem]) -> int:
            async with room:
                return sum([await self._carry_out(piece) for piece in pieces])

        return sum(await asyncio.gather(*(subject(pieces) for pieces in by_subject.values())))

    async def _carry_out(self, item: DueItem) -> int:
        handler = self._handlers.get(item.key.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for due work of kind {item.key.kind!r}")
            finished = await handler(item)
        except Exception as exc:  # one piece's failure must not stop the others; it is retried later
            again = await self._service.failed(item)
            log.warning(
                "due work failed",
                extra={"due_id": item.id, "kind": item.key.kind, "error": type(exc).__name__, "retry_at": again},
            )
            return 0
        if not finished:
            await self._service.done(item)
        return 1

    async def _arm(self, guild_ids: Sequence[int]) -> None:
        try:
            upcoming = await self._service.next_due(guild_ids) if guild_ids else None
        except Exception:  # the database is away: look again in a while rather than never
            log.exception("could not read when due work is next due")
            upcoming = self._service.clock.now() + RETRY_ARMING
        if self._woken_during_run:
            now = self._service.clock.now()
            upcoming = now if upcoming is None else min(upcoming, now)
        if upcoming is None:
            self._armed_for = None
            if self._scheduler is not None and self._scheduler.get_job(_JOB) is not None:
                self._scheduler.remove_job(_JOB)
            return
        self._set_job(upcoming)

    def _set_job(self, at: datetime) -> None:
        if self._scheduler is None:
            return
        self._armed_for = at
        # APScheduler waits by the real clock: the wait is the same as by the service's clock (which a test may move).
        run_date = datetime.now(UTC) + (at - self._service.clock.now())
        # More than one instance: a run re-armed for "now" from inside itself must not be skipped as overlapping
        # (the runs still take turns on `_running`).
        self._scheduler.add_job(
            self._guarded(self.run_due), "date", run_date=run_date, id=_JOB, replace_existing=True, max_instances=3
        )

    @staticmethod
    def _guarded(job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            no_command()
            try:
                await job()
            except Exception:  # a failed run is logged; the next wake-up tries again
                log.exception("scheduled work failed")

        return run
