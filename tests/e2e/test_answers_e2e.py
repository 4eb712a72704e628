"""Every command answered truly, as members and facilitators meet it: requests, panels, full groups, the role."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.test_groups_e2e import _group_of, wait_for, world
from tests.fakediscord import BotProcess, FakeDiscord

pytestmark = pytest.mark.e2e
__all__ = ["world"]  # the fixture, shared with the group scenarios


async def test_withdrawing_a_request_says_so_and_closes_the_request_post(world: FakeDiscord, bot: BotProcess) -> None:
    await _group_of(world, 1)
    nina = world.guild.add_member("Nina")
    await nina.run("/group join", group="Set A")
    request = world.guild.channel_named("set-a").message_containing("asks to join")
    withdrawn = await nina.run("/group leave", group="Set A")
    assert withdrawn.ephemeral
    assert withdrawn.text == "You have withdrawn your request to join **Set A**."
    assert request.buttons == []
    assert "withdrew the request" in request.text


@pytest.mark.parametrize("dms_open", [True, False])
async def test_archiving_tells_people_who_asked_and_closes_their_request_posts(
    world: FakeDiscord, bot: BotProcess, dms_open: bool
) -> None:
    fran, _ = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    nina = world.guild.add_member("Nina", dms_open=dms_open)
    await nina.run("/group join", group="Set A")
    request = channel.message_containing("asks to join")

    asked = await fran.run("/group archive", in_channel=channel)
    assert asked.message is not None
    done = await fran.click(asked.message, "Archive")
    assert "is archived" in done.text
    assert request.buttons == []
    assert "closed when the group was archived" in request.text
    if dms_open:
        (dm,) = nina.dms
        assert "Your request to join **Set A** is closed: it has ended its cycle" in dm.text
    else:
        assert nina.dms == []

    again = await fran.click(asked.message, "Archive")
    assert again.ephemeral
    assert again.text == "That is done already: **Set A** is archived."


async def test_a_full_group_tells_the_facilitator_how_to_make_room(world: FakeDiscord, bot: BotProcess) -> None:
    fran, _ = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await fran.run("/group settings", max_size=2, in_channel=channel)
    refused = await fran.run("/group add", member=world.guild.add_member("Nina"), in_channel=channel)
    assert refused.ephemeral
    assert "Set A is full (2 of 2 members). Raise its maximum with /group settings" in refused.text
    assert "Ask its facilitator" not in refused.text


@pytest.mark.parametrize("command", ["/group archive", "/group split"])
async def test_outsiders_are_refused_before_any_panel_is_shown(
    world: FakeDiscord, bot: BotProcess, command: str
) -> None:
    _fran, (alice, _bob) = await _group_of(world, 2)
    options = {"name": "Set C"} if command == "/group split" else {}
    refused = await alice.run(command, group="Set A", **options)
    assert refused.ephemeral
    assert "Only the facilitator of Set A" in refused.text
    assert refused.buttons == []
    assert refused.components == []


async def test_a_refused_split_keeps_its_panel_usable(world: FakeDiscord, bot: BotProcess) -> None:
    fran, (alice, bob, cleo, dev) = await _group_of(world, 4)
    asked = await fran.run("/group split", name="Set C", in_channel=world.guild.channel_named("set-a"))
    panel = asked.message
    assert panel is not None
    await fran.select(panel, [alice, bob, cleo, dev], "Members who move to the new group")
    refused = await fran.click(panel, "Split the group")
    assert "Choose some members, but not all of them" in refused.text
    assert not world.guild.has_channel("set-c")

    await fran.select(panel, [cleo, dev], "Members who move to the new group")
    done = await fran.click(panel, "Split the group")
    assert "Split done: **Set C**" in done.text
    again = await fran.click(panel, "Split the group")
    assert "That split is done already" in again.text


async def test_the_facilitator_can_no_more_remove_themselves_than_leave(world: FakeDiscord, bot: BotProcess) -> None:
    fran, _ = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await fran.run("/group add", member=fran, in_channel=channel)
    for refused in (
        await fran.run("/group remove", member=fran, in_channel=channel),
        await fran.run("/group leave", in_channel=channel),
    ):
        assert refused.ephemeral
        assert "You facilitate Set A. Hand the role on first" in refused.text
    assert world.guild.can(fran, "send_messages", channel)


async def test_a_command_cut_off_by_a_restart_is_answered_after_it(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    fran, (alice, _bob, cleo) = await _group_of(world, 3)
    await guild.member_named("Ada").run("/groupadmin create", name="Set B", facilitator=fran)
    set_a, set_b = guild.channel_named("set-a"), guild.channel_named("set-b")
    added = await fran.run("/group add", member=guild.add_member("Nina"), in_channel=set_b)
    assert added.text.startswith("Added")

    # The move commits and is carried out; Discord then holds its reply back, and the bot is killed meanwhile.
    world.faults.rate_limit("POST /webhooks/*/*", count=1, retry_after=20)
    moving = asyncio.ensure_future(fran.run("/group move", member=cleo, to="Set B", in_channel=set_a, within=60))
    await wait_for(lambda: any(r.status == 429 and "/webhooks/" in r.key for r in world.requests))
    await bot.kill()
    await bot.start()

    told = await moving
    assert told.ephemeral
    assert "I could not answer you at the time (I may have restarted), but your /group move went through." in told.text
    assert f"{cleo.mention} has moved to **Set B**" in told.text
    assert guild.can(cleo, "send_messages", set_b)
    assert not guild.can(cleo, "view_channel", set_a)
    assert added.text.startswith("Added"), "a command that was answered is not answered again"
    assert guild.can(alice, "send_messages", set_a)
