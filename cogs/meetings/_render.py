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
from bot.i18n import Text, msg, render, t, tc
from bot.services.actions import ActionView
from bot.services.cycle import CycleView
from bot.services.meetings import MeetingView
from bot.ui.applier import Post
from bot.ui.replies import message_link
from cogs.groups._render import SET_A_SCHEDULE, ledger_lines, plain
from cogs.votes._render import echo

COLOUR = discord.Colour.blurple()
MESSAGE_LIMIT = 2000
TOO_LONG = msg("(Too long for one message: all of it is in the attached file.)")
PHASE_NAMES: dict[Phase, Text] = {
    Phase.OPENING: msg("Opening"),
    Phase.CATCH_UP: msg("Catch-up on last time's actions"),
    Phase.VOTE: msg("Vote on the bids"),
    Phase.PRESENT: msg("The issue holder presents"),
    Phase.CLARIFY: msg("Clarifying questions"),
    Phase.INPUT: msg("Input"),
    Phase.FACILITATOR: msg("The facilitator's thoughts"),
    Phase.COMMIT: msg("Learning and actions"),
    Phase.CLOSED: msg("Ended"),
}


def _people(user_ids: list[int] | tuple[int, ...]) -> str:
    return ", ".join(f"{person(user_id)}" for user_id in user_ids) or t("nobody")


VOICE_LAGGING = msg("Voice is running a few seconds behind: a mute, or a move on or off the stage, may come late.")


def floor_card(view: MeetingView, buttons: discord.ui.View | None, *, lagging: bool = False) -> Post:
    """The one card per meeting, kept current: phase, mode, floor, next, queue, time left (as a relative time).

    `lagging`: the voice floor is behind the card (a voice edit held back by Discord's limits, or retried).
    """
    state = view.state
    group, phase = plain(view.group_name), PHASE_NAMES[state.phase]
    current = state.round
    if current is not None and state.phase in (
        Phase.PRESENT,
        Phase.CLARIFY,
        Phase.INPUT,
        Phase.FACILITATOR,
        Phase.COMMIT,
    ):
        title = t(
            "Meeting of {group}: {phase} (round {number} of {count})",
            group=group,
            phase=phase,
            number=state.round_index + 1,
            count=len(state.rounds),
        )
    else:
        title = t("Meeting of {group}: {phase}", group=group, phase=phase)
    embed = discord.Embed(title=title[:256], description=render(PHASE_PROMPTS[state.phase]), colour=COLOUR)
    if current is not None and state.phase in (
        Phase.PRESENT,
        Phase.CLARIFY,
        Phase.INPUT,
        Phase.FACILITATOR,
        Phase.COMMIT,
    ):
        round_view = view.rounds[state.round_index]
        issue = (
            t("**{title}** by {member}", title=echo(round_view.title), member=person(current.holder_id))
            if round_view.title
            else person(current.holder_id)
        )
        embed.add_field(name=t("Issue"), value=issue, inline=False)
        embed.add_field(
            name=t("Mode: {mode}", mode=MODE_NAMES[current.mode]),
            value=render(MODE_PROMPTS[current.mode]),
            inline=False,
        )
    if state.paused:
        embed.add_field(name=t("Paused"), value=t("Everyone can post until the facilitator resumes."), inline=False)
    elif state.break_until is not None:
        embed.add_field(
            name=t("On a break"),
            value=t("Back <t:{stamp}:R>. Everyone can post.", stamp=int(state.break_until.timestamp())),
            inline=False,
        )
    elif view.speaker is not None:
        floor = person(view.speaker)
        if state.turn_ends_at is not None:
            floor = t("{speaker}, time up <t:{stamp}:R>", speaker=floor, stamp=int(state.turn_ends_at.timestamp()))
        embed.add_field(name=t("Has the floor"), value=floor, inline=False)
        if view.up_next is not None:
            embed.add_field(
                name=tc("floor card: who speaks after the speaker", "Next"),
                value=f"{person(view.up_next)}",
                inline=True,
            )
        later = [user for user in state.queue[1:] if user != view.up_next]
        if later:
            embed.add_field(name=t("Then"), value=_people(later), inline=True)
    vote = message_link(view.guild_id, view.text_channel_id, view.vote_card_message_id)
    if state.phase is Phase.VOTE and vote is not None:
        embed.add_field(
            name=t("The vote"), value=t("[Open the vote card]({link}) to vote on the bids.", link=vote), inline=False
        )
    if state.hands:
        embed.add_field(name=t("Hands raised"), value=_people(state.hands), inline=False)
    if view.speaker_actions:
        lines = "\n".join(_action_line(action) for action in view.speaker_actions)
        embed.add_field(name=t("Their actions from last time"), value=lines[:1024], inline=False)
    if state.phase is not Phase.CLOSED:
        embed.add_field(name=t("Present"), value=_people(state.present)[:1024], inline=False)
    if lagging and view.open and view.voice_channel_id is not None:
        embed.add_field(name=t("Voice behind"), value=render(VOICE_LAGGING), inline=False)
    return Post(content=_floor_line(view), embed=embed, view=buttons if view.open else None)


