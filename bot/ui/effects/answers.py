"""Answers: the reply a command never got (the bot restarted before it could answer), while its token lives."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import discord

from bot.domain.clock import Clock
from bot.domain.effects import Answer
from bot.ui.effects.base import Kit

log = logging.getLogger(__name__)

TOKEN_LIFETIME = timedelta(minutes=15)
LOST_ANSWER = "I could not answer you at the time (I may have restarted), but your {command} went through."


class Answers:
    """Carries out `Answer`."""

    def __init__(self, kit: Kit, clock: Clock) -> None:
        self._kit = kit
        self._clock = clock

    async def apply(self, effect: Answer, created_at: datetime | None) -> None:
        """Tell the person what their command did, in the reply it never got; past the token's life, nobody can."""
        client = self._kit.client
        application_id = client.application_id
        if application_id is None or created_at is None or self._clock.now() - created_at > TOKEN_LIFETIME:
            return
        lines = [LOST_ANSWER.format(command=effect.command)]
        for notice in effect.done:
            post = await self._kit.renderers.render(notice)
            if post is not None and post.content:
                lines.append(f"- {post.content}")
        webhook = discord.Webhook.partial(application_id, effect.token, client=client)
        try:
            await webhook.edit_message(  # type: ignore[call-overload]
                "@original",  # Discord's name for an interaction's first reply
                content="\n".join(lines)[:2000],
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.NotFound:
            log.info("a lost answer's interaction had expired", extra={"group_id": effect.group_id})
