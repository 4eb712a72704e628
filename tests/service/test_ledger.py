"""The cycle's ledger and the group's history on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from bot.app import Services
from bot.domain.actions import ActionStatus
from bot.domain.clock import FixedClock
from bot.domain.errors import NotFacilitatorError
from bot.domain.ledger import CycleLengthInvalidError
from bot.domain.meeting import Arrive, End
from bot.services.groups import Actor, GroupService, GroupView
from tests.service.helpers import ADMIN, FAC, GUILD, add_members, make_group

A, B = 21, 22
SCHEDULE = {"at": "18:00", "zone": "Europe/London", "weekday": "Tuesday", "ordinal": "first"}


async def _group(groups: GroupService, *members: int) -> GroupView:
    group = await make_group(groups, "Set A")
    await add_members(groups, group, *members)
    return group


async def _meeting(services: Services, clock: FixedClock, group: GroupView, *present: int) -> int:
    """A meeting a week after the clock's time, with `present` there, ended at once; its id."""
    clock.moment += timedelta(weeks=1)
    meeting = (await services.meetings.start(GUILD, FAC, group.id, None)).value
    for user in present:
        await services.meetings.act(GUILD, Actor(user), Arrive(user), meeting_id=meeting.id)
    await services.meetings.act(GUILD, FAC, End(), meeting_id=meeting.id)
    return meeting.id


async def test_a_cycle_length_is_kept_with_the_schedule_and_left_out_it_stays(groups: GroupService) -> None:
    group = await _group(groups, A)
    saved = await groups.set_schedule(GUILD, FAC, group.id, "monthly_weekday", cycle=5, **SCHEDULE)
    assert saved.value.cycle_length == 5
    again = await groups.set_schedule(GUILD, FAC, group.id, "monthly_weekday", **SCHEDULE)
    assert again.value.cycle_length == 5


@pytest.mark.parametrize("wrong", [3, 7])
async def test_a_cycle_length_outside_four_to_six_is_refused_and_nothing_changes(
    groups: GroupService, wrong: int
) -> None:
    group = await _group(groups, A)
    with pytest.raises(CycleLengthInvalidError, match="4 to 6"):
        await groups.set_schedule(GUILD, FAC, group.id, "monthly_weekday", cycle=wrong, **SCHEDULE)
    info = await groups.info(GUILD, FAC, group.id)
    assert (info.group.cycle_length, info.group.schedule) == (None, None)


async def test_info_shows_the_cycles_meetings_attendance_actions_and_follow_through(
    groups: GroupService, services: Services, clock: FixedClock
) -> None:
    group = await _group(groups, A, B)
    await groups.set_schedule(GUILD, FAC, group.id, "monthly_weekday", cycle=4, **SCHEDULE)
    empty = await groups.info(GUILD, Actor(A), group.id)
    assert empty.cycle is not None
    assert (empty.cycle.ledger.held, empty.cycle.place, empty.cycle.ledger.actions.rate) == (0, 1, None)

    await _meeting(services, clock, group, A, B)
    done = (await services.actions.add(GUILD, A, "Call the supplier", group.id)).value
    partly = (await services.actions.add(GUILD, B, "Write the plan", group.id)).value
    await services.actions.add(GUILD, B, "Read the book", group.id)  # still open: not counted in the rate
    await services.actions.report(GUILD, A, done.id, "done", "Called", "")
    await services.actions.report(GUILD, B, partly.id, "partly", "Half of it", "")
    await _meeting(services, clock, group, A)

    info = await groups.info(GUILD, Actor(B), group.id)
    assert info.cycle is not None
    ledger = info.cycle.ledger
    assert (ledger.cycle, ledger.length, ledger.held) == (1, 4, 2)
    assert info.cycle.place == 3
    assert not info.cycle.under_way
    assert [(m.user_id, m.attended, m.actions.committed) for m in ledger.members] == [(A, 2, 1), (B, 1, 2)]
    assert (ledger.actions.done, ledger.actions.partly, ledger.actions.open) == (1, 1, 1)
    assert ledger.actions.rate == Fraction(3, 4)


async def test_a_member_who_left_stays_in_the_ledger_as_having_left(
    groups: GroupService, services: Services, clock: FixedClock
) -> None:
    group = await _group(groups, A, B)
    await _meeting(services, clock, group, A, B)
    await groups.leave(GUILD, B, group.id)
    info = await groups.info(GUILD, Actor(A), group.id)
    assert info.cycle is not None
    assert [(m.user_id, m.current, m.attended) for m in info.cycle.ledger.members] == [(A, True, 1), (B, False, 1)]


async def test_the_summarys_ledger_is_of_the_cycle_the_meeting_belongs_to(
    groups: GroupService, services: Services, clock: FixedClock
) -> None:
    group = await _group(groups, A)
    await groups.set_schedule(GUILD, FAC, group.id, "monthly_weekday", cycle=4, **SCHEDULE)
    ids = [await _meeting(services, clock, group, A) for _ in range(5)]
    fourth = await services.ledger.of_meeting(ids[3])
    fifth = await services.ledger.of_meeting(ids[4])
    assert fourth is not None
    assert fifth is not None
    assert (fourth.ledger.cycle, fourth.ledger.held, fourth.place, fourth.ledger.complete) == (1, 4, 4, True)
    assert (fifth.ledger.cycle, fifth.ledger.held, fifth.place) == (2, 1, 1)
    assert await services.ledger.of_meeting(999_999) is None


async def test_the_history_goes_only_to_the_facilitator_with_every_report(
    groups: GroupService, services: Services, clock: FixedClock
) -> None:
    group = await _group(groups, A, B)
    await _meeting(services, clock, group, A, B)
    action = (await services.actions.add(GUILD, A, "Call the supplier", group.id)).value
    await services.actions.report(GUILD, A, action.id, "not_yet", "No answer", "Ring earlier")
    clock.moment += timedelta(hours=1)
    await services.actions.report(GUILD, A, action.id, "done", "Called", "")

    for outsider in (Actor(A), Actor(B), Actor(99)):
        with pytest.raises(NotFacilitatorError):
            await groups.history(GUILD, outsider, group.id)
    for facilitator in (FAC, ADMIN):
        history = await groups.history(GUILD, facilitator, group.id)
        assert history.group_name == "Set A"
        assert history.members == (A, B)
        (meeting,) = history.meetings
        assert meeting.attended == (A, B)
        assert meeting.ended_at is not None
        (kept,) = history.actions
        assert (kept.text, kept.status, kept.meeting_number) == ("Call the supplier", ActionStatus.DONE, None)
        assert [(r.status, r.happened, r.learnt) for r in kept.reports] == [
            (ActionStatus.NOT_YET, "No answer", "Ring earlier"),
            (ActionStatus.DONE, "Called", ""),
        ]
