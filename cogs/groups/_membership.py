"""Membership commands: add, remove, join, leave, info, move."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.i18n import t, tn
from bot.ui.replies import defer, reply
from cogs.groups._base import GROUP, GroupsBase, name_of, require_person
from cogs.groups._render import info_embed
from cogs.groups._views import actor_of


class MembershipCommands(GroupsBase):
    """Who is in a group."""

    @GROUP.command(name="add", description="Add a member to a group (facilitator)")
    @app_commands.describe(member="Who to add", group="The group (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def add(
        self, interaction: discord.Interaction[Any], member: discord.Member, group: str | None = None
    ) -> None:
        """Add a member; they see the channel and must accept the ground rules before posting."""
        await defer(interaction)
        require_person(member)
        target = await self._changeable(interaction, group)
        outcome = await self.groups.add_member(target.guild_id, actor_of(interaction), target.id, member.id)
        await self._finish(
            interaction,
            outcome.effects,
            t(
                "Added {person} to {group}. They will be asked to accept the ground rules.",
                person=member.mention,
                group=name_of(target),
            ),
        )

    @GROUP.command(name="remove", description="Remove a member from a group (facilitator)")
    @app_commands.describe(member="Who to remove", group="The group (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def remove(
        self, interaction: discord.Interaction[Any], member: discord.User, group: str | None = None
    ) -> None:
        """Remove a member and their access to the group's channels."""
        await defer(interaction)
        target = await self._changeable(interaction, group)
        outcome = await self.groups.remove_member(target.guild_id, actor_of(interaction), target.id, member.id)
        message = t("Removed {person} from {group}.", person=member.mention, group=name_of(target))
        if outcome.value.below_minimum:
            message += " " + tn(
                "The group now has {n} member, fewer than its minimum: add members.",
                "The group now has {n} members, fewer than its minimum: add members.",
                outcome.value.remaining,
            )
        await self._finish(interaction, outcome.effects, message)

    @GROUP.command(name="join", description="Ask to join a group; its facilitator approves")
    @app_commands.describe(group="The group you would like to join")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def join(self, interaction: discord.Interaction[Any], group: str) -> None:
        """Send a join request to the group's facilitator."""
        await defer(interaction)
        outcome = await self.groups.request_to_join(interaction.guild_id or 0, interaction.user.id, group)
        await self._finish(
            interaction,
            outcome.effects,
            t(
                "Your request to join {group} has gone to its facilitator. Once approved you will see the group's "
                "channel and its ground rules.",
                group=name_of(outcome.value),
            ),
        )

    @GROUP.command(name="leave", description="Leave a group (or withdraw your request to join)")
    @app_commands.describe(group="The group to leave (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def leave(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Leave a group; nobody takes offence."""
        await defer(interaction)
        outcome = await self.groups.leave(interaction.guild_id or 0, interaction.user.id, group, interaction.channel_id)
        left = outcome.value
        message = (
            t("You have withdrawn your request to join {group}.", group=name_of(left.group))
            if left.withdrew
            else t("You have left {group}. Thank you for taking part.", group=name_of(left.group))
        )
        await self._finish(interaction, outcome.effects, message)

    @GROUP.command(name="info", description="Members, facilitator and settings of a group")
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def info(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Show a group's details to one of its members."""
        await defer(interaction)
        details = await self.groups.info(
            interaction.guild_id or 0, actor_of(interaction), group, interaction.channel_id
        )
        await reply(interaction, embed=info_embed(details))

    @GROUP.command(name="move", description="Move a member to another group (facilitator of both)")
    @app_commands.describe(
        member="Who moves", to="The group they move to", group="The group they leave (default: this channel's)"
    )
    @app_commands.autocomplete(to=GroupsBase.group_autocomplete, group=GroupsBase.group_autocomplete)
    async def move(
        self, interaction: discord.Interaction[Any], member: discord.Member, to: str, group: str | None = None
    ) -> None:
        """Move a member; if they accepted the ground rules already, they can post in the new group at once."""
        await defer(interaction)
        source = await self._changeable(interaction, group)
        destination = await self._changeable(interaction, to)
        guild = self._guild(interaction)
        outcome = await self.groups.move_member(guild.id, actor_of(interaction), source.id, member.id, destination.id)
        await self._finish(
            interaction,
            outcome.effects,
            t(
                "Moved {person} from {source} to {destination}.",
                person=member.mention,
                source=name_of(source),
                destination=name_of(destination),
            ),
        )
