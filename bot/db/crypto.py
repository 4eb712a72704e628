"""Encryption at rest: column types that store what members write (and what the bot will post) as Fernet tokens.

The cipher belongs to the database, not to the process: `attach_cipher` hangs it on an engine's dialect, and the
column types find it there, so that two databases with different keys (tests, a migration) never mix them up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

_ATTRIBUTE = "setkeeper_cipher"


class EncryptionKeyError(Exception):
    """A key is not a Fernet key, or stored text cannot be read with any configured key."""


class Cipher:
    """Encrypts with the first key and decrypts with any of them, so that a key can be rotated later."""

    def __init__(self, keys: Sequence[bytes | str]) -> None:
        if not keys:
            raise EncryptionKeyError("at least one encryption key is needed")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError) as exc:
            raise EncryptionKeyError(
                "an encryption key is not a Fernet key (44 characters of URL-safe base64)"
            ) from exc

    @staticmethod
    def generate_key() -> str:
        """A new random key, as text."""
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, text: str) -> str:
        """The text as a Fernet token."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The text a token holds; `EncryptionKeyError` if no configured key can read it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise EncryptionKeyError("stored text cannot be decrypted with the configured keys") from exc


def attach_cipher(engine: AsyncEngine, cipher: Cipher) -> None:
    """Have every encrypted column on this engine use `cipher`."""
    setattr(engine.sync_engine.dialect, _ATTRIBUTE, cipher)


def cipher_of(dialect: Dialect) -> Cipher:
    """The cipher attached to this dialect's engine."""
    cipher = getattr(dialect, _ATTRIBUTE, None)
    if cipher is None:
        raise RuntimeError("this database has no encryption key attached (see bot.db.crypto.attach_cipher)")
    return cipher  # type: ignore[no-any-return]


class EncryptedText(TypeDecorator[str]):
    """Text that is stored encrypted; what members write goes in columns of this type."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt on the way in."""
        return None if value is None else cipher_of(dialect).encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Decrypt on the way out."""
        return None if value is None else cipher_of(dialect).decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored encrypted (queued posts quote what members wrote)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Serialise, then encrypt."""
        if value is None:
            return None
        return cipher_of(dialect).encrypt(json.dumps(value, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        """Decrypt, then parse; a row written before encryption (plain JSON) is read as it is."""
        if value is None:
            return None
        if value.lstrip().startswith(("{", "[")):
            return json.loads(value)
        return json.loads(cipher_of(dialect).decrypt(value))
