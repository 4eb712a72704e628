"""The group's history as files for its facilitator: Markdown to read, CSV to sort, and a follow-through chart (PNG).

What members wrote is in them, so they only ever go to the facilitator, privately. Member text cannot format the
Markdown, cannot run as a spreadsheet formula, and no Discord mention reaches the chart.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from datetime import datetime

from bot.domain.actions import REPORTED, ActionStatus
from bot.domain.ledger import FOLLOW_THROUGH_RULE, StatusCounts, percent
from bot.domain.meeting import MODE_NAMES
from bot.services.groups.history import ActionRecord, History

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=:])")
MENTION = re.compile(r"<(@[!&]?|#|/)[^>]*>")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list)."""
CSV_COLUMNS = ("record", "meeting", "action_id", "member", "member_id", "date", "status", "mode", "text", "learnt")
STATUS_ORDER = (ActionStatus.DONE, ActionStatus.PARTLY, ActionStatus.NOT_YET, ActionStatus.DROPPED, ActionStatus.OPEN)
STATUS_COLOURS = {
    ActionStatus.DONE: "#2e7d32",
    ActionStatus.PARTLY: "#9ccc65",
    ActionStatus.NOT_YET: "#ffb300",
    ActionStatus.DROPPED: "#c62828",
    ActionStatus.OPEN: "#b0bec5",
}
BETWEEN = "between meetings"


def label(text: str) -> str:
    """A name or text as the chart shows it: no mention syntax, no @, one line, not too long."""
    cleaned = MENTION.sub("", text).replace("@", "")
    cleaned = " ".join(cleaned.split())
    return cleaned[:40] or "?"


def md(text: str) -> str:
    """Member text in Markdown: on one line, every character that could format escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else ""


def _meeting(number: int | None) -> str:
    return BETWEEN if number is None else f"meeting {number + 1}"


def _name(names: Mapping[int, str], user_id: int) -> str:
    return names.get(user_id) or f"user {user_id}"


def markdown(history: History, names: Mapping[int, str]) -> str:
    """The history to read: the cycle's ledger, each meeting, then every action with its reports."""
    who = {user: md(_name(names, user)) for user in {*names, *history.members}}

    def person(user: int) -> str:
        left = "" if user in history.members else " (left)"
        return (who.get(user) or md(_name(names, user))) + left

    ledger = history.cycle.ledger
    lines = [f"# History of {md(history.group_name)}", ""]
    lines += ["## The cycle's ledger", "", f"Meetings held in the cycle: {ledger.held}", ""]
    lines += [
        f"- {person(m.user_id)}: at {m.attended}/{ledger.held} meetings, {m.rounds} rounds, "
        f"{m.actions.committed} actions, follow-through {percent(m.actions.rate)}"
        for m in ledger.members
    ]
    lines += ["", f"All actions: {_counts(ledger.actions)}; follow-through {percent(ledger.actions.rate)}"]
    lines += ["", md(FOLLOW_THROUGH_RULE), "", "## Meetings", ""]
    if not history.meetings:
        lines.append("No meetings yet.")
    for meeting in history.meetings:
        ended = _date(meeting.ended_at) if meeting.ended_at else "under way"
        lines += [f"### Meeting {meeting.number + 1}: {_date(meeting.started_at)} to {ended}", ""]
        lines.append("Present: " + (", ".join(person(user) for user in meeting.attended) or "nobody"))
        for index, round_ in enumerate(meeting.rounds, start=1):
            title = md(round_.title) if round_.title else "an issue"
            ran = "" if round_.ran else " (did not run)"
            lines.append(f"{index}. {person(round_.holder_id)}: {title}, {MODE_NAMES[round_.mode]}{ran}")
        lines.append("")
    lines += ["## Actions", ""]
    if not history.actions:
        lines.append("No actions yet.")
    for action in history.actions:
        lines.append(
            f"- {person(action.owner_id)}, {_meeting(action.meeting_number)}, set {_date(action.created_at)}: "
            f"{md(action.text)} (now **{action.status.label}**)"
        )
        for report in action.reports:
            said = f": {md(report.happened)}" if report.happened else ""
            learnt = f"; learnt: {md(report.learnt)}" if report.learnt else ""
            lines.append(f"  - {_date(report.at)}, {report.status.label}{said}{learnt}")
    return "\n".join(lines) + "\n"


