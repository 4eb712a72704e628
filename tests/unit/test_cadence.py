"""A group's meeting schedule with no I/O and a fixed clock: dates, clock changes, parsing, stored form, zone search."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.cadence import (
    CLOCK_CHANGE_RULE,
    Cadence,
    CadenceInvalidError,
    EveryNWeeks,
    MeetingDatePassedError,
    MonthlyOnDay,
    MonthlyOnWeekday,
    Ordinal,
    SingleDate,
    TimeZoneUnknownError,
    Weekday,
    describe,
    from_dict,
    meetings_after,
    moved_by_clock_change,
    next_after,
    parse_cadence,
    parse_zone,
    to_dict,
    upcoming,
    zones_matching,
)
from bot.domain.errors import UserFacingError

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LONDON, NEW_YORK, SYDNEY = "Europe/London", "America/New_York", "Australia/Sydney"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def monthly(ordinal: Ordinal, weekday: Weekday, at: str, zone: str) -> MonthlyOnWeekday:
    return MonthlyOnWeekday(ordinal=ordinal, weekday=weekday, at=time.fromisoformat(at), zone=zone)


def local(meeting: datetime, zone: str) -> str:
    """The meeting as the group's members read it: "2026-03-29 02:30 +0100"."""
    return f"{meeting.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M %z}"


def dates(cadence: Cadence, after: datetime, count: int) -> list[date]:
    return [meeting.astimezone(cadence.tz).date() for meeting in upcoming(cadence, after, count)]


# --- The date rules --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordinal", "weekday", "expected"),
    [
        (Ordinal.FIRST, Weekday.TUESDAY, date(2026, 1, 6)),  # 1 January 2026 is a Thursday
        (Ordinal.FIRST, Weekday.THURSDAY, date(2026, 1, 1)),  # the month starts on the weekday itself
        (Ordinal.SECOND, Weekday.MONDAY, date(2026, 1, 12)),
        (Ordinal.THIRD, Weekday.WEDNESDAY, date(2026, 1, 21)),
        (Ordinal.FOURTH, Weekday.SATURDAY, date(2026, 1, 24)),
        (Ordinal.LAST, Weekday.FRIDAY, date(2026, 1, 30)),
        (Ordinal.LAST, Weekday.SATURDAY, date(2026, 1, 31)),  # the month ends on the weekday itself
        (Ordinal.LAST, Weekday.SUNDAY, date(2026, 1, 25)),
    ],
)
def test_the_nth_weekday_of_january_2026(ordinal: Ordinal, weekday: Weekday, expected: date) -> None:
    cadence = monthly(ordinal, weekday, "18:30", "UTC")
    assert dates(cadence, utc(2025, 12, 31), 1) == [expected]


def test_the_fourth_thursday_of_november_is_thanksgiving() -> None:
    assert dates(monthly(Ordinal.FOURTH, Weekday.THURSDAY, "12:00", "UTC"), utc(2026, 11, 1), 1) == [date(2026, 11, 26)]


def test_the_last_friday_of_each_month_through_a_year() -> None:
    cadence = monthly(Ordinal.LAST, Weekday.FRIDAY, "18:00", "UTC")
    assert [day.day for day in dates(cadence, utc(2026, 1, 1), 12)] == [30, 27, 27, 24, 29, 26, 31, 28, 25, 30, 27, 25]


def test_the_31st_is_the_last_day_of_shorter_months() -> None:
    cadence = MonthlyOnDay(day=31, at=time(19), zone="UTC")
    assert dates(cadence, utc(2026, 1, 1), 7) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
    ]


def test_the_29th_of_february_only_in_a_leap_year() -> None:
    cadence = MonthlyOnDay(day=29, at=time(19), zone="UTC")
    assert dates(cadence, utc(2027, 2, 1), 1) == [date(2027, 2, 28)]
    assert dates(cadence, utc(2028, 2, 1), 1) == [date(2028, 2, 29)]


def test_the_30th_in_a_leap_february_is_the_29th() -> None:
    assert dates(MonthlyOnDay(day=30, at=time(19), zone="UTC"), utc(2028, 2, 1), 2) == [
        date(2028, 2, 29),
        date(2028, 3, 30),
    ]


def test_a_day_every_month_has_is_kept_as_it_is() -> None:
    assert [day.day for day in dates(MonthlyOnDay(day=28, at=time(9), zone="UTC"), utc(2026, 1, 1), 3)] == [28] * 3


def test_every_six_weeks_counts_from_the_first_date() -> None:
    cadence = EveryNWeeks(weeks=6, first=date(2026, 1, 6), at=time(18, 30), zone="UTC")
    assert dates(cadence, utc(2025, 6, 1), 3) == [date(2026, 1, 6), date(2026, 2, 17), date(2026, 3, 31)]


def test_every_six_weeks_keeps_its_weeks_when_asked_long_after_the_first_date() -> None:
    cadence = EveryNWeeks(weeks=6, first=date(2026, 1, 6), at=time(18, 30), zone="UTC")
    # 2026-03-31 is the third meeting; asking on the day after the second one must not shift the weeks.
    assert dates(cadence, utc(2026, 2, 18), 2) == [date(2026, 3, 31), date(2026, 5, 12)]


