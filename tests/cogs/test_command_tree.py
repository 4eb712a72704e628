"""The whole command tree: names never collide and every command fits Discord's limits."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from discord import app_commands

from bot.app import Setkeeper, command_tree_digest
from bot.domain.errors import SettingInvalidError
from bot.domain.groups import GroupSettings, GroupStatus, VoiceKind
from bot.services.groups import GroupView
from bot.ui.access import BOT_PERMISSIONS
from cogs.groups._render import CROSSTALK_LABELS, VOTING_LABELS, settings_text

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _all(bot: Setkeeper) -> list[app_commands.Command[object, ..., object] | app_commands.Group]:
    return list(bot.tree.walk_commands())


async def test_command_names_do_not_collide_across_cogs(bot: Setkeeper) -> None:
    names = [command.qualified_name for command in _all(bot)]
    assert len(names) == len(set(names))


async def test_the_commands_are_the_ones_documented(bot: Setkeeper) -> None:
    leaves = {command.qualified_name for command in _all(bot) if isinstance(command, app_commands.Command)}
    assert leaves == {
        "groupadmin create",
        "group add",
        "group remove",
        "group join",
        "group leave",
        "group info",
        "group settings",
        "group schedule monthly",
        "group schedule weekly",
        "group schedule monthly-day",
        "group schedule once",
        "group schedule clear",
        "group move",
        "group split",
        "group archive",
        "group history",
        "group repair",
        "group facilitator appoint",
        "group facilitator rotate",
        "bid add",
        "bid list",
        "bid withdraw",
        "bid release",
        "vote open",
        "vote close",
        "meeting start",
        "meeting next",
        "meeting skip",
        "meeting mode",
        "meeting pause",
        "meeting resume",
        "meeting break",
        "meeting extend",
        "meeting end",
        "meeting status",
        "action add",
        "action list",
        "action report",
        "reminder preview",
        "reminder settings",
        "reminder dm",
        "privacy export",
        "privacy forget",
        "privacy info",
        "done",
        "pass",
        "hand",
    }


def _counted(payload: object) -> int:
    """What Discord counts against a command's 8,000 characters: every name, description and choice value in it."""
    if isinstance(payload, list):
        return sum(_counted(item) for item in payload)
    if not isinstance(payload, dict):
        return 0
    own = sum(len(str(payload[key])) for key in ("name", "description", "value") if key in payload)
    return own + sum(_counted(value) for value in payload.values() if isinstance(value, list | dict))


def test_discords_count_of_a_commands_characters_is_names_descriptions_and_values() -> None:
    option = {"name": "kind", "description": "How often", "type": 3, "choices": [{"name": "Once", "value": "once"}]}
    assert _counted({"name": "group", "description": "Groups", "options": [option]}) == 5 + 6 + 4 + 9 + 4 + 4


async def test_every_command_fits_discords_limits(bot: Setkeeper) -> None:
    for top in bot.tree.get_commands():
        assert _counted(top.to_dict(bot.tree)) <= 8000, top.name
    for command in _all(bot):
        assert 1 <= len(command.name) <= 32
        assert command.name == command.name.lower()
        assert 1 <= len(command.description) <= 100
        if isinstance(command, app_commands.Command):
            assert len(command.parameters) <= 25
            for parameter in command.parameters:
                assert 1 <= len(parameter.description) <= 100, f"{command.qualified_name} {parameter.name}"
                # discord.py cuts a longer description to 100 characters, ending it with "…": none may be cut.
                assert not parameter.description.endswith("…"), f"{command.qualified_name} {parameter.name}"


async def test_a_group_option_always_says_the_same_of_its_default(bot: Setkeeper) -> None:
    said = {
        f"{command.qualified_name} {parameter.name}": parameter.description
        for command in _all(bot)
        if isinstance(command, app_commands.Command)
        for parameter in command.parameters
        if parameter.name == "group" and command.qualified_name != "group join"  # one joins a group one is not in
    }
    assert said
    assert {name: text for name, text in said.items() if not text.endswith("(default: this channel's)")} == {}


async def test_group_commands_work_only_in_servers(bot: Setkeeper) -> None:
    (group,) = [command for command in bot.tree.get_commands() if command.name == "group"]
    assert group.guild_only


