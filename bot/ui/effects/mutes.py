"""Voice mutes: server-mute or unmute someone as the meeting's voice floor and the mute ledger say now."""

from __future__ import annotations

import functools

from bot.domain.effects import SetMute
from bot.domain.text import msg
from bot.services.voice import VoiceFloorService
from bot.ui.effects.base import Kit
from bot.ui.effects.voice import LateIs, voice_edit, voice_of

NOT_IN_VOICE = 40032
REASON = msg("Setkeeper: the floor")
"""The audit log's reason for a mute or unmute."""


class Mutes:
    """Carries out `SetMute` outside a Stage; only the ledger's mutes are ever undone."""

    def __init__(self, kit: Kit, mutes: VoiceFloorService | None, late_is: LateIs) -> None:
        self._kit = kit
        self._mutes = mutes
        self._late_is = late_is

    async def apply(self, effect: SetMute) -> None:
        """Mute someone where a meeting's floor wants them muted, or undo the bot's mute where none does.

        The mute follows the person across channels, so the channel they are in now decides: muted while a meeting
        held there wants them muted, whatever another meeting wants of them elsewhere.
        """
        # Like access, the ledger and the floors decide when this is carried out; only the ledger's mutes are undone.
        async with self._kit.turns.take(("mute", effect.guild_id, effect.user_id)) as last:
            if not last or self._mutes is None:
                return  # a later effect for this person is waiting: it reconciles them as things are then
            target = await self._mutes.target(effect.guild_id, effect.user_id)
            voice = voice_of(self._kit.client, effect.guild_id, effect.user_id)
            if not target.owned or voice is None or voice.channel is None:
                return  # not the bot's mute, or not in voice: a mute waits for them to join, an unmute for a rejoin
            if voice.channel.id in target.channels:
                if target.theirs is None:
                    # Written before the mute is made: a mute already there (a moderator's) is never the bot's to undo.
                    await self._mutes.noted(effect.guild_id, effect.user_id, theirs=voice.mute)
                    if voice.mute:
                        return
                elif target.theirs:
                    return
                await self._edit_mute(effect, mute=True)
                return
            if target.theirs is False and not await self._edit_mute(effect, mute=False):
                return  # they left voice meanwhile: the rows stay, and the mute is undone when they next join
            await self._mutes.undone(effect.guild_id, effect.user_id)

    async def _edit_mute(self, effect: SetMute, *, mute: bool) -> bool:
        """Server-mute or unmute, within the guild's member-edit limit; False if not made (not in voice: 40032)."""
        http = self._kit.client.http
        reason = await self._kit.renderers.words(REASON, effect.group_id)
        edit = functools.partial(http.edit_member, effect.guild_id, effect.user_id, mute=mute, reason=reason)
        return await voice_edit(self._kit, self._late_is, effect, "member_edit", effect.guild_id, edit, NOT_IN_VOICE)
