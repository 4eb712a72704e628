"""Actions end to end: a member sets one, finds it as they type, reports through the form, and the list shows it."""

from __future__ import annotations

import pytest

from tests.e2e.test_groups_e2e import _group_of, world
from tests.fakediscord import BotProcess, FakeDiscord

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
    typed = await bob.run("/action report", action="my action", status="done", in_channel=channel)
    assert "Pick one of your actions from the list" in typed.text
