"""The meeting cog: its parts put together, how meeting notices look, start-up and the out-of-turn listener."""

from __future__ import annotations

import contextlib

import discord
from discord.ext import commands

from bot.domain.effects import Notice, Notify
from bot.domain.meeting import MeetingState
from bot.domain.meeting_notices import (
    LIVE_MEETING_NOTICES,
    MEETING_NOTICES,
    FloorCard,
    FloorTo,
    MeetingSummary,
    RoundDigest,
    SpentCard,
)
from bot.i18n import speaking
from bot.services.cycle import CycleView
from bot.services.meetings import MeetingView
from bot.ui.applier import Post
from cogs.meetings._base import MEETING
from cogs.meetings._facilitator import FacilitatorCommands
from cogs.meetings._members import MemberCommands
from cogs.meetings._render import digest, floor_card, on_stage, render_notice, spent_card, summary, with_ping
from cogs.meetings._views import FloorButton, card_buttons


class Meetings(FacilitatorCommands, MemberCommands):
    """The meeting: one speaker at a time, in the method's order, with the floor kept in the group's channel.

    One cog and one `/meeting` command group; its commands live in one module per concern.
    """

    meeting = MEETING
    _drawn: dict[int, MeetingState]
    """The state each meeting's newest card post was drawn from, until it is recorded."""

    async def cog_load(self) -> None:
        """Register the persistent buttons and how meeting notices look."""
        self._drawn = {}
        self.bot.add_dynamic_items(FloorButton)
        static = [kind for kind in MEETING_NOTICES if kind not in LIVE_MEETING_NOTICES]
        self.bot.applier.render_with(static, render_notice)
        self.bot.applier.render_live(LIVE_MEETING_NOTICES, self._render_live)
        self.bot.applier.when_posted(FloorCard, self._card_posted)
        self.bot.applier.when_gone(FloorCard, self._card_gone)
        self.bot.applier.when_voice_lags(self._voice_lag_changed)

    async def _voice_lag_changed(self, group_id: int) -> None:
        """The voice floor started or stopped lagging: the card says so."""
        await self.bot.applier.carried_out(await self.meetings.redraw_card(group_id))

    async def _card_gone(self, effect: Notify, message_id: int) -> None:
        """An edit found the card deleted: it comes back."""
        if isinstance(effect.notice, FloorCard):
            await self.bot.applier.carried_out(await self.meetings.card_gone(effect.notice.meeting_id, message_id))

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Someone deleted the floor card: it comes back at once (and at the next change, or start-up, otherwise)."""
        if payload.guild_id is not None:
            found = await self.meetings.card_deleted(payload.guild_id, payload.channel_id, payload.message_id)
            await self.bot.applier.carried_out(found)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """A purge (a moderation bot's, say) that took the floor card with it: the card comes back at once."""
        if payload.guild_id is None:
            return
        for message_id in payload.message_ids:
            found = await self.meetings.card_deleted(payload.guild_id, payload.channel_id, message_id)
            await self.bot.applier.carried_out(found)

    async def on_startup(self, guild_ids: list[int]) -> None:
        """Every meeting under way resumes: floors set again from the database, cards redrawn."""
        await self.bot.applier.carried_out(await self.meetings.resume(guild_ids))

    async def _render_live(self, notice: Notice) -> Post | None:
        if not isinstance(notice, FloorCard | SpentCard | MeetingSummary | RoundDigest | FloorTo):
            raise TypeError(f"{type(notice).__qualname__} is not drawn live")
        view = await self.meetings.drawn(notice.meeting_id)
        if view is None:
            return None
        cycle = (
            await self.bot.services.ledger.of_meeting(notice.meeting_id) if isinstance(notice, MeetingSummary) else None
        )
        # What the group reads together, in the group's language, whoever's press or command moved the meeting.
        with speaking(await self.bot.services.groups.language_of(view.group_id)):
            return self._draw_live(notice, view, cycle)

    def _draw_live(
        self,
        notice: FloorCard | SpentCard | MeetingSummary | RoundDigest | FloorTo,
        view: MeetingView,
        cycle: CycleView | None,
    ) -> Post | None:
        if isinstance(notice, FloorTo):
            # Three quick passes ping once: only someone who still holds the floor when the ping goes out.
            if not view.open or view.speaker != notice.user_id:
                return None
            return (
                on_stage(render_notice(notice))
                if view.stage and view.voice_channel_id is not None
                else render_notice(notice)
            )
        if isinstance(notice, MeetingSummary):
            return summary(view, cycle)
        if isinstance(notice, RoundDigest):
            return digest(view, notice.round_index)
        if isinstance(notice, SpentCard):
            return spent_card(view)
        card = floor_card(view, card_buttons(view), lagging=self.bot.applier.voice_lagging(view.group_id))
        if card.content and view.stage and view.voice_channel_id is not None:
            card = on_stage(card)  # the card's floor line keeps the Stage's invitation through every redraw
        if notice.ping is not None and card.view is not None:
            self._drawn[notice.meeting_id] = view.state
            if view.speaker == notice.ping:  # three quick passes ping once: whoever still holds the floor
                card = with_ping(card, notice.ping)
        return card

    async def _card_posted(self, effect: Notify, message_id: int) -> None:
        if isinstance(effect.notice, FloorCard):
            drawn = self._drawn.pop(effect.notice.meeting_id, None)
            recorded = await self.meetings.record_card(effect.notice.meeting_id, message_id, drawn)
            await self.bot.applier.carried_out(recorded)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A post made out of turn in a meeting: removed (its author told why) or a reminder, as the group chose."""
        if message.guild is None or message.author.bot:
            return
        async with self.floor(message.channel.id):  # taken before any await: the floor as it was when the post came
            readable = message.content if self.bot.intents.message_content else None
            check = await self.meetings.check_post(message.guild.id, message.channel.id, message.author.id, readable)
        if check.remove:
            # Already gone, or Manage Messages withheld (the README asks for it): the author is told either way.
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                await message.delete()
        await self.bot.applier.carried_out(check.effects)
