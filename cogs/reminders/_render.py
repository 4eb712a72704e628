"""How the scheduled posts look: the report-back reminder (in the channel, or for one member), the nudge, the digest."""

from __future__ import annotations

import discord

from bot.domain.reminders import ReminderKind
from bot.domain.words import cut, person
from bot.i18n import render, t, tn
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
        return t(
            "**Time to report back, {group}**: it has been a month since your last meeting.",
            group=plain(view.group_name),
        )
    return t(
        "**Time to report back, {group}**: your next meeting is {when}.",
        group=plain(view.group_name),
        when=when(view.meeting_at),
    )


def _actions(member: MemberActions) -> list[str]:
    """Each action numbered; one already reported on (partly done, not yet) says so, an open one says nothing."""
    lines = []
    for number, action in enumerate(member.actions, start=1):
        lines.append(f"  {number}. {echo(cut(action.text, SHOWN))}{so_far(action.status)}")
    return lines


def _pings(user_ids: list[int]) -> discord.AllowedMentions:
    return discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user) for user in user_ids])


def _press(count: int, *, everyone: bool) -> str:
    if everyone:
        return t("Each of you: press how your own actions went, or **Tell more** to say what happened.")
    if count > 1:
        return t("Press how they went, or **Tell more** to say what happened.")
    return t("Press how it went, or **Tell more** to say what happened.")


def _counted(user_id: int, count: int) -> str:
    """A member and how many actions they have: "@Bea (2 actions)"."""
    actions = tn("{n} action", "{n} actions", count)
    return f"{person(user_id)} ({actions})"


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
    named = ", ".join(_counted(m.user_id, len(m.actions)) for m in view.members)
    short = "\n".join([*lines[:2], t("{members}: each person's actions are in the attached file.", members=named)])
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
    said = "; ".join(
        t("{action} is **{status}**", action=echo(cut(view.text, SHOWN)), status=view.status.label) for view in views
    )
    return t("Already recorded: {actions}. To add what happened, use /action report.", actions=said)


def nothing_to_report(found: ToReport | None) -> str:
    """A reminder's button pressed by someone with nothing (left) to report on in the group."""
    if found is not None and found.recorded:
        return already_recorded(found.recorded)
    if found is None:
        return t("You have no actions to report on: nothing to do. Thank you!")
    return t("You have no actions to report on in {group}: nothing to do. Thank you!", group=plain(found.group_name))


def nudge(view: NudgeView) -> Post:
    """Before the meeting: put in a bid (nobody is pinged)."""
    if view.open_bids == 0:
        bids = t("No bids are in yet.")
    elif view.open_bids == 1:
        bids = t("One bid is in so far.")
    else:
        bids = tn("{n} bid is in.", "{n} bids are in.", view.open_bids)
    return Post(
        t(
            "**{group} meets {when}.** Is there an issue you would like the group's help with? Put in a bid with "
            "`/bid add` before the meeting; the group votes on which get a round. {bids}",
            group=plain(view.group_name),
            when=when(view.meeting_at),
            bids=bids,
        )
    )


def digest(view: DigestView) -> Post:
    """The facilitator's private view before the meeting: who has reported back, who has not."""
    lines = [t("**Before {group}'s meeting {when}**", group=plain(view.group_name), when=when(view.meeting_at))]
    if view.reported:
        reported = ", ".join(f"{person(user)}" for user in view.reported)
        lines.append(t("Reported back since the last meeting: {members}", members=reported))
    if view.not_yet:
        waiting = ", ".join(_counted(user, count) for user, count in view.not_yet)
        lines.append(t("Not yet reported back: {members}", members=waiting))
    if not view.reported and not view.not_yet:
        lines.append(t("Nobody has actions to report on."))
    return whole(lines, "digest.md")


def preview(view: PreviewView, reminder: Post | None, *, with_reminder: bool = True) -> str:
    """`/reminder preview`: when each post goes, the settings, and the report-back reminder as it would read now."""
    lines = [t("**Scheduled posts of {group}**", group=plain(view.group_name))]
    if not view.upcoming:
        lines.append(
            t("None to come before the next meeting.")
            if view.scheduled
            else t(
                "None to come: set a schedule with {commands} (without one, the report-back reminder goes a month "
                "after the last meeting).",
                commands=SET_A_SCHEDULE,
            )
        )
    for kind in ReminderKind:
        at, went = view.upcoming.get(kind), view.went.get(kind)
        if at is not None:
            lines.append(f"- {render(kind.label)}: {when(int(at.timestamp()))}")
        elif went is not None:  # decided for this meeting already: it is not promised again
            stamp = when(int(went.at.timestamp()))
            lines.append(
                "- "
                + (
                    t("{post}: went {when}, for this meeting", post=kind.label, when=stamp)
                    if went.posted
                    else t(
                        "{post}: not posted, as nobody had actions to report on at {when}", post=kind.label, when=stamp
                    )
                )
            )
    quiet = quiet_hours(view.quiet, view.zone if view.scheduled else None)
    lines.append(
        t(
            "Quiet hours: {quiet}; a post the bot could not make on time still goes up to {hours} h late, before the "
            "meeting.",
            quiet=quiet,
            hours=view.late_hours,
        )
    )
    if view.scheduled:
        lines.append(
            t(
                "Who has reported back comes to you by direct message before the meeting: you miss it if your DMs "
                "from this server are closed."
            )
        )
    if view.by_dm:
        lines.append(t("By direct message: {members}", members=", ".join(f"{person(user)}" for user in view.by_dm)))
    if with_reminder and (reminder is None or reminder.content is None):
        lines.append(t("Nobody has actions to report on now, so the reminder would not be posted."))
    elif reminder is not None and reminder.content is not None:
        lines += ["", t("**The report-back reminder, as it would be posted now:**"), reminder.content]
    text = "\n".join(lines)
    return text if len(text) <= 2000 else text[:1990] + "\n(…)"
