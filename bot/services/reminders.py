"""The scheduled posts: each decided when it falls due, once, and drawn from the database when it is posted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.models import Group
from bot.db.outbox import QueuedEffect
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.effects import DirectNotice, Effect, Notify
from bot.domain.groups import GroupStatus, MembershipStatus
from bot.domain.reminder_notices import BidNudge, GroupReminder, MemberReminder, ReportDigest
from bot.domain.reminders import (
    QuietHours,
    ReminderKind,
    group_of_subject,
    group_subject,
    out_of_quiet,
    still_useful,
)
from bot.services.actions import ActionView, views_of
from bot.services.due import DueItem
from bot.services.effects import dms_closed_key
from bot.services.groups._guards import active_membership, get_group, require_facilitator
from bot.services.groups._views import Actor, GroupKey
from bot.services.reminder_plan import (
    ROLL,
    ROLL_AFTER,
    anchor_of,
    is_wanted,
    mark_went_out,
    occasion_of,
    plan_of,
    plan_reminders,
    upcoming,
    went_out,
)
from bot.services.schedule import advance_schedule


class Outcome:
    """What became of a scheduled post when it fell due (stored with the due work)."""

    SENT = "sent"
    MISSED = "missed"
    SUPERSEDED = "superseded"
    NOTHING = "nothing"
    MOVED_ON = "moved_on"
    REPEAT = "repeat"


QUIET_GRACE = timedelta(minutes=15)
"""A post this late that would land in the quiet hours waits for them to end (a little late is just late)."""


@dataclass(frozen=True)
class MemberActions:
    """One member's actions still to do, as a reminder lists them."""

    user_id: int
    actions: list[ActionView]


@dataclass(frozen=True)
class ReminderView:
    """A report-back reminder as it is posted now: the group and each member's actions still to do."""

    group_id: int
    group_name: str
    meeting_at: int | None
    members: list[MemberActions]


@dataclass(frozen=True)
class ToReport:
    """What a reminder's button finds for whoever pressed it: their actions still to do, and those just reported."""

    group_name: str
    to_do: list[ActionView]
    recorded: list[ActionView]


@dataclass(frozen=True)
class DigestView:
    """The facilitator's digest: who reported back since the last meeting, who still has actions unreported."""

    group_name: str
    meeting_at: int
    reported: list[int]
    not_yet: list[tuple[int, int]]  # (member, actions still to do)


@dataclass(frozen=True)
class NudgeView:
    """The bid nudge: the group, its meeting, and how many bids are already in."""

    group_name: str
    meeting_at: int
    open_bids: int


@dataclass(frozen=True)
class WentOut:
    """A post of this meeting that is not to come again: when it was decided, and whether anything was posted."""

    at: datetime
    posted: bool


@dataclass(frozen=True)
class PreviewView:
    """What `/reminder preview` shows: the coming posts and when, the settings, and who gets the reminder where."""

    group_id: int
    group_name: str
    zone: str
    quiet: QuietHours
    late_hours: int
    scheduled: bool
    upcoming: dict[ReminderKind, datetime]
    went: dict[ReminderKind, WentOut]
    in_channel: list[int]
    by_dm: list[int]
    meeting_at: int | None


