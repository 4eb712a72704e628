"""What every effect handler shares: the client, the pacing, turns per subject, and how notices are drawn."""

from __future__ import annotations

import asyncio
import io
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.domain.effects import Notice
from bot.domain.text import Text
from bot.i18n import render, speaking
from bot.ui.discord_clock import DiscordClock
from bot.ui.pacing import Pacer

UNKNOWN_OVERWRITE = 10009
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_EVENT = 10070


@dataclass(frozen=True)
class Post:
    """A rendered notice: what to send, with whom it may ping."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)
    attachment: tuple[str, str] | None = None  # (file name, text): the whole of what the content had to cut short


LanguageOf = Callable[[int | None], Awaitable[str]]
"""A group's language, by the group's id (None: a notice of no group)."""
Renderer = Callable[[Notice], Post]
LiveRenderer = Callable[[Notice], Awaitable[Post | None]]
"""Draws a notice from the database as it is when carried out (None: its subject is gone, nothing to post)."""


class Renderers:
    """How each kind of notice looks: exactly one renderer per kind, drawn at once or live from the database."""

    def __init__(self, language_of: LanguageOf | None = None) -> None:
        self._fixed: dict[type[Notice], Renderer] = {}
        self._live: dict[type[Notice], LiveRenderer] = {}
        self._language_of = language_of

    def add(self, kinds: Iterable[type[Notice]], renderer: Renderer) -> None:
        """Draw these kinds of notice at once from what the effect carries."""
        for kind in kinds:
            self._free(kind)
            self._fixed[kind] = renderer

    def add_live(self, kinds: Iterable[type[Notice]], renderer: LiveRenderer) -> None:
        """Draw these kinds of notice from the database when carried out."""
        for kind in kinds:
            self._free(kind)
            self._live[kind] = renderer

    def _free(self, kind: type[Notice]) -> None:
        if kind in self._fixed or kind in self._live:
            raise ValueError(f"notice {kind.__qualname__} already has a renderer")

    def is_live(self, notice: Notice) -> bool:
        """Whether the notice is drawn from the database when carried out (only the last edit of a post matters)."""
        return type(notice) in self._live

    async def language(self, group_id: int | None) -> str | None:
        """The language the group reads (None: no way to tell, so English)."""
        return await self._language_of(group_id) if self._language_of is not None else None

    async def words(self, text: Text, group_id: int | None) -> str:
        """A message in the group's language (what the group, or its server's admins, read: an audit log's reason)."""
        with speaking(await self.language(group_id)):
            return render(text)

    async def render(self, notice: Notice, group_id: int | None, language: str | None = None) -> Post | None:
        """The notice as it is to be shown, in the group's language; None when its subject is gone.

        Every notice is something the group reads (a post in its channel) or is sent outside an interaction (a
        direct message): both are drawn in the group's language, never in the language of whoever caused them; but
        the answer to a lost reply is the person's, and passes their `language`.
        """
        with speaking(language or await self.language(group_id)):
            live = self._live.get(type(notice))
            if live is not None:
                return await live(notice)
            renderer = self._fixed.get(type(notice))
            if renderer is None:
                raise RuntimeError(f"no renderer registered for notice {type(notice).__qualname__}")
            return renderer(notice)


class Turns:
    """One at a time per key, in order; whoever gets a turn learns whether anyone is still waiting behind them.

    Effects that are drawn from the database when carried out (access, a live card) need only the last turn:
    three hand-overs in a second become one change on Discord, never every step in between.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: defaultdict[Hashable, int] = defaultdict(int)

    @asynccontextmanager
    async def take(self, key: Hashable) -> AsyncIterator[bool]:
        """Wait for the key's turn; yields True when nobody is waiting behind (this turn is the last so far)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] += 1
        counted = True
        try:
            async with lock:
                self._waiting[key] -= 1
                counted = False
                yield self._waiting[key] == 0
        finally:
            if counted:
                self._waiting[key] -= 1
            if self._waiting[key] == 0 and not lock.locked():
                self._waiting.pop(key, None)
                self._locks.pop(key, None)

    def behind(self, key: Hashable) -> bool:
        """Whether anyone is waiting for the key's next turn (asked while holding a turn)."""
        return self._waiting.get(key, 0) > 0


@dataclass(frozen=True)
class Kit:
    """What the handlers share with the applier: one client, one pacer, one set of turns, one set of renderers.

    `discord_clock`: how far the local clock is from Discord's (None: taken as agreeing).
    """

    client: discord.Client
    pacer: Pacer
    turns: Turns
    renderers: Renderers
    discord_clock: DiscordClock | None = None

    async def send(self, channel: discord.abc.Messageable, post: Post, nonce: str | None = None) -> discord.Message:
        """Post within the bot's global limit (a burst of scheduled posts waits its turn rather than meeting a 429)."""
        options: dict[str, Any] = {"content": post.content, "allowed_mentions": post.mentions}
        if nonce is not None:
            options["nonce"] = nonce
        if post.embed is not None:
            options["embed"] = post.embed
        if post.view is not None:
            options["view"] = post.view
        if post.attachment is not None:
            name, text = post.attachment
            options["file"] = discord.File(io.BytesIO(text.encode()), filename=name)
        async with self.pacer.admit():
            return await channel.send(**options)


def nonce_of(effect_id: int) -> str:
    """The nonce that lets Discord drop a repost of the same notice (a retry after a crash) for a few minutes.

    Past those minutes, `once.Once` looks for the post before it goes again.
    """
    return f"setkeeper-{effect_id}"


async def ignore_missing(call: Awaitable[Any]) -> None:
    """Carry out a delete or edit; something already gone (overwrite, channel, event) needs nothing more."""
    try:
        await call
    except discord.NotFound as exc:
        if exc.code not in (UNKNOWN_OVERWRITE, UNKNOWN_CHANNEL, UNKNOWN_EVENT):
            raise
