"""Reminders between meetings: the `/reminder` commands, the scheduled posts and their buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from discord.ext import commands

from cogs.reminders._cog import Reminders

if TYPE_CHECKING:
    from bot.app import Setkeeper


async def setup(bot: commands.Bot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(Reminders(cast("Setkeeper", bot)))
