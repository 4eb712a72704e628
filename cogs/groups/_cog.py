"""The `/group` cog: its parts put together, how group notices look, and its start-up and channel listeners."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.domain.effects import Notice, Notify
from bot.domain.group_notices import GROUP_NOTICES, JoinRequest, RulesPrompt
from bot.i18n import speaking, t
from bot.services.groups import GroupView
from bot.ui.applier import Post
from cogs.groups import _channels
from cogs.groups._admin import AdminCommands
from cogs.groups._base import FACILITATOR, GROUP, GROUPADMIN, name_of
from cogs.groups._creation import CreationCommands
from cogs.groups._history import HistoryCommands
from cogs.groups._membership import MembershipCommands
from cogs.groups._render import render_notice
from cogs.groups._schedule import SCHEDULE, ScheduleCommands
from cogs.groups._views import (
    AcceptRulesButton,
    JoinAnswerButton,
    single_item_view,
)

log = logging.getLogger(__name__)


def render(notice: Notice) -> Post:
    """Group notices, with the buttons the rules prompt and join requests carry."""
    if not isinstance(notice, GROUP_NOTICES):
        raise TypeError(f"{type(notice).__qualname__} is not a group notice")
    view = None
    if isinstance(notice, RulesPrompt):
        view = single_item_view(AcceptRulesButton(notice.group_id))
    elif isinstance(notice, JoinRequest):
        view = single_item_view(
            JoinAnswerButton(notice.membership_id, True), JoinAnswerButton(notice.membership_id, False)
        )
    return render_notice(notice, view)


class Groups(CreationCommands, MembershipCommands, AdminCommands, ScheduleCommands, HistoryCommands):
    """Set up action learning sets: create, membership, join requests, facilitators, schedule, moves, splits, archive.

    One cog and one `/group` command group; its commands live in one module per concern.
    """

    group = GROUP
    facilitator = FACILITATOR
    groupadmin = GROUPADMIN
    schedules = SCHEDULE

    async def cog_load(self) -> None:
        """Register the persistent buttons and how group notices look."""
        self.bot.add_dynamic_items(AcceptRulesButton, JoinAnswerButton)
        self.bot.applier.render_with(GROUP_NOTICES, render)
        self.bot.applier.when_posted(JoinRequest, self._request_posted)
        self.bot.applier.events_with(self.groups.event_plan, self.groups.record_event)

    async def _request_posted(self, effect: Notify, message_id: int) -> None:
        """Remember the request's post so that any answer can close it; close it now if it was answered meanwhile."""
        if isinstance(effect.notice, JoinRequest):
            closing = await self.groups.record_request_post(effect.notice.membership_id, message_id)
            await self.bot.applier.carried_out(closing)

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
        with speaking(stale.settings.language):  # the creator's language is not known now: the group's
            content = t(
                "Setkeeper restarted while making {group}, so nothing was created. Please run the command again.",
                group=name_of(stale),
            )
        try:
            await webhook.edit_message(  # type: ignore[call-overload]
                "@original",  # Discord's name for an interaction's first reply
                content=content,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            log.info("the creator's command had expired", extra={"group_id": stale.id})
