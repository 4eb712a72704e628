"""The cycle's ledger end to end: a cycle length, the ledger in the summary and /group info, the history files."""

from __future__ import annotations

import csv
import io

import pytest

from tests.e2e.test_groups_e2e import _group_of, wait_for, world
from tests.e2e.test_meeting_e2e import live_card
from tests.fakediscord import BotProcess, FakeDiscord

__all__ = ["world"]  # the fake with the README's invite permissions

pytestmark = pytest.mark.e2e

SCHEDULE = {"weekday": "Tuesday", "which": "first", "time": "18:30", "zone": "Europe/London"}
HOSTILE = "=cmd|' /C calc'!A0 <@123> @everyone"


async def test_the_facilitator_gets_the_history_as_three_files_and_a_member_is_refused(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")

    refused = await fran.run("/group schedule monthly", in_channel=channel, cycle=9, **SCHEDULE)
    assert refused.ephemeral
    assert "A cycle is 4 to 6 meetings; 9 is not" in refused.text
    saved = await fran.run("/group schedule monthly", in_channel=channel, cycle=4, **SCHEDULE)
    assert "A cycle is 4 meetings." in saved.text

    await alice.run("/action add", text=HOSTILE, in_channel=channel)
    (choice,) = await alice.autocomplete("/action report", "action", "calc")
    form = await alice.run("/action report", action=choice["value"], status="partly", in_channel=channel)
    await alice.submit_modal(form, {"happened": "+1 phoned <@456>", "learnt": "-ask early"})

    await fran.run("/meeting start", in_channel=channel)
    card = live_card(channel)
    await alice.click(card, "Here")
    await fran.run("/meeting end", in_channel=channel)
    await wait_for(lambda: any("Summary of the meeting of Set A" in m.text for m in channel.live_messages))
    summary = channel.message_containing("Summary of the meeting of Set A")
    assert "Cycle 1: 1 of 4 meetings held; this was meeting 1 of 4" in summary.text
    assert f"{alice.mention}: came to 1 of 1 meeting; 0 rounds for their issues; 1 action, 50 % followed through" in (
        summary.text
    )
    assert f"{bob.mention}: came to 0 of 1 meeting;" in summary.text
    assert summary.pinged_user_ids == set()

    info = await bob.run("/group info", in_channel=channel)
    assert "Cycle 1: 1 of 4 meetings held; meeting 2 of 4 is next" in info.text
    assert "50 % followed through" in info.text

    denied = await bob.run("/group history", in_channel=channel)
    assert denied.ephemeral
    assert "Only the facilitator of Set A" in denied.text
    assert all(not m.files for m in denied.messages)

    history = await fran.run("/group history", in_channel=channel)
    assert history.ephemeral
    assert "The history of **Set A**" in history.text
    (message,) = [m for m in history.messages if m.files]
    assert message.ephemeral
    assert sorted(message.files) == ["set-a-follow-through.png", "set-a-history.csv", "set-a-history.md"]
    png = message.files["set-a-follow-through.png"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
    rows = list(csv.DictReader(io.StringIO(message.files["set-a-history.csv"].decode())))
    (action,) = [row for row in rows if row["record"] == "action"]
    assert action["text"] == "'" + HOSTILE, "a formula is shown as text"
    assert action["member"] == "Alice"
    (report,) = [row for row in rows if row["record"] == "report"]
    assert (report["text"], report["learnt"], report["status"]) == ("'+1 phoned <@456>", "'-ask early", "partly")
    markdown = message.files["set-a-history.md"].decode()
    assert "\\<@123\\> @everyone" in markdown
    assert "### Meeting 1 (cycle 1, 1 of 4): " in markdown
    assert not any(m.files for m in channel.live_messages if not m.ephemeral), "nothing posted where others see it"
