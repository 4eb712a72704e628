"""Encryption at rest: column types that store what members write (and what the bot will post) as Fernet tokens.

The keys belong to the database, not to the process: `attach_cipher` hangs a `Keyring` on an engine's dialect, and
the column types find it there, so that two databases with different keys (tests, a migration) never mix them up.

What a group's members write is sealed with that group's own data key (stored wrapped by the settings keys, see
`bot.db.group_keys`), as `g<group id>:<token>`: destroying the group's key makes every such token unreadable at
once, wherever a copy of it lies. A value bound for such a column must say its group (`for_group`); one that does
not is refused, never sealed with the settings keys by mistake. Tokens without the prefix (rows written before
group keys, queued posts) are read, and written, with the settings keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

from bot.domain.words import ERASED_MARKER

_ATTRIBUTE = "setkeeper_cipher"
_GROUP_TOKEN = re.compile(r"g(\d+):")
"""A group's token starts `g<id>:`; a bare Fernet token starts `gAAAA`, so the two can never be confused."""

ERASED: Final = ERASED_MARKER
"""What a member's words read as once their group's key was destroyed."""


class EncryptionKeyError(Exception):
    """A key is not a Fernet key, or stored text cannot be read with any configured key."""


class Cipher:
    """Encrypts with the first key and decrypts with any of them, so that a key can be rotated later."""

    def __init__(self, keys: Sequence[bytes | str]) -> None:
        if not keys:
            raise EncryptionKeyError("at least one encryption key is needed")
        try:
            self._first = Fernet(keys[0])
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

    def rotated(self, token: str) -> str | None:
        """The token sealed again with the first key, or None if the first key already reads it (nothing to do)."""
        try:
            self._first.decrypt(token.encode("ascii"))
        except InvalidToken:
            pass
        else:
            return None
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise EncryptionKeyError("stored text cannot be decrypted with the configured keys") from exc


class GroupKeyDestroyedError(EncryptionKeyError):
    """Words were about to be stored for a group whose key was destroyed when its content was erased."""


class UnsealedGroupValueError(EncryptionKeyError):
    """A value for a group's column reached the database without its group: a write path that skipped sealing."""


class GroupText(str):
    """Text bound for one group's column, with the group's data key it is sealed with."""

    group_id: int
    key: Fernet

    def __new__(cls, text: str, group_id: int, key: Fernet) -> GroupText:  # noqa: D102 - the class says it
        value = super().__new__(cls, text)
        value.group_id, value.key = group_id, key
        return value


class GroupList(list[Any]):
    """A JSON list bound for one group's column (a ballot's choices), with the group's data key."""

    group_id: int
    key: Fernet


class GroupDict(dict[str, Any]):
    """A JSON object bound for one group's column, with the group's data key."""

    group_id: int
    key: Fernet


_GroupValue = GroupText | GroupList | GroupDict


def for_group(value: str | list[Any] | dict[str, Any], group_id: int, key: Fernet) -> _GroupValue:
    """`value` marked as the group's, to be sealed with `key` (text, or a JSON list or object)."""
    if isinstance(value, str):
        return GroupText(value, group_id, key)
    marked: GroupList | GroupDict = GroupList(value) if isinstance(value, list) else GroupDict(value)
    marked.group_id, marked.key = group_id, key
    return marked


def _seal(value: _GroupValue, text: str) -> str:
    return f"g{value.group_id}:" + value.key.encrypt(text.encode("utf-8")).decode("ascii")


class _Destroyed:
    """A group key destroyed on purpose (crypto-shredding), as the keyring remembers it."""


DESTROYED: Final = _Destroyed()

KeyLoader = Callable[[int], "str | _Destroyed | None"]
"""Reads a group's wrapped key from the key store: the wrapped key, `DESTROYED`, or None if there is none."""