def test_weekly_meets_every_week() -> None:
    cadence = EveryNWeeks(weeks=1, first=date(2026, 1, 6), at=time(18, 30), zone="UTC")
    assert dates(cadence, utc(2026, 1, 7), 2) == [date(2026, 1, 13), date(2026, 1, 20)]


def test_a_single_date_still_to_come_is_the_next_meeting() -> None:
    cadence = SingleDate(on=date(2026, 2, 3), at=time(18, 30), zone=LONDON)
    assert next_after(cadence, NOW) == utc(2026, 2, 3, 18, 30)
    assert upcoming(cadence, NOW, 3) == [utc(2026, 2, 3, 18, 30)]


def test_a_single_date_already_past_has_no_next_meeting() -> None:
    cadence = SingleDate(on=date(2025, 12, 2), at=time(18, 30), zone=LONDON)
    assert next_after(cadence, NOW) is None
    assert upcoming(cadence, NOW, 3) == []


def test_the_next_meeting_is_strictly_after_the_instant() -> None:
    cadence = monthly(Ordinal.FIRST, Weekday.TUESDAY, "18:30", "UTC")
    assert next_after(cadence, utc(2026, 1, 6, 18, 30)) == utc(2026, 2, 3, 18, 30)
    assert next_after(cadence, utc(2026, 1, 6, 18, 29, 59)) == utc(2026, 1, 6, 18, 30)


def test_a_meeting_later_today_is_the_next_one() -> None:
    cadence = monthly(Ordinal.FIRST, Weekday.TUESDAY, "18:30", LONDON)
    assert next_after(cadence, utc(2026, 1, 6, 9, 0)) == utc(2026, 1, 6, 18, 30)


def test_the_date_is_the_groups_local_date_not_utcs() -> None:
    # 19:00 on the first Tuesday in Sydney is 08:00 UTC the same day; 09:00 in Honolulu is 19:00 UTC.
    sydney = monthly(Ordinal.FIRST, Weekday.TUESDAY, "19:00", SYDNEY)
    assert next_after(sydney, NOW) == utc(2026, 1, 6, 8, 0)
    late = monthly(Ordinal.FIRST, Weekday.TUESDAY, "23:30", "Pacific/Honolulu")
    assert next_after(late, NOW) == utc(2026, 1, 7, 9, 30)  # Tuesday evening in Honolulu is Wednesday in UTC


def test_upcoming_counts_nothing_for_zero_and_refuses_a_negative_count() -> None:
    cadence = monthly(Ordinal.FIRST, Weekday.TUESDAY, "18:30", "UTC")
    assert upcoming(cadence, NOW, 0) == []
    with pytest.raises(ValueError, match="negative"):
        upcoming(cadence, NOW, -1)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_after(monthly(Ordinal.FIRST, Weekday.TUESDAY, "18:30", "UTC"), datetime.combine(date(2026, 1, 1), time()))


def test_the_schedule_ends_at_the_end_of_the_calendar() -> None:
    cadence = EveryNWeeks(weeks=12, first=date(2026, 1, 6), at=time(18, 30), zone="Pacific/Honolulu")
    assert next_after(cadence, utc(9999, 12, 1)) is None


# --- Clock changes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "ordinal", "at", "expected_utc", "expected_local", "moved"),
    [
        # London: 01:00 GMT jumps to 02:00 BST on the last Sunday of March: 01:30 is skipped.
        (LONDON, Ordinal.LAST, "01:30", utc(2026, 3, 29, 1, 30), "2026-03-29 02:30 +0100", True),
        # London: 02:00 BST goes back to 01:00 GMT on the last Sunday of October: 01:30 happens twice.
        (LONDON, Ordinal.LAST, "01:30", utc(2026, 10, 25, 0, 30), "2026-10-25 01:30 +0100", False),
        # New York: 02:00 EST jumps to 03:00 EDT on the second Sunday of March.
        (NEW_YORK, Ordinal.SECOND, "02:30", utc(2026, 3, 8, 7, 30), "2026-03-08 03:30 -0400", True),
        # New York: 02:00 EDT goes back to 01:00 EST on the first Sunday of November.
        (NEW_YORK, Ordinal.FIRST, "01:30", utc(2026, 11, 1, 5, 30), "2026-11-01 01:30 -0400", False),
        # Sydney: 02:00 AEST jumps to 03:00 AEDT on the first Sunday of October.
        (SYDNEY, Ordinal.FIRST, "02:30", utc(2026, 10, 3, 16, 30), "2026-10-04 03:30 +1100", True),
        # Sydney: 03:00 AEDT goes back to 02:00 AEST on the first Sunday of April.
        (SYDNEY, Ordinal.FIRST, "02:30", utc(2026, 4, 4, 15, 30), "2026-04-05 02:30 +1100", False),
    ],
    ids=[
        "london-skipped",
        "london-repeated",
        "new-york-skipped",
        "new-york-repeated",
        "sydney-skipped",
        "sydney-repeated",
    ],
)
def test_a_skipped_time_is_later_by_the_gap_and_a_repeated_time_is_the_first(
    zone: str, ordinal: Ordinal, at: str, expected_utc: datetime, expected_local: str, moved: bool
) -> None:
    cadence = monthly(ordinal, Weekday.SUNDAY, at, zone)
    meeting = next_after(cadence, expected_utc - timedelta(days=3))
    assert meeting == expected_utc
    assert local(meeting, zone) == expected_local
    assert moved_by_clock_change(cadence, meeting) is moved


