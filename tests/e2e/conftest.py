"""End-to-end fixtures: the fake Discord server (``discord_world``) and the real bot process (``bot``)."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import TEST_ENCRYPTION_KEY
from tests.fakediscord import BotProcess, FakeDiscord

REPO_ROOT = Path(__file__).resolve().parents[2]
ECHO_BOT = REPO_ROOT / "tests" / "fakediscord" / "echo_bot.py"
LIMITS_SCALE = 0.05
"""Discord's rate-limit windows shrunk twentyfold, on both sides, so a test of pacing runs in seconds."""
GUILD_READY_TIMEOUT = 0.05


def _report(fake: FakeDiscord, bot: BotProcess | None) -> str | None:
    problems = fake.problems()
    tracebacks = bot.tracebacks() if bot is not None else []
    if not problems and not tracebacks:
        return None
    parts = ["fake Discord found problems:"]
    parts.extend(f"  - {p}" for p in problems)
    for trace in tracebacks:
        parts.append("bot printed a traceback:\n" + trace)
    if bot is not None:
        parts.append("bot output (tail):\n" + bot.tail(80))
    return "\n".join(parts)


@pytest.fixture
async def discord_world() -> AsyncIterator[FakeDiscord]:
    """A running fake Discord on 127.0.0.1 with a default guild (owner, @everyone, #general, the bot member)."""
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def fake_discord(discord_world: FakeDiscord) -> FakeDiscord:
    """Alias of ``discord_world``."""
    return discord_world


@pytest.fixture
def bot_command() -> list[str]:
    """The bot's command line; override in a test module to run another bot (e.g. the echo bot)."""
    return [sys.executable, "-m", "bot"]


@pytest.fixture
def bot_database_url(migrated_database_url: str) -> str:
    """The bot's database: ``migrated_database_url`` from tests/conftest.py (parametrized over the back ends).

    Already at the newest revision, as a bot that ran before leaves it; tests/e2e/test_startup_e2e.py starts from
    nothing.
    """
    return migrated_database_url


@pytest.fixture
def bot_env(discord_world: FakeDiscord, bot_database_url: str, tmp_path: Path) -> dict[str, str]:
    """The bot process environment (tests may add keys)."""
    env = {
        **discord_world.bot_env(),
        "DATABASE_URL": bot_database_url,
        # The key the tests' own connections use, and no key file written beside the database.
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        # The bot paces itself within Discord's observed limits; the fake's realistic mode counts at this pace.
        "DISCORD_LIMITS_SCALE": str(LIMITS_SCALE),
        # The fake sends every guild at once: waiting half a second for more, as for Discord, buys nothing here.
        "DISCORD_GUILD_READY_TIMEOUT": str(GUILD_READY_TIMEOUT),
        # A clock the test moves (`bot.move_clock`): a reminder an hour away is tested without waiting an hour.
        "TEST_CLOCK_FILE": str(tmp_path / "bot-clock"),
    }
    for key in ("PATH", "HOME"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


@pytest.fixture
async def bot(
    discord_world: FakeDiscord,
    bot_command: list[str],
    bot_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[BotProcess]:
    """The real bot process, started and ``bot ready``; SIGTERM at teardown; fails on tracebacks/404s/unanswered."""
    process = BotProcess(bot_command, bot_env, tmp_path_factory.mktemp("botcwd"))
    await process.start()
    try:
        yield process
    finally:
        await discord_world.settle(within=5.0)
        await process.stop()
        report = _report(discord_world, process)
        if report:
            pytest.fail(report, pytrace=False)
