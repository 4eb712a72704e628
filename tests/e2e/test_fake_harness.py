"""Self-test of the harness: the echo bot runs as a subprocess against the fake Discord server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ECHO_BOT
from tests.fakediscord import BotProcess, FakeDiscord

pytestmark = pytest.mark.e2e


@pytest.fixture
def bot_command() -> list[str]:
    """Run the echo bot instead of the real bot."""
    return [sys.executable, str(ECHO_BOT)]


@pytest.fixture
def bot_database_url(tmp_path: Path) -> str:
    """The echo bot has no database; do not parametrize over back ends."""
    return f"sqlite+aiosqlite:///{tmp_path}/unused.db"


async def test_echo_round_trip(discord_world: FakeDiscord, bot: BotProcess) -> None:
    alice = discord_world.guild.add_member("Alice")
    reply = await alice.run("/echo", text="hi there")
    assert reply.text == "hi there"
    assert not reply.ephemeral
    assert discord_world.guild.channel_named("general").last_message is reply.message
