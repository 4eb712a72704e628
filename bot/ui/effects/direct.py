"""Direct messages: tell one person something privately, or in a fallback channel when their DMs are closed."""

from __future__ import annotations

import logging

import discord

from bot.domain.effects import DirectNotice
from bot.services.effects import EffectService, QueuedEffect
from bot.ui.effects.base import Kit, Post
from bot.ui.effects.once import Once

log = logging.getLogger(__name__)

CANNOT_DM = 50007


class DirectMessages:
    """Carries out `DirectNotice`."""

    def __init__(self, kit: Kit, effects: EffectService) -> None:
        self._kit = kit
        self._once = Once(kit, effects)

    async def apply(self, effect: DirectNotice, item: QueuedEffect) -> None:
        """Send the notice by direct message; if the person's DMs are closed, post it in the fallback channel.

        Either way, a message an earlier attempt may have made is looked for first (see `once`).
        """
        post = await self._kit.renderers.render(effect.notice)
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
            if where is None:
                return  # the person does not take direct messages, and the notice is for them alone
            async with self._kit.pacer.slot("message_create", where):
                await self._send_once(self._kit.client.get_partial_messageable(where), post, item, live=live)

    async def _send_once(self, channel: discord.abc.Messageable, post: Post, item: QueuedEffect, *, live: bool) -> None:
        if await self._once.made(channel, post, item) is None:
            await self._once.send(channel, post, item, live=live)
