"""Answers: the reply a command never got (the bot restarted before it could answer), while Discord takes it."""

from __future__ import annotations

import logging

import discord

from bot.domain.effects import Answer
from bot.i18n import render, speaking, t
from bot.ui.effects.base import Kit
from bot.ui.replies import COMMAND_WORDS

log = logging.getLogger(__name__)


class Answers:
    """Carries out `Answer`."""

    def __init__(self, kit: Kit) -> None:
        self._kit = kit

    async def apply(self, effect: Answer) -> None:
        """Tell the person what their command did, in the reply it never got.

        Always tried: Discord, not the local clock, says when the interaction's token has expired (an unknown
        interaction or webhook), and then nobody can answer it any more.
        """
        client = self._kit.client
        application_id = client.application_id
        if application_id is None:
            return
        # A private reply: in the person's language (kept when the command was acknowledged), else the group's.
        language = effect.language or await self._kit.renderers.language(effect.group_id)
        with speaking(language):
            command = COMMAND_WORDS.get(effect.command)  # a button press, a request: else the command itself
            lines = [
                t(
                    "I could not answer you at the time (I may have restarted), but your {command} went through.",
                    command=render(command) if command is not None else effect.command,
                )
            ]
        for notice in effect.done:
            post = await self._kit.renderers.render(notice, effect.group_id, language)
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
            log.info("a lost answer's interaction had expired, Discord says", extra={"group_id": effect.group_id})
