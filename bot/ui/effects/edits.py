"""Edits: rewrite a post with its notice; a live notice is drawn as the database is when the edit goes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.domain.effects import Notice, Notify
from bot.ui.effects.base import UNKNOWN_MESSAGE, Kit, Post

Gone = Callable[[Notify, int], Awaitable[None]]


class Edits:
    """Carries out a `Notify` that rewrites a post (`edit_message_id`)."""

    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._gone: dict[type[Notice], Gone] = {}

    def when_gone(self, kind: type[Notice], hook: Gone) -> None:
        """Have `hook(effect, message_id)` called when an edit finds a notice of this kind deleted."""
        if kind in self._gone:
            raise ValueError(f"notice {kind.__qualname__} already has a listener")
        self._gone[kind] = hook

    async def apply(self, effect: Notify, message_id: int) -> None:
        """Rewrite the post; of several edits of one post waiting, a live notice's last one draws it."""
        channel = self._kit.client.get_partial_messageable(effect.channel_id)
        message = channel.get_partial_message(message_id)
        live = self._kit.renderers.is_live(effect.notice)
        key = ("edit", message.id)
        async with self._kit.turns.take(key) as last:
            if live and not last:
                return  # a later edit of this post is waiting, and it draws the post as it is then
            async with self._kit.pacer.slot("message_edit", message.channel.id) as slot:
                if live and self._kit.turns.behind(key):
                    slot.unused()  # a later edit came while this one waited for room: it draws the post
                    return
                post = await self._kit.renderers.render(effect.notice, effect.group_id)
                if post is None:
                    slot.unused()
                    return
                there = await rewrite(message, post)
        hook = self._gone.get(type(effect.notice))
        if not there and hook is not None:
            await hook(effect, message_id)


async def rewrite(message: discord.PartialMessage, post: Post) -> bool:
    """Replace a post's text and buttons with the notice's (a notice without buttons takes them away).

    False: the post was deleted meanwhile (the caller decides whether it comes back).
    """
    try:
        await message.edit(content=post.content, embed=post.embed, view=post.view, allowed_mentions=post.mentions)
    except discord.NotFound as exc:
        if exc.code != UNKNOWN_MESSAGE:
            raise
        return False
    return True
