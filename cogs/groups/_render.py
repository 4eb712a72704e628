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
from bot.domain.ledger import FOLLOW_THROUGH, StatusCounts, member_record, percent
from bot.domain.reminders import QuietHours
from bot.domain.text import Param
from bot.domain.words import person
from bot.i18n import LANGUAGES, date_words, msg, render, t, tn
from bot.services.cycle import CycleView
from bot.services.groups import GroupInfo, GroupView
from bot.ui.applier import Post

COLOUR = discord.Colour.teal()
SET_A_SCHEDULE = msg("`/group schedule monthly` or `/group schedule weekly`")
"""The commands that set the common schedules, for a text that tells the facilitator to set one."""


def no_schedule() -> str:
    """What shows where a group's schedule would: there is none, and how to set one."""
    return t("No schedule yet ({commands})", commands=SET_A_SCHEDULE)


def no_events_note(command: str) -> str:
    """What a schedule's reply adds without Manage Events: `command` is the one just run, to run again."""
    return "\n" + t(
        "I do not have the Manage Events permission, so the meeting cannot show as a Discord event. Once a server "
        "manager gives it to me, run `/{command}` again.",
        command=command,
    )


RETRY_NOTE = msg(
    "Some of it has not gone through yet: I will keep trying for a few minutes (if this keeps happening, check my "
    "Manage Roles permission)."
)
"""What a reply adds, on a line of its own, when Discord did not take every change yet."""


def plain(text: str) -> str:
    """Member text that cannot format, ping or show as a mention pill (a name from before such names were refused)."""
    return escape_markdown(text).replace("<", "\\<")


def name(text: str) -> str:
    """A group name as bold text that cannot format or ping."""
    return f"**{plain(text)}**"


def ground_rules_embed(group_name: str) -> discord.Embed:
    """The four ground rules, as every member sees them before taking part."""
    embed = discord.Embed(title=t("Ground rules of {group}", group=plain(group_name)), colour=COLOUR)
    for number, (title, text) in enumerate(GROUND_RULES, start=1):
        embed.add_field(name=f"{number}. {render(title)}", value=render(text), inline=False)
    return embed


def render_notice(notice: GroupNotice, view: discord.ui.View | None = None) -> Post:
    """The post for a group notice; `view` holds the buttons a notice carries."""
    match notice:
        case Welcome(group=group, facilitator_id=facilitator_id):
            embed = ground_rules_embed(group)
            embed.description = t(
                "This is the private channel of {group}, an action learning set. Only its members, its facilitator "
                "({facilitator}) and Setkeeper can see it. Every member accepts these ground rules before taking part.",
                group=name(group),
                facilitator=person(facilitator_id),
            )
            return Post(embed=embed)
        case RulesPrompt(group=group, user_id=user_id):
            return Post(
                content=t(
                    "{person}, welcome to {group}. Please read the ground rules and accept them to take part.",
                    person=person(user_id),
                    group=name(group),
                ),
                embed=ground_rules_embed(group),
                view=view,
                mentions=_ping(user_id),
            )
        case JoinRequest(group=group, user_id=user_id, facilitator_id=facilitator_id):
            return Post(
                content=t(
                    "{person} asks to join {group}. {facilitator}, will you approve?",
                    person=person(user_id),
                    group=name(group),
                    facilitator=person(facilitator_id),
                ),
                view=view,
                mentions=_ping(facilitator_id),
            )
        case RulesAccepted(user_id=user_id):
            return Post(content=t("{person} has accepted the ground rules. Welcome!", person=person(user_id)))
        case MemberLeft(user_id=user_id):
            return Post(content=t("{person} has left the group.", person=person(user_id)))
        case MemberRemoved(user_id=user_id):
            return Post(content=t("{person} is no longer a member of this group.", person=person(user_id)))
        case MemberMovedIn(user_id=user_id, source=source):
            return Post(
                content=t("{person} has moved here from {group}. Welcome!", person=person(user_id), group=name(source)),
                mentions=_ping(user_id),
            )
        case MemberMovedOut(user_id=user_id, to=to):
            return Post(content=t("{person} has moved to {group}.", person=person(user_id), group=name(to)))
        case FacilitatorChanged(group=group, user_id=user_id):
            return Post(
                content=t("{person} now facilitates {group}.", person=person(user_id), group=name(group)),
                mentions=_ping(user_id),
            )
        case Split(group=group, new_group=new_group):
            return Post(
                content=t(
                    "{group} has split in two: some members now meet as {new_group}. Nobody takes offence; fit "
                    "matters.",
                    group=name(group),
                    new_group=name(new_group),
                )
            )
        case JoinDeclined(group=group, archived=archived):
            if archived:
                closed = t(
                    "Your request to join {group} is closed: it has ended its cycle and takes no new members. Ask "
                    "another group with /group join, or talk to a facilitator.",
                    group=name(group),
                )
            else:
                closed = t(
                    "Your request to join {group} is closed: it was not accepted this time. Nobody takes offence: fit "
                    "matters. Ask another group with /group join, or talk to a facilitator.",
                    group=name(group),
                )
            return Post(content=closed)
        case JoinRequestClosed(group=group, user_id=user_id):
            asked = t("{person} asked to join {group}.", person=person(user_id), group=name(group))
            return Post(content=f"{asked} {_request_outcome(notice)}")
        case Archived(group=group, by=by):
            return Post(
                content=t(
                    "{group} has ended its cycle and is archived (by {person}). This channel stays readable to its "
                    "members; nothing new can be posted. Thank you all.",
                    group=name(group),
                    person=person(by),
                )
            )
        case _:
            assert_never(notice)


