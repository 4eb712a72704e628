"""How the scheduled posts look: the report-back reminder (in the channel, or for one member), the nudge, the digest."""

from __future__ import annotations

import discord

from bot.domain.reminders import ReminderKind
from bot.domain.words import cut, person, plural
from bot.services.actions import ActionView
from bot.services.reminders import DigestView, MemberActions, NudgeView, PreviewView, ReminderView, ToReport
from bot.ui.applier import Post
from cogs.actions._views import so_far
from cogs.groups._render import SET_A_SCHEDULE, plain, quiet_hours
from cogs.meetings._render import MESSAGE_LIMIT, whole
from cogs.votes._render import echo

SHOWN = 100
"""Characters of an action a reminder shows (the whole of it is in /action list)."""


def when(stamp: int) -> str:
    """A moment as everyone reads it in their own time zone: the date and time, and how far off it is."""
    return f"<t:{stamp}:F> (<t:{stamp}:R>)"


def _heading(view: ReminderView) -> str:
    if view.meeting_at is None:
        return f"**Time to report back, {plain(view.group_name)}**: it has been a month since your last meeting."
    return f"**Time to report back, {plain(view.group_name)}**: your next meeting is {when(view.meeting_at)}."


def _actions(member: MemberActions) -> list[str]:
    """Each action numbered; one already reported on (partly done, not yet) says so, an open one says nothing."""
    lines = []
    for number, action in enumerate(member.actions, start=1):
        lines.append(f"  {number}. {echo(cut(action.text, SHOWN))}{so_far(action.status)}")
    return lines


def _pings(user_ids: list[int]) -> discord.AllowedMentions:
    return discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user) for user in user_ids])


def _press(count: int, *, everyone: bool) -> str:
    whose = "Each of you: press how your own actions went" if everyone else "Press how it went"
    if not everyone and count > 1:
        whose = "Press how they went"
    return f"{whose}, or **Tell more** to say what happened."


def group_reminder(view: ReminderView, buttons: discord.ui.View) -> Post:
    """Each member named once, above their actions still to do, and one row of buttons: each records the presser's."""
    lines = [_heading(view), _press(0, everyone=True)]
    for member in view.members:
        lines.append(f"{person(member.user_id)}")
        lines.extend(_actions(member))
    mentions = _pings([m.user_id for m in view.members])
    if len("\n".join(lines)) <= MESSAGE_LIMIT:
        return Post("\n".join(lines), view=buttons, mentions=mentions)
    # Too long for one message: everyone is still named (and so pinged) in it; their actions are in the file.
    named = ", ".join(f"{person(m.user_id)} ({plural(len(m.actions), 'action')})" for m in view.members)
    short = "\n".join([*lines[:2], f"{named}: each person's actions are in the attached file."])
    return Post(short, view=buttons, mentions=mentions, attachment=("report-back.md", "\n".join(lines) + "\n"))


def member_reminder(view: ReminderView, buttons: discord.ui.View) -> Post:
    """One member's reminder (a direct message, or in the channel when their DMs are closed)."""
    member = view.members[0]
    lines = [
        f"{person(member.user_id)} {_heading(view)}",
        _press(len(member.actions), everyone=False),
        *_actions(member),
    ]
    post = whole(lines, "report-back.md")
    return Post(post.content, view=buttons, mentions=_pings([member.user_id]), attachment=post.attachment)


def already_recorded(views: list[ActionView]) -> str:
    """A second press of a reminder's button: what the first one recorded."""
    said = "; ".join(f"{echo(cut(view.text, SHOWN))} is **{view.status.label}**" for view in views)
    return f"Already recorded: {said}. To add what happened, use /action report."


def nothing_to_report(found: ToReport | None) -> str:
    """A reminder's button pressed by someone with nothing (left) to report on in the group."""
    if found is not None and found.recorded:
        return already_recorded(found.recorded)
    where = f" in {plain(found.group_name)}" if found is not None else ""
    return f"You have no actions to report on{where}: nothing to do. Thank you!"


def nudge(view: NudgeView) -> Post:
    """Before the meeting: put in a bid (nobody is pinged)."""
    bids = {0: "No bids are in yet.", 1: "One bid is in so far."}.get(view.open_bids, f"{view.open_bids} bids are in.")
    return Post(
        f"**{plain(view.group_name)} meets {when(view.meeting_at)}.** Is there an issue you would like the group's "
        f"help with? Put in a bid with `/bid add` before the meeting; the group votes on which get a round. {bids}"
    )


def digest(view: DigestView) -> Post:
    """The facilitator's private view before the meeting: who has reported back, who has not."""
    lines = [f"**Before {plain(view.group_name)}'s meeting {when(view.meeting_at)}**"]
    if view.reported:
        lines.append("Reported back since the last meeting: " + ", ".join(f"{person(user)}" for user in view.reported))
    if view.not_yet:
        waiting = ", ".join(f"{person(user)} ({plural(count, 'action')})" for user, count in view.not_yet)
        lines.append(f"Not yet reported back: {waiting}")
    if not view.reported and not view.not_yet:
        lines.append("Nobody has actions to report on.")
    return whole(lines, "digest.md")


def preview(view: PreviewView, reminder: Post | None, *, with_reminder: bool = True) -> str:
    """`/reminder preview`: when each post goes, the settings, and the report-back reminder as it would read now."""
    lines = [f"**Scheduled posts of {plain(view.group_name)}**"]
    if not view.upcoming:
        lines.append(
            "None to come before the next meeting."
            if view.scheduled
            else f"None to come: set a schedule with {SET_A_SCHEDULE} (without one, the report-back reminder goes "
            "a month after the last meeting)."
        )
    for kind in ReminderKind:
        at, went = view.upcoming.get(kind), view.went.get(kind)
        if at is not None:
            lines.append(f"- {kind.label}: {when(int(at.timestamp()))}")
        elif went is not None:  # decided for this meeting already: it is not promised again
            stamp = when(int(went.at.timestamp()))
            lines.append(
                f"- {kind.label}: went {stamp}, for this meeting"
                if went.posted
                else f"- {kind.label}: not posted, as nobody had actions to report on at {stamp}"
            )
    quiet = quiet_hours(view.quiet, view.zone if view.scheduled else None)
    lines.append(
        f"Quiet hours: {quiet}; a post the bot could not make on time still goes up to "
        f"{view.late_hours} h late, before the meeting."
    )
    if view.scheduled:
        lines.append(
            "Who has reported back comes to you by direct message before the meeting: you miss it if your DMs "
            "from this server are closed."
        )
    if view.by_dm:
        lines.append("By direct message: " + ", ".join(f"{person(user)}" for user in view.by_dm))
    if with_reminder and (reminder is None or reminder.content is None):
        lines.append("Nobody has actions to report on now, so the reminder would not be posted.")
    elif reminder is not None and reminder.content is not None:
        lines += ["", "**The report-back reminder, as it would be posted now:**", reminder.content]
    text = "\n".join(lines)
    return text if len(text) <= 2000 else text[:1990] + "\n(…)"
