"""Making and unmaking a group's private channels; nothing is left half-created."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord

from bot.domain.groups import Access, VoiceKind, channel_slug
from bot.services.groups import GroupView
from bot.ui.access import for_the_bot, hidden_from_everyone, overwrite_for, required_to_create
from bot.ui.errors import BotMissingPermissionsError

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(seconds=30)


def require_permissions(guild: discord.Guild, voice: VoiceKind) -> None:
    """Refuse before anything is made if the bot's role lacks a permission it will need."""
    have = guild.me.guild_permissions
    missing = [name for name in required_to_create(voice=voice is not VoiceKind.NONE) if not getattr(have, name)]
    if missing:
        raise BotMissingPermissionsError(missing)


def require_channel_permissions(guild: discord.Guild, group: GroupView) -> None:
    """Refuse before a membership change if the bot can no longer set the group channel's permissions."""
    channel = guild.get_channel(group.text_channel_id or 0)
    if channel is None:
        return
    have = channel.permissions_for(guild.me)
    missing = [name for name in ("view_channel", "manage_roles") if not getattr(have, name)]
    if missing:
        raise BotMissingPermissionsError(missing, where=f"in {channel.mention}")


async def create_channels(guild: discord.Guild, group: GroupView) -> tuple[int, int | None]:
    """Make the private text channel (and the voice or Stage channel) visible to the facilitator and the bot."""
    reason = f"Setkeeper: channels of group {group.id}"
    facilitator = discord.Object(group.facilitator_id)
    text_overwrites = {
        guild.default_role: hidden_from_everyone(voice=False),
        guild.me: for_the_bot(voice=False),
        facilitator: overwrite_for(Access.FACILITATOR, voice=False),
    }
    text = await guild.create_text_channel(
        channel_slug(group.name),
        overwrites=text_overwrites,  # type: ignore[arg-type]
        topic="Private channel of an action learning set, managed by Setkeeper.",
        reason=reason,
    )
    if group.voice_kind is VoiceKind.NONE:
        return text.id, None
    voice_overwrites = {
        guild.default_role: hidden_from_everyone(voice=True),
        guild.me: for_the_bot(voice=True),
        facilitator: overwrite_for(Access.FACILITATOR, voice=True),
    }
    try:
        make = guild.create_stage_channel if group.voice_kind is VoiceKind.STAGE else guild.create_voice_channel
        spoken = await make(group.name, overwrites=voice_overwrites, reason=reason)  # type: ignore[arg-type]
    except discord.HTTPException:
        await delete_quietly(text)
        raise
    return text.id, spoken.id


async def delete_quietly(*channels: discord.abc.GuildChannel | None) -> None:
    """Delete channels made for a group that did not come to be; a channel already gone is fine."""
    for channel in channels:
        if channel is None:
            continue
        try:
            await channel.delete(reason="Setkeeper: undoing an unfinished group")
        except discord.NotFound:
            continue
        except discord.HTTPException as exc:
            log.warning(
                "could not delete an unfinished group's channel", extra={"channel_id": channel.id, "status": exc.status}
            )


def leftovers(guild: discord.Guild, group: GroupView) -> list[discord.abc.GuildChannel]:
    """Channels an earlier, killed process made for a group it never finished: same name, made after the group."""
    names = {channel_slug(group.name), group.name}
    return [
        channel
        for channel in guild.channels
        if channel.name in names and channel.created_at >= group.created_at - CLOCK_SKEW
    ]
