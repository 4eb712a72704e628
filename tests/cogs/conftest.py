"""Fixtures for cog tests: a bot with the cogs loaded, on real services and a test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import EXTENSIONS, Services, Setkeeper
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import FixedClock
from bot.services.due import DueWorkService
from bot.services.effects import EffectService
from bot.services.groups import GroupService
from bot.services.state import BotStateService
from tests.cogs.fakes import bot_with


@pytest.fixture
async def bot(
    groups: GroupService, effects: EffectService, bot_state: BotStateService, uow: UnitOfWorkFactory, clock: FixedClock
) -> AsyncIterator[Setkeeper]:
    """The bot with every cog loaded, never connected."""
    due = DueWorkService(uow, clock, "test-instance")
    instance = bot_with(Services(groups=groups, effects=effects, state=bot_state, due=due))
    for extension in EXTENSIONS:
        await instance.load_extension(extension)
    yield instance
    await instance.close()
