"""When a group's scheduled posts fall due: the report-back reminder, the bid nudge, the facilitator's digest.

Pure functions of the group's next meeting, its lead times and quiet hours, so that planning a post, checking at
fire time that it is still the one wanted, and previewing it all compute the same instants.

The rules, as members and facilitators meet them:
- With a schedule, the report-back reminder goes `report_back_lead_hours` before the next meeting; the bid nudge and
  the facilitator's digest of who has not reported back go `bid_nudge_lead_hours` before it (one moment, so the
  facilitator sees the digest while there is still time to ask).
- Without a schedule, the report-back reminder goes monthly: one calendar month after the last meeting ended (or
  the group was made), then each month after that until a meeting is held or a schedule is set. No nudge, no digest:
  there is no meeting to point at.
- A post that falls in the group's quiet hours (whole hours, in the group's time zone; UTC without a schedule) goes
  when they end; if that would be at or after the meeting, it goes just before they begin instead.
- A post that could not go at its time (the bot was down) still goes while it is useful: before the meeting, and no
  later than `late_hours` after its time. Otherwise it is recorded as missed, never sent late.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.text import Text, msg

SUBJECT_PREFIX = "group:"


class ReminderKind(StrEnum):
    """The kinds of scheduled post; each is a kind of due work (stored, so never renamed)."""

    REPORT_BACK = "remind.report"
    BID_NUDGE = "remind.bids"
    DIGEST = "remind.digest"

    @property
    def label(self) -> Text:
        """The post as facilitators read its name."""
        return _LABELS[self]


_LABELS = {
    ReminderKind.REPORT_BACK: msg("Report-back reminder"),
    ReminderKind.BID_NUDGE: msg("Nudge to put in bids"),
    ReminderKind.DIGEST: msg("Your digest of who has reported back"),
}
MONTHS_AHEAD_CHECKED = 60
"""How many monthly reminders after an anchor are recognised as its own (five years)."""


def group_subject(group_id: int) -> str:
    """The due-work subject of a group's scheduled posts."""
    return f"{SUBJECT_PREFIX}{group_id}"


def group_of_subject(subject: str) -> int | None:
    """The group a due-work subject names, if it names one."""
    if not subject.startswith(SUBJECT_PREFIX):
        return None
    rest = subject.removeprefix(SUBJECT_PREFIX)
    return int(rest) if rest.isascii() and rest.isdigit() else None


@dataclass(frozen=True)
class QuietHours:
    """Whole hours of the local day when nothing is posted: from `start` up to `end` (22 to 8 spans midnight).

    Equal hours mean no quiet hours at all.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= 23 and 0 <= self.end <= 23):
            raise ValueError("quiet hours are whole hours from 0 to 23")

    @property
    def off(self) -> bool:
        """Whether there are no quiet hours."""
        return self.start == self.end

    def covers(self, local: datetime) -> bool:
        """Whether a local wall-clock time falls inside the quiet hours."""
        if self.off:
            return False
        hour = local.hour
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end

    def describe(self) -> Text:
        """The hours as members read them: 22:00 to 08:00, or none."""
        if self.off:
            return msg("none")
        start, end = f"{self.start:02d}:00", f"{self.end:02d}:00"
        return msg("{start} to {end}", start=start, end=end)


@dataclass(frozen=True)
class ReminderPlan:
    """A group's settings as the reminders use them."""

    zone: str
    report_back_lead: timedelta
    bid_nudge_lead: timedelta
    quiet: QuietHours
    late_after: timedelta

    @property
    def tz(self) -> ZoneInfo:
        """The group's time zone."""
        return ZoneInfo(self.zone)


def _local_instant(day: date, hour: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of `hour`:00 on a local day (a skipped hour reads with the offset before the gap)."""
    return datetime.combine(day, time(hour), tzinfo=zone).replace(fold=0).astimezone(UTC)


def out_of_quiet(at: datetime, quiet: QuietHours, zone: ZoneInfo, before: datetime | None = None) -> datetime:
    """`at`, or the end of the quiet hours it falls in; the start of them instead if the end is not before `before`."""
    local = at.astimezone(zone)
    if not quiet.covers(local):
        return at
    day = local.date()
    # The quiet spell that holds `local` ends today if it began yesterday evening (or today, when it does not span
    # midnight), and tomorrow when it began this evening.
    spans_midnight = quiet.start > quiet.end
    end_day = day + timedelta(days=1) if spans_midnight and local.hour >= quiet.start else day
    start_day = end_day - timedelta(days=1) if spans_midnight else end_day
    end = _local_instant(end_day, quiet.end, zone)
    if before is None or end < before:
        return end
    start = _local_instant(start_day, quiet.start, zone)
    return start - timedelta(minutes=1)


def scheduled_posts(meeting_at: datetime, plan: ReminderPlan) -> dict[ReminderKind, datetime]:
    """When each post for a meeting at `meeting_at` falls due (quiet hours taken into account)."""
    report = meeting_at - plan.report_back_lead
    nudge = meeting_at - plan.bid_nudge_lead
    report = out_of_quiet(report, plan.quiet, plan.tz, before=meeting_at)
    nudge = out_of_quiet(nudge, plan.quiet, plan.tz, before=meeting_at)
    return {ReminderKind.REPORT_BACK: report, ReminderKind.BID_NUDGE: nudge, ReminderKind.DIGEST: nudge}


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months on (the 31st becomes a shorter month's last day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def monthly_posts(anchor: datetime, plan: ReminderPlan) -> list[datetime]:
    """The monthly report-back reminders after `anchor` (a group without a schedule), in order, quiet hours applied."""
    return [out_of_quiet(add_months(anchor, months), plan.quiet, plan.tz) for months in range(1, MONTHS_AHEAD_CHECKED)]


def next_monthly(anchor: datetime, plan: ReminderPlan, after: datetime) -> datetime | None:
    """The first monthly reminder after `after`."""
    return next((at for at in monthly_posts(anchor, plan) if at > after), None)


def still_useful(due_at: datetime, now: datetime, plan: ReminderPlan, meeting_at: datetime | None) -> bool:
    """Whether a post due at `due_at` is still worth sending at `now` (else it is recorded as missed)."""
    if meeting_at is not None and now >= meeting_at:
        return False
    return now - due_at <= plan.late_after
