"""One meeting as a state machine with no I/O: its phases, who has the floor, turns, timers and commitments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, assert_never

from bot.domain.errors import UserFacingError
from bot.domain.groups import Floor

MAX_ACTIONS = 3
MAX_EXTEND_MINUTES = 60
MAX_BREAK_MINUTES = 120
WARNING = timedelta(minutes=1)
JSON_VERSION = 1


class Phase(StrEnum):
    """Where a meeting is, in the order the method runs it; the five round phases repeat for each selected issue."""

    OPENING = "opening"
    CATCH_UP = "catch_up"
    VOTE = "vote"
    PRESENT = "present"
    CLARIFY = "clarify"
    INPUT = "input"
    FACILITATOR = "facilitator"
    COMMIT = "commit"
    CLOSED = "closed"


class Mode(StrEnum):
    """How peers give their input in a round."""

    SUPPORTIVE = "supportive"
    QUESTIONING = "questioning"
    CHALLENGE = "challenge"
    DEVILS_ADVOCATE = "devils_advocate"
    GOOD_NEWS = "good_news"
    STRESS_BUSTERS = "stress_busters"
    DRESS_REHEARSAL = "dress_rehearsal"


class TurnOutcome(StrEnum):
    """How a turn ended."""

    DONE = "done"  # the speaker pressed Done (or, in the commit step, recorded their actions)
    PASSED = "passed"  # the speaker abstained
    SKIPPED = "skipped"  # the facilitator passed it
    NEXT = "next"  # the facilitator moved on
    TIME_UP = "time_up"  # the time ran out and the group moves on by itself
    LEFT = "left"  # the speaker left the meeting


MODE_NAMES: dict[Mode, str] = {
    Mode.SUPPORTIVE: "Supportive",
    Mode.QUESTIONING: "Questioning",
    Mode.CHALLENGE: "Challenge",
    Mode.DEVILS_ADVOCATE: "Devil's Advocate",
    Mode.GOOD_NEWS: "Good News",
    Mode.STRESS_BUSTERS: "Stress Busters",
    Mode.DRESS_REHEARSAL: "Dress Rehearsal",
}

MODE_PROMPTS: dict[Mode, str] = {
    Mode.SUPPORTIVE: "Offer positive thoughts and ideas: what you would do, or did, in a similar situation.",
    Mode.QUESTIONING: "Ask questions only: help the holder see the issue clearly and think towards actions.",
    Mode.CHALLENGE: "Ask challenging questions that take the holder to the heart of the issue.",
    Mode.DEVILS_ADVOCATE: "Name your concerns, doubts and niggles about the issue.",
    Mode.GOOD_NEWS: "Celebrate the success, and ask what made it work.",
    Mode.STRESS_BUSTERS: "Give support, feedback and ideas that ease the pressure.",
    Mode.DRESS_REHEARSAL: "The holder rehearses a real situation: give one constructive criticism and three positives.",
}

PHASE_PROMPTS: dict[Phase, str] = {
    Phase.OPENING: "Ground rules, then attendance: press Here.",
    Phase.CATCH_UP: "Each in turn, briefly: what you did about your actions, how it went, what you learnt.",
    Phase.VOTE: "Vote on the bids: the winners get the rounds.",
    Phase.PRESENT: "The holder explains the issue, succinctly. Everyone else listens.",
    Phase.CLARIFY: "Clarifying questions only, one or two each, in turn.",
    Phase.INPUT: "Each in turn gives their input in the round's mode, or passes. No discussion, no cross-talk.",
    Phase.FACILITATOR: "The facilitator may add thoughts last; raise your hand to add something short.",
    Phase.COMMIT: f"The holder says what they learnt and commits to up to {MAX_ACTIONS} actions.",
    Phase.CLOSED: "The meeting has ended.",
}

# Phases in which someone holds the floor, in turn; the others leave it open to everyone.
TURN_PHASES = frozenset({Phase.CATCH_UP, Phase.PRESENT, Phase.CLARIFY, Phase.INPUT, Phase.FACILITATOR, Phase.COMMIT})
# Phases in which a member may raise a hand to speak out of the fixed order.
OPEN_PHASES = frozenset({Phase.CATCH_UP, Phase.FACILITATOR})
CLOSED_FLOOR_PHASES = TURN_PHASES | {Phase.VOTE}
"""Phases where only the speaker (and the facilitator) may post in the meeting's channel."""
ROUND_PHASES = (Phase.PRESENT, Phase.CLARIFY, Phase.INPUT, Phase.FACILITATOR, Phase.COMMIT)
_PASSABLE = frozenset({Phase.CATCH_UP, Phase.CLARIFY, Phase.INPUT, Phase.FACILITATOR})


