"""Direct messages: tell one person something privately, or in a fallback channel when their DMs are closed."""

from __future__ import annotations

import logging
from dataclasses import replace

import discord

from bot.domain.effects import DirectNotice
from bot.domain.text import msg
from bot.services.effects import EffectService, QueuedEffect
from bot.ui.effects.base import Kit, Post
from bot.ui.effects.once import Once

log = logging.getLogger(__name__)

CANNOT_DM = 50007
MESSAGE_LIMIT = 2000
NOT_DELIVERED = msg("Posted here because a direct message could not be delivered.")
"""Said under a notice posted in the channel instead (not whose messages are closed: that is theirs to tell)."""


class DirectMessages:
    """Carries out `DirectNotice`."""

    def __init__(self, kit: Kit, effects: EffectService) -> None:
        self._kit = kit
        self._once = Once(kit, effects)
        self._effects = effects

    async def apply(self, effect: DirectNotice, item: QueuedEffect) -> None:
        """Send the notice by direct message; if the person's DMs are closed, post it in the fallback channel.

        Either way, a message an earlier attempt may have made is looked for first (see `once`).
        """
        post = await self._kit.renderers.render(effect.notice, effect.group_id)
        if post is None:
            return
        live = self._kit.renderers.is_live(effect.notice)
        try:
            async with self._kit.pacer.admit():
                channel = await self._kit.client.create_dm(discord.Object(effect.user_id))
            await self._send_once(channel, post, item, live=live)
        except discord.Forbidden as exc:
            if exc.code != CANNOT_DM:
                raise
            where = effect.fallback_channel_id
            extra = {"group_id": effect.group_id, "user_id": effect.user_id, "fallback": where is not None}
            log.info("direct message refused", extra=extra)
            await self._effects.note_dms(item.guild_id, effect.user_id, closed=True)
            if where is None:
                return  # the person does not take direct messages, and the notice is for them alone
            note = "\n-# " + await self._kit.renderers.words(NOT_DELIVERED, effect.group_id)
            here = replace(post, content=_with_note(post.content or "", note))
            async with self._kit.pacer.slot("message_create", where):
                await self._send_once(self._kit.client.get_partial_messageable(where), here, item, live=live)
        else:
            await self._effects.note_dms(item.guild_id, effect.user_id, closed=False)

    async def _send_once(self, channel: discord.abc.Messageable, post: Post, item: QueuedEffect, *, live: bool) -> None:
        if await self._once.made(channel, post, item) is None:
            await self._once.send(channel, post, item, live=live)


def _with_note(content: str, note: str) -> str:
    """The content and the note under it, whole lines of it cut if both do not fit (a long post has its file)."""
    room = MESSAGE_LIMIT - len(note)
    if len(content) > room:
        content = content[: max(content.rfind("\n", 0, room), 0)]
    return content + note
