"""How group notices and group details look in Discord; every echo of member text pings nobody."""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

import discord
from discord.utils import escape_markdown

from bot.domain.actions import REPORTED, ActionStatus
from bot.domain.cadence import CLOCK_CHANGE_RULE, describe, moved_by_clock_change
from bot.domain.ground_rules import GROUND_RULES
from bot.domain.group_notices import (
    Archived,
    FacilitatorChanged,
    GroupNotice,
    JoinDeclined,
    JoinRequest,
    JoinRequestClosed,
    MemberLeft,
    MemberMovedIn,
    MemberMovedOut,
    MemberRemoved,
    RulesAccepted,
    RulesPrompt,
    Split,
    Welcome,
)
from bot.domain.groups import CrossTalk, VotingMethod
from bot.domain.ledger import FOLLOW_THROUGH_RULE, StatusCounts, percent
from bot.domain.reminders import QuietHours
from bot.domain.words import person, plural
from bot.i18n import LANGUAGES
from bot.services.cycle import CycleView
from bot.services.groups import GroupInfo, GroupView
from bot.ui.applier import Post

COLOUR = discord.Colour.teal()
SET_A_SCHEDULE = "`/group schedule monthly` or `/group schedule weekly`"
"""The commands that set the common schedules, for a text that tells the facilitator to set one."""
NO_SCHEDULE = f"No schedule yet ({SET_A_SCHEDULE})"


def no_events_note(command: str) -> str:
    """What a schedule's reply adds without Manage Events: `command` is the one just run, to run again."""
    return (
        "\nI do not have the Manage Events permission, so the meeting cannot show as a Discord event. "
        f"Once a server manager gives it to me, run `/{command}` again."
    )


RETRY_NOTE = (
    "\nSome of it has not gone through yet: I will keep trying for a few minutes (if this keeps happening, check "
    "my Manage Roles permission)."
)


def plain(text: str) -> str:
    """Member text that cannot format, ping or show as a mention pill (a name from before such names were refused)."""
    return escape_markdown(text).replace("<", "\\<")


def name(text: str) -> str:
    """A group name as bold text that cannot format or ping."""
    return f"**{plain(text)}**"


def ground_rules_embed(group_name: str) -> discord.Embed:
    """The four ground rules, as every member sees them before taking part."""
    embed = discord.Embed(title=f"Ground rules of {plain(group_name)}", colour=COLOUR)
    for number, (title, text) in enumerate(GROUND_RULES, start=1):
        embed.add_field(name=f"{number}. {title}", value=text, inline=False)
    return embed


def render_notice(notice: GroupNotice, view: discord.ui.View | None = None) -> Post:
    """The post for a group notice; `view` holds the buttons a notice carries."""
    match notice:
        case Welcome(group=group, facilitator_id=facilitator_id):
            embed = ground_rules_embed(group)
            embed.description = (
                f"This is the private channel of {name(group)}, an action learning set. Only its members, its "
                f"facilitator ({person(facilitator_id)}) and Setkeeper can see it. Every member accepts these ground "
                "rules before taking part."
            )
            return Post(embed=embed)
        case RulesPrompt(group=group, user_id=user_id):
            return Post(
                content=f"{person(user_id)}, welcome to {name(group)}. Please read the ground rules and accept them to "
                "take part.",
                embed=ground_rules_embed(group),
                view=view,
                mentions=_ping(user_id),
            )
        case JoinRequest(group=group, user_id=user_id, facilitator_id=facilitator_id):
            return Post(
                content=f"{person(user_id)} asks to join {name(group)}. {person(facilitator_id)}, will you approve?",
                view=view,
                mentions=_ping(facilitator_id),
            )
        case RulesAccepted(user_id=user_id):
            return Post(content=f"{person(user_id)} has accepted the ground rules. Welcome!")
        case MemberLeft(user_id=user_id):
            return Post(content=f"{person(user_id)} has left the group.")
        case MemberRemoved(user_id=user_id):
            return Post(content=f"{person(user_id)} is no longer a member of this group.")
        case MemberMovedIn(user_id=user_id, source=source):
            return Post(
                content=f"{person(user_id)} has moved here from {name(source)}. Welcome!", mentions=_ping(user_id)
            )
        case MemberMovedOut(user_id=user_id, to=to):
            return Post(content=f"{person(user_id)} has moved to {name(to)}.")
        case FacilitatorChanged(group=group, user_id=user_id):
            return Post(content=f"{person(user_id)} now facilitates {name(group)}.", mentions=_ping(user_id))
        case Split(group=group, new_group=new_group):
            return Post(
                content=f"{name(group)} has split in two: some members now meet as {name(new_group)}. Nobody takes "
                "offence; fit matters."
            )
        case JoinDeclined(group=group, archived=archived):
            why = (
                "it has ended its cycle and takes no new members"
                if archived
                else "it was not accepted this time. Nobody takes offence: fit matters"
            )
            return Post(
                content=f"Your request to join {name(group)} is closed: {why}. Ask another group with /group join, "
                "or talk to a facilitator."
            )
        case JoinRequestClosed(group=group, user_id=user_id):
            return Post(content=f"{person(user_id)} asked to join {name(group)}. {_request_outcome(notice)}")
        case Archived(group=group, by=by):
            return Post(
                content=f"{name(group)} has ended its cycle and is archived (by {person(by)}). This channel stays "
                "readable to its members; nothing new can be posted. Thank you all."
            )
        case _:
            assert_never(notice)


