"""Chosen bids never block a group: a holder who left or is away does not stop the next vote.

The facilitator can see and release what waits for a round.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_groups_e2e import world as invited_world
from tests.e2e.test_meeting_e2e import _card, _phase, speaker_on
from tests.e2e.test_votes_e2e import put_in, vote
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Message

pytestmark = pytest.mark.e2e


world = invited_world  # the README's invite permissions


async def _chosen_before_the_meeting(fran: Member, voters: list[Member], channel: Channel, title: str) -> None:
    """A vote before the meeting, for one round: everyone backs `title`, which is chosen."""
    opened = await fran.run("/vote open", rounds=1, in_channel=channel)
    if "only one open bid" not in opened.text:  # with one bid there is nothing to vote on: it is chosen at once
        assert "The vote is open" in opened.text, opened.text
        ballot = channel.message_containing("Vote in Set A")
        for person in voters:
            await vote(person, ballot, [title])
    await wait_for(lambda: any("Vote result in Set A" in m.text for m in channel.live_messages))
    result = channel.message_containing("Vote result in Set A")
    assert f"**{title}**" in result.text.split("Chosen for a round")[1], result.text


async def _to_the_rounds(fran: Member, present: list[Member], channel: Channel) -> Message:
    """Start the meeting; `present` say Here; the catch-up goes by with Done; returns the card once it has moved."""
    await fran.run("/meeting start", in_channel=channel)
    card = _card(channel)
    for person in present:
        await person.click(card, "Here")
    await fran.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card))
    while "Catch-up" in _phase(card):
        holder = speaker_on(card)
        speaker = next(p for p in present if p.id == holder)
        await speaker.click(card, "Done")
        await wait_for(lambda gone=holder: "Catch-up" not in _phase(card) or speaker_on(card) != gone)
    return card


async def test_a_holder_who_left_does_not_keep_the_group_from_voting(world: FakeDiscord, bot: BotProcess) -> None:
    fran, (alice, bob, cleo) = await _group_of(world, 3)
    channel = world.guild.channel_named("set-a")
    await fran.run("/group settings", rounds_per_meeting=1, in_channel=channel)
    await put_in(alice, channel, "Managing up", "Ideas, please")
    await put_in(bob, channel, "Hiring a lead", "Ideas, please")
    await put_in(cleo, channel, "Remote team", "Ideas, please")
    await _chosen_before_the_meeting(fran, [alice, bob, cleo], channel, "Managing up")

    left = await alice.run("/group leave", in_channel=channel)
    assert "You have left **Set A**" in left.text, left.text
    board = await fran.run("/bid list", in_channel=channel)
    assert "Managing up" not in board.text, "a chosen bid leaves with its holder"

    card = await _to_the_rounds(fran, [bob, cleo], channel)
    await wait_for(lambda: "Vote on the bids" in _phase(card) or "presents" in _phase(card))
    assert "Vote on the bids" in _phase(card), "the group votes again: nothing chosen is left waiting"
    ballot = channel.message_containing("Vote in Set A")
    await vote(bob, ballot, ["Remote team"])
    await vote(cleo, ballot, ["Remote team"])
    await wait_for(lambda: "The issue holder presents" in _phase(card))
    assert "**Remote team** by " + cleo.mention in card.text


async def test_an_absent_holders_round_waits_and_the_others_still_vote(world: FakeDiscord, bot: BotProcess) -> None:
    fran, (alice, bob, cleo) = await _group_of(world, 3)
    channel = world.guild.channel_named("set-a")
    await put_in(alice, channel, "Managing up", "Ideas, please")
    await put_in(bob, channel, "Hiring a lead", "Ideas, please")
    await _chosen_before_the_meeting(fran, [alice, bob, cleo], channel, "Managing up")

    # Alice is away today: her chosen round waits, and the others vote on what is open.
    card = await _to_the_rounds(fran, [bob, cleo], channel)
    await wait_for(lambda: "The issue holder presents" in _phase(card) or "Meeting ended" in card.text)
    assert "**Hiring a lead** by " + bob.mention in card.text, card.text
    ended = await fran.run("/meeting end", in_channel=channel)
    assert ended.ephemeral

    board = await fran.run("/bid list", in_channel=channel)
    assert "Chosen, waiting for a round" in board.text, board.text
    assert "**Managing up** by " + alice.mention in board.text

    # At the next meeting Alice is here: her round comes first, then the vote's (there is nothing left to vote on).
    card = await _to_the_rounds(fran, [alice, bob, cleo], channel)
    await wait_for(lambda: "The issue holder presents" in _phase(card))
    assert "**Managing up** by " + alice.mention in card.text
    assert "(round 1 of 1)" in _phase(card), _phase(card)
    assert not any("no open bids to vote on" in m.text for m in channel.live_messages), "no needless notice"


async def test_the_facilitator_releases_a_chosen_bid(world: FakeDiscord, bot: BotProcess) -> None:
    fran, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await put_in(alice, channel, "Managing up", "Ideas, please")
    await put_in(bob, channel, "Hiring a lead", "Ideas, please")
    await _chosen_before_the_meeting(fran, [alice, bob], channel, "Managing up")

    assert await bob.autocomplete("/bid release", "bid", "Managing", in_channel=channel) == [], "facilitator's"
    (choice,) = await fran.autocomplete("/bid release", "bid", "Managing", in_channel=channel)
    assert "Managing up" in choice["name"]
    refused = await bob.run("/bid release", bid=choice["value"], in_channel=channel)
    assert refused.ephemeral
    assert "Only the facilitator" in refused.text, refused.text
    released = await fran.run("/bid release", bid=choice["value"], in_channel=channel)
    assert released.ephemeral
    assert "You released **Managing up**" in released.text, released.text
    await wait_for(lambda: any("released" in m.text and "Managing up" in m.text for m in channel.live_messages))
    board = await fran.run("/bid list", in_channel=channel)
    assert "Chosen, waiting for a round" not in board.text
    again = await fran.run("/bid release", bid=choice["value"], in_channel=channel)
    assert "no chosen bid like that" in again.text.lower(), again.text


async def _a_meeting_that_ended_before_its_vote(fran: Member, channel: Channel) -> None:
    """A short meeting, ended in its opening: what was chosen before it now waits from an earlier meeting."""
    await fran.run("/meeting start", in_channel=channel)
    await fran.run("/meeting end", in_channel=channel)
    await wait_for(lambda: any("Summary of the meeting" in m.text for m in channel.live_messages))


async def test_a_member_whose_leaving_closes_the_vote_gets_no_round_in_it(world: FakeDiscord, bot: BotProcess) -> None:
    fran, (alice, bob, cleo) = await _group_of(world, 3)
    channel = world.guild.channel_named("set-a")
    await put_in(alice, channel, "Managing up", "Ideas, please")
    await put_in(bob, channel, "Hiring a lead", "Ideas, please")
    await _chosen_before_the_meeting(fran, [alice, bob, cleo], channel, "Managing up")
    await _a_meeting_that_ended_before_its_vote(fran, channel)
    await put_in(alice, channel, "Alice again", "Ideas, please")
    await put_in(cleo, channel, "Remote team", "Ideas, please")
    card = await _to_the_rounds(fran, [alice, bob, cleo], channel)
    await wait_for(lambda: "Vote on the bids" in _phase(card))
    ballot = channel.message_containing("Vote in Set A")
    await vote(bob, ballot, ["Remote team"])
    await vote(cleo, ballot, ["Hiring a lead"])
    await alice.run("/group leave", in_channel=channel)  # her ballot goes, so the vote closes
    await wait_for(lambda: "presents" in _phase(card))
    assert "Managing up" not in card.text, "no round for someone who left"
    assert "(round 1 of 1)" in _phase(card), _phase(card)


async def test_a_holder_who_comes_late_to_the_vote_takes_back_a_seat_not_an_extra_round(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob, cleo, dev) = await _group_of(world, 4)
    channel = world.guild.channel_named("set-a")
    await put_in(alice, channel, "Managing up", "Ideas, please")
    await put_in(bob, channel, "Hiring a lead", "Ideas, please")
    await _chosen_before_the_meeting(fran, [alice, bob, cleo, dev], channel, "Managing up")
    await _a_meeting_that_ended_before_its_vote(fran, channel)
    await put_in(cleo, channel, "Remote team", "Ideas, please")
    await put_in(dev, channel, "Career change", "Ideas, please")
    card = await _to_the_rounds(fran, [bob, cleo, dev], channel)  # Alice is late
    await wait_for(lambda: "Vote on the bids" in _phase(card))
    await alice.click(card, "Here")
    ballot = channel.message_containing("Vote in Set A")
    for person in (bob, cleo, dev):
        await vote(person, ballot, ["Hiring a lead"])
    await fran.run("/vote close", in_channel=channel)
    await wait_for(lambda: "presents" in _phase(card))
    assert "(round 1 of 2)" in _phase(card), _phase(card)
    assert "**Managing up** by " + alice.mention in card.text, "her waiting round goes first"
    board = await fran.run("/bid list", in_channel=channel)
    assert "Chosen, waiting for a round" in board.text, "the vote's second winner waits, chosen"
    assert "Managing up" not in board.text.split("Chosen, waiting for a round")[1], "this meeting holds hers"
