"""Stage instances: open the meeting's Stage while it runs and close it after, as the database says now."""

from __future__ import annotations

import discord

from bot.domain.effects import SyncStage
from bot.domain.text import msg
from bot.services.voice import VoiceFloorService
from bot.ui.effects.base import UNKNOWN_CHANNEL, Kit

UNKNOWN_STAGE_INSTANCE = 10067
STAGE_ALREADY_OPEN = 150006
STAGE_GUILD_ONLY = 2  # a Stage instance's privacy level: members of the server only
REASON = msg("Setkeeper: the meeting")
"""The audit log's reason for opening or closing the meeting's Stage."""


class StageInstances:
    """Carries out `SyncStage`."""

    def __init__(self, kit: Kit, mutes: VoiceFloorService | None) -> None:
        self._kit = kit
        self._mutes = mutes

    async def apply(self, effect: SyncStage) -> None:
        """Open the meeting's Stage instance while it runs and close it after, as the database says now.

        Only an instance the bot opened is closed. One found already open with the group's name as its topic is
        taken as the bot's own (opened just before a crash, before it could be remembered); any other is left be.
        """
        if self._mutes is None:
            return
        async with self._kit.turns.take(("stage_instance", effect.meeting_id)) as last:
            plan = await self._mutes.stage_plan(effect.meeting_id) if last else None
            if plan is None:
                return
            http = self._kit.client.http
            reason = await self._kit.renderers.words(REASON, effect.group_id)
            if plan.wanted and plan.instance_id is None:
                try:
                    made = await http.create_stage_instance(
                        channel_id=plan.channel_id,
                        topic=plan.topic[:120],
                        privacy_level=STAGE_GUILD_ONLY,
                        reason=reason,
                    )
                except discord.HTTPException as exc:
                    if exc.code != STAGE_ALREADY_OPEN:
                        raise
                    made = await http.get_stage_instance(plan.channel_id)
                    if made["topic"] != plan.topic[:120]:
                        return  # someone else's Stage: the meeting runs without an instance of its own
                await self._mutes.stage_opened(effect.meeting_id, int(made["id"]))
            elif not plan.wanted and plan.instance_id is not None:
                try:
                    found = await http.get_stage_instance(plan.channel_id)
                    if int(found["id"]) == plan.instance_id:
                        await http.delete_stage_instance(plan.channel_id, reason=reason)
                except discord.NotFound as exc:
                    if exc.code not in (UNKNOWN_STAGE_INSTANCE, UNKNOWN_CHANNEL):
                        raise
                await self._mutes.stage_opened(effect.meeting_id, None)
