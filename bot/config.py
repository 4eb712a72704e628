"""Settings read from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.shards import ALL_SHARDS, Shards

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/setkeeper.db"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line meant for the person running the bot."""


class Settings(BaseSettings):
    """Every setting Setkeeper reads. Environment variables win over `.env`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="forbid")

    discord_token: SecretStr = Field(description="The bot token from the Discord Developer Portal.")
    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the database.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="The least important kind of log line that is still written."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as plain text to read, or as one JSON object a line for a log collector."
    )
    auto_migrate: bool = Field(True, description="Upgrade the database to the newest revision at start-up.")
    sync_guild_id: int | None = Field(None, description="Register commands in this one guild only (development).")
    process_name: str = Field(
        "main",
        min_length=1,
        max_length=100,
        description="This process's name among those sharing the database; due work it held when it was killed is "
        "taken back at once when it starts again under the same name.",
    )
    message_content_intent: bool = Field(
        False,
        description="Ask Discord for message text (privileged): an off-turn post removed is returned to its author.",
    )
    encryption_keys: SecretStr | None = Field(
        None, description="Fernet keys, separated by commas: the first encrypts, every one decrypts."
    )
    encryption_key_file: Path | None = Field(
        None, description="Where the key is kept when ENCRYPTION_KEYS is not set (default: beside the database)."
    )
    shard_count: int | None = Field(
        None, ge=1, description="How many shards the whole bot has, across every process (Discord's sharding)."
    )
    shard_ids: str | None = Field(
        None, description="The shards this process serves, separated by commas (default: every one of SHARD_COUNT)."
    )
    discord_api_base: str | None = Field(
        None,
        description="REST base URL of Discord's API: an HTTP rate-limit proxy in front of it (such as nirn-proxy), or "
        "the tests' fake Discord.",
    )
    discord_gateway_url: str | None = Field(None, description="Test setting: gateway URL of a fake Discord.")
    discord_limits_scale: float = Field(
        1.0, gt=0, le=1, description="Test setting: shrink the observed rate limits' windows, as a fake Discord does."
    )
    discord_guild_ready_timeout: float = Field(
        0.5, gt=0, le=5, description="Test setting: seconds to wait after the last guild arrives before being ready."
    )
    test_clock_file: Path | None = Field(
        None, description="Test setting: a file holding seconds to move the bot's clock by (a fake Discord only)."
    )

    @field_validator("discord_token")
    @classmethod
    def _token_has_discord_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if token.lower().startswith("bot "):
            token = token[4:]
        if not _TOKEN_SHAPE.match(token) or not _first_part_is_an_id(token):
            raise ValueError("is not a bot token: copy it again from the Bot page of the Discord Developer Portal")
        return SecretStr(token)

    @field_validator("encryption_keys")
    @classmethod
    def _keys_are_fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        return checked_keys(value)

    @model_validator(mode="after")
    def _moved_clock_only_against_a_fake_discord(self) -> Settings:
        # A moved clock would send every reminder at the wrong time: it is refused unless the bot talks to a fake
        # Discord on this machine, so that a production run cannot switch it on by accident.
        if self.test_clock_file is not None and not talks_to_loopback(self.discord_api_base):
            raise ValueError("TEST_CLOCK_FILE is for the test suite only, with DISCORD_API_BASE on 127.0.0.1")
        return self

    @field_validator("shard_count", "shard_ids", mode="before")
    @classmethod
    def _no_shards_when_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        self.shards()  # raises the one line that says what is wrong
        if self.database_url.startswith("sqlite") and ((self.shard_count or 1) > 1 or self.shard_ids is not None):
            raise ValueError(SQLITE_ONE_PROCESS)
        return self

    def shards(self) -> Shards:
        """The shards this process serves, as SHARD_COUNT and SHARD_IDS say (every guild when neither is set)."""
        return checked_shards(self.shard_count, self.shard_ids)

    def encryption_key_list(self) -> list[str]:
        """The configured keys, newest (the one that encrypts) first; empty when the key file is to be used."""
        return split_keys(self.encryption_keys.get_secret_value()) if self.encryption_keys else []

    @field_validator("test_clock_file", mode="before")
    @classmethod
    def _no_clock_file_when_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _database_is_supported(cls, value: str) -> str:
        return checked_database_url(value)


SQLITE_ONE_PROCESS = (
    "SQLite serves one process: set DATABASE_URL to PostgreSQL to run shards in several processes "
    "(see docs/admins/scaling.md), or leave SHARD_COUNT and SHARD_IDS unset"
)


def checked_shards(count: int | None, ids: str | None) -> Shards:
    """The shards SHARD_COUNT and SHARD_IDS name, or a ValueError in one line that says what to write instead."""
    if count is None and ids is None:
        return ALL_SHARDS
    if count is None:
        raise ValueError("SHARD_IDS needs SHARD_COUNT: set SHARD_COUNT to how many shards the whole bot has")
    if ids is None:
        return Shards(count, tuple(range(count)), sharded=True)
    parts = [part.strip() for part in ids.split(",") if part.strip()]
    if not parts or not all(part.isdigit() for part in parts):
        raise ValueError(f"SHARD_IDS must be shard numbers separated by commas, such as 0,1 (not {ids.strip()!r})")
    numbers = sorted({int(part) for part in parts})
    outside = [number for number in numbers if number >= count]
    if outside:
        raise ValueError(
            f"SHARD_IDS names shard {outside[0]}, but with SHARD_COUNT={count} the shards are 0 to {count - 1}"
        )
    return Shards(count, tuple(numbers), sharded=True)


def checked_keys(value: SecretStr | None) -> SecretStr | None:
    """ENCRYPTION_KEYS as given, or a ValueError that says what is wrong without showing a key."""
    if value is None:
        return None
    keys = split_keys(value.get_secret_value())
    if not keys:
        return None  # set but empty, as `.env.example` leaves it: the key file is used
    for number, key in enumerate(keys, start=1):
        if not is_fernet_key(key):
            # Which one, never what it is: the message goes to a terminal and perhaps a log.
            which = f"holds a key that is not an encryption key (key {number} of {len(keys)})"
            raise ValueError(
                f"{which if len(keys) > 1 else 'is not an encryption key'}: a key is 44 characters of URL-safe "
                "base64, and several are separated by commas (see docs/admins/backups.md)"
            )
    return SecretStr(",".join(keys))


def checked_database_url(value: str) -> str:
    """DATABASE_URL as given, or a ValueError that says what to give instead."""
    if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
    if value.startswith("sqlite") and _in_memory(value):
        raise ValueError(
            "names no SQLite file (an in-memory database loses everything when the bot stops): give a file, "
            f"such as {DEFAULT_DATABASE_URL}"
        )
    return value


def _in_memory(url: str) -> bool:
    """Whether a SQLite URL names no file: nothing after `///`, `:memory:`, or `mode=memory`."""
    path, _, query = url.removeprefix("sqlite+aiosqlite://").partition("?")
    return path.strip("/") in ("", ":memory:") or "mode=memory" in query


def talks_to_loopback(url: str | None) -> bool:
    """Whether `url` names a server on this machine (the fake Discord of the tests)."""
    return url is not None and urlsplit(url).hostname in {"127.0.0.1", "localhost", "::1"}


def split_keys(text: str) -> list[str]:
    """Keys written one after another, separated by commas, spaces or new lines."""
    return [key for key in re.split(r"[,\s]+", text) if key]


def is_fernet_key(key: str) -> bool:
    """Whether `key` is a Fernet key (32 bytes in URL-safe base64)."""
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return False
    return True


def application_of(token: str) -> str:
    """The bot's id, as the first part of its token spells it (the same for every process of one bot)."""
    first = token.removeprefix("Bot ").split(".", 1)[0]
    try:
        return base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode()
    except (binascii.Error, ValueError):
        return first


