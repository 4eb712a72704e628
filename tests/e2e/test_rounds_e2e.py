"""Rounds that follow the method, end to end: a holder who leaves, the three actions, words that come back whole."""

from __future__ import annotations

import pytest
from discord import Permissions

from tests.e2e.test_chosen_bids_e2e import _chosen_before_the_meeting, _to_the_rounds
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_groups_e2e import world as invited_world
from tests.e2e.test_meeting_e2e import _card, _phase, speaker_on
from tests.e2e.test_votes_e2e import put_in
from tests.fakediscord import BotProcess, FakeDiscord, Member, Message, Reply
from tests.fakediscord.world import flatten_components

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
    assert "cut short: the issue holder left the group during it" in summary.text, summary.text


async def _to_phase(card: Message, phase: str, people: list[Member]) -> None:
    """Whoever has the floor presses Done until the card shows `phase`."""
    while phase not in _phase(card):
        holder, was = speaker_on(card), _phase(card)
        speaker = next(p for p in people if p.id == holder)
        await speaker.click(card, "Done")
        await wait_for(lambda gone=holder, then=was: _phase(card) != then or speaker_on(card) != gone)


def _defaults(form: Reply) -> dict[str, str]:
    """A form's fields that open filled in: custom id to text."""
    assert form.modal is not None, form
    return {
        str(field["custom_id"]): str(field["value"])
        for field in flatten_components(form.modal["components"])
        if field.get("value")
    }


async def test_a_holder_changes_their_three_actions_until_the_meeting_ends_and_no_fourth_creeps_in(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await put_in(alice, channel, "Managing up", "Ideas, please")
    await put_in(bob, channel, "Hiring a lead", "Ideas, please")
    card = await _to_the_rounds(fran, [alice, bob], channel)
    await wait_for(lambda: "The issue holder presents (round 1 of 2)" in _phase(card))
    holder = alice if speaker_on(card) == alice.id else bob
    await _to_phase(card, "actions", [alice, bob, fran])

    first = await holder.click(card, "Record my actions")
    assert first.modal_title == "Your learning and actions"
    second = await holder.click(card, "Record my actions")  # the form opened twice, as happens
    typo = {"action:1": "Ask for feedbak", "action:2": "Book a 1:1", "action:3": "Draft the plan", "learnt": "Ask"}
    recorded = await holder.submit_modal(first, typo)
    assert "Your learning and actions are recorded" in recorded.text
    assert "you can change them" in recorded.text
    await wait_for(lambda: "(round 2 of 2)" in _phase(card))

    fixed = {**typo, "action:1": "Ask for feedback"}
    changed = await holder.submit_modal(second, fixed)
    assert "Your learning and actions are recorded" in changed.text, "a second form changes the round's actions"

    status = await holder.run("/meeting status", in_channel=channel)
    assert "Record my actions" in status.buttons, status.buttons
    again = await holder.click(status.messages[-1], "Record my actions")
    assert again.modal_title == "Change your learning and actions"
    assert _defaults(again) == fixed, "it opens with what is recorded"

    fourth = await holder.run("/action add", text="A fourth thing", in_channel=channel)
    assert fourth.ephemeral
    assert "You hold a round in the meeting of Set A" in fourth.text

    await fran.run("/meeting end", in_channel=channel)
    await wait_for(lambda: any("Summary of the meeting" in m.text for m in channel.live_messages))
    summary = channel.message_containing("Summary of the meeting").text
    assert "action: Ask for feedback" in summary
    assert "feedbak" not in summary
    assert summary.count("action:") == 3, summary
    later = await holder.run("/action add", text="A fourth thing", in_channel=channel)
    assert "Your action in Set A is recorded" in later.text, "after the meeting, actions are free again"


async def test_an_administrator_outside_the_group_posting_mid_meeting_is_told_what_applies_to_them(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    owner = world.guild.add_member("Olga", permissions=Permissions(administrator=True))
    await fran.run("/meeting start", in_channel=channel)
    card = _card(channel)
    for person in (alice, bob):
        await person.click(card, "Here")
    await fran.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card) and speaker_on(card) is not None)

    post = await owner.post(channel, "Quick notice for everyone")
    await wait_for(lambda: post.deleted and len(owner.dms) == 1)
    (note,) = owner.dms
    assert "Your post in Set A was removed" in note.text
    assert "You are not a member of Set A" in note.text, note.text
    assert "raise your hand" not in note.text.casefold()


