"""The group's history as files for its facilitator: Markdown to read and CSV to sort (the chart is `_history_chart`).

What members wrote is in them, so they only ever go to the facilitator, privately. Member text cannot format the
Markdown or break its structure, cannot run as a spreadsheet formula, and no Discord mention reaches the chart. The
bot's own words in the Markdown are written plainly, so the file reads cleanly as text too. They are what the group
reads, so they are drawn in the group's language (the cog draws them inside `speaking`); the CSV's dates stay in one
sortable form in every language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from datetime import datetime

from bot.domain.actions import REPORTED, ActionStatus
from bot.domain.ledger import FOLLOW_THROUGH, Ledger, StatusCounts, cycle_of, percent, place_in_cycle
from bot.domain.meeting import MODE_NAMES
from bot.domain.text import msg
from bot.domain.words import FORMER_MEMBER, is_stand_in, with_people
from bot.i18n import date_words, render, t, tn
from bot.services.groups.history import ActionRecord, History

MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>~$])|&(?=#?\w+;)")
"""What can format anywhere in a line: emphasis, code, links, HTML and mentions, strikethrough, maths, entities."""
LINE_START = re.compile(r"^(\d*)((?<=\d)[.)]|(?<!\d)[#+\-=])")
"""What formats only where a line begins (a heading, quote, list or rule): member text can land there."""
MENTION = re.compile(r"<(@[!&]?|#|/)[^>]*>")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list)."""
CSV_COLUMNS = ("record", "meeting", "action_id", "member", "member_id", "date", "status", "mode", "text", "learnt")
CSV_HEADERS = {
    "record": msg("record"),
    "meeting": msg("meeting"),
    "action_id": msg("action_id"),
    "member": msg("member"),
    "member_id": msg("member_id"),
    "date": msg("date"),
    "status": msg("status"),
    "mode": msg("mode"),
    "text": msg("text"),
    "learnt": msg("learnt"),
}
"""Each column's heading as the group reads it."""
CSV_STATUS = {
    ActionStatus.OPEN: msg("open"),
    ActionStatus.DONE: msg("done"),
    ActionStatus.PARTLY: msg("partly"),
    ActionStatus.NOT_YET: msg("not_yet"),
    ActionStatus.DROPPED: msg("dropped"),
}
"""An action's status in the CSV: one short word, to sort and count by."""
STATUS_ORDER = (ActionStatus.DONE, ActionStatus.PARTLY, ActionStatus.NOT_YET, ActionStatus.DROPPED, ActionStatus.OPEN)
STATUS_COLOURS = {
    ActionStatus.DONE: "#2e7d32",
    ActionStatus.PARTLY: "#9ccc65",
    ActionStatus.NOT_YET: "#ffb300",
    ActionStatus.DROPPED: "#c62828",
    ActionStatus.OPEN: "#b0bec5",
}
BETWEEN = msg("between meetings")


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
    """A moment as the Markdown shows it, in the reader's way of writing dates."""
    if moment is None:
        return ""
    # Translators: a date and time as Babel writes it (a CLDR pattern: yyyy year, MM month, dd day); keep 'UTC'.
    return date_words(moment, t("yyyy-MM-dd HH:mm 'UTC'"))


def _sortable(moment: datetime | None) -> str:
    """A moment as the CSV holds it: one form in every language, so that it sorts."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else ""


def _meeting(number: int | None) -> str:
    return render(BETWEEN) if number is None else t("meeting {number}", number=number + 1)


def _name(names: Mapping[int, str], user_id: int) -> str:
    return names.get(user_id) or (str(FORMER_MEMBER) if is_stand_in(user_id) else t("user {id}", id=user_id))


def _left(name: str) -> str:
    """A name marked as someone who is no member now."""
    return t("{name} (left)", name=name)


def named(text: str, names: Mapping[int, str]) -> str:
    """A member's text with each mention typed into it shown as "@Name" (files are not drawn by Discord)."""
    return with_people(text, lambda user_id: "@" + _name(names, user_id), str)


def person_name(names: Mapping[int, str], user_id: int, *, left: bool) -> str:
    """A person as the chart shows them: their name without mentions, "(left)" after it if they are no member now."""
    shown = label(_name(names, user_id))
    return _left(shown) if left else shown


