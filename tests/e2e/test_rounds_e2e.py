"""Rounds that follow the method, end to end: a holder who leaves, the three actions, words that come back whole."""

from __future__ import annotations

import pytest

from tests.e2e.test_chosen_bids_e2e import _to_the_rounds
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_groups_e2e import world as invited_world
from tests.e2e.test_meeting_e2e import _phase, speaker_on
from tests.e2e.test_votes_e2e import put_in
from tests.fakediscord import BotProcess, FakeDiscord

pytestmark = pytest.mark.e2e

world = invited_world  # the README's invite permissions


async def test_a_holder_who_leaves_mid_round_cuts_it_short_and_the_next_round_begins(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, people = await _group_of(world, 3)
    channel = world.guild.channel_named("set-a")
    await put_in(people[0], channel, "Managing up", "Ideas, please")
    await put_in(people[1], channel, "Hiring a lead", "Ideas, please")
    card = await _to_the_rounds(fran, people, channel)
    await wait_for(lambda: "The issue holder presents (round 1 of 2)" in _phase(card))
    first = next(p for p in people if p.id == speaker_on(card))
    second = next(p for p in people[:2] if p is not first)
    await first.click(card, "Done")
    await wait_for(lambda: "Clarifying" in _phase(card))

    left = await first.run("/group leave", in_channel=channel)
    assert "You have left **Set A**" in left.text, left.text
    await wait_for(lambda: "(round 2 of 2)" in _phase(card))
    assert "The issue holder presents" in _phase(card), "no questions for an empty chair"
    assert speaker_on(card) == second.id

    await fran.run("/meeting end", in_channel=channel)
    await wait_for(lambda: any("Summary of the meeting" in m.text for m in channel.live_messages))
    summary = channel.message_containing("Summary of the meeting")
    assert "cut short: its holder left the group during it" in summary.text, summary.text
