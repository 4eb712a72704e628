"""What the meeting tells people: each notice a typed value, registered once under its own kind.

The floor card, the summary and the holders' digests carry only ids: they are drawn from the database when posted,
so a late edit never shows an older floor, and what members wrote never sits in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.effects import Notice


@dataclass(frozen=True)
class FloorCard(Notice, kind="meeting.floor_card"):
    """The meeting's one card: phase, mode, who has the floor, who is next, the queue, time left; its buttons.

    `ping`: posted at a hand-over, the card is the ping itself: it names the new speaker and what to do, so the live
    card is always the newest post in the channel (the card before it is spent).
    """

    meeting_id: int
    ping: int | None = None


@dataclass(frozen=True)
class SpentCard(Notice, kind="meeting.spent_card"):
    """A card the meeting moved on from: a short line in its place, with no buttons, pointing to the live card."""

    meeting_id: int


@dataclass(frozen=True)
class FloorTo(Notice, kind="meeting.floor_to"):
    """The floor passes to someone: they, and only they, are pinged."""

    meeting_id: int
    user_id: int
    phase: str


@dataclass(frozen=True)
class TurnWarning(Notice, kind="meeting.turn_warning"):
    """Told privately to the speaker: one minute left."""

    group: str


@dataclass(frozen=True)
class TurnOver(Notice, kind="meeting.turn_over"):
    """Told privately to the speaker: their time is up (and whether the floor moved on)."""

    group: str
    moved_on: bool


@dataclass(frozen=True)
class OffTurnRemoved(Notice, kind="meeting.off_turn_removed"):
    """Told privately to someone whose post during another's turn was removed; their text when it could be read."""

    group: str
    speaker_id: int | None
    text: str | None
    member: bool = True  # False: someone who can see the channel (an administrator) but is not in the group


@dataclass(frozen=True)
class OffTurnReminder(Notice, kind="meeting.off_turn_reminder"):
    """Told privately to someone who posted during another's turn, where the group only reminds."""

    group: str
    speaker_id: int | None
    member: bool = True


@dataclass(frozen=True)
class NotAQuestion(Notice, kind="meeting.not_a_question"):
    """Told privately: in this phase contributions are questions only."""

    group: str


@dataclass(frozen=True)
class DressRehearsalInput(Notice, kind="meeting.dress_rehearsal_input"):
    """A peer's Dress Rehearsal input, given through its form: one constructive criticism and three positives."""

    user_id: int
    criticism: str
    positives: tuple[str, str, str]


@dataclass(frozen=True)
class MeetingSummary(Notice, kind="meeting.summary"):
    """The summary posted when a meeting ends."""

    meeting_id: int


@dataclass(frozen=True)
class RoundDigest(Notice, kind="meeting.round_digest"):
    """Told privately to an issue holder: their round's mode, who gave input in what order, their actions."""

    meeting_id: int
    round_index: int


MEETING_NOTICES: tuple[type[Notice], ...] = (
    FloorCard,
    SpentCard,
    FloorTo,
    TurnWarning,
    TurnOver,
    OffTurnRemoved,
    OffTurnReminder,
    NotAQuestion,
    DressRehearsalInput,
    MeetingSummary,
    RoundDigest,
)
LIVE_MEETING_NOTICES: tuple[type[Notice], ...] = (FloorCard, SpentCard, FloorTo, MeetingSummary, RoundDigest)
