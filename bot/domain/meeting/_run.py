"""What every part of applying an event shares: the state as it changes, the clock, the notes gathered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.domain.meeting.notes import Note
from bot.domain.meeting.state import MeetingState, RoundState, Timing


class RunBase:
    """One event being applied: the state as it changes and the notes gathered on the way."""

    def __init__(self, state: MeetingState, timing: Timing, now: datetime) -> None:
        self.state = state
        self.timing = timing
        self.now = now
        self.notes: list[Note] = []

    def put_round(self, current: RoundState) -> None:
        """Store `current` as the round being run."""
        rounds = list(self.state.rounds)
        rounds[self.state.round_index] = current
        self.state = replace(self.state, rounds=tuple(rounds))


def rotated(users: Sequence[int], by: int) -> tuple[int, ...]:
    if not users:
        return ()
    shift = by % len(users)
    return (*users[shift:], *users[:shift])


def without(users: tuple[int, ...], user_id: int) -> tuple[int, ...]:
    return tuple(user for user in users if user != user_id)


def require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError("the meeting needs an aware time")
