"""Fixtures for cog tests: a bot with the cogs loaded, on real services and a test database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot import i18n
from bot.app import EXTENSIONS, Services, Setkeeper
from tests.cogs.fakes import bot_with


@pytest.fixture
async def bot(services: Services) -> AsyncIterator[Setkeeper]:
    """The bot with every cog loaded, never connected."""
    instance = bot_with(services)
    for extension in EXTENSIONS:
        await instance.load_extension(extension)
    yield instance
    await instance.close()


@pytest.fixture
def nothing_missing() -> Iterator[None]:
    """Whatever the test draws in German has its German words in the catalog: `bot.i18n.MISSING` gains nothing."""
    before = set(i18n.MISSING)
    yield
    assert set(i18n.MISSING) - before == set()