def test_the_second_of_a_repeated_time_is_not_a_meeting() -> None:
    cadence = monthly(Ordinal.LAST, Weekday.SUNDAY, "01:30", LONDON)
    # Asked between the two 01:30s, the next meeting is a month on, not the repeat an hour later.
    assert next_after(cadence, utc(2026, 10, 25, 0, 45)) == utc(2026, 11, 29, 1, 30)


def test_a_half_hour_gap_moves_the_meeting_half_an_hour() -> None:
    # Lord Howe Island's clocks go from 02:00 to 02:30 on the first Sunday of October.
    cadence = monthly(Ordinal.FIRST, Weekday.SUNDAY, "02:15", "Australia/Lord_Howe")
    meeting = next_after(cadence, utc(2026, 10, 1))
    assert meeting is not None
    assert local(meeting, "Australia/Lord_Howe") == "2026-10-04 02:45 +1100"


def test_a_gap_at_midnight_moves_the_meeting_into_the_next_day_and_it_is_still_found() -> None:
    # Nuuk's clocks go from 23:00 on Saturday 28 March 2026 to 00:00 on Sunday: 23:30 becomes 00:30 on the 29th.
    cadence = monthly(Ordinal.LAST, Weekday.SATURDAY, "23:30", "America/Nuuk")
    expected = utc(2026, 3, 29, 1, 30)
    assert local(expected, "America/Nuuk") == "2026-03-29 00:30 -0100"
    assert next_after(cadence, utc(2026, 3, 20)) == expected
    # Asked when it is already the 29th in Nuuk, the moved meeting of the 28th is still to come.
    assert next_after(cadence, utc(2026, 3, 29, 1, 0)) == expected


def test_every_six_weeks_keeps_the_local_time_across_both_clock_changes_in_london() -> None:
    cadence = EveryNWeeks(weeks=6, first=date(2026, 2, 10), at=time(18, 30), zone=LONDON)
    meetings = upcoming(cadence, utc(2026, 2, 1), 8)
    assert [local(meeting, LONDON) for meeting in meetings] == [
        "2026-02-10 18:30 +0000",
        "2026-03-24 18:30 +0000",
        "2026-05-05 18:30 +0100",
        "2026-06-16 18:30 +0100",
        "2026-07-28 18:30 +0100",
        "2026-09-08 18:30 +0100",
        "2026-10-20 18:30 +0100",
        "2026-12-01 18:30 +0000",
    ]
    assert meetings[1] - meetings[0] == timedelta(weeks=6)
    assert meetings[2] - meetings[1] == timedelta(weeks=6, hours=-1)  # the UTC gap shrinks, the local time holds


def test_every_six_weeks_keeps_the_local_time_across_sydneys_april_change() -> None:
    cadence = EveryNWeeks(weeks=6, first=date(2026, 3, 3), at=time(19), zone=SYDNEY)
    assert upcoming(cadence, utc(2026, 3, 1), 2) == [utc(2026, 3, 3, 8, 0), utc(2026, 4, 14, 9, 0)]


def test_every_six_weeks_keeps_the_local_time_across_new_yorks_march_change() -> None:
    cadence = EveryNWeeks(weeks=6, first=date(2026, 2, 3), at=time(18, 30), zone=NEW_YORK)
    assert upcoming(cadence, utc(2026, 2, 1), 2) == [utc(2026, 2, 3, 23, 30), utc(2026, 3, 17, 22, 30)]


def test_the_clock_change_rule_is_stated_for_members() -> None:
    assert "02:30 becomes 03:30" in str(CLOCK_CHANGE_RULE)
    assert "the meeting is at the first" in str(CLOCK_CHANGE_RULE)


# --- What a slash command passes -------------------------------------------------------------------------------------


def parse(kind: str, **options: str | int) -> Cadence:
    at = str(options.pop("at", "18:30"))
    zone = str(options.pop("zone", LONDON))
    return parse_cadence(kind, at=at, zone=zone, now=NOW, **options)  # type: ignore[arg-type]


def test_a_monthly_weekday_is_parsed_from_words() -> None:
    assert parse("monthly_weekday", weekday="Tuesday", ordinal="first") == monthly(
        Ordinal.FIRST, Weekday.TUESDAY, "18:30", LONDON
    )


@pytest.mark.parametrize("ordinal", ["last", "LAST", " Last "])
def test_the_last_weekday_is_parsed(ordinal: str) -> None:
    assert parse("monthly_weekday", weekday="fri", ordinal=ordinal) == monthly(
        Ordinal.LAST, Weekday.FRIDAY, "18:30", LONDON
    )


