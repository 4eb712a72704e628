"""How the meeting looks in Discord: the floor card, the ping, private notes, the summary and each holder's digest."""

from __future__ import annotations

import dataclasses

import discord

from bot.domain.effects import Notice
from bot.domain.meeting import MODE_NAMES, MODE_PROMPTS, PHASE_PROMPTS, Mode, Phase
from bot.domain.meeting_notices import (
    DressRehearsalInput,
    FloorTo,
    NotAQuestion,
    OffTurnReminder,
    OffTurnRemoved,
    TurnOver,
    TurnWarning,
)
from bot.domain.words import person
from bot.services.actions import ActionView
from bot.services.cycle import CycleView
from bot.services.meetings import MeetingView
from bot.ui.applier import Post
from bot.ui.replies import message_link
from cogs.groups._render import SET_A_SCHEDULE, ledger_lines, plain
from cogs.votes._render import echo

COLOUR = discord.Colour.blurple()
MESSAGE_LIMIT = 2000
TOO_LONG = "(Too long for one message: all of it is in the attached file.)"
PHASE_NAMES = {
    Phase.OPENING: "Opening",
    Phase.CATCH_UP: "Catch-up on last time's actions",
    Phase.VOTE: "Vote on the bids",
    Phase.PRESENT: "The issue holder presents",
    Phase.CLARIFY: "Clarifying questions",
    Phase.INPUT: "Input",
    Phase.FACILITATOR: "The facilitator's thoughts",
    Phase.COMMIT: "Learning and actions",
    Phase.CLOSED: "Ended",
}


def _people(user_ids: list[int] | tuple[int, ...]) -> str:
    return ", ".join(f"{person(user_id)}" for user_id in user_ids) or "nobody"


VOICE_LAGGING = "Voice is running a few seconds behind: a mute, or a move on or off the stage, may come late."


def floor_card(view: MeetingView, buttons: discord.ui.View | None, *, lagging: bool = False) -> Post:
    """The one card per meeting, kept current: phase, mode, floor, next, queue, time left (as a relative time).

    `lagging`: the voice floor is behind the card (a voice edit held back by Discord's limits, or retried).
    """
    state = view.state
    title = f"Meeting of {plain(view.group_name)}: {PHASE_NAMES[state.phase]}"
    current = state.round
    if current is not None and state.phase in (
        Phase.PRESENT,
        Phase.CLARIFY,
        Phase.INPUT,
        Phase.FACILITATOR,
        Phase.COMMIT,
    ):
        title += f" (round {state.round_index + 1} of {len(state.rounds)})"
    embed = discord.Embed(title=title[:256], description=PHASE_PROMPTS[state.phase], colour=COLOUR)
    if current is not None and state.phase in (
        Phase.PRESENT,
        Phase.CLARIFY,
        Phase.INPUT,
        Phase.FACILITATOR,
        Phase.COMMIT,
    ):
        round_view = view.rounds[state.round_index]
        issue = (
            f"**{echo(round_view.title)}** by {person(current.holder_id)}"
            if round_view.title
            else person(current.holder_id)
        )
        embed.add_field(name="Issue", value=issue, inline=False)
        embed.add_field(name=f"Mode: {MODE_NAMES[current.mode]}", value=MODE_PROMPTS[current.mode], inline=False)
    if state.paused:
        embed.add_field(name="Paused", value="Everyone can post until the facilitator resumes.", inline=False)
    elif state.break_until is not None:
        embed.add_field(
            name="On a break",
            value=f"Back <t:{int(state.break_until.timestamp())}:R>. Everyone can post.",
            inline=False,
        )
    elif view.speaker is not None:
        floor = f"{person(view.speaker)}"
        if state.turn_ends_at is not None:
            floor += f", time up <t:{int(state.turn_ends_at.timestamp())}:R>"
        embed.add_field(name="Has the floor", value=floor, inline=False)
        if view.up_next is not None:
            embed.add_field(name="Next", value=f"{person(view.up_next)}", inline=True)
        later = [user for user in state.queue[1:] if user != view.up_next]
        if later:
            embed.add_field(name="Then", value=_people(later), inline=True)
    vote = message_link(view.guild_id, view.text_channel_id, view.vote_card_message_id)
    if state.phase is Phase.VOTE and vote is not None:
        embed.add_field(name="The vote", value=f"[Open the vote card]({vote}) to vote on the bids.", inline=False)
    if state.hands:
        embed.add_field(name="Hands raised", value=_people(state.hands), inline=False)
    if view.speaker_actions:
        lines = "\n".join(_action_line(action) for action in view.speaker_actions)
        embed.add_field(name="Their actions from last time", value=lines[:1024], inline=False)
    if state.phase is not Phase.CLOSED:
        embed.add_field(name="Present", value=_people(state.present)[:1024], inline=False)
    if lagging and view.open and view.voice_channel_id is not None:
        embed.add_field(name="Voice behind", value=VOICE_LAGGING, inline=False)
    return Post(content=_floor_line(view), embed=embed, view=buttons if view.open else None)