WHAT_TO_DO: dict[Phase, Text] = {
    Phase.CATCH_UP: msg("Tell the group how your actions went, then press Done."),
    Phase.PRESENT: msg("Explain your issue in a few minutes, then press Done."),
    Phase.CLARIFY: msg("Ask your clarifying questions, then press Done (or Pass)."),
    Phase.INPUT: msg("Give your input in the round's mode, then press Done (or Pass)."),
    Phase.FACILITATOR: msg("Add your thoughts, then press Done."),
    Phase.COMMIT: msg("Say what you learnt, then press Record my actions."),
}
REHEARSAL_TO_DO = msg("Press Give my input: one constructive criticism and three positives.")
FINISHED_TO_DO = msg("Press Done when you have finished.")


def _floor_line(view: MeetingView) -> str | None:
    """The card's first line while someone has the floor: who, in which phase, and what they do now."""
    state = view.state
    if not view.open or view.speaker is None or state.paused or state.break_until is not None:
        return None
    rehearsal = state.phase is Phase.INPUT and state.round is not None and state.round.mode is Mode.DRESS_REHEARSAL
    to_do = REHEARSAL_TO_DO if rehearsal else WHAT_TO_DO.get(state.phase, FINISHED_TO_DO)
    return t(
        "{speaker}, you have the floor: {phase}. {to_do}",
        speaker=person(view.speaker),
        phase=PHASE_NAMES[state.phase],
        to_do=to_do,
    )


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
    group = plain(view.group_name)
    if not view.open:
        return Post(content=t("-# Earlier card of the meeting of {group}: the meeting has ended.", group=group))
    if where:
        return Post(
            content=t(
                "-# Earlier card of the meeting of {group}: the live card is [the newest one]({link}).",
                group=group,
                link=where,
            )
        )
    return Post(
        content=t("-# Earlier card of the meeting of {group}: the live card is the newest one below.", group=group)
    )


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
    lines = [
        t("**Summary of the meeting of {group}**", group=plain(view.group_name)),
        t("Present: {people}", people=_people(state.present)),
    ]
    if not view.rounds:
        lines.append(t("No issue had a round this time."))
    for number, round_view in enumerate(view.rounds, start=1):
        issue = f"**{echo(round_view.title)}**" if round_view.title else t("an issue")
        lines.append(f"{number}. {person(round_view.holder_id)}: {issue} ({render(MODE_NAMES[round_view.mode])})")
        lines += ["   - " + t("action: {text}", text=echo(text)) for text in round_view.actions]
        if not round_view.ran:
            lines.append("   - " + t("(this round did not run)"))
        elif round_view.cut_short:
            lines.append("   - " + t("(cut short: the issue holder left the group during it)"))
    if cycle is not None:
        lines += ["", *ledger_lines(cycle, summary=True), ""]
    if view.next_meeting_at is not None:
        lines.append(
            t(
                "Next meeting: <t:{stamp}:F> (<t:{stamp}:R>). Its catch-up asks about these actions, and a reminder "
                "to report back comes before it.",
                stamp=int(view.next_meeting_at.timestamp()),
            )
        )
    else:
        lines.append(
            t(
                "Next meeting: not set yet ({how}). The catch-up next time asks about these actions.",
                how=SET_A_SCHEDULE,
            )
        )
    return whole(lines, "meeting-summary.md")


def digest(view: MeetingView, round_index: int) -> Post | None:
    """Told privately to an issue holder: their round's mode, who gave input in what order, their actions."""
    if round_index >= len(view.rounds):
        return None
    round_view = view.rounds[round_index]
    lines = [t("**Your round in {group}**", group=plain(view.group_name))]
    if round_view.title:
        lines.append(t("Issue: {title}", title=echo(round_view.title)))
    lines.append(t("Mode: {mode}", mode=MODE_NAMES[round_view.mode]))
    lines.append(t("Input, in order: {people}", people=_people(round_view.inputs)))
    if round_view.passes:
        lines.append(t("Passed: {people}", people=_people(round_view.passes)))
    if round_view.said:
        lines.append(t("What was said (where I could read it):"))
        lines += [
            t("- {member} (question): {text}", member=person(author), text=echo(text))
            if phase == Phase.CLARIFY.value
            else t("- {member} (input): {text}", member=person(author), text=echo(text))
            for author, phase, text in round_view.said
        ]
    if round_view.learnt:
        lines.append(t("What you learnt: {text}", text=echo(round_view.learnt)))
    lines += ["- " + t("action: {text}", text=echo(text)) for text in round_view.actions] or [t("No actions recorded.")]
    return whole(lines, "your-round.md")


