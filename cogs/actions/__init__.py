"""Actions between meetings: the `/action` commands and the report form."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from discord.ext import commands

from cogs.actions._cog import Actions

if TYPE_CHECKING:
    from bot.app import Setkeeper


async def setup(bot: commands.Bot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(Actions(cast("Setkeeper", bot)))