class MeetingRuleError(UserFacingError):
    """What someone did does not fit the meeting as it stands; nothing was changed."""


@dataclass(frozen=True)
class Timing:
    """The group's time limits for a meeting, and whether the floor moves on by itself when a turn's time is up."""

    present_minutes: int
    turn_minutes: int
    auto_advance: bool


@dataclass(frozen=True)
class RoundState:
    """One selected issue's round: its holder, bid and mode, and what happened in it."""

    holder_id: int
    bid_id: int | None
    mode: Mode
    actions: int = 0  # actions the holder committed to in this round
    inputs: tuple[int, ...] = ()  # peers whose input turn ran (Done, Next or time up), in order
    passes: tuple[int, ...] = ()  # peers who passed their input turn, in order
    clarify_passes: tuple[int, ...] = ()  # peers who passed their clarify turn, in order
    ran: bool = False  # the round began with its holder there; a round whose holder is away waits for next time


@dataclass(frozen=True)
class MeetingState:
    """A meeting as stored: everything needed to carry on after a restart, and nothing that can be worked out."""

    facilitator_id: int
    phase: Phase
    present: tuple[int, ...]  # arrival order; the facilitator is never in it
    rotation: int  # shifts who speaks first, meeting to meeting
    voted_before: bool  # the group voted before the meeting: no vote phase
    rounds: tuple[RoundState, ...] = ()  # in the order they run; known once voted
    round_index: int = 0  # the current round in round phases (the next one before the rounds)
    queue: tuple[int, ...] = ()  # queue[0] holds the floor (when not paused); the rest in order
    by_hand: bool = False  # queue[0] speaks because they raised a hand, not in the fixed order
    hands: tuple[int, ...] = ()  # raised hands, first raised first
    had_turn: tuple[int, ...] = ()  # whose fixed-order turn in this phase is over (spoken, passed or skipped)
    paused: bool = False
    break_until: datetime | None = None
    turn_ends_at: datetime | None = None  # while the floor is held and someone has a turn
    time_left: timedelta | None = None  # the turn's time left, kept while paused or on a break
    warned: bool = False  # the one-minute warning was given for this turn
    overtime: bool = False  # this turn's time ran out and the speaker was told
    next_mode: Mode | None = None  # the first round's mode, chosen before the rounds are known

    @property
    def held(self) -> bool:
        """The meeting is paused or on a break: the floor is open and turn time stands still."""
        return self.paused or self.break_until is not None

    @property
    def round(self) -> RoundState | None:
        """The round being run, in a round phase."""
        if self.phase in ROUND_PHASES:
            return self.rounds[self.round_index]
        return None


# ---- events


@dataclass(frozen=True)
class Arrive:
    """Someone pressed Here or joined late."""

    user_id: int


@dataclass(frozen=True)
class Leave:
    """Someone left the meeting."""

    user_id: int


@dataclass(frozen=True)
class Done:
    """The speaker ends their turn."""

    user_id: int


@dataclass(frozen=True)
class Pass:
    """The speaker abstains."""

    user_id: int


@dataclass(frozen=True)
class RaiseHand:
    """A member asks to speak, in an open phase; raising a raised hand changes nothing."""

    user_id: int


@dataclass(frozen=True)
class LowerHand:
    """A member takes back a raised hand; lowering a hand that is not raised changes nothing."""

    user_id: int


@dataclass(frozen=True)
class Next:
    """The facilitator ends the current turn (or, where nobody takes turns, the phase)."""


@dataclass(frozen=True)
class Skip:
    """The facilitator passes someone's turn: the speaker's, a queued member's, or a raised hand."""

    user_id: int


@dataclass(frozen=True)
class Extend:
    """The facilitator gives the current turn more time."""

    minutes: int


@dataclass(frozen=True)
class Pause:
    """The facilitator opens the floor until they resume; turn time stands still."""


@dataclass(frozen=True)
class Resume:
    """The facilitator ends a pause or a break."""