WHAT_TO_DO = {
    Phase.CATCH_UP: "Tell the group how your actions went, then press Done.",
    Phase.PRESENT: "Explain your issue in a few minutes, then press Done.",
    Phase.CLARIFY: "Ask your clarifying questions, then press Done (or Pass).",
    Phase.INPUT: "Give your input in the round's mode, then press Done (or Pass).",
    Phase.FACILITATOR: "Add your thoughts, then press Done.",
    Phase.COMMIT: "Say what you learnt, then press Record my actions.",
}
REHEARSAL_TO_DO = "Press Give my input: one constructive criticism and three positives."


def _floor_line(view: MeetingView) -> str | None:
    """The card's first line while someone has the floor: who, in which phase, and what they do now."""
    state = view.state
    if not view.open or view.speaker is None or state.paused or state.break_until is not None:
        return None
    rehearsal = state.phase is Phase.INPUT and state.round is not None and state.round.mode is Mode.DRESS_REHEARSAL
    to_do = REHEARSAL_TO_DO if rehearsal else WHAT_TO_DO.get(state.phase, "Press Done when you have finished.")
    return f"{person(view.speaker)}, you have the floor: {PHASE_NAMES[state.phase]}. {to_do}"


def with_ping(card: Post, user_id: int) -> Post:
    """The card posted at a hand-over: its first line pings the new speaker, and only them."""
    return dataclasses.replace(
        card, mentions=discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user_id)])
    )


def card_link(view: MeetingView) -> str | None:
    """A link to the meeting's live card."""
    return message_link(view.guild_id, view.text_channel_id, view.card_message_id)


def spent_card(view: MeetingView) -> Post:
    """A card the meeting moved on from: one line, no buttons, and a link to the live card when there is one."""
    where = card_link(view) if view.open else None
    after = f"the live card is [the newest one]({where})." if where else "the live card is the newest one below."
    if not view.open:
        after = "the meeting has ended."
    return Post(content=f"-# Earlier card of the meeting of {plain(view.group_name)}: {after}")


def _action_line(action: ActionView) -> str:
    """An action in the catch-up: its status, and what its owner last reported of it."""
    line = f"- {echo(action.text)} (**{action.status.label}**)"
    said = action.reports[-1].happened if action.reports else ""
    return f"{line}: {echo(said)}"[:300] if said else line


def summary(view: MeetingView, cycle: CycleView | None = None) -> Post:
    """The summary posted when the meeting ends: who was there, whose issues had rounds, each holder's actions.

    With `cycle`, the ledger of the cycle the meeting belongs to follows.
    """
    state = view.state
    lines = [f"**Summary of the meeting of {plain(view.group_name)}**", f"Present: {_people(state.present)}"]
    if not view.rounds:
        lines.append("No issue had a round this time.")
    for number, round_view in enumerate(view.rounds, start=1):
        issue = f"**{echo(round_view.title)}**" if round_view.title else "an issue"
        lines.append(f"{number}. {person(round_view.holder_id)}: {issue} ({MODE_NAMES[round_view.mode]})")
        lines += [f"   - action: {echo(text)}" for text in round_view.actions]
        if not round_view.ran:
            lines.append("   - (this round did not run)")
        elif round_view.cut_short:
            lines.append("   - (cut short: the issue holder left the group during it)")
    if cycle is not None:
        lines += ["", *ledger_lines(cycle, summary=True), ""]
    if view.next_meeting_at is not None:
        stamp = int(view.next_meeting_at.timestamp())
        lines.append(
            f"Next meeting: <t:{stamp}:F> (<t:{stamp}:R>). Its catch-up asks about these actions, and a reminder "
            "to report back comes before it."
        )
    else:
        lines.append(f"Next meeting: not set yet ({SET_A_SCHEDULE}). The catch-up next time asks about these actions.")
    return whole(lines, "meeting-summary.md")


