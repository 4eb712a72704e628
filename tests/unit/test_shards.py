"""Shards: which guilds a process owns, and the settings that say which shards it serves (one line when wrong)."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord.ext import commands

from bot.app import Setkeeper, ShardedSetkeeper, bot_class, sharding
from bot.config import ConfigError, application_of, load_settings
from bot.db.shard_lock import lock_space
from bot.domain.shards import ALL_SHARDS, Shards, owns, shard_of
from bot.ui.pacing import GLOBAL, OBSERVED_LIMITS, Limit, global_share
from tests.unit.test_config import GOOD_TOKEN

POSTGRES = "postgresql+asyncpg://setkeeper@db/setkeeper"
A_GUILD = 41_771_983_423_143_937
"""A real-looking snowflake: its top bits (the id shifted right by 22) are 9_959_216_934."""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "SHARD_COUNT", "SHARD_IDS", "ENCRYPTION_KEYS", "TEST_CLOCK_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCORD_TOKEN", GOOD_TOKEN)


def test_a_guilds_shard_is_its_id_shifted_by_22_bits_modulo_the_count() -> None:
    assert A_GUILD >> 22 == 9_959_216_934
    assert [shard_of(A_GUILD, count) for count in (1, 2, 3, 7)] == [0, 0, 0, 2]
    assert shard_of((5 << 22) + 4_000_000, 4) == 1, "the low 22 bits (worker, sequence) do not count"


def test_a_process_owns_exactly_the_guilds_of_its_shards() -> None:
    guilds = [(shard << 22) + 17 for shard in range(8)]
    assert [owns(guild, 4, [0, 2]) for guild in guilds] == [True, False, True, False, True, False, True, False]
    assert [owns(guild, 4, [1, 3]) for guild in guilds] == [not owned for owned in (True, False) * 4]


def test_the_bots_own_work_guild_0_belongs_to_shard_0_only() -> None:
    assert Shards(2, (0,), sharded=True).owns(0)
    assert not Shards(2, (1,), sharded=True).owns(0)


def test_a_process_serving_every_shard_owns_every_guild() -> None:
    assert ALL_SHARDS.everything
    assert ALL_SHARDS.owns(A_GUILD)
    assert Shards(3, (0, 1, 2), sharded=True).owned([1 << 22, 2 << 22, 7 << 22]) == [1 << 22, 2 << 22, 7 << 22]
    assert Shards(3, (1,), sharded=True).owned([1 << 22, 2 << 22, 4 << 22]) == [1 << 22, 4 << 22]


@pytest.mark.parametrize(("count", "ids"), [(0, (0,)), (2, ()), (2, (2,)), (2, (-1,))])
def test_impossible_shards_are_refused(count: int, ids: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="shard"):
        Shards(count, ids)


def test_with_neither_setting_the_bot_is_the_plain_bot_with_no_shard(tmp_path: Path) -> None:
    shards = load_settings(tmp_path / ".env").shards()
    assert shards == ALL_SHARDS
    assert not shards.sharded
    assert bot_class(shards) is Setkeeper
    assert not issubclass(Setkeeper, commands.AutoShardedBot)
    assert sharding(shards) == {}, "discord.py is told nothing: one connection, exactly as before"


def test_shard_settings_run_the_sharded_bot_over_these_shards(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", " 3, 1 ")
    shards = load_settings(tmp_path / ".env").shards()
    assert shards == Shards(4, (1, 3), sharded=True)
    assert bot_class(shards) is ShardedSetkeeper
    assert issubclass(ShardedSetkeeper, commands.AutoShardedBot)
    assert sharding(shards) == {"shard_count": 4, "shard_ids": [1, 3]}
    assert shards.describe() == "shards 1, 3 of 4"


def test_a_shard_count_alone_serves_every_shard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("SHARD_COUNT", "2")
    assert load_settings(tmp_path / ".env").shards() == Shards(2, (0, 1), sharded=True)


def test_a_shard_count_of_one_on_sqlite_is_one_process_and_allowed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHARD_COUNT", "1")
    assert load_settings(tmp_path / ".env").shards() == Shards(1, (0,), sharded=True)


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            {"SHARD_COUNT": "2", "SHARD_IDS": "0,2"},
            "SHARD_IDS names shard 2, but with SHARD_COUNT=2 the shards are 0 to 1",
        ),
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT: set SHARD_COUNT to how many shards the whole bot has"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "zero"}, "SHARD_IDS must be shard numbers separated by commas, such as 0,1"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT Input should be greater than or equal to 1"),
    ],
)
def test_wrong_shard_settings_are_one_line_that_says_what_to_write(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: dict[str, str], line: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / ".env")
    assert line in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("settings", [{"SHARD_COUNT": "2"}, {"SHARD_COUNT": "1", "SHARD_IDS": "0"}])
def test_sqlite_refuses_shards_in_several_processes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: dict[str, str]
) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / ".env")
    assert str(caught.value).startswith(
        "SQLite serves one process: set DATABASE_URL to PostgreSQL to run shards in several processes"
    )


def test_every_process_of_one_bot_shares_its_lock_space_and_another_bot_does_not() -> None:
    assert application_of(GOOD_TOKEN) == "123456789012345678"
    assert application_of(f"Bot {GOOD_TOKEN}") == "123456789012345678"
    assert lock_space("123456789012345678") == lock_space(application_of(GOOD_TOKEN))
    assert lock_space("123456789012345678") != lock_space("876543210987654321")
    assert -(2**31) <= lock_space("123456789012345678") < 2**31


def test_each_process_paces_itself_to_its_shards_share_of_the_bots_50_a_second() -> None:
    assert global_share(OBSERVED_LIMITS, 1, 2)[GLOBAL] == Limit(25, 1.0)
    assert global_share(OBSERVED_LIMITS, 2, 3)[GLOBAL] == Limit(33, 1.0), "rounded down: the sum stays within 50"
    assert global_share(OBSERVED_LIMITS, 1, 100)[GLOBAL] == Limit(1, 1.0)
    assert global_share(OBSERVED_LIMITS, 4, 4) == OBSERVED_LIMITS, "one process for every shard: the whole budget"
    assert global_share(OBSERVED_LIMITS, 1, 2)["message_create"] == OBSERVED_LIMITS["message_create"]