@dataclass(frozen=True)
class Break:
    """The facilitator calls a break of `minutes`; it ends by itself (a TimeUp at its end) or by Resume."""

    minutes: int


@dataclass(frozen=True)
class SetMode:
    """The mode of the current round if its input has not started, else of the next round."""

    mode: Mode


@dataclass(frozen=True)
class Voted:
    """The vote's result: (holder id, bid id) of each selected issue, in round order."""

    winners: tuple[tuple[int, int | None], ...]


@dataclass(frozen=True)
class Committed:
    """The holder recorded `actions` actions in the commit step; the meeting moves on."""

    user_id: int
    actions: int


@dataclass(frozen=True)
class TimeUp:
    """A stored deadline fell due (a warning, a turn's end, a break's end); one no longer current is ignored."""

    at: datetime


@dataclass(frozen=True)
class End:
    """The facilitator ends the meeting."""


Event = (
    Arrive
    | Leave
    | Done
    | Pass
    | RaiseHand
    | LowerHand
    | Next
    | Skip
    | Extend
    | Pause
    | Resume
    | Break
    | SetMode
    | Voted
    | Committed
    | TimeUp
    | End
)


# ---- notes: what the service announces, pings or posts after a step is stored


@dataclass(frozen=True)
class PhaseEntered:
    """The meeting entered a phase (`round_index` for round phases, else None); CLOSED is how every ending shows."""

    phase: Phase
    round_index: int | None


@dataclass(frozen=True)
class FloorTo:
    """A turn begins: ping `user_id`. `ends_at` is None while the meeting is held (the turn starts on resume)."""

    user_id: int
    by_hand: bool
    ends_at: datetime | None


@dataclass(frozen=True)
class TurnEnded:
    """A turn ended, and how."""

    user_id: int
    by_hand: bool
    outcome: TurnOutcome


@dataclass(frozen=True)
class Warned:
    """One minute left: tell the speaker privately."""

    user_id: int
    ends_at: datetime


@dataclass(frozen=True)
class TimeUpNote:
    """The speaker's time is up: tell them; `advanced` when the floor moved on because of it."""

    user_id: int
    advanced: bool


@dataclass(frozen=True)
class Extended:
    """The facilitator gave the speaker more time."""

    user_id: int
    minutes: int


@dataclass(frozen=True)
class Arrived:
    """Someone joined the meeting."""

    user_id: int


@dataclass(frozen=True)
class Left:
    """Someone left the meeting: give back what posting was taken from them."""

    user_id: int


@dataclass(frozen=True)
class HandRaised:
    """A hand went up; the card shows the hands in order."""

    user_id: int


@dataclass(frozen=True)
class HandLowered:
    """A hand came down without a turn (taken back, skipped, or the member left)."""

    user_id: int


@dataclass(frozen=True)
class Paused:
    """The floor is open until the facilitator resumes."""


@dataclass(frozen=True)
class BreakStarted:
    """The floor is open until `until`."""

    until: datetime


@dataclass(frozen=True)
class Resumed:
    """A pause or break ended; `speaker` has the floor again (None where nobody takes turns)."""

    speaker: int | None


@dataclass(frozen=True)
class ModeChanged:
    """A round's mode was set (`round_index` of the round it applies to)."""

    round_index: int
    mode: Mode


@dataclass(frozen=True)
class ActionsRecorded:
    """The holder committed to `actions` actions in round `round_index`."""

    user_id: int
    round_index: int
    actions: int


Note = (
    PhaseEntered
    | FloorTo
    | TurnEnded
    | Warned
    | TimeUpNote
    | Extended
    | Arrived
    | Left
    | HandRaised
    | HandLowered
    | Paused
    | BreakStarted
    | Resumed
    | ModeChanged
    | ActionsRecorded
)


@dataclass(frozen=True)
class Step:
    """What an event did: the state to store, and the notes to carry out once it is stored (in order)."""

    state: MeetingState
    notes: tuple[Note, ...]


# ---- starting


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
    _aware(now)
    attending = tuple(dict.fromkeys(user for user in present if user != facilitator_id))
    return MeetingState(
        facilitator_id=facilitator_id,
        phase=Phase.OPENING,
        present=attending,
        rotation=rotation,
        voted_before=voted is not None,
        rounds=_rounds(voted or (), None),
    )


