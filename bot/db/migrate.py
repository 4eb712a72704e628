"""Bring a database to the newest revision, or say how far behind it is."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.db.engine import ensure_sqlite_folder, migration_engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
_LOCK_KEY = 0x5E7C33  # any constant: serialises concurrent upgrades on PostgreSQL


def alembic_config() -> Config:
    """Alembic's configuration, built in code so the project needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision in `migrations/`."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(url: str) -> str | None:
    """The revision the database is at (None for an empty database)."""
    engine = migration_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current)
    finally:
        await engine.dispose()


async def migrate(url: str, revision: str = "head", *, downgrade: bool = False) -> None:
    """Upgrade (or downgrade) the database at `url`; creates a SQLite file and its folder if needed."""
    ensure_sqlite_folder(url)
    engine = migration_engine(url)

    def _apply(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(config, revision)

    try:
        async with engine.connect() as connection:
            await connection.run_sync(_apply)
            await connection.commit()
    finally:
        await engine.dispose()