@pytest.mark.parametrize("ordinal", [2, "2", "2nd", "second"])
def test_an_ordinal_is_a_word_a_number_or_a_numeral(ordinal: str | int) -> None:
    assert parse("monthly_weekday", weekday="Mondays", ordinal=ordinal).ordinal is Ordinal.SECOND  # type: ignore[attr-defined]


@pytest.mark.parametrize("ordinal", ["fifth", "5", "5th", 5])
def test_a_fifth_weekday_is_refused_with_last_offered_instead(ordinal: str | int) -> None:
    with pytest.raises(
        CadenceInvalidError, match=r"^Not every month has a fifth Monday.*Choose last for the last Monday"
    ):
        parse("monthly_weekday", weekday="Monday", ordinal=ordinal)


@pytest.mark.parametrize("ordinal", ["sixth", "0", "-1", "first one"])
def test_an_unknown_ordinal_lists_the_ones_there_are(ordinal: str) -> None:
    with pytest.raises(CadenceInvalidError, match="first, second, third, fourth or last"):
        parse("monthly_weekday", weekday="Monday", ordinal=ordinal)


def test_an_unknown_weekday_asks_for_monday_to_sunday() -> None:
    with pytest.raises(CadenceInvalidError, match=r"^Funday is not a day of the week: choose Monday to Sunday\.$"):
        parse("monthly_weekday", weekday="Funday", ordinal="first")


def test_a_day_of_the_month_is_parsed_from_a_number_or_digits() -> None:
    assert parse("monthly_day", day=31) == MonthlyOnDay(day=31, at=time(18, 30), zone=LONDON)
    assert parse("monthly_day", day=" 15 ") == MonthlyOnDay(day=15, at=time(18, 30), zone=LONDON)


@pytest.mark.parametrize("day", [0, 32, -1, "thirty", "15th"])
def test_a_day_outside_the_month_asks_for_1_to_31(day: str | int) -> None:
    with pytest.raises(CadenceInvalidError, match=r"^Choose a day of the month from 1 to 31"):
        parse("monthly_day", day=day)


def test_every_n_weeks_is_parsed_with_its_first_date() -> None:
    assert parse("weeks", weeks="6", on="2026-01-06") == EveryNWeeks(
        weeks=6, first=date(2026, 1, 6), at=time(18, 30), zone=LONDON
    )


def test_every_n_weeks_may_start_in_the_past() -> None:
    assert parse("weeks", weeks=6, on="2025-06-03").first == date(2025, 6, 3)  # type: ignore[attr-defined]


@pytest.mark.parametrize("weeks", [0, 13, -6])
def test_weeks_out_of_range_ask_for_1_to_12(weeks: int) -> None:
    with pytest.raises(CadenceInvalidError, match=rf"^Meetings can be every 1 to 12 weeks, not {weeks}: choose"):
        parse("weeks", weeks=weeks, on="2026-01-06")


@pytest.mark.parametrize("weeks", ["six", "6.5", ""])
def test_weeks_that_are_not_a_number_ask_for_a_whole_number(weeks: str) -> None:
    with pytest.raises(CadenceInvalidError, match=r"(whole number from 1 to 12|needs the number of weeks)"):
        parse("weeks", weeks=weeks, on="2026-01-06")


def test_a_single_date_still_to_come_is_parsed() -> None:
    assert parse("once", on="2026-01-01", at="12:01") == SingleDate(on=date(2026, 1, 1), at=time(12, 1), zone=LONDON)


@pytest.mark.parametrize(("on", "at"), [("2025-12-31", "18:30"), ("2026-01-01", "11:59"), ("2026-01-01", "12:00")])
def test_a_single_date_already_past_is_refused(on: str, at: str) -> None:
    with pytest.raises(MeetingDatePassedError, match="has already passed: choose a date and time still to come"):
        parse("once", on=on, at=at)


def test_a_single_date_is_past_or_not_in_the_groups_zone() -> None:
    # At 12:00 UTC on 1 January it is already 01:00 on the 2nd in Auckland (UTC+13), so 00:30 there has passed.
    with pytest.raises(MeetingDatePassedError, match=r"^Friday 2 January 2026 at 00:30 \(Pacific/Auckland\)"):
        parse("once", on="2026-01-02", at="00:30", zone="Pacific/Auckland")


@pytest.mark.parametrize("on", ["6/1/2026", "2026-1-6", "20260106", "2026-W02-2", "tomorrow"])
def test_a_date_in_another_form_asks_for_yyyy_mm_dd(on: str) -> None:
    with pytest.raises(CadenceInvalidError, match="is not a date: enter it as YYYY-MM-DD"):
        parse("once", on=on)


@pytest.mark.parametrize("on", ["2026-02-30", "2026-13-01", "2027-02-29"])
def test_a_date_not_in_the_calendar_is_refused(on: str) -> None:
    with pytest.raises(CadenceInvalidError, match="is not a day in the calendar"):
        parse("once", on=on)


