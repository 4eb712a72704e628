"""Stage suppress: move someone on stage or to the audience as the floor says, or back to their own state."""

from __future__ import annotations

import functools

import discord

from bot.domain.effects import SetMute
from bot.services.voice import STAGE, StageTarget, VoiceFloorService
from bot.ui.effects.base import Kit
from bot.ui.effects.voice import LateIs, voice_edit, voice_of

UNKNOWN_VOICE_STATE = 10065


def stage_wanted(target: StageTarget, *, suppressed: bool) -> bool | None:
    """The suppress to send, or None when nothing is to change: the floor's wish, else their own state back."""
    if target.suppress is not None:
        return target.suppress if suppressed != target.suppress else None
    if target.changed and target.theirs is not None and suppressed != target.theirs:
        return target.theirs
    return None


class Suppress:
    """Carries out `SetMute` on a Stage (`stage=True`)."""

    def __init__(self, kit: Kit, mutes: VoiceFloorService | None, late_is: LateIs) -> None:
        self._kit = kit
        self._mutes = mutes
        self._late_is = late_is

    async def apply(self, effect: SetMute) -> None:
        """Bring someone's Stage state into line with each Stage meeting's floor, or back to their own state.

        Each Stage meeting's row is settled alone: a speaker state belongs to one Stage, so the Stage they are on now
        is brought into line, and the rows of Stages they are not on forget what ended with their call there. Their
        own state is written to the ledger before the bot first changes it; an undo restores it only if the bot did
        change it and it is not already so, so a state someone else made is never undone.
        """
        key = (STAGE, effect.guild_id, effect.user_id)
        async with self._kit.turns.take(key) as last:
            mutes = self._mutes
            if not last or mutes is None:
                return
            voice = voice_of(self._kit.client, effect.guild_id, effect.user_id)
            for target in await mutes.stage_targets(effect.guild_id, effect.user_id):
                on_it = voice is not None and voice.channel is not None and voice.channel.id == target.channel_id
                await self._settle(mutes, effect, target, voice if on_it else None)

    async def _settle(
        self, mutes: VoiceFloorService, effect: SetMute, target: StageTarget, voice: discord.VoiceState | None
    ) -> None:
        """One Stage meeting's row, with the person's voice state on that Stage (None: they are not on it)."""
        if voice is None or voice.channel is None:
            # Not on the meeting's Stage: their speaker state there ended with their call (a rejoin is audience).
            if target.suppress is None or target.theirs is not None or target.changed:
                await mutes.stage_undone(target, effect.guild_id, effect.user_id)
            return
        wanted = stage_wanted(target, suppressed=voice.suppress)
        if target.suppress is not None:
            changing = wanted is not None
            if target.theirs is None or changing:
                await mutes.stage_noted(
                    target, effect.guild_id, effect.user_id, theirs=voice.suppress, changing=changing
                )
            if wanted is not None:
                await self._edit_suppress(effect, voice.channel.id, suppress=wanted)
            return
        if wanted is not None and not await self._edit_suppress(effect, voice.channel.id, suppress=wanted):
            return
        await mutes.stage_undone(target, effect.guild_id, effect.user_id)

    async def _edit_suppress(self, effect: SetMute, channel_id: int, *, suppress: bool) -> bool:
        """Move someone to a Stage's audience or on stage; False if not made (no longer on the Stage)."""
        body = {"channel_id": channel_id, "suppress": suppress}
        edit = functools.partial(self._kit.client.http.edit_voice_state, effect.guild_id, effect.user_id, body)
        return await voice_edit(self._kit, self._late_is, effect, "voice_state", 0, edit, UNKNOWN_VOICE_STATE)
