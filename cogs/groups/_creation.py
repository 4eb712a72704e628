"""Commands that make channels: creating a group, splitting one in two, repairing a deleted channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.domain.errors import UserFacingError
from bot.domain.groups import VoiceKind
from bot.i18n import LANGUAGES, msg, server_language, t
from bot.services.groups import GroupView, Outcome
from bot.ui.replies import defer, reply
from cogs.groups import _channels
from cogs.groups._base import GROUP, GROUPADMIN, GroupsBase, name_of, require_person
from cogs.groups._render import name as bold_name
from cogs.groups._repair import DISCORD_REFUSED
from cogs.groups._views import SplitView, actor_of


class CreationCommands(GroupsBase):
    """Groups come to be (create, split) or are made whole again (repair)."""

    @GROUPADMIN.command(name="create", description="Create a group with its own private channel (server managers)")
    @app_commands.describe(
        name="The group's name (1 to 50 characters)",
        facilitator="Who facilitates the group",
        max_size="Most members the group may have (default 7)",
        voice="Also make a private voice or Stage channel",
        language="What the group reads together (default: the server's language, else English)",
    )
    @app_commands.choices(
        voice=[
            app_commands.Choice(name="No voice channel", value=VoiceKind.NONE.value),
            app_commands.Choice(name="Voice channel", value=VoiceKind.VOICE.value),
            app_commands.Choice(name="Stage channel", value=VoiceKind.STAGE.value),
        ],
        language=[app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()],
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def create(
        self,
        interaction: discord.Interaction[Any],
        name: app_commands.Range[str, 1, 50],
        facilitator: discord.Member,
        max_size: app_commands.Range[int, 2, 12] | None = None,
        voice: str = VoiceKind.NONE.value,
        language: str | None = None,
    ) -> None:
        """Create a group: reserve it, make its channels, then make it active; undo everything on failure."""
        await defer(interaction)
        guild = self._guild(interaction)
        require_person(facilitator)
        kind = VoiceKind(voice)
        _channels.require_permissions(guild, kind)
        group = await self.groups.begin_creation(
            guild.id,
            actor_of(interaction),
            name,
            facilitator.id,
            max_size=max_size,
            voice=kind,
            reply_token=interaction.token,
            language=language or server_language(guild.features, guild.preferred_locale),
        )
        outcome, created = await self._build(
            guild, group, lambda channels: self.groups.complete_creation(guild.id, group.id, *channels)
        )
        if kind is VoiceKind.VOICE:
            made = t(
                "Created {group} with the private channel <#{channel}> and a voice channel. Add members with /group "
                "add; they accept the ground rules before taking part.",
                group=name_of(outcome.value),
                channel=created[0],
            )
        elif kind is VoiceKind.STAGE:
            made = t(
                "Created {group} with the private channel <#{channel}> and a stage channel. Add members with /group "
                "add; they accept the ground rules before taking part.",
                group=name_of(outcome.value),
                channel=created[0],
            )
        else:
            made = t(
                "Created {group} with the private channel <#{channel}>. Add members with /group add; they accept the "
                "ground rules before taking part.",
                group=name_of(outcome.value),
                channel=created[0],
            )
        await self._finish(interaction, outcome.effects, made)

    async def _build(
        self,
        guild: discord.Guild,
        group: GroupView,
        complete: Callable[[tuple[int, int | None]], Awaitable[Outcome[GroupView]]],
    ) -> tuple[Outcome[GroupView], tuple[int, int | None]]:
        """Make a reserved group's channels and complete it; on any failure undo both, so nothing is half-made."""
        created = await self._make_channels(guild, group)
        try:
            outcome = await complete(created)
        except BaseException:
            await _channels.delete_quietly(*(guild.get_channel(channel) for channel in created if channel))
            await self.groups.abandon_creation(guild.id, group.id)
            raise
        self.names.forget(guild.id)
        return outcome, created

    async def _make_channels(self, guild: discord.Guild, group: GroupView) -> tuple[int, int | None]:
        async def record(channel_id: int, voice: bool) -> None:
            await self.groups.record_channel(guild.id, group.id, channel_id, voice=voice)

        try:
            return await _channels.create_channels(guild, group, record)
        except BaseException as exc:
            await self.groups.abandon_creation(guild.id, group.id)
            if isinstance(exc, discord.Forbidden):
                raise UserFacingError(msg("{refused} Nothing was created.", refused=DISCORD_REFUSED)) from exc
            raise

    @GROUP.command(
        name="repair", description="Make a group's deleted channel again, with everyone's access (facilitator)"
    )
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def repair(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Make the missing channels again with the same private permissions, then give every member access."""
        await defer(interaction)
        await reply(interaction, await self.keeper.repair(interaction, self._guild(interaction), group))

    @GROUP.command(name="split", description="Split a group in two (facilitator)")
    @app_commands.describe(name="Name of the new group", group="The group to split (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def split(
        self, interaction: discord.Interaction[Any], name: app_commands.Range[str, 1, 50], group: str | None = None
    ) -> None:
        """Pick who moves to the new group, then confirm."""
        await defer(interaction)
        source = await self._facilitated(interaction, group)
        guild = self._guild(interaction)
        _channels.require_permissions(guild, source.voice_kind)

        async def go(click: discord.Interaction[Any], leaving: list[int]) -> str:
            new = await self.groups.begin_split(guild.id, actor_of(click), source.id, name, leaving, click.token)
            outcome, created = await self._build(
                guild,
                new,
                lambda channels: self.groups.complete_split(
                    guild.id, actor_of(click), source.id, new.id, channels, leaving
                ),
            )
            await self._finish(
                click,
                outcome.effects,
                t("Split done: {group} now meets in <#{channel}>.", group=name_of(new), channel=created[0]),
            )
            return t(
                "That split is done already: {group} meets in <#{channel}>.", group=name_of(new), channel=created[0]
            )

        await reply(
            interaction,
            t(
                "Who moves from {source} to the new group {group}? Pick them, then press the button.",
                source=name_of(source),
                group=bold_name(name),
            ),
            view=SplitView(interaction.user.id, go),
        )
