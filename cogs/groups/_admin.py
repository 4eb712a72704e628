"""The facilitator's commands: appoint and rotate the role, the group's settings, the end of its cycle."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.domain.groups import CrossTalk, VotingMethod
from bot.domain.words import person
from bot.i18n import LANGUAGES, render, t
from bot.ui.replies import defer, reply
from cogs.groups._base import FACILITATOR, GROUP, GroupsBase, name_of, require_person
from cogs.groups._render import CROSSTALK_LABELS, VOTING_LABELS, settings_text
from cogs.groups._views import ConfirmView, actor_of


class AdminCommands(GroupsBase):
    """The facilitator role, settings and archive."""

    @FACILITATOR.command(name="appoint", description="Hand the facilitator role to someone (facilitator)")
    @app_commands.describe(member="The new facilitator", group="The group (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def appoint(
        self, interaction: discord.Interaction[Any], member: discord.Member, group: str | None = None
    ) -> None:
        """Appoint a facilitator: a member, or an experienced outsider."""
        await defer(interaction)
        require_person(member)
        target = await self._changeable(interaction, group)
        outcome = await self.groups.appoint_facilitator(target.guild_id, actor_of(interaction), target.id, member.id)
        await self._finish(
            interaction,
            outcome.effects,
            t("{person} now facilitates {group}.", person=member.mention, group=name_of(target)),
        )

    @FACILITATOR.command(name="rotate", description="Pass the facilitator role to the next member (facilitator)")
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def rotate(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Rotate the role through the members in the order they joined."""
        await defer(interaction)
        target = await self._changeable(interaction, group)
        outcome = await self.groups.rotate_facilitator(target.guild_id, actor_of(interaction), target.id)
        await self._finish(
            interaction,
            outcome.effects,
            t("{person} now facilitates {group}.", person=person(outcome.value.facilitator_id), group=name_of(target)),
        )

    @GROUP.command(name="settings", description="See or change a group's settings (facilitator)")
    @app_commands.describe(
        group="The group (default: this channel's)",
        min_size="Fewest members (2 or more)",
        max_size="Most members (up to 12)",
        rounds_per_meeting="Issues that get a round in one meeting",
        presentation_minutes="Minutes the issue holder has to explain the issue",
        turn_minutes="Minutes each peer has for a turn",
        voting="How members vote on bids",
        own_bid_votes="Whether members may vote for their own bid",
        crosstalk="How strictly one speaker at a time is kept",
        auto_advance="When a speaker's time is up, move the floor on (otherwise only tell them)",
        keep_days="Days members' words are kept once the group is archived, then erased (1 to 730)",
        language="The language of what the group reads together: cards, summaries, reminders, history",
    )
    @app_commands.choices(
        voting=[
            app_commands.Choice(name=render(label, "en"), value=method.value) for method, label in VOTING_LABELS.items()
        ],
        crosstalk=[
            app_commands.Choice(name=render(label, "en"), value=rule.value) for rule, label in CROSSTALK_LABELS.items()
        ],
        language=[app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()],
    )
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        group: str | None = None,
        min_size: int | None = None,
        max_size: int | None = None,
        rounds_per_meeting: int | None = None,
        presentation_minutes: int | None = None,
        turn_minutes: int | None = None,
        voting: str | None = None,
        own_bid_votes: bool | None = None,
        crosstalk: str | None = None,
        auto_advance: bool | None = None,
        keep_days: int | None = None,
        language: str | None = None,
    ) -> None:
        """Change the given settings (all checked together) and show the result."""
        await defer(interaction)
        given = {
            "min_size": min_size,
            "max_size": max_size,
            "rounds_per_meeting": rounds_per_meeting,
            "presentation_minutes": presentation_minutes,
            "turn_minutes": turn_minutes,
            "voting": VotingMethod(voting) if voting else None,
            "own_bid_votes": own_bid_votes,
            "crosstalk": CrossTalk(crosstalk) if crosstalk else None,
            "auto_advance": auto_advance,
            "keep_days": keep_days,
            "language": language,
        }
        changes = {key: value for key, value in given.items() if value is not None}
        updated = await self.groups.update_settings(
            interaction.guild_id or 0, actor_of(interaction), group, changes, interaction.channel_id
        )
        heading = (
            t("Settings saved for {group}:", group=name_of(updated))
            if changes
            else t("Current settings for {group}:", group=name_of(updated))
        )
        await reply(interaction, f"{heading}\n{settings_text(updated)}")

    @GROUP.command(name="archive", description="End a group's cycle; its channel becomes read-only (facilitator)")
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def archive(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Ask for confirmation, then archive."""
        await defer(interaction)
        target = await self._facilitated(interaction, group)

        async def go(click: discord.Interaction[Any]) -> str:
            outcome = await self.groups.archive(target.guild_id, actor_of(click), target.id)
            self.names.forget(target.guild_id)
            await self._finish(
                click, outcome.effects, t("{group} is archived. Its channel is now read-only.", group=name_of(target))
            )
            return t("That is done already: {group} is archived.", group=name_of(target))

        await reply(
            interaction,
            t(
                "Archive {group}? Its cycle ends, its channel becomes read-only, and it takes no new members.",
                group=name_of(target),
            ),
            view=ConfirmView(interaction.user.id, t("Archive"), go),
        )