def _rounds(winners: Sequence[tuple[int, int | None]], first_mode: Mode | None) -> tuple[RoundState, ...]:
    return tuple(
        RoundState(holder_id=holder, bid_id=bid, mode=first_mode if index == 0 and first_mode else Mode.SUPPORTIVE)
        for index, (holder, bid) in enumerate(winners)
    )


# ---- reading the state


def speaker(state: MeetingState) -> int | None:
    """Who holds the floor: None when it is open (opening, vote, paused, break, closed)."""
    if state.phase in TURN_PHASES and state.queue and not state.held:
        return state.queue[0]
    return None


def up_next(state: MeetingState) -> int | None:
    """Who speaks after the current turn in this phase (a raised hand first), if anyone."""
    if state.phase not in TURN_PHASES or not state.queue:
        return None
    if state.phase in OPEN_PHASES and state.hands:
        return state.hands[0]
    return state.queue[1] if len(state.queue) > 1 else None


def floor_of(state: MeetingState, user_id: int) -> Floor:
    """Where `user_id` stands with the floor: speaking, listening to someone else, or not kept from posting.

    The floor stays closed through the vote (ballots are cast with buttons, and the facilitator may speak): opening
    it between the catch-up and the first round would change every member's access twice within seconds, more than
    Discord lets a channel's overwrites change (FACTS §1j), for no conversation the method wants.
    """
    if state.held or state.phase not in CLOSED_FLOOR_PHASES:
        return Floor.NO_MEETING
    if user_id == speaker(state):
        return Floor.SPEAKING
    return Floor.LISTENING if user_id in state.present else Floor.NO_MEETING


def deadlines(state: MeetingState) -> list[tuple[str, datetime]]:
    """What the service stores as due work now: each fires a `TimeUp` at its time."""
    due: list[tuple[str, datetime]] = []
    if state.turn_ends_at is not None and not state.overtime:
        if not state.warned:
            due.append(("warn", state.turn_ends_at - WARNING))
        due.append(("time_up", state.turn_ends_at))
    if state.break_until is not None:
        due.append(("break_over", state.break_until))
    return due


# ---- applying an event


def apply(state: MeetingState, event: Event, *, timing: Timing, now: datetime) -> Step:
    """The meeting after `event` at `now`, with what to announce; raises `MeetingRuleError` for a refused event."""
    _aware(now)
    run = _Run(state, timing, now.astimezone(UTC))
    if state.phase is Phase.CLOSED:
        if isinstance(event, TimeUp):
            return Step(state, ())  # a deadline left over from the meeting: nothing is due any more
        raise MeetingRuleError("This meeting has ended. The facilitator can start a new one with /meeting start.")
    run.handle(event)
    return Step(run.state, tuple(run.notes))


