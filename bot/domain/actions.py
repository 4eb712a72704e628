"""Actions: what a member committed to, the statuses a report can give it, and the rules for reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.errors import UserFacingError
from bot.domain.text import Text, msg, msgc

ACTION_MAX = 300
"""Characters in one action."""
REPORT_MAX = 1000
"""Characters in what happened, and in what was learnt."""
SAME_REPORT_WITHIN = timedelta(minutes=10)
"""A report the same as the last one within this time is a double click or a repeated form: one report."""


class ActionStatus(StrEnum):
    """Where an action stands; `open` until its owner first reports on it."""

    OPEN = "open"
    DONE = "done"
    PARTLY = "partly"
    NOT_YET = "not_yet"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        """The status as members read it, in the language being read now (`STATUS_LABELS` holds it as a message)."""
        return str(STATUS_LABELS[self])

    @property
    def still_to_do(self) -> bool:
        """Whether the catch-up and the report-back reminder still ask about it."""
        return self in (ActionStatus.OPEN, ActionStatus.PARTLY, ActionStatus.NOT_YET)


STATUS_LABELS: dict[ActionStatus, Text] = {
    ActionStatus.OPEN: msgc("action status", "Open"),
    ActionStatus.DONE: msgc("action status", "Done"),
    ActionStatus.PARTLY: msg("Partly done"),
    ActionStatus.NOT_YET: msg("Not yet"),
    ActionStatus.DROPPED: msg("Dropped"),
}
REPORTED = tuple(status for status in ActionStatus if status is not ActionStatus.OPEN)
"""The statuses a report can set: an action is never reported back to open."""
STILL_TO_DO = tuple(status.value for status in ActionStatus if status.still_to_do)


class ActionNotFoundError(UserFacingError):
    """No such action, or not one the person may see or report on."""


class ActionTextInvalidError(UserFacingError):
    """An action or report that is empty or too long."""


@dataclass(frozen=True)
class Report:
    """A report on an action: its new status, what happened and what was learnt, and when."""

    status: ActionStatus
    happened: str
    learnt: str
    at: datetime


def action_text(text: str) -> str:
    """An action as stored: whitespace tidied; refused when empty or too long."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ActionTextInvalidError(msg("Say what you will do: the action cannot be empty."))
    if len(cleaned) > ACTION_MAX:
        raise ActionTextInvalidError(
            msg(
                "An action can be at most {limit} characters (yours has {length}): make it shorter.",
                limit=ACTION_MAX,
                length=len(cleaned),
            )
        )
    return cleaned


def report_of(status: str, happened: str, learnt: str, at: datetime) -> Report:
    """A report from what a member entered; refused with a message that says what to change."""
    try:
        chosen = ActionStatus(status)
    except ValueError:
        chosen = None
    if chosen is None or chosen is ActionStatus.OPEN:
        names = ", ".join(s.label for s in REPORTED)  # drawn as the refusal is raised, for whoever reads it
        raise ActionTextInvalidError(msg("Choose how the action went: one of {names}.", names=names))
    happened, learnt = happened.strip(), learnt.strip()
    for too_long, text in (
        (msg("What happened can be at most {limit} characters: make it shorter.", limit=REPORT_MAX), happened),
        (msg("What you learnt can be at most {limit} characters: make it shorter.", limit=REPORT_MAX), learnt),
    ):
        if len(text) > REPORT_MAX:
            raise ActionTextInvalidError(too_long)
    return Report(chosen, happened, learnt, at)


def repeats(report: Report, last: Report | None) -> bool:
    """Whether `report` is the last one again (a double click, a form sent twice): then it is recorded once."""
    return (
        last is not None
        and (report.status, report.happened, report.learnt) == (last.status, last.happened, last.learnt)
        and report.at - last.at < SAME_REPORT_WITHIN
    )