def _ping(user_id: int) -> discord.AllowedMentions:
    return discord.AllowedMentions(users=[discord.Object(user_id)])


def _request_outcome(closed: JoinRequestClosed) -> str:
    by = f"{person(closed.by)}" if closed.by else "The facilitator"
    match closed.outcome:
        case "approved":
            return f"{by} approved the request."
        case "declined":
            return f"{by} declined the request."
        case "withdrawn":
            return "They withdrew the request."
        case "archived":
            return "The request was closed when the group was archived."
        case "added":
            return "They have been added to the group."


def info_embed(info: GroupInfo) -> discord.Embed:
    """What `/group info` shows a member."""
    group: GroupView = info.group
    settings = group.settings
    status = "archived" if group.archived else "active"
    embed = discord.Embed(title=plain(group.name), colour=COLOUR, description=f"Status: {status}")
    embed.add_field(name="Facilitator", value=f"{person(group.facilitator_id)}", inline=True)
    if group.text_channel_id:
        embed.add_field(name="Channel", value=f"<#{group.text_channel_id}>", inline=True)
    lines = [
        f"{person(member.user_id)}" + ("" if member.rules_accepted_at else " (has not accepted the ground rules yet)")
        for member in info.members
    ]
    embed.add_field(
        name=f"Members: {len(info.members)} (the group takes {settings.min_size} to {settings.max_size})",
        value="\n".join(lines) or "Nobody yet. The facilitator adds members with /group add.",
        inline=False,
    )
    if info.requests:
        embed.add_field(name="Asking to join", value=" ".join(person(user) for user in info.requests), inline=False)
    cadence, next_meeting = schedule_texts(group)
    embed.add_field(name="Meets", value=cadence, inline=True)
    embed.add_field(name="Next meeting", value=next_meeting, inline=True)
    if info.cycle is not None:
        heading, *rows = ledger_lines(info.cycle)
        embed.add_field(
            name="Meetings and actions", value=_within("\n".join([f"**{heading}**", *rows]), 1024), inline=False
        )
    embed.add_field(name="Settings", value=settings_text(group), inline=False)
    embed.set_footer(text=f"Created {group.created_at:%d %b %Y}")
    return embed


def cycle_heading(cycle: CycleView, *, summary: bool = False) -> str:
    """The cycle and where the meeting stands in it: "Cycle 1: 2 of 6 meetings held; meeting 3 is next"."""
    ledger = cycle.ledger
    if ledger.length is None:
        return f"Since the group began: {plural(ledger.held, 'meeting')} held"
    heading = f"Cycle {ledger.cycle}: {ledger.held} of {ledger.length} meetings held"
    if ledger.complete:
        heading += " (complete)"
    place = f"meeting {cycle.place} of {ledger.length}"
    if cycle.starts_next_cycle:
        place += f" of cycle {ledger.cycle + 1}"
    if summary:
        return f"{heading}; this was {place}"
    return f"{heading}; {place} {'is under way' if cycle.under_way else 'is next'}"


def ledger_lines(cycle: CycleView, *, summary: bool = False) -> list[str]:
    """The cycle's ledger: its heading, the actions and their follow-through, then one line per member."""
    ledger = cycle.ledger
    counts = ledger.actions
    lines = [cycle_heading(cycle, summary=summary)]
    if counts.committed:
        reported = f"; of the {counts.reported} reported on, {percent(counts.rate)} followed through"
        lines.append(f"Actions: {counts.committed} ({status_counts(counts)}){reported if counts.reported else ''}")
    else:
        lines.append("Actions: none set yet")
    for member in ledger.members:
        left = "" if member.current else " (left)"
        rate = f", {percent(member.actions.rate)} followed through" if member.actions.reported else ""
        lines.append(
            f"- {person(member.user_id)}{left}: came to {member.attended} of {plural(ledger.held, 'meeting')}; "
            f"{plural(member.rounds, 'round')} for their issues; {plural(member.actions.committed, 'action')}{rate}"
        )
    lines.append(FOLLOW_THROUGH_RULE)
    return lines


