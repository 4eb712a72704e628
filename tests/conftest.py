"""Fixtures shared by every suite: the database back end (SQLite, PostgreSQL) chosen by SETKEEPER_TEST_DB."""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.app import Services
from bot.bootstrap import build_services
from bot.db.crypto import Cipher
from bot.db.engine import Database
from bot.db.migrate import head_revision, migrate
from bot.db.models import Base
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
    if CHOICE not in {"auto", "sqlite", "postgresql", "both"}:
        raise pytest.UsageError(f"SETKEEPER_TEST_DB must be auto, sqlite, postgresql or both, not {CHOICE!r}")
    if CHOICE == "sqlite":
        return ["sqlite"], "database back end: SQLite (SETKEEPER_TEST_DB=sqlite)"
    reachable = _postgres_reachable()
    if CHOICE in {"postgresql", "both"} and not reachable:
        raise pytest.UsageError(
            f"SETKEEPER_TEST_DB={CHOICE} but PostgreSQL is not reachable at {make_url(POSTGRES_URL).host}:"
            f"{make_url(POSTGRES_URL).port}; start it or set SETKEEPER_TEST_POSTGRES_URL"
        )
    if CHOICE == "postgresql":
        return ["postgresql"], "database back end: PostgreSQL (SETKEEPER_TEST_DB=postgresql)"
    if CHOICE == "both":
        return ["sqlite", "postgresql"], "database back ends: SQLite and PostgreSQL (SETKEEPER_TEST_DB=both)"
    if reachable:
        return ["sqlite", "postgresql"], "database back ends: SQLite and PostgreSQL"
    return ["sqlite"], "PostgreSQL is not reachable: running on SQLite only (SETKEEPER_TEST_DB=postgresql to insist)"


BACKENDS, BACKEND_NOTE = _backends()


WORKERS_PER_TWO_CORES = 3
"""Workers for ``-n auto``: three for two cores. An end-to-end test mostly waits on other processes, so more workers
than cores pay; on two cores four finished no sooner than three (5 min 35 s and 5 min 40 s) and slowed the
longest test from 14.6 s to 19 s, six finished in 4 min 44 s with it at 35 s."""


