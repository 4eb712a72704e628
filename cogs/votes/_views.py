"""The vote card's buttons, the bid form and the private ballot.

Buttons keep their state in the custom id, and forms (modals) are answered by custom id from `on_interaction`, not
from memory: a card, a button or a half-filled form from before a restart still works after it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.domain.groups import VotingMethod
from bot.i18n import msg, render, t, tn
from bot.services.votes import BallotForm, BidView
from cogs.groups._views import guarded
from cogs.votes._render import echo

if TYPE_CHECKING:
    from bot.app import Setkeeper
    from cogs.votes._cog import Votes

BID_FORM = re.compile(r"setkeeper:bid:(?P<group>[0-9]{1,12}):(?P<replacing>[0-9]{1,12})")
BALLOT_FORM = re.compile(r"setkeeper:ballot:(?P<vote>[0-9]{1,12})")
CHOICE_LABELS = (msg("1st choice"), msg("2nd choice"), msg("3rd choice"), msg("4th choice"), msg("5th choice"))
"""A ranked ballot's places, first to fifth."""
MODAL_ITEMS = 5


def _cog(interaction: discord.Interaction[Any]) -> Votes:
    """The votes cog, which answers the buttons (imported here: it imports this module)."""
    from cogs.votes._cog import Votes

    return cast("Votes", cast("Setkeeper", interaction.client).get_cog(Votes.__cog_name__))


def bid_form(group_id: int, group_name: str, replacing: BidView | None = None) -> discord.ui.Modal:
    """The bid form: a title and what help the member wants (prefilled with the bid it replaces)."""
    form = discord.ui.Modal(
        title=(t("Replace your bid") if replacing else t("Put in a bid"))[:45],
        custom_id=f"setkeeper:bid:{group_id}:{replacing.id if replacing else 0}",
        timeout=None,
    )
    form.add_item(
        discord.ui.Label(
            text=t("Title")[:45],
            description=t("A few words that name your issue, for {group}", group=group_name)[:100],
            component=discord.ui.TextInput(
                custom_id="title",
                min_length=1,
                max_length=100,
                default=replacing.title if replacing else None,
            ),
        )
    )
    form.add_item(
        discord.ui.Label(
            text=t("What help do you want?")[:45],
            description=t("The issue, problem or knowledge gap, and what would help (optional)")[:100],
            component=discord.ui.TextInput(
                custom_id="help",
                style=discord.TextStyle.paragraph,
                required=False,
                max_length=1000,
                default=replacing.help if replacing and replacing.help else None,
            ),
        )
    )
    return form


def ballot_form(form: BallotForm) -> discord.ui.Modal:
    """A member's private ballot, showing their current choices if they have voted already."""
    modal = discord.ui.Modal(title=t("Your ballot")[:45], custom_id=f"setkeeper:ballot:{form.vote_id}", timeout=None)
    own = (
        [t("Your own bid is not on it: this group does not count votes for your own bid.")]
        if form.own_bid_left_out
        else []
    )

    def options(selected: list[int]) -> list[discord.SelectOption]:
        # Numbered, so that two bids with the same title can be told apart.
        return [
            discord.SelectOption(
                label=f"{number}. {bid.title}"[:100], value=str(bid.bid_id), default=bid.bid_id in selected
            )
            for number, bid in enumerate(form.choices, start=1)
        ]

    if form.method is VotingMethod.RANKED:
        slots = min(len(form.choices), MODAL_ITEMS)
        for slot in range(slots):
            current = form.current[slot : slot + 1]
            modal.add_item(
                discord.ui.Label(
                    text=render(CHOICE_LABELS[slot])[:45],
                    description=" ".join([t("Your first choice scores most."), *own])[:100] if slot == 0 else None,
                    component=discord.ui.Select(
                        custom_id=f"choice:{slot}",
                        options=options(current),
                        min_values=0 if slot else 1,
                        max_values=1,
                        required=slot == 0,
                    ),
                )
            )
        return modal
    single = form.method is VotingMethod.SINGLE
    modal.add_item(
        discord.ui.Label(
            text=(t("Your choice") if single else t("The bids you support"))[:45],
            description=" ".join([_how_to_choose(single, form.seats), *own])[:100],
            component=discord.ui.Select(
                custom_id="choice:0",
                options=options(form.current),
                min_values=1,
                max_values=1 if single else len(form.choices),
            ),
        )
    )
    return modal


