"""Privacy: the `/privacy` commands (export, forget, info)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from discord.ext import commands

from cogs.privacy._cog import Privacy

if TYPE_CHECKING:
    from bot.app import Setkeeper


async def setup(bot: commands.Bot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(Privacy(cast("Setkeeper", bot)))
