"""Posts: a notice posted in a group's channel, once, its message remembered when a feature asks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.domain.effects import Notice, Notify
from bot.services.effects import EffectService, QueuedEffect
from bot.ui.effects.base import Kit
from bot.ui.effects.once import Once

Posted = Callable[[Notify, int], Awaitable[None]]


class Posts:
    """Carries out a `Notify` that posts something new."""

    def __init__(self, kit: Kit, effects: EffectService) -> None:
        self._kit = kit
        self._once = Once(kit, effects)
        self._posted: dict[type[Notice], Posted] = {}

    def when_posted(self, kind: type[Notice], remember: Posted) -> None:
        """Have `remember(effect, message_id)` called once a notice of this kind is posted."""
        if kind in self._posted:
            raise ValueError(f"notice {kind.__qualname__} already has a listener")
        self._posted[kind] = remember

    async def apply(self, effect: Notify, item: QueuedEffect) -> None:
        """Post the notice with the effect's nonce, within the channel's limit, unless an earlier attempt made it."""
        post = await self._kit.renderers.render(effect.notice, effect.group_id)
        if post is None:
            return
        channel = self._kit.client.get_partial_messageable(effect.channel_id)
        message = await self._once.made(channel, post, item)
        if message is None:
            async with self._kit.pacer.slot("message_create", effect.channel_id):
                message = await self._once.send(channel, post, item, live=self._kit.renderers.is_live(effect.notice))
        remember = self._posted.get(type(effect.notice))
        if remember is not None:
            await remember(effect, message.id)
