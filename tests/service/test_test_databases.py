"""The suite's own databases: each test's is a copy of the run's migrated template and holds nothing of another's."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from bot.bootstrap import build_services
from bot.db.crypto import Cipher
from bot.db.engine import Database
from bot.db.migrate import current_revision, head_revision
from bot.domain.clock import FixedClock
from tests.conftest import TEST_ENCRYPTION_KEY, PostgresPool, _postgres_url, turn
from tests.service.helpers import make_group


async def test_a_tests_database_is_at_the_newest_revision_and_holds_nothing(
    migrated_database_url: str, clock: FixedClock
) -> None:
    assert await current_revision(migrated_database_url) == head_revision()
    assert await _one_group_id(migrated_database_url, clock) == 1, "no row was there before"


async def _one_group_id(url: str, clock: FixedClock) -> int:
    database = Database(url, cipher=Cipher([TEST_ENCRYPTION_KEY]))
    try:
        return (await make_group(build_services(database, clock, "t").groups)).id
    finally:
        await database.dispose()


def test_a_postgresql_database_handed_back_is_emptied_and_its_ids_start_again(
    postgres_pool: PostgresPool | None, clock: FixedClock
) -> None:
    if postgres_pool is None:
        pytest.skip("PostgreSQL is not in this run (each SQLite database is a fresh copy of the template file)")
    name = postgres_pool.take()
    first = asyncio.run(_one_group_id(_postgres_url(name), clock))
    postgres_pool.give_back(name)
    again = postgres_pool.take()
    try:
        assert again == name, "the emptied database is handed out again"
        assert asyncio.run(_one_group_id(_postgres_url(again), clock)) == first, "the group table was emptied"
    finally:
        postgres_pool.give_back(again)


def test_a_test_that_runs_alone_waits_for_the_others_and_holds_off_new_ones(tmp_path: Path) -> None:
    events: list[str] = []
    running = threading.Event()
    release = threading.Event()

    def together(name: str, hold: threading.Event | None = None) -> None:
        with turn(tmp_path, alone=False):
            events.append(f"{name} in")
            running.set()
            if hold is not None:
                hold.wait(5)
            events.append(f"{name} out")

    def alone() -> None:
        with turn(tmp_path, alone=True):
            events.append("alone in")
            time.sleep(0.05)
            events.append("alone out")

    first = threading.Thread(target=together, args=("first", release))
    first.start()
    running.wait(5)
    waiting = threading.Thread(target=alone)
    waiting.start()
    time.sleep(0.1)
    later = threading.Thread(target=together, args=("later",))
    later.start()
    time.sleep(0.1)
    assert events == ["first in"], "the alone test waits for the running one; the later one waits behind it"
    release.set()
    for thread in (first, waiting, later):
        thread.join(5)
    assert events == ["first in", "first out", "alone in", "alone out", "later in", "later out"]
