"""The `/bid` commands over the bids already in: list them, withdraw one's own, release a chosen one."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands

from bot.domain.bids import bid_id_in
from bot.domain.errors import UserFacingError
from bot.i18n import t
from bot.services.votes import VoteService
from bot.ui.replies import defer, reply
from cogs._feature import FeatureCog
from cogs.groups._views import actor_of
from cogs.votes._render import board_embed, echo

BID = app_commands.Group(name="bid", description="Bring an issue to your group", guild_only=True)
BEFORE_FORM = 2.5
"""Seconds after the click by which a form must be ready to open: Discord allows three for the first answer, and a
form must be it; the rest is for the answer to travel."""


class BidLists(FeatureCog):
    """The bids already in, and what their authors and the facilitator may do with them."""

    votes: VoteService

    @BID.command(name="list", description="The open bids of your group")
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=FeatureCog.group_autocomplete)
    async def bid_list(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Show the group's open bids and their authors, to a member only."""
        await defer(interaction)
        board = await self.votes.board(interaction.guild_id or 0, interaction.user.id, group, interaction.channel_id)
        await reply(interaction, embed=board_embed(board))

    async def own_bid_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """The member's own open bids, by title."""
        try:
            found = await asyncio.wait_for(
                self.votes.own_open_bids(interaction.guild_id or 0, interaction.user.id), BEFORE_FORM
            )
        except (TimeoutError, UserFacingError):
            return []
        typed = current.casefold()
        return [
            app_commands.Choice(name=f"{bid.title} ({group})"[:100], value=f"bid:{bid.id}")
            for bid, group in found
            if typed in bid.title.casefold()
        ][:25]

    @BID.command(name="withdraw", description="Withdraw one of your open bids")
    @app_commands.describe(bid="Your bid (pick from the list)")
    @app_commands.autocomplete(bid=own_bid_autocomplete)
    async def bid_withdraw(self, interaction: discord.Interaction[Any], bid: str) -> None:
        """Withdraw a bid; an open vote strikes it, and its voters are told privately."""
        await defer(interaction)
        outcome = await self.votes.withdraw_bid(interaction.guild_id or 0, interaction.user.id, bid_id_in(bid))
        withdrawal = outcome.value
        message = t("You withdrew your bid **{title}**.", title=echo(withdrawal.bid.title))
        if withdrawal.struck:
            # Never how many ballots named it: that would be its count before the close.
            message += " " + t(
                "It is struck from the open vote, and anyone whose ballot named it has been told privately."
            )
        await self._finish(interaction, outcome.effects, message)

    async def waiting_bid_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """The chosen bids waiting for a round in the groups the caller facilitates, by title."""
        actor = actor_of(interaction)
        try:
            found = await asyncio.wait_for(
                self.votes.waiting_bids(interaction.guild_id or 0, actor.user_id, actor.manages_server), BEFORE_FORM
            )
        except (TimeoutError, UserFacingError):
            return []
        return [
            app_commands.Choice(name=f"{bid.title} ({group})"[:100], value=f"bid:{bid.id}")
            for bid, group in found
            if current.casefold() in bid.title.casefold()
        ][:25]

    @BID.command(name="release", description="Free a chosen bid from waiting for its round (facilitator)")
    @app_commands.describe(bid="The chosen bid (pick from the list)")
    @app_commands.autocomplete(bid=waiting_bid_autocomplete)
    async def bid_release(self, interaction: discord.Interaction[Any], bid: str) -> None:
        """The facilitator releases a chosen bid whose holder will not take the round; the channel is told."""
        await defer(interaction)
        outcome = await self.votes.release_bid(interaction.guild_id or 0, actor_of(interaction), bid_id_in(bid))
        message = t("You released **{title}**: it no longer waits for a round.", title=echo(outcome.value.title))
        await self._finish(interaction, outcome.effects, message)