def _how_to_choose(single: bool, seats: int) -> str:
    if single:
        return t("Choose one bid.")
    return tn(
        "Tick every bid you support; {n} will get a round.", "Tick every bid you support; {n} will get a round.", seats
    )


def submitted(data: dict[str, Any]) -> dict[str, Any]:
    """A submitted form's values by custom id: text for a text field, a list for a select."""
    values: dict[str, Any] = {}
    stack = list(data.get("components") or [])
    while stack:
        component = stack.pop()
        if "component" in component:
            stack.append(component["component"])
        stack.extend(component.get("components") or [])
        if "custom_id" in component:
            values[component["custom_id"]] = component.get("values", component.get("value"))
    return values


def chosen_ids(values: dict[str, Any]) -> list[int]:
    """Bid ids in the order the member put them (select values are ids; anything else is refused later)."""
    chosen: list[int] = []
    for slot in range(MODAL_ITEMS):
        for value in values.get(f"choice:{slot}") or []:
            bid_id = int(value) if str(value).isascii() and str(value).isdigit() else -1
            if bid_id not in chosen:  # the same bid in two ranked places counts at the higher one
                chosen.append(bid_id)
    return chosen


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"setkeeper:vote:(?P<vote>[0-9]{1,12})"):
    """Opens the member's private ballot."""

    def __init__(self, vote_id: int) -> None:
        super().__init__(
            discord.ui.Button(label=t("Vote"), style=discord.ButtonStyle.primary, custom_id=f"setkeeper:vote:{vote_id}")
        )
        self.vote_id = vote_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["vote"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Show the ballot (a form), with the member's current choices."""
        cog = _cog(interaction)
        await guarded(interaction, lambda: cog.open_ballot(interaction, self.vote_id))


class CloseVoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"setkeeper:vote-close:(?P<vote>[0-9]{1,12})"
):
    """The facilitator closes the vote from its card."""

    def __init__(self, vote_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("Close vote"), style=discord.ButtonStyle.secondary, custom_id=f"setkeeper:vote-close:{vote_id}"
            )
        )
        self.vote_id = vote_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CloseVoteButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["vote"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Close the vote and post its result (facilitator only)."""
        cog = _cog(interaction)
        await guarded(interaction, lambda: cog.close_from_card(interaction, self.vote_id))


class ReplaceBidButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"setkeeper:bid-replace:(?P<group>[0-9]{1,12}):(?P<bid>[0-9]{1,12})",
):
    """The member chose to replace their open bid: the form opens with it filled in."""

    def __init__(self, group_id: int, bid_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("Replace it"),
                style=discord.ButtonStyle.primary,
                custom_id=f"setkeeper:bid-replace:{group_id}:{bid_id}",
            )
        )
        self.group_id, self.bid_id = group_id, bid_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReplaceBidButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["group"]), int(match["bid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Open the form for the replacement."""
        cog = _cog(interaction)
        await guarded(interaction, lambda: cog.open_replacement(interaction, self.group_id, self.bid_id))


def replace_offer(group_id: int, bid: BidView, *, on_open_vote: bool) -> tuple[str, discord.ui.View]:
    """What a member with an open bid is offered: replace it, or keep it (by doing nothing)."""
    view = discord.ui.View(timeout=None)
    view.add_item(ReplaceBidButton(group_id, bid.id))
    text = t(
        "You already have an open bid here: **{title}**. One open bid each keeps the vote fair. "
        "Replace it with a new one (the form opens with it filled in), or dismiss this message to keep it.",
        title=echo(bid.title),
    )
    if on_open_vote:
        text += " " + t(
            "It is on the vote that is open now: a replacement is not, so it would leave this vote "
            "(its voters are told) and wait for the next."
        )
    return text, view