def status_counts(counts: StatusCounts) -> str:
    """Actions by status, the ones there are: "2 done, 1 partly done, 1 open"."""
    shown = [status for status in (*REPORTED, ActionStatus.OPEN) if counts.count(status)]
    return ", ".join(f"{counts.count(status)} {status.label.lower()}" for status in shown)


def _within(text: str, limit: int) -> str:
    """Whole lines of `text` that fit in `limit` characters."""
    if len(text) <= limit:
        return text
    return text[: text.rfind("\n", 0, limit - 2)] + "\n…"


def timestamps(moment: datetime) -> str:
    """A moment as everyone sees it in their own time zone: the full date and time, and how far off it is."""
    seconds = int(moment.timestamp())
    return f"<t:{seconds}:F> (<t:{seconds}:R>)"


def schedule_texts(group: GroupView) -> tuple[str, str]:
    """The group's cadence in words and its next meeting as Discord timestamps (or that there is none)."""
    if group.schedule is None:
        return NO_SCHEDULE, NO_SCHEDULE
    upcoming = timestamps(group.next_meeting_at) if group.next_meeting_at else "None to come"
    return describe(group.schedule), upcoming


def schedule_reply(group: GroupView) -> str:
    """What `/group schedule` answers: the schedule, the next meeting, and the clock-change rule where it applies."""
    cycle = [] if group.cycle_length is None else [f"A cycle is {group.cycle_length} meetings."]
    if group.schedule is None:
        cleared = f"{name(group.name)} has no schedule now; its Discord event for the next meeting is removed."
        return "\n".join([cleared, *cycle])
    cadence, upcoming = schedule_texts(group)
    lines = [f"Schedule saved for {name(group.name)}: {cadence}.", f"Next meeting: {upcoming}.", *cycle]
    if group.next_meeting_at is not None and moved_by_clock_change(group.schedule, group.next_meeting_at):
        lines.append(CLOCK_CHANGE_RULE)
    return "\n".join(lines)


def quiet_hours(quiet: QuietHours, zone: str | None) -> str:
    """Quiet hours as every reply shows them: in the zone they are kept in, named (UTC until a schedule gives one)."""
    if quiet.off:
        return "none"
    return f"{quiet.describe()} ({zone or 'UTC, until a schedule gives the group its time zone'})"


def settings_text(group: GroupView) -> str:
    """The group's settings, one per line."""
    s = group.settings
    return "\n".join(
        [
            f"Size: {s.min_size} to {s.max_size} members",
            f"Rounds per meeting: {s.rounds_per_meeting}",
            f"Presentation: {s.presentation_minutes} min; each turn: {s.turn_minutes} min",
            f"Voting: {VOTING_LABELS[s.voting]}; "
            + ("members may vote for their own bid" if s.own_bid_votes else "nobody votes for their own bid"),
            f"Cross-talk: {CROSSTALK_LABELS[s.crosstalk]}; when time is up: "
            + ("the floor moves on" if s.auto_advance else "the speaker is told"),
            f"Report-back reminder: {s.report_back_lead_hours} h before a meeting; "
            f"bid nudge: {s.bid_nudge_lead_hours} h before; quiet hours: "
            + quiet_hours(
                QuietHours(s.quiet_start_hour, s.quiet_end_hour),
                None if group.schedule is None else group.schedule.zone,
            )
            + f"; reminders by {'direct message' if s.reminder_dms else 'a post in the channel'} "
            f"(see /reminder settings)",
            f"Once archived, members' words are kept {plural(s.keep_days, 'day')}, then erased",
            f"Language of what the group reads together: {LANGUAGES[s.language]}",
        ]
    )


VOTING_LABELS = {
    VotingMethod.SINGLE: "One vote each",
    VotingMethod.APPROVAL: "Approval: vote for any number",
    VotingMethod.RANKED: "Ranked: order your top choices (Borda count)",
}
CROSSTALK_LABELS = {
    CrossTalk.LOCK: "Only the speaker can post",
    CrossTalk.DELETE: "Remove off-turn messages",
    CrossTalk.REMIND: "Gently remind",
    CrossTalk.OFF: "Not enforced",
}
"""The words for each choice, the same in /group settings' options and in what the group's settings show."""