def _first_part_is_an_id(token: str) -> bool:
    first = token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))
    except (binascii.Error, ValueError):
        return False
    return decoded.isdigit()


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Read the settings, or raise `ConfigError` with one line that says what to fix."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


class _DatabaseOnly(BaseSettings):
    """Just the database URL, read the way the bot reads it (for `alembic` on the command line)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL


class StorageSettings(BaseSettings):
    """The settings that reach the stored data and nothing else (the operator's command line needs no Discord)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    encryption_keys: SecretStr | None = None
    encryption_key_file: Path | None = None

    @field_validator("encryption_keys")
    @classmethod
    def _keys_are_fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        return checked_keys(value)

    @field_validator("database_url")
    @classmethod
    def _database_is_supported(cls, value: str) -> str:
        return checked_database_url(value)

    def encryption_key_list(self) -> list[str]:
        """The configured keys, newest first; empty when the key file is to be used."""
        return split_keys(self.encryption_keys.get_secret_value()) if self.encryption_keys else []


def load_storage_settings(env_file: Path | None = Path(".env")) -> StorageSettings:
    """Read the storage settings, or raise `ConfigError` with one line that says what to fix."""
    try:
        return StorageSettings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def database_url_from_environment() -> str:
    """DATABASE_URL from the environment or `.env`, as the bot would use it."""
    return _DatabaseOnly().database_url


def describe_validation_error(exc: ValidationError) -> str:
    """Turn pydantic's report into one line that names each setting as it is spelt in `.env`."""
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else ""  # a rule across settings names them itself
        if error["type"] == "missing" and name == "DISCORD_TOKEN":
            problems.append("DISCORD_TOKEN is not set: put your bot's token in .env (see the README)")
        elif error["type"] == "extra_forbidden":
            problems.append(
                f"{name} is not a setting Setkeeper knows (see the configuration table in docs/admins/running.md)"
            )
        elif error["type"] == "literal_error":
            allowed = str(error.get("ctx", {}).get("expected", "")).replace("'", "")
            problems.append(f"{name} must be one of {allowed}")
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name} {message}".strip())
    return "; ".join(problems)
