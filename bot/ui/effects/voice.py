"""A voice edit (server mute, Stage suppress) within its limit, telling the applier when the floor lags."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

import discord

from bot.domain.effects import SetMute
from bot.services.voice import STAGE
from bot.ui.effects.base import Kit

LAG_AFTER = 1.0
"""Seconds a voice edit may take (waiting for room, or discord.py retrying a 429 or 5xx) before the floor lags."""
LateIs = Callable[..., None]
"""`late_is(group_id, user_id, late=...)`: the applier's record of whose voice edit is late."""


def voice_of(client: discord.Client, guild_id: int, user_id: int) -> discord.VoiceState | None:
    """The person's voice state as the gateway last showed it (None: not in voice, or not known)."""
    guild = client.get_guild(guild_id)
    member = guild.get_member(user_id) if guild is not None else None
    return member.voice if member is not None else None


async def voice_edit(
    kit: Kit,
    late_is: LateIs,
    effect: SetMute,
    kind: str,
    scope: Hashable,
    edit: Callable[[], Awaitable[Any]],
    gone: int,
) -> bool:
    """One voice edit within its limit; False if not made (the person is gone from voice: Discord's `gone`).

    An edit that had to wait for room is dropped when a later effect for the person came meanwhile: the floor
    moved on, and that effect decides (the ledger row stays until the change is undone). One that takes longer
    than LAG_AFTER (held back here, or retried by discord.py after a 429 or 5xx) makes the floor lag until an
    effect for the person is carried out; one that fails keeps it lagging until then (the applier).
    """
    key = (STAGE if effect.stage else "mute", effect.guild_id, effect.user_id)
    late = asyncio.get_running_loop().call_later(
        LAG_AFTER, functools.partial(late_is, effect.group_id, effect.user_id, late=True)
    )
    try:
        async with kit.pacer.slot(kind, scope) as slot:
            if slot.waited and kit.turns.behind(key):
                slot.unused()
                return False
            try:
                await edit()
            except discord.HTTPException as exc:
                if exc.code == gone:
                    return False
                raise
    finally:
        late.cancel()
    return True
