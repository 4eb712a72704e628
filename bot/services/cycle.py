"""The cycle's ledger as `/group info` and the meeting summary show it, read from the database."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.models import Group, Meeting
from bot.db.uow import UnitOfWork
from bot.domain.actions import ActionStatus
from bot.domain.groups import MembershipStatus
from bot.domain.ledger import CommittedAction, HeldMeeting, Ledger, attended, current_cycle, cycle_of, holders, ledger
from bot.domain.meeting import from_json


@dataclass(frozen=True)
class CycleView:
    """The cycle's ledger, and where a meeting stands in it."""

    ledger: Ledger
    number: int
    """The meeting's number (0 for the group's first): the one under way or next, or the one a summary is of."""
    under_way: bool
    group_id: int | None = None
    """The group's (what it reads, such as its history files, is in the group's language)."""

    @property
    def place(self) -> int | None:
        """Which meeting of its cycle (from 1) `number` is; None without a cycle length."""
        length = self.ledger.length
        return None if length is None else self.number % length + 1

    @property
    def starts_next_cycle(self) -> bool:
        """Whether `number` is the first meeting of a cycle after the one the ledger shows."""
        return cycle_of(self.number, self.ledger.length) > self.ledger.cycle


async def read_cycle(uow: UnitOfWork, group: Group, number: int | None = None) -> CycleView:
    """The ledger of the cycle of meeting `number`; without it, the current cycle and the meeting under way or next."""
    rows = await uow.meetings.of_group(group.id)
    meetings = [_held(meeting) for meeting in rows]
    under_way = any(meeting.ended_at is None for meeting in rows)
    if number is None:
        cycle = current_cycle(meetings, group.cycle_length)
        number = next((m.number for m in rows if m.ended_at is None), len(rows))
    else:
        cycle = cycle_of(number, group.cycle_length)
        under_way = False
    actions = [
        CommittedAction(a.id, a.owner_id, a.meeting_id, a.created_at, ActionStatus(a.status))
        for a in await uow.actions.of_group(group.id)
    ]
    members = await members_now(uow, group)
    return CycleView(ledger(cycle, group.cycle_length, members, meetings, actions), number, under_way, group.id)


async def members_now(uow: UnitOfWork, group: Group) -> list[int]:
    """The group's members now, in the order they joined."""
    return [m.user_id for m in await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)]


def _held(meeting: Meeting) -> HeldMeeting:
    state = from_json(meeting.state)
    return HeldMeeting(
        id=meeting.id,
        number=meeting.number,
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        attended=attended(state),
        holders=holders(state),
    )
