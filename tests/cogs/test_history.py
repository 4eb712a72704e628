"""`/group history`: the three files, safe to open, drawn off the event loop, and only for the facilitator."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import Setkeeper
from bot.domain.actions import ActionStatus, Report
from bot.domain.errors import NotFacilitatorError
from bot.domain.ledger import ledger
from bot.domain.meeting import Mode
from bot.services.cycle import CycleView
from bot.services.groups.history import ActionRecord, History, MeetingRecord, RoundRecord
from cogs.groups._history_files import cell, chart, label, markdown, md, table
from tests.cogs.fakes import group_with, guild, interaction, member, sent

GUILD = 4242
AT = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)
A, B = 21, 22
HOSTILE = '=HYPERLINK("http://x") **bold** <@123> @everyone # [link](http://x)'


def _history(*texts: str) -> History:
    actions = tuple(
        ActionRecord(
            id=number,
            owner_id=A if number % 2 else B,
            meeting_number=0 if number < 3 else None,
            text=text,
            status=list(ActionStatus)[number % 5],
            created_at=AT,
            reports=(Report(ActionStatus.DONE, "-1 went well", "+ and @here", AT),),
        )
        for number, text in enumerate(texts, start=1)
    )
    meeting = MeetingRecord(0, AT, AT, (A, B), (RoundRecord(A, "@Managing up", Mode.SUPPORTIVE, True),))
    return History("Set <@1> A", (A,), (meeting,), actions, CycleView(ledger(1, 6, [A], [], []), 1, False))


def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote() -> None:
    assert [cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "plain", 3, None)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "plain",
        "3",
        "",
    ]
    rows = list(csv.DictReader(io.StringIO(table(_history(HOSTILE, "+call", "-drop"), {A: "=Alice", B: "Bob"}))))
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), row
    texts = [row["text"] for row in rows if row["record"] == "action"]
    assert texts == ["'" + HOSTILE, "'+call", "'-drop"]
    assert {row["member"] for row in rows if row["member"]} == {"'=Alice", "Bob"}
    assert [row["record"] for row in rows].count("report") == 3


def test_markdown_escapes_member_text_so_it_cannot_format_or_mention() -> None:
    assert md("**bold** <@123>\n# title") == r"\*\*bold\*\* \<@123\> \# title"
    text = markdown(_history(HOSTILE), {A: "**Alice**", B: "Bob"})
    assert re.search(r"(?<!\\)<@", text) is None, "every mention's < is escaped"
    assert "**bold**" not in text
    assert "](http" not in text
    assert r"\*\*Alice\*\*" in text
    assert "Bob (left)" in text, "someone not a member now is marked as having left"
    assert "learnt: \\+ and @here" in text


def test_the_chart_is_a_real_png_and_shows_no_mention() -> None:
    assert label("<@123> <@&9> <#5> Bob @everyone") == "Bob everyone"
    png = chart(_history("one", "two", "three", "four", "five"), {A: "<@123> Alice", B: "@everyone"})
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
    empty = chart(_history(), {})
    assert empty.startswith(b"\x89PNG")


def _cog(bot: Setkeeper) -> Any:
    cog = bot.get_cog("Groups")
    assert type(cog).__name__ == "Groups"
    return cog


async def test_the_facilitator_gets_three_files_and_the_chart_is_drawn_off_the_event_loop(
    bot: Setkeeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    group_id = await group_with(bot, GUILD, 5001, 2, A)
    await bot.services.actions.add(GUILD, A, HOSTILE, group_id)
    cog = _cog(bot)
    drawn_in: list[threading.Thread] = []
    real = cog.history.callback.__globals__["chart"]

    def watched(history: History, names: dict[int, str]) -> bytes:
        drawn_in.append(threading.current_thread())
        return real(history, names)  # type: ignore[no-any-return]

    monkeypatch.setitem(cog.history.callback.__globals__, "chart", watched)
    server = guild(GUILD)
    alice = member(A)
    alice.display_name = "Alice <@99>"
    server.get_member.side_effect = lambda user_id: alice if user_id == A else None
    server.fetch_member.side_effect = lambda user_id: alice
    fake = interaction(member(2), server, channel_id=5001)
    await cog.history.callback(cog, fake)

    assert drawn_in
    assert drawn_in[0] is not threading.main_thread()
    (answer,) = sent(fake)
    assert answer["ephemeral"] is True
    files = answer["files"]
    assert [f.filename for f in files] == ["set-a-history.md", "set-a-history.csv", "set-a-follow-through.png"]
    contents = [f.fp.read() for f in files]
    assert b"Alice \\<@99\\>" in contents[0]
    assert contents[2].startswith(b"\x89PNG")


async def test_a_member_who_does_not_facilitate_is_refused_and_sent_nothing(bot: Setkeeper) -> None:
    await group_with(bot, GUILD, 5001, 2, A)
    cog = _cog(bot)
    fake = interaction(member(A), guild(GUILD), channel_id=5001)
    with pytest.raises(NotFacilitatorError, match="Only the facilitator of Set A"):
        await cog.history.callback(cog, fake)
    assert not any("files" in answer for answer in sent(fake))
