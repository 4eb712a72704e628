"""The table of due work on a real database: once per key, claimed with a lease, retried, found after downtime."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Services
from bot.bootstrap import build_services
from bot.db.engine import Database
from bot.domain.clock import FixedClock
from bot.domain.due import MAX_ATTEMPTS, DueKey
from bot.scheduling.runtime import DueRuntime
from bot.services.due import LEASE, DueItem, DueWorkService
from tests.service.helpers import GUILD, OTHER_GUILD


@pytest.fixture
def due(services: Services) -> DueWorkService:
    """Due work as this process sees it."""
    return services.due


@pytest.fixture
def other_process(database: Database, clock: FixedClock) -> DueWorkService:
    """Due work as a second process on the same database sees it (its own units of work, as a process has)."""
    return build_services(database, clock, "second").due


def _key(clock: FixedClock, minutes: int = 0, subject: str = "group:1") -> DueKey:
    return DueKey(subject, "reminder", clock.now() + timedelta(minutes=minutes))


async def test_the_same_work_added_twice_is_one_piece(due: DueWorkService, clock: FixedClock) -> None:
    await due.schedule(GUILD, _key(clock))
    await due.schedule(GUILD, _key(clock))
    assert len(await due.claim([GUILD])) == 1


async def test_only_work_that_is_due_and_of_these_guilds_is_claimed(due: DueWorkService, clock: FixedClock) -> None:
    await due.schedule(GUILD, _key(clock, 0, "a"))
    await due.schedule(GUILD, _key(clock, 5, "b"))
    await due.schedule(OTHER_GUILD, _key(clock, 0, "c"))
    (claimed,) = await due.claim([GUILD])
    assert claimed.key.subject == "a"
    assert await due.next_due([GUILD]) == clock.now() + LEASE, "a claim that is never finished is taken up again"
    await due.done(claimed)
    assert await due.next_due([GUILD]) == clock.now() + timedelta(minutes=5)


async def test_claimed_work_is_nobody_elses_until_its_lease_runs_out(
    due: DueWorkService, other_process: DueWorkService, clock: FixedClock
) -> None:
    await due.schedule(GUILD, _key(clock))
    (mine,) = await due.claim([GUILD])
    assert await other_process.claim([GUILD]) == []
    clock.moment += LEASE + timedelta(seconds=1)
    (taken_over,) = await other_process.claim([GUILD])
    assert taken_over.id == mine.id


async def test_done_work_is_never_claimed_nor_added_again(due: DueWorkService, clock: FixedClock) -> None:
    await due.schedule(GUILD, _key(clock))
    (item,) = await due.claim([GUILD])
    await due.done(item)
    await due.schedule(GUILD, _key(clock))
    clock.moment += timedelta(days=40)
    assert await due.claim([GUILD]) == []
    assert await due.next_due([GUILD]) is None


async def test_failed_work_is_retried_later_and_given_up_after_a_few_tries(
    due: DueWorkService, clock: FixedClock
) -> None:
    await due.schedule(GUILD, _key(clock))
    waits = []
    for _ in range(MAX_ATTEMPTS):
        (item,) = await due.claim([GUILD])
        again = await due.failed(item)
        if again is None:
            break
        waits.append(again - clock.now())
        assert await due.claim([GUILD]) == [], "not before its retry time"
        clock.moment = again
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
    assert await due.claim([GUILD]) == []
    assert await due.next_due([GUILD]) is None


async def test_two_processes_claiming_at_once_never_share_a_piece(
    due: DueWorkService, other_process: DueWorkService, clock: FixedClock
) -> None:
    for n in range(20):
        await due.schedule(GUILD, _key(clock, 0, f"s{n}"))
    first, second = await asyncio.gather(due.claim([GUILD], limit=15), other_process.claim([GUILD], limit=15))
    ids = [item.id for item in first + second]
    assert len(ids) == len(set(ids)) == 20


async def test_work_that_fell_due_while_the_bot_was_down_is_done_once_at_start(
    due: DueWorkService, clock: FixedClock
) -> None:
    await due.schedule(GUILD, _key(clock, 10, "reminder-1"))
    clock.moment += timedelta(days=40)  # the bot was off for 40 days
    done: list[DueItem] = []

    async def record(item: DueItem) -> None:
        done.append(item)

    for _ in range(2):  # two restarts
        runtime = DueRuntime(due, lambda: [GUILD])
        runtime.handle("reminder", record)
        await runtime.start()
        await runtime.stop()
    assert [item.key.subject for item in done] == ["reminder-1"]


async def test_the_runtime_wakes_at_the_next_due_time(due: DueWorkService, clock: FixedClock) -> None:
    ran = asyncio.Event()

    async def record(item: DueItem) -> None:
        ran.set()

    runtime = DueRuntime(due, lambda: [GUILD])
    runtime.handle("reminder", record)
    await runtime.start()
    try:
        soon = clock.now() + timedelta(milliseconds=300)
        await due.schedule(GUILD, DueKey("group:1", "reminder", soon))
        clock.moment = soon  # the fixed clock says it is due; APScheduler wakes by the real one
        runtime.wake(soon)
        await asyncio.wait_for(ran.wait(), 5)
    finally:
        await runtime.stop()


async def test_a_failing_handler_does_not_stop_the_others_and_is_retried(
    due: DueWorkService, clock: FixedClock
) -> None:
    await due.schedule(GUILD, _key(clock, 0, "bad"))
    await due.schedule(GUILD, _key(clock, 0, "good"))
    done: list[str] = []

    async def handle(item: DueItem) -> None:
        if item.key.subject == "bad":
            raise RuntimeError("Discord is down")
        done.append(item.key.subject)

    runtime = DueRuntime(due, lambda: [GUILD])
    runtime.handle("reminder", handle)
    assert await runtime.run_due() == 1
    assert done == ["good"]
    assert await due.next_due([GUILD]) == clock.now() + timedelta(minutes=1)


def test_a_kind_has_exactly_one_handler(due: DueWorkService) -> None:
    runtime = DueRuntime(due, lambda: [GUILD])

    async def handle(item: DueItem) -> None:
        return None

    runtime.handle("reminder", handle)
    with pytest.raises(ValueError, match="already has a handler"):
        runtime.handle("reminder", handle)


async def test_a_burst_of_scheduled_posts_never_keeps_other_due_work_waiting(
    due: DueWorkService, clock: FixedClock
) -> None:
    await due.schedule(GUILD, DueKey("group:1", "remind.report", clock.now() - timedelta(minutes=1)))
    await due.schedule(GUILD, DueKey("meeting:1", "meeting.due", clock.now()))
    (first,) = await due.claim([GUILD], limit=1)
    assert first.key.kind == "meeting.due"


async def test_the_scheduler_waits_as_long_by_the_real_clock_as_by_the_services_clock(
    due: DueWorkService, clock: FixedClock
) -> None:
    """The services' clock may be far from the real one (a fixed clock here, a moved one in the e2e tests)."""
    runtime = DueRuntime(due, lambda: [GUILD])
    await due.schedule(GUILD, _key(clock, 90))
    await runtime.start()
    try:
        assert runtime.armed_for == clock.now() + timedelta(minutes=90)
        (job,) = runtime._scheduler.get_jobs()  # type: ignore[union-attr]
        wait = job.next_run_time - datetime.now(UTC)
        assert timedelta(minutes=89) < wait <= timedelta(minutes=90)
    finally:
        await runtime.stop()


