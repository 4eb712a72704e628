"""The clock is injected so that rules and services can be tested at any moment in time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current time, always timezone-aware UTC."""

    def now(self) -> datetime:
        """The current moment, aware, in UTC."""
        ...


class FixedClock:
    """A clock that shows the time it was set to; tests move it by hand."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        """The time it was set to."""
        return self.moment
