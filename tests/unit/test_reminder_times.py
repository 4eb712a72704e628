"""When scheduled posts fall due: lead times, quiet hours across clock changes, months, and how late is too late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.reminders import (
    QuietHours,
    ReminderKind,
    ReminderPlan,
    add_months,
    group_of_subject,
    group_subject,
    monthly_posts,
    next_monthly,
    out_of_quiet,
    scheduled_posts,
    still_useful,
)

LONDON, NEW_YORK, SYDNEY = ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney")
NIGHT = QuietHours(22, 8)


def _plan(zone: str = "Europe/London", report: int = 72, nudge: int = 24, quiet: QuietHours = NIGHT) -> ReminderPlan:
    return ReminderPlan(zone, timedelta(hours=report), timedelta(hours=nudge), quiet, timedelta(hours=24))


def _local(zone: ZoneInfo, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


def test_the_reminders_go_their_lead_times_before_the_meeting() -> None:
    meeting = _local(LONDON, 2026, 12, 1, 18, 30)
    posts = scheduled_posts(meeting, _plan())
    assert posts[ReminderKind.REPORT_BACK] == meeting - timedelta(hours=72)
    assert posts[ReminderKind.BID_NUDGE] == posts[ReminderKind.DIGEST] == meeting - timedelta(hours=24)


def test_a_post_in_the_quiet_hours_goes_when_they_end() -> None:
    meeting = _local(LONDON, 2026, 12, 1, 9, 0)  # 72 h before is 09:00; 14 h before is 19:00; 10 h before is 23:00
    posts = scheduled_posts(meeting, _plan(report=10, nudge=14))
    assert posts[ReminderKind.REPORT_BACK] == _local(LONDON, 2026, 12, 1, 8, 0), "23:00 falls quiet: 08:00 instead"
    assert posts[ReminderKind.BID_NUDGE] == _local(LONDON, 2026, 11, 30, 19, 0), "19:00 is not quiet"


def test_when_the_quiet_hours_end_too_late_the_post_goes_before_they_begin() -> None:
    meeting = _local(LONDON, 2026, 12, 1, 7, 0)  # 2 h before is 05:00, quiet until 08:00, after the meeting
    posts = scheduled_posts(meeting, _plan(report=2, nudge=2))
    assert posts[ReminderKind.REPORT_BACK] == _local(LONDON, 2026, 11, 30, 21, 59)


def test_quiet_hours_within_one_day_and_none_at_all() -> None:
    early = QuietHours(1, 6)
    assert out_of_quiet(_local(LONDON, 2026, 6, 3, 3, 0), early, LONDON) == _local(LONDON, 2026, 6, 3, 6, 0)
    assert out_of_quiet(_local(LONDON, 2026, 6, 3, 7, 0), early, LONDON) == _local(LONDON, 2026, 6, 3, 7, 0)
    at = _local(LONDON, 2026, 6, 3, 3, 0)
    assert out_of_quiet(at, QuietHours(5, 5), LONDON) == at
    assert str(QuietHours(5, 5).describe()) == "none"
    assert str(NIGHT.describe()) == "22:00 to 08:00"


@pytest.mark.parametrize(
    ("zone", "night"),
    [
        (LONDON, (2026, 3, 29)),  # clocks go forward at 01:00
        (LONDON, (2026, 10, 25)),  # and back at 02:00
        (NEW_YORK, (2026, 3, 8)),
        (NEW_YORK, (2026, 11, 1)),
        (SYDNEY, (2026, 4, 5)),  # back, in the southern autumn
        (SYDNEY, (2026, 10, 4)),  # forward
    ],
)
def test_quiet_hours_end_at_local_eight_across_a_clock_change(zone: ZoneInfo, night: tuple[int, int, int]) -> None:
    at = datetime(*night, 2, 30, tzinfo=zone).replace(fold=0).astimezone(UTC)
    moved = out_of_quiet(at, NIGHT, zone).astimezone(zone)
    assert (moved.date(), moved.hour, moved.minute) == (at.astimezone(zone).date(), 8, 0)


def test_a_month_on_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(datetime(2026, 1, 31, 9, tzinfo=UTC), 1) == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert add_months(datetime(2028, 1, 31, 9, tzinfo=UTC), 1) == datetime(2028, 2, 29, 9, tzinfo=UTC), "leap year"
    assert add_months(datetime(2026, 11, 30, 9, tzinfo=UTC), 3) == datetime(2027, 2, 28, 9, tzinfo=UTC)
    assert add_months(datetime(2026, 12, 15, 9, tzinfo=UTC), 1) == datetime(2027, 1, 15, 9, tzinfo=UTC)


def test_without_a_schedule_the_reminder_is_monthly_from_the_last_meeting() -> None:
    plan = _plan(zone="UTC")
    anchor = datetime(2026, 11, 10, 19, 0, tzinfo=UTC)
    assert next_monthly(anchor, plan, anchor) == datetime(2026, 12, 10, 19, 0, tzinfo=UTC)
    assert next_monthly(anchor, plan, datetime(2026, 12, 10, 19, 0, tzinfo=UTC)) == datetime(
        2027, 1, 10, 19, 0, tzinfo=UTC
    )
    late_evening = datetime(2026, 11, 10, 23, 0, tzinfo=UTC)
    assert monthly_posts(late_evening, plan)[0] == datetime(2026, 12, 11, 8, 0, tzinfo=UTC), "quiet hours apply"


def test_a_late_post_goes_while_useful_and_never_after_the_meeting() -> None:
    plan = _plan()
    due = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
    meeting = due + timedelta(hours=72)
    assert still_useful(due, due + timedelta(hours=24), plan, meeting)
    assert not still_useful(due, due + timedelta(hours=24, seconds=1), plan, meeting)
    assert not still_useful(due, meeting, _plan(), meeting - timedelta(hours=1)), "the meeting has begun"
    assert still_useful(due, due + timedelta(hours=1), plan, None)


def test_a_groups_subject_names_it_and_nothing_else() -> None:
    assert group_of_subject(group_subject(42)) == 42
    assert group_of_subject("vote:42") is None
    assert group_of_subject("group:x") is None


FROM, UNTIL = datetime(2026, 1, 1), datetime(2030, 12, 31)  # noqa: DTZ001 (hypothesis takes naive bounds)
ZONES = st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"])


@given(
    zone=ZONES,
    moment=st.datetimes(min_value=FROM, max_value=UNTIL),
    start=st.integers(0, 23),
    end=st.integers(0, 23),
)
def test_a_post_moved_out_of_quiet_hours_is_never_in_them_nor_earlier(
    zone: str, moment: datetime, start: int, end: int
) -> None:
    tz = ZoneInfo(zone)
    at = moment.replace(tzinfo=UTC)
    quiet = QuietHours(start, end)
    moved = out_of_quiet(at, quiet, tz)
    assert moved >= at
    assert moved - at <= timedelta(hours=25)
    if moved != at:
        assert not quiet.covers(moved.astimezone(tz)) or moved.astimezone(tz).hour == end, (moved, at)
