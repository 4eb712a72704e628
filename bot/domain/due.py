"""Work that falls due at a time and is done once: its key, and how long to wait before trying again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=60)


@dataclass(frozen=True)
class DueKey:
    """What makes a piece of due work one piece: the same (subject, kind, due time) is never done twice."""

    subject: str
    kind: str
    due_at: datetime

    def __post_init__(self) -> None:
        if self.due_at.tzinfo is None:
            raise ValueError("due work needs an aware time")
        if not self.subject or not self.kind:
            raise ValueError("due work needs a subject and a kind")


def retry_at(failed_at: datetime, attempts: int, first: timedelta = FIRST_RETRY) -> datetime | None:
    """When to try again after `attempts` failures, or None once it is time to give up.

    The waits double from `first`: a minute, unless the work is urgent.
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    return failed_at + first * (1 << max(0, attempts - 1))
