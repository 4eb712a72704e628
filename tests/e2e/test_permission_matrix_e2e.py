"""A sample of the permission matrix end to end: refused people are told why, and Discord is left as it was."""

from __future__ import annotations

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.fakediscord import BotProcess, FakeDiscord, Member

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(discord_world: FakeDiscord) -> FakeDiscord:
    """The fake Discord with the bot's role holding exactly the README's invite permissions."""
    (role,) = discord_world.guild.me.roles
    discord_world.guild.set_role_permissions(role, BOT_PERMISSIONS)
    return discord_world


async def _group(world: FakeDiscord, admin: Member, name: str, facilitator: Member, members: list[Member]) -> None:
    guild = world.guild
    created = await admin.run("/groupadmin create", name=name, facilitator=facilitator)
    assert f"Created **{name}**" in created.text
    channel = guild.channel_named(name.lower().replace(" ", "-"))
    for person in members:
        await facilitator.run("/group add", member=person, in_channel=channel)
        prompt = channel.message_containing(f"{person.mention}, welcome to **{name}**")
        await person.click(prompt, "I accept the ground rules")


async def test_people_other_than_the_facilitator_are_refused_and_nothing_changes_on_discord(
    world: FakeDiscord, bot: BotProcess
) -> None:
    guild = world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran, otto = guild.add_member("Fran"), guild.add_member("Otto")
    alice, bob, cleo, dev = (guild.add_member(name) for name in ("Alice", "Bob", "Cleo", "Dev"))
    bea, olga = guild.add_member("Bea"), guild.add_member("Olga")
    await _group(world, admin, "Set A", fran, [alice, bob, cleo, dev])
    await _group(world, admin, "Set B", otto, [bea])
    set_a, set_b = guild.channel_named("set-a"), guild.channel_named("set-b")
    posts_before = len(set_a.messages), len(set_b.messages)

    by_member = await alice.run("/group settings", turn_minutes=9, in_channel=set_a)
    assert by_member.ephemeral
    assert "Only the facilitator of Set A, or someone with the Manage Server permission" in by_member.text

    by_other_facilitator = await otto.run("/group split", name="Set C", group="Set A")
    assert "Only the facilitator of Set A" in by_other_facilitator.text
    assert by_other_facilitator.buttons == [], "no split panel is shown to someone who may not split"

    by_facilitator_of_the_source_only = await fran.run("/group move", member=bob, to="Set B", in_channel=set_a)
    assert "Only the facilitator of Set B" in by_facilitator_of_the_source_only.text

    by_other_member = await bea.run("/group info", group="Set A")
    assert "Only members of Set A can see its details" in by_other_member.text
    assert alice.mention not in by_other_member.text

    by_outsider = await olga.run("/group remove", member=cleo, group="Set A")
    assert "Only the facilitator of Set A" in by_outsider.text

    by_other_facilitator_archive = await otto.run("/group archive", group="Set A")
    assert "Only the facilitator of Set A" in by_other_facilitator_archive.text
    assert by_other_facilitator_archive.buttons == []

    assert not guild.has_channel("set-c")
    for person in (fran, alice, bob, cleo, dev):
        assert guild.can(person, "send_messages", set_a)
    assert not guild.can(bob, "view_channel", set_b)
    assert (len(set_a.messages), len(set_b.messages)) == posts_before, "a refusal posts nothing in the channels"
    settings = await fran.run("/group settings", in_channel=set_a)
    assert "each turn: 3 min" in settings.text

    by_manager = await admin.run("/group move", member=bob, to="Set B", group="Set A")
    assert "Moved" in by_manager.text
    assert guild.can(bob, "send_messages", set_b)
    assert not guild.can(bob, "view_channel", set_a)


async def test_buttons_refuse_the_people_they_are_not_for_and_keep_working(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran, alice, nina = guild.add_member("Fran"), guild.add_member("Alice"), guild.add_member("Nina")
    await _group(world, admin, "Set A", fran, [alice])
    set_a = guild.channel_named("set-a")
    prompt = set_a.message_containing(f"{alice.mention}, welcome to **Set A**")
    await nina.run("/group join", group="Set A")
    request = set_a.message_containing("asks to join **Set A**")

    by_facilitator = await fran.click(prompt, "I accept the ground rules")
    assert by_facilitator.ephemeral
    assert "These ground rules are for members of Set A; you are not one" in by_facilitator.text

    by_member = await alice.click(request, "Decline")
    assert "Only the facilitator of Set A" in by_member.text
    assert request.buttons == ["Approve", "Decline"], "the request stays open for its facilitator"
    assert nina.dms == []
    assert not guild.can(nina, "view_channel", set_a)

    approved = await fran.click(request, "Approve")
    assert f"You approved {nina.mention}" in approved.text
    assert guild.can(nina, "view_channel", set_a)
