"""Shared set-up for benchmarks: a fake Discord, a seeded database, and the real bot process."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot.bootstrap import build_services
from bot.db.crypto import Cipher
from bot.db.engine import Database
from bot.db.migrate import migrate
from bot.domain.clock import FixedClock
from bot.domain.groups import VoiceKind
from bot.services.groups import Actor
from bot.ui.access import BOT_PERMISSIONS
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.fakediscord import BotProcess, FakeDiscord, Member
from tests.fakediscord.world import STAGE, VOICE

POSTGRES_URL = os.environ.get("SETKEEPER_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parents[1]
ECHO_BOT = [sys.executable, str(ROOT / "tests" / "fakediscord" / "echo_bot.py")]
SETKEEPER = [sys.executable, "-m", "bot"]


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def median(values: Sequence[float]) -> float:
    """The middle value."""
    return statistics.median(values)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


@asynccontextmanager
async def database_url(backend: str) -> AsyncIterator[str]:
    """A fresh, empty database on `backend` (sqlite or postgresql), removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.db"
        return
    admin = make_url(POSTGRES_URL)
    name = f"setkeeper_bench_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(
            host=admin.host, port=admin.port, user=admin.username, database=admin.database
        )
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    await run(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        await run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def group_row(number: int, guild_id: int, channel_id: int, now: datetime, **extra: object) -> dict[str, object]:
    """An active group's row as a bulk insert takes it (id `number` + 1, default settings), with `extra` fields."""
    return {
        "id": number + 1,
        "guild_id": guild_id,
        "name": f"Set {number}",
        "name_key": f"set {number}",
        "status": "active",
        "facilitator_id": 10_000_000 + number,
        "text_channel_id": channel_id,
        "voice_channel_id": None,
        "voice_kind": "none",
        "min_size": 2,
        "max_size": 7,
        "rounds_per_meeting": 2,
        "turn_minutes": 3,
        "presentation_minutes": 5,
        "voting": "single",
        "crosstalk": "lock",
        "report_back_lead_hours": 72,
        "bid_nudge_lead_hours": 24,
        "created_by": 1,
        "created_at": now,
        **extra,
    }


def open_database(url: str) -> Database:
    """The database as the bot under benchmark opens it, with the key `running_bot` gives it."""
    return Database(url, cipher=Cipher([TEST_ENCRYPTION_KEY]))


@dataclass
class SeededGroup:
    """A group made for a benchmark, with its fake-Discord people."""

    id: int
    channel_id: int
    facilitator: Member
    members: list[Member]
    voice_channel_id: int | None = None


async def seed_groups(
    world: FakeDiscord, url: str, count: int, *, members: int = 5, voice: bool = False, stage: bool = False
) -> list[SeededGroup]:
    """Make `count` active groups through the real services, with their channels in the fake.

    With `voice`, each has a voice channel too (a Stage with `stage`).
    """
    await migrate(url)
    database = open_database(url)
    services = build_services(database, FixedClock(datetime.now(UTC)), instance_id="bench-seed")
    service = services.groups
    admin = Actor(world.guild.owner.id, manages_server=True)
    seeded = []
    for number in range(count):
        facilitator = world.guild.add_member(f"Fac{number}")
        people = [world.guild.add_member(f"M{number}-{n}") for n in range(members)]
        channel = world.guild.add_channel(f"set-{number}")
        room = world.guild.add_channel(f"Set {number}", STAGE if stage else VOICE) if voice else None
        kind = (VoiceKind.STAGE if stage else VoiceKind.VOICE) if voice else VoiceKind.NONE
        reserved = await service.begin_creation(world.guild.id, admin, f"Set {number}", facilitator.id, voice=kind)
        await service.complete_creation(world.guild.id, reserved.id, channel.id, room.id if room else None)
        for person in people:
            await service.add_member(world.guild.id, admin, reserved.id, person.id)
            await service.accept_ground_rules(world.guild.id, person.id, reserved.id)
        seeded.append(SeededGroup(reserved.id, channel.id, facilitator, people, room.id if room else None))
    # The seeded world is already as these effects would make it.
    await services.effects.done([item.id for item in await services.effects.pending([world.guild.id])])
    await database.dispose()
    return seeded


async def seed_bids(world: FakeDiscord, url: str, groups: list[SeededGroup], *, per_group: int) -> None:
    """Put in a bid for each of the first `per_group` members of every group, through the real services."""
    database = open_database(url)
    services = build_services(database, FixedClock(datetime.now(UTC)), instance_id="bench-seed")
    for group in groups:
        for number, person in enumerate(group.members[:per_group]):
            await services.votes.put_in(world.guild.id, person.id, group.id, f"Issue {number} of set {group.id}", "")
    # Nobody needs to see the "put in a bid" posts of a benchmark.
    await services.effects.done([item.id for item in await services.effects.pending([world.guild.id])])
    await database.dispose()


@asynccontextmanager
async def running_bot(
    world: FakeDiscord, command: list[str], url: str, *, ready_marker: str = "bot ready", **settings: str
) -> AsyncIterator[BotProcess]:
    """The bot process connected to the fake Discord (with further `settings`), stopped afterwards.

    `ready_marker` is the log line it is waited for by (a standby's is "standing by").
    """
    env = {
        **settings,
        **world.bot_env(),
        "DATABASE_URL": url,
        # The key the seeding used; and no key file written into the working directory.
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    env.update({key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ})
    with tempfile.TemporaryDirectory() as folder:
        process = BotProcess(command, env, Path(folder), ready_marker=ready_marker, ready_timeout=120)
        await process.start()
        try:
            yield process
        finally:
            await process.stop()


@asynccontextmanager
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A fake Discord whose bot role holds exactly the README's invite permissions."""
    world = FakeDiscord(bot_permissions=BOT_PERMISSIONS)
    await world.start()
    try:
        yield world
    finally:
        await world.stop()


def rss_kib(pid: int) -> int:
    """Resident memory of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def gather_all(*coroutines: object) -> list[object]:
    """Run concurrently; keep exceptions as results."""
    return await asyncio.gather(*coroutines, return_exceptions=True)  # type: ignore[arg-type]
