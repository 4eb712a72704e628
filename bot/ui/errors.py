"""Turns any error raised while handling an interaction into one short, honest, ephemeral reply."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import discord
from discord import app_commands

from bot.domain.errors import UserFacingError
from bot.domain.text import Param, Text, msg, msgn
from bot.domain.words import listed
from bot.i18n import render, t, tn
from bot.ui.replies import interaction_context, reply

log = logging.getLogger(__name__)

APOLOGY = msg("Sorry, something went wrong on my side. It has been logged; please try again in a moment.")

PERMISSION_NAMES: dict[str, Text] = {
    "view_channel": msg("View Channel"),
    "send_messages": msg("Send Messages"),
    "read_message_history": msg("Read Message History"),
    "embed_links": msg("Embed Links"),
    "attach_files": msg("Attach Files"),
    "add_reactions": msg("Add Reactions"),
    "manage_channels": msg("Manage Channels"),
    "manage_roles": msg("Manage Roles"),
    "manage_messages": msg("Manage Messages"),
    "manage_threads": msg("Manage Threads"),
    "create_public_threads": msg("Create Public Threads"),
    "create_private_threads": msg("Create Private Threads"),
    "send_messages_in_threads": msg("Send Messages In Threads"),
    "connect": msg("Connect"),
    "speak": msg("Speak"),
    "mute_members": msg("Mute Members"),
    "move_members": msg("Move Members"),
    "manage_events": msg("Manage Events"),
    "create_events": msg("Create Events"),
    "manage_guild": msg("Manage Server"),
    "administrator": msg("Administrator"),
}
"""A permission in the reader's language, as Discord's own client names it there ("Kanäle verwalten" in German)."""


def permission_name(permission: str) -> Param:
    """`manage_channels` -> `Manage Channels` (any other by its flag's words, as Discord's English names it)."""
    return PERMISSION_NAMES.get(permission) or permission.replace("_", " ").replace("guild", "server").title()


def permission_names(permissions: list[str]) -> str:
    """`manage_channels` -> `Manage Channels`, joined for a sentence, in the reader's language."""
    return str(_permissions(permissions))


def _permissions(permissions: list[str]) -> Param:
    return listed([permission_name(name) for name in permissions])


IN_THIS_SERVER = msg("in this server")


class BotMissingPermissionsError(UserFacingError):
    """The bot's own role lacks permissions it needs for the action."""

    def __init__(self, permissions: list[str], where: Param = IN_THIS_SERVER) -> None:
        super().__init__(
            msgn(
                "I need the {permissions} permission {where} to do that. "
                "Ask a server admin to grant it to my role, then try again. Nothing was changed.",
                "I need the {permissions} permissions {where} to do that. "
                "Ask a server admin to grant it to my role, then try again. Nothing was changed.",
                len(permissions),
                permissions=_permissions(permissions),
                where=where,
            )
        )
        self.permissions = permissions


def message_for(error: BaseException) -> str | None:
    """The member-facing message for an error, or None if it is unexpected (a bug or an outage).

    In the language of whoever reads it now (the person who acted).
    """
    original: BaseException = error
    if isinstance(error, app_commands.CommandInvokeError):
        original = error.original
    elif isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        original = error.__cause__
    if isinstance(original, UserFacingError):
        return original.message
    if isinstance(error, app_commands.MissingPermissions):
        missing = error.missing_permissions
        return tn(
            "You need the {permissions} permission to use this command.",
            "You need the {permissions} permissions to use this command.",
            len(missing),
            permissions=_permissions(missing),
        )
    if isinstance(error, app_commands.BotMissingPermissions):
        return BotMissingPermissionsError(error.missing_permissions).message
    if isinstance(error, app_commands.NoPrivateMessage):
        return t("This command works in a server channel, not in direct messages.")
    if isinstance(error, app_commands.CheckFailure):
        return t("You cannot use this command here.")
    if isinstance(original, discord.Forbidden):
        return t(
            "Discord refused me a permission I need for that. Ask a server admin to check my role's permissions "
            "(Manage Channels, Manage Roles, View Channels, Send Messages), then try again."
        )
    if isinstance(original, discord.RateLimited):
        return t("Too much is happening at once right now. Please try again in a minute.")
    return None


def stack_without_message(error: BaseException) -> str:
    """Where the error happened, frame by frame as Python lists them, but not its message (it may quote a member)."""
    return "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))


async def handle_interaction_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Reply to the member; log unexpected errors with ids only (never what members wrote)."""
    message = message_for(error)
    if message is None:
        original = getattr(error, "original", error)
        log.error(
            "unexpected error while handling an interaction\nTraceback (most recent call last):\n%s%s: "
            "(message withheld)",
            stack_without_message(original),
            type(original).__qualname__,
            extra={**interaction_context(interaction), "error": type(original).__name__},
        )
        message = render(APOLOGY)
    await reply(interaction, message, settles=False)


class SetkeeperTree(app_commands.CommandTree[Any]):
    """The command tree, with one error handler for every slash command."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        """Every slash command's errors end here."""
        await handle_interaction_error(interaction, error)
