"""The `/bid` and `/vote` commands, the vote card's buttons, and the forms they open."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.effects import Notice, Notify
from bot.domain.errors import UserFacingError
from bot.domain.vote_notices import VOTE_NOTICES, VoteCard, VoteResult
from bot.i18n import msg, render, speaking, t, tn
from bot.ui.applier import Post
from bot.ui.errors import message_for
from bot.ui.replies import defer, reply
from cogs._feature import FeatureCog
from cogs.groups._views import actor_of, guarded, single_item_view
from cogs.votes._bid_lists import BEFORE_FORM, BID, BidLists
from cogs.votes._render import ballot_summary, echo, render_notice, vote_card, vote_result
from cogs.votes._views import (
    BALLOT_FORM,
    BID_FORM,
    CloseVoteButton,
    ReplaceBidButton,
    VoteButton,
    ballot_form,
    bid_form,
    chosen_ids,
    replace_offer,
    submitted,
)

if TYPE_CHECKING:
    from bot.app import Setkeeper

log = logging.getLogger(__name__)
T = TypeVar("T")
BUSY = msg("I could not open the form in time. Nothing was lost: please try again.")
VOTE = app_commands.Group(name="vote", description="Choose which bids get a round", guild_only=True)
LIVE_NOTICES = (VoteCard, VoteResult)


class Votes(BidLists):
    """Bids and the vote: members bring issues, the group chooses which get a round."""

    bid = BID
    vote = VOTE

    def __init__(self, bot: Setkeeper) -> None:
        super().__init__(bot)
        self.votes = bot.services.votes

    async def cog_load(self) -> None:
        """Register the persistent buttons and how vote notices look."""
        self.bot.add_dynamic_items(VoteButton, CloseVoteButton, ReplaceBidButton)
        self.bot.applier.render_with([kind for kind in VOTE_NOTICES if kind not in LIVE_NOTICES], self._render)
        self.bot.applier.render_live(LIVE_NOTICES, self._render_live)
        self.bot.applier.when_posted(VoteCard, self._card_posted)

    @staticmethod
    def _render(notice: Notice) -> Post:
        return render_notice(notice)

    async def _render_live(self, notice: Notice) -> Post | None:
        """The card or the result, as the vote stands now, in the group's language (the group reads them together)."""
        if not isinstance(notice, VoteCard | VoteResult):
            raise TypeError(f"{type(notice).__qualname__} is not drawn live")
        state = await self.votes.state(notice.vote_id)
        if state is None:
            return None
        with speaking(await self.bot.services.groups.language_of(state.group_id)):
            if isinstance(notice, VoteResult):
                return vote_result(state)
            return vote_card(state, single_item_view(VoteButton(state.id), CloseVoteButton(state.id)))

    async def _card_posted(self, effect: Notify, message_id: int) -> None:
        if isinstance(effect.notice, VoteCard):
            await self.bot.applier.carried_out(await self.votes.record_card(effect.notice.vote_id, message_id))

    # Bids

    @BID.command(name="add", description="Put in a bid: an issue you want the group's help with")
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=FeatureCog.group_autocomplete)
    async def bid_add(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Open the bid form, or offer to replace the member's open bid."""
        gate = await _in_time(
            interaction,
            self.votes.bid_gate(interaction.guild_id or 0, interaction.user.id, group, interaction.channel_id),
        )
        if gate is None:
            return
        if gate.open_bid is not None:
            text, view = replace_offer(gate.group.id, gate.open_bid, on_open_vote=gate.on_open_vote)
            await reply(interaction, text, view=view)
            return
        await interaction.response.send_modal(bid_form(gate.group.id, gate.group.name))

    async def open_replacement(self, interaction: discord.Interaction[Any], group_id: int, bid_id: int) -> None:
        """The Replace button: the form opens filled in with the bid it replaces."""
        gate = await _in_time(
            interaction, self.votes.bid_gate(interaction.guild_id or 0, interaction.user.id, group_id, None)
        )
        if gate is None:
            return
        if gate.open_bid is None or gate.open_bid.id != bid_id:
            await reply(interaction, t("That bid is no longer open, so there is nothing to replace: use /bid add."))
            return
        await interaction.response.send_modal(bid_form(gate.group.id, gate.group.name, gate.open_bid))

    async def _bid_submitted(self, interaction: discord.Interaction[Any], group_id: int, replacing: int) -> None:
        values = submitted(interaction.data or {})  # type: ignore[arg-type]
        title, help_wanted = str(values.get("title") or ""), str(values.get("help") or "")
        await defer(interaction)
        try:
            outcome = await self.votes.put_in(
                interaction.guild_id or 0,
                interaction.user.id,
                group_id,
                title,
                help_wanted,
                replacing=replacing or None,
            )
        except UserFacingError as exc:
            # What they wrote is not lost: it comes back with the refusal, to copy.
            kept = (
                "\n\n"
                + t("What you wrote, to keep:")
                + f"\n**{echo(title)}**"
                + (f"\n{echo(help_wanted)}" if help_wanted else "")
            )
            await reply(interaction, (exc.message + kept)[:2000], settles=False)
            return
        placed = outcome.value
        message = t(
            "Your bid **{title}** is in for {group}.", title=echo(placed.bid.title), group=echo(placed.group.name)
        )
        if placed.replaced is not None:
            message = t(
                "Your new bid **{title}** replaces **{replaced}**.",
                title=echo(placed.bid.title),
                replaced=echo(placed.replaced.title),
            )
        if placed.vote_open:
            message += " " + t("A vote is already under way, so this bid will be in the next one.")
        await self._finish(interaction, outcome.effects, message)

    # The vote

    @VOTE.command(name="open", description="Open a vote on the group's open bids (facilitator)")
    @app_commands.describe(
        rounds="How many bids get a round (default: the group's rounds per meeting)",
        closes_in="Close automatically after this long, e.g. 30m, 2h, 1d (default: when you close it)",
        group="The group (default: this channel's)",
    )
    @app_commands.autocomplete(group=FeatureCog.group_autocomplete)
    async def vote_open(
        self,
        interaction: discord.Interaction[Any],
        rounds: app_commands.Range[int, 1, 4] | None = None,
        closes_in: str | None = None,
        group: str | None = None,
    ) -> None:
        """Post the vote card in the group's channel."""
        await defer(interaction)
        outcome = await self.votes.open_vote(
            interaction.guild_id or 0,
            actor_of(interaction),
            group,
            interaction.channel_id,
            seats=rounds,
            closes_in=closes_in,
        )
        opened = outcome.value
        if opened.vote is not None and opened.vote.closes_at is not None:
            self.bot.due.wake(opened.vote.closes_at)  # the deadline is due work: be awake for it
        if opened.vote is None:
            message = t(
                "{group} has no open bids, so there is nothing to vote on; I said so there.",
                group=echo(opened.group.name),
            )
        elif len(opened.vote.bids) == 1:
            message = t("There was only one open bid, so it gets the round; the result is posted.")
        else:
            message = t(
                "The vote is open in {group}: {bids}.",
                group=echo(opened.group.name),
                bids=tn("{n} bid", "{n} bids", len(opened.vote.bids)),
            )
        await self._finish(interaction, outcome.effects, message)

    @VOTE.command(name="close", description="Close the open vote and post the result (facilitator)")
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=FeatureCog.group_autocomplete)
    async def vote_close(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Count the ballots and post the result."""
        await defer(interaction)
        outcome = await self.votes.close_vote(
            interaction.guild_id or 0, actor_of(interaction), group, interaction.channel_id
        )
        await self._finish(interaction, outcome.effects, t("The vote is closed; the result is posted in the channel."))

    async def close_from_card(self, interaction: discord.Interaction[Any], vote_id: int) -> None:
        """The card's Close button."""
        await defer(interaction)
        outcome = await self.votes.close_vote(
            interaction.guild_id or 0, actor_of(interaction), None, None, vote_id=vote_id
        )
        await self._finish(interaction, outcome.effects, t("The vote is closed; the result is posted in the channel."))

    async def open_ballot(self, interaction: discord.Interaction[Any], vote_id: int) -> None:
        """The card's Vote button: the member's private ballot, with their current choices."""
        form = await _in_time(
            interaction, self.votes.ballot_form(interaction.guild_id or 0, interaction.user.id, vote_id)
        )
        if form is None:
            return
        if not form.choices:
            await reply(interaction, t("There is no bid on this vote that you can vote for."))
            return
        await interaction.response.send_modal(ballot_form(form))

    async def _ballot_submitted(self, interaction: discord.Interaction[Any], vote_id: int) -> None:
        choices = chosen_ids(submitted(interaction.data or {}))  # type: ignore[arg-type]
        await defer(interaction)
        outcome = await self.votes.cast_ballot(interaction.guild_id or 0, interaction.user.id, vote_id, choices)
        cast = outcome.value
        summary = ballot_summary(cast.method, cast.choices)
        message = (t("Your ballot is changed:") if cast.changed else t("Your ballot is in:")) + f"\n{summary}\n"
        if cast.closed:
            message += t(
                "That was the last ballot the vote waited for, so it has closed: the result is in the channel."
            )
        else:
            message += t("Nobody sees how you voted. You can change it until the vote closes: press Vote again.")
        # The ballot is stored: the voter hears so at once. The card's count follows on its own (its edits are
        # rate-limited per channel and coalesced), and waiting for it made a busy group's replies take seconds.
        await reply(interaction, message)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Forms are answered here by their custom id, so one opened before a restart is answered after it."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = cast("dict[str, Any]", interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        bid = BID_FORM.fullmatch(custom_id)
        ballot = BALLOT_FORM.fullmatch(custom_id)
        if bid is not None:
            group_id, replacing = int(bid["group"]), int(bid["replacing"])
            await guarded(interaction, lambda: self._bid_submitted(interaction, group_id, replacing))
        elif ballot is not None:
            vote_id = int(ballot["vote"])
            await guarded(interaction, lambda: self._ballot_submitted(interaction, vote_id))


async def _in_time(interaction: discord.Interaction[Any], check: Awaitable[T]) -> T | None:
    """Run a check that must finish before a form can open; on a refusal or a timeout, reply and return None."""
    try:
        # Counted from the click, not from when this handler began: a busy bot may start late.
        elapsed = (datetime.now(UTC) - interaction.created_at).total_seconds()
        return await asyncio.wait_for(check, max(0.5, BEFORE_FORM - elapsed))
    except TimeoutError:
        await reply(interaction, render(BUSY))
    except UserFacingError as exc:
        await reply(interaction, message_for(exc) or exc.message, settles=False)
    return None
