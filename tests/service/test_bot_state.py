"""What the bot remembers about itself (`bot_state`): two processes writing one key at the same moment both succeed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.app import Services

AT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


async def test_two_processes_writing_a_new_key_at_once_both_succeed_and_the_last_value_stays(
    services: Services,
) -> None:
    """Processes started together (the sharded compose file) write the same start-up keys: no unique violation."""
    started = asyncio.Event()

    async def write(value: str) -> None:
        async with services.units() as unit:
            await unit.state.get("schema-check")  # each transaction reads first, as start-up does
            await started.wait()
            await unit.state.put("schema-check", value, AT)
            await unit.commit()

    tasks = [asyncio.create_task(write(value)) for value in ("one", "two")]
    await asyncio.sleep(0.05)
    started.set()
    await asyncio.gather(*tasks)
    async with services.units(write=False) as unit:
        assert await unit.state.get("schema-check") in {"one", "two"}
    async with services.units() as unit:
        await unit.state.put("schema-check", "three", AT)
        assert await unit.state.get("schema-check") == "three", "a put is read back in the same transaction"
        await unit.commit()
