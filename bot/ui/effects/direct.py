"""Direct messages: tell one person something privately, or in a fallback channel when their DMs are closed."""

from __future__ import annotations

import logging

import discord

from bot.domain.effects import DirectNotice
from bot.ui.effects.base import Kit, nonce_of

log = logging.getLogger(__name__)

CANNOT_DM = 50007


class DirectMessages:
    """Carries out `DirectNotice`."""

    def __init__(self, kit: Kit) -> None:
        self._kit = kit

    async def apply(self, effect: DirectNotice, effect_id: int) -> None:
        """Send the notice by direct message; if the person's DMs are closed, post it in the fallback channel."""
        post = await self._kit.renderers.render(effect.notice)
        if post is None:
            return
        nonce = nonce_of(effect_id)
        try:
            async with self._kit.pacer.admit():
                channel = await self._kit.client.create_dm(discord.Object(effect.user_id))
            await self._kit.send(channel, post, nonce=nonce)
        except discord.Forbidden as exc:
            if exc.code != CANNOT_DM:
                raise
            where = effect.fallback_channel_id
            extra = {"group_id": effect.group_id, "user_id": effect.user_id, "fallback": where is not None}
            log.info("direct message refused", extra=extra)
            if where is None:
                return  # the person does not take direct messages, and the notice is for them alone
            async with self._kit.pacer.slot("message_create", where):
                await self._kit.send(self._kit.client.get_partial_messageable(where), post, nonce=nonce)
