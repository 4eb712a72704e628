"""What members and the operator read about their data: the forget's reply, the export's Markdown, the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bot import cli
from bot.db.privacy import STATEMENT_RIGHTS_TITLE, statement_rows
from bot.services.privacy import ExportFiles, ForgetBlockedError, ForgetReport, _markdown
from cogs.privacy._cog import forgotten, info_embed


def test_the_forget_reply_says_one_record_shows_and_one_message_was_cancelled() -> None:
    report = ForgetReport(erased={"bids": 1}, stand_ins=1, groups_left=1, bids_withdrawn=1, posts_dropped=1)
    assert forgotten(report) == (
        "Done: what you wrote in this server is erased.\n"
        "Erased: 1 bid.\n"
        "You left 1 group; 1 open bid withdrawn; 1 shared record now shows an anonymous stand-in instead of you; "
        "1 message waiting to be sent to you or about you was cancelled."
    )


def test_the_forget_reply_with_many_and_mentions_replaced() -> None:
    report = ForgetReport(erased={"actions": 2}, stand_ins=3, groups_left=2, posts_dropped=0, mentions_replaced=2)
    assert forgotten(report).splitlines()[-1] == (
        "You left 2 groups; 0 open bids withdrawn; 3 shared records now show an anonymous stand-in instead of you; "
        "0 messages waiting to be sent to you or about you were cancelled; 2 texts by other members that mentioned "
        "you now say '@a former member'."
    )


def test_the_export_for_people_reads_as_words_not_python_values() -> None:
    data: dict[str, Any] = {
        "exported_at": "2026-11-23T09:00:00+00:00",
        "user_id": 21,
        "guild_id": 5,
        "groups": {"1": "Set A"},
        "tables": {
            "memberships": [
                {"group_id": 1, "user_id": "you", "joined_at": "2026-11-02T18:30:00+00:00", "left_at": None}
            ],
            "meetings": [
                {"meeting_id": 4, "facilitated": False, "present": True, "rounds_held": [0, 2], "input_turns": []}
            ],
        },
    }
    text = _markdown(data)
    assert "Exported 23 November 2026, 09:00 UTC for you (Discord id 21) in server 5." in text
    assert "- group id: 1\n  user id: you\n  joined at: 2 November 2026, 18:30 UTC\n" in text
    assert "left at" not in text
    assert "  facilitated: no\n  present: yes\n  rounds held: 1, 3\n  input turns: none\n" in text
    for python in ("None", "True", "False", "[0"):
        assert python not in text, python


class _Services(SimpleNamespace):
    pass


async def _forget_server_counts(guild_id: int) -> dict[str, int]:
    return {"groups": 1, "memberships": 0}


async def test_the_command_line_counts_one_row_and_one_record_in_the_singular(tmp_path: Path) -> None:
    async def export(guild_id: int, user_id: int) -> ExportFiles:
        return ExportFiles("{}", "# x\n", 1)

    async def forget(guild_id: int, user_id: int) -> ForgetReport:
        return ForgetReport(erased={"actions": 1}, stand_ins=1, groups_left=1, posts_dropped=1)

    services: Any = _Services(
        retention=SimpleNamespace(forget_server=_forget_server_counts),
        privacy=SimpleNamespace(export=export, forget=forget),
    )
    erased = await cli._forget_server(argparse.Namespace(guild_id=5, yes=True), services)
    assert erased == "Server 5: erased 1 row (groups 1)."
    exported = await cli._export(argparse.Namespace(user_id=21, guild=5, out=tmp_path), services)
    assert exported.startswith("Server 5: 1 record in ")
    said = await cli._forget(argparse.Namespace(user_id=21, guild=5, yes=True), services)
    assert said == (
        "Server 5: words erased in 1 row (actions 1); left 1 group; 1 shared record now shows an anonymous stand-in "
        "instead of them; 1 message waiting to be sent to them or about them was cancelled"
    )


def test_privacy_info_fits_every_limit_discord_sets_on_an_embed() -> None:
    embed = info_embed()
    assert embed.description is not None
    assert len(embed.description) <= 4096
    assert len(embed.fields) <= 25
    for item in embed.fields:
        assert item.name is not None
        assert item.value is not None
        assert 0 < len(item.name) <= 256, item.name
        assert 0 < len(item.value) <= 1024, item.name
    assert len(embed) <= 6000, "title, description and every field together"
    assert [item.name for item in embed.fields] == [what for what, *_ in statement_rows()] + [
        str(STATEMENT_RIGHTS_TITLE)
    ]


def test_privacy_info_says_each_thing_once_in_plain_words() -> None:
    embed = info_embed()
    text = "\n".join([embed.description or "", *(f"{item.name}: {item.value}" for item in embed.fields)])
    for jargon in ("keep_days", "the count keeps them", "Seen by only you", "queued", "between runs", "floor"):
        assert jargon not in text, jargon
    waiting = next(item.value for item in embed.fields if item.name and item.name.startswith("Messages and changes"))
    assert waiting == (
        "What the bot is about to post or change for a group (a post may quote what a member wrote).\n"
        "Who sees it: nobody but the bot.\n"
        "How long it is kept: until the bot has made them, usually within a minute."
    )
    ballots = next(item.value for item in embed.fields if item.name == "Your ballots")
    assert "Who sees it: only you (the group sees the totals, never who voted how)." in ballots
    assert "(its facilitator can choose another period)" in text


async def test_the_command_line_says_per_server_why_a_facilitator_was_not_erased() -> None:
    blocked = ForgetBlockedError("You facilitate Set A and nobody else there has accepted the ground rules yet.")

    async def forget(guild_id: int, user_id: int) -> ForgetReport:
        if guild_id == 5:
            raise blocked
        return ForgetReport(stand_ins=2, groups_left=1)

    async def guilds_of(user_id: int) -> list[int]:
        return [5, 6]

    services: Any = _Services(privacy=SimpleNamespace(forget=forget, guilds_of=guilds_of))
    said = await cli._forget(argparse.Namespace(user_id=21, guild=None, yes=True), services)
    assert said.splitlines() == [
        f"Server 5: not erased: {blocked}",
        "Server 6: words erased in 0 rows (none); left 1 group; 2 shared records now show an anonymous stand-in "
        "instead of them; 0 messages waiting to be sent to them or about them were cancelled",
    ]
