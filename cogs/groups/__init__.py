"""Group set-up: the `/group` commands and their buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from discord.ext import commands

from cogs.groups._cog import Groups

if TYPE_CHECKING:
    from bot.app import Setkeeper


async def setup(bot: commands.Bot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(Groups(cast("Setkeeper", bot)))
