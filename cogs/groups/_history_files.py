"""The group's history as files for its facilitator: Markdown to read and CSV to sort (the chart is `_history_chart`).

What members wrote is in them, so they only ever go to the facilitator, privately. Member text cannot format the
Markdown or break its structure, cannot run as a spreadsheet formula, and no Discord mention reaches the chart. The
bot's own words in the Markdown are written plainly, so the file reads cleanly as text too.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from datetime import datetime

from bot.domain.actions import REPORTED, ActionStatus
from bot.domain.ledger import FOLLOW_THROUGH_RULE, Ledger, StatusCounts, cycle_of, percent, place_in_cycle
from bot.domain.meeting import MODE_NAMES
from bot.domain.words import FORMER_MEMBER, is_stand_in, plural, with_people
from bot.services.groups.history import ActionRecord, History

MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>~$])|&(?=#?\w+;)")
"""What can format anywhere in a line: emphasis, code, links, HTML and mentions, strikethrough, maths, entities."""
LINE_START = re.compile(r"^(\d*)((?<=\d)[.)]|(?<!\d)[#+\-=])")
"""What formats only where a line begins (a heading, quote, list or rule): member text can land there."""
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
    """Member text in Markdown: on one line, escaped only where a character could format or start a block."""
    inline = MARKDOWN_INLINE.sub(lambda found: "\\" + found.group(0), " ".join(text.split()))
    escaped = LINE_START.sub(lambda found: f"{found.group(1)}\\{found.group(2)}", inline)
    # Closing #s would end a heading early ("# History of Set #"): escape them at the end too.
    return escaped[:-1] + "\\#" if escaped.endswith("#") and len(escaped) > 1 else escaped


def cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else ""


def _meeting(number: int | None) -> str:
    return BETWEEN if number is None else f"meeting {number + 1}"


def _name(names: Mapping[int, str], user_id: int) -> str:
    return names.get(user_id) or (FORMER_MEMBER if is_stand_in(user_id) else f"user {user_id}")


def named(text: str, names: Mapping[int, str]) -> str:
    """A member's text with each mention typed into it shown as "@Name" (files are not drawn by Discord)."""
    return with_people(text, lambda user_id: "@" + _name(names, user_id), str)


def person_name(names: Mapping[int, str], user_id: int, *, left: bool) -> str:
    """A person as the chart shows them: their name without mentions, "(left)" after it if they are no member now."""
    return label(_name(names, user_id)) + (" (left)" if left else "")


def markdown(history: History, names: Mapping[int, str]) -> str:
    """The history to read: the cycle's ledger, each meeting, then every action with its reports.

    Only member text (names, titles, actions, reports) is escaped; the bot's own words are written as they read.
    """
    who = {user: md(_name(names, user)) for user in {*names, *history.members}}

    def person(user: int) -> str:
        left = "" if user in history.members else " (left)"
        return (who.get(user) or md(_name(names, user))) + left

    ledger = history.cycle.ledger
    lines = [f"# History of {md(history.group_name)}", "", f"## {cycle_title(ledger)}", ""]
    lines += [meetings_held(ledger).capitalize() + ".", ""]
    lines += [
        f"- {person(m.user_id)}: came to {m.attended} of {plural(ledger.held, 'meeting')}, "
        f"{plural(m.rounds, 'round')} for {'their issue' if m.rounds == 1 else 'their issues'}, {_actions(m.actions)}"
        for m in ledger.members
    ]
    lines += ["", f"All actions in the cycle: {_actions(ledger.actions)}", "", FOLLOW_THROUGH_RULE, ""]
    lines += ["## Meetings", ""]
    if not history.meetings:
        lines.append("No meetings yet.")
    for meeting in history.meetings:
        ended = _date(meeting.ended_at) if meeting.ended_at else "under way"
        place = _place(meeting.number, ledger.length)
        lines += [f"### Meeting {meeting.number + 1}{place}: {_date(meeting.started_at)} to {ended}", ""]
        lines.append("Present: " + (", ".join(person(user) for user in meeting.attended) or "nobody"))
        for index, round_ in enumerate(meeting.rounds, start=1):
            title = md(named(round_.title, names)) if round_.title else "an issue"
            ran = "" if round_.ran else " (did not run)"
            lines.append(f"{index}. {person(round_.holder_id)}: {title}, {MODE_NAMES[round_.mode]}{ran}")
        lines.append("")
    lines += ["## Actions", ""]
    if not history.actions:
        lines.append("No actions yet.")
    for action in history.actions:
        lines.append(
            f"- {person(action.owner_id)}, {_meeting(action.meeting_number)}, set {_date(action.created_at)}: "
            f"{md(named(action.text, names))} (now **{action.status.label}**)"
        )
        for report in action.reports:
            said = f": {md(named(report.happened, names))}" if report.happened else ""
            learnt = f"; learnt: {md(named(report.learnt, names))}" if report.learnt else ""
            lines.append(f"  - {_date(report.at)}, {report.status.label}{said}{learnt}")
    return "\n".join(lines) + "\n"


def cycle_title(ledger: Ledger) -> str:
    """The cycle the ledger shows and its meetings: "Cycle 2 (meetings 5 to 8)"; all of them without a cycle length."""
    if ledger.length is None:
        return "Since the group began"
    first = (ledger.cycle - 1) * ledger.length + 1
    return f"Cycle {ledger.cycle} (meetings {first} to {first + ledger.length - 1})"


def meetings_held(ledger: Ledger) -> str:
    """How many of the cycle's meetings have been held: "3 of 4 meetings held", or "3 meetings held"."""
    if ledger.length is None:
        return f"{plural(ledger.held, 'meeting')} held"
    return f"{ledger.held} of {ledger.length} meetings held"


def _place(number: int, length: int | None) -> str:
    """Where a meeting stands in its cycle: " (cycle 2, 1 of 4)"; nothing without a cycle length."""
    if length is None:
        return ""
    return f" (cycle {cycle_of(number, length)}, {place_in_cycle(number, length)} of {length})"


def _actions(counts: StatusCounts) -> str:
    """Actions by status and their follow-through, in words: "3 actions (2 done, 1 open), 100 % followed through"."""
    if not counts.committed:
        return "no actions"
    shown = [status for status in (*REPORTED, ActionStatus.OPEN) if counts.count(status)]
    by_status = ", ".join(f"{counts.count(status)} {status.label.lower()}" for status in shown)
    if not counts.reported:
        return f"{plural(counts.committed, 'action')} ({by_status}), none reported on yet"
    return (
        f"{plural(counts.committed, 'action')} ({by_status}), follow-through {percent(counts.rate)} "
        f"of the {counts.reported} reported on"
    )


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
                text=named(round_.title or "", names),
            )
    for action in history.actions:
        _action_rows(action, names, row)
    return out.getvalue()


def _action_rows(action: ActionRecord, names: Mapping[int, str], row: Callable[..., None]) -> None:
    """The action's row, then one row per report on it."""
    meeting = "" if action.meeting_number is None else action.meeting_number + 1
    entries = [("action", action.created_at, action.status, named(action.text, names), "")]
    entries += [("report", r.at, r.status, named(r.happened, names), named(r.learnt, names)) for r in action.reports]
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
