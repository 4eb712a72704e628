"""The floor card is always there: deleted by anyone, it comes back by itself, also across a restart."""

from __future__ import annotations

import pytest
from discord import Permissions

from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_groups_e2e import world as invited_world
from tests.e2e.test_meeting_e2e import _phase, speaker_on
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Message

pytestmark = pytest.mark.e2e

world = invited_world  # the README's invite permissions


def _cards(channel: Channel) -> list[Message]:
    return [m for m in channel.live_messages if m.text.startswith("Meeting of Set A")]


async def _in_catch_up(world: FakeDiscord) -> tuple[Member, list[Member], Channel, Message]:
    fran, people = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await fran.run("/meeting start", in_channel=channel)
    (card,) = _cards(channel)
    for person in people:
        await person.click(card, "Here")
    await fran.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card) and speaker_on(card) is not None)
    return fran, people, channel, card


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
    await wait_for(lambda: speaker_on(back) != speaker.id)
    assert len(_cards(channel)) == 1, "one card, not two"


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
    await wait_for(lambda: speaker_on(card) == listener.id)


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
