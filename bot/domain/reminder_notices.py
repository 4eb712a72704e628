"""What the scheduled posts say: each a typed notice carrying only ids and times.

They are drawn from the database when posted, so a reminder shows the actions as they stand at that moment (a
report made an hour before is not asked about again), and what members wrote never sits in the outbox.
Times are Unix seconds, for Discord's timestamps, which everyone reads in their own time zone.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.effects import Notice


@dataclass(frozen=True)
class GroupReminder(Notice, kind="reminder.group"):
    """The report-back reminder in the group's channel: these members mentioned, each with their actions to do."""

    group_id: int
    user_ids: tuple[int, ...]
    meeting_at: int | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "user_ids", tuple(self.user_ids))  # stored as a JSON list


@dataclass(frozen=True)
class MemberReminder(Notice, kind="reminder.member"):
    """The report-back reminder for one member: by direct message, or in the channel when their DMs are closed."""

    group_id: int
    user_id: int
    meeting_at: int | None


@dataclass(frozen=True)
class BidNudge(Notice, kind="reminder.bids"):
    """Before a meeting: put in a bid for the group's help with an issue."""

    group_id: int
    meeting_at: int


@dataclass(frozen=True)
class ReportDigest(Notice, kind="reminder.digest"):
    """The facilitator's private digest before a meeting: who has reported back on their actions, who has not."""

    group_id: int
    meeting_at: int
