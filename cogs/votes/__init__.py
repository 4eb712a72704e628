"""Bids and the vote: the `/bid` and `/vote` commands, the vote card and the private ballot."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from discord.ext import commands

from cogs.votes._cog import Votes

if TYPE_CHECKING:
    from bot.app import Setkeeper


async def setup(bot: commands.Bot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(Votes(cast("Setkeeper", bot)))
