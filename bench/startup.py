"""Benchmark 2: start-up with 10,000 groups in the database, beside an empty database in the same run.

Time from process start to `bot ready`, and from the gateway's READY to `bot ready` (target 2 s or less),
with every piece of start-up work done (half-made groups undone, left-over effects carried out); and the
bot's resident memory per 1,000 groups (target 10 MB or less).
Run: .venv/bin/python -m bench.startup
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import insert

from bench._world import (
    SETKEEPER,
    database_url,
    fake_discord,
    group_row,
    open_database,
    rss_kib,
    running_bot,
    table,
)
from bot.db.migrate import migrate
from bot.db.models import Group, Membership
from bot.ui.access import BOT_PERMISSIONS
from tests.fakediscord import FakeDiscord

GROUPS = 10_000
MEMBERS_PER_GROUP = 5
GROUPS_PER_GUILD = 450
"""Discord allows 500 channels in a server, so 10,000 groups are spread over servers as a real bot's would be."""


def place_groups(world: FakeDiscord, groups: int) -> list[tuple[int, int]]:
    """A guild and a real text channel in the fake for each group: (guild id, channel id)."""
    placements: list[tuple[int, int]] = []
    guild = world.guild
    for n in range(groups):
        if n and n % GROUPS_PER_GUILD == 0:
            guild = world.create_guild(f"Server {n // GROUPS_PER_GUILD}", bot_permissions=BOT_PERMISSIONS)
        placements.append((guild.id, guild.add_channel(f"set-{n}").id))
    return placements


async def seed_bulk(url: str, placements: list[tuple[int, int]]) -> None:
    """Insert one active group with five members for each (guild, channel), in one transaction."""
    await migrate(url)
    groups = len(placements)
    if not groups:
        return
    database = open_database(url)
    now = datetime.now(UTC)
    rows = [group_row(n, placements[n][0], placements[n][1], now) for n in range(groups)]
    members = [
        {
            "group_id": n + 1,
            "user_id": 30_000_000 + n * 10 + m,
            "status": "active",
            "requested_at": now,
            "joined_at": now,
            "left_at": None,
            "rules_accepted_at": now,
        }
        for n in range(groups)
        for m in range(MEMBERS_PER_GROUP)
    ]
    async with database.write_sessions() as session:
        await session.execute(insert(Group), rows)
        await session.execute(insert(Membership), members)
        await session.commit()
    await database.dispose()


def log_time(line: str) -> float:
    """The timestamp at the start of one of the bot's log lines, as seconds since the epoch."""
    stamp = line.split()[0]
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


async def measure(groups: int) -> tuple[float, float, int]:
    """Seconds from process start to ready, seconds from gateway READY to ready, and RSS in KiB."""
    async with fake_discord() as world, database_url("sqlite") as url:
        await seed_bulk(url, place_groups(world, groups))
        started = time.monotonic()
        async with running_bot(world, SETKEEPER, url) as bot:
            to_ready = time.monotonic() - started
            lines = bot.output.splitlines()
            connected = next(line for line in lines if "has connected to Gateway" in line)
            ready = next(line for line in lines if "bot ready" in line)
            after_gateway = log_time(ready) - log_time(connected)
            if bot.pid is None:
                raise RuntimeError("the bot process is not running")
            return to_ready, after_gateway, rss_kib(bot.pid)


async def main() -> None:
    """Measure empty and 10,000 groups in one run and print the table."""
    empty = await measure(0)
    full = await measure(GROUPS)
    rows = [
        [f"{count:,}", f"{start:.2f} s", f"{gateway:.2f} s", f"{rss / 1024:.1f} MB"]
        for count, (start, gateway, rss) in ((0, empty), (GROUPS, full))
    ]
    print(table(["groups", "process start -> ready", "gateway READY -> ready", "RSS"], rows))
    per_thousand = (full[2] - empty[2]) / 1024 / (GROUPS / 1000)
    print(
        f"\nREADY -> ready with {GROUPS:,} groups: {full[1]:.2f} s (target <= 2 s); "
        f"ratio to an empty database: {full[1] / empty[1]:.2f}"
    )
    print(f"RSS per 1,000 groups: {per_thousand:.2f} MB (target <= 10 MB)")


if __name__ == "__main__":
    asyncio.run(main())
