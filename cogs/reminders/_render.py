"""How the scheduled posts look: the report-back reminder (in the channel, or for one member), the nudge, the digest."""

from __future__ import annotations

import discord

from bot.domain.reminders import ReminderKind
from bot.services.reminders import DigestView, MemberActions, NudgeView, PreviewView, ReminderView
from bot.ui.applier import Post
from cogs.groups._render import SET_A_SCHEDULE, plain
from cogs.meetings._render import whole
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
    lines = []
    for number, action in enumerate(member.actions, start=1):
        text = action.text if len(action.text) <= SHOWN else action.text[: SHOWN - 1] + "…"
        lines.append(f"  {number}. {echo(text)} ({action.status.label})")
    return lines


def _pings(user_ids: list[int]) -> discord.AllowedMentions:
    return discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user) for user in user_ids])


def group_reminder(view: ReminderView, buttons: discord.ui.View) -> Post:
    """Each member mentioned with their actions still to do, and one row of buttons for everyone."""
    lines = [
        _heading(view),
        # Every mention in the first lines: a long reminder keeps the rest in a file, where a mention pings nobody.
        " ".join(f"<@{member.user_id}>" for member in view.members),
        "How did your actions go? Press how it went (one click records it if you have one action; with more, "
        "you pick which), or **Tell more** to say what happened and what you learnt.",
    ]
    for member in view.members:
        lines.append(f"**<@{member.user_id}>**")
        lines.extend(_actions(member))
    post = whole(lines, "report-back.md")
    return Post(
        post.content, view=buttons, mentions=_pings([m.user_id for m in view.members]), attachment=post.attachment
    )


def member_reminder(view: ReminderView, buttons: discord.ui.View) -> Post:
    """One member's reminder (a direct message, or in the channel when their DMs are closed)."""
    member = view.members[0]
    lines = [f"<@{member.user_id}> {_heading(view)}", "How did your actions go?", *_actions(member)]
    post = whole(lines, "report-back.md")
    return Post(post.content, view=buttons, mentions=_pings([member.user_id]), attachment=post.attachment)


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
        lines.append("Reported back since the last meeting: " + ", ".join(f"<@{user}>" for user in view.reported))
    if view.not_yet:
        waiting = ", ".join(f"<@{user}> ({count} action{'s' if count != 1 else ''})" for user, count in view.not_yet)
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
    zone = view.zone if view.scheduled else f"UTC, as {plain(view.group_name)} has no schedule to give its time zone"
    lines.append(
        f"Quiet hours ({zone}): {view.quiet.describe()}; a post the bot could not make on time still goes up to "
        f"{view.late_hours} h late, before the meeting."
    )
    if view.scheduled:
        lines.append("Your digest comes to you by direct message: it is lost if your DMs from this server are closed.")
    if view.by_dm:
        lines.append("By direct message: " + ", ".join(f"<@{user}>" for user in view.by_dm))
    if with_reminder and (reminder is None or reminder.content is None):
        lines.append("Nobody has actions to report on now, so the reminder would not be posted.")
    elif reminder is not None and reminder.content is not None:
        lines += ["", "**The report-back reminder, as it would be posted now:**", reminder.content]
    text = "\n".join(lines)
    return text if len(text) <= 2000 else text[:1990] + "\n(…)"
