"""The cycle's ledger for the meeting summary: the numbers of the cycle a meeting belongs to."""

from __future__ import annotations

from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.services.cycle import CycleView, read_cycle


class LedgerService:
    """Reads only: each method is one read-only unit of work."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def of_meeting(self, meeting_id: int) -> CycleView | None:
        """The ledger of the cycle a meeting belongs to, as its summary shows it (None if it is gone)."""
        async with self._uow(write=False) as uow:
            meeting = await uow.meetings.get(meeting_id)
            group = await uow.groups.by_id(meeting.group_id) if meeting is not None else None
            if meeting is None or group is None:
                return None
            return await read_cycle(uow, group, meeting.number)
