"""A planted group history for the chart's tests: two cycles of four meetings, the second under way.

Cycle 1 is meetings 1 to 4 (January and February), cycle 2 meetings 5 to 7 so far (March and April). Reports come
between meetings, during them and after the last one, so the rate after each meeting differs from the rate now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.actions import ActionStatus, Report
from bot.domain.ledger import CommittedAction, HeldMeeting, ledger
from bot.domain.meeting import Mode
from bot.services.cycle import CycleView
from bot.services.groups.history import ActionRecord, History, MeetingRecord, RoundRecord

ASHA, BEN, CHLOE, DEV = 31, 32, 33, 34
NAMES = {ASHA: "Asha", BEN: "Ben", CHLOE: "Chloé", DEV: "Dev"}
LENGTH = 4
STARTS = (
    datetime(2026, 1, 5, 18, tzinfo=UTC),
    datetime(2026, 1, 26, 18, tzinfo=UTC),
    datetime(2026, 2, 9, 18, tzinfo=UTC),
    datetime(2026, 2, 23, 18, tzinfo=UTC),
    datetime(2026, 3, 2, 18, tzinfo=UTC),
    datetime(2026, 3, 30, 18, tzinfo=UTC),
    datetime(2026, 4, 27, 18, tzinfo=UTC),
)
LENGTH_OF_A_MEETING = timedelta(hours=2, minutes=30)
DONE, PARTLY, NOT_YET, DROPPED, OPEN = (
    ActionStatus.DONE,
    ActionStatus.PARTLY,
    ActionStatus.NOT_YET,
    ActionStatus.DROPPED,
    ActionStatus.OPEN,
)


def _on(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _end(number: int) -> datetime:
    return STARTS[number] + LENGTH_OF_A_MEETING


def _action(
    id_: int, owner: int, meeting: int | None, text: str, set_at: datetime, *reports: tuple[ActionStatus, datetime]
) -> ActionRecord:
    return ActionRecord(
        id=id_,
        owner_id=owner,
        meeting_number=meeting,
        text=text,
        status=reports[-1][0] if reports else OPEN,
        created_at=set_at,
        reports=tuple(Report(status, "", "", at) for status, at in reports),
    )


ACTIONS = (
    # Cycle 1: none of these belong on the chart of cycle 2.
    _action(1, ASHA, 0, "Old: call the board", _end(0), (DONE, _on(1, 20))),
    _action(2, BEN, 1, "Old: draft the budget", _end(1), (DROPPED, _on(2, 5))),
    _action(3, CHLOE, None, "Old: read the report", _on(1, 15), (NOT_YET, _on(2, 20))),
    # Cycle 2, set at meeting 5 (2 March).
    _action(4, ASHA, 4, "Ask for the **budget**", _end(4), (DONE, _on(3, 25))),
    _action(5, BEN, 4, "Talk to # the team", _end(4), (PARTLY, _on(3, 28))),
    _action(6, CHLOE, 4, "Write the plan", _end(4), (NOT_YET, STARTS[5] + timedelta(hours=1)), (DONE, _on(4, 20))),
    # Set at meeting 6 (30 March).
    _action(7, ASHA, 5, "Meet the mentor", _end(5), (DONE, _on(4, 20))),
    _action(8, CHLOE, 5, "Shadow a colleague", _end(5), (NOT_YET, STARTS[6] + timedelta(minutes=30))),
    _action(9, DEV, 5, "Book a course", _end(5)),
    # Set between meetings 6 and 7, reported after meeting 7 (the last held).
    _action(10, BEN, None, "Send the survey", _on(4, 10), (DROPPED, _on(5, 5))),
    # Set at meeting 7 (27 April), still open.
    _action(11, ASHA, 6, "Plan the offsite", _end(6)),
    _action(12, BEN, 6, "Ask for feedback", _end(6)),
)


def _meeting(number: int) -> MeetingRecord:
    present = (ASHA, BEN, CHLOE) if number >= 6 else (ASHA, BEN, CHLOE, DEV)
    holder = present[number % len(present)]
    return MeetingRecord(
        number, STARTS[number], _end(number), present, (RoundRecord(holder, None, Mode.SUPPORTIVE, True),)
    )


MEETINGS = tuple(_meeting(number) for number in range(len(STARTS)))


def held(meeting: MeetingRecord) -> HeldMeeting:
    """A meeting of the history as the ledger counts it (numbers stand in for ids)."""
    holders = tuple(r.holder_id for r in meeting.rounds if r.ran)
    return HeldMeeting(
        meeting.number, meeting.number, meeting.started_at, meeting.ended_at, frozenset(meeting.attended), holders
    )


def planted(
    actions: tuple[ActionRecord, ...] = ACTIONS,
    meetings: tuple[MeetingRecord, ...] = MEETINGS,
    length: int | None = LENGTH,
) -> History:
    """The history as `/group history` reads it, with the cycle's ledger worked out as `read_cycle` does."""
    members = (ASHA, BEN, CHLOE)  # Dev has left
    numbers = [m.number for m in meetings if m.ended_at is not None]
    cycle = (max(numbers) // length + 1 if length else 1) if numbers else 1
    committed = [CommittedAction(a.id, a.owner_id, a.meeting_number, a.created_at, a.status) for a in actions]
    book = ledger(cycle, length, members, [held(m) for m in meetings], committed)
    return History("Leaders' set", members, meetings, actions, CycleView(book, len(meetings), False))
