"""`/group history`: the three files, safe to open, drawn off the event loop, and only for the facilitator."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from markdown_it import MarkdownIt

from bot.app import Setkeeper
from bot.domain.actions import ActionStatus, Report
from bot.domain.errors import NotFacilitatorError
from bot.domain.ledger import FOLLOW_THROUGH, ledger
from bot.domain.meeting import Mode
from bot.services.cycle import CycleView
from bot.services.groups.history import ActionRecord, History, MeetingRecord, RoundRecord
from cogs.groups._history_chart import chart
from cogs.groups._history_files import cell, label, markdown, md, table
from tests.cogs.chart_data import ACTIONS, MEETINGS, NAMES, planted
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
    assert md("**bold** <@123>\n# title") == r"\*\*bold\*\* \<@123\> # title"
    text = markdown(_history(HOSTILE), {A: "**Alice**", B: "Bob"})
    assert re.search(r"(?<!\\)<@", text) is None, "every mention's < is escaped"
    assert "**bold**" not in text
    assert r"\[link\](http" in text, "a link's brackets are escaped, so it shows as typed"
    assert r"\*\*Alice\*\*" in text
    assert "Bob (left)" in text, "someone not a member now is marked as having left"
    assert "learnt: \\+ and @here" in text


def test_the_markdown_reads_cleanly_the_bots_own_words_have_no_backslashes() -> None:
    text = markdown(planted(), NAMES)
    for line in (
        "## Cycle 2 (meetings 5 to 8)",
        "3 of 4 meetings held.",
        "- Asha: came to 3 of 3 meetings, 2 rounds for their issues, 3 actions (2 done, 1 open), "
        "follow-through 100 % of the 2 reported on",
        "- Ben: came to 3 of 3 meetings, 1 round for their issue, 3 actions (1 partly done, 1 dropped, 1 open), "
        "follow-through 25 % of the 2 reported on",
        "- Dev (left): came to 2 of 3 meetings, 0 rounds for their issues, 1 action (1 open), none reported on yet",
        "All actions in the cycle: 9 actions (3 done, 1 partly done, 1 not yet, 1 dropped, 3 open), "
        "follow-through 58 % of the 6 reported on",
        str(FOLLOW_THROUGH),
        "### Meeting 5 (cycle 2, 1 of 4): 2026-03-02 18:00 UTC to 2026-03-02 20:30 UTC",
        "- Chloé, between meetings, set 2026-01-15 12:00 UTC: Old: read the report (now **Not yet**)",
        "  - 2026-02-20 12:00 UTC, Not yet",
    ):
        assert line in text.splitlines(), line
    escaped = [line for line in text.splitlines() if "\\" in line]
    assert escaped == ["- Asha, meeting 5, set 2026-03-02 20:30 UTC: Ask for the \\*\\*budget\\*\\* (now **Done**)"], (
        "only member text that could format is escaped"
    )


def test_a_mention_typed_into_member_text_shows_as_the_persons_name_in_both_files() -> None:
    history = _history("Ask <@157812345678901234> about the rota, and <@!157812345678909999> too")
    names = {A: "Alice", B: "Bob", 157812345678901234: "Cleo *C*"}
    text = markdown(history, names)
    assert "Ask @Cleo \\*C\\* about the rota, and @user 157812345678909999 too (now" in text
    assert "<@1578" not in text
    (row,) = [row for row in csv.DictReader(io.StringIO(table(history, names))) if row["record"] == "action"]
    assert row["text"] == "Ask @Cleo *C* about the rota, and @user 157812345678909999 too"


MARKUP = "# Big **bold** _it_ `code` [link](http://x) ![i](http://y) <b>tag</b> ~~gone~~ &copy; $x$ <@123> #"
STARTS = ("# ", "> ", "- ", "+ ", "1. ", "2) ", "=", "---", "")


def _written(text: Callable[[str], str]) -> History:
    """A history with member text in every place it can be: the group's name, names, titles, actions, reports."""
    actions = tuple(
        dataclasses.replace(
            action,
            text=text(action.text),
            reports=tuple(dataclasses.replace(r, happened=text("what"), learnt=text("learnt")) for r in action.reports),
        )
        for action in ACTIONS
    )
    meetings = tuple(
        dataclasses.replace(m, rounds=tuple(dataclasses.replace(r, title=text("title")) for r in m.rounds))
        for m in MEETINGS
    )
    return dataclasses.replace(planted(actions, meetings), group_name=text("Leaders"))


def _blocks(source: str) -> list[tuple[str, str]]:
    """The document's structure as a CommonMark viewer (with strikethrough) builds it, and every inline mark-up."""
    parser = MarkdownIt("commonmark").enable("strikethrough")
    found = []
    for token in parser.parse(source):
        found.append((token.type, token.tag))
        found += [(child.type, child.tag) for child in token.children or () if child.type not in ("text", "softbreak")]
    return found


@pytest.mark.parametrize("start", STARTS)
def test_member_text_with_markdown_cannot_change_the_files_structure(start: str) -> None:
    names = {user: f"{start}{name} **x** #" for user, name in NAMES.items()}
    hostile = markdown(_written(lambda words: f"{start}{words} {MARKUP}"), names)
    plain = markdown(_written(lambda words: words), NAMES)
    assert _blocks(hostile) == _blocks(plain), "the same headings, lists and marks as with plain words"
    rendered = MarkdownIt("commonmark").enable("strikethrough").render(hostile)
    assert "<b>" not in rendered
    assert "<a " not in rendered
    assert "<img" not in rendered
    assert "<code>" not in rendered
    assert "<@123>" not in rendered


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
