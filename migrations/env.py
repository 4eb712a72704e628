"""Alembic environment: async engines, batch mode on SQLite, and a connection handed in by the bot."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.config import database_url_from_environment
from bot.db.engine import ensure_sqlite_folder, migration_engine
from bot.db.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    url = config.attributes.get("url") or database_url_from_environment()
    ensure_sqlite_folder(url)
    engine = migration_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Setkeeper's migrations run online only: drop --sql.")

handed_in = config.attributes.get("connection")
if handed_in is None:
    asyncio.run(_run_with_own_engine())
else:
    _run(handed_in)
