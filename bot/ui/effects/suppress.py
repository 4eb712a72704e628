"""Stage suppress: move someone on stage or to the audience as the floor says, or back to their own state."""

from __future__ import annotations

import functools

from bot.domain.effects import SetMute
from bot.services.voice import STAGE, MuteTarget, VoiceFloorService
from bot.ui.effects.base import Kit
from bot.ui.effects.voice import LateIs, voice_edit, voice_of

UNKNOWN_VOICE_STATE = 10065


def stage_wanted(target: MuteTarget, *, suppressed: bool) -> bool | None:
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
        """Bring someone's Stage state into line with the floor, or back to their own (`wants_suppress`).

        Their own state is written to the ledger before the bot first changes it; an undo restores it only if the
        bot did change it and it is not already so, so a state someone else made is never undone.
        """
        key = (STAGE, effect.guild_id, effect.user_id)
        async with self._kit.turns.take(key) as last:
            if not last or self._mutes is None:
                return
            target = await self._mutes.target(effect.guild_id, effect.user_id, kind=STAGE)
            if not target.owned:
                return
            voice = voice_of(self._kit.client, effect.guild_id, effect.user_id)
            if voice is None or voice.channel is None or voice.channel.id != target.channel_id:
                # Not on the meeting's Stage: their speaker state there ended with their call (a rejoin is audience).
                if target.suppress is None or target.theirs is not None or target.changed:
                    await self._mutes.undone(effect.guild_id, effect.user_id, kind=STAGE)
                return
            wanted = stage_wanted(target, suppressed=voice.suppress)
            if target.suppress is not None:
                changing = wanted is not None
                if target.theirs is None or changing:
                    await self._mutes.noted(
                        effect.guild_id, effect.user_id, theirs=voice.suppress, kind=STAGE, changing=changing
                    )
                if wanted is not None:
                    await self._edit_suppress(effect, voice.channel.id, suppress=wanted)
                return
            if wanted is not None and not await self._edit_suppress(effect, voice.channel.id, suppress=wanted):
                return
            await self._mutes.undone(effect.guild_id, effect.user_id, kind=STAGE)

    async def _edit_suppress(self, effect: SetMute, channel_id: int, *, suppress: bool) -> bool:
        """Move someone to a Stage's audience or on stage; False if not made (no longer on the Stage)."""
        body = {"channel_id": channel_id, "suppress": suppress}
        edit = functools.partial(self._kit.client.http.edit_voice_state, effect.guild_id, effect.user_id, body)
        return await voice_edit(self._kit, self._late_is, effect, "voice_state", 0, edit, UNKNOWN_VOICE_STATE)
