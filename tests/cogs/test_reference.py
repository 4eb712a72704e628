"""The manual's command and settings reference: made from the synced tree, complete, and committed as made."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from discord import Permissions

from bot import docs
from bot.app import Setkeeper
from bot.config import Settings
from bot.docs import USAGE, commands_page, example_problems, leaves, pages, problems, synced_payload

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"


def _entries(page: str) -> dict[str, str]:
    """Each command's entry on the commands page, by its path, as the reader sees it."""
    parts = re.split(r"^### /(.+)$", page, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _option_rows(entry: str) -> dict[str, list[str]]:
    """The cells of each row of an entry's option table, by option name."""
    rows = re.findall(r"^\| `([^`]+)` \|(.*)\|$", entry, flags=re.MULTILINE)
    return {name: [cell.strip() for cell in cells.split(" | ")] for name, cells in rows}


async def test_the_committed_reference_pages_are_what_the_generator_writes(bot: Setkeeper) -> None:
    for name, text in pages(bot.command_payload()).items():
        assert (REFERENCE / name).read_text() == text, f"docs/reference/{name} is stale: run `python -m bot.docs`"


async def test_the_generator_reads_the_tree_the_bot_syncs(bot: Setkeeper) -> None:
    assert await synced_payload() == bot.command_payload()


async def test_every_synced_command_has_an_entry_with_its_options_who_and_an_example(bot: Setkeeper) -> None:
    entries = _entries((REFERENCE / "commands.md").read_text())
    synced = leaves(bot.command_payload())
    assert sorted(entries) == sorted(synced)
    for path, leaf in synced.items():
        entry = entries[path]
        assert list(_option_rows(entry)) == [option["name"] for option in leaf.options], path
        assert f"**Who:** {USAGE[path].who}" in entry
        example = re.search(r"^\*\*Example:\*\* `([^`]+)`$", entry, flags=re.MULTILINE)
        assert example is not None, path
        assert example.group(1).split(":")[0].startswith(f"/{path}")


async def test_an_entry_shows_each_options_type_whether_required_its_description_and_choices(bot: Setkeeper) -> None:
    entry = _entries((REFERENCE / "commands.md").read_text())["groupadmin create"]
    assert _option_rows(entry) == {
        "name": ["text, 1 to 50 characters", "yes", "The group's name (1 to 50 characters)", ""],
        "facilitator": ["member", "yes", "Who facilitates the group", ""],
        "max_size": ["whole number, 2 to 12", "no", "Most members the group may have (default 7)", ""],
        "voice": [
            "text",
            "no",
            "Also make a private voice or Stage channel",
            "No voice channel, Voice channel, Stage channel",
        ],
        "language": [
            "text",
            "no",
            "What the group reads together (default: the server's language, else English)",
            "English, Deutsch",
        ],
    }
    assert "**Example:** `/groupadmin create name:Set A facilitator:@Ana voice:Voice channel`" in entry


async def test_a_command_with_no_entry_stops_the_generator_and_is_named(
    bot: Setkeeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docs, "USAGE", {path: usage for path, usage in USAGE.items() if path != "meeting skip"})
    with pytest.raises(docs.ReferenceIncompleteError) as refused:
        commands_page(bot.command_payload())
    assert "meeting skip: no entry in bot.docs.USAGE (who may use it, and an example)" in str(refused.value)


async def test_a_command_in_no_section_stops_the_generator(bot: Setkeeper, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs, "SECTIONS", tuple((title, tops) for title, tops in docs.SECTIONS if "hand" not in tops))
    assert "/hand: in no section of bot.docs.SECTIONS" in problems(bot.command_payload())


async def test_an_example_discord_would_refuse_is_named_with_what_is_wrong(bot: Setkeeper) -> None:
    synced = leaves(bot.command_payload())
    wrong = {
        ("meeting break", "/meeting break"): "meeting break: the example leaves out the required option minutes",
        ("meeting break", "/meeting break minutes:121"): "meeting break minutes: 121 is outside 1 to 120",
        ("meeting break", "/meeting break length:5 minutes:5"): (
            "meeting break: the example gives length, which is no option of the command"
        ),
        ("meeting mode", "/meeting mode mode:Cheerful"): "meeting mode mode: 'Cheerful' is not one of its choices",
        ("meeting start", "/meeting start voice:yes"): "meeting start voice: 'yes' is not True or False",
        ("meeting skip", "/meeting skip member:Bea"): "meeting skip member: 'Bea' is not a @member",
        ("group split", f"/group split name:{'x' * 51}"): (
            f"group split name: '{'x' * 51}' is not 1 to 50 characters long"
        ),
        ("vote open", "/vote close"): "vote open: the example does not start with /vote open: /vote close",
        ("vote open", "/vote open soon"): "vote open: the example has words that are no option: soon",
    }
    for (path, example), said in wrong.items():
        assert example_problems(synced[path], example) == [said]
    assert example_problems(synced["meeting mode"], "/meeting mode mode:Devil's Advocate") == []
    assert example_problems(synced["meeting mode"], "/meeting mode mode:devils_advocate") == []


async def test_a_wrong_example_in_the_table_stops_the_generator(
    bot: Setkeeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = {**USAGE, "meeting extend": replace(USAGE["meeting extend"], example="/meeting extend minutes:90")}
    monkeypatch.setattr(docs, "USAGE", broken)
    assert problems(bot.command_payload()) == ["meeting extend minutes: 90 is outside 1 to 60"]


async def test_what_only_server_managers_may_do_is_hidden_from_everyone_else(bot: Setkeeper) -> None:
    managers = {path for path, usage in USAGE.items() if usage.who == docs.SERVER_MANAGERS}
    assert managers == {"groupadmin create"}
    synced = {top["name"]: top for top in bot.command_payload()}
    for path in managers:
        assert int(synced[path.split()[0]]["default_member_permissions"]) == Permissions(manage_guild=True).value
    shown_to_all = {name for name, payload in synced.items() if payload["default_member_permissions"] is None}
    assert {path.split()[0] for path in USAGE if path not in managers} <= shown_to_all
    entry = _entries((REFERENCE / "commands.md").read_text())["groupadmin create"]
    assert "Discord shows `/groupadmin` only to people with Manage Server" in entry


async def test_a_facilitators_command_says_so_in_its_description(bot: Setkeeper) -> None:
    synced = leaves(bot.command_payload())
    theirs = {path for path, usage in USAGE.items() if usage.who.startswith(docs.FACILITATOR)}
    assert len(theirs) > 20
    described = {path: synced[path].payload["description"] for path in synced}
    assert {path: described[path] for path in theirs if "(facilitator" not in described[path]} == {}
    assert {path: text for path, text in described.items() if path not in theirs and "(facilitator)" in text} == {}


def test_every_environment_setting_is_in_the_settings_reference_with_its_default_and_meaning() -> None:
    page = (REFERENCE / "settings.md").read_text()
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (.*) \|$", page, flags=re.MULTILINE))
    assert sorted(rows) == sorted(name.upper() for name in Settings.model_fields)
    assert {name: field for name, field in Settings.model_fields.items() if not field.description} == {}
    assert rows["DISCORD_TOKEN"].startswith("required | The bot token")
    assert rows["DATABASE_URL"].startswith("`sqlite+aiosqlite:///data/setkeeper.db` | ")
    assert rows["LOG_LEVEL"].endswith("One of `DEBUG`, `INFO`, `WARNING`, `ERROR`.")
    assert rows["AUTO_MIGRATE"].startswith("`true` | ")
    assert rows["DISCORD_LIMITS_SCALE"].endswith("Allowed: more than 0, at most 1.")


async def test_every_group_setting_option_is_in_the_settings_reference_with_its_default_and_range(
    bot: Setkeeper,
) -> None:
    page = (REFERENCE / "settings.md").read_text()
    group = page[page.index("### /group settings") : page.index("### /reminder settings")]
    reminder = page[page.index("### /reminder settings") :]
    synced = leaves(bot.command_payload())
    for path, section in (("group settings", group), ("reminder settings", reminder)):
        named = {option["name"] for option in synced[path].options} - {"group"}
        assert set(_option_rows(section)) == named
    assert _option_rows(group)["keep_days"][:2] == ["`180`", "1 to 730 days"]
    assert _option_rows(group)["voting"][0] == "Approval: vote for any number (`approval`)"
    assert _option_rows(reminder)["report_back_hours"][:2] == ["`72`", "1 to 336 hours"]
    assert _option_rows(reminder)["dms"][:2] == ["`False`", "True or False"]


async def test_a_settings_option_that_changes_no_group_setting_stops_the_generator(bot: Setkeeper) -> None:
    payload: list[dict[str, Any]] = bot.command_payload()
    reminder = next(top for top in payload if top["name"] == "reminder")
    settings = next(option for option in reminder["options"] if option["name"] == "settings")
    settings["options"].append({"type": 4, "name": "colour", "description": "A colour", "required": False})
    assert problems(payload) == ["reminder settings colour: changes no field of GroupSettings (see OPTION_SETTINGS)"]
