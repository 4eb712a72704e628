"""Settings: every mistake ends with one line that says what to fix; the token is never shown."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import MovedClock
from bot.config import ConfigError, load_settings
from bot.db import engine
from bot.db.engine import DataFolderError, ensure_sqlite_folder
from tests.conftest import TEST_ENCRYPTION_KEY

GOOD_TOKEN = base64.urlsafe_b64encode(b"123456789012345678").decode().rstrip("=") + ".GhIjKl." + "x" * 30


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DISCORD_TOKEN",
        "DATABASE_URL",
        "LOG_LEVEL",
        "AUTO_MIGRATE",
        "ENCRYPTION_KEYS",
        "ENCRYPTION_KEY_FILE",
        "TEST_CLOCK_FILE",
        "DISCORD_API_BASE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_missing_token_says_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / ".env")
    assert str(caught.value) == "DISCORD_TOKEN is not set: put your bot's token in .env (see the README)"


def test_malformed_token_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-token-secret-value")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / ".env")
    assert "DISCORD_TOKEN is not a bot token" in str(caught.value)
    assert "not-a-token-secret-value" not in str(caught.value)


def test_unknown_setting_in_env_file_is_named(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DISCORD_TOKEN={GOOD_TOKEN}\nDISCORD_TOKNE=typo\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert "DISCORD_TOKNE is not a setting Setkeeper knows" in str(caught.value)


def test_defaults_give_a_sqlite_file_under_data(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DISCORD_TOKEN={GOOD_TOKEN}\n")
    settings = load_settings(env)
    assert settings.database_url == "sqlite+aiosqlite:///data/setkeeper.db"
    assert GOOD_TOKEN not in repr(settings)


def test_unsupported_database_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("DATABASE_URL", "mysql://localhost/x")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / ".env")
    assert "DATABASE_URL must start with" in str(caught.value)


def test_encryption_keys_are_read_newest_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    old_key = "LpCmYIJdLe1rV8XNm-t5wRCPlMTQfGzdFQnkx2Pyj2U="
    monkeypatch.setenv("DISCORD_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("ENCRYPTION_KEYS", f" {TEST_ENCRYPTION_KEY}, {old_key} ")
    settings = load_settings(tmp_path / ".env")
    assert settings.encryption_key_list() == [TEST_ENCRYPTION_KEY, old_key]
    assert TEST_ENCRYPTION_KEY not in repr(settings)


def test_empty_encryption_keys_mean_the_key_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={GOOD_TOKEN}\nENCRYPTION_KEYS=\n")
    assert load_settings(tmp_path / ".env").encryption_key_list() == []


@pytest.mark.parametrize(
    ("keys", "which"),
    [
        ("not-a-key-secret", "is not an encryption key:"),
        (f"{TEST_ENCRYPTION_KEY},not-a-key-secret", "holds a key that is not an encryption key (key 2 of 2):"),
    ],
)
def test_a_malformed_encryption_key_is_one_line_that_does_not_echo_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keys: str, which: str
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("ENCRYPTION_KEYS", keys)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / ".env")
    message = str(caught.value)
    assert message.startswith(f"ENCRYPTION_KEYS {which}")
    assert "\n" not in message
    assert "not-a-key-secret" not in message
    assert TEST_ENCRYPTION_KEY not in message


def test_a_moved_clock_is_refused_unless_the_bot_talks_to_a_fake_discord_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("TEST_CLOCK_FILE", str(tmp_path / "clock"))
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / ".env")
    assert str(caught.value) == "TEST_CLOCK_FILE is for the test suite only, with DISCORD_API_BASE on 127.0.0.1"
    monkeypatch.setenv("DISCORD_API_BASE", "https://discord.com/api/v10")
    with pytest.raises(ConfigError):
        load_settings(tmp_path / ".env")
    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:8123/api/v10")
    assert load_settings(tmp_path / ".env").test_clock_file == tmp_path / "clock"


def test_a_moved_clock_reads_its_offset_when_told(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = MovedClock(path)  # no file yet: the real time
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    path.write_text("7200.5\n")
    assert clock.offset == timedelta(0), "read only when told"
    moved = clock.reread()
    assert clock.offset == timedelta(hours=2, milliseconds=500)
    assert timedelta(hours=2) - timedelta(seconds=5) < moved - datetime.now(UTC) < timedelta(hours=2, seconds=1)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
        "sqlite+aiosqlite:///x?mode=memory",
    ],
)
def test_a_sqlite_url_without_a_file_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / ".env")
    assert str(caught.value) == (
        "DATABASE_URL names no SQLite file (an in-memory database loses everything when the bot stops): give a file, "
        "such as sqlite+aiosqlite:///data/setkeeper.db"
    )


def test_a_log_level_out_of_the_list_names_the_choices(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", GOOD_TOKEN)
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / ".env")
    assert str(caught.value) == "LOG_LEVEL must be one of DEBUG, INFO, WARNING or ERROR"


def test_a_data_directory_nobody_may_write_is_named_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests run as root, whom no mode stops: the check Setkeeper makes is answered "no" for this folder only.
    folder = tmp_path / "data"
    folder.mkdir()
    real = os.access
    monkeypatch.setattr(engine.os, "access", lambda path, mode: Path(path) != folder and real(path, mode))
    with pytest.raises(DataFolderError) as refused:
        ensure_sqlite_folder(f"sqlite+aiosqlite:///{folder}/setkeeper.db")
    assert str(refused.value) == (
        f"cannot write to the data directory {folder}: permission denied (let the user Setkeeper runs as write "
        "there, or set DATABASE_URL to a file in a folder it may write to)"
    )
    assert ensure_sqlite_folder(f"sqlite+aiosqlite:///{tmp_path}/elsewhere/setkeeper.db") == tmp_path / "elsewhere"
