"""Where the encryption key comes from: ENCRYPTION_KEYS, or a key file made on first run beside the database."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.db.crypto import Cipher, EncryptionKeyError
from bot.db.engine import is_sqlite

log = logging.getLogger(__name__)

DEFAULT_KEY_FILE = Path("data/setkeeper.key")
"""The key file when the database is not a SQLite file (PostgreSQL), relative to the working directory."""


class KeyFileError(Exception):
    """The key file cannot be read, made or understood; the message is one line and never holds a key."""


def load_cipher(keys: Sequence[str], key_file: Path | None, database_url: str) -> Cipher:
    """The database's cipher: from `keys` (ENCRYPTION_KEYS) if any, else from the key file, made if missing.

    Raises `KeyFileError` when the key file is unreadable or malformed.
    """
    if keys:
        return Cipher(keys)
    path = key_file if key_file is not None else default_key_file(database_url)
    if not path.exists():
        _create_key_file(path)
    return Cipher(read_key_file(path))


def default_key_file(database_url: str) -> Path:
    """Beside a SQLite file (`data/setkeeper.db` -> `data/setkeeper.key`); `data/setkeeper.key` otherwise."""
    if is_sqlite(database_url):
        database = make_url(database_url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database).expanduser().with_suffix(".key")
    return DEFAULT_KEY_FILE


def read_key_file(path: Path) -> list[str]:
    """The keys in the file, one a line (blank lines ignored), the one that encrypts first."""
    try:
        if path.is_dir():
            raise KeyFileError(f"the encryption key file {path} is a folder, not a file")
        text = path.read_text(encoding="ascii")
        mode = path.stat().st_mode
    except UnicodeError:
        raise KeyFileError(f"the encryption key file {path} holds something that is not a key") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read the encryption key file {path}: {exc.strerror or exc}") from None
    keys = [line.strip() for line in text.splitlines() if line.strip()]
    if not keys:
        raise KeyFileError(f"the encryption key file {path} holds no key (restore it from your backup)")
    for number, key in enumerate(keys, start=1):
        try:
            Cipher([key])
        except EncryptionKeyError:
            # The line's number, never its content: this message goes to a terminal and perhaps a log.
            raise KeyFileError(
                f"line {number} of the encryption key file {path} is not a key "
                "(a key is 44 characters of URL-safe base64, one a line)"
            ) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        # Left as it is: the person running the bot may share it with a backup user on purpose. Said, not changed.
        log.warning(
            "the encryption key file can be read by other users of this machine; `chmod 600` it unless that is meant",
            extra={"key_file": str(path), "mode": oct(stat.S_IMODE(mode))},
        )
    return keys


def _create_key_file(path: Path) -> None:
    """Write a new key, readable by this user only, so that no other process ever sees a half-written file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name, then linked to its own: a bot started at the same moment either finds no
        # file or a whole one, and one of the two keys wins for both.
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            _write_new_key(temporary)
            try:
                os.link(temporary, path)
            except FileExistsError:
                return  # another process made it first: its key is the one
            except OSError:  # a file system without hard links: written in place, still never over another key
                _write_new_key(path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
    except OSError as exc:
        raise KeyFileError(f"cannot create the encryption key file {path}: {exc.strerror or exc}") from None
    log.info(
        "created a new encryption key file: back it up now, without it the text members wrote cannot be read",
        extra={"key_file": str(path)},
    )


def _write_new_key(path: Path) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(Cipher.generate_key() + "\n")
        file.flush()
        os.fsync(file.fileno())
