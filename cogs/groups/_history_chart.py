"""The follow-through chart of `/group history`: what it shows, worked out from the cycle's ledger, then drawn.

`chart_data` is pure and is what the tests check; `chart` only draws it. The chart shows the cycle the ledger shows
(older cycles are in the history files): each member's actions by status with their follow-through rate, and the
group's rate as it stood after each meeting of the cycle, by date, with a last point only if reports came after it.
Both are drawn in the language being read (the cog draws them in the group's).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import TYPE_CHECKING

from bot.domain.actions import ActionStatus
from bot.domain.ledger import FOLLOW_THROUGH, CommittedAction, HeldMeeting, StatusCounts, cycle_of, ledger, percent
from bot.domain.text import msg
from bot.i18n import date_words, render, t
from bot.services.groups.history import ActionRecord, History, MeetingRecord
from cogs.groups._history_files import STATUS_COLOURS, STATUS_ORDER, cycle_title, label, meetings_held, person_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.ticker import Locator

SINCE = msg("Since then")
"""The last point when members reported after the cycle's last meeting held."""
SO_FAR = msg("So far")
"""The only point when members reported before the cycle's first meeting ended."""
NAME_MAX = 16
"""Characters of a name beside a bar: more would squeeze the bars on a phone."""


@dataclass(frozen=True)
class MemberBar:
    """One member's actions in the cycle, by status, as the ledger counts them."""

    name: str
    counts: StatusCounts

    @property
    def rate(self) -> Fraction | None:
        """Their follow-through rate (None: nothing reported yet)."""
        return self.counts.rate

    @property
    def note(self) -> str:
        """What the chart writes beside the bar."""
        if not self.counts.committed:
            return t("no actions")
        if not self.counts.reported:
            return t("none reported yet")
        return t("{rate} of {reported} reported", rate=percent(self.rate), reported=self.counts.reported)


@dataclass(frozen=True)
class RatePoint:
    """The group's follow-through in the cycle as it stood at a moment: after a meeting, or after later reports."""

    name: str
    """"Meeting 6", or `SINCE` / `SO_FAR`, in words."""
    at: datetime
    counts: StatusCounts

    @property
    def rate(self) -> Fraction | None:
        """The rate then (None: nothing reported yet)."""
        return self.counts.rate

    @property
    def day(self) -> date:
        """The date it is shown at (UTC)."""
        return self.at.date()


@dataclass(frozen=True)
class ChartData:
    """Everything the chart shows, before any drawing."""

    title: str
    subtitle: str
    members: tuple[MemberBar, ...]
    points: tuple[RatePoint, ...]
    counts: StatusCounts
    """The cycle's actions by status: the ledger's."""


def chart_data(history: History, names: Mapping[int, str]) -> ChartData:
    """The chart's data: the ledger's cycle, its members' rates, and the group's rate after each of its meetings."""
    book = history.cycle.ledger
    meetings = [_held(meeting) for meeting in history.meetings]

    def counted(action: ActionRecord) -> bool:
        # The ledger decides which actions are the cycle's: asked about one action at a time, it counts it or not.
        return ledger(book.cycle, book.length, (), meetings, [_committed(action, action.status)]).actions.committed > 0

    ours = [action for action in history.actions if counted(action)]
    held = sorted(
        (m for m in history.meetings if m.ended_at is not None and cycle_of(m.number, book.length) == book.cycle),
        key=lambda m: m.number,
    )
    points = [
        RatePoint(t("Meeting {number}", number=m.number + 1), m.ended_at, _counts_at(ours, m.ended_at))
        for m in held
        if m.ended_at is not None
    ]
    since = max((r.at for a in ours for r in a.reports if not points or r.at > points[-1].at), default=None)
    if since is not None:
        points.append(RatePoint(render(SINCE if points else SO_FAR), since, StatusCounts.of(a.status for a in ours)))
    bars = tuple(MemberBar(_short(person_name(names, m.user_id, left=not m.current)), m.actions) for m in book.members)
    return ChartData(
        t("Follow-through in {group}", group=label(history.group_name)),
        f"{cycle_title(book)}: {meetings_held(book)}",
        bars,
        tuple(points),
        book.actions,
    )


def _held(meeting: MeetingRecord) -> HeldMeeting:
    """A meeting as the ledger counts it; its number stands in for its id, as actions name meetings by number."""
    holders = tuple(round_.holder_id for round_ in meeting.rounds if round_.ran)
    return HeldMeeting(
        meeting.number, meeting.number, meeting.started_at, meeting.ended_at, frozenset(meeting.attended), holders
    )


def _committed(action: ActionRecord, status: ActionStatus) -> CommittedAction:
    return CommittedAction(action.id, action.owner_id, action.meeting_number, action.created_at, status)


def _counts_at(actions: Sequence[ActionRecord], moment: datetime) -> StatusCounts:
    """The actions set by `moment`, each with the status its last report by then gave it."""

    def status(action: ActionRecord) -> ActionStatus:
        return next((r.status for r in reversed(action.reports) if r.at <= moment), ActionStatus.OPEN)

    return StatusCounts.of(status(action) for action in actions if action.created_at <= moment)


