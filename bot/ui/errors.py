"""Turns any error raised while handling an interaction into one short, honest, ephemeral reply."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import discord
from discord import app_commands

from bot.domain.errors import UserFacingError
from bot.ui.replies import interaction_context, reply

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again in a moment."


def permission_names(permissions: list[str]) -> str:
    """`manage_channels` -> `Manage Channels`, joined for a sentence."""
    names = [name.replace("_", " ").replace("guild", "server").title() for name in permissions]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class BotMissingPermissionsError(UserFacingError):
    """The bot's own role lacks permissions it needs for the action."""

    def __init__(self, permissions: list[str], where: str = "in this server") -> None:
        plural = "s" if len(permissions) > 1 else ""
        super().__init__(
            f"I need the {permission_names(permissions)} permission{plural} {where} to do that. "
            "Ask a server admin to grant it to my role, then try again. Nothing was changed."
        )
        self.permissions = permissions


def message_for(error: BaseException) -> str | None:
    """The member-facing message for an error, or None if it is unexpected (a bug or an outage)."""
    original: BaseException = error
    if isinstance(error, app_commands.CommandInvokeError):
        original = error.original
    elif isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        original = error.__cause__
    if isinstance(original, UserFacingError):
        return original.message
    if isinstance(error, app_commands.MissingPermissions):
        plural = "s" if len(error.missing_permissions) > 1 else ""
        return f"You need the {permission_names(error.missing_permissions)} permission{plural} to use this command."
    if isinstance(error, app_commands.BotMissingPermissions):
        return BotMissingPermissionsError(error.missing_permissions).message
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server channel, not in direct messages."
    if isinstance(error, app_commands.CheckFailure):
        return "You cannot use this command here."
    if isinstance(original, discord.Forbidden):
        return (
            "Discord refused me a permission I need for that. Ask a server admin to check my role's permissions "
            "(Manage Channels, Manage Roles, View Channels, Send Messages), then try again."
        )
    if isinstance(original, discord.RateLimited):
        return "Too much is happening at once right now. Please try again in a minute."
    return None


def stack_without_message(error: BaseException) -> str:
    """Where the error happened, frame by frame, but not its message, which may quote what a member wrote."""
    frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
    return f"Traceback (most recent call last):\n{frames}{type(error).__qualname__}: (message withheld)"


async def handle_interaction_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Reply to the member; log unexpected errors with ids only (never what members wrote)."""
    message = message_for(error)
    if message is None:
        original = getattr(error, "original", error)
        log.error(
            "unexpected error while handling an interaction\n%s",
            stack_without_message(original),
            extra={**interaction_context(interaction), "error": type(original).__name__},
        )
        message = APOLOGY
    await reply(interaction, message, settles=False)


class SetkeeperTree(app_commands.CommandTree[Any]):
    """The command tree, with one error handler for every slash command."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        """Every slash command's errors end here."""
        await handle_interaction_error(interaction, error)
