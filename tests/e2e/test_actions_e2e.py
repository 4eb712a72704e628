"""Actions end to end: a member sets one, finds it as they type, reports through the form, and the list shows it."""

from __future__ import annotations

import pytest

from tests.e2e.test_groups_e2e import _group_of, wait_for, world
from tests.e2e.test_meeting_e2e import live_card
from tests.fakediscord import BotProcess, FakeDiscord, RefusedError

__all__ = ["world"]  # the fake with the README's invite permissions

pytestmark = pytest.mark.e2e


async def test_a_member_sets_an_action_reports_on_it_once_and_a_fellow_member_sees_it(
    world: FakeDiscord, bot: BotProcess
) -> None:
    _, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    outsider = world.guild.add_member("Olga")

    added = await alice.run("/action add", text="Ask @everyone for <@123> feedback", in_channel=channel)
    assert added.ephemeral
    assert "Your action in Set A is recorded" in added.text
    assert all(m.pinged_user_ids == set() and not m.pings_everyone for m in added.messages), "echoed, no ping"

    choices = await alice.autocomplete("/action report", "action", "feedback")
    assert len(choices) == 1
    assert "Open, Set A" in choices[0]["name"]
    assert await bob.autocomplete("/action report", "action", "feedback") == [], "only your own actions"

    form = await alice.run("/action report", action=choices[0]["value"], status="partly", in_channel=channel)
    assert form.modal_title == "Partly done: your report"
    reported = await alice.submit_modal(form, {"happened": "Asked two people", "learnt": "Ask in person"})
    assert "is now **Partly done**" in reported.text
    again = await alice.submit_modal(form, {"happened": "Asked two people", "learnt": "Ask in person"})
    assert "is now **Partly done**" in again.text

    theirs = await bob.run("/action list", member=alice, in_channel=channel)
    assert theirs.ephemeral
    assert "**Partly done**" in theirs.text
    assert theirs.text.count("reported <t:") == 1, "the form sent twice is one report"
    assert "Asked two people" in theirs.text
    hidden = await outsider.run("/action list", member=alice)
    assert "not in any group you share" in hidden.text
    assert "feedback" not in hidden.text

    refused = await bob.run("/action report", action=choices[0]["value"], status="done", in_channel=channel)
    assert "not one of your actions" in refused.text
    assert refused.modal_title is None
    for typed in ("my action", "²", "99999999999"):
        answer = await bob.run("/action report", action=typed, status="done", in_channel=channel)
        assert "Pick one of your actions from the list" in answer.text, typed


async def test_in_the_catch_up_a_member_reports_from_the_floor_card_in_two_clicks(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    for text in ("Call the supplier", "Write the plan"):
        await alice.run("/action add", text=text, in_channel=channel)
    await fran.run("/meeting start", in_channel=channel)
    card = live_card(channel)
    for person in (alice, bob):
        await person.click(card, "Here")
    await fran.click(card, "Next")
    await wait_for(lambda: "My actions" in card.buttons)

    opened = await alice.click(card, "My actions")
    (panel,) = [m for m in opened.messages if m.buttons]
    assert panel.ephemeral
    assert "1. Call the supplier\n2. Write the plan" in panel.text, "an action not reported on yet says nothing more"
    assert panel.buttons[:4] == ["1. Done", "1. Partly done", "1. Not yet", "1. Dropped"]
    recorded = await alice.click(panel, "1. Partly done")
    assert "Call the supplier is **Partly done**" in recorded.text
    again = await alice.click(card, "My actions")
    assert "1. Call the supplier (last report: partly done)" in again.text
    with pytest.raises(RefusedError):
        await bob.click(panel, "2. Done")  # only Alice sees her panel (and the service checks the owner too)

    listed = await alice.run("/action list", in_channel=channel)
    assert "**Partly done**: Call the supplier" in listed.text
    assert "**Open**: Write the plan" in listed.text
    mine = await bob.click(card, "My actions")
    assert "no actions to report on" in mine.text
