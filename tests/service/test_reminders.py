"""Scheduled posts on a real database, through the scheduler with the clock injected: on time, once, or missed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from bot.app import Services
from bot.bootstrap import build_services
from bot.db.engine import Database
from bot.db.models import DueWork
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import FixedClock
from bot.domain.effects import DirectNotice, Notify
from bot.domain.errors import NotFacilitatorError, NotMemberError, SettingInvalidError
from bot.domain.reminder_notices import BidNudge, GroupReminder, MemberReminder, ReportDigest
from bot.domain.reminders import ReminderKind
from bot.scheduling.runtime import DueRuntime
from bot.services.due import LEASE
from bot.services.effects import QueuedEffect
from bot.services.groups import Actor, GroupService, GroupView
from bot.services.reminder_plan import ROLL
from bot.services.reminders import WentOut
from tests.service.helpers import FAC, FACILITATOR, GUILD, TEXT, add_members, make_group

DEC_1_1830 = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # the first Tuesday in December, 18:30 in London (GMT)
REPORT_AT = DEC_1_1830 - timedelta(hours=72)
NUDGE_AT = DEC_1_1830 - timedelta(hours=24)
ANN, BOB, CY = 21, 22, 23


class Process:
    """One bot process's view: its services, and its scheduler's runtime with the scheduled posts' handlers."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.runtime = DueRuntime(services.due, lambda: [GUILD])
        self.effects: list[QueuedEffect] = []
        for kind in (*ReminderKind, ROLL):
            self.runtime.handle(kind, self._post)

    async def _post(self, item: object) -> None:
        self.effects += await self.services.reminders.on_due(item)  # type: ignore[arg-type]

    def notices(self) -> list[object]:
        """What it posted or sent, in order."""
        return [e.effect.notice for e in self.effects if isinstance(e.effect, Notify | DirectNotice)]


@pytest.fixture
def process(services: Services) -> Process:
    return Process(services)


async def _scheduled_group(groups: GroupService, services: Services) -> GroupView:
    """Set A meets on the first Tuesday at 18:30 London time; Ann and Bob have actions to report on, Cy has none."""
    group = await make_group(groups)
    await add_members(groups, group, ANN, BOB, CY)
    await services.actions.add(GUILD, ANN, "Ask my manager about the rota", group.id)
    await services.actions.add(GUILD, BOB, "Draft the proposal", group.id)
    await services.actions.add(GUILD, BOB, "Talk to the union rep", group.id)
    await groups.set_schedule(
        GUILD, FAC, group.id, "monthly_weekday", at="18:30", zone="Europe/London", weekday="tuesday", ordinal="first"
    )
    return group


async def _rows(uow: UnitOfWorkFactory) -> list[tuple[str, datetime, str | None]]:
    async with uow(write=False) as unit:
        rows = (await unit.session.execute(select(DueWork).where(DueWork.subject.like("group:%")))).scalars().all()
        return sorted((row.kind, row.due_at, row.outcome) for row in rows)


async def _outcome(uow: UnitOfWorkFactory, kind: ReminderKind, due_at: datetime) -> str | None:
    (found,) = [outcome for k, at, outcome in await _rows(uow) if (k, at) == (kind.value, due_at)]
    return found


async def _at(process: Process, clock: FixedClock, moment: datetime) -> list[object]:
    """Travel to `moment` and let the scheduler do what is due; returns what it posted this time."""
    clock.moment = moment
    before = len(process.effects)
    await process.runtime.run_due()
    return [e.effect.notice for e in process.effects[before:] if isinstance(e.effect, Notify | DirectNotice)]


