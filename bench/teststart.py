"""Benchmark: what starting the bot costs an end-to-end test, as the suite started it before and starts it now.

Each start is the real bot process against the fake Discord, timed from its spawn by its own log lines: Python's
imports and the database check up to "logging in", the login and command sync up to the gateway connection, and
the gateway's READY to "bot ready" (discord.py's wait for more guilds, then start-up work). Before: an empty
database migrated at start and discord.py's wait of 0.5 s after the last guild; now: a copy of a migrated
database and a wait of 0.05 s (the fake sends every guild at once). Medians of five starts of each, in one run.
Run: .venv/bin/python -m bench teststart
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench._world import SETKEEPER, fake_discord, running_bot, table
from bench.startup import log_time
from bot.db.migrate import migrate

STARTS = 5


async def one_start(template: Path | None, ready_timeout: str) -> tuple[float, float, float, float]:
    """Seconds of (spawn -> logging in, logging in -> connected, connected -> ready, spawn -> ready seen)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bot.db"
        if template is not None:
            shutil.copyfile(template, path)
        async with fake_discord() as world:
            spawned = time.time()
            async with running_bot(
                world, SETKEEPER, f"sqlite+aiosqlite:///{path}", DISCORD_GUILD_READY_TIMEOUT=ready_timeout
            ) as bot:
                seen = time.time() - spawned
                lines = bot.output.splitlines()
                login = log_time(next(line for line in lines if "logging in" in line))
                connected = log_time(next(line for line in lines if "has connected to Gateway" in line))
                ready = log_time(next(line for line in lines if "bot ready" in line))
                return login - spawned, connected - login, ready - connected, seen


async def main() -> None:
    """Five starts each way, medians side by side, and the ratio of the whole start."""
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.db"
        await migrate(f"sqlite+aiosqlite:///{template}")
        ways = {"before (migrate, 0.5 s wait)": (None, "0.5"), "now (migrated copy, 0.05 s wait)": (template, "0.05")}
        medians: dict[str, list[float]] = {}
        for name, (source, wait) in ways.items():
            runs = [await one_start(source, wait) for _ in range(STARTS)]
            medians[name] = [statistics.median(run[i] for run in runs) for i in range(4)]
    rows = [[name, *(f"{value:.2f} s" for value in values)] for name, values in medians.items()]
    print(table(["bot start in a test", "spawn -> logging in", "-> gateway", "gateway -> ready", "in all"], rows))
    before, now = medians.values()
    print(
        f"\nGateway connection to ready: {now[2]:.2f} s (target well under 1 s); the whole start now takes "
        f"{now[3] / before[3]:.2f} of what it took, saving {before[3] - now[3]:.2f} s on each of the suite's bot starts"
    )