class Keyring:
    """The settings keys, and the groups' data keys they unwrap, cached once read (never written anywhere)."""

    def __init__(self, cipher: Cipher, loader: KeyLoader | None = None) -> None:
        self.cipher = cipher
        self.loader = loader
        self._keys: dict[int, Fernet | _Destroyed] = {}
        # Keys made by a transaction that has not committed yet: readable here (that transaction reads its own rows
        # back), never used by another transaction to seal, since it may still roll back.
        self._pending: dict[int, Fernet] = {}

    def wrap(self, key: bytes) -> str:
        """A new group key, sealed with the first settings key, for the key store."""
        return self.cipher.encrypt(key.decode("ascii"))

    def known(self, group_id: int) -> Fernet | _Destroyed | None:
        """The group's committed key (or `DESTROYED`) if this process has met it; None if not yet."""
        return self._keys.get(group_id)

    def remember(self, group_id: int, wrapped: str | _Destroyed) -> Fernet | _Destroyed:
        """Unwrap a group's key as read from the key store (committed), and keep it."""
        key = wrapped if isinstance(wrapped, _Destroyed) else Fernet(self.cipher.decrypt(wrapped).encode("ascii"))
        self._keys[group_id] = key
        return key

    def pending(self, group_id: int, key: Fernet) -> None:
        """A key this process just made and has not committed yet."""
        self._pending[group_id] = key

    def settle(self, made: dict[int, Fernet], destroyed: set[int], *, committed: bool) -> None:
        """The transaction that made `made` and destroyed `destroyed` has committed (or rolled back)."""
        for group_id, key in made.items():
            self._pending.pop(group_id, None)
            if committed:
                self._keys[group_id] = key
        if committed:
            for group_id in destroyed:
                self._keys[group_id] = DESTROYED

    def forget(self, group_id: int) -> None:
        """Drop what is cached about a group (its key is read again from the key store when next needed)."""
        self._keys.pop(group_id, None)

    def _reading_key(self, group_id: int) -> Fernet | _Destroyed:
        key = self._keys.get(group_id) or self._pending.get(group_id)
        if key is not None:
            return key
        wrapped = self.loader(group_id) if self.loader is not None else None
        if wrapped is None:
            raise EncryptionKeyError(f"the data key of group {group_id} is not in the key store")
        return self.remember(group_id, wrapped)

    def decrypt(self, token: str) -> str:
        """The text a token holds, with its group's key or the settings keys; `ERASED` if its key was destroyed."""
        if token == ERASED:
            return ERASED  # erased words are stored as the marker itself: there is nothing left to hide
        match = _GROUP_TOKEN.match(token)
        if match is None:
            return self.cipher.decrypt(token)
        key = self._reading_key(int(match.group(1)))
        if isinstance(key, _Destroyed):
            return ERASED
        try:
            return key.decrypt(token[match.end() :].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise EncryptionKeyError("stored text cannot be decrypted with its group's key") from exc

    def seal(self, value: Any, text: str, *, group_owned: bool) -> str:
        """`text` (the value, serialised) sealed with the value's group key, or the settings keys if not a group's."""
        if isinstance(value, _GroupValue):
            return _seal(value, text)
        if text == ERASED:
            return ERASED  # the words are gone: the marker needs no key (and a group's erasure needs none either)
        if group_owned:
            raise UnsealedGroupValueError(
                "a group's words reached the database without their group's key (see bot.db.group_keys)"
            )
        return self.cipher.encrypt(text)


def attach_cipher(engine: AsyncEngine, cipher: Cipher | Keyring) -> Keyring:
    """Have every encrypted column on this engine use these keys; the keyring they are kept in."""
    keyring = cipher if isinstance(cipher, Keyring) else Keyring(cipher)
    setattr(engine.sync_engine.dialect, _ATTRIBUTE, keyring)
    return keyring


def keyring_of(dialect: Dialect) -> Keyring:
    """The keyring attached to this dialect's engine."""
    keyring = getattr(dialect, _ATTRIBUTE, None)
    if keyring is None:
        raise RuntimeError("this database has no encryption key attached (see bot.db.crypto.attach_cipher)")
    return keyring  # type: ignore[no-any-return]


def cipher_of(dialect: Dialect) -> Cipher:
    """The settings keys attached to this dialect's engine."""
    return keyring_of(dialect).cipher


class EncryptedText(TypeDecorator[str]):
    """Text that is stored encrypted; what members write goes in columns of this type.

    `group_owned`: the text belongs to one group and is sealed with its data key (a value without it is refused).
    """

    impl = Text
    cache_ok = True

    def __init__(self, *, group_owned: bool = False) -> None:
        super().__init__()
        self.group_owned = group_owned

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Encrypt on the way in."""
        return None if value is None else keyring_of(dialect).seal(value, value, group_owned=self.group_owned)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Decrypt on the way out."""
        return None if value is None else keyring_of(dialect).decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored encrypted (queued posts quote what members wrote; ballots are a group's)."""

    impl = Text
    cache_ok = True

    def __init__(self, *, group_owned: bool = False) -> None:
        super().__init__()
        self.group_owned = group_owned

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Serialise, then encrypt."""
        if value is None:
            return None
        return keyring_of(dialect).seal(value, json.dumps(value, separators=(",", ":")), group_owned=self.group_owned)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        """Decrypt, then parse; a row written before encryption (plain JSON) is read as it is.

        A group's value whose key was destroyed reads as an empty list (a ballot with no choices left).
        """
        if value is None:
            return None
        if value.lstrip().startswith(("{", "[")):
            return json.loads(value)
        text = keyring_of(dialect).decrypt(value)
        return [] if text == ERASED and _GROUP_TOKEN.match(value) else json.loads(text)
