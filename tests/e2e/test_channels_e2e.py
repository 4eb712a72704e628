"""A group's channels end to end: a crash mid-creation costs no other channel; a deleted one is told and repaired."""

from __future__ import annotations

import asyncio

import pytest
from discord import Permissions

from tests.e2e.test_groups_e2e import stall_after_first_channel, wait_for, world
from tests.fakediscord import TEXT, VOICE, BotProcess, Channel, FakeDiscord, Member, RefusedError

pytestmark = pytest.mark.e2e

MISSING = "The channel of Set A was deleted, so the group cannot change until its channel is made again."


__all__ = ["world"]  # the fixture, shared with the group scenarios


def live(world: FakeDiscord, name: str, kind: int = TEXT) -> list[Channel]:
    """The live channels of the default guild with this name and type."""
    return [c for c in world.guild.channels.values() if c.name == name and c.type == kind and not c.deleted]


async def _set_a(world: FakeDiscord, *, voice: str = "none") -> tuple[Member, Member, Member]:
    """An admin, and "Set A" with its facilitator Fran and Alice, who accepted the ground rules."""
    guild = world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran, alice = guild.add_member("Fran"), guild.add_member("Alice")
    created = await admin.run("/groupadmin create", name="Set A", facilitator=fran, voice=voice)
    assert "Created **Set A**" in created.text
    channel = guild.channel_named("set-a")
    await fran.run("/group add", member=alice, in_channel=channel)
    await alice.click(channel.message_containing(f"{alice.mention}, welcome"), "I accept the ground rules")
    return admin, fran, alice


async def _kill_while_making(world: FakeDiscord, bot: BotProcess, admin: Member, fran: Member, name: str) -> str:
    """Create `name` (with a voice channel), SIGKILL the bot once its text channel is made, restart; the reply."""
    stall_after_first_channel(world)
    creating = asyncio.ensure_future(
        admin.run("/groupadmin create", name=name, facilitator=fran, voice="voice", within=60)
    )
    # The 429 answers the voice channel's request, which is only sent once the text channel's id is stored.
    await wait_for(lambda: any(r.status == 429 for r in world.requests_to("POST /guilds/*/channels")))
    await bot.kill()
    await bot.start()
    return (await creating).text


async def test_a_restart_mid_creation_spares_an_admins_channel_of_the_same_name(
    world: FakeDiscord, bot: BotProcess
) -> None:
    admin, fran, _ = await _set_a(world)
    own = world.guild.add_channel("set-b")  # made by hand seconds before, as an admin might

    await _kill_while_making(world, bot, admin, fran, "Set B")

    assert live(world, "set-b") == [own]


async def test_a_deleted_channel_is_told_refused_and_repaired(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    _admin, fran, alice = await _set_a(world)
    old = guild.channel_named("set-a")
    bob, nina, olga = guild.add_member("Bob"), guild.add_member("Nina"), guild.add_member("Olga")
    await fran.run("/group add", member=bob, in_channel=old)  # Bob has not accepted the ground rules yet
    await nina.run("/group join", group="Set A")

    guild.delete_channel(old)
    await wait_for(lambda: any("was deleted" in m.text for m in fran.dms))
    (dm,) = fran.dms
    assert "/group repair" in dm.text
    assert "**Set A**" in dm.text
    assert not dm.pinged_user_ids

    for person, command, options in [
        (fran, "/group add", {"member": olga}),
        (fran, "/group facilitator rotate", {}),
        (alice, "/group leave", {}),
    ]:
        refused = await person.run(command, group="Set A", **options)
        assert refused.ephemeral
        assert MISSING in refused.text
        assert "Manage Roles" not in refused.text

    outsider = await alice.run("/group repair", group="Set A")
    assert "Only the facilitator of Set A" in outsider.text
    repaired = await fran.run("/group repair", group="Set A")
    assert repaired.ephemeral
    assert "Repaired **Set A**" in repaired.text
    assert "gave its 2 members and the facilitator" in repaired.text
    new = guild.channel_named("set-a")
    assert new.id != old.id
    assert new.mention in repaired.text
    assert not guild.can(olga, "view_channel", new)
    assert guild.can(alice, "send_messages", new)
    assert guild.can(fran, "send_messages", new)
    assert guild.can(bob, "view_channel", new)
    assert not guild.can(bob, "send_messages", new)
    assert new.message_containing("This is the private channel of **Set A**")
    await bob.click(new.message_containing(f"{bob.mention}, welcome to **Set A**"), "I accept the ground rules")
    assert guild.can(bob, "send_messages", new)
    approved = await fran.click(new.message_containing("asks to join **Set A**"), "Approve")
    assert "You approved" in approved.text
    assert guild.can(nina, "view_channel", new)

    again = await fran.run("/group add", member=olga, in_channel=new)
    assert "Added" in again.text
    assert len(fran.dms) == 1
    nothing = await fran.run("/group repair", in_channel=new)
    assert "Nothing to repair" in nothing.text


async def test_channels_deleted_while_the_bot_was_down_are_noticed_at_start_up(
    world: FakeDiscord, bot: BotProcess
) -> None:
    guild = world.guild
    _, fran, alice = await _set_a(world, voice="voice")
    text, spoken = guild.channel_named("set-a"), guild.channel_named("Set A")
    fran.dms_open = False
    await bot.stop()
    guild.delete_channel(text)
    guild.delete_channel(spoken)
    await bot.start()

    await wait_for(lambda: "direct messages are closed" in bot.output)
    refused = await alice.run("/group leave", group="Set A")
    assert MISSING in refused.text
    await bot.kill()
    await bot.start()
    assert bot.output.count("direct messages are closed") == 1, "told (or tried) once, not at every start"

    repaired = await fran.run("/group repair", group="Set A")
    assert "Repaired **Set A**" in repaired.text
    new_text, new_voice = guild.channel_named("set-a"), guild.channel_named("Set A")
    assert new_voice.type == VOICE
    assert new_voice.id != spoken.id
    assert guild.can(alice, "send_messages", new_text)
    assert guild.can(alice, "connect", new_voice)
    assert guild.can(alice, "speak", new_voice)
    assert not guild.can(guild.add_member("Olga"), "view_channel", new_voice)
    with pytest.raises(RefusedError):
        await guild.member_named("Olga").post(new_text, "let me in")


async def test_a_restart_mid_creation_spares_a_live_groups_channel_renamed_to_the_same_name(
    world: FakeDiscord, bot: BotProcess
) -> None:
    # The case once lookalike group names are refused: the live group's channel only carries the name.
    admin, fran, alice = await _set_a(world)
    set_a = world.guild.channel_named("set-a")
    set_a.name = "set-b"  # an admin renames it in the Discord client
    world.dispatch_soon("CHANNEL_UPDATE", set_a.payload())

    await _kill_while_making(world, bot, admin, fran, "Set B")

    assert live(world, "set-b") == [set_a]
    added = await fran.run("/group add", member=world.guild.add_member("Nina"), in_channel=set_a)
    assert "Added" in added.text
    assert await alice.post(set_a, "still here") in set_a.live_messages