async def test_the_last_rounds_form_says_it_is_final_and_the_reply_does_not_promise_a_change(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await fran.run("/group settings", rounds_per_meeting=1, in_channel=channel)
    await put_in(alice, channel, "Managing up", "Ideas, please")
    card = await _to_the_rounds(fran, [alice, bob], channel)
    await wait_for(lambda: "(round 1 of 1)" in _phase(card))
    await _to_phase(card, "actions", [alice, bob, fran])
    form = await alice.click(card, "Record my actions")
    hints = [str(f.get("description")) for f in flatten_components((form.modal or {})["components"])]
    assert any("these are final" in hint for hint in hints), hints
    recorded = await alice.submit_modal(form, {"action:1": "Ask for feedback", "learnt": "Ask"})
    assert "That was the meeting's last round: it has ended" in recorded.text
    assert "change them" not in recorded.text


async def test_a_holder_who_left_after_their_round_keeps_it_heard_and_can_no_longer_change_it(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob, cleo) = await _group_of(world, 3)
    channel = world.guild.channel_named("set-a")
    await put_in(alice, channel, "Managing up", "Ideas, please")
    await put_in(bob, channel, "Hiring a lead", "Ideas, please")
    card = await _to_the_rounds(fran, [alice, bob, cleo], channel)
    await wait_for(lambda: "(round 1 of 2)" in _phase(card))
    first = alice if speaker_on(card) == alice.id else bob
    await _to_phase(card, "actions", [alice, bob, cleo, fran])
    form = await first.click(card, "Record my actions")
    await first.submit_modal(form, {"action:1": "Ask for feedback", "learnt": "x"})
    await wait_for(lambda: "(round 2 of 2)" in _phase(card))
    status = await first.run("/meeting status", in_channel=channel)

    await first.run("/group leave", in_channel=channel)
    again = await first.click(status.messages[-1], "Record my actions")
    assert again.modal is None
    assert "Only members of Set A" in again.text, again.text
    await fran.run("/meeting end", in_channel=channel)
    await wait_for(lambda: any("Summary of the meeting" in m.text for m in channel.live_messages))
    assert "action: Ask for feedback" in channel.message_containing("Summary of the meeting").text
    assert not any("is withdrawn" in m.text for m in channel.live_messages), "a bid heard today was not withdrawn"


async def test_a_change_goes_to_the_round_the_form_was_opened_for(world: FakeDiscord, bot: BotProcess) -> None:
    fran, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await put_in(alice, channel, "Managing up", "Ideas, please")
    await _chosen_before_the_meeting(fran, [alice, bob], channel, "Managing up")
    await fran.run("/meeting start", in_channel=channel)
    await fran.run("/meeting end", in_channel=channel)  # ended before its vote: the chosen bid waits
    await wait_for(lambda: any("Summary of the meeting" in m.text for m in channel.live_messages))
    await put_in(alice, channel, "Alice again", "Ideas, please")
    card = await _to_the_rounds(fran, [alice, bob], channel)
    await wait_for(lambda: "(round 1 of 2)" in _phase(card))
    await _to_phase(card, "actions", [alice, bob, fran])
    first = await alice.click(card, "Record my actions")
    await alice.submit_modal(first, {"action:1": "Round one action", "learnt": "one"})
    await wait_for(lambda: "(round 2 of 2)" in _phase(card))
    status = await alice.run("/meeting status", in_channel=channel)
    change = await alice.click(status.messages[-1], "Record my actions")
    assert _defaults(change)["action:1"] == "Round one action"
    await _to_phase(card, "actions", [alice, bob, fran])  # round 2 reaches its actions step meanwhile
    await alice.submit_modal(change, {"action:1": "Round one action, corrected", "learnt": "one, corrected"})
    assert "(round 2 of 2)" in _phase(card), "the change to round 1 did not end round 2"
    own = await alice.click(card, "Record my actions")
    await alice.submit_modal(own, {"action:1": "Round two action", "learnt": "two"})
    await wait_for(lambda: any("Summary of the meeting" in m.text for m in channel.live_messages))
    summary = channel.message_containing("Summary of the meeting").text
    one, two = summary.split("Alice again")
    assert "Round one action, corrected" in one
    assert "Round two action" in two
    assert "corrected" not in two