async def test_the_digest_changes_exactly_when_the_tree_does(bot: Setkeeper) -> None:
    payload = [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
    assert command_tree_digest(payload) == command_tree_digest(json.loads(json.dumps(payload)))
    payload[0]["description"] = "changed"
    assert command_tree_digest(payload) != command_tree_digest([c.to_dict(bot.tree) for c in bot.tree.get_commands()])


def test_the_readme_invite_link_grants_exactly_what_the_bot_checks_for() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"permissions={BOT_PERMISSIONS.value}" in readme


async def test_settings_choices_use_the_words_the_settings_are_shown_with(bot: Setkeeper) -> None:
    settings = next(command for command in _all(bot) if command.qualified_name == "group settings")
    assert isinstance(settings, app_commands.Command)
    for option in ("voting", "crosstalk"):
        offered = {choice.value: choice.name for choice in settings._params[option].choices}
        shown = VOTING_LABELS if option == "voting" else CROSSTALK_LABELS
        assert offered == {value.value: str(label) for value, label in shown.items()}


def test_every_setting_choice_is_shown_in_its_own_words() -> None:
    group = GroupView(1, 1, "Set A", GroupStatus.ACTIVE, 10, 2, None, VoiceKind.NONE, GroupSettings(), NOW, None)
    for method, label in VOTING_LABELS.items():
        assert f"Voting: {label}" in settings_text(replace(group, settings=replace(group.settings, voting=method)))
    for rule, label in CROSSTALK_LABELS.items():
        assert f"Cross-talk: {label}" in settings_text(replace(group, settings=replace(group.settings, crosstalk=rule)))


DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = [  # the manual's pages whose tables list the commands, each with who may use it
    DOCS / "facilitators" / "groups.md",
    DOCS / "facilitators" / "schedule.md",
    DOCS / "facilitators" / "first-meeting.md",
    DOCS / "members" / "bids-and-voting.md",
    DOCS / "members" / "actions.md",
    DOCS / "members" / "your-data.md",
]
Leaf = app_commands.Command[object, ..., object]


def _leaves(bot: Setkeeper) -> dict[str, Leaf]:
    return {c.qualified_name: c for c in _all(bot) if isinstance(c, app_commands.Command)}


def _documented_commands(leaves: dict[str, Leaf]) -> tuple[dict[str, str], list[str]]:
    """Each command the guides' command tables name, with its "who" cell; and what they name that is no command.

    A table of commands is one whose first heading is "command". In its first cell every `code` span is a command
    with its options (`/group add member`), or, after one, a sibling given by its last word (`resume` after
    `/meeting pause`); the longest run of words that is a command is the command, the rest must be its options.
    """
    section = "\n".join(page.read_text() for page in GUIDES)
    documented: dict[str, str] = {}
    wrong: list[str] = []
    in_table = False
    for line in section.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0].lower() == "command":
            in_table = True
            continue
        if not in_table or set(cells[0]) <= {"-"}:
            continue
        parent: list[str] = []
        for span in re.findall(r"`([^`]+)`", cells[0]):
            words = span.split()
            path = [*parent, *words] if not span.startswith("/") else [words[0][1:], *words[1:]]
            cut = next((n for n in range(len(path), 0, -1) if " ".join(path[:n]) in leaves), 0)
            if not cut:
                wrong.append(span)
                continue
            name = " ".join(path[:cut])
            parent = path[: cut - 1]
            documented[name] = cells[1]
            options = {p.name for p in leaves[name].parameters}
            wrong += [f"{span} ({word})" for word in path[cut:] if word.strip("[]") not in options | {"..."}]
    return documented, wrong


async def test_the_guides_command_tables_name_every_command_and_its_options_as_synced(bot: Setkeeper) -> None:
    leaves = _leaves(bot)
    documented, wrong = _documented_commands(leaves)
    assert wrong == [], "the guides name commands or options the synced tree does not have"
    assert sorted(set(leaves) - set(documented)) == [], "commands the guides' tables leave out"


async def test_when_reminders_go_has_one_name_in_one_place(bot: Setkeeper) -> None:
    about_reminders = {
        f"/{command.qualified_name} {parameter.name}"
        for command in _leaves(bot).values()
        for parameter in command.parameters
        if any(word in parameter.name for word in ("report", "nudge", "lead", "late", "quiet"))
    }
    assert about_reminders == {
        "/reminder settings report_back_hours",
        "/reminder settings bid_nudge_hours",
        "/reminder settings late_hours",
        "/reminder settings quiet_from",
        "/reminder settings quiet_until",
    }


def test_a_refused_lead_time_is_named_as_the_option_that_sets_it() -> None:
    with pytest.raises(SettingInvalidError) as refused:
        GroupSettings().changed(0, report_back_lead_hours=400)
    assert str(refused.value) == "`report_back_hours` must be between 1 and 336 hours; you gave 400."


async def test_the_quick_meeting_commands_say_they_are_setkeepers(bot: Setkeeper) -> None:
    tops = {top.name: top.description for top in bot.tree.get_commands() if isinstance(top, app_commands.Command)}
    assert tops == {
        "done": "Setkeeper meeting: end your turn",
        "pass": "Setkeeper meeting: pass your turn",
        "hand": "Setkeeper meeting: raise or lower your hand to speak",
    }