class _Run:
    """One event being applied: the state as it changes and the notes gathered on the way."""

    def __init__(self, state: MeetingState, timing: Timing, now: datetime) -> None:
        self.state = state
        self.timing = timing
        self.now = now
        self.notes: list[Note] = []

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
                    self.state = replace(self.state, hands=_without(self.state.hands, user_id))
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

    def arrive(self, user_id: int) -> None:
        state = self.state
        if user_id == state.facilitator_id or user_id in state.present:
            return
        self.state = replace(self.state, present=(*state.present, user_id))
        self.notes.append(Arrived(user_id))
        # Appended only to a phase they may speak in, and only if their turn in it has not been and gone.
        if user_id in self.order(state.phase) and user_id not in state.had_turn:
            self.state = replace(self.state, queue=(*state.queue, user_id))

    def leave(self, user_id: int) -> None:
        state = self.state
        if user_id == state.facilitator_id:
            raise MeetingRuleError(
                "You are facilitating this meeting: end it with /meeting end, or hand facilitation to someone else."
            )
        if user_id not in state.present:
            return
        holding = bool(state.queue) and state.queue[0] == user_id
        if user_id in state.hands:
            self.notes.append(HandLowered(user_id))
        self.state = replace(
            self.state,
            present=_without(state.present, user_id),
            hands=_without(state.hands, user_id),
            queue=state.queue[:1] + _without(state.queue[1:], user_id),
        )
        self.notes.append(Left(user_id))
        if holding:
            self.end_turn(TurnOutcome.LEFT)

    # -- turns

    def own_turn(self, user_id: int, *, passing: bool) -> None:
        state = self.state
        holder = speaker(state)
        if holder != user_id:
            raise MeetingRuleError(self.not_your_turn(user_id))
        if passing and state.phase not in _PASSABLE:
            raise MeetingRuleError(
                "This is your turn to present your issue: press Done when you have finished."
                if state.phase is Phase.PRESENT
                else "This is your turn to say what you learnt and record your actions: press Done when you have "
                "finished."
            )
        self.end_turn(TurnOutcome.PASSED if passing else TurnOutcome.DONE)

    def not_your_turn(self, user_id: int) -> str:
        state = self.state
        if state.phase not in TURN_PHASES:
            return "Nobody has the floor just now: there are no turns in this part of the meeting."
        if state.break_until is not None:
            return f"The group is on a break until <t:{int(state.break_until.timestamp())}:t>: wait for it to end."
        if state.paused:
            return "The meeting is paused: wait for the facilitator to resume it."
        holder = state.queue[0]
        if user_id in state.had_turn:
            return f"Your turn is over: <@{holder}> has the floor now."
        if state.phase in OPEN_PHASES:
            return f"It is not your turn: <@{holder}> has the floor. Raise your hand instead."
        return f"It is not your turn: <@{holder}> has the floor. Wait for your turn: you will be pinged."

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

    def put_round(self, current: RoundState) -> None:
        rounds = list(self.state.rounds)
        rounds[self.state.round_index] = current
        self.state = replace(self.state, rounds=tuple(rounds))

    def start_turn(self) -> None:
        state = self.state
        minutes = self.timing.present_minutes if state.phase is Phase.PRESENT else self.timing.turn_minutes
        length = timedelta(minutes=minutes)
        if state.held:
            self.state = replace(self.state, turn_ends_at=None, time_left=length, warned=False, overtime=False)
        else:
            self.state = replace(
                self.state, turn_ends_at=self.now + length, time_left=None, warned=False, overtime=False
            )
        self.notes.append(FloorTo(state.queue[0], state.by_hand, self.state.turn_ends_at))

    def next(self) -> None:
        phase = self.state.phase
        if phase is Phase.VOTE:
            raise MeetingRuleError(
                "The meeting is waiting for the vote: close it with /vote close so that its winners get rounds, "
                "or end the meeting with /meeting end."
            )
        if phase in TURN_PHASES:
            self.end_turn(TurnOutcome.NEXT)
        else:
            self.finish_phase()

    def skip(self, user_id: int) -> None:
        state = self.state
        if state.phase in TURN_PHASES and state.queue[0] == user_id:
            self.end_turn(TurnOutcome.SKIPPED)
        elif user_id in state.queue[1:]:
            self.state = replace(
                self.state,
                queue=state.queue[:1] + _without(state.queue[1:], user_id),
                had_turn=(*state.had_turn, user_id),
            )
            self.notes.append(TurnEnded(user_id, False, TurnOutcome.SKIPPED))
        elif user_id in state.hands:
            self.state = replace(self.state, hands=_without(state.hands, user_id))
            self.notes.append(HandLowered(user_id))
        else:
            raise MeetingRuleError(f"<@{user_id}> is not waiting for a turn just now: there is nothing to skip.")

    def raise_hand(self, user_id: int) -> None:
        state = self.state
        if user_id == state.facilitator_id:
            raise MeetingRuleError(
                "You are facilitating and can post at any time: there is no need to raise your hand."
            )
        if user_id not in state.present:
            raise MeetingRuleError("Press Here to join the meeting first, then raise your hand.")
        if state.phase not in OPEN_PHASES:
            raise MeetingRuleError(
                "Hands go up only in the catch-up and after the facilitator's thoughts. "
                "Wait for your turn: you will be pinged."
            )
        if state.queue and state.queue[0] == user_id:
            raise MeetingRuleError("You have the floor now: say what you wanted to, then press Done.")
        if user_id in state.hands:
            return
        self.state = replace(self.state, hands=(*state.hands, user_id))
        self.notes.append(HandRaised(user_id))

    # -- time

    def extend(self, minutes: int) -> None:
        state = self.state
        if not 1 <= minutes <= MAX_EXTEND_MINUTES:
            raise MeetingRuleError(f"Extend a turn by 1 to {MAX_EXTEND_MINUTES} minutes; you gave {minutes}.")
        if state.phase not in TURN_PHASES:
            raise MeetingRuleError("Nobody has a turn to extend just now.")
        more = timedelta(minutes=minutes)
        if state.time_left is not None:
            left = state.time_left + more
            self.state = replace(self.state, time_left=left, warned=state.warned and left <= WARNING)
        elif state.turn_ends_at is not None:
            # A turn already over time gets its minutes from now, not from a moment that has passed; a new last
            # minute earns a new warning.
            ends = max(state.turn_ends_at, self.now) + more
            self.state = replace(
                self.state, turn_ends_at=ends, overtime=False, warned=state.warned and ends - self.now <= WARNING
            )
        self.notes.append(Extended(state.queue[0], minutes))

    def hold(self) -> None:
        """Stop the turn's clock, keeping the time it has left."""
        state = self.state
        if state.turn_ends_at is not None:
            self.state = replace(
                self.state, turn_ends_at=None, time_left=max(state.turn_ends_at - self.now, timedelta(0))
            )

    def pause(self) -> None:
        if self.state.paused:
            return
        self.hold()
        self.state = replace(self.state, paused=True, break_until=None)
        self.notes.append(Paused())

    def take_break(self, minutes: int) -> None:
        if not 1 <= minutes <= MAX_BREAK_MINUTES:
            raise MeetingRuleError(f"A break lasts 1 to {MAX_BREAK_MINUTES} minutes; you gave {minutes}.")
        self.hold()
        until = self.now + timedelta(minutes=minutes)
        self.state = replace(self.state, paused=False, break_until=until)
        self.notes.append(BreakStarted(until))

    def resume(self) -> None:
        state = self.state
        self.state = replace(self.state, paused=False, break_until=None)
        if state.time_left is not None:
            self.state = replace(self.state, turn_ends_at=self.now + state.time_left, time_left=None)
        self.notes.append(Resumed(speaker(self.state)))

    def time_up(self, at: datetime) -> None:
        state = self.state
        if state.break_until is not None and at == state.break_until:
            self.resume()
            return
        if state.turn_ends_at is None or state.overtime:
            return
        user_id = state.queue[0]
        if at == state.turn_ends_at:
            self.notes.append(TimeUpNote(user_id, advanced=self.timing.auto_advance))
            if self.timing.auto_advance:
                self.end_turn(TurnOutcome.TIME_UP)
            else:
                self.state = replace(self.state, overtime=True)
        elif at == state.turn_ends_at - WARNING and not state.warned:
            self.state = replace(self.state, warned=True)
            self.notes.append(Warned(user_id, state.turn_ends_at))

    # -- rounds

    def set_mode(self, mode: Mode) -> None:
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
                "This round's input has begun and there is no later round, so the mode can no longer change."
            )
        chosen = state.rounds[target]
        if chosen.mode is not mode:
            rounds = list(state.rounds)
            rounds[target] = replace(chosen, mode=mode)
            self.state = replace(self.state, rounds=tuple(rounds))
            self.notes.append(ModeChanged(target, mode))

    def voted(self, winners: tuple[tuple[int, int | None], ...]) -> None:
        if self.state.phase is not Phase.VOTE:
            raise MeetingRuleError(
                "The meeting is not waiting for a vote just now, so this result cannot choose its rounds."
            )
        self.state = replace(self.state, rounds=_rounds(winners, self.state.next_mode), next_mode=None)
        if self.state.rounds:
            self.enter(Phase.PRESENT, 0)
        else:
            self.enter(Phase.CLOSED, 0)

    def committed(self, user_id: int, actions: int) -> None:
        state = self.state
        current = state.round
        if current is None or user_id != current.holder_id or state.phase is not Phase.COMMIT:
            raise MeetingRuleError(
                "Actions are recorded by an issue's holder at the end of their round: keep them until then, or add "
                "them with /action add after the meeting."
            )
        if actions < 0:
            raise MeetingRuleError("Record zero or more actions.")
        if current.actions + actions > MAX_ACTIONS:
            raise MeetingRuleError(
                f"A round ends with at most {MAX_ACTIONS} actions and you have {current.actions} recorded: "
                f"choose the {MAX_ACTIONS - current.actions} that matter most."
            )
        self.put_round(replace(current, actions=current.actions + actions))
        self.notes.append(ActionsRecorded(user_id, state.round_index, current.actions + actions))
        self.end_turn(TurnOutcome.DONE)

    # -- phases

    def order(self, phase: Phase) -> tuple[int, ...]:
        """Who takes a turn in `phase`, in order: the fixed order rotated, meeting to meeting and round to round."""
        state = self.state
        if phase is Phase.CATCH_UP:
            return _rotated(sorted(state.present), state.rotation)
        current = state.round
        if phase in (Phase.PRESENT, Phase.COMMIT) and current is not None:
            attending = current.holder_id in state.present or current.holder_id == state.facilitator_id
            return (current.holder_id,) if attending else ()
        if phase in (Phase.CLARIFY, Phase.INPUT) and current is not None:
            # The holder listens; the facilitator is not a peer here and speaks last, in their own phase.
            peers = sorted(user for user in state.present if user != current.holder_id)
            return _rotated(peers, state.rotation + state.round_index)
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


