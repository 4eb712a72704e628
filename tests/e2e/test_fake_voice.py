"""Contract test of the fake's voice and Stages, through a real in-process discord.py client.

Server mute outlives the call, voice events need their intent, voice moderation is checked where the member is,
Stage speakers are invited and accept, Stage instances go live and end, and voice edits meet their rate limits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from tests.e2e.test_fake_contract import Harness, connected
from tests.fakediscord import STAGE, VOICE, Channel, FakeDiscord, Member, Overwrite, RefusedError
from tests.fakediscord.perms import DEFAULT_BOT

pytestmark = pytest.mark.e2e


@pytest.fixture
async def harness(discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    """An in-process client with the default intents plus members and message content (voice states included)."""
    async with connected(discord_world, monkeypatch) as harness:
        yield harness


def seen_member(harness: Harness, member: Member) -> discord.Member:
    """The client's view of a member of the default guild."""
    seen = harness.guild.get_member(member.id)
    assert seen is not None
    return seen


async def joined(discord_world: FakeDiscord, kind: int, name: str) -> tuple[Channel, Member]:
    """A new voice or Stage channel ("Room" or "Stage") of the default guild, and a new member in it."""
    channel = discord_world.guild.add_channel("Stage" if kind == STAGE else "Room", kind)
    member = discord_world.guild.add_member(name)
    await member.join_voice(channel)
    return channel, member


def voice_updates(harness: Harness, member: Member) -> list[tuple[discord.VoiceState, discord.VoiceState]]:
    """(before, after) of every voice_state_update the client dispatched for a member."""
    return [(args[1], args[2]) for args in harness.saw("voice_state_update") if args[0].id == member.id]


