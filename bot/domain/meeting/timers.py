"""Time in a meeting: a turn's deadline and its warning, more time, pauses and breaks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.meeting.notes import BreakStarted, Extended, Paused, Resumed, TimeUpNote, Warned
from bot.domain.meeting.state import (
    MAX_BREAK_MINUTES,
    MAX_EXTEND_MINUTES,
    TURN_PHASES,
    WARNING,
    MeetingRuleError,
    MeetingState,
    TurnOutcome,
    speaker,
)
from bot.domain.meeting.turns import Turns
from bot.domain.text import msg, msgn


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


class Timers(Turns):
    """Applying the events that change a turn's time, and the deadlines that fall due."""

    def extend(self, minutes: int) -> None:
        """Give the current turn more time."""
        state = self.state
        if not 1 <= minutes <= MAX_EXTEND_MINUTES:
            raise MeetingRuleError(
                msgn(
                    "Extend a turn by 1 to {n} minute; you gave {given}.",
                    "Extend a turn by 1 to {n} minutes; you gave {given}.",
                    MAX_EXTEND_MINUTES,
                    given=minutes,
                )
            )
        if state.phase not in TURN_PHASES:
            raise MeetingRuleError(msg("Nobody has a turn to extend just now."))
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
        """Open the floor until the facilitator resumes, keeping the turn's time left."""
        if self.state.paused:
            return
        self.hold()
        self.state = replace(self.state, paused=True, break_until=None)
        self.notes.append(Paused())

    def take_break(self, minutes: int) -> None:
        """Open the floor for a break of `minutes`, keeping the turn's time left."""
        if not 1 <= minutes <= MAX_BREAK_MINUTES:
            raise MeetingRuleError(
                msgn(
                    "A break lasts 1 to {n} minute; you gave {given}.",
                    "A break lasts 1 to {n} minutes; you gave {given}.",
                    MAX_BREAK_MINUTES,
                    given=minutes,
                )
            )
        self.hold()
        until = self.now + timedelta(minutes=minutes)
        self.state = replace(self.state, paused=False, break_until=until)
        self.notes.append(BreakStarted(until))

    def resume(self) -> None:
        """End a pause or a break: the turn's clock runs again from the time it had left."""
        state = self.state
        self.state = replace(self.state, paused=False, break_until=None)
        if state.time_left is not None:
            self.state = replace(self.state, turn_ends_at=self.now + state.time_left, time_left=None)
        self.notes.append(Resumed(speaker(self.state)))

    def time_up(self, at: datetime) -> None:
        """A stored deadline fell due: a break's end, a turn's end or its warning; one no longer current is ignored."""
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