class ReminderService:
    """Each use case is one method and one unit of work."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, instance_id: str) -> None:
        self._uow = uow
        self._clock = clock
        self._instance_id = instance_id

    async def on_due(self, item: DueItem) -> list[QueuedEffect]:
        """A scheduled post (or the schedule's move past an unended meeting) fell due: decide it, once.

        The decision and the due work's end are one transaction, which only commits while this process still holds
        the work: a second process, or this one after a restart, finds it done and posts nothing.
        """
        group_id = group_of_subject(item.key.subject)
        now = self._clock.now()
        async with self._uow() as uow:
            # Locked, like every writer of the group: a meeting ending at the same moment waits, and vice versa.
            group = await uow.groups.get(item.guild_id, group_id, lock=True) if group_id is not None else None
            outcome: str | datetime
            if item.key.kind == ROLL:
                outcome, effects = await _roll(uow, group, item.key.due_at, now)
            else:
                outcome, effects = await _decide(uow, group, ReminderKind(item.key.kind), item.key.due_at, now)
            if isinstance(outcome, datetime):  # late, and now in the quiet hours: it goes when they end
                if await uow.due.postpone(item.id, outcome, held_by=self._instance_id):
                    await uow.commit()
                return []
            if not await uow.due.finish(item.id, now, held_by=self._instance_id, outcome=outcome):
                return []
            if group is not None:
                uow.emit(group.guild_id, *effects)
                await plan_reminders(uow, group, now)
            await uow.commit()
            return uow.committed

    async def reminder(self, group_id: int, user_ids: Sequence[int], meeting_at: int | None) -> ReminderView | None:
        """The reminder as it stands now: only members (of these) who still have actions to do (None: nobody)."""
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_id(group_id)
            if group is None or group.status != GroupStatus.ACTIVE:
                return None
            actions = await uow.meetings.open_actions(group.id, list(user_ids))
            views = await views_of(uow, actions, {group.id: group})
        members = [
            MemberActions(user_id, [view for view in views if view.owner_id == user_id])
            for user_id in dict.fromkeys(user_ids)
        ]
        members = [member for member in members if member.actions]
        return ReminderView(group.id, group.name, meeting_at, members) if members else None

    async def to_report(self, group_id: int, user_id: int) -> ToReport | None:
        """A reminder's button was pressed: the presser's own actions in the group still to do, and those reported.

        Reported: since the group's last meeting, so a second press finds its report already recorded.
        """
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_id(group_id)
            if group is None:
                return None
            since = await uow.meetings.last_ended(group.id)
            owned = await views_of(uow, await uow.actions.of_owners(group.id, [user_id]), {group.id: group})
        recorded = [view for view in owned if view.reports and (since is None or view.reports[-1].at > since)]
        return ToReport(group.name, [view for view in owned if view.status.still_to_do], recorded)

    async def digest(self, group_id: int, meeting_at: int) -> DigestView | None:
        """Who has reported back on an action since the group's last meeting, and who still has some unreported."""
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_id(group_id)
            if group is None or group.status != GroupStatus.ACTIVE:
                return None
            since = await uow.meetings.last_ended(group.id)
            members = [m.user_id for m in await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)]
            to_do = await uow.meetings.open_actions(group.id, members)
            owned = await uow.actions.of_owners(group.id, members)
            reports = await uow.actions.reports_of([action.id for action in owned])
        owner_of = {action.id: action.owner_id for action in owned}
        reported = {owner_of[r.action_id] for r in reports if since is None or r.reported_at > since}
        open_count: dict[int, int] = {}
        for action in to_do:
            open_count[action.owner_id] = open_count.get(action.owner_id, 0) + 1
        not_yet = [(user, count) for user, count in open_count.items() if user not in reported]
        return DigestView(group.name, meeting_at, [user for user in members if user in reported], not_yet)

    async def nudge(self, group_id: int, meeting_at: int) -> NudgeView | None:
        """The bid nudge as it stands now."""
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_id(group_id)
            if group is None or group.status != GroupStatus.ACTIVE:
                return None
            bids = await uow.bids.in_status(group.id, "open")
            return NudgeView(group.name, meeting_at, len(bids))

    async def preview(self, guild_id: int, actor: Actor, which: GroupKey, channel_id: int | None) -> PreviewView:
        """The group's coming posts for its facilitator: when each goes, and who gets the reminder where."""
        now = self._clock.now()
        async with self._uow(write=False) as uow:
            group = await get_group(uow, guild_id, which, channel_id=channel_id)
            require_facilitator(group, actor)
            coming = await upcoming(uow, group, now)
            went = await _went_for_next_meeting(uow, group)
            members = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            # Whose direct messages were refused last time get the reminder in the channel: so the preview says.
            dm = [
                m.user_id
                for m in members
                if _wants_dm(group, m.reminder_dm)
                and await uow.state.get(dms_closed_key(group.guild_id, m.user_id)) != "closed"
            ]
        plan = plan_of(group)
        meeting = group.next_meeting_at if group.schedule is not None else coming.get(ReminderKind.REPORT_BACK)
        return PreviewView(
            group_id=group.id,
            group_name=group.name,
            zone=plan.zone,
            quiet=plan.quiet,
            late_hours=group.reminder_late_hours,
            scheduled=group.schedule is not None,
            upcoming=coming,
            went=went,
            in_channel=[m.user_id for m in members if m.user_id not in dm],
            by_dm=dm,
            meeting_at=int(meeting.timestamp()) if meeting is not None and group.schedule is not None else None,
        )

    async def choose_dm(
        self, guild_id: int, user_id: int, which: GroupKey, channel_id: int | None, choice: bool | None
    ) -> tuple[str, bool]:
        """A member chooses how they get the report-back reminder (None: as the group does); returns the result."""
        async with self._uow() as uow:
            group = await get_group(uow, guild_id, which, channel_id=channel_id, lock=True)
            membership = await active_membership(uow, group, user_id)
            membership.reminder_dm = choice
            uow.emit(guild_id)
            await uow.commit()
            return group.name, _wants_dm(group, choice)

    async def plan_all(self, guild_ids: Sequence[int]) -> int:
        """Plan the coming posts of every active group of these guilds made before reminders existed; returns how many.

        Once per guild (a group made since is planned when it is made): one guild, one transaction at a time.
        """
        planned = 0
        for guild_id in guild_ids:
            async with self._uow() as uow:
                flag = f"reminders-planned:{guild_id}"
                if await uow.state.get(flag) is not None:
                    continue
                now = self._clock.now()
                for group in await uow.groups.in_status(guild_id, GroupStatus.ACTIVE):
                    await plan_reminders(uow, group, now)
                    planned += 1
                await uow.state.put(flag, "1", now)
                await uow.commit()
        return planned


