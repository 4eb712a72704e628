"""The floor card is always there: deleted by anyone, it comes back by itself, also across a restart."""

from __future__ import annotations

import pytest
from discord import Permissions

from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_groups_e2e import world as invited_world
from tests.e2e.test_meeting_e2e import _phase, _wait_message, live_card, speaker_on
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Message

pytestmark = pytest.mark.e2e

world = invited_world  # the README's invite permissions


def _cards(channel: Channel) -> list[Message]:
    """The live cards in the channel (a card the meeting moved on from is a line without buttons)."""
    return [m for m in channel.live_messages if "Meeting of Set A" in m.text]


async def _in_catch_up(world: FakeDiscord) -> tuple[Member, list[Member], Channel, Message]:
    """A meeting of two begun: the first speaker of the catch-up has the floor; the card's message then."""
    fran, people = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await fran.run("/meeting start", in_channel=channel)
    card = live_card(channel)
    for person in people:
        await person.click(card, "Here")
    await fran.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card) and speaker_on(card) is not None)
    await world.settle()
    (posted,) = _cards(channel)
    return fran, people, channel, posted


async def test_a_deleted_card_comes_back_with_its_buttons(world: FakeDiscord, bot: BotProcess) -> None:
    _, people, channel, card = await _in_catch_up(world)
    moderator = world.guild.add_member("Mo", permissions=Permissions(administrator=True))
    await moderator.delete(card)
    await wait_for(lambda: len(_cards(channel)) == 1)
    (back,) = _cards(channel)
    assert back.id != card.id
    assert "Catch-up" in _phase(back)
    speaker = next(p for p in people if p.id == speaker_on(back))
    pressed = await speaker.click(back, "Done")
    assert "Your turn is over" in pressed.text
    await wait_for(lambda: speaker_on(live_card(channel)) not in (None, speaker.id))
    await world.settle()
    assert len(_cards(channel)) == 1, "one card, not two"


async def test_raise_hand_on_the_card_lowers_it_when_pressed_again(world: FakeDiscord, bot: BotProcess) -> None:
    _, people, channel, _ = await _in_catch_up(world)
    card = live_card(channel)
    listener = next(p for p in people if p.id != speaker_on(card))
    raised = await listener.click(card, "Raise hand")
    assert "Your hand is raised" in raised.text
    await wait_for(lambda: "Hands raised" in card.text)
    lowered = await listener.click(card, "Raise hand")
    assert lowered.text == "Your hand is lowered."
    await wait_for(lambda: "Hands raised" not in card.text)