def _short(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1].rstrip() + "…"


def _date(day: date) -> str:
    # Translators: a day and its month, short, as Babel writes it (a CLDR pattern: d day, MMM the month's short name).
    return date_words(day, t("d MMM"))


def chart(history: History, names: Mapping[int, str]) -> bytes:
    """The follow-through chart as PNG bytes, sized to read in Discord's preview on a phone.

    Slow (tens of milliseconds to a second): call it in a worker thread, never on the event loop.
    """
    return draw(chart_data(history, names))


def draw(data: ChartData) -> bytes:
    """Two panels: each member's actions with their rate, then the group's rate after each meeting."""
    # Imported where it is used, so start-up stays quick; Figure (not pyplot) draws with Agg and keeps no global state.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    # About 1000 by 1180 pixels: Discord shrinks it to a phone's width, and the type is sized to stay readable there.
    margins = ConstrainedLayoutEngine(h_pad=0.12, w_pad=0.12, hspace=0.08)  # inches round the panels, and between
    figure = Figure(figsize=(7.2, 8.4), dpi=140, layout=margins)
    FigureCanvasAgg(figure)
    by_member, over_time = figure.subplots(2, 1, height_ratios=(1.1, 1))
    _members_panel(by_member, data)
    _time_panel(over_time, data)
    figure.suptitle(f"{data.title}\n{data.subtitle}", fontsize=16, fontweight="bold")
    rule = render(FOLLOW_THROUGH).strip("()")
    figure.supxlabel(f"{rule}\n{t('Dates in UTC.')}", fontsize=11, color="#444444")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def _members_panel(axes: Axes, data: ChartData) -> None:
    axes.set_title(t("Each member's actions this cycle"), fontsize=14, loc="left")
    rows = list(range(len(data.members)))
    longest = max((bar.counts.committed for bar in data.members), default=0)
    if not longest:
        axes.set_axis_off()
        axes.text(0.5, 0.5, t("No actions yet in this cycle"), ha="center", va="center", fontsize=14)
        return
    lefts = [0] * len(rows)
    for status in STATUS_ORDER:
        widths = [bar.counts.count(status) for bar in data.members]
        if any(widths):
            name = render(status.label)
            axes.barh(rows, widths, left=lefts, height=0.62, color=STATUS_COLOURS[status], label=name)
        lefts = [left + width for left, width in zip(lefts, widths, strict=True)]
    for row, bar in zip(rows, data.members, strict=True):
        axes.text(bar.counts.committed + longest * 0.03, row, bar.note, va="center", fontsize=12)
    axes.set_yticks(rows, [bar.name for bar in data.members], fontsize=13)
    axes.invert_yaxis()
    axes.set_ylim(len(rows) - 0.35, -0.65)  # room above and below the bars
    axes.set_xlim(0, longest * 1.75 + 0.5)  # room right of the longest bar for its note
    axes.xaxis.set_major_locator(_whole_numbers())
    axes.tick_params(axis="x", labelsize=11)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    shown = len(axes.get_legend_handles_labels()[0])
    axes.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=11, frameon=False, ncol=min(shown, 5), handlelength=1
    )


def _time_panel(axes: Axes, data: ChartData) -> None:
    axes.set_title(t("The group's follow-through after each meeting"), fontsize=14, loc="left")
    if not data.points:
        axes.set_axis_off()
        axes.text(0.5, 0.5, t("No meeting held yet in this cycle"), ha="center", va="center", fontsize=14)
        return
    xs = list(range(len(data.points)))
    shown = [(x, float(p.rate) * 100) for x, p in zip(xs, data.points, strict=True) if p.rate is not None]
    if shown:
        axes.plot(
            [x for x, _ in shown], [y for _, y in shown], color="#2e7d32", marker="o", markersize=8, linewidth=2.5
        )
    for x, point in zip(xs, data.points, strict=True):
        if point.rate is None:
            axes.text(x, 50, t("none\nreported\nyet"), ha="center", va="center", fontsize=11, color="#666666")
        else:
            axes.annotate(
                percent(point.rate),
                (x, float(point.rate) * 100),
                xytext=(0, 10),
                textcoords="offset points",
                ha="center",
                fontsize=13,
                fontweight="bold",
            )
    axes.set_xticks(xs, [f"{p.name}\n{_date(p.day)}" for p in data.points], fontsize=11)
    axes.set_xlim(-0.6, len(xs) - 0.4)
    axes.set_ylim(-6, 118)  # room for the labels above 100 % and below 0 %
    axes.set_yticks([0, 25, 50, 75, 100], ["0 %", "25 %", "50 %", "75 %", "100 %"], fontsize=11)
    axes.grid(axis="y", color="#dddddd")
    axes.set_axisbelow(True)
    years = sorted({p.day.year for p in data.points})
    axes.set_xlabel(
        str(years[0]) if len(years) == 1 else t("{first} to {last}", first=years[0], last=years[-1]), fontsize=11
    )
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _whole_numbers() -> Locator:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)
