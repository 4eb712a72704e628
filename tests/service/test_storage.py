"""Storage: migrations give exactly the models' schema, datetimes are aware UTC, the bot remembers its sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError

from bot.db.engine import Database, migration_engine
from bot.db.migrate import current_revision, head_revision, migrate
from bot.db.models import Base, BotState
from bot.db.uow import UnitOfWorkFactory
from bot.services.state import BotStateService


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata))


async def test_migrations_at_head_produce_exactly_the_models_schema(fresh_database_url: str) -> None:
    await migrate(fresh_database_url)
    assert await current_revision(fresh_database_url) == head_revision()
    engine = migration_engine(fresh_database_url)
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
    await engine.dispose()


async def test_migrations_go_down_and_up_again(fresh_database_url: str) -> None:
    await migrate(fresh_database_url)
    await migrate(fresh_database_url, "base", downgrade=True)
    engine = migration_engine(fresh_database_url)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    assert tables <= {"alembic_version"}
    await migrate(fresh_database_url)
    assert await current_revision(fresh_database_url) == head_revision()


async def test_datetimes_come_back_aware_in_utc(uow: UnitOfWorkFactory) -> None:
    paris = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    async with uow() as unit:
        await unit.state.put("k", "v", paris)
        await unit.commit()
    async with uow(write=False) as unit:
        row = (await unit.session.execute(select(BotState))).scalar_one()
    assert row.updated_at == paris
    assert row.updated_at.tzinfo == UTC


async def test_naive_datetimes_are_refused(uow: UnitOfWorkFactory) -> None:
    naive = datetime(2026, 6, 1, 12, 0)  # noqa: DTZ001 - the point of the test
    async with uow() as unit:
        with pytest.raises(StatementError, match="naive datetime refused"):
            await unit.state.put("k", "v", naive)


async def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(database: Database) -> None:
    if not database.sqlite:
        pytest.skip("SQLite settings")
    async with database.engine.connect() as connection:
        pragmas = {
            name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15000}


async def test_the_bot_remembers_the_last_synced_command_tree(bot_state: BotStateService) -> None:
    assert await bot_state.last_synced("app:global") is None
    await bot_state.record_synced("app:global", "abc")
    await bot_state.record_synced("app:global", "def")
    assert await bot_state.last_synced("app:global") == "def"
