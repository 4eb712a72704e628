"""The operator's command line, run as the operator runs it: a subprocess on a SQLite file, no Discord."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.db.models import Group
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.service.helpers import GUILD, OTHER_GUILD, add_members, make_group


async def _cli(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": database_url, "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "privacy",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_forget_server_erases_the_servers_rows_and_prints_how_many(
    services: Services, migrated_database_url: str, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the command line is shown on a SQLite file")
    group = await make_group(services.groups)
    await add_members(services.groups, group, 21, 22)
    await make_group(services.groups, "Set B", guild=OTHER_GUILD, text=900_009)

    code, out, err = await _cli(migrated_database_url, "forget-server", str(GUILD))
    assert (code, out) == (1, "")
    assert (
        err
        == f"Setkeeper privacy: this erases every row of server {GUILD} for good; run it again with --yes to go ahead\n"
    )

    code, out, err = await _cli(migrated_database_url, "forget-server", str(GUILD), "--yes")
    assert (code, err) == (0, ""), err
    assert out.startswith(f"Server {GUILD}: erased "), out
    assert "groups 1" in out, out
    assert "memberships 2" in out, out
    async with services.units(write=False) as unit:
        left = (await unit.session.execute(select(Group.guild_id))).scalars().all()
    assert left == [OTHER_GUILD]

    code, out, _ = await _cli(migrated_database_url, "forget-server", str(GUILD), "--yes")
    assert (code, out) == (0, f"Server {GUILD}: nothing stored, nothing erased.\n")


async def test_an_operator_exports_and_then_erases_one_person_by_id_in_every_server(
    services: Services, migrated_database_url: str, backend: str, tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("the command line is shown on a SQLite file")
    group = await make_group(services.groups)
    other = await make_group(services.groups, "Set B", guild=OTHER_GUILD, text=900_009)
    await add_members(services.groups, group, 21, 22)
    await add_members(services.groups, other, 21)
    await services.actions.add(GUILD, 21, "Phone the union rep", group.id)
    await services.actions.add(OTHER_GUILD, 21, "Draft the budget memo", other.id)
    await services.actions.add(GUILD, 22, "Bob's own words", group.id)

    code, out, err = await _cli(migrated_database_url, "export", "21", "--out", str(tmp_path))
    assert (code, err) == (0, ""), err
    assert [line.split(":")[0] for line in out.splitlines()] == [f"Server {GUILD}", f"Server {OTHER_GUILD}"]
    first = (tmp_path / f"setkeeper-{GUILD}-21.json").read_text()
    assert "Phone the union rep" in first
    assert "Bob's own words" not in first
    assert "Draft the budget memo" in (tmp_path / f"setkeeper-{OTHER_GUILD}-21.md").read_text()

    code, _, err = await _cli(migrated_database_url, "forget", "21")
    assert code == 1
    assert "run it again with --yes" in err
    code, out, err = await _cli(migrated_database_url, "forget", "21", "--guild", str(GUILD), "--yes")
    assert (code, err) == (0, ""), err
    assert out.startswith(f"Server {GUILD}: words erased in 1 row (actions 1); left 1 group;"), out
    assert "the bot does it within a minute" in out

    code, out, _ = await _cli(migrated_database_url, "export", "21", "--guild", str(GUILD), "--out", str(tmp_path))
    assert "Phone the union rep" not in (tmp_path / f"setkeeper-{GUILD}-21.json").read_text()
    assert "Draft the budget memo" in (tmp_path / f"setkeeper-{OTHER_GUILD}-21.json").read_text(), "only that server"
    code, out, _ = await _cli(migrated_database_url, "forget", "99", "--yes")
    assert (code, out) == (0, "User 99: nothing stored in any server, nothing erased.\n")