def _counts(counts: StatusCounts) -> str:
    return ", ".join(f"{counts.count(status)} {status.label.lower()}" for status in (*REPORTED, ActionStatus.OPEN))


def table(history: History, names: Mapping[int, str]) -> str:
    """The history to sort and count: one row per meeting, attendance, round, action and report."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def row(record: str, user: int | None = None, **values: object) -> None:
        values["member"] = _name(names, user) if user is not None else ""
        values["member_id"] = user if user is not None else ""
        writer.writerow([cell(values.get(column, record if column == "record" else "")) for column in CSV_COLUMNS])

    for meeting in history.meetings:
        number = meeting.number + 1
        row("meeting", meeting=number, date=_date(meeting.started_at), status="held" if meeting.ended_at else "open")
        for user in meeting.attended:
            row("attendance", user, meeting=number, status="present")
        for round_ in meeting.rounds:
            row(
                "round",
                round_.holder_id,
                meeting=number,
                status="ran" if round_.ran else "did not run",
                mode=MODE_NAMES[round_.mode],
                text=round_.title or "",
            )
    for action in history.actions:
        _action_rows(action, row)
    return out.getvalue()


def _action_rows(action: ActionRecord, row: Callable[..., None]) -> None:
    """The action's row, then one row per report on it."""
    meeting = "" if action.meeting_number is None else action.meeting_number + 1
    entries = [("action", action.created_at, action.status, action.text, "")]
    entries += [("report", r.at, r.status, r.happened, r.learnt) for r in action.reports]
    for record, at, status, text, learnt in entries:
        row(
            record,
            action.owner_id,
            meeting=meeting,
            action_id=action.id,
            date=_date(at),
            status=status.value,
            text=text,
            learnt=learnt,
        )


def chart(history: History, names: Mapping[int, str]) -> bytes:
    """The follow-through chart: actions by status per member and per meeting, as PNG bytes.

    Slow (tens of milliseconds to a second): call it in a worker thread, never on the event loop.
    """
    # Imported where it is used, so start-up stays quick; Figure (not pyplot) draws with Agg and keeps no global state.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    members = list(dict.fromkeys([*history.members, *(a.owner_id for a in history.actions)]))
    meetings = sorted({a.meeting_number for a in history.actions}, key=lambda n: (n is None, n or 0))
    figure = Figure(figsize=(10, 8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    by_member, by_meeting = figure.subplots(2, 1)
    panels = (
        (
            by_member,
            "Actions by status, per member",
            [[a for a in history.actions if a.owner_id == u] for u in members],
        ),
        (
            by_meeting,
            "Actions by status, per meeting they were set at",
            [[a for a in history.actions if a.meeting_number == n] for n in meetings],
        ),
    )
    labels = (
        [label(_name(names, user)) + ("" if user in history.members else " (left)") for user in members],
        [label(_meeting(number)) for number in meetings],
    )
    for (axes, title, groups), ticks in zip(panels, labels, strict=True):
        positions = list(range(len(groups)))
        bottoms = [0] * len(groups)
        for status in STATUS_ORDER:
            heights = [sum(1 for a in actions if a.status is status) for actions in groups]
            axes.bar(positions, heights, bottom=bottoms, color=STATUS_COLOURS[status], label=status.label)
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        axes.set_xticks(positions, ticks, rotation=20, ha="right")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel("Actions")
        axes.set_title(title)
        if not groups:
            axes.text(0.5, 0.5, "No actions yet", ha="center", va="center", transform=axes.transAxes)
    by_member.legend(loc="upper right", fontsize="small")
    figure.suptitle(f"Follow-through in {label(history.group_name)}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
