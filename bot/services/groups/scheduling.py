"""A group's meeting schedule: set, changed or cleared by its facilitator, and the Discord event that follows it."""

from __future__ import annotations

from bot.domain.cadence import CadenceInvalidError, parse_cadence
from bot.domain.effects import EventPlan
from bot.domain.groups import GroupStatus
from bot.domain.ledger import cycle_length
from bot.domain.text import msg
from bot.services.groups._base import GroupServiceBase
from bot.services.groups._guards import open_group, require_facilitator
from bot.services.groups._views import Actor, GroupKey, GroupView, Outcome, view_of
from bot.services.reminder_plan import plan_reminders
from bot.services.schedule import event_plan, store_schedule

NO_SCHEDULE = "none"
"""The kind that clears a group's schedule."""


class Scheduling(GroupServiceBase):
    """When a group meets."""

    async def set_schedule(
        self,
        guild_id: int,
        actor: Actor,
        which: GroupKey,
        kind: str,
        *,
        at: str | None = None,
        zone: str | None = None,
        channel_id: int | None = None,
        weekday: str | None = None,
        ordinal: str | None = None,
        day: int | None = None,
        weeks: int | None = None,
        on: str | None = None,
        cycle: int | None = None,
    ) -> Outcome[GroupView]:
        """Set (or, with kind "none", clear) the schedule; input the cadence refuses stores nothing.

        `cycle`, when given, is how many meetings make one cycle (4 to 6); left out, the cycle length stays as it was.
        """
        length = cycle_length(cycle)
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, which, channel_id=channel_id)
            require_facilitator(group, actor)
            now = self._clock.now()
            cadence = None
            if kind != NO_SCHEDULE:
                if not at or not zone:
                    raise CadenceInvalidError(msg("A schedule needs a time (HH:MM, 24-hour clock) and a time zone."))
                cadence = parse_cadence(
                    kind, at=at, zone=zone, now=now, weekday=weekday, ordinal=ordinal, day=day, weeks=weeks, on=on
                )
            if length is not None:
                group.cycle_length = length
            uow.emit(guild_id, *store_schedule(group, cadence, now))
            await plan_reminders(uow, group, now)
            await uow.commit()
            return Outcome(view_of(group), uow.committed)

    async def event_plan(self, group_id: int) -> EventPlan | None:
        """What the group's Discord event should be now (None: the group is gone); drawn when the effect is done."""
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_id(group_id)
            if group is None or group.status == GroupStatus.CREATING:
                return None
            return event_plan(group, self._clock.now())

    async def record_event(self, group_id: int, event_id: int | None) -> None:
        """Remember the Discord event made for the group's next meeting (None: it was deleted)."""
        async with self._uow() as uow:
            group = await uow.groups.by_id(group_id)
            if group is None:
                return
            group.event_id = event_id
            await uow.commit()
