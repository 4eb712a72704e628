"""One speaker in every race: a stale Next, and `/meeting next` sent together with the speaker's Done."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import datetime
import re

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_meeting_e2e import LiveCard, _card, _phase, speaker_on
from tests.fakediscord import BotProcess, FakeDiscord, Member, Message

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(discord_world: FakeDiscord) -> FakeDiscord:
    """The README's invite permissions."""
    (role,) = discord_world.guild.me.roles
    discord_world.guild.set_role_permissions(role, Permissions(BOT_PERMISSIONS.value))
    return discord_world


UP_NEXT = re.compile(r"^Next: <@(\d+)>", re.MULTILINE)


def up_next_on(card: Message) -> int | None:
    """Who the floor card says speaks next."""
    found = UP_NEXT.search(card.text)
    return int(found[1]) if found else None


def as_seen_now(card: Message) -> Message:
    """The card as a member's screen shows it now: its buttons stay as they are when the bot edits the card later."""
    message = card.now() if isinstance(card, LiveCard) else card
    return dataclasses.replace(
        message, components=copy.deepcopy(message.components), embeds=copy.deepcopy(message.embeds)
    )


def _person(people: list[Member], user_id: int | None) -> Member:
    return next(p for p in people if p.id == user_id)


async def _catch_up(world: FakeDiscord, size: int) -> tuple[Member, list[Member], Message]:
    """A meeting of `size` members in its catch-up, everyone present; the facilitator, the members, the card."""
    fran, people = await _group_of(world, size)
    channel = world.guild.channel_named("set-a")
    await fran.run("/meeting start", in_channel=channel)
    card = _card(channel)
    for person in people:
        await person.click(card, "Here")
    await fran.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card) and speaker_on(card) is not None)
    return fran, people, card


async def test_a_stale_next_from_a_raised_hand_turn_does_not_end_the_same_members_own_turn(
    world: FakeDiscord, bot: BotProcess
) -> None:
    """The one who speaks next in the catch-up raises a hand: their hand turn and their own turn are two turns."""
    fran, people, card = await _catch_up(world, 3)
    first = _person(people, speaker_on(card))
    second = _person(people, up_next_on(card))
    raised = await second.click(card, "Raise hand")
    assert "Your hand is raised" in raised.text
    assert "Your turn is over" in (await first.click(card, "Done")).text
    await wait_for(lambda: speaker_on(card) == second.id and "Hands raised" not in card.text)
    await world.settle()
    stale = as_seen_now(card)  # the facilitator's screen, during the hand turn

    assert "Your turn is over" in (await second.click(card, "Done")).text  # the hand turn: now their own turn
    await world.settle()
    assert speaker_on(card) == second.id, "their own turn in the fixed order follows the hand turn"

    late = await fran.click(stale, "Next")
    assert late.ephemeral
    assert "moved on" in late.text
    assert "Moved on." not in late.text, late.text
    await world.settle()
    assert speaker_on(card) == second.id, "the Next pressed during the hand turn did not end their own turn"


async def test_meeting_next_sent_with_the_speakers_done_ends_one_turn(world: FakeDiscord, bot: BotProcess) -> None:
    """Done and `/meeting next` at the same moment, four times: each time the floor moves on once, not twice.

    The race is real: each pair is sent at once and the bot handles them concurrently (Done has won every run seen).
    """
    fran, people, card = await _catch_up(world, 6)
    channel = world.guild.channel_named("set-a")
    for _ in range(4):
        speaker, following = speaker_on(card), up_next_on(card)
        assert following is not None
        done, moved = await asyncio.gather(
            _person(people, speaker).click(card, "Done"), fran.run("/meeting next", in_channel=channel)
        )
        await world.settle()
        assert speaker_on(card) == following, f"two turns ended: {done.text!r}, {moved.text!r}"
        assert moved.ephemeral
        ended_by_done = "Your turn is over. Thank you." in done.text
        ended_by_next = moved.text.startswith("Moved on.")
        assert ended_by_done != ended_by_next, (done.text, moved.text)
        if ended_by_done:
            assert "already moved on" in moved.text, moved.text
    following = up_next_on(card)
    world.move_clock(datetime.timedelta(seconds=2))  # the facilitator reads the card before sending it alone
    alone = await fran.run("/meeting next", in_channel=channel)
    assert alone.text.startswith("Moved on."), "sent on its own, it moves on from the turn the facilitator sees"
    await world.settle()
    assert speaker_on(card) == following


async def test_meeting_next_sent_just_after_a_done_was_stored_still_ends_no_second_turn(
    world: FakeDiscord, bot: BotProcess
) -> None:
    """The Done is wholly handled before `/meeting next` reaches the bot, which came moments after it.

    Sent within moments of the Done by Discord's clock, the command was meant for the turn the Done ended.
    """
    fran, people, card = await _catch_up(world, 3)
    channel = world.guild.channel_named("set-a")
    first = _person(people, speaker_on(card))
    done = await first.click(card, "Done")
    assert "Your turn is over" in done.text
    await world.settle()
    second = speaker_on(card)
    assert second not in (None, first.id)
    late = await fran.run("/meeting next", in_channel=channel)
    assert "The turn had already moved on when your /meeting next arrived" in late.text, late.text
    await world.settle()
    assert speaker_on(card) == second, "the next speaker keeps the floor"

    world.move_clock(datetime.timedelta(seconds=2))  # the facilitator has read the card, and means it
    meant = await fran.run("/meeting next", in_channel=channel)
    assert "Moved on." in meant.text
    await wait_for(lambda: speaker_on(card) != second)
