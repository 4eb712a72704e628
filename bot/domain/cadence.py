"""A group's meeting schedule: the cadence rules, their stored form, and the meeting times they give, with no clock.

A cadence is a rule for the meeting dates (monthly on the nth weekday, monthly on a day of the month, every N weeks
from a first date, or a single date), a local wall-clock time and the group's IANA time zone. The rule is kept, never a
fixed offset, so "monthly" never drifts. Dates are worked out in the group's zone and returned as UTC instants.

Clock changes follow RFC 5545 (iCalendar, section 3.3.5), so a calendar that imports a meeting agrees with the bot:

- a wall time that happens twice (the clocks go back) is its first occurrence;
- a wall time that does not exist (the clocks go forward) is read with the UTC offset in force before the change,
  which makes the meeting later by the length of the gap: 01:30 in London on the night the clocks jump from 01:00 to
  02:00 is 02:30 BST. No meeting is ever at a wall time the zone skipped.

`CLOCK_CHANGE_RULE` says the same to members. What members read is a `Text` (`describe`, the errors), its words
chosen when it is drawn: weekday and month names come from Babel's data for the reader's language.
"""

from __future__ import annotations

import calendar
import difflib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from functools import cache
from itertools import islice
from typing import ClassVar
from zoneinfo import ZoneInfo, available_timezones

from bot.domain.errors import UserFacingError
from bot.domain.text import Day, DayOfWeek, Text, msg, msgn
from bot.domain.words import choices, day_words, listed, weekday_words

MIN_WEEKS = 1
MAX_WEEKS = 12
LAST_DAY_OF_MONTH = 31
AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 autocomplete choices

CLOCK_CHANGE_RULE = msg(
    "When the clocks go forward and the meeting's time does not exist that night, the meeting is later by the time "
    "skipped (02:30 becomes 03:30 when 02:00 jumps to 03:00); when the clocks go back and the time happens twice, "
    "the meeting is at the first."
)
# Names in the tz database that are not places a group could be in: the machine's own zone, a placeholder, a rule file.
_NOT_PLACES = frozenset({"localtime", "factory", "posixrules"})  # compared in lower case
_ECHO_LENGTH = 40  # how much of what someone typed an error message repeats back


class CadenceInvalidError(UserFacingError, ValueError):
    """A schedule as entered (or as stored) cannot be used; the message says what to enter instead."""


class TimeZoneUnknownError(CadenceInvalidError):
    """The time zone is not an IANA name known here."""


class MeetingDatePassedError(CadenceInvalidError):
    """A single meeting's date and time have already passed."""


class CadenceKind(StrEnum):
    """Which kind of rule gives the meeting dates."""

    MONTHLY_WEEKDAY = "monthly_weekday"
    MONTHLY_DAY = "monthly_day"
    WEEKS = "weeks"
    ONCE = "once"


