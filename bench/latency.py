"""Benchmark 1: interaction overhead, dispatch to the bot's first callback, beside a no-op discord.py handler.

Setkeeper runs with 200 active groups (five members each) and answers its real commands; the floor is the
fake Discord's own echo bot (a discord.py handler that replies at once), through the same fake in the same run.
Targets: p50 <= 5 ms and p99 <= 25 ms one at a time; p99 under 100 ms at 500 or more interactions a second
(SQLite, 2 cores).
Run: .venv/bin/python -m bench.latency
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Callable
from typing import Any

from bench._world import (
    ECHO_BOT,
    SETKEEPER,
    SeededGroup,
    database_url,
    fake_discord,
    median,
    percentile,
    running_bot,
    seed_groups,
    table,
)
from tests.fakediscord import Channel, FakeDiscord, InteractionRecord, Member

GROUPS = 200
ONE_AT_A_TIME = 400
RATES = (100, 250, 500, 750, 1000)
SECONDS_PER_RATE = 2.0
Request = tuple[Member, str, dict[str, Any], Channel | None, str | None]


async def dispatch(world: FakeDiscord, request: Request) -> InteractionRecord:
    """Send one interaction without waiting for its answer."""
    member, path, given, channel, focused = request
    return await world.interactions.send_command(member, path, given, channel, focused=focused)


async def first_callbacks(records: list[InteractionRecord], within: float = 30.0) -> list[float]:
    """Wait until every record has its first callback; return the latencies in milliseconds."""

    async def first_callback(record: InteractionRecord) -> None:
        while True:
            record.changed.clear()
            if record.callback_at is not None:
                return
            await record.changed.wait()

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(first_callback(record) for record in records)), within)
    return [record.latency * 1000 for record in records if record.latency is not None]


async def one_at_a_time(world: FakeDiscord, make: Callable[[int], Request], count: int) -> list[float]:
    """Latencies of `count` interactions sent one after the other, each after the previous one's callback."""
    latencies = []
    for number in range(count):
        record = await dispatch(world, make(number))
        latencies += await first_callbacks([record])
        await world.settle(quiet=0.005, within=2.0)
    return latencies


async def at_rate(world: FakeDiscord, make: Callable[[int], Request], rate: int) -> tuple[float, int, int]:
    """Send at `rate` a second for a while; returns (p99 ms, sent, answered)."""
    count = int(rate * SECONDS_PER_RATE)
    started = time.monotonic()
    tasks = []
    for number in range(count):
        delay = started + number / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(dispatch(world, make(number))))
    records = await asyncio.gather(*tasks)
    latencies = await first_callbacks(list(records))
    await world.settle(quiet=0.3, within=60.0)
    return (percentile(latencies, 0.99) if latencies else float("inf")), count, len(latencies)


def echo_requests(world: FakeDiscord) -> Callable[[int], Request]:
    """The no-op floor: /echo answers at once."""
    people = [world.guild.add_member(f"Echo{n}") for n in range(20)]
    return lambda n: (people[n % len(people)], "/echo", {"text": "hi"}, None, None)


def setkeeper_requests(groups: list[SeededGroup], world: FakeDiscord) -> Callable[[int], Request]:
    """Setkeeper's real commands across 200 groups: details, settings, autocomplete, join requests."""
    rng = random.Random(7)
    outsiders = itertools.count()

    def make(n: int) -> Request:
        group = groups[rng.randrange(len(groups))]
        channel = world.find_channel(group.channel_id)
        kind = n % 4
        if kind == 0:
            return (rng.choice(group.members), "/group info", {}, channel, None)
        if kind == 1:
            return (group.facilitator, "/group settings", {}, channel, None)
        if kind == 2:
            return (rng.choice(group.members), "/group join", {"group": "Set 1"}, None, "group")
        newcomer = world.guild.add_member(f"Out{next(outsiders)}")
        return (newcomer, "/group join", {"group": f"id:{group.id}"}, None, None)

    return make


async def measure(command: list[str], seeded: bool) -> tuple[list[float], list[tuple[int, float, int, int]]]:
    """One bot: latencies one at a time, then p99 at each rate."""
    async with fake_discord() as world, database_url("sqlite") as url:
        groups = await seed_groups(world, url, GROUPS) if seeded else []
        async with running_bot(world, command, url):
            make = setkeeper_requests(groups, world) if seeded else echo_requests(world)
            await one_at_a_time(world, make, 50)  # warm up
            single = await one_at_a_time(world, make, ONE_AT_A_TIME)
            rates = []
            for rate in RATES:
                p99, sent, answered = await at_rate(world, make, rate)
                rates.append((rate, p99, sent, answered))
            return single, rates


def sustained(rates: list[tuple[int, float, int, int]]) -> int:
    """The highest rate whose p99 stayed under 100 ms with every interaction answered."""
    passing = [rate for rate, p99, sent, answered in rates if p99 < 100 and answered == sent]
    return max(passing, default=0)


async def main() -> None:
    """Measure the floor and Setkeeper in one run and print the tables."""
    floor_single, floor_rates = await measure(ECHO_BOT, seeded=False)
    bot_single, bot_rates = await measure(SETKEEPER, seeded=True)
    rows = []
    for label, single in (("no-op discord.py handler", floor_single), (f"Setkeeper, {GROUPS} groups", bot_single)):
        rows.append([label, len(single), f"{median(single):.2f} ms", f"{percentile(single, 0.99):.2f} ms"])
    print(table(["one at a time", "interactions", "p50", "p99"], rows))
    print()
    rate_rows = [
        [f"{rate}/s", f"{floor[1]:.1f} ms", f"{mine[1]:.1f} ms", f"{mine[3]}/{mine[2]}"]
        for rate, floor, mine in zip(RATES, floor_rates, bot_rates, strict=True)
        for _ in [rate]
    ]
    print(table(["rate", "no-op p99", "Setkeeper p99", "Setkeeper answered"], rate_rows))
    p50, p99 = median(bot_single), percentile(bot_single, 0.99)
    print(
        f"\nSetkeeper p50 {p50:.2f} ms (target <= 5), p99 {p99:.2f} ms (target <= 25); "
        f"ratio to the no-op floor: p50 x{p50 / median(floor_single):.1f}, "
        f"p99 x{p99 / percentile(floor_single, 0.99):.1f}"
    )
    print(
        f"sustained rate with p99 < 100 ms: Setkeeper {sustained(bot_rates)}/s (target >= 500), "
        f"no-op floor {sustained(floor_rates)}/s"
    )


if __name__ == "__main__":
    asyncio.run(main())
