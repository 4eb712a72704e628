"""The group names autocomplete offers, kept briefly in memory so that typing never waits on the database."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from bot.domain.groups import name_key

Loader = Callable[[int], Awaitable[list[tuple[int, str]]]]


class GroupNames:
    """Per-guild (id, name) lists, reloaded after `ttl` seconds or when this process changes a group."""

    def __init__(self, load: Loader, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[int, tuple[float, list[tuple[int, str]]]] = {}

    async def matching(self, guild_id: int, typed: str, limit: int = 25) -> list[tuple[int, str]]:
        """Groups whose name contains what was typed, compared as names are (case, spacing and lookalikes ignored)."""
        cached = self._cache.get(guild_id)
        if cached is None or self._clock() - cached[0] > self._ttl:
            cached = (self._clock(), await self._load(guild_id))
            self._cache[guild_id] = cached
        needle = name_key(typed)
        return [(group_id, name) for group_id, name in cached[1] if needle in name_key(name)][:limit]

    def forget(self, guild_id: int) -> None:
        """A group of this guild was created, split off or archived here: reload on next use."""
        self._cache.pop(guild_id, None)