class Weekday(IntEnum):
    """A day of the week, numbered as `date.weekday()` numbers it."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    @property
    def label(self) -> str:
        """The day's English name, as the command's choice gives it (its value, whatever the reader's language)."""
        return self.name.capitalize()

    @property
    def words(self) -> DayOfWeek:
        """The day's name as a message's parameter, in the reader's language when drawn: "Tuesday", "Dienstag"."""
        return weekday_words(self.value)


class Ordinal(IntEnum):
    """Which of a month's weekdays: the first to the fourth, or the last.

    There is no fifth: most months have only four of a given weekday, so "the fifth Monday" would skip months.
    """

    FIRST = 1
    SECOND = 2
    THIRD = 3
    FOURTH = 4
    LAST = -1

    @property
    def label(self) -> str:
        """The English word, as the command's choice and the stored form give it: "first", "last"."""
        return self.name.lower()


@dataclass(frozen=True, kw_only=True)
class Cadence(ABC):
    """When a group meets: a rule for the dates, a local wall-clock time in whole minutes, and an IANA time zone."""

    kind: ClassVar[CadenceKind]

    at: time
    zone: str

    def __post_init__(self) -> None:
        if self.at.tzinfo is not None or self.at.second or self.at.microsecond or self.at.fold:
            raise ValueError("a meeting time is a naive wall-clock time in whole minutes")
        if self.zone not in _zone_names():
            raise TimeZoneUnknownError(_unknown_zone_message(self.zone))
        self.check_rule()

    @abstractmethod
    def check_rule(self) -> None:
        """Raise if the rule's own fields are out of range (a `CadenceInvalidError`) or of the wrong type."""

    @property
    def tz(self) -> ZoneInfo:
        """The group's time zone."""
        return ZoneInfo(self.zone)

    @abstractmethod
    def dates_from(self, start: date) -> Iterator[date]:
        """The rule's meeting dates on or after `start`, in order (a local calendar date each)."""

    @abstractmethod
    def rule_text(self) -> Text:
        """The date rule, without the time: "Monthly on the first Tuesday"."""

    @abstractmethod
    def options(self) -> dict[str, str | int]:
        """The rule's own fields in their stored form (the kind, time and zone are added by `to_dict`)."""


@dataclass(frozen=True, kw_only=True)
class MonthlyOnWeekday(Cadence):
    """Monthly on the nth weekday: the first Tuesday, the last Friday."""

    kind: ClassVar[CadenceKind] = CadenceKind.MONTHLY_WEEKDAY

    ordinal: Ordinal
    weekday: Weekday

    def check_rule(self) -> None:
        """Only an `Ordinal` (there is no fifth) and a `Weekday`."""
        if not isinstance(self.ordinal, Ordinal) or not isinstance(self.weekday, Weekday):
            raise ValueError("a monthly weekday cadence takes an Ordinal and a Weekday")

    def dates_from(self, start: date) -> Iterator[date]:
        """Each month's chosen weekday, from `start`'s month on."""
        for year, month in _months_from(start):
            day = nth_weekday(year, month, self.ordinal, self.weekday)
            if day >= start:
                yield day

    def rule_text(self) -> Text:
        """Say "Monthly on the first Tuesday"."""
        return _MONTHLY_ON[self.ordinal].with_params(weekday=self.weekday.words)

    def options(self) -> dict[str, str | int]:
        """The ordinal and the weekday, as words."""
        return {"ordinal": self.ordinal.label, "weekday": self.weekday.name.lower()}


@dataclass(frozen=True, kw_only=True)
class MonthlyOnDay(Cadence):
    """Monthly on a day of the month; a day the month lacks means its last day (the 31st is 30 April, 28 February)."""

    kind: ClassVar[CadenceKind] = CadenceKind.MONTHLY_DAY

    day: int

    def check_rule(self) -> None:
        """The day is 1 to 31."""
        _check_day(self.day)

    def dates_from(self, start: date) -> Iterator[date]:
        """Each month's chosen day, or its last day when it is shorter, from `start`'s month on."""
        for year, month in _months_from(start):
            day = date(year, month, min(self.day, calendar.monthrange(year, month)[1]))
            if day >= start:
                yield day

    def rule_text(self) -> Text:
        """Say "Monthly on the 15th", with a word about shorter months from the 29th on."""
        text = _MONTHLY_ON_DAY[ordinal_suffix(self.day)[-2:]].with_params(day=self.day)
        if self.day > 28:  # February's length in a common year
            return msg("{rule} (or the month's last day when it is shorter)", rule=text)
        return text

    def options(self) -> dict[str, str | int]:
        """The day of the month."""
        return {"day": self.day}


@dataclass(frozen=True, kw_only=True)
class EveryNWeeks(Cadence):
    """Every N weeks (1 to 12) from a first meeting date, which also fixes the weekday."""

    kind: ClassVar[CadenceKind] = CadenceKind.WEEKS

    weeks: int
    first: date

    def check_rule(self) -> None:
        """The weeks are 1 to 12, and the first meeting is a calendar date, not a datetime."""
        _check_weeks(self.weeks)
        if isinstance(self.first, datetime):
            raise ValueError("the first meeting's date is a date, not a datetime")

    def dates_from(self, start: date) -> Iterator[date]:
        """The first date plus whole multiples of N weeks, from `start` on."""
        step = timedelta(weeks=self.weeks)
        behind = (start - self.first).days
        periods = max(0, -(-behind // step.days))  # ceiling: the first period on or after start
        day = self.first + step * periods
        while True:
            yield day
            day += step

    def rule_text(self) -> Text:
        """Say "Every 6 weeks on Tuesdays, from 6 January 2026" ("Weekly on Tuesdays, …" for one week)."""
        return msgn(
            "Weekly on {weekday}s, from {date}",
            "Every {n} weeks on {weekday}s, from {date}",
            self.weeks,
            weekday=Weekday(self.first.weekday()).words,
            date=long_date(self.first),
        )

    def options(self) -> dict[str, str | int]:
        """The number of weeks and the first date."""
        return {"weeks": self.weeks, "first": self.first.isoformat()}


@dataclass(frozen=True, kw_only=True)
class SingleDate(Cadence):
    """One meeting, on one date."""

    kind: ClassVar[CadenceKind] = CadenceKind.ONCE

    on: date

    def check_rule(self) -> None:
        """The date is a calendar date, not a datetime (which would compare and print as something else)."""
        if isinstance(self.on, datetime):
            raise ValueError("a single meeting's date is a date, not a datetime")

    def dates_from(self, start: date) -> Iterator[date]:
        """The date, if it is not before `start`."""
        if self.on >= start:
            yield self.on

    def rule_text(self) -> Text:
        """Say "Once, on Tuesday 6 January 2026"."""
        return msg("Once, on {weekday} {date}", weekday=Weekday(self.on.weekday()).words, date=long_date(self.on))

    def options(self) -> dict[str, str | int]:
        """The date."""
        return {"date": self.on.isoformat()}


_MONTHLY_ON = {
    Ordinal.FIRST: msg("Monthly on the first {weekday}"),
    Ordinal.SECOND: msg("Monthly on the second {weekday}"),
    Ordinal.THIRD: msg("Monthly on the third {weekday}"),
    Ordinal.FOURTH: msg("Monthly on the fourth {weekday}"),
    Ordinal.LAST: msg("Monthly on the last {weekday}"),
}
_MONTHLY_ON_DAY = {
    "st": msg("Monthly on the {day}st"),
    "nd": msg("Monthly on the {day}nd"),
    "rd": msg("Monthly on the {day}rd"),
    "th": msg("Monthly on the {day}th"),
}
"""By the English ordinal's ending (1st, 2nd, 3rd, 4th): each language says the day of the month its own way."""

_KINDS: dict[CadenceKind, type[Cadence]] = {
    cls.kind: cls for cls in (MonthlyOnWeekday, MonthlyOnDay, EveryNWeeks, SingleDate)
}


# --- The meeting times a cadence gives -------------------------------------------------------------------------------


def meeting_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`, by the module's clock-change rule.

    A wall time that happens twice is its first occurrence; one that does not exist is read with the UTC offset in
    force before the gap, so it lands later by the gap's length (RFC 5545, section 3.3.5). PEP 495's `fold=0` means
    exactly this for both cases.
    """
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def meetings_after(cadence: Cadence, after: datetime) -> Iterator[datetime]:
    """Every meeting strictly after the aware instant `after`, in order, in UTC; it ends only for a single date.

    The iteration also ends at the end of the calendar (year 9999), where no later instant can be written down.
    """
    if after.utcoffset() is None:
        raise ValueError("meetings_after needs an aware datetime")
    zone = cadence.tz
    try:
        # A meeting moved by a clock change can land on the day after its date, so look from a little earlier.
        start = after.astimezone(zone).date() - timedelta(days=2)
        for day in cadence.dates_from(start):
            meeting = meeting_instant(day, cadence.at, zone)
            if meeting > after:
                yield meeting
    except OverflowError:
        return


def next_after(cadence: Cadence, after: datetime) -> datetime | None:
    """The first meeting strictly after the aware instant `after`, in UTC; None when there is none (a past date)."""
    return next(meetings_after(cadence, after), None)


def upcoming(cadence: Cadence, after: datetime, count: int) -> list[datetime]:
    """The next `count` meetings strictly after `after`, in UTC, in order (fewer when the cadence runs out)."""
    if count < 0:
        raise ValueError(f"count must not be negative, not {count}")
    return list(islice(meetings_after(cadence, after), count))


def moved_by_clock_change(cadence: Cadence, meeting: datetime) -> bool:
    """Whether `meeting` is not at the cadence's wall-clock time because the clocks went forward over it."""
    return meeting.astimezone(cadence.tz).time() != cadence.at


# --- Calendar arithmetic ---------------------------------------------------------------------------------------------


def nth_weekday(year: int, month: int, ordinal: Ordinal, weekday: Weekday) -> date:
    """The first to fourth, or the last, `weekday` of the month."""
    if ordinal is Ordinal.LAST:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (ordinal - 1))


def _months_from(start: date) -> Iterator[tuple[int, int]]:
    """(year, month) from `start`'s month to the end of the calendar."""
    year, month = start.year, start.month
    while year <= date.max.year:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


# --- Words ----------------------------------------------------------------------------------------------------------


def ordinal_suffix(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st, 31st (as a person may type an ordinal: `parse_ordinal` reads them)."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def long_date(day: date) -> Day:
    """The date as a message's parameter: "6 January 2026", in the reader's language when drawn (not the machine's)."""
    return day_words(day, "long")


def describe(cadence: Cadence) -> Text:
    """The cadence for members: "Monthly on the first Tuesday at 18:30, Europe/London".

    Add `CLOCK_CHANGE_RULE` where members need to know what happens on a night the clocks change.
    """
    return msg(
        "{rule} at {time}, {zone}", rule=cadence.rule_text(), time=cadence.at.strftime("%H:%M"), zone=cadence.zone
    )


# --- The stored form -------------------------------------------------------------------------------------------------


def to_dict(cadence: Cadence) -> dict[str, str | int]:
    """The cadence as a small JSON-able dict, for a column: its kind, time ("HH:MM"), zone and rule's own fields."""
    return {"kind": cadence.kind.value, "time": f"{cadence.at:%H:%M}", "zone": cadence.zone, **cadence.options()}


def from_dict(data: Mapping[str, object]) -> Cadence:
    """The cadence `to_dict` stored, checked as strictly as one entered: any problem raises a `ValueError`."""
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in _KINDS:
        raise ValueError(f"a stored cadence needs a known kind, not {kind!r}")
    expected = {"kind", "time", "zone", *_OPTIONS[CadenceKind(kind)]}
    if set(data) != expected:
        raise ValueError(f"a stored {kind} cadence has exactly the keys {sorted(expected)}, not {sorted(data)}")
    at, zone = data["time"], data["zone"]
    if not isinstance(at, str) or not isinstance(zone, str):
        raise ValueError("a stored cadence's time and zone are strings")
    options: dict[str, str | int] = {}
    for key in _OPTIONS[CadenceKind(kind)]:
        value = data[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | str)
            or isinstance(value, int) != (key in _NUMBER_OPTIONS)
        ):
            raise ValueError(f"a stored cadence's {key} has the wrong type: {value!r}")
        options[key] = value
    # The constructor checks the zone by its exact name: parse_zone's leniency is for people, not for what we stored.
    return _build(CadenceKind(kind), parse_time(at), zone, options)


_OPTIONS: dict[CadenceKind, tuple[str, ...]] = {
    CadenceKind.MONTHLY_WEEKDAY: ("ordinal", "weekday"),
    CadenceKind.MONTHLY_DAY: ("day",),
    CadenceKind.WEEKS: ("weeks", "first"),
    CadenceKind.ONCE: ("date",),
}
_NUMBER_OPTIONS = frozenset({"day", "weeks"})


def _build(kind: CadenceKind, at: time, zone: str, options: Mapping[str, str | int]) -> Cadence:
    """A cadence of `kind` from its rule's options as entered or stored, each checked and turned into its type."""
    if kind is CadenceKind.MONTHLY_WEEKDAY:
        weekday = parse_weekday(options["weekday"])
        return MonthlyOnWeekday(at=at, zone=zone, ordinal=parse_ordinal(options["ordinal"], weekday), weekday=weekday)
    if kind is CadenceKind.MONTHLY_DAY:
        return MonthlyOnDay(at=at, zone=zone, day=parse_day(options["day"]))
    if kind is CadenceKind.WEEKS:
        return EveryNWeeks(at=at, zone=zone, weeks=parse_weeks(options["weeks"]), first=parse_date(options["first"]))
    return SingleDate(at=at, zone=zone, on=parse_date(options["date"]))


# --- What a slash command passes ------------------------------------------------------------------------------------

_KIND_WORDS = {
    CadenceKind.MONTHLY_WEEKDAY: msg("monthly on a weekday"),
    CadenceKind.MONTHLY_DAY: msg("monthly on a day of the month"),
    CadenceKind.WEEKS: msg("every few weeks"),
    CadenceKind.ONCE: msg("once"),
}
# The option each rule needs, by the name a slash command gives it, and how to ask for it when it is missing.
_ASK_FOR = {
    "weekday": msg("the weekday (Monday to Sunday)"),
    "ordinal": msg("which one in the month (first, second, third, fourth or last)"),
    "day": msg("the day of the month (1 to 31)"),
    "weeks": msg("the number of weeks between meetings (1 to 12)"),  # MIN_WEEKS to MAX_WEEKS
    "first": msg("the date of the first meeting (YYYY-MM-DD)"),
    "date": msg("the meeting's date (YYYY-MM-DD)"),
}


def parse_cadence(
    kind: str,
    *,
    at: str,
    zone: str,
    now: datetime,
    weekday: str | None = None,
    ordinal: str | int | None = None,
    day: str | int | None = None,
    weeks: str | int | None = None,
    on: str | None = None,
) -> Cadence:
    """The cadence a facilitator entered, or a `CadenceInvalidError` that says what to enter instead.

    `kind` is a `CadenceKind` value; `at` is "HH:MM"; `zone` an IANA name (any case, spaces for underscores); `on` is
    "YYYY-MM-DD", the first meeting of an every-N-weeks cadence or the single meeting's date. Each kind takes only its
    own options. A single meeting must still be to come at `now` (aware); a first date in the past is fine: it only
    fixes which weeks the meetings fall in.
    """
    if now.utcoffset() is None:
        raise ValueError("parse_cadence needs an aware now")
    chosen = parse_kind(kind)
    given: dict[str, str | int] = {
        name: value
        for name, value in {
            "weekday": weekday,
            "ordinal": ordinal,
            "day": day,
            "weeks": weeks,
            ("first" if chosen is CadenceKind.WEEKS else "date"): on,
        }.items()
        if value is not None and value != ""
    }
    needed = _OPTIONS[chosen]
    missing = [name for name in needed if name not in given]
    if missing:
        asks = listed([_ASK_FOR[name] for name in missing])
        raise CadenceInvalidError(msg("A schedule {kind} needs {asks}.", kind=_KIND_WORDS[chosen], asks=asks))
    unused = sorted(("date" if name == "first" else name) for name in given if name not in needed)
    if unused:
        raise CadenceInvalidError(
            msgn(
                "A schedule {kind} does not use {options}: leave it empty.",
                "A schedule {kind} does not use {options}: leave them empty.",
                len(unused),
                kind=_KIND_WORDS[chosen],
                options=choices(unused),
            )
        )
    cadence = _build(chosen, parse_time(at), parse_zone(zone), given)
    if isinstance(cadence, SingleDate) and meeting_instant(cadence.on, cadence.at, cadence.tz) <= now:
        raise MeetingDatePassedError(
            msg(
                "{weekday} {date} at {time} ({zone}) has already passed: choose a date and time still to come.",
                weekday=Weekday(cadence.on.weekday()).words,
                date=long_date(cadence.on),
                time=cadence.at.strftime("%H:%M"),
                zone=cadence.zone,
            )
        )
    return cadence


def parse_kind(text: str) -> CadenceKind:
    """A `CadenceKind` from its value."""
    try:
        return CadenceKind(text.strip().lower())
    except ValueError:
        raise CadenceInvalidError(
            msg(
                "Choose how often the group meets: monthly on a weekday, monthly on a day of the month, every few "
                "weeks, once."
            )
        ) from None


_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def parse_time(text: str) -> time:
    """A wall-clock time from "HH:MM" on the 24-hour clock."""
    match = _TIME.fullmatch(text.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise CadenceInvalidError(
            msg("{text} is not a time: enter it as HH:MM on the 24-hour clock, for example 18:30.", text=_echo(text))
        )
    return time(int(match[1]), int(match[2]))


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: str | int) -> date:
    """A calendar date from "YYYY-MM-DD"."""
    text = str(value).strip()
    if _DATE.fullmatch(text) is None:
        raise CadenceInvalidError(
            msg("{text} is not a date: enter it as YYYY-MM-DD, for example 2026-01-06.", text=_echo(text))
        )
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CadenceInvalidError(
            msg(
                "{text} is not a day in the calendar: check the month (01 to 12) and the day in it (YYYY-MM-DD).",
                text=text,
            )
        ) from None


def parse_weekday(value: str | int) -> Weekday:
    """A weekday from its name, its first three letters, or its plural: "Tuesday", "tue", "Tuesdays"."""
    text = str(value).strip().lower()
    for weekday in Weekday:
        name = weekday.name.lower()
        if text in {name, name[:3], name + "s"}:
            return weekday
    raise CadenceInvalidError(msg("{text} is not a day of the week: choose Monday to Sunday.", text=_echo(str(value))))


_ORDINAL_WORDS = {
    **{ordinal.label: ordinal for ordinal in Ordinal},
    **{str(ordinal.value): ordinal for ordinal in Ordinal if ordinal is not Ordinal.LAST},
    **{ordinal_suffix(ordinal.value): ordinal for ordinal in Ordinal if ordinal is not Ordinal.LAST},
}
_FIFTH_WORDS = {"fifth", "5", "5th"}


def parse_ordinal(value: str | int, weekday: Weekday | None = None) -> Ordinal:
    """Which of the month's weekdays: first to fourth (or 1 to 4, 1st to 4th), or last; a fifth is refused."""
    text = str(value).strip().lower()
    if text in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[text]
    day = weekday.words if weekday is not None else msg("weekday")
    if text in _FIFTH_WORDS:
        raise CadenceInvalidError(
            msg(
                "Not every month has a fifth {weekday}, so the group would go months without meeting. "
                "Choose last for the last {weekday} of every month.",
                weekday=day,
            )
        )
    raise CadenceInvalidError(
        msg("Choose which {weekday} of the month: first, second, third, fourth or last.", weekday=day)
    )


def parse_day(value: str | int) -> int:
    """A day of the month, 1 to 31."""
    number = _whole_number(value)
    _check_day(number)
    assert number is not None  # noqa: S101 - _check_day refused None
    return number


def parse_weeks(value: str | int) -> int:
    """The weeks between meetings, 1 to 12."""
    number = _whole_number(value)
    if number is None:
        raise CadenceInvalidError(
            msg(
                "Enter the number of weeks between meetings as a whole number from {min} to {max}.",
                min=MIN_WEEKS,
                max=MAX_WEEKS,
            )
        )
    _check_weeks(number)
    return number


def _check_day(day: int | None) -> None:
    if day is None or not 1 <= day <= LAST_DAY_OF_MONTH:
        raise CadenceInvalidError(
            msg("Choose a day of the month from 1 to 31; the 29th, 30th and 31st mean the last day in shorter months.")
        )


def _check_weeks(weeks: int) -> None:
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise CadenceInvalidError(
            msgn(
                "Meetings can be every {min} to {n} week, not {weeks}: choose a number in that range "
                "(6 for a six-weekly set).",
                "Meetings can be every {min} to {n} weeks, not {weeks}: choose a number in that range "
                "(6 for a six-weekly set).",
                MAX_WEEKS,
                min=MIN_WEEKS,
                weeks=weeks,
            )
        )


def _whole_number(value: str | int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip()
    return int(text) if re.fullmatch(r"-?\d{1,6}", text) else None


def _echo(text: str) -> str:
    """What someone typed, cut short so that a message repeating it stays short."""
    text = text.strip()
    return text if len(text) <= _ECHO_LENGTH else text[: _ECHO_LENGTH - 1] + "…"


# --- Time zones ------------------------------------------------------------------------------------------------------


@cache
def _zone_list() -> tuple[str, ...]:
    """The IANA zone names known here that name places, sorted (read once: autocomplete has 3 s to answer)."""
    return tuple(sorted(name for name in available_timezones() if name.lower() not in _NOT_PLACES))


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(_zone_list())


@cache
def _zones_by_folded() -> dict[str, str]:
    return {_fold(name): name for name in _zone_list()}


def _fold(text: str) -> str:
    """A zone name or search as compared: lower case, spaces as underscores."""
    return "_".join(text.strip().lower().split())


def parse_zone(text: str) -> str:
    """The IANA zone name a person meant, in its own spelling: case and spaces for underscores do not matter."""
    name = _zones_by_folded().get(_fold(text))
    if name is None:
        raise TimeZoneUnknownError(_unknown_zone_message(text))
    return name


def zones_matching(text: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[str]:
    """Zone names for autocomplete, at most `limit`: "york" finds America/New_York, "London" Europe/London.

    Case does not matter and spaces match underscores. The exact name comes first, then names with a word (after a
    slash, underscore or hyphen) that starts with the text, then names that contain it anywhere, alphabetical within
    each. No text gives the first names alphabetically.
    """
    if limit < 0:
        raise ValueError(f"limit must not be negative, not {limit}")
    needle = _fold(text)
    ranked: list[tuple[int, str]] = []
    word_start = re.compile(r"(?:^|[/_-])" + re.escape(needle))
    for name in _zone_list():
        folded = name.lower()
        if folded == needle:
            ranked.append((0, name))
        elif word_start.search(folded):
            ranked.append((1, name))
        elif needle in folded:
            ranked.append((2, name))
    return [name for _, name in sorted(ranked)[:limit]]


def _suggestions(text: str) -> list[str]:
    """Up to three zone names near what someone typed: by the words in it, else by spelling, of the whole or a city."""
    found = zones_matching(text, 3) if _fold(text) else []
    if found:
        return found
    folded = _fold(text)
    by_city: dict[str, str] = {}
    for name in _zone_list():
        by_city.setdefault(name.rsplit("/", 1)[-1].lower(), name)
    near = difflib.get_close_matches(folded, list(_zones_by_folded()), n=3, cutoff=0.75)
    near_cities = difflib.get_close_matches(folded.rsplit("/", 1)[-1], list(by_city), n=3, cutoff=0.75)
    names = [_zones_by_folded()[match] for match in near] + [by_city[match] for match in near_cities]
    return list(dict.fromkeys(names))[:3]


def _unknown_zone_message(text: str) -> Text:
    suggestions = _suggestions(text)
    if suggestions:
        return msg(
            "There is no time zone called {zone}. Did you mean {zones}? Enter an IANA name such as Europe/London or "
            "America/New_York: start typing a city and pick from the list.",
            zone=_echo(text),
            zones=listed(suggestions, either=True),
        )
    return msg(
        "There is no time zone called {zone}. Enter an IANA name such as Europe/London or America/New_York: start "
        "typing a city and pick from the list.",
        zone=_echo(text),
    )
