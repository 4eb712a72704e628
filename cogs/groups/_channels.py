"""Making and unmaking a group's private channels; each is recorded as it is made, and only recorded ids deleted."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

from bot.domain.groups import Access, VoiceKind, channel_slug
from bot.i18n import msg, render, t
from bot.services.groups import GroupView
from bot.ui.access import for_the_bot, hidden_from_everyone, overwrite_for, required_to_create
from bot.ui.errors import BotMissingPermissionsError

log = logging.getLogger(__name__)

TOPIC = msg("Private channel of an action learning set, managed by Setkeeper.")
"""The text channel's topic, in the group's language."""
Record = Callable[[int, bool], Awaitable[None]]
"""Stores a channel's id (and whether it is the voice or Stage one) before anything else happens."""


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
        raise BotMissingPermissionsError(missing, where=t("in {channel}", channel=channel.mention))


async def missing_channels(guild: discord.Guild, group: GroupView) -> list[int]:
    """Ids of the group's channels that no longer exist: absent from the cache, and Discord says Unknown Channel."""
    ids = [group.text_channel_id, group.voice_channel_id if group.voice_kind is not VoiceKind.NONE else None]
    missing = []
    for channel_id in ids:
        if channel_id is None or guild.get_channel(channel_id) is not None:
            continue
        try:
            await guild.fetch_channel(channel_id)
        except discord.NotFound:
            missing.append(channel_id)
        except discord.HTTPException:
            continue  # unknown (no access, Discord down): not proof that it is gone
    return missing


def _reason(group: GroupView) -> str:
    """The audit log's reason for a group's channel, in the group's language (as every other reason the bot gives)."""
    return render(msg("Setkeeper: channels of group {id}", id=group.id), group.settings.language)


def _undoing() -> str:
    """The audit log's reason for deleting the channels of a group that did not come to be."""
    return t("Setkeeper: undoing an unfinished group")


async def make_text(guild: discord.Guild, group: GroupView) -> discord.TextChannel:
    """The private text channel, visible to the facilitator and the bot (members are let in afterwards)."""
    overwrites = {
        guild.default_role: hidden_from_everyone(voice=False),
        guild.me: for_the_bot(voice=False),
        discord.Object(group.facilitator_id): overwrite_for(Access.FACILITATOR, voice=False),
    }
    return await guild.create_text_channel(
        channel_slug(group.name),
        overwrites=overwrites,  # type: ignore[arg-type]
        topic=render(TOPIC, group.settings.language),
        reason=_reason(group),
    )


async def make_spoken(guild: discord.Guild, group: GroupView) -> discord.VoiceChannel | discord.StageChannel:
    """The private voice or Stage channel, visible to the facilitator and the bot."""
    overwrites = {
        guild.default_role: hidden_from_everyone(voice=True),
        guild.me: for_the_bot(voice=True),
        discord.Object(group.facilitator_id): overwrite_for(Access.FACILITATOR, voice=True),
    }
    make = guild.create_stage_channel if group.voice_kind is VoiceKind.STAGE else guild.create_voice_channel
    return await make(group.name, overwrites=overwrites, reason=_reason(group))  # type: ignore[arg-type]


async def create_channels(guild: discord.Guild, group: GroupView, record: Record) -> tuple[int, int | None]:
    """Make the group's channels one at a time, recording each before making the next; undo them on failure."""
    text = await make_text(guild, group)
    spoken: discord.abc.GuildChannel | None = None
    try:
        await record(text.id, False)
        if group.voice_kind is VoiceKind.NONE:
            return text.id, None
        spoken = await make_spoken(guild, group)
        await record(spoken.id, True)
    except BaseException:
        await delete_quietly(text, spoken)
        raise
    return text.id, spoken.id


async def delete_quietly(*channels: discord.abc.GuildChannel | None) -> None:
    """Delete channels made for a group that did not come to be; a channel already gone is fine."""
    for channel in channels:
        if channel is None:
            continue
        try:
            await channel.delete(reason=_undoing())
        except discord.NotFound:
            continue
        except discord.HTTPException as exc:
            log.warning(
                "could not delete an unfinished group's channel", extra={"channel_id": channel.id, "status": exc.status}
            )


async def delete_recorded(http: discord.http.HTTPClient, *channel_ids: int | None) -> None:
    """Delete channels by the ids a half-made group recorded (cache or not); one already gone is fine."""
    for channel_id in channel_ids:
        if channel_id is None:
            continue
        try:
            await http.delete_channel(channel_id, reason=_undoing())
        except discord.NotFound:
            continue
        except discord.HTTPException as exc:
            log.warning(
                "could not delete an unfinished group's channel", extra={"channel_id": channel_id, "status": exc.status}
            )