def whole(lines: list[str], filename: str, file_text: str | None = None) -> Post:
    """The lines as one post, or, when too long for a message, as many whole lines as fit and all in a file.

    Nothing anyone said or committed to is cut off. `file_text`: what the file holds instead of the lines (a
    member's own words as they wrote them, where the lines show them escaped).
    """
    text = "\n".join(lines)
    if len(text) <= MESSAGE_LIMIT:
        return Post(content=text)
    too_long = render(TOO_LONG)
    shown: list[str] = []
    for line in lines:
        if len("\n".join([*shown, line, too_long])) > MESSAGE_LIMIT:
            break
        shown.append(line)
    return Post(content="\n".join([*shown, too_long]), attachment=(filename, (file_text or text) + "\n"))


STAGE_INVITED = msg("On the Stage you are invited to speak: accept the invitation to come on stage.")


def on_stage(post: Post) -> Post:
    """The floor ping of a Stage meeting: Discord brings a member on stage by an invitation they accept."""
    return dataclasses.replace(post, content=f"{post.content} {render(STAGE_INVITED)}")


def _off_turn(group: str, who: str, member: bool) -> str:
    """Why a post out of turn was caught, and what to do instead, for a member of the group or for someone else."""
    if member:
        return t("{who}. Raise your hand to speak.", who=who)
    return t(
        "{group} is in a meeting, where its members speak one at a time ({who}). You are not a member of {group}: "
        "please leave the channel to them until the meeting ends.",
        group=group,
        who=who,
    )


def _who(speaker_id: int | None) -> str:
    """Who holds the floor, as a note about a post out of turn says it."""
    if speaker_id:
        return t("{speaker} has the floor", speaker=person(speaker_id))
    return t("someone else has the floor")


def render_notice(notice: Notice) -> Post:
    """The meeting's other posts and private notes."""
    match notice:
        case FloorTo(user_id=user_id):
            return Post(
                content=t("{speaker}, you have the floor.", speaker=person(user_id)),
                mentions=discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(user_id)]),
            )
        case TurnWarning(group=group):
            return Post(content=t("One minute left of your turn in {group}.", group=plain(group)))
        case TurnOver(group=group, moved_on=moved_on):
            if moved_on:
                return Post(content=t("Your time is up in {group}. The floor has moved on.", group=plain(group)))
            return Post(content=t("Your time is up in {group}. Please finish up and press Done.", group=plain(group)))
        case OffTurnRemoved(group=group, speaker_id=speaker_id, text=text, member=member):
            removed = t(
                "Your post in {group} was removed: {why}",
                group=plain(group),
                why=_off_turn(plain(group), _who(speaker_id), member),
            )
            if not text:
                return Post(content=removed)
            return whole([removed, t("What you wrote, to keep:"), echo(text)], "what-you-wrote.txt", file_text=text)
        case OffTurnReminder(group=group, speaker_id=speaker_id, member=member):
            who = _who(speaker_id)
            if not member:
                why = _off_turn(plain(group), who, False)
                return Post(content=t("A gentle reminder in {group}: {why}", group=plain(group), why=why))
            return Post(
                content=t("A gentle reminder in {group}: {who}, one speaker at a time.", group=plain(group), who=who)
            )
        case NotAQuestion(group=group):
            return Post(content=t("In {group} this part of the round is for questions only.", group=plain(group)))
        case DressRehearsalInput(user_id=user_id, criticism=criticism, positives=positives):
            return whole(
                [
                    t("{member}'s input (Dress Rehearsal)", member=person(user_id)),
                    t("One constructive criticism: {text}", text=echo(criticism)),
                    t("Three positives:"),
                    *(f"- {echo(text)}" for text in positives),
                ],
                "dress-rehearsal-input.md",
            )
        case _:
            raise TypeError(f"{type(notice).__qualname__} is not a meeting notice")


MODE_CHOICES = [(MODE_NAMES[mode], mode.value) for mode in Mode]