def digest(view: MeetingView, round_index: int) -> Post | None:
    """Told privately to an issue holder: their round's mode, who gave input in what order, their actions."""
    if round_index >= len(view.rounds):
        return None
    round_view = view.rounds[round_index]
    lines = [f"**Your round in {plain(view.group_name)}**"]
    if round_view.title:
        lines.append(f"Issue: {echo(round_view.title)}")
    lines.append(f"Mode: {MODE_NAMES[round_view.mode]}")
    lines.append(f"Input, in order: {_people(round_view.inputs)}")
    if round_view.passes:
        lines.append(f"Passed: {_people(round_view.passes)}")
    if round_view.said:
        lines.append("What was said (where I could read it):")
        lines += [
            f"- {person(author)} ({'question' if phase == 'clarify' else 'input'}): {echo(text)}"
            for author, phase, text in round_view.said
        ]
    if round_view.learnt:
        lines.append(f"What you learnt: {echo(round_view.learnt)}")
    lines += [f"- action: {echo(text)}" for text in round_view.actions] or ["No actions recorded."]
    return whole(lines, "your-round.md")


def whole(lines: list[str], filename: str, file_text: str | None = None) -> Post:
    """The lines as one post, or, when too long for a message, as many whole lines as fit and all in a file.

    Nothing anyone said or committed to is cut off. `file_text`: what the file holds instead of the lines (a
    member's own words as they wrote them, where the lines show them escaped).
    """
    text = "\n".join(lines)
    if len(text) <= MESSAGE_LIMIT:
        return Post(content=text)
    shown: list[str] = []
    for line in lines:
        if len("\n".join([*shown, line, TOO_LONG])) > MESSAGE_LIMIT:
            break
        shown.append(line)
    return Post(content="\n".join([*shown, TOO_LONG]), attachment=(filename, (file_text or text) + "\n"))


STAGE_INVITED = "On the Stage you are invited to speak: accept the invitation to come on stage."


def on_stage(post: Post) -> Post:
    """The floor ping of a Stage meeting: Discord brings a member on stage by an invitation they accept."""
    return dataclasses.replace(post, content=f"{post.content} {STAGE_INVITED}")


def _off_turn(group: str, who: str, member: bool) -> str:
    """Why a post out of turn was caught, and what to do instead, for a member of the group or for someone else."""
    if member:
        return f"{who}. Raise your hand to speak."
    return (
        f"{group} is in a meeting, where its members speak one at a time ({who}). You are not a member of {group}: "
        "please leave the channel to them until the meeting ends."
    )


def render_notice(notice: Notice) -> Post:
    """The meeting's other posts and private notes."""
    match notice:
        case FloorTo(user_id=user_id):
            return Post(
                content=f"{person(user_id)}, you have the floor.",
                mentions=discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user_id)]),
            )
        case TurnWarning(group=group):
            return Post(content=f"One minute left of your turn in {plain(group)}.")
        case TurnOver(group=group, moved_on=moved_on):
            after = "The floor has moved on." if moved_on else "Please finish up and press Done."
            return Post(content=f"Your time is up in {plain(group)}. {after}")
        case OffTurnRemoved(group=group, speaker_id=speaker_id, text=text, member=member):
            who = f"{person(speaker_id)} has the floor" if speaker_id else "someone else has the floor"
            why = _off_turn(plain(group), who, member)
            if not text:
                return Post(content=f"Your post in {plain(group)} was removed: {why}")
            return whole(
                [f"Your post in {plain(group)} was removed: {why}", "What you wrote, to keep:", echo(text)],
                "what-you-wrote.txt",
                file_text=text,
            )
        case OffTurnReminder(group=group, speaker_id=speaker_id, member=member):
            who = f"{person(speaker_id)} has the floor" if speaker_id else "someone else has the floor"
            if not member:
                return Post(content=f"A gentle reminder in {plain(group)}: {_off_turn(plain(group), who, False)}")
            return Post(content=f"A gentle reminder in {plain(group)}: {who}, one speaker at a time.")
        case NotAQuestion(group=group):
            return Post(content=f"In {plain(group)} this part of the round is for questions only.")
        case DressRehearsalInput(user_id=user_id, criticism=criticism, positives=positives):
            return whole(
                [
                    f"{person(user_id)}'s input (Dress Rehearsal)",
                    f"One constructive criticism: {echo(criticism)}",
                    "Three positives:",
                    *(f"- {echo(text)}" for text in positives),
                ],
                "dress-rehearsal-input.md",
            )
        case _:
            raise TypeError(f"{type(notice).__qualname__} is not a meeting notice")


MODE_CHOICES = [(MODE_NAMES[mode], mode.value) for mode in Mode]
