"""One way to answer an interaction, whatever state it is in: fresh, deferred, answered or expired."""

from __future__ import annotations

import logging
from typing import Any, cast

import discord

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


def interaction_context(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    """Ids that locate an interaction in a log line; never anything a member wrote."""
    command = interaction.command.qualified_name if interaction.command else None
    data = cast("dict[str, Any]", interaction.data or {})
    custom_id = data.get("custom_id") if interaction.type is discord.InteractionType.component else None
    return {
        "guild_id": interaction.guild_id,
        "channel_id": interaction.channel_id,
        "user_id": interaction.user.id,
        "command": command,
        "custom_id": custom_id,
    }


async def defer(interaction: discord.Interaction[Any], *, ephemeral: bool = True) -> None:
    """Acknowledge within Discord's three seconds, before any database or Discord work."""
    if not interaction.response.is_done():
        try:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        except discord.NotFound:
            log.warning("interaction expired before it could be deferred", extra=interaction_context(interaction))


async def reply(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = True,
    mentions: discord.AllowedMentions = NO_MENTIONS,
) -> None:
    """Send the answer as the first response or as a follow-up; log (never raise) if Discord no longer takes it."""
    if interaction.is_expired():
        log.warning("interaction expired before its reply", extra=interaction_context(interaction))
        return
    options: dict[str, Any] = {"content": content, "ephemeral": ephemeral, "allowed_mentions": mentions}
    if embed is not None:
        options["embed"] = embed
    if view is not None:
        options["view"] = view
    try:
        if interaction.response.is_done():
            await interaction.followup.send(**options)
        else:
            await interaction.response.send_message(**options)
    except discord.HTTPException as exc:
        log.warning("reply refused by Discord", extra={**interaction_context(interaction), "status": exc.status})
