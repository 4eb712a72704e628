"""Benchmark 6: 10,000 groups whose report-back reminder falls due in the same minute.

Groups are spread over 20 servers of 500 text channels (Discord's most per server), three members each with an open
action, seeded straight into the database (seeding through the services would take longer than the burst). The fake
Discord applies Discord's limits as announced (the global 50 requests per second, 5 posts per 5 s per channel); the
real bot process is started a little before the minute and left to post. Measured in one run: posts per second
between the first and the last reminder, as a share of the 50 per second ceiling; 429s; channels that got the
reminder twice or never; and the bot's resident memory, at its peak and at rest after the burst.
Run: .venv/bin/python -m bench reminders [--groups N] [--postgresql]
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

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
from bot.db.models import Action, DueWork, Group, Membership
from bot.domain.cadence import parse_cadence, to_dict
from bot.domain.reminders import ReminderKind, group_subject
from bot.ui.access import BOT_PERMISSIONS
from tests.fakediscord import FakeDiscord
from tests.fakediscord.world import Channel

GROUPS = 10_000
PER_SERVER = 500
MEMBERS = 3
CEILING = 50.0
LEAD = timedelta(hours=72)
HEADING = "Time to report back"
START_AHEAD = 40.0
"""Seconds between seeding and the due minute: the bot starts and connects to every server meanwhile."""


def channels_of(world: FakeDiscord, count: int) -> list[tuple[int, Channel]]:
    """`count` text channels, 500 to a server, each with its server's id."""
    made: list[tuple[int, Channel]] = []
    guild = world.guild
    while len(made) < count:
        if made and len(made) % PER_SERVER == 0:
            guild = world.create_guild(f"Server {len(made) // PER_SERVER}", bot_permissions=BOT_PERMISSIONS)
        made.append((guild.id, guild.add_channel(f"set-{len(made)}")))
    return made


async def seed(url: str, channels: list[tuple[int, Channel]], due: datetime) -> None:
    """The groups, members, actions and each group's due reminder, in a few statements per table."""
    await migrate(url)
    database = open_database(url)
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
                        "text": f"Action of {user}",
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


async def run(count: int, backend: str) -> list[list[object]]:
    async with fake_discord() as world:
        channels = channels_of(world, count)
        async with database_url(backend) as url:
            due = datetime.now(UTC) + timedelta(seconds=START_AHEAD)
            began = time.monotonic()
            await seed(url, channels, due)
            seeded = time.monotonic() - began
            world.faults.realistic_rate_limits(time_scale=1.0, announced=True)
            async with running_bot(world, SETKEEPER, url) as bot:
                ready_late = (datetime.now(UTC) - due).total_seconds()
                peak, seen, last_change, posted_at = 0, 0, time.monotonic(), []
                if bot.pid is None:
                    raise RuntimeError("the bot is not running")
                while True:
                    await asyncio.sleep(0.5)
                    peak = max(peak, rss_kib(bot.pid))
                    total = sum(reminders_in(channels))
                    if total != seen:
                        seen, last_change = total, time.monotonic()
                    if total >= count or time.monotonic() - last_change > 60:
                        break
                await world.settle(within=10.0)
                rest = rss_kib(bot.pid)
                stamps = sorted(
                    datetime.fromisoformat(m.created_at).timestamp()
                    for _, channel in channels
                    for m in channel.live_messages
                    if HEADING in m.text
                )
                posted_at = stamps
                counts = reminders_in(channels)
            limited = len(world.rate_limited)
    span = (posted_at[-1] - posted_at[0]) if len(posted_at) > 1 else float("nan")
    rate = (len(posted_at) - 1) / span if span and span == span else float("nan")
    first_after_due = posted_at[0] - due.timestamp() if posted_at else float("nan")
    return [
        ["groups", count],
        ["seeding (s)", f"{seeded:.1f}"],
        ["bot ready after the due time (s)", f"{ready_late:+.1f}"],
        ["first reminder after the due time (s)", f"{first_after_due:.1f}"],
        ["reminders posted", len(posted_at)],
        ["first to last (s)", f"{span:.1f}"],
        ["posts per second", f"{rate:.1f}"],
        ["share of the 50/s ceiling (target >= 90 %)", f"{100 * rate / CEILING:.0f} %"],
        ["429s (target 0)", limited],
        ["channels with the reminder twice (target 0)", sum(1 for c in counts if c > 1)],
        ["channels without it (target 0)", sum(1 for c in counts if c == 0)],
        ["bot RSS peak / after (MiB)", f"{peak / 1024:.0f} / {rest / 1024:.0f}"],
    ]


async def main(argv: list[str] | None = None) -> None:
    """Print the figures of one burst."""
    args = list(argv or [])
    count = int(args[args.index("--groups") + 1]) if "--groups" in args else GROUPS
    backend = "postgresql" if "--postgresql" in args else "sqlite"
    rows = await run(count, backend)
    print(f"Report-back reminders due in the same minute, {backend}, Discord's limits announced:\n")
    print(table(["measure", "value"], rows))
