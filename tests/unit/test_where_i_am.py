"""The line a self-hoster reads once the bot is in: the servers it is in, or the exact link that invites it."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import where_i_am
from bot.ui.access import BOT_PERMISSIONS

APP = 123456789012345678


def test_in_no_server_the_line_is_the_invite_link_with_scopes_and_permissions() -> None:
    line = where_i_am(APP, [])
    assert line.startswith("I am in no server yet: invite me with https://discord.com/oauth2/authorize?")
    assert f"client_id={APP}" in line
    assert "scope=bot+applications.commands" in line
    assert f"permissions={BOT_PERMISSIONS.value}" in line


def test_the_readme_link_carries_the_same_permissions() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"permissions=(\d+)", readme)
    assert found is not None
    assert int(found[1]) == BOT_PERMISSIONS.value


def test_the_servers_it_is_in_are_named_a_few_at_most() -> None:
    assert where_i_am(APP, ["Zeta club", "alpha team"]) == "I am in 2 servers: alpha team, Zeta club"
    assert where_i_am(APP, ["Solo"]) == "I am in 1 server: Solo"
    many = where_i_am(APP, [f"S{n:02}" for n in range(12)], shown=10)
    assert many.endswith("S09 and 2 more")
