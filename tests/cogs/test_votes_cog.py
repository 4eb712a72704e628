"""The /bid and /vote cog on real services with spec'd Discord fakes: forms, refusals, ballots, the deadline."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

import discord

from bot.app import Setkeeper
from bot.services.groups import Actor
from tests.cogs.fakes import group_with, guild, interaction, member, sent

GUILD = 4242
FACILITATOR = 2
CHANNEL = 5001


def _cog(bot: Setkeeper) -> Any:
    cog = bot.get_cog("Votes")
    assert type(cog).__name__ == "Votes"
    return cog


async def _group(bot: Setkeeper, *members: int) -> int:
    return await group_with(bot, GUILD, CHANNEL, FACILITATOR, *members)


def _form(bot: Setkeeper, data: dict[str, Any], user: int, *, modal_id: str) -> Any:
    fake = interaction(member(user), guild(GUILD), channel_id=CHANNEL)
    fake.client = bot
    fake.type = discord.InteractionType.modal_submit
    fake.data = {"custom_id": modal_id, **data}
    return fake


def _text_fields(title: str, help_wanted: str) -> dict[str, Any]:
    return {
        "components": [
            {"type": 18, "component": {"type": 4, "custom_id": "title", "value": title}},
            {"type": 18, "component": {"type": 4, "custom_id": "help", "value": help_wanted}},
        ]
    }


async def test_a_member_gets_the_bid_form(bot: Setkeeper) -> None:
    group_id = await _group(bot, 21)
    fake = interaction(member(21), guild(GUILD), channel_id=CHANNEL)
    await _cog(bot).bid_add.callback(_cog(bot), fake)
    (call,) = fake.response.send_modal.await_args_list
    assert call.args[0].custom_id == f"setkeeper:bid:{group_id}:0"


async def test_a_stranger_is_refused_before_the_form_opens(bot: Setkeeper) -> None:
    await _group(bot, 21)
    fake = interaction(member(99), guild(GUILD), channel_id=CHANNEL)
    await _cog(bot).bid_add.callback(_cog(bot), fake)
    fake.response.send_modal.assert_not_awaited()
    assert "Only members of Set A" in sent(fake)[0]["content"]


async def test_a_member_with_an_open_bid_is_offered_to_replace_it(bot: Setkeeper) -> None:
    group_id = await _group(bot, 21)
    await bot.services.votes.put_in(GUILD, 21, group_id, "First", "")
    fake = interaction(member(21), guild(GUILD), channel_id=CHANNEL)
    await _cog(bot).bid_add.callback(_cog(bot), fake)
    fake.response.send_modal.assert_not_awaited()
    (answer,) = sent(fake)
    assert "already have an open bid" in answer["content"]
    assert [item.custom_id for item in answer["view"].children] == [f"setkeeper:bid-replace:{group_id}:1"]


async def test_a_submitted_bid_form_puts_the_bid_in(bot: Setkeeper) -> None:
    group_id = await _group(bot, 21)
    fake = _form(bot, _text_fields("Managing up", "How to say no"), 21, modal_id=f"setkeeper:bid:{group_id}:0")
    await _cog(bot).on_interaction(fake)
    assert "Your bid **Managing up** is in" in sent(fake)[0]["content"]
    board = await bot.services.votes.board(GUILD, 21, group_id, None)
    assert [(bid.title, bid.help) for bid in board.bids] == [("Managing up", "How to say no")]


async def test_a_refused_bid_form_gives_back_what_was_written(bot: Setkeeper) -> None:
    group_id = await _group(bot, 21)
    await bot.services.votes.put_in(GUILD, 21, group_id, "First", "")
    fake = _form(bot, _text_fields("Second @everyone", "My long text"), 21, modal_id=f"setkeeper:bid:{group_id}:0")
    await _cog(bot).on_interaction(fake)
    (answer,) = sent(fake)
    assert "already have an open bid" in answer["content"]
    assert "My long text" in answer["content"]
    assert "@everyone" not in answer["content"]
    assert answer["allowed_mentions"].everyone is False


async def test_a_submitted_ballot_is_stored_and_shown_only_to_the_voter(bot: Setkeeper) -> None:
    group_id = await _group(bot, 21, 22, 23)
    votes = bot.services.votes
    first = (await votes.put_in(GUILD, 21, group_id, "First", "")).value.bid
    await votes.put_in(GUILD, 22, group_id, "Second", "")
    vote = (await votes.open_vote(GUILD, Actor(FACILITATOR), group_id, None, seats=1)).value.vote
    assert vote is not None
    choice = {
        "components": [{"type": 18, "component": {"type": 3, "custom_id": "choice:0", "values": [str(first.id)]}}]
    }
    fake = _form(bot, choice, 23, modal_id=f"setkeeper:ballot:{vote.id}")
    await _cog(bot).on_interaction(fake)
    (answer,) = sent(fake)
    assert answer["ephemeral"] is True
    assert "Your ballot is in:\n- First" in answer["content"]
    assert (await votes.ballot_form(GUILD, 23, vote.id)).current == [first.id]


async def test_a_ballot_with_a_forged_choice_is_refused(bot: Setkeeper) -> None:
    group_id = await _group(bot, 21, 22, 23)
    votes = bot.services.votes
    await votes.put_in(GUILD, 21, group_id, "First", "")
    await votes.put_in(GUILD, 22, group_id, "Second", "")
    vote = (await votes.open_vote(GUILD, Actor(FACILITATOR), group_id, None, seats=1)).value.vote
    assert vote is not None
    forged = {"components": [{"type": 18, "component": {"type": 3, "custom_id": "choice:0", "values": ["x1"]}}]}
    fake = _form(bot, forged, 23, modal_id=f"setkeeper:ballot:{vote.id}")
    await _cog(bot).on_interaction(fake)
    assert "no longer on this vote" in sent(fake)[0]["content"]
    assert (await votes.ballot_form(GUILD, 23, vote.id)).current == []


async def test_a_vote_with_a_closing_time_wakes_the_scheduler_for_it(bot: Setkeeper) -> None:
    group_id = await _group(bot, 21, 22)
    await bot.services.votes.put_in(GUILD, 21, group_id, "First", "")
    await bot.services.votes.put_in(GUILD, 22, group_id, "Second", "")
    bot.due.wake = MagicMock()  # type: ignore[method-assign]
    fake = interaction(member(FACILITATOR), guild(GUILD), channel_id=CHANNEL)
    await _cog(bot).vote_open.callback(_cog(bot), fake, rounds=1, closes_in="2h")
    (call,) = bot.due.wake.call_args_list
    vote = await bot.services.votes.open_vote_of(GUILD, 21, group_id, None)
    assert call.args == (vote.closes_at,)
    assert "The vote is open" in sent(fake)[0]["content"]
