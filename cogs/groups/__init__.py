"""Group set-up: the `/group` commands and their buttons."""

from __future__ import annotations

from discord.ext import commands

from cogs.groups._cog import Groups


async def setup(bot: commands.Bot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(Groups(bot))
