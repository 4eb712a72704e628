"""The `/group` commands: each checks, calls one service function, carries out its effects, and replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.effects import DirectNotice, Notice, Notify
from bot.domain.errors import UserFacingError
from bot.domain.groups import GROUP_ID_PREFIX, CrossTalk, VoiceKind, VotingMethod
from bot.services.effects import QueuedEffect
from bot.services.groups import GroupView, Outcome
from bot.ui.applier import Post
from bot.ui.replies import defer, reply
from cogs.groups import _channels
from cogs.groups._names import GroupNames
from cogs.groups._render import info_embed, render_notice, settings_text
from cogs.groups._render import name as bold_name
from cogs.groups._repair import DISCORD_REFUSED, ChannelKeeper
from cogs.groups._views import (
    AcceptRulesButton,
    ConfirmView,
    JoinAnswerButton,
    SplitView,
    actor_of,
    note,
    single_item_view,
)

if TYPE_CHECKING:
    from bot.app import Setkeeper

log = logging.getLogger(__name__)

AUTOCOMPLETE_BUDGET = 2.0


class PersonRequiredError(UserFacingError):
    """A bot account was chosen where a person is needed."""


def require_person(user: discord.abc.User) -> None:
    """Bots cannot be members or facilitators."""
    if user.bot:
        raise PersonRequiredError(f"{user.mention} is a bot. Choose a person.")


def render(effect: Notify | DirectNotice) -> Post:
    """Group notices, with the buttons the rules prompt and join requests carry."""
    view = None
    if isinstance(effect, DirectNotice):
        return render_notice(effect)
    if effect.notice is Notice.RULES_PROMPT:
        view = single_item_view(AcceptRulesButton(effect.group_id))
    elif effect.notice is Notice.JOIN_REQUEST and effect.subject_id is not None:
        view = single_item_view(JoinAnswerButton(effect.subject_id, True), JoinAnswerButton(effect.subject_id, False))
    return render_notice(effect, view)


class Groups(commands.Cog):
    """Set up action learning sets: create, membership, join requests, facilitators, moves, splits, archive."""

    group = app_commands.Group(name="group", description="Set up and look after action learning sets", guild_only=True)
    facilitator = app_commands.Group(name="facilitator", description="Who facilitates a group", parent=group)

    def __init__(self, bot: Setkeeper) -> None:
        self.bot = bot
        self.groups = bot.services.groups
        self.names = GroupNames(self.groups.names)
        self.keeper = ChannelKeeper(bot)

    async def cog_load(self) -> None:
        """Register the persistent buttons and how group notices look."""
        self.bot.add_dynamic_items(AcceptRulesButton, JoinAnswerButton)
        self.bot.applier.render_with(list(Notice), render)
        self.bot.applier.when_posted(Notice.JOIN_REQUEST, self._request_posted)

    async def _request_posted(self, effect: Notify, message_id: int) -> None:
        """Remember the request's post so that any answer can close it; close it now if it was answered meanwhile."""
        if effect.subject_id is not None:
            await self.bot.applier.apply(await self.groups.record_request_post(effect.subject_id, message_id))

    async def on_startup(self, guild_ids: list[int]) -> None:
        """Undo what a killed process left half-created, then notice groups whose channel went while I was away."""
        for guild_id in guild_ids:
            for stale in await self.groups.stale_creations(guild_id):
                # Only the ids this group recorded: a channel that merely has its name may be another group's.
                await _channels.delete_recorded(self.bot.http, stale.text_channel_id, stale.voice_channel_id)
                await self.groups.abandon_creation(guild_id, stale.id)
                await self._tell_creator(stale)
                log.info("undid an unfinished group", extra={"guild_id": guild_id, "group_id": stale.id})
            guild = self.bot.get_guild(guild_id)
            if guild is not None:
                await self.keeper.check_guild(guild)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A deleted channel that was a group's: the group waits for /group repair and its facilitator is told."""
        await self.keeper.channel_deleted(channel.guild, channel.id)

    async def _tell_creator(self, stale: GroupView) -> None:
        """Answer the command that a killed process left thinking, if its token is still valid (15 minutes)."""
        if not stale.creation_reply_token or self.bot.application_id is None:
            return
        webhook = discord.Webhook.partial(self.bot.application_id, stale.creation_reply_token, client=self.bot)
        try:
            await webhook.edit_message(  # type: ignore[call-overload]
                "@original",  # Discord's name for an interaction's first reply
                content=f"Setkeeper restarted while making {name_of(stale)}, so nothing was created. "
                "Please run the command again.",
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            log.info("the creator's command had expired", extra={"group_id": stale.id})

    # Helpers -----------------------------------------------------------------------------------------------

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
        failed = await self.bot.applier.apply(effects)
        await reply(interaction, message + note(failed))

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

    # Creation ----------------------------------------------------------------------------------------------

    @group.command(name="create", description="Create a group with its own private channel")
    @app_commands.describe(
        name="The group's name (1 to 50 characters)",
        facilitator="Who facilitates the group",
        max_size="Most members the group may have (default 7)",
        voice="Also make a private voice or Stage channel",
    )
    @app_commands.choices(
        voice=[
            app_commands.Choice(name="No voice channel", value=VoiceKind.NONE.value),
            app_commands.Choice(name="Voice channel", value=VoiceKind.VOICE.value),
            app_commands.Choice(name="Stage channel", value=VoiceKind.STAGE.value),
        ]
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def create(
        self,
        interaction: discord.Interaction[Any],
        name: app_commands.Range[str, 1, 50],
        facilitator: discord.Member,
        max_size: app_commands.Range[int, 2, 12] | None = None,
        voice: str = VoiceKind.NONE.value,
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
        )
        outcome, created = await self._build(
            guild, group, lambda channels: self.groups.complete_creation(guild.id, group.id, *channels)
        )
        voice_note = f" and a {kind.value} channel" if kind is not VoiceKind.NONE else ""
        await self._finish(
            interaction,
            outcome.effects,
            f"Created {name_of(outcome.value)} with the private channel <#{created[0]}>{voice_note}. "
            f"Add members with /group add; they accept the ground rules before taking part.",
        )

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
                raise UserFacingError(f"{DISCORD_REFUSED} Nothing was created.") from exc
            raise

    @group.command(
        name="repair", description="Make a group's deleted channel again, with everyone's access (facilitator)"
    )
    @app_commands.describe(group="The group (defaults to this channel's group)")
    @app_commands.autocomplete(group=group_autocomplete)
    async def repair(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Make the missing channels again with the same private permissions, then give every member access."""
        await defer(interaction)
        await reply(interaction, await self.keeper.repair(interaction, self._guild(interaction), group))

    # Membership --------------------------------------------------------------------------------------------

    @group.command(name="add", description="Add a member to a group (facilitator)")
    @app_commands.describe(member="Who to add", group="The group (defaults to this channel's group)")
    @app_commands.autocomplete(group=group_autocomplete)
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
            f"Added {member.mention} to {name_of(target)}. They will be asked to accept the ground rules.",
        )

    @group.command(name="remove", description="Remove a member from a group (facilitator)")
    @app_commands.describe(member="Who to remove", group="The group (defaults to this channel's group)")
    @app_commands.autocomplete(group=group_autocomplete)
    async def remove(
        self, interaction: discord.Interaction[Any], member: discord.User, group: str | None = None
    ) -> None:
        """Remove a member and their access to the group's channels."""
        await defer(interaction)
        target = await self._changeable(interaction, group)
        outcome = await self.groups.remove_member(target.guild_id, actor_of(interaction), target.id, member.id)
        warning = ""
        if outcome.value.below_minimum:
            warning = f" The group now has {outcome.value.remaining} members, fewer than its minimum: add members."
        await self._finish(interaction, outcome.effects, f"Removed {member.mention} from {name_of(target)}.{warning}")

    @group.command(name="join", description="Ask to join a group; its facilitator approves")
    @app_commands.describe(group="The group you would like to join")
    @app_commands.autocomplete(group=group_autocomplete)
    async def join(self, interaction: discord.Interaction[Any], group: str) -> None:
        """Send a join request to the group's facilitator."""
        await defer(interaction)
        outcome = await self.groups.request_to_join(interaction.guild_id or 0, interaction.user.id, group)
        await self._finish(
            interaction,
            outcome.effects,
            f"Your request to join {name_of(outcome.value)} has gone to its facilitator. "
            "Once approved you will see the group's channel and its ground rules.",
        )

    @group.command(name="leave", description="Leave a group (or withdraw your request to join)")
    @app_commands.describe(group="The group to leave (defaults to this channel's group)")
    @app_commands.autocomplete(group=group_autocomplete)
    async def leave(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Leave a group; nobody takes offence."""
        await defer(interaction)
        outcome = await self.groups.leave(interaction.guild_id or 0, interaction.user.id, group, interaction.channel_id)
        left = outcome.value
        message = (
            f"You have withdrawn your request to join {name_of(left.group)}."
            if left.withdrew
            else f"You have left {name_of(left.group)}. Thank you for taking part."
        )
        await self._finish(interaction, outcome.effects, message)

    @group.command(name="info", description="Members, facilitator and settings of a group")
    @app_commands.describe(group="The group (defaults to this channel's group)")
    @app_commands.autocomplete(group=group_autocomplete)
    async def info(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Show a group's details to one of its members."""
        await defer(interaction)
        details = await self.groups.info(
            interaction.guild_id or 0, actor_of(interaction), group, interaction.channel_id
        )
        await reply(interaction, embed=info_embed(details))

    # Facilitator -------------------------------------------------------------------------------------------

    @facilitator.command(name="appoint", description="Hand the facilitator role to someone (facilitator)")
    @app_commands.describe(member="The new facilitator", group="The group (defaults to this channel's group)")
    @app_commands.autocomplete(group=group_autocomplete)
    async def appoint(
        self, interaction: discord.Interaction[Any], member: discord.Member, group: str | None = None
    ) -> None:
        """Appoint a facilitator: a member, or an experienced outsider."""
        await defer(interaction)
        require_person(member)
        target = await self._changeable(interaction, group)
        outcome = await self.groups.appoint_facilitator(target.guild_id, actor_of(interaction), target.id, member.id)
        await self._finish(interaction, outcome.effects, f"{member.mention} now facilitates {name_of(target)}.")

    @facilitator.command(name="rotate", description="Pass the facilitator role to the next member (facilitator)")
    @app_commands.describe(group="The group (defaults to this channel's group)")
    @app_commands.autocomplete(group=group_autocomplete)
    async def rotate(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Rotate the role through the members in the order they joined."""
        await defer(interaction)
        target = await self._changeable(interaction, group)
        outcome = await self.groups.rotate_facilitator(target.guild_id, actor_of(interaction), target.id)
        await self._finish(
            interaction, outcome.effects, f"<@{outcome.value.facilitator_id}> now facilitates {name_of(target)}."
        )

    # Moves, splits, settings, archive ----------------------------------------------------------------------

    @group.command(name="move", description="Move a member to another group (facilitator of both)")
    @app_commands.describe(
        member="Who moves", to="The group they move to", group="The group they leave (defaults to this channel's)"
    )
    @app_commands.autocomplete(to=group_autocomplete, group=group_autocomplete)
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
            interaction, outcome.effects, f"Moved {member.mention} from {name_of(source)} to {name_of(destination)}."
        )

    @group.command(name="split", description="Split a group in two (facilitator)")
    @app_commands.describe(name="Name of the new group", group="The group to split (defaults to this channel's)")
    @app_commands.autocomplete(group=group_autocomplete)
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
            await self._finish(click, outcome.effects, f"Split done: {name_of(new)} now meets in <#{created[0]}>.")
            return f"That split is done already: {name_of(new)} meets in <#{created[0]}>."

        await reply(
            interaction,
            f"Who moves from {name_of(source)} to the new group {bold_name(name)}? Pick them, then press the button.",
            view=SplitView(interaction.user.id, go),
        )

    @group.command(name="settings", description="See or change a group's settings (facilitator)")
    @app_commands.describe(
        group="The group (defaults to this channel's group)",
        min_size="Fewest members (2 or more)",
        max_size="Most members (up to 12)",
        rounds_per_meeting="Issues that get a round in one meeting",
        presentation_minutes="Minutes the issue holder has to explain the issue",
        turn_minutes="Minutes each peer has for a turn",
        voting="How members vote on bids",
        crosstalk="How strictly one speaker at a time is kept",
        report_back_lead_hours="Hours before a meeting to ask everyone to report back on their actions",
        bid_nudge_lead_hours="Hours before a meeting to remind everyone to put in bids",
    )
    @app_commands.choices(
        voting=[
            app_commands.Choice(name="One vote each", value=VotingMethod.SINGLE.value),
            app_commands.Choice(name="Approval: vote for any number", value=VotingMethod.APPROVAL.value),
        ],
        crosstalk=[
            app_commands.Choice(name="Only the speaker can post", value=CrossTalk.LOCK.value),
            app_commands.Choice(name="Remove off-turn messages", value=CrossTalk.DELETE.value),
            app_commands.Choice(name="Gently remind", value=CrossTalk.REMIND.value),
            app_commands.Choice(name="Not enforced", value=CrossTalk.OFF.value),
        ],
    )
    @app_commands.autocomplete(group=group_autocomplete)
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
        crosstalk: str | None = None,
        report_back_lead_hours: int | None = None,
        bid_nudge_lead_hours: int | None = None,
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
            "crosstalk": CrossTalk(crosstalk) if crosstalk else None,
            "report_back_lead_hours": report_back_lead_hours,
            "bid_nudge_lead_hours": bid_nudge_lead_hours,
        }
        changes = {key: value for key, value in given.items() if value is not None}
        updated = await self.groups.update_settings(
            interaction.guild_id or 0, actor_of(interaction), group, changes, interaction.channel_id
        )
        heading = "Settings saved" if changes else "Current settings"
        await reply(interaction, f"{heading} for {name_of(updated)}:\n{settings_text(updated)}")

    @group.command(name="archive", description="End a group's cycle; its channel becomes read-only (facilitator)")
    @app_commands.describe(group="The group (defaults to this channel's group)")
    @app_commands.autocomplete(group=group_autocomplete)
    async def archive(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Ask for confirmation, then archive."""
        await defer(interaction)
        target = await self._facilitated(interaction, group)

        async def go(click: discord.Interaction[Any]) -> str:
            outcome = await self.groups.archive(target.guild_id, actor_of(click), target.id)
            self.names.forget(target.guild_id)
            await self._finish(click, outcome.effects, f"{name_of(target)} is archived. Its channel is now read-only.")
            return f"That is done already: {name_of(target)} is archived."

        await reply(
            interaction,
            f"Archive {name_of(target)}? Its cycle ends, its channel becomes read-only, and it takes no new members.",
            view=ConfirmView(interaction.user.id, "Archive", go),
        )


def name_of(group: GroupView) -> str:
    """A group's name for a reply: bold, escaped."""
    return bold_name(group.name)