async def test_here_comes_back_on_the_card_when_a_member_is_added_during_the_meeting(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, _, channel, _ = await _in_catch_up(world)
    card = live_card(channel)
    assert "Here" not in card.buttons, "everyone is present"
    nina = world.guild.add_member("Nina")
    await fran.run("/group add", member=nina, in_channel=channel)
    await wait_for(lambda: "Here" in card.buttons)
    await fran.run("/group remove", member=nina, in_channel=channel)
    await wait_for(lambda: "Here" not in card.buttons)


async def test_a_card_deleted_while_the_bot_was_down_is_back_after_the_start(
    world: FakeDiscord, bot: BotProcess
) -> None:
    _, _, channel, card = await _in_catch_up(world)
    await bot.kill()
    moderator = world.guild.add_member("Mo", permissions=Permissions(administrator=True))
    await moderator.delete(card)
    await bot.start()
    await wait_for(lambda: len(_cards(channel)) == 1)
    (back,) = _cards(channel)
    assert "Catch-up" in _phase(back)
    assert speaker_on(back) == speaker_on(card)


async def test_meeting_status_offers_the_buttons_its_caller_may_press(world: FakeDiscord, bot: BotProcess) -> None:
    fran, people, channel, card = await _in_catch_up(world)
    speaker = next(p for p in people if p.id == speaker_on(card))
    listener = next(p for p in people if p is not speaker)
    mine = await speaker.run("/meeting status", in_channel=channel)
    assert mine.ephemeral
    assert {"Done", "Pass"} <= set(mine.buttons)
    assert "Next" not in mine.buttons
    theirs = await listener.run("/meeting status", in_channel=channel)
    assert "Done" not in theirs.buttons
    assert "Raise hand" in theirs.buttons
    facilitator = await fran.run("/meeting status", in_channel=channel)
    assert "Next" in facilitator.buttons
    assert "Done" not in facilitator.buttons
    pressed = await speaker.click(mine.messages[-1], "Done")
    assert "Your turn is over" in pressed.text
    await wait_for(lambda: speaker_on(live_card(channel)) == listener.id)


async def test_a_card_taken_in_a_purge_comes_back_at_once(world: FakeDiscord, bot: BotProcess) -> None:
    _, _, channel, card = await _in_catch_up(world)
    other = next(m for m in reversed(channel.live_messages) if m is not card)
    for message in (card, other):  # a moderation bot's bulk delete: Discord tells the bot in one event
        world.record_deletion(message, world.bot_user)
    await world.dispatch(
        "MESSAGE_DELETE_BULK",
        {"ids": [str(card.id), str(other.id)], "channel_id": str(channel.id), "guild_id": str(world.guild.id)},
    )
    await wait_for(lambda: len(_cards(channel)) == 1)


async def test_after_a_hand_over_the_newest_message_is_the_card_pinging_the_speaker_and_the_old_one_is_spent(
    world: FakeDiscord, bot: BotProcess
) -> None:
    _, people, channel, card = await _in_catch_up(world)
    speaker = next(p for p in people if p.id == speaker_on(card))
    listener = next(p for p in people if p is not speaker)
    assert card.content.startswith(f"{speaker.mention}, you have the floor: Catch-up on last time's actions.")
    await speaker.click(card, "Done")
    await wait_for(lambda: speaker_on(live_card(channel)) == listener.id)
    await world.settle()
    newest = channel.last_message
    assert newest is not None
    assert newest.content == (
        f"{listener.mention}, you have the floor: Catch-up on last time's actions. "
        "Tell the group how your actions went, then press Done."
    )
    assert newest.pinged_user_ids == {listener.id}, "the new card pings the speaker, and only them"
    assert newest.buttons[:3] == ["Done", "Pass", "Raise hand"]
    assert newest.buttons[-4:] == ["Facilitator:", "Next", "Pause", "End meeting"]
    link = f"https://discord.com/channels/{world.guild.id}/{channel.id}/{newest.id}"
    assert card.text == f"-# Earlier card of the meeting of Set A: the live card is [the newest one]({link})."
    assert card.all_components == [], "the card the meeting moved on from offers no buttons"
    assert card.embeds == []
    assert _cards(channel) == [newest]


async def test_end_asks_the_facilitator_first_and_refuses_a_member(world: FakeDiscord, bot: BotProcess) -> None:
    fran, people, channel, card = await _in_catch_up(world)
    refused = await people[0].click(card, "End meeting")
    assert refused.ephemeral
    assert refused.text == "Only the facilitator can end the meeting. Your buttons are on the card's top row."
    asked = await fran.click(card, "End meeting")
    assert asked.ephemeral
    assert asked.text.startswith("End the meeting for everyone now? This is final")
    assert asked.buttons == ["Yes, end the meeting for everyone"]
    assert "Summary of the meeting" not in "\n".join(m.text for m in channel.live_messages), "nothing ended yet"
    ended = await fran.click(asked.messages[-1], "Yes, end the meeting for everyone")
    assert "The meeting has ended" in ended.text
    await _wait_message(channel, "Summary of the meeting of Set A")
    await world.settle()
    assert all(not m.buttons for m in channel.live_messages if "Meeting of Set A" in m.text), "no live buttons"
