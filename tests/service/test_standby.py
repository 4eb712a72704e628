"""The standby on PostgreSQL: a second process for the same shards waits on their locks, then takes over."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time

import pytest
from sqlalchemy import text

from bot.__main__ import hold_shards
from bot.bootstrap import build_services
from bot.config import Settings, application_of
from bot.db.engine import Database
from bot.db.shard_lock import ShardLocks
from bot.domain.clock import FixedClock
from bot.domain.due import DueKey
from tests.service.helpers import GUILD
from tests.unit.test_config import GOOD_TOKEN

APPLICATION = "123456789012345678"
TAKE_OVER_WITHIN = 2.0
"""Seconds a standby may take to notice the holder is gone (it polls every second)."""


@pytest.fixture
def postgres_url(backend: str, migrated_database_url: str) -> str:
    """A PostgreSQL database (advisory locks are PostgreSQL's; on SQLite there is one process and no lock)."""
    if backend != "postgresql":
        pytest.skip("the standby's locks are PostgreSQL's")
    return migrated_database_url


async def _until_waiting(standby: ShardLocks) -> tuple[asyncio.Task[bool], list[int]]:
    told: list[int] = []
    waiting = asyncio.get_running_loop().create_task(standby.acquire(told.extend))
    for _ in range(50):
        if told:
            break
        await asyncio.sleep(0.05)
    return waiting, told


async def test_a_second_process_for_the_same_shards_waits_and_takes_over_when_the_first_stops(
    postgres_url: str,
) -> None:
    first = ShardLocks(postgres_url, APPLICATION, [0, 1])
    standby = ShardLocks(postgres_url, APPLICATION, [1, 0])
    try:
        assert await first.acquire() is False, "nobody held them: no wait"
        waiting, told = await _until_waiting(standby)
        assert told == [1, 0], "it says which shards it stands by for"
        await asyncio.sleep(1.5)
        assert not waiting.done(), "it waits as long as the first holds them"
        stopped = time.monotonic()
        await first.release()
        assert await asyncio.wait_for(waiting, TAKE_OVER_WITHIN) is True
        assert time.monotonic() - stopped < TAKE_OVER_WITHIN
        assert standby.held == [0, 1]
    finally:
        await first.release()
        await standby.release()


async def test_processes_for_different_shards_or_different_bots_never_wait_for_each_other(postgres_url: str) -> None:
    locks = [
        ShardLocks(postgres_url, APPLICATION, [0]),
        ShardLocks(postgres_url, APPLICATION, [1]),
        ShardLocks(postgres_url, "876543210987654321", [0]),
    ]
    try:
        assert [await asyncio.wait_for(lock.acquire(), 1.0) for lock in locks] == [False, False, False]
    finally:
        for lock in locks:
            await lock.release()


_HOLDER = """
import asyncio, sys
from bot.__main__ import hold_shards
from bot.bootstrap import build_services
from bot.config import Settings, application_of
from bot.db.engine import Database
from bot.db.shard_lock import ShardLocks
from bot.domain.clock import FixedClock
from bot.domain.due import DueKey
from tests.service.helpers import GUILD
from tests.unit.test_config import GOOD_TOKEN

async def hold():
    locks = ShardLocks(sys.argv[1], sys.argv[2], [0])
    await locks.acquire()
    print("holding", flush=True)
    await asyncio.sleep(3600)

asyncio.run(hold())
"""


async def test_a_holder_killed_with_sigkill_lets_the_standby_in_within_two_seconds(postgres_url: str) -> None:
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HOLDER, postgres_url, APPLICATION, stdout=asyncio.subprocess.PIPE
    )
    standby = ShardLocks(postgres_url, APPLICATION, [0])
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 20) == b"holding\n"
        waiting, told = await _until_waiting(standby)
        assert told == [0]
        killed = time.monotonic()
        os.kill(holder.pid, signal.SIGKILL)
        assert await asyncio.wait_for(waiting, TAKE_OVER_WITHIN + 1) is True
        assert time.monotonic() - killed < TAKE_OVER_WITHIN
    finally:
        if holder.returncode is None:
            holder.kill()
        await holder.wait()
        await standby.release()


async def test_a_broken_lock_connection_is_noticed(postgres_url: str) -> None:
    holder = ShardLocks(postgres_url, APPLICATION, [0])
    killer = ShardLocks(postgres_url, APPLICATION, [5])
    lost: list[bool] = []
    try:
        await holder.acquire()
        assert await holder.still_held()
        connection = await killer._connect()
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 0 "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND pid <> pg_backend_pid()"
            )
        )
        await asyncio.wait_for(holder.watch(lambda: lost.append(True), every=0.1), 5)
        assert lost == [True], "the process is told, and stops rather than serve shards it no longer holds"
    finally:
        await holder.release()
        await killer.release()


async def test_a_process_standing_by_says_so_then_takes_back_what_the_dead_holder_had_claimed(
    postgres_url: str, database: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, discord_token=GOOD_TOKEN, database_url=postgres_url, shard_count=1
    )
    dead = build_services(database, clock, "dead-life", owner="old-version", shards=settings.shards())
    await dead.due.schedule(GUILD, DueKey("subject", "reminder", clock.now()))
    assert len(await dead.due.claim([GUILD])) == 1  # then it was killed, its claim running for two minutes
    holder = ShardLocks(postgres_url, application_of(GOOD_TOKEN), [0])
    await holder.acquire()
    standby = build_services(database, clock, "new-life", owner="new-version", shards=settings.shards())
    with caplog.at_level(logging.INFO, logger="setkeeper"):
        waiting = asyncio.get_running_loop().create_task(hold_shards(settings, standby))
        await asyncio.sleep(1.5)
        assert not waiting.done()
        await holder.release()
        locks = await asyncio.wait_for(waiting, TAKE_OVER_WITHIN)
    try:
        lines = [record.getMessage() for record in caplog.records]
        assert "standing by for shard 0 of 1: another process serves them; I take over when it stops" in lines
        assert "took over shard 0 of 1" in lines
        assert await standby.due.take_back() == 1, "the dead holder's claim is freed at once, whoever held it"
        assert len(await standby.due.claim([GUILD])) == 1
    finally:
        assert locks is not None
        await locks.release()