@pytest.mark.parametrize("at", ["24:00", "18:60", "1830", "6pm", "18:30:00", "", "-1:30"])
def test_a_bad_time_asks_for_hh_mm(at: str) -> None:
    with pytest.raises(CadenceInvalidError, match="enter it as HH:MM on the 24-hour clock, for example 18:30"):
        parse("monthly_day", day=1, at=at)


@pytest.mark.parametrize(("at", "expected"), [("00:00", time(0)), ("7:05", time(7, 5)), ("23:59", time(23, 59))])
def test_a_time_on_the_24_hour_clock_is_parsed(at: str, expected: time) -> None:
    assert parse("monthly_day", day=1, at=at).at == expected


def test_what_someone_typed_is_cut_short_in_a_message() -> None:
    with pytest.raises(CadenceInvalidError) as caught:
        parse("monthly_day", day=1, at="x" * 500)
    assert len(caught.value.message) < 150


def test_an_unknown_zone_suggests_near_names() -> None:
    with pytest.raises(
        TimeZoneUnknownError, match=r"^There is no time zone called Europe/Londn\. Did you mean Europe/London"
    ):
        parse("monthly_day", day=1, zone="Europe/Londn")


def test_a_city_alone_suggests_its_zone() -> None:
    with pytest.raises(TimeZoneUnknownError, match=r"Did you mean America/New_York\?"):
        parse("monthly_day", day=1, zone="New York")


def test_an_unknown_zone_with_nothing_near_asks_for_an_iana_name() -> None:
    with pytest.raises(TimeZoneUnknownError, match=r"called Qqqq\. Enter an IANA name such as Europe/London"):
        parse("monthly_day", day=1, zone="Qqqq")


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "", "../etc/passwd", "/usr/share/zoneinfo/UTC"])
def test_names_that_are_not_places_are_not_zones(zone: str) -> None:
    with pytest.raises(TimeZoneUnknownError):
        parse_zone(zone)


@pytest.mark.parametrize(
    ("typed", "expected"), [("europe/london", LONDON), ("America/New York", NEW_YORK), ("utc", "UTC")]
)
def test_a_zone_is_found_whatever_its_case_and_spaces(typed: str, expected: str) -> None:
    assert parse("monthly_day", day=1, zone=typed).zone == expected


def test_a_rule_missing_its_options_says_what_it_needs() -> None:
    with pytest.raises(CadenceInvalidError, match=r"^A schedule monthly on a weekday needs the weekday \(Monday to"):
        parse("monthly_weekday", ordinal="first")
    with pytest.raises(CadenceInvalidError, match=r"needs the number of weeks .* and the date of the first meeting"):
        parse("weeks")
    with pytest.raises(CadenceInvalidError, match=r"^A schedule once needs the meeting's date \(YYYY-MM-DD\)\.$"):
        parse("once")


def test_options_a_rule_does_not_use_are_refused_not_ignored() -> None:
    with pytest.raises(
        CadenceInvalidError, match=r"^A schedule monthly on a day of the month does not use date or weeks"
    ):
        parse("monthly_day", day=3, weeks=6, on="2026-01-06")
    with pytest.raises(CadenceInvalidError, match="does not use day: leave it empty"):
        parse("weeks", weeks=6, on="2026-01-06", day=3)


def test_an_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(CadenceInvalidError, match=r"^Choose how often the group meets: monthly on a weekday, "):
        parse("fortnightly")


def test_parsing_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_cadence("monthly_day", day=1, at="18:30", zone=LONDON, now=datetime.combine(date(2026, 1, 1), time()))


def test_every_cadence_error_is_for_members() -> None:
    assert issubclass(CadenceInvalidError, UserFacingError)
    assert issubclass(TimeZoneUnknownError, CadenceInvalidError)
    assert issubclass(MeetingDatePassedError, CadenceInvalidError)


# --- The stored form -------------------------------------------------------------------------------------------------

EXAMPLES: list[Cadence] = [
    monthly(Ordinal.FIRST, Weekday.TUESDAY, "18:30", LONDON),
    monthly(Ordinal.LAST, Weekday.FRIDAY, "07:05", SYDNEY),
    MonthlyOnDay(day=31, at=time(0, 0), zone=NEW_YORK),
    EveryNWeeks(weeks=6, first=date(2026, 1, 6), at=time(23, 59), zone="UTC"),
    SingleDate(on=date(2028, 2, 29), at=time(12), zone="Asia/Kolkata"),
]


def test_the_stored_form_is_small_and_readable() -> None:
    assert to_dict(EXAMPLES[0]) == {
        "kind": "monthly_weekday",
        "time": "18:30",
        "zone": "Europe/London",
        "ordinal": "first",
        "weekday": "tuesday",
    }
    assert to_dict(EXAMPLES[3]) == {"kind": "weeks", "time": "23:59", "zone": "UTC", "weeks": 6, "first": "2026-01-06"}
    assert to_dict(EXAMPLES[4]) == {"kind": "once", "time": "12:00", "zone": "Asia/Kolkata", "date": "2028-02-29"}
    assert to_dict(EXAMPLES[2])["day"] == 31


