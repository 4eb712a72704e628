"""Scheduled events: the group's one Discord event at its next meeting, made, moved or deleted as planned now."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.domain.effects import EventPlan, MeetingEvent, SyncMeetingEvent
from bot.i18n import speaking, t
from bot.ui.effects.base import UNKNOWN_EVENT, Kit, ignore_missing

GUILD_ONLY = 2  # a scheduled event's only privacy level
EVENT_STAGE, EVENT_VOICE, EVENT_EXTERNAL = 1, 2, 3
EventPlanOf = Callable[[int], Awaitable[EventPlan | None]]
"""What a group's Discord scheduled event should be, drawn from the database when carried out (None: group gone)."""
EventMade = Callable[[int, int | None], Awaitable[None]]
"""Remember the group's scheduled event id (None: it was deleted)."""


class ScheduledEvents:
    """Carries out `SyncMeetingEvent`."""

    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._events: tuple[EventPlanOf, EventMade] | None = None

    def drawn_from(self, plan_of: EventPlanOf, made: EventMade) -> None:
        """Where the plan is read when carried out, and where the event made is remembered."""
        self._events = (plan_of, made)

    async def apply(self, effect: SyncMeetingEvent) -> None:
        """Make, move or delete the group's one scheduled event, as the database says now.

        The event made is remembered as soon as Discord answers, and a remembered event is moved, never made again,
        so carrying this out twice (or an old effect after a newer one) leaves one event at the latest meeting.
        """
        if self._events is None:
            raise RuntimeError("no reader registered for meeting events")
        plan_of, made = self._events
        async with self._kit.turns.take(("event", effect.group_id)) as last:
            # The event is the group's: its name and description, and the audit log's reason, in the group's language.
            with speaking(await self._kit.renderers.language(effect.group_id)):
                reason = t("Setkeeper: schedule")
                plan = await plan_of(effect.group_id) if last or effect.retire_event_id is not None else None
            if plan is None:
                return
            http = self._kit.client.http
            if effect.retire_event_id is not None and effect.retire_event_id != plan.event_id:
                # The meeting held: its event goes (deleting twice is harmless), the next meeting gets its own.
                await ignore_missing(http.delete_scheduled_event(plan.guild_id, effect.retire_event_id, reason=reason))
            if not last:
                return  # a later change of this group's schedule is waiting, and it draws the event as it is then
            if plan.wanted is None:
                if plan.event_id is not None:
                    await ignore_missing(http.delete_scheduled_event(plan.guild_id, plan.event_id, reason=reason))
                    await made(effect.group_id, None)
                return
            fields = self._fields(plan.wanted)
            if plan.event_id is not None:
                try:
                    await http.edit_scheduled_event(plan.guild_id, plan.event_id, reason=reason, **fields)
                    return
                except discord.NotFound as exc:
                    if exc.code != UNKNOWN_EVENT:
                        raise
                    # Deleted by someone on Discord: the meeting still needs its event, so a new one is made.
            event = await http.create_guild_scheduled_event(plan.guild_id, reason=reason, **fields)
            await made(effect.group_id, int(event["id"]))

    def _fields(self, wanted: MeetingEvent) -> dict[str, Any]:
        """The event's fields: in the group's voice or Stage channel, else "external" at its text channel."""
        fields: dict[str, Any] = {
            "name": wanted.name,
            "description": wanted.description,
            "privacy_level": GUILD_ONLY,
            "scheduled_start_time": wanted.start.isoformat(),
            "scheduled_end_time": wanted.end.isoformat(),
        }
        if wanted.voice_channel_id is not None:
            kind = EVENT_STAGE if wanted.stage else EVENT_VOICE
            return {**fields, "entity_type": kind, "channel_id": wanted.voice_channel_id, "entity_metadata": None}
        channel = self._kit.client.get_channel(wanted.text_channel_id)
        location = f"#{channel.name}" if isinstance(channel, discord.abc.GuildChannel) else wanted.name
        return {**fields, "entity_type": EVENT_EXTERNAL, "channel_id": None, "entity_metadata": {"location": location}}