def pytest_report_header() -> str:
    """Say which databases the run covers."""
    return BACKEND_NOTE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat it at the end, where people look."""
    terminalreporter.write_line(BACKEND_NOTE)


MAX_WORKERS = 8
"""Each worker may run a bot with a pool of PostgreSQL connections: past eight, PostgreSQL's default limit of 100
connections comes near."""


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """How many workers ``-n auto`` starts (the default): one and a half for each core this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(MAX_WORKERS, max(2, WORKERS_PER_TWO_CORES * cores // 2))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that run `alone` come first, while the other workers have little under way for them to wait for.

    (Last would be no better: pytest-xdist's work stealing takes the tail of a worker's queue first.)
    """
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("alone") is None)


def pytest_configure(config: pytest.Config) -> None:
    """One name for this run, shared by the controller and its workers (it names the run's database template)."""
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None:
        config.stash[RUN_ID] = worker_input["testrunuid"]
        return
    run_id = getattr(config.option, "testrunuid", None) or uuid.uuid4().hex
    config.option.testrunuid = run_id  # pytest-xdist hands it to every worker
    config.stash[RUN_ID] = run_id


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (or a run without workers) drops the run's PostgreSQL template once every worker is done."""
    if hasattr(session.config, "workerinput") or "postgresql" not in BACKENDS:
        return
    if _postgres_reachable():
        asyncio.run(_drop_the_runs_databases(session.config))


async def _drop_the_runs_databases(config: pytest.Config) -> None:
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database=url.database
    )
    try:
        template, run = _template_name(config), config.stash[RUN_ID][:16]
        names = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2",
            f"{template}%",
            f"setkeeper\\_test\\_{run}\\_%",
        )
        for (name,) in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


RUN_ID = pytest.StashKey[str]()


def _template_name(config: pytest.Config) -> str:
    return f"setkeeper_template_{config.stash[RUN_ID][:16]}"


def _test_database_name(config: pytest.Config) -> str:
    """A new test database's name; the run's id in it lets the run drop what a crashed worker left."""
    return f"setkeeper_test_{config.stash[RUN_ID][:16]}_{uuid.uuid4().hex[:8]}"


def run_folder(tmp_path_factory: pytest.TempPathFactory, config: pytest.Config) -> Path:
    """A folder that this run's workers share (each worker's own temporary folder is inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@contextmanager
def _locked(path: Path, kind: int) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, kind)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def turn(folder: Path, *, alone: bool) -> Iterator[None]:
    """A test's turn among the run's workers: many together, or one `alone` while the others wait.

    Whoever waits to be alone holds the gate, so that no new test starts meanwhile, and then waits for the room to
    empty: a test that measures time is not starved by a stream of others.
    """
    gate, room = folder / "alone.gate", folder / "alone.room"
    if alone:
        with _locked(gate, fcntl.LOCK_EX), _locked(room, fcntl.LOCK_EX):
            yield
        return
    with _locked(gate, fcntl.LOCK_EX):
        handle = room.open("a")
        fcntl.flock(handle, fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@pytest.fixture(autouse=True)
def _alone_when_marked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A test marked ``alone`` (it measures time) runs while no other worker runs a test; the rest run side by side."""
    if not hasattr(request.config, "workerinput"):
        yield
        return
    alone = request.node.get_closest_marker("alone") is not None
    with turn(run_folder(tmp_path_factory, request.config), alone=alone):
        yield


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


def _postgres_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def fresh_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty database on the chosen back end, for the tests of migrations; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'setkeeper.db'}"
        return
    name = _test_database_name(request.config)
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _postgres_url(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def migrated_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Where this run's migrated databases are copied from, made once for the whole run by whichever worker is first.

    SQLite: a migrated file in the run's shared folder. PostgreSQL: a migrated database, cloned with `CREATE
    DATABASE ... TEMPLATE`, dropped when the run ends. Either is built under a new name and renamed when complete.
    """
    folder = run_folder(tmp_path_factory, request.config)
    made: dict[str, str] = {}
    # A build is work like a test's: a test that runs alone does not run beside it.
    building = turn(folder, alone=False) if hasattr(request.config, "workerinput") else nullcontext()
    with building, _locked(folder / "template.lock", fcntl.LOCK_EX):
        if "sqlite" in BACKENDS:
            path = folder / "template.db"
            if not path.exists():
                partial = folder / "template.partial.db"
                partial.unlink(missing_ok=True)
                asyncio.run(migrate(f"sqlite+aiosqlite:///{partial}"))
                partial.replace(path)
            made["sqlite"] = str(path)
        if "postgresql" in BACKENDS:
            name = _template_name(request.config)
            asyncio.run(_build_postgres_template(name))
            made["postgresql"] = name
    return made


async def _build_postgres_template(name: str) -> None:
    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database=url.database
    )
    try:
        if await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return
        partial = f"{name}_partial"
        await connection.execute(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{partial}"')
        await migrate(_postgres_url(partial))  # its connections are closed when it returns: it can be a template
        await connection.execute(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    finally:
        await connection.close()


class PostgresPool:
    """A worker's migrated PostgreSQL databases: cloned from the run's template, emptied after each test, reused.

    A clone costs about 0.2 s (PostgreSQL writes the whole template to its WAL); emptying 15 small tables and
    restarting their sequences costs a few milliseconds and leaves exactly what the template holds. A database
    that cannot be emptied (something still holds a lock on it) is dropped and never handed out again.
    """

    EMPTY_WITHIN = "5s"

    def __init__(self, template: str, name: Callable[[], str]) -> None:
        self.template = template
        self._name = name
        self.idle: list[str] = []
        self.made: list[str] = []

    def take(self) -> str:
        """A database in the template's state: an emptied one, or a new clone."""
        if self.idle:
            return self.idle.pop()
        name = self._name()
        asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.made.append(name)
        return name

    def give_back(self, name: str) -> None:
        """Empty the database for the next test, or drop it if it cannot be emptied in time."""
        try:
            asyncio.run(self._empty(name))
        except (OSError, RuntimeError, asyncpg.PostgresError):
            self._drop(name)
            return
        self.idle.append(name)

    def close(self) -> None:
        """Drop every database this worker made."""
        for name in list(self.made):
            self._drop(name)

    def _drop(self, name: str) -> None:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.made.remove(name)
        if name in self.idle:
            self.idle.remove(name)

    async def _empty(self, name: str) -> None:
        url = make_url(POSTGRES_URL)
        connection = await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, password=url.password, database=name
        )
        try:
            # A bot or an engine a test left behind would write on: nobody else stays connected.
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if await connection.fetchval("SELECT version_num FROM alembic_version") != head_revision():
                raise RuntimeError("a test moved this database off the newest revision")  # dropped, never reused
            async with connection.transaction():
                await connection.execute(f"SET LOCAL lock_timeout = '{self.EMPTY_WITHIN}'")
                for table in reversed(Base.metadata.sorted_tables):  # those that refer to others first
                    await connection.execute(f'DELETE FROM "{table.name}"')  # noqa: S608 (the models' own names)
                await connection.execute(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
                    "FROM pg_sequences WHERE schemaname = current_schema()"
                )
        finally:
            await connection.close()


@pytest.fixture(scope="session")
def postgres_pool(migrated_template: dict[str, str], request: pytest.FixtureRequest) -> Iterator[PostgresPool | None]:
    """The worker's pool of migrated PostgreSQL databases (None when the run is on SQLite only)."""
    if "postgresql" not in migrated_template:
        yield None
        return
    pool = PostgresPool(migrated_template["postgresql"], lambda: _test_database_name(request.config))
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def migrated_database_url(
    backend: str, tmp_path: Path, migrated_template: dict[str, str], postgres_pool: PostgresPool | None
) -> Iterator[str]:
    """The URL of a database at the newest revision holding nothing, as the run's template; a test's own."""
    if backend == "sqlite":
        path = tmp_path / "setkeeper.db"
        shutil.copyfile(migrated_template["sqlite"], path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    assert postgres_pool is not None
    name = postgres_pool.take()
    try:
        yield _postgres_url(name)
    finally:
        postgres_pool.give_back(name)


@pytest.fixture
async def database(migrated_database_url: str) -> AsyncIterator[Database]:
    """A migrated database."""
    db = Database(migrated_database_url, cipher=Cipher([TEST_ENCRYPTION_KEY]))
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