@pytest.mark.parametrize("cadence", EXAMPLES, ids=lambda cadence: str(describe(cadence)))
def test_each_kind_comes_back_from_json(cadence: Cadence) -> None:
    assert from_dict(json.loads(json.dumps(to_dict(cadence)))) == cadence


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"kind": "fortnightly"}, "known kind"),
        ({"kind": None}, "known kind"),
        ({"weeks": 6}, "exactly the keys"),
        ({"time": None}, "time and zone are strings"),
        ({"zone": 0}, "time and zone are strings"),
        ({"ordinal": 1}, "wrong type"),
        ({"ordinal": "fifth"}, "fifth"),
        ({"weekday": "funday"}, "not a day of the week"),
        ({"time": "25:00"}, "not a time"),
        ({"zone": "europe/london"}, "no time zone called"),  # stored names are exact
        ({"zone": "Mars/Olympus_Mons"}, "no time zone called"),
    ],
)
def test_a_bad_stored_cadence_is_refused(change: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        from_dict(to_dict(EXAMPLES[0]) | change)


@pytest.mark.parametrize(
    ("stored", "complaint"),
    [
        ({"kind": "monthly_day", "time": "18:30", "zone": "UTC", "day": True}, "wrong type"),
        ({"kind": "monthly_day", "time": "18:30", "zone": "UTC", "day": "31"}, "wrong type"),
        ({"kind": "monthly_day", "time": "18:30", "zone": "UTC", "day": 32}, "from 1 to 31"),
        ({"kind": "weeks", "time": "18:30", "zone": "UTC", "weeks": 13, "first": "2026-01-06"}, "1 to 12 weeks"),
        ({"kind": "weeks", "time": "18:30", "zone": "UTC", "weeks": 6}, "exactly the keys"),
        ({"kind": "once", "time": "18:30", "zone": "UTC", "date": "2026-02-30"}, "not a day in the calendar"),
    ],
)
def test_a_bad_stored_rule_is_refused(stored: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        from_dict(stored)


def test_a_stored_single_date_in_the_past_still_reads_back() -> None:
    stored = {"kind": "once", "time": "18:30", "zone": "UTC", "date": "2020-01-01"}
    assert from_dict(stored) == SingleDate(on=date(2020, 1, 1), at=time(18, 30), zone="UTC")


def test_a_date_that_is_really_a_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="a date, not a datetime"):
        SingleDate(on=NOW, at=time(18, 30), zone="UTC")
    with pytest.raises(ValueError, match="a date, not a datetime"):
        EveryNWeeks(weeks=6, first=NOW, at=time(18, 30), zone="UTC")


def test_a_monthly_weekday_needs_the_enums_not_numbers() -> None:
    with pytest.raises(ValueError, match="takes an Ordinal and a Weekday"):
        MonthlyOnWeekday(ordinal=5, weekday=Weekday.MONDAY, at=time(18, 30), zone="UTC")  # type: ignore[arg-type]


def test_a_cadence_with_seconds_or_a_zone_on_its_time_is_refused() -> None:
    with pytest.raises(ValueError, match="whole minutes"):
        MonthlyOnDay(day=1, at=time(18, 30, 15), zone="UTC")
    with pytest.raises(ValueError, match="whole minutes"):
        MonthlyOnDay(day=1, at=time(18, 30, tzinfo=UTC), zone="UTC")


# --- Words -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [
        (
            monthly(Ordinal.FIRST, Weekday.TUESDAY, "18:30", LONDON),
            "Monthly on the first Tuesday at 18:30, Europe/London",
        ),
        (monthly(Ordinal.LAST, Weekday.FRIDAY, "07:05", "UTC"), "Monthly on the last Friday at 07:05, UTC"),
        (MonthlyOnDay(day=1, at=time(9), zone="UTC"), "Monthly on the 1st at 09:00, UTC"),
        (MonthlyOnDay(day=22, at=time(9), zone="UTC"), "Monthly on the 22nd at 09:00, UTC"),
        (MonthlyOnDay(day=13, at=time(9), zone="UTC"), "Monthly on the 13th at 09:00, UTC"),
        (MonthlyOnDay(day=28, at=time(9), zone="UTC"), "Monthly on the 28th at 09:00, UTC"),
        (
            MonthlyOnDay(day=31, at=time(9), zone="UTC"),
            "Monthly on the 31st (or the month's last day when it is shorter) at 09:00, UTC",
        ),
        (
            EveryNWeeks(weeks=6, first=date(2026, 1, 6), at=time(18, 30), zone=LONDON),
            "Every 6 weeks on Tuesdays, from 6 January 2026 at 18:30, Europe/London",
        ),
        (
            EveryNWeeks(weeks=1, first=date(2026, 1, 7), at=time(18, 30), zone=LONDON),
            "Weekly on Wednesdays, from 7 January 2026 at 18:30, Europe/London",
        ),
        (
            SingleDate(on=date(2028, 2, 29), at=time(12), zone="Asia/Kolkata"),
            "Once, on Tuesday 29 February 2028 at 12:00, Asia/Kolkata",
        ),
    ],
)
def test_a_cadence_in_english(cadence: Cadence, expected: str) -> None:
    assert str(describe(cadence)) == expected