def _ping(user_id: int) -> discord.AllowedMentions:
    return discord.AllowedMentions(users=[discord.Object(user_id)])


def _request_outcome(closed: JoinRequestClosed) -> str:
    by = person(closed.by) if closed.by else t("The facilitator")
    match closed.outcome:
        case "approved":
            return t("{by} approved the request.", by=by)
        case "declined":
            return t("{by} declined the request.", by=by)
        case "withdrawn":
            return t("They withdrew the request.")
        case "archived":
            return t("The request was closed when the group was archived.")
        case "added":
            return t("They have been added to the group.")


def info_embed(info: GroupInfo) -> discord.Embed:
    """What `/group info` shows a member."""
    group: GroupView = info.group
    settings = group.settings
    status = t("archived") if group.archived else t("active")
    embed = discord.Embed(title=plain(group.name), colour=COLOUR, description=t("Status: {status}", status=status))
    embed.add_field(name=t("Facilitator"), value=f"{person(group.facilitator_id)}", inline=True)
    if group.text_channel_id:
        embed.add_field(name=t("Channel"), value=f"<#{group.text_channel_id}>", inline=True)
    lines = [
        person(member.user_id)
        if member.rules_accepted_at
        else t("{person} (has not accepted the ground rules yet)", person=person(member.user_id))
        for member in info.members
    ]
    embed.add_field(
        name=t(
            "Members: {count} (the group takes {low} to {high})",
            count=len(info.members),
            low=settings.min_size,
            high=settings.max_size,
        ),
        value="\n".join(lines) or t("Nobody yet. The facilitator adds members with /group add."),
        inline=False,
    )
    if info.requests:
        embed.add_field(name=t("Asking to join"), value=" ".join(person(user) for user in info.requests), inline=False)
    cadence, next_meeting = schedule_texts(group)
    embed.add_field(name=t("Meets"), value=cadence, inline=True)
    embed.add_field(name=t("Next meeting"), value=next_meeting, inline=True)
    if info.cycle is not None:
        heading, *rows = ledger_lines(info.cycle)
        embed.add_field(
            name=t("Meetings and actions"),
            value=_within("\n".join([f"**{heading}**", *rows]), 1024),
            inline=False,
        )
    embed.add_field(name=t("Settings"), value=settings_text(group), inline=False)
    embed.set_footer(text=t("Created {date}", date=date_words(group.created_at.date())))
    return embed


def cycle_heading(cycle: CycleView, *, summary: bool = False) -> str:
    """The cycle and where the meeting stands in it: "Cycle 1: 2 of 6 meetings held; meeting 3 is next"."""
    ledger = cycle.ledger
    length, position = ledger.length, cycle.place
    if length is None or position is None:
        return tn("Since the group began: {n} meeting held", "Since the group began: {n} meetings held", ledger.held)
    if ledger.complete:
        heading = tn(
            "Cycle {cycle}: {held} of {n} meeting held (complete)",
            "Cycle {cycle}: {held} of {n} meetings held (complete)",
            length,
            cycle=ledger.cycle,
            held=ledger.held,
        )
    else:
        heading = tn(
            "Cycle {cycle}: {held} of {n} meeting held",
            "Cycle {cycle}: {held} of {n} meetings held",
            length,
            cycle=ledger.cycle,
            held=ledger.held,
        )
    if cycle.starts_next_cycle:
        place = t("meeting {place} of {length} of cycle {cycle}", place=position, length=length, cycle=ledger.cycle + 1)
    else:
        place = t("meeting {place} of {length}", place=position, length=length)
    if summary:
        return t("{heading}; this was {place}", heading=heading, place=place)
    if cycle.under_way:
        return t("{heading}; {place} is under way", heading=heading, place=place)
    return t("{heading}; {place} is next", heading=heading, place=place)


def ledger_lines(cycle: CycleView, *, summary: bool = False) -> list[str]:
    """The cycle's ledger: its heading, the actions and their follow-through, then one line per member."""
    ledger = cycle.ledger
    counts = ledger.actions
    lines = [cycle_heading(cycle, summary=summary)]
    if counts.committed and counts.reported:
        lines.append(
            t(
                "Actions: {committed} ({statuses}); of the {reported} reported on, {rate} followed through",
                committed=counts.committed,
                statuses=status_counts(counts),
                reported=counts.reported,
                rate=percent(counts.rate),
            )
        )
    elif counts.committed:
        lines.append(t("Actions: {committed} ({statuses})", committed=counts.committed, statuses=status_counts(counts)))
    else:
        lines.append(t("Actions: none set yet"))
    for member in ledger.members:
        who = person(member.user_id) if member.current else t("{person} (left)", person=person(member.user_id))
        lines.append(t("- {person}: {record}", person=who, record=member_record(member, ledger.held)))
    lines.append(render(FOLLOW_THROUGH))
    return lines


