"""Group set-up end to end: the real bot process, the real discord.py client, the fake Discord server."""

from __future__ import annotations

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.fakediscord import BotProcess, FakeDiscord, Member, RefusedError

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(discord_world: FakeDiscord) -> FakeDiscord:
    """The fake Discord with the bot's role holding exactly the README's invite permissions."""
    (role,) = discord_world.guild.me.roles
    discord_world.guild.set_role_permissions(role, BOT_PERMISSIONS)
    return discord_world


async def _group_of(world: FakeDiscord, size: int) -> tuple[Member, list[Member]]:
    """A facilitator and `size` members who have all accepted the ground rules of "Set A"."""
    guild = world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    members = [guild.add_member(name) for name in ["Alice", "Bob", "Cleo", "Dev", "Eve", "Finn", "Gus"][:size]]
    created = await admin.run("/group create", name="Set A", facilitator=fran)
    assert "Created **Set A**" in created.text
    channel = guild.channel_named("set-a")
    for person in members:
        added = await fran.run("/group add", member=person, in_channel=channel)
        assert added.ephemeral
        prompt = channel.message_containing(f"{person.mention}, welcome to **Set A**")
        accepted = await person.click(prompt, "I accept the ground rules")
        assert "You have accepted the ground rules" in accepted.text
    return fran, members


async def test_a_facilitator_sets_up_a_private_group_of_five(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    fran, members = await _group_of(world, 5)
    outsider = guild.add_member("Olga")
    channel = guild.channel_named("set-a")

    assert not guild.can(outsider, "view_channel", channel)
    with pytest.raises(RefusedError):
        await outsider.post(channel, "hello?")
    for person in [fran, *members]:
        assert guild.can(person, "view_channel", channel)
        assert guild.can(person, "send_messages", channel)
    said = await members[0].post(channel, "Glad to be here")
    assert said in channel.live_messages

    info = await members[1].run("/group info", in_channel=channel)
    assert info.ephemeral
    assert "Members (5 of 2-7)" in info.text
    assert all(person.mention in info.text for person in members)


async def test_a_member_posts_only_after_accepting_the_ground_rules(
    world: FakeDiscord, bot: BotProcess
) -> None:
    guild = world.guild
    fran, _ = await _group_of(world, 0)
    newcomer = guild.add_member("Nina")
    channel = guild.channel_named("set-a")
    await fran.run("/group add", member=newcomer, in_channel=channel)
    assert guild.can(newcomer, "view_channel", channel)
    with pytest.raises(RefusedError):
        await newcomer.post(channel, "can I talk yet?")
    prompt = channel.message_containing("welcome to **Set A**")
    assert "Confidentiality" in prompt.text
    assert prompt.pinged_user_ids == {newcomer.id}
    await newcomer.click(prompt, "I accept the ground rules")
    await newcomer.post(channel, "now I can")
    again = await newcomer.click(prompt, "I accept the ground rules")
    assert "already accepted" in again.text
