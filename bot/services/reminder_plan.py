"""Which scheduled posts a group has to come, as due work: planned whenever its schedule, settings or meetings change.

Functions over a stored group inside the caller's unit of work, so that setting a schedule, ending a meeting and
changing a setting plan the same rows, and the post's own handler can tell at fire time whether it is still wanted.
A plan that changed leaves the old rows in place: they find themselves superseded when they fall due.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.db.models import Group
from bot.db.uow import UnitOfWork
from bot.domain.due import DueKey
from bot.domain.groups import GroupStatus
from bot.domain.reminders import (
    QuietHours,
    ReminderKind,
    ReminderPlan,
    group_subject,
    monthly_posts,
    next_monthly,
    scheduled_posts,
)
from bot.services.due import schedule_in
from bot.services.schedule import cadence_of

ROLL = "schedule.roll"
"""Due work: a meeting day passed without the meeting being ended; the schedule moves on to the next one."""
ROLL_AFTER = timedelta(hours=12)
"""How long after a scheduled meeting's start the schedule moves on if nobody ended it."""


SAME_MONTHLY = timedelta(days=7)
"""A monthly reminder within this of the last one that went is that one again (its quiet hours moved it)."""


def plan_of(group: Group) -> ReminderPlan:
    """The group's reminder settings, in its schedule's time zone.

    Without a schedule the group has no time zone of its own: its quiet hours are kept in UTC (and the preview says
    so), and its monthly reminder goes at the time of day its last meeting ended (or it was made), moved out of them.
    """
    cadence = cadence_of(group)
    return ReminderPlan(
        zone=cadence.zone if cadence is not None else "UTC",
        report_back_lead=timedelta(hours=group.report_back_lead_hours),
        bid_nudge_lead=timedelta(hours=group.bid_nudge_lead_hours),
        quiet=QuietHours(group.quiet_start_hour, group.quiet_end_hour),
        late_after=timedelta(hours=group.reminder_late_hours),
    )


def occasion_of(group: Group, due_at: datetime) -> datetime:
    """What a post due at `due_at` is for: the scheduled meeting, or (without a schedule) its own month."""
    return group.next_meeting_at if group.schedule is not None and group.next_meeting_at is not None else due_at


def went_out(group: Group, kind: ReminderKind, occasion: datetime) -> bool:
    """Whether this kind of post already went out for this occasion (a lead time or quiet hours changed after it went).

    A monthly reminder counts as the same one within a week of the last.
    """
    last = (group.reminded or {}).get(kind.value)
    if last is None:
        return False
    if group.schedule is not None:
        return last == occasion.isoformat()
    return abs(occasion - datetime.fromisoformat(last)) < SAME_MONTHLY


def mark_went_out(group: Group, kind: ReminderKind, occasion: datetime) -> None:
    """Remember that this kind of post was decided for this occasion: it is neither promised nor sent again."""
    group.reminded = {**(group.reminded or {}), kind.value: occasion.isoformat()}


async def anchor_of(uow: UnitOfWork, group: Group) -> datetime:
    """What a group without a schedule counts its monthly reminder from: its last meeting's end, or its making."""
    return await uow.meetings.last_ended(group.id) or group.created_at


def is_wanted(group: Group, kind: ReminderKind, due_at: datetime, anchor: datetime) -> bool:
    """Whether a post planned for `due_at` is still one the group's plan gives (else it was superseded)."""
    if group.status != GroupStatus.ACTIVE or group.text_channel_id is None:
        return False
    plan = plan_of(group)
    if group.schedule is not None:
        return group.next_meeting_at is not None and scheduled_posts(group.next_meeting_at, plan)[kind] == due_at
    return kind is ReminderKind.REPORT_BACK and due_at in monthly_posts(anchor, plan)


async def upcoming(uow: UnitOfWork, group: Group, now: datetime) -> dict[ReminderKind, datetime]:
    """The group's posts still to come after `now`, by kind: only what will go (not what went for this occasion)."""
    if group.status != GroupStatus.ACTIVE or group.text_channel_id is None:
        return {}
    plan = plan_of(group)
    if group.schedule is not None:
        meeting = group.next_meeting_at
        if meeting is None:
            return {}
        posts = scheduled_posts(meeting, plan).items()
        return {kind: at for kind, at in posts if at > now and not went_out(group, kind, meeting)}
    anchor, kind = await anchor_of(uow, group), ReminderKind.REPORT_BACK
    following = next_monthly(anchor, plan, now)
    while following is not None and went_out(group, kind, following):
        following = next_monthly(anchor, plan, following)
    return {} if following is None else {kind: following}


async def plan_reminders(uow: UnitOfWork, group: Group, now: datetime) -> None:
    """Add the group's coming posts (and the move past an unended meeting) as due work; repeats are no-ops."""
    subject = group_subject(group.id)
    keys = [DueKey(subject, kind.value, at) for kind, at in (await upcoming(uow, group, now)).items()]
    if group.schedule is not None and group.next_meeting_at is not None and group.status == GroupStatus.ACTIVE:
        keys.append(DueKey(subject, ROLL, group.next_meeting_at + ROLL_AFTER))
    await schedule_in(uow, group.guild_id, *keys)