async def test_a_schedule_plans_each_post_at_the_groups_local_time(
    groups: GroupService, services: Services, uow: UnitOfWorkFactory
) -> None:
    await _scheduled_group(groups, services)
    made = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert await _rows(uow) == [
        (ReminderKind.BID_NUDGE.value, NUDGE_AT, None),
        (ReminderKind.DIGEST.value, NUDGE_AT, None),
        (ReminderKind.REPORT_BACK.value, REPORT_AT, None),
        # Planned when the group was made without a schedule; superseded by the schedule when it falls due.
        (ReminderKind.REPORT_BACK.value, made + timedelta(days=30), None),
        (ROLL, DEC_1_1830 + timedelta(hours=12), None),
    ]


async def test_the_reminder_fires_once_mentioning_those_with_actions(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await _scheduled_group(groups, services)
    assert await _at(process, clock, REPORT_AT - timedelta(seconds=1)) == []
    (posted,) = await _at(process, clock, REPORT_AT)
    assert posted == GroupReminder(group.id, (ANN, BOB), int(DEC_1_1830.timestamp()))
    assert await _at(process, clock, REPORT_AT + timedelta(minutes=5)) == [], "fired once"
    view = await services.reminders.reminder(group.id, (ANN, BOB), None)
    assert view is not None
    assert [(m.user_id, [a.text for a in m.actions]) for m in view.members] == [
        (ANN, ["Ask my manager about the rota"]),
        (BOB, ["Draft the proposal", "Talk to the union rep"]),
    ]


async def test_an_action_reported_before_the_post_goes_is_not_asked_about(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await _scheduled_group(groups, services)
    (ann_action,) = await services.actions.to_report(GUILD, ANN, group.id)
    await services.actions.report(GUILD, ANN, ann_action.id, "done", "Asked; the rota changes in January", "")
    (posted,) = await _at(process, clock, REPORT_AT)
    assert isinstance(posted, GroupReminder)
    view = await services.reminders.reminder(group.id, posted.user_ids, None)
    assert view is not None
    assert [m.user_id for m in view.members] == [BOB]


async def test_a_post_due_while_the_bot_was_down_is_sent_once_on_start(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    await _scheduled_group(groups, services)
    posted = await _at(process, clock, REPORT_AT + timedelta(hours=3))  # 21:30 in London, before the quiet hours
    assert [type(n) for n in posted] == [GroupReminder]
    assert await _at(process, clock, REPORT_AT + timedelta(hours=4)) == []


async def test_a_post_too_late_to_be_useful_is_recorded_missed_not_sent(
    groups: GroupService, services: Services, process: Process, clock: FixedClock, uow: UnitOfWorkFactory
) -> None:
    await _scheduled_group(groups, services)
    assert await _at(process, clock, REPORT_AT + timedelta(hours=25)) == []
    assert await _outcome(uow, ReminderKind.REPORT_BACK, REPORT_AT) == "missed"


async def test_a_schedule_changed_after_planning_posts_at_the_new_time_only(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await _scheduled_group(groups, services)
    await groups.set_schedule(
        GUILD, FAC, group.id, "monthly_weekday", at="18:30", zone="Europe/London", weekday="tuesday", ordinal="last"
    )
    last_tuesday = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)  # still to come this month, a day away
    assert await _at(process, clock, REPORT_AT) == [], "the old time is superseded"
    # The new meeting was a day away: its reminder (72 h before) had passed when the schedule was set; next month's:
    december = datetime(2026, 12, 29, 18, 30, tzinfo=UTC)
    assert last_tuesday < clock.now()
    await _at(process, clock, last_tuesday + timedelta(hours=12))  # the meeting day passed: the schedule moves on
    assert await _at(process, clock, december - timedelta(hours=72, seconds=1)) == []
    posted = await _at(process, clock, december - timedelta(hours=72))
    assert posted == [GroupReminder(group.id, (ANN, BOB), int(december.timestamp()))]


async def test_two_processes_on_one_database_post_each_reminder_once(
    groups: GroupService, services: Services, database: Database, clock: FixedClock
) -> None:
    await _scheduled_group(groups, services)
    first, second = Process(services), Process(build_services(database, clock, "second"))
    clock.moment = REPORT_AT
    await asyncio.gather(first.runtime.run_due(), second.runtime.run_due())
    assert len(first.notices() + second.notices()) == 1


async def test_a_process_whose_lease_ran_out_does_not_post_what_another_took_over(
    groups: GroupService, services: Services, database: Database, clock: FixedClock
) -> None:
    await _scheduled_group(groups, services)
    slow, other = services, build_services(database, clock, "second")
    clock.moment = REPORT_AT
    (held,) = [item for item in await slow.due.claim([GUILD]) if item.key.kind == ReminderKind.REPORT_BACK]
    clock.moment += LEASE + timedelta(seconds=1)
    (taken,) = [item for item in await other.due.claim([GUILD]) if item.key.kind == ReminderKind.REPORT_BACK]
    assert len(await other.reminders.on_due(taken)) == 1
    assert await slow.reminders.on_due(held) == [], "the first holder's decision is rolled back"


async def test_a_member_who_chose_direct_messages_gets_one_with_the_channel_to_fall_back_on(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await _scheduled_group(groups, services)
    name, by_dm = await services.reminders.choose_dm(GUILD, BOB, group.id, None, True)
    assert (name, by_dm) == ("Set A", True)
    await _at(process, clock, REPORT_AT)
    sent = [e.effect for e in process.effects]
    stamp = int(DEC_1_1830.timestamp())
    assert Notify(group.id, TEXT, GroupReminder(group.id, (ANN,), stamp)) in sent
    assert DirectNotice(group.id, BOB, MemberReminder(group.id, BOB, stamp), fallback_channel_id=TEXT) in sent


async def test_the_nudge_goes_to_the_channel_and_the_digest_to_the_facilitator(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await _scheduled_group(groups, services)
    (bob_first, _) = await services.actions.to_report(GUILD, BOB, group.id)
    clock.moment = REPORT_AT + timedelta(hours=1)
    await services.actions.report(GUILD, BOB, bob_first.id, "partly", "Half written", "")
    posted = await _at(process, clock, NUDGE_AT)
    stamp = int(DEC_1_1830.timestamp())
    assert BidNudge(group.id, stamp) in posted
    assert ReportDigest(group.id, stamp) in posted
    (digest,) = [e.effect for e in process.effects if isinstance(e.effect.notice, ReportDigest)]  # type: ignore[union-attr]
    assert isinstance(digest, DirectNotice)
    assert digest.user_id == FACILITATOR
    view = await services.reminders.digest(group.id, stamp)
    assert view is not None
    assert (view.reported, view.not_yet) == ([BOB], [(ANN, 1)])


async def test_changing_the_lead_time_moves_the_reminder(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await _scheduled_group(groups, services)
    await groups.update_settings(GUILD, FAC, group.id, {"report_back_lead_hours": 48})
    assert await _at(process, clock, REPORT_AT) == []
    assert [type(n) for n in await _at(process, clock, DEC_1_1830 - timedelta(hours=48))] == [GroupReminder]


async def test_quiet_hours_hold_a_post_until_they_end(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await _scheduled_group(groups, services)
    await groups.update_settings(GUILD, FAC, group.id, {"report_back_lead_hours": 20})  # 22:30 the night before
    assert [type(n) for n in await _at(process, clock, NUDGE_AT)] == [BidNudge, ReportDigest]
    assert await _at(process, clock, DEC_1_1830 - timedelta(hours=20)) == []
    morning = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert [type(n) for n in await _at(process, clock, morning)] == [GroupReminder]


async def test_without_a_schedule_the_reminder_is_monthly(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await make_group(groups)
    await add_members(groups, group, ANN)
    await services.actions.add(GUILD, ANN, "Read the book", group.id)
    made = clock.now()  # planned when the group was made: a month on is its first reminder
    (posted,) = await _at(process, clock, made + timedelta(days=30))
    assert posted == GroupReminder(group.id, (ANN,), None)
    assert [type(n) for n in await _at(process, clock, made + timedelta(days=61))] == [GroupReminder]


async def test_nobody_with_actions_means_no_post(
    groups: GroupService, services: Services, process: Process, clock: FixedClock, uow: UnitOfWorkFactory
) -> None:
    group = await make_group(groups)
    await add_members(groups, group, CY)
    await groups.set_schedule(GUILD, FAC, group.id, "monthly_day", at="18:30", zone="Europe/London", day=1)
    assert [type(n) for n in await _at(process, clock, REPORT_AT)] == []
    assert await _outcome(uow, ReminderKind.REPORT_BACK, REPORT_AT) == "nothing"


async def test_an_archived_group_gets_no_posts(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await _scheduled_group(groups, services)
    await groups.archive(GUILD, FAC, group.id)
    assert await _at(process, clock, NUDGE_AT) == []


async def test_only_the_facilitator_sees_the_preview_and_only_members_choose_dms(
    groups: GroupService, services: Services
) -> None:
    group = await _scheduled_group(groups, services)
    with pytest.raises(NotFacilitatorError):
        await services.reminders.preview(GUILD, Actor(ANN), group.id, None)
    with pytest.raises(NotMemberError):
        await services.reminders.choose_dm(GUILD, 99, group.id, None, True)
    shown = await services.reminders.preview(GUILD, FAC, group.id, None)
    assert shown.upcoming[ReminderKind.REPORT_BACK] == REPORT_AT
    assert sorted(shown.in_channel) == sorted(set(shown.in_channel) | {ANN, BOB, CY})
    assert set(shown.in_channel) - {ANN, BOB, CY} <= {FACILITATOR}
    assert shown.by_dm == []


async def test_a_setting_out_of_range_is_refused_and_nothing_moves(
    groups: GroupService, services: Services, uow: UnitOfWorkFactory
) -> None:
    group = await _scheduled_group(groups, services)
    before = await _rows(uow)
    with pytest.raises(SettingInvalidError):
        await groups.update_settings(GUILD, FAC, group.id, {"quiet_start_hour": 24})
    with pytest.raises(SettingInvalidError):
        await groups.update_settings(GUILD, FAC, group.id, {"reminder_late_hours": 0})
    assert await _rows(uow) == before


async def test_a_lead_time_changed_after_the_reminder_went_does_not_send_it_again(
    groups: GroupService, services: Services, process: Process, clock: FixedClock
) -> None:
    group = await _scheduled_group(groups, services)
    assert [type(n) for n in await _at(process, clock, REPORT_AT)] == [GroupReminder]
    await groups.update_settings(GUILD, FAC, group.id, {"report_back_lead_hours": 48})
    assert await _at(process, clock, DEC_1_1830 - timedelta(hours=48)) == [], "one reminder per meeting"


async def test_a_late_post_that_would_land_in_the_quiet_hours_waits_for_them_to_end(
    groups: GroupService, services: Services, process: Process, clock: FixedClock, uow: UnitOfWorkFactory
) -> None:
    await _scheduled_group(groups, services)  # due 18:30 London time; the bot was down until 23:00
    assert await _at(process, clock, REPORT_AT + timedelta(hours=4, minutes=30)) == []
    morning = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    assert await _at(process, clock, morning - timedelta(minutes=1)) == []
    assert [type(n) for n in await _at(process, clock, morning)] == [GroupReminder]
    assert await _at(process, clock, morning + timedelta(hours=1)) == []
    assert await _outcome(uow, ReminderKind.REPORT_BACK, REPORT_AT) == "sent"


async def test_groups_made_before_reminders_existed_are_planned_once_at_start(
    groups: GroupService, services: Services, uow: UnitOfWorkFactory
) -> None:
    await _scheduled_group(groups, services)
    async with uow() as unit:  # as a database from before reminders holds it: a schedule, no posts planned
        await unit.session.execute(delete(DueWork))
        await unit.commit()
    assert await services.reminders.plan_all([GUILD]) == 1
    assert (ReminderKind.REPORT_BACK.value, REPORT_AT, None) in await _rows(uow)
    assert await services.reminders.plan_all([GUILD]) == 0, "once per guild"


async def test_without_a_schedule_the_quiet_hours_are_kept_in_utc(
    groups: GroupService, services: Services, uow: UnitOfWorkFactory, clock: FixedClock
) -> None:
    clock.moment = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # inside the default quiet hours, 22 to 8, in UTC
    group = await make_group(groups, "Set N")
    ((kind, at, _),) = await _rows(uow)
    morning = datetime(2026, 12, 23, 8, 0, tzinfo=UTC)
    assert (kind, at) == (ReminderKind.REPORT_BACK.value, morning), "a month on, when the quiet hours end"
    shown = await services.reminders.preview(GUILD, FAC, group.id, None)
    assert (shown.zone, str(shown.quiet.describe()), shown.scheduled) == ("UTC", "22:00 to 08:00", False)
    assert shown.upcoming == {ReminderKind.REPORT_BACK: morning}


async def test_a_preview_does_not_promise_a_post_that_already_went_for_the_meeting(
    groups: GroupService, services: Services, process: Process, clock: FixedClock, uow: UnitOfWorkFactory
) -> None:
    group = await _scheduled_group(groups, services)
    assert [type(n) for n in await _at(process, clock, REPORT_AT)] == [GroupReminder]
    await groups.update_settings(GUILD, FAC, group.id, {"report_back_lead_hours": 30})
    shown = await services.reminders.preview(GUILD, FAC, group.id, None)
    assert ReminderKind.REPORT_BACK not in shown.upcoming
    assert shown.went[ReminderKind.REPORT_BACK] == WentOut(REPORT_AT, posted=True)
    assert shown.upcoming[ReminderKind.BID_NUDGE] == NUDGE_AT, "what is still to come is still shown"
    assert (ReminderKind.REPORT_BACK.value, DEC_1_1830 - timedelta(hours=30), None) not in await _rows(uow), (
        "nor planned"
    )
    await _at(process, clock, DEC_1_1830 + timedelta(days=1))  # the meeting passes; the next one's posts are promised
    assert ReminderKind.REPORT_BACK in (await services.reminders.preview(GUILD, FAC, group.id, None)).upcoming


async def test_whose_direct_messages_were_refused_is_not_promised_one_in_the_preview(
    groups: GroupService, services: Services
) -> None:
    group = await _scheduled_group(groups, services)
    await services.reminders.choose_dm(GUILD, BOB, group.id, None, True)
    assert (await services.reminders.preview(GUILD, FAC, group.id, None)).by_dm == [BOB]
    await services.effects.note_dms(GUILD, BOB, closed=True)
    shown = await services.reminders.preview(GUILD, FAC, group.id, None)
    assert shown.by_dm == []
    assert BOB in shown.in_channel
    await services.effects.note_dms(GUILD, BOB, closed=False)  # delivered since: opened again
    assert (await services.reminders.preview(GUILD, FAC, group.id, None)).by_dm == [BOB]


async def test_a_second_press_finds_the_report_the_first_recorded(groups: GroupService, services: Services) -> None:
    group = await _scheduled_group(groups, services)
    found = await services.reminders.to_report(group.id, ANN)
    assert found is not None
    (action,) = found.to_do
    assert found.recorded == []
    await services.actions.report(GUILD, ANN, action.id, "done", "", "")
    again = await services.reminders.to_report(group.id, ANN)
    assert again is not None
    assert again.to_do == []
    assert [(view.text, view.status.label) for view in again.recorded] == [("Ask my manager about the rota", "Done")]
