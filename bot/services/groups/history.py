"""The group's history for its facilitator: meetings, attendance, rounds, every action with each report.

It carries what members wrote (bid titles, actions, reports), so it is handed only to the group's facilitator (or a
server manager).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.actions import ActionStatus, Report
from bot.domain.ledger import attended
from bot.domain.meeting import Mode, from_json
from bot.services.cycle import CycleView, members_now, read_cycle
from bot.services.groups._base import GroupServiceBase
from bot.services.groups._guards import get_group, require_facilitator
from bot.services.groups._views import Actor, GroupKey


@dataclass(frozen=True)
class RoundRecord:
    """A round in the history."""

    holder_id: int
    title: str | None
    mode: Mode
    ran: bool


@dataclass(frozen=True)
class MeetingRecord:
    """A meeting in the history."""

    number: int
    started_at: datetime
    ended_at: datetime | None
    attended: tuple[int, ...]
    rounds: tuple[RoundRecord, ...]


@dataclass(frozen=True)
class ActionRecord:
    """An action in the history, with every report on it, oldest first."""

    id: int
    owner_id: int
    meeting_number: int | None
    """The meeting it was committed at (by number, from 0); None for one set between meetings."""
    text: str
    status: ActionStatus
    created_at: datetime
    reports: tuple[Report, ...]


@dataclass(frozen=True)
class History:
    """Everything the group's history files hold."""

    group_name: str
    members: tuple[int, ...]
    """Members now, in the order they joined; anyone else in the history has left."""
    meetings: tuple[MeetingRecord, ...]
    actions: tuple[ActionRecord, ...]
    cycle: CycleView


class Histories(GroupServiceBase):
    """What a group has done."""

    async def history(self, guild_id: int, actor: Actor, which: GroupKey, channel_id: int | None = None) -> History:
        """The group's whole history (archived groups too); only for its facilitator or a server manager."""
        async with self._uow(write=False) as uow:
            group = await get_group(uow, guild_id, which, channel_id=channel_id)
            require_facilitator(group, actor)
            rows = await uow.meetings.of_group(group.id)
            numbers = {meeting.id: meeting.number for meeting in rows}
            meetings = []
            for meeting in rows:
                state = from_json(meeting.state)
                rounds = []
                for round_ in state.rounds:
                    bid = await uow.bids.get(round_.bid_id) if round_.bid_id is not None else None
                    rounds.append(RoundRecord(round_.holder_id, bid.title if bid else None, round_.mode, round_.ran))
                meetings.append(
                    MeetingRecord(
                        meeting.number,
                        meeting.started_at,
                        meeting.ended_at,
                        tuple(sorted(attended(state))),
                        tuple(rounds),
                    )
                )
            actions = await uow.actions.of_group(group.id)
            reports: dict[int, list[Report]] = {}
            for row in await uow.actions.reports_of([action.id for action in actions]):
                reports.setdefault(row.action_id, []).append(
                    Report(ActionStatus(row.status), row.happened, row.learnt, row.reported_at)
                )
            return History(
                group_name=group.name,
                members=tuple(await members_now(uow, group)),
                meetings=tuple(meetings),
                actions=tuple(
                    ActionRecord(
                        id=action.id,
                        owner_id=action.owner_id,
                        meeting_number=numbers.get(action.meeting_id) if action.meeting_id is not None else None,
                        text=action.text,
                        status=ActionStatus(action.status),
                        created_at=action.created_at,
                        reports=tuple(reports.get(action.id, [])),
                    )
                    for action in actions
                ),
                cycle=await read_cycle(uow, group),
            )
