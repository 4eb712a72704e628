"""Overwrites: bring a person's permission overwrites in a group's channels into line with the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Literal

import discord

from bot.domain.effects import SetAccess
from bot.domain.groups import Access
from bot.ui.access import overwrite_for
from bot.ui.effects.base import Kit, ignore_missing

MEMBER_OVERWRITE: Literal[1] = 1
AccessOf = Callable[[int, int], Awaitable[Access | None]]
OverwriteOf = Callable[[int], tuple[discord.Permissions, discord.Permissions]]
"""A member's overwrite in a channel as Discord last showed it, as (allow, deny); both empty when there is none."""


class Overwrites:
    """Carries out `SetAccess`, writing only what this process has not already written."""

    def __init__(self, kit: Kit, access_of: AccessOf) -> None:
        self._kit = kit
        self._access_of = access_of
        # What this process last wrote to each (channel, member) overwrite, as (allow, deny), None for deleted: a
        # write that would change nothing is not sent. Forgotten when Discord shows something else (`seen`).
        self._written: defaultdict[int, dict[int, tuple[int, int] | None]] = defaultdict(dict)

    async def apply(self, effect: SetAccess) -> None:
        """Write the person's overwrites in the group's text (and voice) channel for their access now."""
        # The effect says whose access to bring into line, not what it was when queued: the database decides now,
        # so an older effect retried after a newer one can never give back access that was taken away.
        async with self._kit.turns.take(("access", effect.group_id, effect.user_id)) as last:
            if not last:
                return  # a later effect for this person is waiting: only the final floor is carried out
            access = await self._access_of(effect.group_id, effect.user_id)
            targets: list[tuple[int, bool]] = [(effect.text_channel_id, False)]
            if effect.voice_channel_id is not None:
                targets.append((effect.voice_channel_id, True))
            for channel_id, voice in targets:
                async with self._kit.pacer.slot("overwrite", channel_id) as slot:
                    if slot.waited:  # held back by the channel's limit: the floor may have moved on meanwhile
                        access = await self._access_of(effect.group_id, effect.user_id)
                    if access is None:
                        slot.unused()
                        return
                    if not await self._put(channel_id, effect.user_id, overwrite_for(access, voice=voice)):
                        slot.unused()

    async def _put(self, channel_id: int, user_id: int, overwrite: discord.PermissionOverwrite | None) -> bool:
        """Write the member's overwrite unless this process already did; returns whether a call was made."""
        wanted = None if overwrite is None else (overwrite.pair()[0].value, overwrite.pair()[1].value)
        written = self._written[channel_id]
        if user_id in written and written[user_id] == wanted:
            return False
        written.pop(user_id, None)  # unknown until Discord answers
        http = self._kit.client.http
        if overwrite is None:
            await ignore_missing(http.delete_channel_permissions(channel_id, user_id, reason="Setkeeper: access"))
        else:
            allow, deny = overwrite.pair()
            await http.edit_channel_permissions(
                channel_id, user_id, str(allow.value), str(deny.value), MEMBER_OVERWRITE, reason="Setkeeper: access"
            )
        written[user_id] = wanted
        return True

    def forget(self) -> None:
        """Forget every overwrite this process wrote (after a re-identify, channel updates may have been missed)."""
        self._written.clear()

    def seen(self, channel_id: int, overwrite_of: OverwriteOf) -> None:
        """Discord showed a channel's overwrites (a channel update): forget what no longer matches them.

        Someone else (a moderator, another process) may have changed an overwrite: the next write is then sent
        whatever this process wrote last. A late echo of an older write of ours only costs one write. Only the
        members this process wrote for are looked up: resolving every overwrite of a busy channel costs more.
        """
        written = self._written.get(channel_id, {})
        for user_id in list(written):
            allow, deny = overwrite_of(user_id)
            seen = (allow.value, deny.value)
            if seen != (written[user_id] or (0, 0)):  # no overwrite at all reads as an empty one
                del written[user_id]
