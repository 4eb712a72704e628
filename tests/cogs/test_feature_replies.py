"""A command's reply when some of its changes on Discord are still to come: what the member needs to know."""

from __future__ import annotations

from typing import Any, cast
from unittest.mock import AsyncMock

from bot.app import Services
from bot.ui.applier import Progress
from cogs._feature import FeatureCog
from tests.cogs.fakes import bot_with, guild, interaction, member, sent


async def _finished(services: Services, progress: Progress) -> str:
    bot = bot_with(services)
    bot.applier.carried_out_within = AsyncMock(return_value=progress)  # type: ignore[method-assign]
    fake = interaction(member(5), guild(1))
    await FeatureCog(bot)._finish(fake, [], "Done.")
    (answer,) = sent(fake)
    return str(answer["content"])


async def test_changes_still_coming_are_said_plainly_not_as_discord_works(services: Services) -> None:
    assert (
        await _finished(services, Progress([], pending=True))
        == "Done.\n(Some of it may take a few more seconds to show.)"
    )
    assert await _finished(services, Progress([])) == "Done."
    failed = await _finished(services, Progress([cast("Any", "an effect that failed")]))
    assert failed.startswith("Done.\nSome of it has not gone through yet: I will keep trying for a few minutes")
