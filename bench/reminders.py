"""Benchmark 6: 10,000 groups whose report-back reminder falls due in the same minute.

Groups are spread over 20 servers of 500 text channels (Discord's most per server), three members each with an open
action, seeded straight into the database (seeding through the services would take longer than the burst). The fake
Discord applies Discord's limits as announced (the global 50 requests per second, 5 posts per 5 s per channel); the
real bot process is started a little before the minute and left to post. Measured in one run: posts per second
between the first and the last reminder, as a share of the 50 per second ceiling; 429s; channels that got the
reminder twice or never; and the bot's resident memory, at its peak and at rest after the burst.
With `--processes N` (PostgreSQL) the same burst is served by N bot processes of one shard each (SHARD_COUNT=N,
SHARD_IDS=i), the servers spread evenly over the shards and the fake's one global bucket counting every process's
requests (one bot token), printed beside a run of one process; then a standby for the last shard is started, that
process killed with SIGKILL, and the seconds until the standby holds the shard's lock and serves it are measured.
Run: .venv/bin/python -m bench reminders [--groups N] [--postgresql] [--processes N]
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet
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
from bot.db.crypto import Cipher, for_group
from bot.db.migrate import migrate
from bot.db.models import Action, DueWork, Group, GroupKey, Membership
from bot.domain.cadence import parse_cadence, to_dict
from bot.domain.reminders import ReminderKind, group_subject
from bot.ui.access import BOT_PERMISSIONS
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.fakediscord import BotProcess, FakeDiscord
from tests.fakediscord.world import Channel

GROUPS = 10_000
PER_SERVER = 500
MEMBERS = 3
CEILING = 50.0
LEAD = timedelta(hours=72)
HEADING = "Time to report back"
START_AHEAD = 40.0
"""Seconds between seeding and the due minute: the bot starts and connects to every server meanwhile."""
IDENTIFY_INTERVAL = 0.2
"""The fake's seconds between two shards' IDENTIFYs (Discord's 5 s, shortened so the processes start at once)."""
STANDING_BY = "standing by"
TOOK_OVER = "took over"


def channels_of(world: FakeDiscord, count: int, shards: int = 1) -> list[tuple[int, Channel]]:
    """`count` text channels, 500 to a server, each with its server's id; the servers taken in turn from each shard.

    With one shard the first server is the fake's own; with more, every server gets an id that Discord's formula
    (`(id >> 22) % shards`) puts on shard 0, 1, ... in turn, so the groups are spread evenly over the shards.
    """
    made: list[tuple[int, Channel]] = []
    guild = world.guild
    while len(made) < count:
        number = len(made) // PER_SERVER
        if len(made) % PER_SERVER == 0 and (made or shards > 1):
            shard = (number % shards, shards) if shards > 1 else None
            guild = world.create_guild(f"Server {number}", bot_permissions=BOT_PERMISSIONS, shard=shard)
        made.append((guild.id, guild.add_channel(f"set-{len(made)}")))
    return made


async def seed(url: str, channels: list[tuple[int, Channel]], due: datetime) -> None:
    """The groups, members, actions and each group's due reminder, in a few statements per table."""
    await migrate(url)
    database = open_database(url)
    cipher = Cipher([TEST_ENCRYPTION_KEY])
    meeting = due + LEAD
    rule = to_dict(
        parse_cadence("once", at=meeting.strftime("%H:%M"), zone="UTC", now=due - LEAD, on=meeting.date().isoformat())
    )
    now = datetime.now(UTC)
    settings = {"quiet_start_hour": 0, "quiet_end_hour": 0, "schedule": rule, "next_meeting_at": meeting}
    async with database.write_sessions() as session:
        for start in range(0, len(channels), 1000):
            chunk = channels[start : start + 1000]
            groups = [
                group_row(start + n, guild_id, channel.id, now, **settings)
                for n, (guild_id, channel) in enumerate(chunk)
            ]
            await session.execute(insert(Group), groups)
            keys = {
                g["id"]: Fernet.generate_key() for g in groups
            }  # each group's own data key, as its first words make
            await session.execute(
                insert(GroupKey),
                [{"group_id": group, "wrapped": cipher.encrypt(key.decode())} for group, key in keys.items()],
            )
            people = [(g["id"], 20_000_000 + g["id"] * 10 + m) for g in groups for m in range(MEMBERS)]
            await session.execute(
                insert(Membership),
                [
                    {
                        "group_id": group_id,
                        "user_id": user,
                        "status": "active",
                        "requested_at": now,
                        "joined_at": now,
                        "rules_accepted_at": now,
                    }
                    for group_id, user in people
                ],
            )
            await session.execute(
                insert(Action),
                [
                    {
                        "group_id": group_id,
                        "owner_id": user,
                        "text": for_group(f"Action of {user}", group_id, Fernet(keys[group_id])),
                        "status": "open",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for group_id, user in people
                ],
            )
            await session.execute(
                insert(DueWork),
                [
                    {
                        "guild_id": g["guild_id"],
                        "subject": group_subject(g["id"]),
                        "kind": ReminderKind.REPORT_BACK.value,
                        "due_at": due,
                        "attempts": 0,
                        "gave_up": False,
                    }
                    for g in groups
                ],
            )
        await session.commit()
    await database.dispose()


def reminders_in(channels: list[tuple[int, Channel]]) -> list[int]:
    """How many reminders each channel holds."""
    return [sum(1 for m in channel.live_messages if HEADING in m.text) for _, channel in channels]


def shard_settings(index: int, processes: int) -> dict[str, str]:
    """The settings of the `index`th of `processes` bot processes: one shard each (none when there is one process)."""
    if processes == 1:
        return {}
    return {"SHARD_COUNT": str(processes), "SHARD_IDS": str(index), "PROCESS_NAME": f"shard-{index}"}


async def take_over(world: FakeDiscord, url: str, bots: list[BotProcess], processes: int) -> tuple[float, float]:
    """Kill -9 the last process while a standby waits for its shard.

    Returns the seconds until the standby holds the shard's lock, and until it serves the shard (its "bot ready").
    """
    settings = {**shard_settings(processes - 1, processes), "PROCESS_NAME": "standby"}
    async with running_bot(world, SETKEEPER, url, ready_marker=STANDING_BY, **settings) as standby:
        killed = time.monotonic()
        await bots[-1].kill()
        locked = ready = None
        while ready is None:
            if time.monotonic() - killed > 120:
                raise RuntimeError(f"the standby did not take over within 120 s:\n{standby.tail(40)}")
            if locked is None and any(TOOK_OVER in line for _, line in standby.lines):
                locked = time.monotonic() - killed
            if any("bot ready" in line for _, line in standby.lines):
                ready = time.monotonic() - killed
            await asyncio.sleep(0.05)
        await world.settle(within=10.0)
        await asyncio.sleep(5.0)  # a moment for anything the standby would wrongly send again
    return locked or ready, ready


async def run(count: int, backend: str, processes: int = 1) -> list[list[object]]:
    """One burst of `count` reminders served by `processes` bot processes (one shard each when more than one)."""
    async with fake_discord() as world:
        world.sharding.identify_interval = IDENTIFY_INTERVAL
        channels = channels_of(world, count, processes)
        async with database_url(backend) as url:
            due = datetime.now(UTC) + timedelta(seconds=START_AHEAD)
            began = time.monotonic()
            await seed(url, channels, due)
            seeded = time.monotonic() - began
            world.faults.realistic_rate_limits(time_scale=1.0, announced=True)
            async with AsyncExitStack() as stack:
                bots = [
                    await stack.enter_async_context(running_bot(world, SETKEEPER, url, **shard_settings(i, processes)))
                    for i in range(processes)
                ]
                ready_late = (datetime.now(UTC) - due).total_seconds()
                peak, seen, last_change = 0, 0, time.monotonic()
                while True:
                    await asyncio.sleep(0.5)
                    for bot in bots:
                        if not bot.running:
                            raise RuntimeError(f"a bot process stopped during the burst:\n{bot.tail(40)}")
                    peak = max(peak, sum(rss_kib(bot.pid) for bot in bots if bot.pid is not None))
                    total = sum(reminders_in(channels))
                    if total != seen:
                        seen, last_change = total, time.monotonic()
                    if total >= count or time.monotonic() - last_change > 60:
                        break
                await world.settle(within=10.0)
                rest = sum(rss_kib(bot.pid) for bot in bots if bot.pid is not None)
                posted_at = sorted(
                    datetime.fromisoformat(m.created_at).timestamp()
                    for _, channel in channels
                    for m in channel.live_messages
                    if HEADING in m.text
                )
                takeover = await take_over(world, url, bots, processes) if processes > 1 else None
                limited = len(world.rate_limited)
                counts = reminders_in(channels)
    span = (posted_at[-1] - posted_at[0]) if len(posted_at) > 1 else float("nan")
    rate = (len(posted_at) - 1) / span if span and span == span else float("nan")
    first_after_due = posted_at[0] - due.timestamp() if posted_at else float("nan")
    rows: list[list[object]] = [
        ["processes (shards)", processes],
        ["groups", count],
        ["seeding (s)", f"{seeded:.1f}"],
        ["bots ready after the due time (s)", f"{ready_late:+.1f}"],
        ["first reminder after the due time (s)", f"{first_after_due:.1f}"],
        ["reminders posted", len(posted_at)],
        ["first to last (s)", f"{span:.1f}"],
        ["posts per second", f"{rate:.1f}"],
        ["share of the 50/s ceiling (target >= 90 %)", f"{100 * rate / CEILING:.0f} %"],
        ["429s (target 0)", limited],
        ["channels with the reminder twice (target 0)", sum(1 for c in counts if c > 1)],
        ["channels without it (target 0)", sum(1 for c in counts if c == 0)],
        ["bots' RSS peak / after, summed (MiB)", f"{peak / 1024:.0f} / {rest / 1024:.0f}"],
    ]
    if takeover is not None:
        locked, ready = takeover
        rows.append(["take-over after kill -9: lock taken / serving again (s)", f"{locked:.1f} / {ready:.1f}"])
    return rows


def option(args: list[str], name: str, default: int) -> int:
    """The whole number after `name` in `args`, or `default`."""
    return int(args[args.index(name) + 1]) if name in args else default


async def main(argv: list[str] | None = None) -> None:
    """Print the figures of one burst; with `--processes N` (PostgreSQL), of N processes beside one."""
    args = list(argv or [])
    count = option(args, "--groups", GROUPS)
    processes = option(args, "--processes", 1)
    backend = "postgresql" if "--postgresql" in args or processes > 1 else "sqlite"
    runs = [1, processes] if processes > 1 else [1]
    results = [await run(count, backend, n) for n in runs]
    print(f"Report-back reminders due in the same minute, {backend}, Discord's limits announced:\n")
    headers = ["measure", *(f"{n} process{'es' if n > 1 else ''}" for n in runs)]
    longest = max(results, key=len)
    rows = [[row[0], *(r[i][1] if i < len(r) else "" for r in results)] for i, row in enumerate(longest)]
    print(table(headers, rows))
