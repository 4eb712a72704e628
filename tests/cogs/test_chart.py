"""The follow-through chart's data (not its pixels): its rates, their dates, its cycle, and the ledger's agreement."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from fractions import Fraction

from bot.app import Services
from bot.domain.actions import ActionStatus
from bot.domain.clock import FixedClock
from bot.domain.meeting import Arrive, End
from bot.services.groups import Actor, GroupService
from cogs.groups._history_chart import SINCE, SO_FAR, chart, chart_data
from tests.cogs.chart_data import ACTIONS, MEETINGS, NAMES, OPEN, planted
from tests.service.helpers import FAC, GUILD, add_members, make_group

A, B = 21, 22


def test_each_member_shows_their_follow_through_rate_as_the_ledger_counts_it() -> None:
    data = chart_data(planted(), NAMES)
    assert [(bar.name, bar.rate, bar.note) for bar in data.members] == [
        ("Asha", Fraction(1), "100 % of 2 reported"),
        ("Ben", Fraction(1, 4), "25 % of 2 reported"),
        ("Chloé", Fraction(1, 2), "50 % of 2 reported"),
        ("Dev (left)", None, "none reported yet"),
    ]
    assert [(bar.counts.done, bar.counts.open) for bar in data.members] == [(2, 1), (0, 1), (1, 0), (0, 1)]


def test_the_groups_rate_is_shown_as_it_stood_after_each_meeting_of_the_cycle_by_date() -> None:
    data = chart_data(planted(), NAMES)
    assert [(point.name, point.day, point.rate) for point in data.points] == [
        ("Meeting 5", date(2026, 3, 2), None),  # nothing reported yet
        ("Meeting 6", date(2026, 3, 30), Fraction(1, 2)),  # a report during the meeting counts
        ("Meeting 7", date(2026, 4, 27), Fraction(7, 10)),  # not yet became done in between
        (str(SINCE), date(2026, 5, 5), Fraction(7, 12)),  # a report after the last meeting
    ]
    days = [point.day for point in data.points]
    assert days == sorted(days)


def test_the_chart_is_of_the_cycle_the_ledger_shows_and_names_it() -> None:
    data = chart_data(planted(), NAMES)
    assert (data.title, data.subtitle) == (
        "Follow-through in Leaders' set",
        "Cycle 2 (meetings 5 to 8): 3 of 4 meetings held",
    )
    assert all(point.day >= date(2026, 3, 2) for point in data.points), "no meeting of cycle 1"
    assert sum(bar.counts.committed for bar in data.members) == data.counts.committed == 9, "no action of cycle 1"
    whole = chart_data(planted(length=None), NAMES)
    assert whole.subtitle == "Since the group began: 7 meetings held"
    assert [point.name for point in whole.points][:2] == ["Meeting 1", "Meeting 2"]
    assert whole.counts.committed == len(ACTIONS)


def test_there_is_no_point_after_the_last_meeting_unless_someone_reported_after_it() -> None:
    quiet = tuple(
        dataclasses.replace(action, status=OPEN, reports=()) if action.id == 10 else action for action in ACTIONS
    )
    data = chart_data(planted(quiet), NAMES)
    assert [point.name for point in data.points] == ["Meeting 5", "Meeting 6", "Meeting 7"]
    assert data.points[-1].rate == data.counts.rate == Fraction(7, 10)


def test_before_the_cycles_first_meeting_ends_only_reports_make_a_point() -> None:
    first_only = tuple(m if m.number < 4 else dataclasses.replace(m, ended_at=None) for m in MEETINGS[:5])
    data = chart_data(planted(meetings=first_only), NAMES)
    assert data.subtitle == "Cycle 1 (meetings 1 to 4): 4 of 4 meetings held"
    earlier = tuple(m for m in MEETINGS[:1])
    none_held = chart_data(planted(ACTIONS[2:3], tuple(dataclasses.replace(m, ended_at=None) for m in earlier)), NAMES)
    assert [(point.name, point.day, point.rate) for point in none_held.points] == [(str(SO_FAR), date(2026, 2, 20), 0)]


def test_the_chart_draws_a_png_for_a_cycle_with_nothing_in_it_yet() -> None:
    empty = planted((), ())
    assert chart_data(empty, {}).points == ()
    assert chart(empty, {}).startswith(b"\x89PNG\r\n\x1a\n")
    assert chart(planted(), NAMES).startswith(b"\x89PNG\r\n\x1a\n")


async def _meeting(services: Services, clock: FixedClock, group_id: int, *present: int) -> None:
    clock.moment += timedelta(weeks=2)
    meeting = (await services.meetings.start(GUILD, FAC, group_id, None)).value
    for user in present:
        await services.meetings.act(GUILD, Actor(user), Arrive(user), meeting_id=meeting.id)
    clock.moment += timedelta(hours=2)
    await services.meetings.act(GUILD, FAC, End(), meeting_id=meeting.id)


async def _report(services: Services, clock: FixedClock, user: int, text: str, group_id: int, status: str) -> None:
    action = (await services.actions.add(GUILD, user, text, group_id)).value
    clock.moment += timedelta(days=3)
    await services.actions.report(GUILD, user, action.id, status, "", "")


async def test_the_chart_and_the_ledger_agree_on_a_real_database(
    groups: GroupService, services: Services, clock: FixedClock
) -> None:
    group = await make_group(groups, "Set A")
    await add_members(groups, group, A, B)
    schedule = {"at": "18:00", "zone": "Europe/London", "weekday": "Tuesday", "ordinal": "first"}
    await groups.set_schedule(GUILD, FAC, group.id, "monthly_weekday", cycle=4, **schedule)
    for _ in range(4):
        await _report(services, clock, A, "Cycle one", group.id, "dropped")
        await _meeting(services, clock, group.id, A, B)
    await _meeting(services, clock, group.id, A, B)  # cycle 2 begins
    await _report(services, clock, A, "Call the supplier", group.id, "done")
    await _report(services, clock, B, "Write the plan", group.id, "partly")
    await _meeting(services, clock, group.id, A)
    await _report(services, clock, B, "Read the book", group.id, "not_yet")
    await services.actions.add(GUILD, A, "Still to do", group.id)

    history = await groups.history(GUILD, FAC, group.id)
    data = chart_data(history, {})
    shown = (await groups.info(GUILD, FAC, group.id)).cycle
    assert shown is not None
    book = shown.ledger
    assert book.cycle == 2
    assert [bar.counts for bar in data.members] == [member.actions for member in book.members]
    assert data.counts == book.actions
    assert data.points[-1].rate == book.actions.rate == Fraction(3, 6)
    assert [point.name for point in data.points] == ["Meeting 5", "Meeting 6", str(SINCE)]
    assert len(data.points) - 1 == book.held
    assert [point.rate for point in data.points] == [None, Fraction(3, 4), Fraction(1, 2)]
    assert data.members[0].counts.count(ActionStatus.OPEN) == 1