async def test_a_moved_clock_does_at_once_what_fell_due_by_the_new_time(due: DueWorkService, clock: FixedClock) -> None:
    done: list[str] = []

    async def record(item: DueItem) -> None:
        done.append(item.key.subject)

    runtime = DueRuntime(due, lambda: [GUILD])
    runtime.handle("reminder", record)
    await due.schedule(GUILD, _key(clock, 60, "in-an-hour"))
    await due.schedule(GUILD, _key(clock, 120, "in-two-hours"))
    await runtime.start()
    try:
        clock.moment += timedelta(minutes=61)
        assert await runtime.clock_moved() == 1
        assert done == ["in-an-hour"]
        assert runtime.armed_for == clock.now() + timedelta(minutes=59)
    finally:
        await runtime.stop()


async def test_a_restarted_process_takes_back_at_once_what_its_earlier_life_held(
    database: Database, clock: FixedClock
) -> None:
    """Its own claims only: a process of another name may still be alive and at work on its own."""
    killed = build_services(database, clock, "first life", owner="shards 0-1").due
    neighbour = build_services(database, clock, "neighbour", owner="shards 2-3").due
    await killed.schedule(GUILD, _key(clock, 0, "mine"))
    await neighbour.schedule(OTHER_GUILD, _key(clock, 0, "theirs"))
    (held,) = await killed.claim([GUILD])
    (theirs,) = await neighbour.claim([OTHER_GUILD])

    restarted = build_services(database, clock, "second life", owner="shards 0-1").due
    done: list[str] = []

    async def record(item: DueItem) -> None:
        done.append(item.key.subject)

    runtime = DueRuntime(restarted, lambda: [GUILD, OTHER_GUILD])
    runtime.handle("reminder", record)
    await runtime.start()  # the clock has not moved: nothing waits for the dead life's lease to run out
    await runtime.stop()
    assert done == ["mine"]
    await killed.done(held)  # a word from the first life, had it lived on, changes nothing
    await neighbour.done(theirs)
    clock.moment += LEASE + timedelta(minutes=1)
    assert await restarted.claim([GUILD, OTHER_GUILD]) == [], "each piece done once"


async def test_due_work_is_drawn_in_no_ones_language_whoever_woke_it(due: DueWorkService, clock: FixedClock) -> None:
    """A German member's command may wake the scheduler; what it then does is not read by them (each group's own)."""
    from bot import i18n

    seen: list[str] = []

    async def record(item: DueItem) -> None:
        seen.append(i18n.reading())

    await due.schedule(GUILD, _key(clock, -1, "reminder-1"))
    runtime = DueRuntime(due, lambda: [GUILD])
    runtime.handle("reminder", record)
    with i18n.speaking("de"):  # the task that runs it was started inside a German interaction
        await runtime.run_due()
    assert seen == ["en"]
