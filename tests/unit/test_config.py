"""Settings: every mistake ends with one line that says what to fix; the token is never shown."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

GOOD_TOKEN = base64.urlsafe_b64encode(b"123456789012345678").decode().rstrip("=") + ".GhIjKl." + "x" * 30


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "LOG_LEVEL", "AUTO_MIGRATE"):
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
