"""Fixtures shared by every suite: the database back end (SQLite, PostgreSQL) chosen by SETKEEPER_TEST_DB."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.app import Services
from bot.bootstrap import build_services
from bot.db.crypto import Cipher
from bot.db.engine import Database
from bot.db.migrate import migrate
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import FixedClock
from bot.services.effects import EffectService
from bot.services.groups import GroupService
from bot.services.state import BotStateService

POSTGRES_URL = os.environ.get("SETKEEPER_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
# The key every test database is encrypted with (the bot under test is given the same one).
TEST_ENCRYPTION_KEY = "q3yGkVRrK1y5Z6m4hXo1mQ2bE8c9sT0uW7vN5aJ3dLg="
CHOICE = os.environ.get("SETKEEPER_TEST_DB", "auto").strip().lower()


def _postgres_reachable() -> bool:
    url = make_url(POSTGRES_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def _backends() -> tuple[list[str], str]:
    if CHOICE not in {"auto", "sqlite", "postgresql"}:
        raise pytest.UsageError(f"SETKEEPER_TEST_DB must be auto, sqlite or postgresql, not {CHOICE!r}")
    if CHOICE == "sqlite":
        return ["sqlite"], "database back end: SQLite (SETKEEPER_TEST_DB=sqlite)"
    reachable = _postgres_reachable()
    if CHOICE == "postgresql":
        if not reachable:
            raise pytest.UsageError(
                f"SETKEEPER_TEST_DB=postgresql but PostgreSQL is not reachable at {make_url(POSTGRES_URL).host}:"
                f"{make_url(POSTGRES_URL).port}; start it or set SETKEEPER_TEST_POSTGRES_URL"
            )
        return ["postgresql"], "database back end: PostgreSQL (SETKEEPER_TEST_DB=postgresql)"
    if reachable:
        return ["sqlite", "postgresql"], "database back ends: SQLite and PostgreSQL"
    return ["sqlite"], "PostgreSQL is not reachable: running on SQLite only (SETKEEPER_TEST_DB=postgresql to insist)"


BACKENDS, BACKEND_NOTE = _backends()


def pytest_report_header() -> str:
    """Say which databases the run covers."""
    return BACKEND_NOTE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat it at the end, where people look."""
    terminalreporter.write_line(BACKEND_NOTE)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database back end of this test run."""
    return str(request.param)


async def _admin(sql: str) -> None:
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database=url.database
    )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture
def fresh_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database on the chosen back end; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'setkeeper.db'}"
        return
    name = f"setkeeper_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    """A migrated database."""
    await migrate(fresh_database_url)
    db = Database(fresh_database_url, cipher=Cipher([TEST_ENCRYPTION_KEY]))
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """A clock fixed at a Monday morning; tests move it by hand."""
    return FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def uow(database: Database, clock: FixedClock) -> UnitOfWorkFactory:
    """Units of work on the test database."""
    return UnitOfWorkFactory(database, clock)


@pytest.fixture
def services(database: Database, clock: FixedClock, uow: UnitOfWorkFactory) -> Services:
    """Every service on the test database, wired as the bot wires them, sharing the test's units of work."""
    return build_services(database, clock, "test-instance", uow=uow)


@pytest.fixture
def groups(services: Services) -> GroupService:
    """The group service on the test database."""
    return services.groups


@pytest.fixture
def effects(services: Services) -> EffectService:
    """The effect outbox on the test database."""
    return services.effects


@pytest.fixture
def bot_state(services: Services) -> BotStateService:
    """The bot's own state on the test database."""
    return services.state