def _rotated(users: Sequence[int], by: int) -> tuple[int, ...]:
    if not users:
        return ()
    shift = by % len(users)
    return (*users[shift:], *users[:shift])


def _without(users: tuple[int, ...], user_id: int) -> tuple[int, ...]:
    return tuple(user for user in users if user != user_id)


def _aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError("the meeting needs an aware time")


# ---- storing


def to_json(state: MeetingState) -> dict[str, Any]:
    """The state as JSON-ready values, with a version number; `from_json` gives back an equal state."""
    return {
        "version": JSON_VERSION,
        "facilitator_id": state.facilitator_id,
        "phase": state.phase.value,
        "present": list(state.present),
        "rotation": state.rotation,
        "voted_before": state.voted_before,
        "rounds": [
            {
                "holder_id": item.holder_id,
                "bid_id": item.bid_id,
                "mode": item.mode.value,
                "actions": item.actions,
                "inputs": list(item.inputs),
                "passes": list(item.passes),
                "clarify_passes": list(item.clarify_passes),
                "ran": item.ran,
            }
            for item in state.rounds
        ],
        "round_index": state.round_index,
        "queue": list(state.queue),
        "by_hand": state.by_hand,
        "hands": list(state.hands),
        "had_turn": list(state.had_turn),
        "paused": state.paused,
        "break_until": _time_to_json(state.break_until),
        "turn_ends_at": _time_to_json(state.turn_ends_at),
        "time_left_us": None if state.time_left is None else state.time_left // timedelta(microseconds=1),
        "warned": state.warned,
        "overtime": state.overtime,
        "next_mode": None if state.next_mode is None else state.next_mode.value,
    }


