"""A bot whose clock is ahead of Discord's answers every interaction, and says at start-up that the clocks disagree.

Discord, not the local clock, says when an interaction has expired.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.e2e.test_groups_e2e import _group_of, world
from tests.e2e.test_meeting_e2e import live_card
from tests.fakediscord import BotProcess, FakeDiscord

pytestmark = pytest.mark.e2e
__all__ = ["world"]  # the fixture: the bot's role holds exactly the README's invite permissions

AHEAD = timedelta(minutes=20)
SKEW_LINE = "Discord's: interactions are judged by Discord, not by the local clock"


@pytest.fixture
async def discord_world(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """The fake Discord, its clock behind the bot's by the test's parameter (none without one)."""
    behind: timedelta = getattr(request, "param", timedelta(0))
    fake = FakeDiscord(clock_offset=-behind)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.mark.parametrize("discord_world", [AHEAD], indirect=True)
async def test_a_bot_twenty_minutes_ahead_of_discord_answers_commands_and_buttons_and_says_so(
    world: FakeDiscord, bot: BotProcess
) -> None:
    assert bot.now() - world.now() > AHEAD - timedelta(seconds=5), "the bot's clock is ahead of Discord's"
    fran, (alice,) = await _group_of(world, 1)  # commands and a button (the ground rules), each answered
    channel = world.guild.channel_named("set-a")

    info = await alice.run("/group info", in_channel=channel)  # deferred ("thinking…"), then answered
    assert "Set A" in info.text
    assert info.ephemeral
    await fran.run("/meeting start", in_channel=channel)
    card = live_card(channel)
    here = await alice.click(card, "Here")
    assert here.text, "the button is answered, not left as 'This interaction failed'"

    (line,) = [line for line in bot.stderr.splitlines() if SKEW_LINE in line]
    assert "ahead of Discord's" in line
    said = re.search(r"skew_seconds=(-?\d+)", line)
    assert said is not None, line
    assert abs(int(said.group(1)) - AHEAD.total_seconds()) <= 2, line


async def test_a_bot_whose_clock_agrees_with_discords_says_nothing_of_it(world: FakeDiscord, bot: BotProcess) -> None:
    _fran, (alice,) = await _group_of(world, 1)
    info = await alice.run("/group info", in_channel=world.guild.channel_named("set-a"))
    assert "Set A" in info.text
    assert SKEW_LINE not in bot.stderr
    assert "bot ready" in bot.stderr, "the log was read"
