"""The meeting as a state machine: start one, and apply an event to get the next state and what to announce."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import assert_never

from bot.domain.meeting._run import require_aware, without
from bot.domain.meeting.attendance import Attendance
from bot.domain.meeting.events import (
    Arrive,
    Break,
    Committed,
    Done,
    End,
    Event,
    Extend,
    Leave,
    LowerHand,
    Next,
    Pass,
    Pause,
    RaiseHand,
    Resume,
    SetMode,
    Skip,
    TimeUp,
    Voted,
)
from bot.domain.meeting.notes import HandLowered, Step
from bot.domain.meeting.rounds import Rounds, chosen_rounds
from bot.domain.meeting.state import MeetingRuleError, MeetingState, Phase, Timing
from bot.domain.meeting.timers import Timers
from bot.domain.text import msg


def start(
    facilitator_id: int,
    *,
    present: Sequence[int],
    rotation: int,
    timing: Timing,
    voted: Sequence[tuple[int, int | None]] | None,
    now: datetime,
) -> MeetingState:
    """A meeting in its opening, taking attendance; with `voted`, the group already chose its rounds.

    `timing` and `now` are not needed yet (the opening has no turns) but keep every entry point the same shape.
    """
    require_aware(now)
    attending = tuple(dict.fromkeys(user for user in present if user != facilitator_id))
    return MeetingState(
        facilitator_id=facilitator_id,
        phase=Phase.OPENING,
        present=attending,
        rotation=rotation,
        voted_before=voted is not None,
        rounds=chosen_rounds(voted or (), None),
    )


def apply(state: MeetingState, event: Event, *, timing: Timing, now: datetime) -> Step:
    """The meeting after `event` at `now`, with what to announce; raises `MeetingRuleError` for a refused event."""
    require_aware(now)
    run = _Run(state, timing, now.astimezone(UTC))
    if state.phase is Phase.CLOSED:
        if isinstance(event, TimeUp):
            return Step(state, ())  # a deadline left over from the meeting: nothing is due any more
        raise MeetingRuleError(msg("This meeting has ended. The facilitator can start a new one with /meeting start."))
    run.handle(event)
    return Step(run.state, tuple(run.notes))


class _Run(Attendance, Timers, Rounds):
    """One event being applied, handed to the part of the meeting it concerns."""

    def handle(self, event: Event) -> None:
        match event:
            case Arrive(user_id):
                self.arrive(user_id)
            case Leave(user_id):
                self.leave(user_id)
            case Done(user_id):
                self.own_turn(user_id, passing=False)
            case Pass(user_id):
                self.own_turn(user_id, passing=True)
            case RaiseHand(user_id):
                self.raise_hand(user_id)
            case LowerHand(user_id):
                if user_id in self.state.hands:
                    self.state = replace(self.state, hands=without(self.state.hands, user_id))
                    self.notes.append(HandLowered(user_id))
            case Next():
                self.next()
            case Skip(user_id):
                self.skip(user_id)
            case Extend(minutes):
                self.extend(minutes)
            case Pause():
                self.pause()
            case Resume():
                if self.state.held:
                    self.resume()
            case Break(minutes):
                self.take_break(minutes)
            case SetMode(mode):
                self.set_mode(mode)
            case Voted(winners):
                self.voted(winners)
            case Committed(user_id, actions):
                self.committed(user_id, actions)
            case TimeUp(at):
                self.time_up(at)
            case End():
                self.enter(Phase.CLOSED, self.state.round_index)
            case _:
                assert_never(event)

    # -- attendance
