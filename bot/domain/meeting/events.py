"""What can happen to a meeting: the events a member, the facilitator, the vote or the clock sends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.meeting.state import Mode


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
