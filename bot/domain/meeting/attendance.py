"""Who is at the meeting: arriving (Here, or joining late) and leaving, with the turns that changes."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.meeting._run import without
from bot.domain.meeting.notes import Arrived, HandLowered, Left
from bot.domain.meeting.state import ROUND_PHASES, MeetingRuleError, Phase, TurnOutcome
from bot.domain.meeting.turns import Turns
from bot.domain.text import msg


class Attendance(Turns):
    """Applying arrivals and departures."""

    def arrive(self, user_id: int) -> None:
        """Someone pressed Here or joined late: present, and queued if their turn in this phase is still to come."""
        state = self.state
        if user_id == state.facilitator_id or user_id in state.present:
            return
        self.state = replace(self.state, present=(*state.present, user_id))
        self.notes.append(Arrived(user_id))
        # Appended only to a phase they may speak in, and only if their turn in it has not been and gone.
        if user_id in self.order(state.phase) and user_id not in state.had_turn:
            self.state = replace(self.state, queue=(*state.queue, user_id))

    def leave(self, user_id: int) -> None:
        """Someone left: out of the queue and the hands, and their turn ends if they held the floor."""
        state = self.state
        if user_id == state.facilitator_id:
            raise MeetingRuleError(
                msg(
                    "You are facilitating this meeting: end it with /meeting end, or hand facilitation to someone else."
                )
            )
        if user_id not in state.present:
            return
        holding = bool(state.queue) and state.queue[0] == user_id
        if user_id in state.hands:
            self.notes.append(HandLowered(user_id))
        self.state = replace(
            self.state,
            present=without(state.present, user_id),
            hands=without(state.hands, user_id),
            queue=state.queue[:1] + without(state.queue[1:], user_id),
        )
        self.notes.append(Left(user_id))
        current = state.round
        if state.phase in ROUND_PHASES and current is not None and current.holder_id == user_id:
            # Nobody is left to help: the round ends here, cut short, and the meeting goes on to the next.
            self.put_round(replace(current, cut_short=True))
            following = state.round_index + 1
            self.enter(Phase.PRESENT if following < len(state.rounds) else Phase.CLOSED, following)
        elif holding:
            self.end_turn(TurnOutcome.LEFT)

    # -- turns