def from_json(data: dict[str, Any]) -> MeetingState:
    """The state stored by `to_json`."""
    if data.get("version") != JSON_VERSION:
        raise ValueError(f"unknown meeting state version {data.get('version')!r}")
    return MeetingState(
        facilitator_id=int(data["facilitator_id"]),
        phase=Phase(data["phase"]),
        present=_ids(data["present"]),
        rotation=int(data["rotation"]),
        voted_before=bool(data["voted_before"]),
        rounds=tuple(
            RoundState(
                holder_id=int(item["holder_id"]),
                bid_id=None if item["bid_id"] is None else int(item["bid_id"]),
                mode=Mode(item["mode"]),
                actions=int(item["actions"]),
                inputs=_ids(item["inputs"]),
                passes=_ids(item["passes"]),
                clarify_passes=_ids(item["clarify_passes"]),
                ran=bool(item.get("ran", False)),
            )
            for item in data["rounds"]
        ),
        round_index=int(data["round_index"]),
        queue=_ids(data["queue"]),
        by_hand=bool(data["by_hand"]),
        hands=_ids(data["hands"]),
        had_turn=_ids(data["had_turn"]),
        paused=bool(data["paused"]),
        break_until=_time_from_json(data["break_until"]),
        turn_ends_at=_time_from_json(data["turn_ends_at"]),
        time_left=None if data["time_left_us"] is None else timedelta(microseconds=int(data["time_left_us"])),
        warned=bool(data["warned"]),
        overtime=bool(data["overtime"]),
        next_mode=None if data["next_mode"] is None else Mode(data["next_mode"]),
    )


def _ids(values: Sequence[Any]) -> tuple[int, ...]:
    return tuple(int(value) for value in values)


def _time_to_json(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _time_from_json(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)
