"""Rounds and commitments: the rounds the vote chose, their modes, and the actions a holder commits to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.domain.meeting.notes import ActionsRecorded, ModeChanged
from bot.domain.meeting.state import (
    MAX_ACTIONS,
    ROUND_PHASES,
    MeetingRuleError,
    MeetingState,
    Mode,
    Phase,
    RoundState,
    TurnOutcome,
    speaker,
)
from bot.domain.meeting.turns import Turns
from bot.domain.text import msg, msgn


def round_to_correct(state: MeetingState, user_id: int, round_index: int | None = None) -> int:
    """The round of `user_id` whose actions they may still change: `round_index`, or their latest ended one.

    Only a round of theirs that has ended in this meeting can change; otherwise `MeetingRuleError` says what is
    true for them.
    """
    ended = [
        index
        for index, item in enumerate(state.rounds)
        if item.holder_id == user_id and item.ran and (index < state.round_index or state.phase is Phase.CLOSED)
    ]
    if ended and round_index is None:
        return ended[-1]
    if round_index in ended:
        return round_index
    current = state.round
    if current is not None and current.holder_id == user_id and state.phase in ROUND_PHASES:
        raise MeetingRuleError(
            msg("Your round is still going: you record your actions at its end, when the card shows Record my actions.")
        )
    if ended or any(item.holder_id == user_id for item in state.rounds):
        raise MeetingRuleError(msg("That round's actions cannot change now. Use Record my actions on the card again."))
    raise MeetingRuleError(msg("Only an issue's holder records actions, at the end of their round in the meeting."))


def may_press(state: MeetingState, user_id: int) -> frozenset[str]:
    """Which of the floor card's buttons `user_id` may press now (the card shows them all, to everyone).

    The facilitator's (Next, Pause, Resume, End and End's confirmation) sit on a row of their own on the card.

    A holder whose round has ended in this meeting may press Record my actions again, to change them.
    """
    present = user_id in state.present
    speaking = speaker(state) == user_id
    facilitating = user_id == state.facilitator_id
    allowed = {
        "here": not present and not facilitating,
        "done": speaking,
        "pass": speaking,
        "input": speaking,
        "commit": speaking or _has_ended_round(state, user_id),
        "hand": present and not speaking,
        "report": present,
        "next": facilitating,
        "pause": facilitating,
        "resume": facilitating,
        "end": facilitating,
        "endnow": facilitating,
    }
    return frozenset(action for action, yes in allowed.items() if yes)


def _has_ended_round(state: MeetingState, user_id: int) -> bool:
    try:
        round_to_correct(state, user_id)
    except MeetingRuleError:
        return False
    return state.phase is not Phase.CLOSED


def last_to_run(state: MeetingState) -> bool:
    """Whether the current round is the meeting's last to run: its commit step ends the meeting."""
    here = {*state.present, state.facilitator_id}
    return all(item.holder_id not in here for item in state.rounds[state.round_index + 1 :])


def corrected(state: MeetingState, round_index: int, actions: int) -> MeetingState:
    """The state with round `round_index`'s actions changed to `actions` (at most three)."""
    if not 0 <= actions <= MAX_ACTIONS:
        raise MeetingRuleError(
            msgn(
                "A round ends with at most {n} action: choose the ones that matter most.",
                "A round ends with at most {n} actions: choose the ones that matter most.",
                MAX_ACTIONS,
            )
        )
    rounds = list(state.rounds)
    rounds[round_index] = replace(rounds[round_index], actions=actions)
    return replace(state, rounds=tuple(rounds))


def chosen_rounds(winners: Sequence[tuple[int, int | None]], first_mode: Mode | None) -> tuple[RoundState, ...]:
    """The rounds for the vote's winners, in order: the first in the mode chosen before the vote."""
    return tuple(
        RoundState(holder_id=holder, bid_id=bid, mode=first_mode if index == 0 and first_mode else Mode.SUPPORTIVE)
        for index, (holder, bid) in enumerate(winners)
    )


class Rounds(Turns):
    """Applying the vote's result, a round's mode and the holder's actions."""

    def set_mode(self, mode: Mode) -> None:
        """Set the mode of the current round if its input has not started, else of the next round."""
        state = self.state
        if state.phase in (Phase.PRESENT, Phase.CLARIFY):
            target = state.round_index
        elif state.phase in ROUND_PHASES:
            target = state.round_index + 1
        else:
            target = 0
        rounds_known = state.voted_before or state.phase in ROUND_PHASES
        if not rounds_known:
            if state.next_mode is not mode:
                self.state = replace(self.state, next_mode=mode)
                self.notes.append(ModeChanged(target, mode))
            return
        if target >= len(state.rounds):
            raise MeetingRuleError(
                msg("This round's input has begun and there is no later round, so the mode can no longer change.")
            )
        chosen = state.rounds[target]
        if chosen.mode is not mode:
            rounds = list(state.rounds)
            rounds[target] = replace(chosen, mode=mode)
            self.state = replace(self.state, rounds=tuple(rounds))
            self.notes.append(ModeChanged(target, mode))

    def voted(self, winners: tuple[tuple[int, int | None], ...]) -> None:
        """The vote's winners get the rounds, and the first round begins."""
        if self.state.phase is not Phase.VOTE:
            raise MeetingRuleError(
                msg("The meeting is not waiting for a vote just now, so this result cannot choose its rounds.")
            )
        self.state = replace(self.state, rounds=chosen_rounds(winners, self.state.next_mode), next_mode=None)
        if self.state.rounds:
            self.enter(Phase.PRESENT, 0)
        else:
            self.enter(Phase.CLOSED, 0)

    def committed(self, user_id: int, actions: int) -> None:
        """The holder recorded their actions in the commit step: their round ends."""
        state = self.state
        current = state.round
        if current is None or user_id != current.holder_id or state.phase is not Phase.COMMIT:
            raise MeetingRuleError(
                msg(
                    "Actions are recorded by an issue's holder at the end of their round: keep them until then, or "
                    "add them with /action add after the meeting."
                )
            )
        if actions < 0:
            raise MeetingRuleError(msg("Record zero or more actions."))
        if current.actions + actions > MAX_ACTIONS:
            raise MeetingRuleError(
                msgn(
                    "A round ends with at most {n} action and you have {recorded} recorded: "
                    "choose the {left} that matter most.",
                    "A round ends with at most {n} actions and you have {recorded} recorded: "
                    "choose the {left} that matter most.",
                    MAX_ACTIONS,
                    recorded=current.actions,
                    left=MAX_ACTIONS - current.actions,
                )
            )
        self.put_round(replace(current, actions=current.actions + actions))
        self.notes.append(ActionsRecorded(user_id, state.round_index, current.actions + actions))
        self.end_turn(TurnOutcome.DONE)

    # -- phases