# --- Zone search for autocomplete ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("york", NEW_YORK), ("London", LONDON), ("new york", NEW_YORK), ("SYDNEY", SYDNEY)]
)
def test_a_part_of_a_zone_name_finds_it(text: str, expected: str) -> None:
    assert expected in zones_matching(text)


def test_the_exact_name_comes_first_then_word_starts_then_anywhere() -> None:
    assert zones_matching("utc")[0] == "UTC"
    found = zones_matching("paris")
    assert found[0] == "Europe/Paris"
    # "Ma" starts a word in America/Manaus and is only inside Asia/Damascus: the word start comes first.
    ma = zones_matching("ma", limit=600)
    assert ma.index("America/Manaus") < ma.index("Asia/Damascus")


def test_no_more_choices_than_discord_shows() -> None:
    assert len(zones_matching("a")) == 25
    assert len(zones_matching("")) == 25
    assert len(zones_matching("a", limit=3)) == 3
    assert zones_matching("a", limit=0) == []


def test_every_zone_offered_can_be_chosen() -> None:
    for name in zones_matching("", limit=1000):
        assert parse_zone(name) == name
    assert "localtime" not in zones_matching("local")


def test_text_in_no_zone_finds_nothing() -> None:
    assert zones_matching("qqqq") == []


# --- Properties ------------------------------------------------------------------------------------------------------

ZONES = sorted(set(zones_matching("", limit=10_000)))
CLOCK_CHANGING = [
    LONDON,
    NEW_YORK,
    SYDNEY,
    "Australia/Lord_Howe",  # a half-hour change
    "America/Nuuk",  # a gap from 23:00 to midnight
    "America/Santiago",  # changes at midnight
    "America/Havana",  # changes at midnight
    "Antarctica/Troll",  # a two-hour change
    "Africa/Casablanca",  # four changes a year, around Ramadan
    "Pacific/Chatham",  # +12:45 / +13:45
    "Europe/Dublin",  # "winter time" is the DST exception in the tz data
]


def naive(day: date, at: time) -> datetime:
    return datetime.combine(day, at)


def days_in_month(day: date) -> int:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def matches_rule(cadence: Cadence, day: date) -> bool:
    """Whether a local date is a meeting date, by the rule's definition (not by the module's arithmetic)."""
    if isinstance(cadence, MonthlyOnWeekday):
        if day.weekday() != cadence.weekday:
            return False
        if cadence.ordinal is Ordinal.LAST:
            return (day + timedelta(weeks=1)).month != day.month
        return (day.day - 1) // 7 + 1 == cadence.ordinal
    if isinstance(cadence, MonthlyOnDay):
        return day.day == min(cadence.day, days_in_month(day))
    if isinstance(cadence, EveryNWeeks):
        return day >= cadence.first and (day - cadence.first).days % (7 * cadence.weeks) == 0
    assert isinstance(cadence, SingleDate)
    return day == cadence.on


def readings(wall: datetime, zone: ZoneInfo) -> tuple[list[datetime], datetime]:
    """The UTC instants whose local wall time in `zone` is `wall`, and `wall` read with the offset of a day before."""
    before, after = zone.utcoffset(wall - timedelta(days=1)), zone.utcoffset(wall + timedelta(days=1))
    assert before is not None
    assert after is not None
    candidates = {(wall - offset).replace(tzinfo=UTC) for offset in (before, after)}
    real = sorted(moment for moment in candidates if moment.astimezone(zone).replace(tzinfo=None) == wall)
    return real, (wall - before).replace(tzinfo=UTC)


def expected_instant(day: date, cadence: Cadence) -> datetime:
    """The stated rule, written out: the first instant with the wall time, else the wall time in the offset before."""
    real, with_offset_before = readings(naive(day, cadence.at), cadence.tz)
    return real[0] if real else with_offset_before


def by_brute_force(cadence: Cadence, after: datetime, count: int) -> list[datetime]:
    """The next meetings found by trying every local day in turn."""
    day = after.astimezone(cadence.tz).date() - timedelta(days=2)
    if isinstance(cadence, SingleDate):
        last = cadence.on
    else:  # enough days for `count` meetings of the longest period, from the first date when that is later
        later = max(day, cadence.first) if isinstance(cadence, EveryNWeeks) else day
        last = later + timedelta(days=7 * 12 * (count + 1) + 62)
    found: list[datetime] = []
    while len(found) < count and day <= last:
        if matches_rule(cadence, day):
            meeting = expected_instant(day, cadence)
            if meeting > after:
                found.append(meeting)
        day += timedelta(days=1)
    return found


