"""Engines and sessions: SQLite tuned for concurrent clicks, PostgreSQL by URL alone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from bot.db.crypto import Cipher, Keyring, attach_cipher
from bot.db.group_keys import KeyedSession, key_loader, load_group_keys

SQLITE_BUSY_TIMEOUT_MS = 15_000


def is_sqlite(url: str) -> bool:
    """Whether the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def safe_url(url: str) -> str:
    """The URL with any password hidden, fit for a message or a log line."""
    return make_url(url).render_as_string(hide_password=True)


class DataFolderError(Exception):
    """The SQLite file's folder cannot be made, or the file cannot be written: the message names which and why."""


def ensure_sqlite_folder(url: str) -> Path | None:
    """Create the folder of a SQLite file so that a first run needs no set-up; the folder, if it was made now.

    Raises `DataFolderError` where the folder cannot be made or written to (SQLite would only say "unable to open
    database file").
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    file = Path(parsed.database).expanduser().absolute()
    folder = file.parent
    made = None
    if not folder.is_dir():
        blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise DataFolderError(f"cannot make the data directory {folder}: {blocking} is a file, not a directory")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except PermissionError:
            above = next(p for p in folder.parents if p.is_dir())
            raise DataFolderError(
                f"cannot write to the data directory {above}: permission denied, so {folder} cannot be made "
                f"({_WHAT_TO_DO})"
            ) from None
        made = folder
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataFolderError(f"cannot write to the data directory {folder}: permission denied ({_WHAT_TO_DO})")
    if file.exists() and not os.access(file, os.R_OK | os.W_OK):
        raise DataFolderError(f"cannot write to the database file {file}: permission denied ({_WHAT_TO_DO})")
    return made


_WHAT_TO_DO = "let the user Setkeeper runs as write there, or set DATABASE_URL to a file in a folder it may write to"


def _sqlite_engine(url: str, *, begin: str | None, foreign_keys: bool, wal: bool = False, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(
        url, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Driver-level autocommit, so that the "begin" hook below decides how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            # WAL is a property of the file: set once (by migrations), not on every pooled connection, where
            # switching the journal mode takes a lock that a burst of new connections would queue for.
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    if begin is not None:

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Any) -> None:
            # A transaction that reads and then writes must hold the write lock from the start, or two
            # concurrent clicks meet an instant "database is locked" whatever the busy timeout.
            connection.exec_driver_sql(begin)

    return engine


class Database:
    """Engines and session factories for one database. Building it connects to nothing."""

    def __init__(self, url: str, *, cipher: Cipher, pool_size: int = 10) -> None:
        self.url = url
        self.cipher = cipher
        self.sqlite = is_sqlite(url)
        if self.sqlite:
            # Writers take turns (see UnitOfWorkFactory), so few connections suffice; readers get a steady pool
            # so that a burst does not open and close connections (each one a thread in aiosqlite).
            self.engine = _sqlite_engine(url, begin="BEGIN IMMEDIATE", foreign_keys=True, pool_size=2, max_overflow=2)
            # Readers run each SELECT in autocommit (WAL gives each a consistent snapshot): no BEGIN and no
            # rollback on return, each of which would be one more hop to aiosqlite's thread.
            self._read_engine = _sqlite_engine(
                url,
                begin=None,
                foreign_keys=True,
                pool_size=8,
                max_overflow=8,
                pool_reset_on_return=None,
                isolation_level="AUTOCOMMIT",
            )
        else:
            self.engine = create_async_engine(
                url, hide_parameters=True, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size * 2
            )
            self._read_engine = self.engine
        # One keyring for both engines: a group key made by a writer is known to readers at once.
        self.keyring = Keyring(cipher, key_loader(self._read_engine))
        attach_cipher(self.engine, self.keyring)
        attach_cipher(self._read_engine, self.keyring)
        self.write_sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, class_=AsyncSession, sync_session_class=KeyedSession
        )
        self.read_sessions = async_sessionmaker(
            self._read_engine, expire_on_commit=False, class_=AsyncSession, sync_session_class=KeyedSession
        )

    async def load_keys(self) -> int:
        """Every group's data key, read into the keyring before the process serves anything; how many."""
        return await load_group_keys(self._read_engine, self.keyring)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self._read_engine is not self.engine:
            await self._read_engine.dispose()


def migration_engine(url: str) -> AsyncEngine:
    """A one-connection engine for migrations: SQLite batch mode needs foreign keys off while it copies tables."""
    if is_sqlite(url):
        return _sqlite_engine(url, begin="BEGIN IMMEDIATE", foreign_keys=False, wal=True, poolclass=NullPool)
    return create_async_engine(url, hide_parameters=True, poolclass=NullPool)
