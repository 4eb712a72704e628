"""What a meeting is made of: its phases, modes, limits and stored state, and who holds the floor in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.errors import UserFacingError
from bot.domain.groups import Floor

MAX_ACTIONS = 3
MAX_EXTEND_MINUTES = 60
MAX_BREAK_MINUTES = 120
WARNING = timedelta(minutes=1)


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


# Phases in which someone holds the floor, in turn; the others leave it open to everyone.
TURN_PHASES = frozenset({Phase.CATCH_UP, Phase.PRESENT, Phase.CLARIFY, Phase.INPUT, Phase.FACILITATOR, Phase.COMMIT})
# Phases in which a member may raise a hand to speak out of the fixed order.
OPEN_PHASES = frozenset({Phase.CATCH_UP, Phase.FACILITATOR})
CLOSED_FLOOR_PHASES = TURN_PHASES | {Phase.VOTE}
"""Phases where only the speaker (and the facilitator) may post in the meeting's channel."""
ROUND_PHASES = (Phase.PRESENT, Phase.CLARIFY, Phase.INPUT, Phase.FACILITATOR, Phase.COMMIT)


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
    cut_short: bool = False  # its holder left the group during it: it ended there and then


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
    turn_number: int = 0  # turns begun in this meeting, hand turns included: no two turns share one

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
