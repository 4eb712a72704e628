"""Starting `python -m bot` as a newcomer would: every mistake ends with one clear line and a non-zero exit."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from pathlib import Path

import pytest

from tests.fakediscord import BotProcess, FakeDiscord, make_token

pytestmark = pytest.mark.e2e
TOKEN = make_token(123456789012345678)


async def _run_bot(tmp_path: Path, **settings: str) -> tuple[int, list[str]]:
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ} | settings
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, output.decode().strip().splitlines()


async def test_no_token_is_one_line(tmp_path: Path) -> None:
    code, lines = await _run_bot(tmp_path)
    assert code != 0
    assert lines == ["Setkeeper cannot start: DISCORD_TOKEN is not set: put your bot's token in .env (see the README)"]


async def test_an_unknown_setting_in_env_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nDATABSE_URL=sqlite+aiosqlite:///x.db\n")
    code, lines = await _run_bot(tmp_path)
    assert code != 0
    assert lines == [
        "Setkeeper cannot start: DATABSE_URL is not a setting Setkeeper knows "
        "(see the configuration table in docs/admins/running.md)"
    ]


async def test_an_unreachable_database_is_one_line_with_the_password_hidden(tmp_path: Path) -> None:
    code, lines = await _run_bot(
        tmp_path, DISCORD_TOKEN=TOKEN, DATABASE_URL="postgresql+asyncpg://setkeeper:hunter2@127.0.0.1:9/x"
    )
    assert code != 0
    (last,) = [line for line in lines if "cannot start" in line]
    assert last.startswith("Setkeeper cannot start: cannot reach the database at postgresql+asyncpg://setkeeper:***@")
    assert "hunter2" not in "\n".join(lines)
    assert not any("Traceback" in line for line in lines)


async def test_an_unreachable_discord_is_one_line_after_the_database_is_made(tmp_path: Path) -> None:
    code, lines = await _run_bot(tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE="http://127.0.0.1:9/api/v10")
    assert code != 0
    assert lines[-1] == (
        "Setkeeper cannot start: cannot reach Discord: the connection to 127.0.0.1:9 was refused "
        "(nothing is listening there)"
    )
    assert (tmp_path / "data" / "setkeeper.db").exists(), "the zero-set-up SQLite database is created on first run"
    assert not any("Traceback" in line for line in lines)


async def test_no_network_or_dns_is_one_line_in_words_without_voice_warnings(tmp_path: Path) -> None:
    # .invalid never resolves (RFC 6761), with or without a network.
    code, lines = await _run_bot(tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE="http://discord.invalid/api/v10")
    assert code != 0
    assert (
        lines[-1]
        == "Setkeeper cannot start: cannot reach Discord: no network or DNS (could not look up discord.invalid)"
    )
    assert not [line for line in lines if " INFO " not in line][:-1], "the one line, after progress logs only"
    assert len(lines) <= 5, lines  # folder made, database upgraded, key file created, logging in, the one line
    output = "\n".join(lines)
    assert "voice will NOT be supported" not in output
    assert "Error" not in output, "no exception class names"
    assert "Traceback" not in output


async def test_a_malformed_encryption_key_is_one_line_that_does_not_echo_it(tmp_path: Path) -> None:
    code, lines = await _run_bot(tmp_path, DISCORD_TOKEN=TOKEN, ENCRYPTION_KEYS="not-a-fernet-key-secret-value")
    assert code != 0
    assert lines == [
        "Setkeeper cannot start: ENCRYPTION_KEYS is not an encryption key: a key is 44 characters of URL-safe "
        "base64, and several are separated by commas (see docs/admins/backups.md)"
    ]
    assert not (tmp_path / "data").exists(), "refused before anything is made"


async def test_a_malformed_key_file_is_one_line_that_does_not_echo_it(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "setkeeper.key").write_text("not-a-fernet-key-secret-value\n")
    code, lines = await _run_bot(tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE="http://127.0.0.1:9/api/v10")
    assert code != 0
    assert lines[-1] == (
        "Setkeeper cannot start: line 1 of the encryption key file data/setkeeper.key is not a key "
        "(a key is 44 characters of URL-safe base64, one a line)"
    )
    output = "\n".join(lines)
    assert "not-a-fernet-key-secret-value" not in output
    assert "Traceback" not in output


async def test_a_first_run_makes_a_private_key_file_and_says_where_not_what(tmp_path: Path) -> None:
    code, lines = await _run_bot(tmp_path, DISCORD_TOKEN=TOKEN, DISCORD_API_BASE="http://127.0.0.1:9/api/v10")
    assert code != 0, "Discord is unreachable; the key file is made before that"
    key_file = tmp_path / "data" / "setkeeper.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (notice,) = [line for line in lines if "encryption key file" in line]
    assert "back it up" in notice
    assert "key_file=data/setkeeper.key" in notice
    assert key_file.read_text().strip() not in "\n".join(lines)


async def test_a_lost_key_file_is_refused_and_not_replaced_by_a_new_one(tmp_path: Path) -> None:
    unreachable = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10"}
    await _run_bot(tmp_path, **unreachable)  # the first run makes the database and its key
    key_file = tmp_path / "data" / "setkeeper.key"
    key_file.unlink()
    code, lines = await _run_bot(tmp_path, **unreachable)
    assert code != 0
    assert lines[-1].startswith("Setkeeper cannot start: the encryption key cannot read the text this database holds")
    assert not key_file.exists(), "a new key would hide the lost one"
    assert "Traceback" not in "\n".join(lines)


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///", "sqlite+aiosqlite:///:memory:"])
async def test_a_sqlite_url_without_a_file_is_one_line(tmp_path: Path, url: str) -> None:
    code, lines = await _run_bot(tmp_path, DISCORD_TOKEN=TOKEN, DATABASE_URL=url)
    assert code != 0
    assert lines == [
        "Setkeeper cannot start: DATABASE_URL names no SQLite file (an in-memory database loses everything when the "
        "bot stops): give a file, such as sqlite+aiosqlite:///data/setkeeper.db"
    ]


async def test_a_database_folder_made_on_the_first_run_is_said(tmp_path: Path) -> None:
    code, lines = await _run_bot(
        tmp_path,
        DISCORD_TOKEN=TOKEN,
        DATABASE_URL="sqlite+aiosqlite:///deep/new/setkeeper.db",
        DISCORD_API_BASE="http://127.0.0.1:9",
    )
    assert code != 0
    assert any("made the database's folder" in line and str(tmp_path / "deep" / "new") in line for line in lines)


async def test_a_database_folder_that_cannot_be_made_is_named_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the folder should be")
    code, lines = await _run_bot(tmp_path, DISCORD_TOKEN=TOKEN, DATABASE_URL="sqlite+aiosqlite:///data/deep/x.db")
    assert code != 0
    assert lines == [
        f"Setkeeper cannot start: cannot make the data directory {tmp_path / 'data' / 'deep'}: "
        f"{tmp_path / 'data'} is a file, not a directory"
    ]


async def test_a_start_says_nothing_of_the_scheduler_s_own_jobs(discord_world: FakeDiscord, bot: BotProcess) -> None:
    assert "bot ready" in bot.output
    assert "Added job" not in bot.output
    assert "Scheduler started" not in bot.output
    assert f"I am in 1 server: {discord_world.guild.name}" in bot.output, "the self-hoster reads where the bot is"
