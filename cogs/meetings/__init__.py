"""The meeting: `/meeting`, `/done`, `/pass`, `/hand`, the floor card and the meeting's forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from discord.ext import commands

from cogs.meetings._cog import Meetings

if TYPE_CHECKING:
    from bot.app import Setkeeper


async def setup(bot: commands.Bot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(Meetings(cast("Setkeeper", bot)))
