"""A command's reply when some of its changes on Discord are still to come: what the member needs to know."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from unittest.mock import AsyncMock

from bot.app import Services
from bot.ui.applier import Progress
from cogs._feature import FeatureCog
from cogs.votes._cog import _in_time
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


async def test_a_form_that_could_not_open_in_time_says_what_to_do_not_why() -> None:
    fake = interaction(member(5), guild(1))
    fake.created_at = datetime.now(UTC) - timedelta(seconds=10)  # the check is out of time at once
    assert await _in_time(fake, asyncio.sleep(5)) is None
    (answer,) = sent(fake)
    assert answer["content"] == "I could not open the form in time. Nothing was lost: please try again."
