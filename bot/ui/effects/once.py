"""A post exactly once beyond Discord's memory of its nonce: one whose outcome is unknown is looked for first.

Every post carries its effect's nonce with `enforce_nonce`, so a repost within "a few minutes" returns the first
message. Past that, Discord makes a second one. A post an earlier attempt may have made (the process died waiting
for Discord's answer, or the answer was an error that may have come after the post was made) is therefore looked
for in the channel's recent messages from the bot before it goes again. Discord does not keep a nonce with the
message (a message read back has none), so the post is recognised by what it says: its text, embeds, buttons and
file names, as a digest. A post drawn from the database when carried out notes its digest before it is sent, so it
is recognised whatever has changed since.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import datetime, timedelta

import discord

from bot.services.effects import EffectService, QueuedEffect
from bot.ui.effects.base import Kit, Post, nonce_of

log = logging.getLogger(__name__)

NONCE_TRUSTED = timedelta(minutes=1)
"""Within this of an attempt, Discord surely still remembers the nonce ("a few minutes"): the repost is safe."""
LOOK_BEFORE = timedelta(minutes=1)
"""Margin before the earliest moment the post can have been made (the clocks' measured skew is approximate)."""
LOOK_AT = 100
"""Messages read after that moment (one request): an unknown post is looked for among the first this many."""


def _digest(content: str | None, embeds: list[tuple[str | None, str | None]], ids: list[str], files: list[str]) -> str:
    # Discord trims a message's text; buttons are sorted, as rows may order them otherwise than they were added.
    shape = [(content or "").strip(), embeds, sorted(ids), files]
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()


def digest_of_post(post: Post) -> str:
    """What a post says, as a digest (the same as `digest_of_message` of the message it makes)."""
    embeds = [] if post.embed is None else [(post.embed.title, post.embed.description)]
    ids = [] if post.view is None else [str(getattr(item, "custom_id", None)) for item in post.view.children]
    files = [] if post.attachment is None else [post.attachment[0]]
    return _digest(post.content, embeds, ids, files)


def digest_of_message(message: discord.Message) -> str:
    """What a message read back from Discord says, as a digest."""
    embeds = [(embed.title, embed.description) for embed in message.embeds]
    ids = [
        str(getattr(child, "custom_id", None))
        for row in message.components
        for child in getattr(row, "children", [row])
    ]
    return _digest(message.content, embeds, ids, [attachment.filename for attachment in message.attachments])


class Once:
    """Looks for a post an earlier attempt may have made, and notes what a post drawn from the database says."""

    def __init__(self, kit: Kit, effects: EffectService) -> None:
        self._kit = kit
        self._effects = effects

    async def made(self, channel: discord.abc.Messageable, post: Post, item: QueuedEffect) -> discord.Message | None:
        """The message an earlier attempt made of this post, if it may have made one and Discord forgotten the nonce."""
        tried = item.sent_at or item.created_at
        if not item.reclaimed or tried is None or self._effects.clock.now() - tried < NONCE_TRUSTED:
            return None  # never tried before, or the nonce still returns the first message
        me = self._kit.client.user
        if me is None:
            return None
        digest = item.sent_digest or digest_of_post(post)
        after = discord.Object(discord.utils.time_snowflake(self._discord_time(tried) - LOOK_BEFORE))
        try:
            async with self._kit.pacer.admit():
                recent = [message async for message in channel.history(limit=LOOK_AT, after=after)]
        except discord.Forbidden:
            # Without Read Message History, a second post is the lesser harm than none.
            log.warning("cannot look for an earlier post; it is sent again", extra={"effect_id": item.id})
            return None
        found = next((m for m in recent if m.author.id == me.id and digest_of_message(m) == digest), None)
        if found is not None:
            log.info("a post was found already made; it is not sent again", extra={"effect_id": item.id})
        return found

    async def send(
        self, channel: discord.abc.Messageable, post: Post, item: QueuedEffect, *, live: bool
    ) -> discord.Message:
        """Send the post with the effect's nonce; one drawn from the database notes what it says as it goes.

        The note is written while the post is on its way, not before: a hand-over's ping waits for no write, and a
        process killed in the milliseconds before the note commits is still recognised, from the effect's time and
        the post as drawn again (another post is drawn the same again anyway).
        """
        noting = asyncio.ensure_future(self._effects.sending(item.id, digest_of_post(post))) if live else None
        try:
            return await self._kit.send(channel, post, nonce=nonce_of(item.id))
        finally:
            if noting is not None:
                await noting

    def _discord_time(self, local: datetime) -> datetime:
        clock = self._kit.discord_clock
        return local if clock is None else clock.discord_time(local)
