"""Phases and turn order: who speaks when, how a turn ends and starts, and how the meeting goes from phase to phase."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.meeting._run import RunBase, rotated, without
from bot.domain.meeting.notes import FloorTo, HandLowered, HandRaised, PhaseEntered, TurnEnded
from bot.domain.meeting.state import (
    OPEN_PHASES,
    ROUND_PHASES,
    TURN_PHASES,
    MeetingRuleError,
    Phase,
    TurnOutcome,
    speaker,
)
from bot.domain.text import Text, msg
from bot.domain.words import person

_PASSABLE = frozenset({Phase.CATCH_UP, Phase.CLARIFY, Phase.INPUT, Phase.FACILITATOR})


class Turns(RunBase):
    """Turns and phases: the part of applying an event every other part builds on."""

    def own_turn(self, user_id: int, *, passing: bool) -> None:
        """The speaker ends their own turn, by Done or by passing."""
        state = self.state
        holder = speaker(state)
        if holder != user_id:
            raise MeetingRuleError(self.not_your_turn(user_id))
        if passing and state.phase not in _PASSABLE:
            raise MeetingRuleError(
                msg("This is your turn to present your issue: press Done when you have finished.")
                if state.phase is Phase.PRESENT
                else msg(
                    "This is your turn to say what you learnt and record your actions: press Record my actions when "
                    "you have finished."
                )
            )
        self.end_turn(TurnOutcome.PASSED if passing else TurnOutcome.DONE)

    def not_your_turn(self, user_id: int) -> Text:
        """Why `user_id` cannot end the turn just now, as a message for them."""
        state = self.state
        if state.phase not in TURN_PHASES:
            return msg("Nobody has the floor just now: there are no turns in this part of the meeting.")
        if state.break_until is not None:
            return msg(
                "The group is on a break until <t:{stamp}:t>: wait for it to end.",
                stamp=int(state.break_until.timestamp()),
            )
        if state.paused:
            return msg("The meeting is paused: wait for the facilitator to resume it.")
        holder = person(state.queue[0])
        if user_id in state.had_turn:
            return msg("Your turn is over: {speaker} has the floor now.", speaker=holder)
        if state.phase in OPEN_PHASES:
            return msg("It is not your turn: {speaker} has the floor. Raise your hand instead.", speaker=holder)
        return msg(
            "It is not your turn: {speaker} has the floor. Wait for your turn: you will be pinged.", speaker=holder
        )

    def end_turn(self, outcome: TurnOutcome) -> None:
        """End queue[0]'s turn, record it, and start the next turn (a raised hand first), or end the phase."""
        state = self.state
        user_id = state.queue[0]
        if not state.by_hand:
            self.state = replace(self.state, had_turn=(*state.had_turn, user_id))
            self.record(user_id, outcome)
        self.notes.append(TurnEnded(user_id, state.by_hand, outcome))
        rest, by_hand, hands = state.queue[1:], False, state.hands
        if state.phase in OPEN_PHASES and hands:
            rest, by_hand, hands = (hands[0], *rest), True, hands[1:]
        self.state = replace(self.state, queue=rest, by_hand=by_hand, hands=hands)
        if rest:
            self.start_turn()
        else:
            self.finish_phase()

    def record(self, user_id: int, outcome: TurnOutcome) -> None:
        """What the round keeps of a turn that ended in it: an input, a pass or a clarify pass."""
        current = self.state.round
        if current is None:
            return
        if self.state.phase is Phase.INPUT:
            if outcome is TurnOutcome.PASSED:
                current = replace(current, passes=(*current.passes, user_id))
            elif outcome in (TurnOutcome.DONE, TurnOutcome.NEXT, TurnOutcome.TIME_UP):
                current = replace(current, inputs=(*current.inputs, user_id))
        elif self.state.phase is Phase.CLARIFY and outcome is TurnOutcome.PASSED:
            current = replace(current, clarify_passes=(*current.clarify_passes, user_id))
        self.put_round(current)

    def start_turn(self) -> None:
        """queue[0]'s turn begins, with the phase's time (kept whole while the meeting is held)."""
        state = self.state
        minutes = self.timing.present_minutes if state.phase is Phase.PRESENT else self.timing.turn_minutes
        length = timedelta(minutes=minutes)
        self.state = replace(self.state, turn_number=state.turn_number + 1)
        if state.held:
            self.state = replace(self.state, turn_ends_at=None, time_left=length, warned=False, overtime=False)
        else:
            self.state = replace(
                self.state, turn_ends_at=self.now + length, time_left=None, warned=False, overtime=False
            )
        self.notes.append(FloorTo(state.queue[0], state.by_hand, self.state.turn_ends_at))

    def next(self) -> None:
        """The facilitator ends the current turn, or the phase where nobody takes turns."""
        phase = self.state.phase
        if phase is Phase.VOTE:
            raise MeetingRuleError(
                msg(
                    "The meeting is waiting for the vote: close it with /vote close so that its winners get rounds, "
                    "or end the meeting with /meeting end."
                )
            )
        if phase in TURN_PHASES:
            self.end_turn(TurnOutcome.NEXT)
        else:
            self.finish_phase()

    def skip(self, user_id: int) -> None:
        """The facilitator passes someone's turn: the speaker's, a queued member's, or a raised hand."""
        state = self.state
        if state.phase in TURN_PHASES and state.queue[0] == user_id:
            self.end_turn(TurnOutcome.SKIPPED)
        elif user_id in state.queue[1:]:
            self.state = replace(
                self.state,
                queue=state.queue[:1] + without(state.queue[1:], user_id),
                had_turn=(*state.had_turn, user_id),
            )
            self.notes.append(TurnEnded(user_id, False, TurnOutcome.SKIPPED))
        elif user_id in state.hands:
            self.state = replace(self.state, hands=without(state.hands, user_id))
            self.notes.append(HandLowered(user_id))
        else:
            raise MeetingRuleError(
                msg("{member} is not waiting for a turn just now: there is nothing to skip.", member=person(user_id))
            )

    def raise_hand(self, user_id: int) -> None:
        """A member asks to speak out of the fixed order, in an open phase."""
        state = self.state
        if user_id == state.facilitator_id:
            raise MeetingRuleError(
                msg("You are facilitating and can post at any time: there is no need to raise your hand.")
            )
        if user_id not in state.present:
            raise MeetingRuleError(msg("Press Here to join the meeting first, then raise your hand."))
        if state.phase not in OPEN_PHASES:
            raise MeetingRuleError(
                msg(
                    "Hands go up only in the catch-up and after the facilitator's thoughts. "
                    "Wait for your turn: you will be pinged."
                )
            )
        if state.queue and state.queue[0] == user_id:
            raise MeetingRuleError(msg("You have the floor now: say what you wanted to, then press Done."))
        if user_id in state.hands:
            return
        self.state = replace(self.state, hands=(*state.hands, user_id))
        self.notes.append(HandRaised(user_id))

    # -- time

    def order(self, phase: Phase) -> tuple[int, ...]:
        """Who takes a turn in `phase`, in order: the fixed order rotated, meeting to meeting and round to round."""
        state = self.state
        if phase is Phase.CATCH_UP:
            return rotated(sorted(state.present), state.rotation)
        current = state.round
        if phase in (Phase.PRESENT, Phase.COMMIT) and current is not None:
            attending = current.holder_id in state.present or current.holder_id == state.facilitator_id
            return (current.holder_id,) if attending else ()
        if phase in (Phase.CLARIFY, Phase.INPUT) and current is not None:
            # The holder listens; the facilitator is not a peer here and speaks last, in their own phase.
            peers = sorted(user for user in state.present if user != current.holder_id)
            return rotated(peers, state.rotation + state.round_index)
        if phase is Phase.FACILITATOR:
            return (state.facilitator_id,)
        return ()

    def finish_phase(self) -> None:
        """Go on from the current phase to the next in the method's order."""
        state = self.state
        match state.phase:
            case Phase.OPENING:
                self.enter(Phase.CATCH_UP, 0)
            case Phase.CATCH_UP if not state.voted_before:
                self.enter(Phase.VOTE, 0)
            case Phase.CATCH_UP | Phase.COMMIT:
                following = state.round_index + 1 if state.phase is Phase.COMMIT else 0
                if following < len(state.rounds):
                    self.enter(Phase.PRESENT, following)
                else:
                    self.enter(Phase.CLOSED, state.round_index)
            case Phase.PRESENT | Phase.CLARIFY | Phase.INPUT | Phase.FACILITATOR:
                self.enter(ROUND_PHASES[ROUND_PHASES.index(state.phase) + 1], state.round_index)
            case Phase.VOTE | Phase.CLOSED:  # pragma: no cover - the vote ends by Voted, a closed meeting never
                raise AssertionError(f"no phase follows {state.phase} by itself")

    def enter(self, phase: Phase, round_index: int) -> None:
        """Begin `phase` (of round `round_index`), with its turn order; a phase nobody can speak in is gone through."""
        if phase is Phase.CLOSED:
            self.state = replace(
                self.state,
                phase=phase,
                queue=(),
                by_hand=False,
                hands=(),
                had_turn=(),
                paused=False,
                break_until=None,
                turn_ends_at=None,
                time_left=None,
                warned=False,
                overtime=False,
            )
            self.notes.append(PhaseEntered(phase, None))
            return
        if phase is Phase.PRESENT:
            holder = self.state.rounds[round_index].holder_id
            if holder not in self.state.present and holder != self.state.facilitator_id:
                # Nobody to present the issue: the round does not run, and its bid waits for the next meeting.
                if round_index + 1 < len(self.state.rounds):
                    self.enter(Phase.PRESENT, round_index + 1)
                else:
                    self.enter(Phase.CLOSED, round_index)
                return
            rounds = list(self.state.rounds)
            rounds[round_index] = replace(rounds[round_index], ran=True)
            self.state = replace(self.state, rounds=tuple(rounds))
        self.state = replace(
            self.state, phase=phase, round_index=round_index, queue=(), by_hand=False, hands=(), had_turn=()
        )
        self.state = replace(
            self.state, queue=self.order(phase), turn_ends_at=None, time_left=None, warned=False, overtime=False
        )
        self.notes.append(PhaseEntered(phase, round_index if phase in ROUND_PHASES else None))
        if phase not in TURN_PHASES:
            return
        if self.state.queue:
            self.start_turn()
        else:
            self.finish_phase()  # nobody to take a turn (the holder is absent, or no peers): on to the next