async def _went_for_next_meeting(uow: UnitOfWork, group: Group) -> dict[ReminderKind, WentOut]:
    """The posts of a scheduled group's next meeting that were already decided, and when (from their due work)."""
    meeting = group.next_meeting_at if group.schedule is not None else None
    if meeting is None:
        return {}
    kinds = {kind.value: kind for kind in ReminderKind if went_out(group, kind, meeting)}
    decided = [
        (row.done_at, kinds[row.kind], row.outcome == Outcome.SENT)
        for row in await uow.due.outcomes(group_subject(group.id))
        if row.kind in kinds and row.done_at is not None and row.outcome in (Outcome.SENT, Outcome.NOTHING)
    ]
    # The latest decision of each kind wins (an earlier meeting's is older).
    return {kind: WentOut(done_at, posted) for done_at, kind, posted in sorted(decided)}


def _wants_dm(group: Group, choice: bool | None) -> bool:
    return group.reminder_dms if choice is None else choice


async def _decide(
    uow: UnitOfWork, group: Group | None, kind: ReminderKind, due_at: datetime, now: datetime
) -> tuple[str | datetime, list[Effect]]:
    """Whether the post is still wanted and still useful, and if so what goes where (or, a time: not before then)."""
    if group is None:
        return Outcome.SUPERSEDED, []
    # A scheduled group's posts hang on its next meeting; only a group without a schedule counts from its last one.
    anchor = group.created_at if group.schedule is not None else await anchor_of(uow, group)
    if not is_wanted(group, kind, due_at, anchor):
        return Outcome.SUPERSEDED, []
    meeting_at = group.next_meeting_at if group.schedule is not None else None
    plan = plan_of(group)
    if not still_useful(due_at, now, plan, meeting_at):
        return Outcome.MISSED, []
    occasion = occasion_of(group, due_at)
    if went_out(group, kind, occasion):
        return Outcome.REPEAT, []
    if now - due_at > QUIET_GRACE and plan.quiet.covers(now.astimezone(plan.tz)):
        later = out_of_quiet(now, plan.quiet, plan.tz, before=meeting_at)
        return (later, []) if later > now and still_useful(due_at, later, plan, meeting_at) else (Outcome.MISSED, [])
    mark_went_out(group, kind, occasion)
    channel = group.text_channel_id
    if channel is None:
        return Outcome.SUPERSEDED, []  # is_wanted already says so: a group without its channel has no posts
    if kind is ReminderKind.REPORT_BACK:
        return await _report_back(uow, group, channel, meeting_at)
    if meeting_at is None:
        return Outcome.SUPERSEDED, []  # is_wanted already says so: only a scheduled meeting has a nudge and a digest
    stamp = int(meeting_at.timestamp())
    if kind is ReminderKind.BID_NUDGE:
        return Outcome.SENT, [Notify(group.id, channel, BidNudge(group.id, stamp))]
    return Outcome.SENT, [DirectNotice(group.id, group.facilitator_id, ReportDigest(group.id, stamp))]


async def _report_back(
    uow: UnitOfWork, group: Group, channel: int, meeting_at: datetime | None
) -> tuple[str, list[Effect]]:
    """Members with actions to do: in the channel, mentioned together; by direct message, those who chose it."""
    members = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
    actions = await uow.meetings.open_actions(group.id, [m.user_id for m in members])
    owners = list(dict.fromkeys(action.owner_id for action in actions))
    if not owners:
        return Outcome.NOTHING, []
    stamp = int(meeting_at.timestamp()) if meeting_at is not None else None
    dm = {m.user_id for m in members if _wants_dm(group, m.reminder_dm)}
    here = tuple(user for user in owners if user not in dm)
    effects: list[Effect] = [Notify(group.id, channel, GroupReminder(group.id, here, stamp))] if here else []
    effects += [
        DirectNotice(group.id, user, MemberReminder(group.id, user, stamp), fallback_channel_id=channel)
        for user in owners
        if user in dm
    ]
    return Outcome.SENT, effects


async def _roll(uow: UnitOfWork, group: Group | None, due_at: datetime, now: datetime) -> tuple[str, list[Effect]]:
    """A scheduled meeting's day passed: unless it was ended (or is still going), the schedule moves to the next."""
    if (
        group is None
        or group.status != GroupStatus.ACTIVE
        or group.schedule is None
        or group.next_meeting_at is None
        or group.next_meeting_at + ROLL_AFTER != due_at
    ):
        return Outcome.SUPERSEDED, []
    if await uow.meetings.open_in(group.id) is not None:
        return Outcome.NOTHING, []  # the meeting is still going: its end moves the schedule on
    return Outcome.MOVED_ON, advance_schedule(group, now)