def status_counts(counts: StatusCounts) -> str:
    """Actions by status, the ones there are: "2 done, 1 partly done, 1 open"."""
    shown = [status for status in (*REPORTED, ActionStatus.OPEN) if counts.count(status)]
    return ", ".join(f"{counts.count(status)} {str(status.label).lower()}" for status in shown)


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
        return no_schedule(), no_schedule()
    upcoming = timestamps(group.next_meeting_at) if group.next_meeting_at else t("None to come")
    return str(describe(group.schedule)), upcoming


def schedule_reply(group: GroupView) -> str:
    """What `/group schedule` answers: the schedule, the next meeting, and the clock-change rule where it applies."""
    cycle = (
        []
        if group.cycle_length is None
        else [tn("A cycle is {n} meeting.", "A cycle is {n} meetings.", group.cycle_length)]
    )
    if group.schedule is None:
        cleared = t(
            "{group} has no schedule now; its Discord event for the next meeting is removed.", group=name(group.name)
        )
        return "\n".join([cleared, *cycle])
    cadence, upcoming = schedule_texts(group)
    lines = [
        t("Schedule saved for {group}: {cadence}.", group=name(group.name), cadence=cadence),
        t("Next meeting: {when}.", when=upcoming),
        *cycle,
    ]
    if group.next_meeting_at is not None and moved_by_clock_change(group.schedule, group.next_meeting_at):
        lines.append(str(CLOCK_CHANGE_RULE))
    return "\n".join(lines)


def quiet_hours(quiet: QuietHours, zone: str | None) -> str:
    """Quiet hours as every reply shows them: in the zone they are kept in, named (UTC until a schedule gives one)."""
    if quiet.off:
        return t("none")
    if zone:
        return f"{quiet.describe()} ({zone})"
    return t("{hours} (UTC, until a schedule gives the group its time zone)", hours=str(quiet.describe()))


def settings_text(group: GroupView) -> str:
    """The group's settings, one per line."""
    s = group.settings
    quiet = quiet_hours(
        QuietHours(s.quiet_start_hour, s.quiet_end_hour), None if group.schedule is None else group.schedule.zone
    )
    reminders: dict[str, Param] = {"report": s.report_back_lead_hours, "nudge": s.bid_nudge_lead_hours, "quiet": quiet}
    return "\n".join(
        [
            tn("Size: {min_size} to {n} member", "Size: {min_size} to {n} members", s.max_size, min_size=s.min_size),
            t("Rounds per meeting: {rounds}", rounds=s.rounds_per_meeting),
            t(
                "Presentation: {presentation} min; each turn: {turn} min",
                presentation=s.presentation_minutes,
                turn=s.turn_minutes,
            ),
            t("Voting: {method}; members may vote for their own bid", method=VOTING_LABELS[s.voting])
            if s.own_bid_votes
            else t("Voting: {method}; nobody votes for their own bid", method=VOTING_LABELS[s.voting]),
            t("Cross-talk: {rule}; when time is up: the floor moves on", rule=CROSSTALK_LABELS[s.crosstalk])
            if s.auto_advance
            else t("Cross-talk: {rule}; when time is up: the speaker is told", rule=CROSSTALK_LABELS[s.crosstalk]),
            t(
                "Report-back reminder: {report} h before a meeting; bid nudge: {nudge} h before; quiet hours: {quiet}; "
                "reminders by direct message (see /reminder settings)",
                **reminders,
            )
            if s.reminder_dms
            else t(
                "Report-back reminder: {report} h before a meeting; bid nudge: {nudge} h before; quiet hours: {quiet}; "
                "reminders by a post in the channel (see /reminder settings)",
                **reminders,
            ),
            tn(
                "Once archived, members' words are kept {n} day, then erased",
                "Once archived, members' words are kept {n} days, then erased",
                s.keep_days,
            ),
            t("Language of what the group reads together: {language}", language=LANGUAGES[s.language]),
        ]
    )


VOTING_LABELS = {
    VotingMethod.SINGLE: msg("One vote each"),
    VotingMethod.APPROVAL: msg("Approval: vote for any number"),
    VotingMethod.RANKED: msg("Ranked: order your top choices (Borda count)"),
}
CROSSTALK_LABELS = {
    CrossTalk.LOCK: msg("Only the speaker can post"),
    CrossTalk.DELETE: msg("Remove off-turn messages"),
    CrossTalk.REMIND: msg("Gently remind"),
    CrossTalk.OFF: msg("Not enforced"),
}
"""The words for each choice, the same in /group settings' options and in what the group's settings show."""