def intended_wall_time(cadence: Cadence, meeting: datetime) -> datetime:
    """The wall time a meeting was set for: its own, or (if the clocks skipped that) read with the offset before."""
    wall = meeting.astimezone(cadence.tz).replace(tzinfo=None)
    if wall.time() == cadence.at:
        return wall
    offset_before = (meeting - timedelta(days=1)).astimezone(cadence.tz).utcoffset()
    assert offset_before is not None
    return meeting.replace(tzinfo=None) + offset_before


zones = st.one_of(st.sampled_from(CLOCK_CHANGING), st.sampled_from(ZONES))
# Times near midnight and in the small hours come up often: that is where the clocks change.
times = st.one_of(
    st.builds(time, st.sampled_from([0, 1, 2, 3, 22, 23]), st.sampled_from([0, 15, 30, 45])),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)
calendar_dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2060, 12, 31))
cadences: st.SearchStrategy[Cadence] = st.one_of(
    st.builds(
        MonthlyOnWeekday, ordinal=st.sampled_from(Ordinal), weekday=st.sampled_from(Weekday), at=times, zone=zones
    ),
    # The month ends (28 to 31) come up often: that is where the fallback to the last day works.
    st.builds(MonthlyOnDay, day=st.one_of(st.integers(28, 31), st.integers(1, 31)), at=times, zone=zones),
    st.builds(EveryNWeeks, weeks=st.integers(1, 12), first=calendar_dates, at=times, zone=zones),
    st.builds(SingleDate, on=calendar_dates, at=times, zone=zones),
)
instants = st.datetimes(
    min_value=datetime.combine(date(2000, 1, 1), time()),
    max_value=datetime.combine(date(2055, 12, 31), time()),
    timezones=st.just(UTC),
)


@settings(max_examples=300, deadline=None)
@given(cadences, instants, st.integers(1, 4))
def test_the_next_meetings_are_the_rules_days_read_by_the_clock_change_rule(
    cadence: Cadence, after: datetime, count: int
) -> None:
    assert upcoming(cadence, after, count) == by_brute_force(cadence, after, count)


@settings(max_examples=300, deadline=None)
@given(cadences, instants)
def test_every_meeting_is_on_a_day_of_its_rule_at_its_time(cadence: Cadence, after: datetime) -> None:
    for meeting in upcoming(cadence, after, 6):
        intended = intended_wall_time(cadence, meeting)
        assert intended.time() == cadence.at
        assert matches_rule(cadence, intended.date())


@settings(max_examples=300, deadline=None)
@given(cadences, instants)
def test_meetings_are_in_utc_strictly_increasing_and_after_the_instant(cadence: Cadence, after: datetime) -> None:
    meetings = upcoming(cadence, after, 6)
    assert all(meeting.tzinfo is UTC for meeting in meetings)
    assert all(meeting > after for meeting in meetings)
    assert all(earlier < later for earlier, later in pairwise(meetings))
    assert next_after(cadence, after) == (meetings[0] if meetings else None)


@settings(max_examples=300, deadline=None)
@given(cadences, instants)
def test_no_period_is_skipped(cadence: Cadence, after: datetime) -> None:
    days = [intended_wall_time(cadence, meeting).date() for meeting in upcoming(cadence, after, 6)]
    for earlier, later in pairwise(days):
        if isinstance(cadence, EveryNWeeks):
            assert (later - earlier).days == 7 * cadence.weeks
        else:
            assert (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == 1


@settings(max_examples=300, deadline=None)
@given(cadences, instants)
def test_a_meeting_moves_only_off_a_skipped_time_and_takes_the_first_of_a_repeated_one(
    cadence: Cadence, after: datetime
) -> None:
    for meeting in upcoming(cadence, after, 6):
        intended = intended_wall_time(cadence, meeting)
        real, _ = readings(intended, cadence.tz)
        if moved_by_clock_change(cadence, meeting):
            assert real == []  # moved only when the chosen wall time does not exist that day
            assert meeting.astimezone(cadence.tz).replace(tzinfo=None) > intended
        else:
            assert meeting == real[0]  # the first of the instants with that wall time


@settings(max_examples=300, deadline=None)
@given(cadences, instants)
def test_no_meeting_is_at_a_wall_time_the_zone_skips(cadence: Cadence, after: datetime) -> None:
    for meeting in upcoming(cadence, after, 6):
        wall = meeting.astimezone(cadence.tz)
        back = wall.astimezone(UTC).astimezone(cadence.tz)
        assert back.replace(tzinfo=None) == wall.replace(tzinfo=None)
        assert readings(wall.replace(tzinfo=None), cadence.tz)[0] != []


@given(cadences)
def test_a_cadence_comes_back_from_its_stored_form(cadence: Cadence) -> None:
    stored = json.loads(json.dumps(to_dict(cadence)))
    assert from_dict(stored) == cadence
    assert to_dict(from_dict(stored)) == stored


def test_meetings_after_goes_on_past_any_count() -> None:
    cadence = monthly(Ordinal.FIRST, Weekday.TUESDAY, "18:30", LONDON)
    meetings = meetings_after(cadence, NOW)
    assert [next(meetings) for _ in range(120)][-1] == utc(2035, 12, 4, 18, 30)
