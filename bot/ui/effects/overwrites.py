"""Overwrites: bring a person's permission overwrites in a group's channels into line with the database.

Only what differs from what Discord has is written: what this process last wrote, else what the gateway shows (so a
restart rewrites nothing that is already right). In a text channel the floor is taken before it is given: before
someone is let post, anyone else Discord still lets post whom the database no longer does is shut out first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Literal

import discord

from bot.domain.effects import SetAccess
from bot.domain.groups import Access
from bot.domain.text import msg
from bot.ui.access import overwrite_for
from bot.ui.effects.base import Kit, ignore_missing

MEMBER_OVERWRITE: Literal[1] = 1
REASON = msg("Setkeeper: access")
"""The audit log's reason for a change of someone's overwrite."""
SEND_MESSAGES = discord.Permissions(send_messages=True).value
AccessOf = Callable[[int, int], Awaitable[Access | None]]
OverwriteOf = Callable[[int], tuple[discord.Permissions, discord.Permissions]]
"""A member's overwrite in a channel as Discord last showed it, as (allow, deny); both empty when there is none."""
Pair = tuple[int, int] | None
"""An overwrite as (allow, deny) values; None for no overwrite at all."""


def _pair(overwrite: discord.PermissionOverwrite | None) -> Pair:
    if overwrite is None:
        return None
    allow, deny = overwrite.pair()
    return (allow.value, deny.value)


def _posts(pair: Pair) -> bool:
    return pair is not None and bool(pair[0] & SEND_MESSAGES)


class Overwrites:
    """Carries out `SetAccess`, writing only what Discord does not already have."""

    def __init__(self, kit: Kit, access_of: AccessOf) -> None:
        self._kit = kit
        self._access_of = access_of
        # What this process last wrote to each (channel, member) overwrite, as (allow, deny), None for deleted: a
        # write that would change nothing is not sent. Forgotten when Discord shows something else (`seen`).
        self._written: defaultdict[int, dict[int, Pair]] = defaultdict(dict)
        # Whose overwrite failed to be written, by group, until one is written (or the applier gives up on it).
        self._unsettled: defaultdict[int, set[int]] = defaultdict(set)

    def unsettled(self, group_id: int) -> bool:
        """Whether an overwrite of the group failed and is yet to be written: Discord does not show the stored floor."""
        return bool(self._unsettled.get(group_id))

    def give_up(self, group_id: int, user_id: int) -> None:
        """The applier stopped trying the person's access change soon (it is left to the slow retries)."""
        self._settled(group_id, user_id)

    def _settled(self, group_id: int, user_id: int) -> None:
        unsettled = self._unsettled.get(group_id)
        if unsettled is not None:
            unsettled.discard(user_id)
            if not unsettled:
                del self._unsettled[group_id]

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
                while True:
                    gives = not voice and access is not None and _posts(_pair(overwrite_for(access, voice=False)))
                    if gives:
                        await self._take_from_others(effect.group_id, channel_id, effect.user_id)
                    async with self._kit.pacer.slot("overwrite", channel_id) as slot:
                        if slot.waited:  # held back by the channel's limit: the floor may have moved on meanwhile
                            access = await self._access_of(effect.group_id, effect.user_id)
                        if access is None:
                            slot.unused()
                            return
                        wanted = overwrite_for(access, voice=voice)
                        if not voice and _posts(_pair(wanted)) and not gives:
                            slot.unused()  # the floor came to them while waiting: the others first
                            continue
                        if not await self._put(effect.group_id, channel_id, effect.user_id, wanted):
                            slot.unused()
                    break

    async def _take_from_others(self, group_id: int, channel_id: int, user_id: int) -> None:
        """Shut out of the channel anyone Discord still lets post whom the database no longer does.

        A failure raises: the floor is not given while someone else still holds it.
        """
        me = self._kit.client.user
        for other in self._posting(channel_id) - {user_id, me.id if me is not None else 0}:
            access = await self._access_of(group_id, other)
            if access is None or access is Access.NONE:
                continue  # not the group's (a moderator's own overwrite), or the group is gone: not ours to change
            wanted = overwrite_for(access, voice=False)
            if _posts(_pair(wanted)):
                continue  # the facilitator, or someone whose floor it still is
            async with self._kit.pacer.slot("overwrite", channel_id) as slot:
                if not await self._put(group_id, channel_id, other, wanted):
                    slot.unused()

    def _posting(self, channel_id: int) -> set[int]:
        """Members whose own overwrite lets them post here: as this process wrote it, else as Discord shows it."""
        written = self._written.get(channel_id, {})
        shown = {user_id: pair for user_id, pair in (self._shown(channel_id) or {}).items() if user_id not in written}
        return {user_id for user_id, pair in {**shown, **written}.items() if _posts(pair)}

    def _shown(self, channel_id: int) -> dict[int, Pair] | None:
        """Every member overwrite of the channel as the gateway last showed it (None: the channel is not known)."""
        channel = self._kit.client.get_channel(channel_id)
        if not isinstance(channel, discord.abc.GuildChannel):
            return None
        return {
            target.id: _pair(overwrite)
            for target, overwrite in channel.overwrites.items()
            if not isinstance(target, discord.Role)
        }

    async def _put(
        self, group_id: int, channel_id: int, user_id: int, overwrite: discord.PermissionOverwrite | None
    ) -> bool:
        """Write the member's overwrite unless Discord has it already; returns whether a call was made."""
        wanted = _pair(overwrite)
        written = self._written[channel_id]
        if user_id in written:
            known, has = True, written[user_id]
        else:
            shown = self._shown(channel_id)
            known, has = shown is not None, (shown or {}).get(user_id)
        if known and has == wanted:
            written[user_id] = wanted
            self._settled(group_id, user_id)
            return False
        written.pop(user_id, None)  # unknown until Discord answers
        http = self._kit.client.http
        try:
            reason = await self._kit.renderers.words(REASON, group_id)
            if overwrite is None:
                await ignore_missing(http.delete_channel_permissions(channel_id, user_id, reason=reason))
            else:
                allow, deny = overwrite.pair()
                await http.edit_channel_permissions(
                    channel_id, user_id, str(allow.value), str(deny.value), MEMBER_OVERWRITE, reason=reason
                )
        except Exception:
            self._unsettled[group_id].add(user_id)
            raise
        written[user_id] = wanted
        self._settled(group_id, user_id)
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
