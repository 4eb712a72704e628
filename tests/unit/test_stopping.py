"""A stopping bot: work in flight finishes before the database closes; what only waits is cancelled."""

from __future__ import annotations

import asyncio

from bot.__main__ import finish_work_in_flight


async def test_work_in_flight_finishes_and_what_outlives_the_limit_is_cancelled() -> None:
    finished: list[str] = []

    async def transaction() -> None:
        await asyncio.sleep(0.05)
        finished.append("transaction")

    async def forever() -> None:
        await asyncio.sleep(60)
        finished.append("forever")

    short, long = asyncio.ensure_future(transaction()), asyncio.ensure_future(forever())
    await finish_work_in_flight(0.3)
    assert finished == ["transaction"]
    assert short.done()
    assert not short.cancelled()
    assert long.cancelled()
