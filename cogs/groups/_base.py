"""What every part of the `/group` cog shares: the command group, finding the group a command names, replies."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import UserFacingError
from bot.domain.groups import GROUP_ID_PREFIX
from bot.i18n import msg
from bot.services.effects import QueuedEffect
from bot.services.groups import GroupView
from cogs.groups import _channels
from cogs.groups._names import GroupNames
from cogs.groups._render import name as bold_name
from cogs.groups._repair import ChannelKeeper
from cogs.groups._views import actor_of, answer_when_carried_out

if TYPE_CHECKING:
    from bot.app import Setkeeper

AUTOCOMPLETE_BUDGET = 2.0
GROUP = app_commands.Group(name="group", description="Set up and look after action learning sets", guild_only=True)
FACILITATOR = app_commands.Group(name="facilitator", description="Who facilitates a group", parent=GROUP)
# Discord hides a command by `default_permissions` only at the top level, and members use /group: what only a server
# manager may do (make a group) is a group of its own. A hint a server's admin can change, so the check stays too.
GROUPADMIN = app_commands.Group(
    name="groupadmin",
    description="Make a new group (server managers)",
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
)


class PersonRequiredError(UserFacingError):
    """A bot account was chosen where a person is needed."""


def require_person(user: discord.abc.User) -> None:
    """Bots cannot be members or facilitators."""
    if user.bot:
        raise PersonRequiredError(msg("{bot} is a bot. Choose a person.", bot=user.mention))


class GroupsBase(commands.Cog):
    """The state and helpers every part of the cog uses; the parts are mixed into `Groups`."""

    def __init__(self, bot: Setkeeper) -> None:
        self.bot = bot
        self.groups = bot.services.groups
        self.names = GroupNames(self.groups.names)
        self.keeper = ChannelKeeper(bot)

    async def _target(self, interaction: discord.Interaction[Any], ref: str | None) -> GroupView:
        """The group, once it is sure its channels are all there (else the way to repair it is the answer)."""
        target = await self.groups.resolve(interaction.guild_id or 0, ref, interaction.channel_id)
        await self.keeper.require_channels(self._guild(interaction), target)
        return target

    async def _changeable(self, interaction: discord.Interaction[Any], ref: str | None) -> GroupView:
        """The group, once it is sure the bot can still set its channel's permissions (nothing half-done)."""
        target = await self._target(interaction, ref)
        _channels.require_channel_permissions(self._guild(interaction), target)
        return target

    async def _facilitated(self, interaction: discord.Interaction[Any], ref: str | None) -> GroupView:
        """The group, once the person is known to facilitate it: refusals come before any confirmation panel."""
        target = await self.groups.facilitated(
            interaction.guild_id or 0, actor_of(interaction), ref, interaction.channel_id
        )
        _channels.require_channel_permissions(self._guild(interaction), target)
        return target

    async def _finish(self, interaction: discord.Interaction[Any], effects: list[QueuedEffect], message: str) -> None:
        await answer_when_carried_out(self.bot, interaction, effects, message)

    def _guild(self, interaction: discord.Interaction[Any]) -> discord.Guild:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        return interaction.guild

    async def group_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Groups of this server whose name contains what was typed; answers within Discord's 3 seconds."""
        try:
            found = await asyncio.wait_for(self.names.matching(interaction.guild_id or 0, current), AUTOCOMPLETE_BUDGET)
        except (TimeoutError, UserFacingError):
            return []
        return [app_commands.Choice(name=name, value=f"{GROUP_ID_PREFIX}{group_id}") for group_id, name in found]


def name_of(group: GroupView) -> str:
    """A group's name for a reply: bold, escaped."""
    return bold_name(group.name)