async def test_a_server_mute_outlives_the_call_and_is_undone_only_in_voice(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    guild = discord_world.guild
    _room, alice = await joined(discord_world, VOICE, "Alice")
    other = guild.add_channel("Other", VOICE)
    await seen_member(harness, alice).edit(mute=True)
    await alice.leave_voice()
    assert guild.server_muted == [alice]
    with pytest.raises(discord.HTTPException) as refused:
        await seen_member(harness, alice).edit(mute=False)
    assert (refused.value.status, refused.value.code) == (400, 40032)
    await alice.join_voice(other)
    voice = seen_member(harness, alice).voice
    assert voice is not None
    assert voice.mute
    assert voice.channel is not None
    assert voice.channel.id == other.id
    await seen_member(harness, alice).edit(mute=False)
    await discord_world.settle()
    assert guild.server_muted == []
    assert [r.body["mute"] for r in discord_world.voice_edits(alice)] == [True, False]


async def test_without_the_voice_states_intent_the_bot_hears_of_nobody_in_voice(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    guild = discord_world.guild
    room = guild.add_channel("Room", VOICE)
    alice, bob = guild.add_member("Alice"), guild.add_member("Bob")
    await alice.join_voice(room)
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    async with connected(discord_world, monkeypatch, intents) as harness:
        assert seen_member(harness, alice).voice is None, "GUILD_CREATE came without voice_states"
        await bob.join_voice(room)
        await discord_world.settle()
        assert not harness.saw("voice_state_update")
        assert guild.in_voice == [alice, bob]


async def test_a_move_sends_one_update_with_the_new_channel_and_keeps_the_session(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    guild = discord_world.guild
    room, other, third = (guild.add_channel(n, VOICE) for n in ("Room", "Other", "Third"))
    alice = guild.add_member("Alice")
    await alice.join_voice(room)
    assert alice.voice is not None
    session = alice.voice.session_id
    moves: list[tuple[int | None, int | None]] = []

    async def on_voice_state_update(
        member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        # discord.py updates the cached state in place, so what a move was is read as it arrives.
        moves.append((before.channel.id if before.channel else None, after.channel.id if after.channel else None))

    harness.client.event(on_voice_state_update)
    target = harness.guild.get_channel(other.id)
    assert isinstance(target, discord.VoiceChannel)
    await seen_member(harness, alice).move_to(target)
    await alice.join_voice(third)
    assert alice.voice.session_id == session
    await seen_member(harness, alice).move_to(None)
    await discord_world.settle()
    assert moves == [(room.id, other.id), (other.id, third.id), (third.id, None)]
    assert alice.voice is None
    assert other.voice_members == []


async def test_mute_and_move_are_checked_where_the_member_is_connected(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    guild = discord_world.guild
    deny = discord.Permissions(mute_members=True, move_members=True).value
    closed = guild.add_channel("Closed", VOICE, overwrites=[Overwrite(guild.bot_role.id, 0, deny=deny)])
    room = guild.add_channel("Room", VOICE)
    alice = guild.add_member("Alice")
    await alice.join_voice(closed)
    member = seen_member(harness, alice)
    with pytest.raises(discord.Forbidden) as refused:
        await member.edit(mute=True)
    assert refused.value.code == 50013
    with pytest.raises(discord.Forbidden):
        await member.move_to(harness.guild.get_channel(room.id))  # type: ignore[arg-type]
    await alice.join_voice(room)
    with pytest.raises(discord.HTTPException) as wrong_type:
        await harness.client.http.edit_member(guild.id, alice.id, channel_id=guild.channel_named("general").id)
    assert (wrong_type.value.status, wrong_type.value.code) == (400, 50024)
    discord_world.set_bot_permissions(DEFAULT_BOT & ~deny)
    allow = Overwrite(guild.bot_role.id, 0, allow=deny)
    room.overwrites[allow.id] = allow
    await member.edit(mute=True)
    await discord_world.settle()
    assert alice.mute
    assert discord_world.requests_to("PATCH /guilds/{guild_id}/members/{user_id}")[-1].status == 200


async def test_voice_moderation_ignores_the_role_hierarchy_but_nicknames_obey_it(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    guild = discord_world.guild
    discord_world.set_bot_permissions(DEFAULT_BOT | discord.Permissions(manage_nicknames=True).value)
    room, alice = await joined(discord_world, VOICE, "Alice")
    chair = guild.add_role("Chair")
    chair.position = guild.bot_role.position + 1
    carol = guild.add_member("Carol", roles=[chair])
    for person in (guild.owner, carol):
        await person.join_voice(room)
        member = seen_member(harness, person)
        await member.edit(mute=True)
        with pytest.raises(discord.Forbidden):
            await member.edit(nick="renamed")
    await seen_member(harness, alice).edit(nick="Al")
    await discord_world.settle()
    assert guild.server_muted == [guild.owner, carol]
    assert (guild.owner.nick, carol.nick, alice.nick) == (None, None, "Al")


async def test_a_stage_member_joins_the_audience_and_speaks_once_they_accept_an_invitation(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    stage, alice = await joined(discord_world, STAGE, "Alice")
    assert stage.audience == [alice]
    member = seen_member(harness, alice)
    assert member.voice is not None
    assert member.voice.suppress
    await member.edit(suppress=False)
    await discord_world.settle()
    assert stage.invited_to_speak == [alice]
    assert stage.speakers == []
    client_stage = harness.guild.get_channel(stage.id)
    assert isinstance(client_stage, discord.StageChannel)
    assert client_stage.requesting_to_speak == [member]
    assert client_stage.speakers == []
    await alice.accept_speak_invite()
    assert stage.speakers == [alice]
    assert client_stage.speakers == [member]
    await member.edit(suppress=True)
    await discord_world.settle()
    assert stage.audience == [alice]
    assert alice.voice is not None
    assert alice.voice.request_to_speak_timestamp is None


async def test_a_raised_hand_waits_in_requesting_to_speak_and_a_declined_invitation_returns_to_the_audience(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    guild = discord_world.guild
    stage = guild.add_channel("Stage", STAGE)
    alice, bob = guild.add_member("Alice"), guild.add_member("Bob")
    for person in (alice, bob):
        await person.join_voice(stage)
    await bob.request_to_speak()
    await alice.request_to_speak()
    assert stage.requesting_to_speak == [bob, alice]
    client_stage = harness.guild.get_channel(stage.id)
    assert isinstance(client_stage, discord.StageChannel)
    assert {m.id for m in client_stage.requesting_to_speak} == {alice.id, bob.id}
    await alice.lower_hand()
    assert stage.requesting_to_speak == [bob]
    await seen_member(harness, bob).edit(suppress=False)
    await discord_world.settle()
    await bob.decline_speak_invite()
    assert stage.audience == [alice, bob]
    assert stage.requesting_to_speak == []
    with pytest.raises(LookupError):
        await bob.accept_speak_invite()
    stage.overwrites[guild.id] = Overwrite(guild.id, 0, deny=discord.Permissions(request_to_speak=True).value)
    with pytest.raises(RefusedError):
        await alice.request_to_speak()


async def test_stage_voice_state_edits_name_the_stage_the_member_is_in_and_need_mute_members(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    guild = discord_world.guild
    stage, other = guild.add_channel("Stage", STAGE), guild.add_channel("Other stage", STAGE)
    alice, bob = guild.add_member("Alice"), guild.add_member("Bob")
    await alice.join_voice(stage)
    http = harness.client.http
    cases: list[tuple[Member, dict[str, Any], int, int]] = [
        (alice, {"suppress": False}, 400, 50035),
        (alice, {"channel_id": other.id, "suppress": False}, 400, 50035),
        (alice, {"channel_id": guild.channel_named("general").id, "suppress": False}, 400, 50024),
        (bob, {"channel_id": stage.id, "suppress": False}, 404, 10065),
    ]
    for who, payload, status, code in cases:
        with pytest.raises(discord.HTTPException) as refused:
            await http.edit_voice_state(guild.id, who.id, payload)
        assert (refused.value.status, refused.value.code) == (status, code), payload
    discord_world.set_bot_permissions(DEFAULT_BOT & ~discord.Permissions(mute_members=True).value)
    await discord_world.settle()
    with pytest.raises(discord.Forbidden):
        await seen_member(harness, alice).edit(suppress=False)
    assert stage.audience == [alice]


async def test_the_bot_makes_itself_a_speaker_with_mute_members_and_another_bot_speaks_at_once(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    guild = discord_world.guild
    stage = guild.add_channel("Stage", STAGE)
    helper = guild.add_member("Helper", bot=True)
    await guild.me.join_voice(stage)
    await helper.join_voice(stage)
    assert stage.audience == [guild.me, helper]
    await harness.guild.me.edit(suppress=False)
    await seen_member(harness, helper).edit(suppress=False)
    await discord_world.settle()
    assert stage.speakers == [guild.me, helper]
    fetched = await harness.guild.me.fetch_voice()
    assert not fetched.suppress
    discord_world.set_bot_permissions(DEFAULT_BOT & ~discord.Permissions(mute_members=True).value)
    await harness.guild.me.edit(suppress=True)
    await discord_world.settle()
    with pytest.raises(discord.Forbidden):
        await harness.guild.me.edit(suppress=False)
    assert stage.speakers == [helper]


async def test_stage_instances_go_live_once_per_stage_and_end(harness: Harness, discord_world: FakeDiscord) -> None:
    guild = discord_world.guild
    stage = guild.add_channel("Stage", STAGE)
    await discord_world.settle()
    client_stage = harness.guild.get_channel(stage.id)
    assert isinstance(client_stage, discord.StageChannel)
    instance = await client_stage.create_instance(topic="Meeting 3")
    await discord_world.settle()
    assert guild.stage_topic(stage) == "Meeting 3"
    assert stage.stage_instance is not None
    assert harness.saw("stage_instance_create")
    assert client_stage.instance is not None
    with pytest.raises(discord.HTTPException) as again:
        await client_stage.create_instance(topic="Again")
    assert (again.value.status, again.value.code) == (400, 150006)
    with pytest.raises(discord.HTTPException) as long_topic:
        await instance.edit(topic="x" * 121)
    assert long_topic.value.code == 50035
    await instance.edit(topic="Meeting 3: round two")
    fetched = await client_stage.fetch_instance()
    assert fetched.topic == "Meeting 3: round two"
    await instance.delete()
    await discord_world.settle()
    assert guild.stage_topic(stage) is None
    assert harness.saw("stage_instance_delete")
    with pytest.raises(discord.NotFound) as gone:
        await client_stage.fetch_instance()
    assert gone.value.code == 10067
    discord_world.set_bot_permissions(DEFAULT_BOT & ~discord.Permissions(move_members=True).value)
    await discord_world.settle()
    with pytest.raises(discord.Forbidden):
        await client_stage.create_instance(topic="Not a moderator")


async def test_a_live_stage_arrives_in_guild_create_and_ends_by_itself_or_with_its_channel(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    guild = discord_world.guild
    stage, second = guild.add_channel("Stage", STAGE), guild.add_channel("Second", STAGE)
    guild.start_stage(stage, "Already live")
    guild.start_stage(second, "Also live")
    alice = guild.add_member("Alice")
    await alice.join_voice(second)
    async with connected(discord_world, monkeypatch) as harness:
        assert {i.topic for i in harness.guild.stage_instances} == {"Already live", "Also live"}
        guild.auto_close_stage(stage)
        guild.delete_channel(second)
        await discord_world.settle()
        assert list(harness.guild.stage_instances) == []
        assert alice.voice is None
        assert voice_updates(harness, alice)[-1][1].channel is None


async def test_voice_edits_meet_the_observed_rate_limits(harness: Harness, discord_world: FakeDiscord) -> None:
    guild = discord_world.guild
    room, stage = guild.add_channel("Room", VOICE), guild.add_channel("Stage", STAGE)
    people = [guild.add_member(f"M{i}") for i in range(12)]
    for person in people[:6]:
        await person.join_voice(room)
    for person in people[6:]:
        await person.join_voice(stage)
    discord_world.faults.realistic_rate_limits(time_scale=0.1, announced=False)
    await asyncio.gather(*(seen_member(harness, p).edit(mute=True) for p in people))
    await asyncio.gather(*(seen_member(harness, p).edit(suppress=False) for p in people[6:]))
    await discord_world.settle()
    assert {r.bucket for r in discord_world.rate_limited} == {"member_modify", "voice_state"}
    assert guild.server_muted == people
    assert stage.invited_to_speak == people[6:]