def markdown(history: History, names: Mapping[int, str]) -> str:
    """The history to read: the cycle's ledger, each meeting, then every action with its reports.

    Only member text (names, titles, actions, reports) is escaped; the bot's own words are written as they read.
    """
    who = {user: md(_name(names, user)) for user in {*names, *history.members}}

    def person(user: int) -> str:
        shown = who.get(user) or md(_name(names, user))
        return shown if user in history.members else _left(shown)

    ledger = history.cycle.ledger
    lines = ["# " + t("History of {group}", group=md(history.group_name)), "", f"## {cycle_title(ledger)}", ""]
    lines += [meetings_held(ledger) + ".", ""]  # it starts with a number: no capital to make
    lines += [
        "- "
        + t(
            "{member}: came to {attended} of {meetings}, {rounds}, {actions}",
            member=person(m.user_id),
            attended=m.attended,
            meetings=tn("{n} meeting", "{n} meetings", ledger.held),
            rounds=tn("{n} round for their issue", "{n} rounds for their issues", m.rounds),
            actions=_actions(m.actions),
        )
        for m in ledger.members
    ]
    everything = t("All actions in the cycle: {actions}", actions=_actions(ledger.actions))
    lines += ["", everything, "", render(FOLLOW_THROUGH), ""]
    lines += ["## " + t("Meetings"), ""]
    if not history.meetings:
        lines.append(t("No meetings yet."))
    for meeting in history.meetings:
        lines += ["### " + _meeting_heading(meeting.number, ledger.length, meeting.started_at, meeting.ended_at), ""]
        present = ", ".join(person(user) for user in meeting.attended) or t("nobody")
        lines.append(t("Present: {people}", people=present))
        for index, round_ in enumerate(meeting.rounds, start=1):
            title = md(named(round_.title, names)) if round_.title else t("an issue")
            mode = render(MODE_NAMES[round_.mode])
            said = f"{title}, {mode}" if round_.ran else t("{issue}, {mode} (did not run)", issue=title, mode=mode)
            lines.append(f"{index}. {person(round_.holder_id)}: {said}")
        lines.append("")
    lines += ["## " + t("Actions"), ""]
    if not history.actions:
        lines.append(t("No actions yet."))
    for action in history.actions:
        lines.append(
            "- "
            + t(
                "{member}, {meeting}, set {date}: {action} (now **{status}**)",
                member=person(action.owner_id),
                meeting=_meeting(action.meeting_number),
                date=_date(action.created_at),
                action=md(named(action.text, names)),
                status=render(action.status.label),
            )
        )
        for report in action.reports:
            line = f"{_date(report.at)}, {render(report.status.label)}"
            if report.happened:
                line = f"{line}: {md(named(report.happened, names))}"
            if report.learnt:
                line = t("{report}; learnt: {learnt}", report=line, learnt=md(named(report.learnt, names)))
            lines.append(f"  - {line}")
    return "\n".join(lines) + "\n"


def _meeting_heading(number: int, length: int | None, started: datetime, ended: datetime | None) -> str:
    """A meeting's heading: "Meeting 5 (cycle 2, 1 of 4): … to …" (where it stands only with a cycle length)."""
    until = _date(ended) if ended else t("under way")
    if length is None:
        return t("Meeting {number}: {start} to {end}", number=number + 1, start=_date(started), end=until)
    return t(
        "Meeting {number} (cycle {cycle}, {place} of {length}): {start} to {end}",
        number=number + 1,
        cycle=cycle_of(number, length),
        place=place_in_cycle(number, length),
        length=length,
        start=_date(started),
        end=until,
    )


def cycle_title(ledger: Ledger) -> str:
    """The cycle the ledger shows and its meetings: "Cycle 2 (meetings 5 to 8)"; all of them without a cycle length."""
    if ledger.length is None:
        return t("Since the group began")
    first = (ledger.cycle - 1) * ledger.length + 1
    return t(
        "Cycle {cycle} (meetings {first} to {last})", cycle=ledger.cycle, first=first, last=first + ledger.length - 1
    )


def meetings_held(ledger: Ledger) -> str:
    """How many of the cycle's meetings have been held: "3 of 4 meetings held", or "3 meetings held"."""
    if ledger.length is None:
        return tn("{n} meeting held", "{n} meetings held", ledger.held)
    return tn("{held} of {n} meeting held", "{held} of {n} meetings held", ledger.length, held=ledger.held)


def _actions(counts: StatusCounts) -> str:
    """Actions by status and their follow-through, in words: "3 actions (2 done, 1 open), 100 % followed through"."""
    if not counts.committed:
        return t("no actions")
    shown = [status for status in (*REPORTED, ActionStatus.OPEN) if counts.count(status)]
    by_status = ", ".join(f"{counts.count(status)} {render(status.label).lower()}" for status in shown)
    actions = tn("{n} action", "{n} actions", counts.committed)
    if not counts.reported:
        return t("{actions} ({statuses}), none reported on yet", actions=actions, statuses=by_status)
    return t(
        "{actions} ({statuses}), follow-through {rate} of the {reported} reported on",
        actions=actions,
        statuses=by_status,
        rate=percent(counts.rate),
        reported=counts.reported,
    )


def table(history: History, names: Mapping[int, str]) -> str:
    """The history to sort and count: one row per meeting, attendance, round, action and report."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([render(CSV_HEADERS[column]) for column in CSV_COLUMNS])

    def row(record: str, user: int | None = None, **values: object) -> None:
        values["member"] = _name(names, user) if user is not None else ""
        values["member_id"] = user if user is not None else ""
        writer.writerow([cell(values.get(column, record if column == "record" else "")) for column in CSV_COLUMNS])

    for meeting in history.meetings:
        number = meeting.number + 1
        held = t("held") if meeting.ended_at else t("open")
        row(t("meeting"), meeting=number, date=_sortable(meeting.started_at), status=held)
        for user in meeting.attended:
            row(t("attendance"), user, meeting=number, status=t("present"))
        for round_ in meeting.rounds:
            row(
                t("round"),
                round_.holder_id,
                meeting=number,
                status=t("ran") if round_.ran else t("did not run"),
                mode=render(MODE_NAMES[round_.mode]),
                text=named(round_.title or "", names),
            )
    for action in history.actions:
        _action_rows(action, names, row)
    return out.getvalue()


def _action_rows(action: ActionRecord, names: Mapping[int, str], row: Callable[..., None]) -> None:
    """The action's row, then one row per report on it."""
    meeting = "" if action.meeting_number is None else action.meeting_number + 1
    entries = [(t("action"), action.created_at, action.status, named(action.text, names), "")]
    entries += [(t("report"), r.at, r.status, named(r.happened, names), named(r.learnt, names)) for r in action.reports]
    for record, at, status, text, learnt in entries:
        row(
            record,
            action.owner_id,
            meeting=meeting,
            action_id=action.id,
            date=_sortable(at),
            status=render(CSV_STATUS[status]),
            text=text,
            learnt=learnt,
        )
