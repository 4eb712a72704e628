"""One way to answer an interaction, whatever state it is in: fresh, deferred, answered or expired.

Discord, not the local clock, says when an interaction has expired: a reply is always tried, and Discord's
"unknown interaction" (10062), "unknown webhook" (10015) or "already acknowledged" (40060) is the sign. A local
clock minutes ahead of Discord's would otherwise take every interaction for expired and answer none.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol, cast, runtime_checkable

import discord

from bot.domain.text import msg
from bot.i18n import reading
from bot.services.effects import answering, current_answering

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060
EXPIRED_CODES = frozenset({UNKNOWN_WEBHOOK, UNKNOWN_INTERACTION, ALREADY_ACKNOWLEDGED})
BUTTON_PRESS = msg("button press")
REQUEST = msg("request")
COMMAND_WORDS = {text.key: text for text in (BUTTON_PRESS, REQUEST)}
"""What a lost answer calls something that was not a slash command, by the name stored with the answer (its key)."""


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


@runtime_checkable
class SettlesAnswers(Protocol):
    """The bot: forgets a command's stored answer once the command has replied."""

    async def settle_answers(self, effect_ids: list[int]) -> None:
        """The command replied; its stored answers are not needed."""


def _command_name(interaction: discord.Interaction[Any]) -> str:
    """How a lost answer names what the person did: the command, or the button they pressed."""
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    return (BUTTON_PRESS if interaction.type is discord.InteractionType.component else REQUEST).key


async def defer(interaction: discord.Interaction[Any], *, ephemeral: bool = True) -> None:
    """Acknowledge within Discord's three seconds, before any database or Discord work.

    From here on, a decision this task commits also stores how to answer the person, should the reply be lost.
    """
    answering(interaction.token, _command_name(interaction), reading())
    if not interaction.response.is_done():
        try:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        except discord.HTTPException as exc:
            if exc.code not in EXPIRED_CODES:
                raise
            log.warning(
                "interaction expired before it could be deferred, Discord says",
                extra={**interaction_context(interaction), "code": exc.code},
            )


async def reply(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    files: list[discord.File] | None = None,
    ephemeral: bool = True,
    mentions: discord.AllowedMentions = NO_MENTIONS,
    settles: bool = True,
) -> None:
    """Send the answer as the first response or as a follow-up; log (never raise) if Discord no longer takes it.

    `settles=False` for an error: if a decision did commit before it, the stored answer still tells the person so.
    Never skipped by the local clock's reckoning of the interaction's age (see the module's docstring).
    """
    options: dict[str, Any] = {"content": content, "ephemeral": ephemeral, "allowed_mentions": mentions}
    if embed is not None:
        options["embed"] = embed
    if view is not None:
        options["view"] = view
    if file is not None:
        options["file"] = file
    if files is not None:
        options["files"] = files
    try:
        if interaction.response.is_done():
            await interaction.followup.send(**options)
        else:
            await interaction.response.send_message(**options)
    except discord.HTTPException as exc:
        log.warning(
            "interaction expired, Discord says" if exc.code in EXPIRED_CODES else "reply refused by Discord",
            extra={**interaction_context(interaction), "status": exc.status, "code": exc.code},
        )
        return
    if settles:
        await settle(interaction)


async def settle(interaction: discord.Interaction[Any]) -> None:
    """The person has their answer: forget the stored one (a lost reply is sent from it later)."""
    command = current_answering()
    if command is None or command.token != interaction.token or not command.answer_ids:
        return
    ids, command.answer_ids = list(command.answer_ids), []
    if isinstance(interaction.client, SettlesAnswers):
        await interaction.client.settle_answers(ids)


def message_link(guild_id: int, channel_id: int | None, message_id: int | None) -> str | None:
    """A link that opens a message in Discord (None when it is not known)."""
    if channel_id is None or message_id is None:
        return None
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
