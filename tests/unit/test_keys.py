"""Where the key comes from: ENCRYPTION_KEYS, else a private key file made once beside the database."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from bot.db.crypto import Cipher
from bot.db.keys import KeyFileError, default_key_file, load_cipher
from tests.conftest import TEST_ENCRYPTION_KEY

OLD_KEY = "LpCmYIJdLe1rV8XNm-t5wRCPlMTQfGzdFQnkx2Pyj2U="


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'setkeeper.db'}"


def _key_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line]


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)


def test_the_key_file_sits_beside_a_sqlite_database() -> None:
    assert default_key_file("sqlite+aiosqlite:///data/setkeeper.db") == Path("data/setkeeper.key")
    assert default_key_file("sqlite+aiosqlite:////srv/sets/prod.db") == Path("/srv/sets/prod.key")


def test_without_a_file_of_its_own_a_postgresql_bot_keeps_its_key_under_data() -> None:
    assert default_key_file("postgresql+asyncpg://u:p@db:5432/setkeeper") == Path("data/setkeeper.key")


def test_a_first_load_makes_a_private_key_file_with_one_key(sqlite_url: str, tmp_path: Path) -> None:
    load_cipher([], None, sqlite_url)
    key_file = tmp_path / "data" / "setkeeper.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (key,) = _key_lines(key_file)
    Cipher([key])  # a real key
    assert [path.name for path in key_file.parent.iterdir()] == ["setkeeper.key"], "no temporary file left behind"


def test_the_key_file_is_made_private_whatever_the_umask(sqlite_url: str, tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        load_cipher([], None, sqlite_url)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "data" / "setkeeper.key").stat().st_mode) == 0o600


def test_the_next_load_reuses_the_key_file(sqlite_url: str, tmp_path: Path) -> None:
    first = load_cipher([], None, sqlite_url)
    key_file = tmp_path / "data" / "setkeeper.key"
    before = key_file.read_text()
    second = load_cipher([], None, sqlite_url)
    assert key_file.read_text() == before
    assert second.decrypt(first.encrypt("my action")) == "my action"


def test_a_new_key_file_is_logged_once_with_its_place_and_never_its_key(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.db.keys")
    load_cipher([], None, sqlite_url)
    load_cipher([], None, sqlite_url)
    key_file = tmp_path / "data" / "setkeeper.key"
    (record,) = caplog.records
    assert "back it up" in record.getMessage()
    assert record.__dict__["key_file"] == str(key_file)
    (key,) = _key_lines(key_file)
    assert key not in _everything_logged(caplog)


def test_encryption_keys_win_over_the_key_file(sqlite_url: str, tmp_path: Path) -> None:
    cipher = load_cipher([TEST_ENCRYPTION_KEY], tmp_path / "elsewhere.key", sqlite_url)
    assert not (tmp_path / "elsewhere.key").exists()
    assert not (tmp_path / "data").exists(), "no key file is made either"
    assert Cipher([TEST_ENCRYPTION_KEY]).decrypt(cipher.encrypt("x")) == "x"


def test_a_key_file_named_in_the_settings_is_the_one_used(sqlite_url: str, tmp_path: Path) -> None:
    chosen = tmp_path / "secrets" / "set.key"
    chosen.parent.mkdir()
    chosen.write_text(f"\n{TEST_ENCRYPTION_KEY}\n\n{OLD_KEY}\n")
    chosen.chmod(0o600)
    cipher = load_cipher([], chosen, sqlite_url)
    assert not (tmp_path / "data").exists()
    assert Cipher([TEST_ENCRYPTION_KEY]).decrypt(cipher.encrypt("x")) == "x", "the first line encrypts"
    assert cipher.decrypt(Cipher([OLD_KEY]).encrypt("old")) == "old", "every line decrypts"


def test_a_key_file_others_can_read_is_used_and_said_not_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key_file = tmp_path / "set.key"
    key_file.write_text(TEST_ENCRYPTION_KEY + "\n")
    key_file.chmod(0o644)
    load_cipher([], key_file, "sqlite+aiosqlite:///x.db")
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "other users" in record.getMessage()
    assert record.__dict__["key_file"] == str(key_file)
    assert TEST_ENCRYPTION_KEY not in _everything_logged(caplog)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not-a-key-secret\n", "line 1 of the encryption key file {path} is not a key"),
        (f"{TEST_ENCRYPTION_KEY}\n\nnot-a-key-secret\n", "line 2 of the encryption key file {path} is not a key"),
        ("\n  \n", "the encryption key file {path} holds no key"),
    ],
)
def test_a_malformed_key_file_is_one_line_that_does_not_echo_it(tmp_path: Path, content: str, expected: str) -> None:
    key_file = tmp_path / "set.key"
    key_file.write_text(content)
    key_file.chmod(0o600)
    with pytest.raises(KeyFileError) as caught:
        load_cipher([], key_file, "sqlite+aiosqlite:///x.db")
    message = str(caught.value)
    assert message.startswith(expected.format(path=key_file))
    assert "\n" not in message
    assert "not-a-key-secret" not in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_key_file_is_one_line(tmp_path: Path) -> None:
    key_file = tmp_path / "set.key"
    key_file.write_text(TEST_ENCRYPTION_KEY + "\n")
    key_file.chmod(0o000)
    with pytest.raises(KeyFileError) as caught:
        load_cipher([], key_file, "sqlite+aiosqlite:///x.db")
    assert str(caught.value) == f"cannot read the encryption key file {key_file}: Permission denied"


def test_a_key_file_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the folder should be")
    with pytest.raises(KeyFileError) as caught:
        load_cipher([], tmp_path / "data" / "setkeeper.key", "sqlite+aiosqlite:///x.db")
    assert str(caught.value).startswith(f"cannot create the encryption key file {tmp_path / 'data' / 'setkeeper.key'}:")
