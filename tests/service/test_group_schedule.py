"""A group's meeting schedule on a real database: the rule and the next meeting stored, and its Discord event."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.app import Services
from bot.domain.cadence import CadenceInvalidError, MonthlyOnWeekday, Ordinal, Weekday, to_dict
from bot.domain.clock import FixedClock
from bot.domain.effects import SyncMeetingEvent
from bot.domain.errors import NotFacilitatorError
from bot.domain.groups import VoiceKind
from bot.domain.meeting import End
from bot.services.effects import QueuedEffect
from bot.services.groups import Actor, GroupService, GroupView
from tests.service.helpers import ADMIN, FAC, GUILD, TEXT, VOICE, add_members, make_group

FIRST_TUESDAY = {"weekday": "tuesday", "ordinal": "first"}
DEC_1_1830 = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # London keeps GMT in winter


async def _first_tuesday(groups: GroupService, group: GroupView, actor: Actor = FAC) -> GroupView:
    outcome = await groups.set_schedule(
        GUILD, actor, group.id, "monthly_weekday", at="18:30", zone="Europe/London", **FIRST_TUESDAY
    )
    return outcome.value


async def _stored(groups: GroupService, group: GroupView) -> GroupView:
    return (await groups.info(GUILD, FAC, group.id)).group


def _event_syncs(effects: list[QueuedEffect]) -> list[int]:
    return [item.effect.group_id for item in effects if isinstance(item.effect, SyncMeetingEvent)]


async def test_a_schedule_stores_the_rule_and_the_next_meeting_in_utc(groups: GroupService) -> None:
    group = await make_group(groups)
    await _first_tuesday(groups, group)
    stored = await _stored(groups, group)
    rule = MonthlyOnWeekday(at=time(18, 30), zone="Europe/London", ordinal=Ordinal.FIRST, weekday=Weekday.TUESDAY)
    assert stored.schedule == rule
    assert stored.next_meeting_at == DEC_1_1830


async def test_setting_a_schedule_makes_the_next_meetings_event_at_the_group_channel(groups: GroupService) -> None:
    group = await make_group(groups)
    outcome = await groups.set_schedule(
        GUILD, FAC, group.id, "monthly_weekday", at="18:30", zone="Europe/London", **FIRST_TUESDAY
    )
    assert _event_syncs(outcome.effects) == [group.id]
    plan = await groups.event_plan(group.id)
    assert plan is not None
    assert plan.wanted is not None
    assert (plan.guild_id, plan.event_id) == (GUILD, None)
    assert (plan.wanted.start, plan.wanted.text_channel_id, plan.wanted.voice_channel_id) == (DEC_1_1830, TEXT, None)
    assert plan.wanted.end > plan.wanted.start, "Discord needs an end for an event outside a voice channel"


async def test_the_event_is_in_the_groups_voice_channel_when_it_has_one(groups: GroupService) -> None:
    reserved = await groups.begin_creation(GUILD, ADMIN, "Set V", 10, voice=VoiceKind.STAGE)
    group = (await groups.complete_creation(GUILD, reserved.id, TEXT, VOICE)).value
    await _first_tuesday(groups, group)
    plan = await groups.event_plan(group.id)
    assert plan is not None
    assert plan.wanted is not None
    assert (plan.wanted.voice_channel_id, plan.wanted.stage) == (VOICE, True)


async def test_changing_the_schedule_moves_the_remembered_event(groups: GroupService) -> None:
    group = await make_group(groups)
    await _first_tuesday(groups, group)
    await groups.record_event(group.id, 777)
    outcome = await groups.set_schedule(GUILD, FAC, group.id, "monthly_day", at="09:00", zone="Europe/London", day=15)
    assert _event_syncs(outcome.effects) == [group.id]
    assert (await _stored(groups, group)).next_meeting_at == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    plan = await groups.event_plan(group.id)
    assert plan is not None
    assert plan.wanted is not None
    assert (plan.event_id, plan.wanted.start) == (777, datetime(2026, 12, 15, 9, 0, tzinfo=UTC))


async def test_clearing_the_schedule_forgets_it_and_deletes_the_event(groups: GroupService) -> None:
    group = await make_group(groups)
    await _first_tuesday(groups, group)
    await groups.record_event(group.id, 777)
    outcome = await groups.set_schedule(GUILD, FAC, group.id, "none")
    assert _event_syncs(outcome.effects) == [group.id]
    stored = await _stored(groups, group)
    assert (stored.schedule, stored.next_meeting_at) == (None, None)
    plan = await groups.event_plan(group.id)
    assert plan is not None
    assert (plan.event_id, plan.wanted) == (777, None)


async def test_a_group_without_a_schedule_or_event_has_nothing_to_sync(groups: GroupService) -> None:
    group = await make_group(groups)
    outcome = await groups.set_schedule(GUILD, FAC, group.id, "none")
    assert _event_syncs(outcome.effects) == []


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("monthly_weekday", {"weekday": "monday", "ordinal": "fifth"}, "fifth Monday"),
        ("monthly_weekday", {"weekday": "monday"}, "which one in the month"),
        ("weeks", {"weeks": 6}, "first meeting"),
        ("once", {"on": "2026-11-01"}, "already passed"),
    ],
)
async def test_refused_input_stores_nothing(
    groups: GroupService, kind: str, options: dict[str, str | int], message: str
) -> None:
    group = await make_group(groups)
    await _first_tuesday(groups, group)
    with pytest.raises(CadenceInvalidError, match=message):
        await groups.set_schedule(GUILD, FAC, group.id, kind, at="18:30", zone="Europe/London", **options)
    stored = await _stored(groups, group)
    assert stored.schedule is not None
    assert to_dict(stored.schedule)["kind"] == "monthly_weekday"
    assert stored.next_meeting_at == DEC_1_1830


@pytest.mark.parametrize(("at", "zone"), [(None, "Europe/London"), ("18:30", None), ("18:30", "Mars/Olympus")])
async def test_a_schedule_needs_a_time_and_a_known_zone(groups: GroupService, at: str | None, zone: str | None) -> None:
    group = await make_group(groups)
    with pytest.raises(CadenceInvalidError):
        await groups.set_schedule(GUILD, FAC, group.id, "monthly_weekday", at=at, zone=zone, **FIRST_TUESDAY)
    assert (await _stored(groups, group)).schedule is None


async def test_only_the_facilitator_or_a_server_manager_sets_the_schedule(groups: GroupService) -> None:
    group = await make_group(groups)
    with pytest.raises(NotFacilitatorError):
        await _first_tuesday(groups, group, Actor(5))
    assert (await _stored(groups, group)).schedule is None
    assert (await _first_tuesday(groups, group, ADMIN)).next_meeting_at == DEC_1_1830


async def test_archiving_deletes_the_event(groups: GroupService) -> None:
    group = await make_group(groups)
    await _first_tuesday(groups, group)
    await groups.record_event(group.id, 777)
    outcome = await groups.archive(GUILD, FAC, group.id)
    assert _event_syncs(outcome.effects) == [group.id]
    plan = await groups.event_plan(group.id)
    assert plan is not None
    assert (plan.event_id, plan.wanted) == (777, None)


async def test_a_meeting_day_that_passed_puts_the_event_on_the_rules_next_meeting(
    groups: GroupService, clock: FixedClock
) -> None:
    group = await make_group(groups)
    await _first_tuesday(groups, group)
    clock.moment = DEC_1_1830 + timedelta(hours=3)
    plan = await groups.event_plan(group.id)
    assert plan is not None
    assert plan.wanted is not None
    assert plan.wanted.start == datetime(2027, 1, 5, 18, 30, tzinfo=UTC)


async def test_a_meeting_that_ends_moves_the_next_meeting_and_its_event_on(
    groups: GroupService, services: Services, clock: FixedClock
) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 21, 22)
    await _first_tuesday(groups, group)
    await groups.record_event(group.id, 777)
    clock.moment = DEC_1_1830
    meeting = (await services.meetings.start(GUILD, FAC, group.id, None)).value
    clock.moment = DEC_1_1830 + timedelta(hours=2)
    ended = await services.meetings.act(GUILD, FAC, End(), meeting_id=meeting.id)
    assert [item.effect for item in ended.effects if isinstance(item.effect, SyncMeetingEvent)] == [
        SyncMeetingEvent(group.id, retire_event_id=777)
    ]
    assert (await _stored(groups, group)).next_meeting_at == datetime(2027, 1, 5, 18, 30, tzinfo=UTC)
    plan = await groups.event_plan(group.id)
    assert plan is not None
    assert plan.event_id is None, "the meeting held keeps its event; the following one gets a new event"


async def test_a_meeting_held_before_the_scheduled_one_leaves_its_event_alone(
    groups: GroupService, services: Services
) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 21, 22)
    await _first_tuesday(groups, group)
    meeting = (await services.meetings.start(GUILD, FAC, group.id, None)).value
    ended = await services.meetings.act(GUILD, FAC, End(), meeting_id=meeting.id)
    assert _event_syncs(ended.effects) == []
    assert (await _stored(groups, group)).next_meeting_at == DEC_1_1830
