"""What a step of the meeting tells the service to announce, ping or post once the new state is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.meeting.state import MeetingState, Mode, Phase, TurnOutcome


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
