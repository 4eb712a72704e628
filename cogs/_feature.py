"""What the cogs built on group set-up share: answering once effects are carried out, and the group choices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.services.effects import QueuedEffect
from bot.ui.replies import reply
from cogs.groups._views import note

if TYPE_CHECKING:
    from bot.app import Setkeeper

REPLY_PATIENCE = 2.0
"""Seconds a reply waits for its changes on Discord before saying they will follow (Discord paces some of them)."""
PACED_NOTE = "\n(Some of it may take a few more seconds to show.)"


class FeatureCog(commands.Cog):
    """Base of the cogs that work on a group (votes, meetings)."""

    def __init__(self, bot: Setkeeper) -> None:
        self.bot = bot

    async def _finish(self, interaction: discord.Interaction[Any], effects: list[QueuedEffect], message: str) -> None:
        """Reply once Discord has taken the command's effects (or say that it will keep trying)."""
        progress = await self.bot.applier.carried_out_within(effects, REPLY_PATIENCE)
        await reply(interaction, message + (PACED_NOTE if progress.pending else note(progress.failed)))

    async def group_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """The same group choices `/group` offers."""
        groups = self.bot.get_cog("Groups")
        if groups is None:
            return []
        return await groups.group_autocomplete(interaction, current)  # type: ignore[attr-defined,no-any-return]
