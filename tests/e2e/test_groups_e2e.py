"""Group set-up end to end: the real bot process, the real discord.py client, the fake Discord server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.fakediscord import BotProcess, FakeDiscord, Guild, Member, RefusedError

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(discord_world: FakeDiscord) -> FakeDiscord:
    """The fake Discord with the bot's role holding exactly the README's invite permissions."""
    (role,) = discord_world.guild.me.roles
    discord_world.guild.set_role_permissions(role, BOT_PERMISSIONS)
    return discord_world


def stall_after_first_channel(world: FakeDiscord) -> None:
    """Let the next channel creation through, then answer the one after it with a 20-second 429."""
    original = world.faults.take
    armed = False

    def take(method: str, route: str, path: str) -> object:
        nonlocal armed
        fault = original(method, route, path)
        if method == "POST" and route.startswith("/guilds/") and route.endswith("/channels") and not armed:
            armed = True
            world.faults.rate_limit("POST /guilds/*/channels", count=1, retry_after=20)
        return fault

    world.faults.take = take  # type: ignore[method-assign]


async def wait_for(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until `condition()` holds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def _group_of(
    world: FakeDiscord, size: int, *, guild: Guild | None = None, **options: object
) -> tuple[Member, list[Member]]:
    """A facilitator and `size` members who have all accepted the ground rules of "Set A" (made with `options`).

    In `guild` if given, else the world's default guild.
    """
    guild = guild or world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    members = [guild.add_member(name) for name in ["Alice", "Bob", "Cleo", "Dev", "Eve", "Finn", "Gus"][:size]]
    created = await admin.run("/groupadmin create", name="Set A", facilitator=fran, **options)
    assert "Created **Set A**" in created.text
    channel = guild.channel_named("set-a")
    for person in members:
        added = await fran.run("/group add", member=person, in_channel=channel)
        assert added.ephemeral

    async def accept(person: Member) -> None:
        prompt = channel.message_containing(f"{person.mention}, welcome to **Set A**")
        accepted = await person.click(prompt, "I accept the ground rules")
        assert "You have accepted the ground rules" in accepted.text

    await asyncio.gather(*(accept(person) for person in members))  # each reads the welcome when it comes: together
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
    assert "Members: 5 (the group takes 2 to 7)" in info.text
    assert all(person.mention in info.text for person in members)


async def test_a_member_posts_only_after_accepting_the_ground_rules(world: FakeDiscord, bot: BotProcess) -> None:
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


async def test_join_request_approval_and_ground_rules(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    fran, members = await _group_of(world, 2)
    channel = guild.channel_named("set-a")
    nina = guild.add_member("Nina")

    asked = await nina.run("/group join", group="set a")
    assert asked.ephemeral
    assert "has gone to its facilitator" in asked.text
    request = channel.message_containing("asks to join **Set A**")
    assert request.pinged_user_ids == {fran.id}
    assert not guild.can(nina, "view_channel", channel)

    meddler = await members[0].click(request, "Approve")
    assert meddler.ephemeral
    assert "Only the facilitator of Set A" in meddler.text
    approved = await fran.click(request, "Approve")
    assert f"You approved {nina.mention}" in approved.text
    assert request.buttons == []
    assert "approved the request" in request.text

    assert guild.can(nina, "view_channel", channel)
    assert not guild.can(nina, "send_messages", channel)
    prompt = channel.message_containing(f"{nina.mention}, welcome to **Set A**")
    await nina.click(prompt, "I accept the ground rules")
    assert guild.can(nina, "send_messages", channel)
    info = await nina.run("/group info", in_channel=channel)
    assert "Members: 3 (the group takes 2 to 7)" in info.text


async def test_move_a_member_and_split_a_group(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    fran, (alice, bob, cleo, dev, eve) = await _group_of(world, 5)
    admin = guild.member_named("Ada")
    await admin.run("/groupadmin create", name="Set B", facilitator=fran)
    set_a, set_b = guild.channel_named("set-a"), guild.channel_named("set-b")

    moved = await fran.run("/group move", member=eve, to="Set B", in_channel=set_a)
    assert "Moved" in moved.text
    assert not guild.can(eve, "view_channel", set_a)
    assert guild.can(eve, "send_messages", set_b), "an accepted ground-rules commitment travels with the member"
    assert set_b.message_containing("has moved here from **Set A**")

    asked = await fran.run("/group split", name="Set C", in_channel=set_a)
    assert asked.ephemeral
    panel = asked.message
    assert panel is not None
    await fran.select(panel, [cleo, dev], "Members who move to the new group")
    done = await fran.click(panel, "Split the group")
    assert "Split done: **Set C**" in done.text
    set_c = guild.channel_named("set-c")
    for person in (cleo, dev):
        assert guild.can(person, "send_messages", set_c)
        assert not guild.can(person, "view_channel", set_a)
    for person in (alice, bob):
        assert guild.can(person, "send_messages", set_a)
        assert not guild.can(person, "view_channel", set_c)
    assert set_a.message_containing("has split in two")


async def test_a_missing_bot_permission_is_named_and_nothing_is_created(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    (role,) = guild.me.roles
    lacking = BOT_PERMISSIONS
    lacking = type(lacking)(lacking.value)
    lacking.manage_roles = False
    guild.set_role_permissions(role, lacking)
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    channels_before = {channel.name for channel in guild.text_channels}

    refused = await admin.run("/groupadmin create", name="Set A", facilitator=fran)
    assert refused.ephemeral
    assert "I need the Manage Roles permission" in refused.text
    assert {channel.name for channel in guild.text_channels} == channels_before

    guild.set_role_permissions(role, BOT_PERMISSIONS)
    created = await admin.run("/groupadmin create", name="Set A", facilitator=fran)
    assert "Created **Set A**" in created.text


async def test_killed_mid_creation_the_restarted_bot_leaves_nothing_half_made(
    world: FakeDiscord, bot: BotProcess
) -> None:
    guild = world.guild
    fran, (alice,) = await _group_of(world, 1)
    admin = guild.member_named("Ada")
    nina = guild.add_member("Nina")
    await fran.run("/group add", member=nina, in_channel=guild.channel_named("set-a"))
    old_prompt = guild.channel_named("set-a").message_containing(f"{nina.mention}, welcome")

    # The text channel is made, then Discord makes the bot wait before the voice channel: kill it there.
    stall_after_first_channel(world)
    made_before = len(world.requests_to("POST /guilds/*/channels"))
    creating = asyncio.ensure_future(
        admin.run("/groupadmin create", name="Set B", facilitator=fran, voice="voice", within=60)
    )
    # Killed while it waits to make the voice channel: the text channel is made and recorded by then (a kill in the
    # instant between Discord making a channel and the bot recording it would leave an orphan nobody can tell apart).
    await wait_for(lambda: len(world.requests_to("POST /guilds/*/channels")) >= made_before + 2)
    assert guild.has_channel("set-b")
    await bot.kill()
    await bot.start()
    told = await creating
    assert "Setkeeper restarted while making **Set B**, so nothing was created" in told.text

    assert not guild.has_channel("set-b"), "the half-made group's channel is removed at start-up"
    assert "Set B" not in [choice["name"] for choice in await alice.autocomplete("/group join", "group", "Set")]
    accepted = await nina.click(old_prompt, "I accept the ground rules")
    assert "You have accepted the ground rules" in accepted.text
    again = await admin.run("/groupadmin create", name="Set B", facilitator=fran)
    assert "Created **Set B**" in again.text


async def test_set_up_survives_a_429_storm(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    for route in ("POST /guilds/*/channels", "PUT /channels/*/permissions/*", "POST /channels/*/messages"):
        world.faults.rate_limit(route, count=3, retry_after=0.3)
    world.faults.rate_limit("PUT /channels/*/permissions/*", count=1, retry_after=0.5, is_global=True)
    fran, members = await _group_of(world, 3)
    channel = guild.channel_named("set-a")
    for person in [fran, *members]:
        assert guild.can(person, "send_messages", channel)
    assert len([r for r in world.requests if r.status == 429]) == 10
    posts = [message.text.split(".")[0] for message in channel.messages_by(guild.me)]
    expected = ["Ground rules of Set A\nThis is the private channel of **Set A**, an action learning set"]
    for person in members:
        expected += [f"{person.mention}, welcome to **Set A**", f"{person.mention} has accepted the ground rules"]
    assert sorted(posts) == sorted(expected), "each post exactly once, despite the retries"


@pytest.mark.alone  # it asserts how long an answer took
async def test_a_slow_discord_gets_a_deferred_answer_in_time(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    world.faults.server_error("POST /guilds/*/channels", count=2, status=502)
    started = time.monotonic()
    created = await admin.run("/groupadmin create", name="Set A", facilitator=fran, within=30)
    assert time.monotonic() - started > 3.0, "two 502s make discord.py wait 1 s and 3 s"
    assert created.deferred
    assert created.latency is not None
    assert created.latency < 1.0
    assert "Created **Set A**" in created.text
    assert [channel.name for channel in guild.text_channels].count("set-a") == 1


async def test_a_member_leaves_and_stays_out_after_a_restart(world: FakeDiscord, bot: BotProcess) -> None:
    _fran, (alice, _bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    reply = await alice.run("/group leave", in_channel=channel)
    assert reply.ephemeral
    assert "You have left **Set A**" in reply.text
    assert not world.guild.can(alice, "view_channel", channel)
    await bot.kill()
    await bot.start()
    assert not world.guild.can(alice, "view_channel", channel), "nothing replayed at start-up gives access back"
    refused = await alice.run("/group info", group="Set A")
    assert "Only members of Set A can see its details" in refused.text
    assert len(world.requests_to("PUT /applications/*/commands")) == 1, "an unchanged tree is not synced again"


async def test_a_confirmation_from_before_a_restart_says_it_has_expired(world: FakeDiscord, bot: BotProcess) -> None:
    fran, _ = await _group_of(world, 4)
    asked = await fran.run("/group split", name="Set C", in_channel=world.guild.channel_named("set-a"))
    assert asked.message is not None
    await bot.kill()
    await bot.start()
    late = await fran.click(asked.message, "Split the group")
    assert late.ephemeral
    assert "This button has expired" in late.text
    assert not world.guild.has_channel("set-c")


async def test_a_dropped_gateway_resumes_and_start_up_work_is_not_repeated(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    fran, _ = await _group_of(world, 1)
    channel = guild.channel_named("set-a")
    syncs = len(world.requests_to("PUT /applications/*/commands"))

    await world.drop_gateway()
    nina = guild.add_member("Nina")
    added = await fran.run("/group add", member=nina, in_channel=channel)
    assert "Added" in added.text
    await world.drop_gateway(resumable=False)
    await wait_for(lambda: "gateway session resumed or re-identified" in bot.output)
    omar = guild.add_member("Omar")
    await fran.run("/group add", member=omar, in_channel=channel)

    assert bot.output.count("bot ready") == 1
    assert len(world.requests_to("PUT /applications/*/commands")) == syncs
    welcomes = [m for m in channel.messages_by(guild.me) if "This is the private channel" in m.text]
    assert len(welcomes) == 1
    assert guild.can(nina, "view_channel", channel)
    assert guild.can(omar, "view_channel", channel)


async def test_no_token_ever_reaches_the_bots_output(world: FakeDiscord, bot: BotProcess) -> None:
    await _group_of(world, 2)
    world.faults.rate_limit("POST /channels/*/messages", count=2, retry_after=0.2)
    await world.guild.add_member("Nina").run("/group join", group="Set A")
    assert world.token not in bot.output
    assert world.interactions.records
    for record in world.interactions.records:
        assert record.token not in bot.output


@pytest.mark.parametrize("dms_open", [True, False])
async def test_a_declined_request_is_told_by_direct_message(
    world: FakeDiscord, bot: BotProcess, dms_open: bool
) -> None:
    fran, _ = await _group_of(world, 1)
    nina = world.guild.add_member("Nina", dms_open=dms_open)
    await nina.run("/group join", group="Set A")
    request = world.guild.channel_named("set-a").message_containing("asks to join")
    declined = await fran.click(request, "Decline")
    assert f"You declined {nina.mention}" in declined.text
    assert not world.guild.can(nina, "view_channel", world.guild.channel_named("set-a"))
    if dms_open:
        (dm,) = nina.dms
        assert "Your request to join **Set A** is closed: it was not accepted this time" in dm.text
    else:
        assert nina.dms == []
    asked_again = await nina.run("/group join", group="Set A")
    assert "less than a day ago" in asked_again.text
    assert len([m for m in world.guild.channel_named("set-a").messages if "to join" in m.text]) == 1


async def test_only_server_managers_create_groups(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    alice = guild.add_member("Alice")
    with pytest.raises(RefusedError, match="hidden from Alice"):  # Discord does not offer it to her
        await alice.run("/groupadmin create", name="Set A", facilitator=alice)
    # A server's admin may let everyone see it (Server Settings > Integrations); the bot still refuses.
    for command in world.global_commands + [c for cs in world.guild_commands.values() for c in cs]:
        command["default_member_permissions"] = None
    refused = await alice.run("/groupadmin create", name="Set A", facilitator=alice)
    assert refused.ephemeral
    assert refused.text == "You need the Manage Server permission to use this command."
    assert not guild.has_channel("set-a")


async def test_remove_and_archive_take_posting_away(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    fran, (alice, bob, cleo) = await _group_of(world, 3)
    channel = guild.channel_named("set-a")
    removed = await fran.run("/group remove", member=cleo, in_channel=channel)
    assert f"Removed {cleo.mention}" in removed.text
    assert not guild.can(cleo, "view_channel", channel)

    asked = await fran.run("/group archive", in_channel=channel)
    assert asked.message is not None
    done = await fran.click(asked.message, "Archive")
    assert "is archived" in done.text
    for person in (fran, alice, bob):
        assert guild.can(person, "view_channel", channel)
        assert not guild.can(person, "send_messages", channel)
    with pytest.raises(RefusedError):
        await alice.post(channel, "one more thing")
    assert channel.message_containing("has ended its cycle")
    late = await fran.run("/group add", member=cleo, in_channel=channel)
    assert "is archived" in late.text


async def test_the_facilitator_role_moves_and_channel_access_with_it(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    fran, (alice, bob) = await _group_of(world, 2)
    channel = guild.channel_named("set-a")
    rotated = await fran.run("/group facilitator rotate", in_channel=channel)
    assert f"{alice.mention} now facilitates **Set A**" in rotated.text
    assert not guild.can(fran, "view_channel", channel), "an outside facilitator who hands over leaves the channel"
    refused = await fran.run("/group add", member=guild.add_member("Nina"), group="Set A")
    assert "Only the facilitator of Set A" in refused.text
    appointed = await alice.run("/group facilitator appoint", member=bob, in_channel=channel)
    assert f"{bob.mention} now facilitates **Set A**" in appointed.text
    assert guild.can(alice, "send_messages", channel), "a member who hands over stays a member"
