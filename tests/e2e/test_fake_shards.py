"""Contract test: plain discord.py clients, sharded as a bot's processes would be, against the fake's gateway.

The fake follows Discord's documented sharding (tests/fakediscord/shards.py names the sources): each guild's events
reach the shard ``(guild_id >> 22) % num_shards`` only, DMs reach shard 0, ``GET /gateway/bot`` recommends a
shard count and tells the session start limit, and an IDENTIFY out of turn is refused as Discord refuses it.
A client here notes, for each event and interaction, which of its connections (shards) delivered it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

from tests.fakediscord import FakeDiscord, Guild
from tests.fakediscord.shards import shard_for

pytestmark = pytest.mark.e2e

ARRIVED_ON: contextvars.ContextVar[int | None] = contextvars.ContextVar("arrived_on", default=None)
"""The shard whose connection delivered the event a handler is running for."""
FAST = 0.2
"""The fake's IDENTIFY window in these tests, in place of Discord's 5 seconds."""


@pytest.fixture(autouse=True)
def gateway_notes_its_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrap discord.py's frame handler so the handlers it starts know which shard's socket the frame came on."""
    original = discord.gateway.DiscordWebSocket.received_message

    async def received(self: discord.gateway.DiscordWebSocket, msg: Any, /) -> None:
        token = ARRIVED_ON.set(self.shard_id or 0)
        try:
            await original(self, msg)
        finally:
            ARRIVED_ON.reset(token)

    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "received_message", received)


def intents() -> discord.Intents:
    """What the bot asks for: guilds, members, messages with their text, voice states, DMs."""
    wanted = discord.Intents.default()
    wanted.members = True
    wanted.message_content = True
    return wanted


class Reminder(discord.ui.View):
    """A persistent button, as on a reminder DM."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Coming", custom_id="shards:coming")
    async def coming(self, interaction: discord.Interaction, button: discord.ui.Button[Reminder]) -> None:
        """Say which shard the click came on."""
        await interaction.response.send_message(f"click on shard {ARRIVED_ON.get()}", ephemeral=True)


class Probe:
    """One client (sharded or not) with its log of what arrived where: ``(shard, event, guild id or None)``."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.arrivals: list[tuple[int | None, str, int | None]] = []
        self.ready = asyncio.Event()
        tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
        self.tree = tree

        @tree.command(name="where", description="which shard heard this")
        async def where(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"command on shard {ARRIVED_ON.get()}", ephemeral=True)

        def note(event: str) -> Callable[[int | None], None]:
            return lambda guild_id: self.arrivals.append((ARRIVED_ON.get(), event, guild_id))

        async def on_ready() -> None:
            client.add_view(Reminder())
            self.ready.set()

        async def on_message(message: discord.Message) -> None:
            note("message")(message.guild.id if message.guild else None)

        async def on_voice_state_update(member: discord.Member, before: Any, after: Any) -> None:
            note("voice")(member.guild.id)

        async def on_guild_remove(guild: discord.Guild) -> None:
            note("guild_remove")(guild.id)

        async def on_guild_join(guild: discord.Guild) -> None:
            note("guild_join")(guild.id)

        async def on_interaction(interaction: discord.Interaction) -> None:
            note("interaction")(interaction.guild_id)

        for handler in (on_ready, on_message, on_voice_state_update, on_guild_remove, on_guild_join, on_interaction):
            client.event(handler)

    def shards_of(self, event: str, guild: Guild | None) -> set[int | None]:
        """The shards on which ``event`` arrived for ``guild`` (None: events without a guild)."""
        wanted = None if guild is None else guild.id
        return {shard for shard, name, guild_id in self.arrivals if name == event and guild_id == wanted}


def patient(window: float) -> Callable[..., Awaitable[None]]:
    """A ``before_identify_hook`` that waits the fake's window between IDENTIFYs, as discord.py waits 5 s."""

    async def hook(shard_id: int | None, *, initial: bool = False) -> None:
        if not initial:
            await asyncio.sleep(window * 1.5)

    return hook


async def impatient(shard_id: int | None, *, initial: bool = False) -> None:
    """A ``before_identify_hook`` that never waits: it IDENTIFYs every shard at once."""


@contextlib.asynccontextmanager
async def running(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch, *clients: discord.Client, sync: bool = True
) -> AsyncIterator[list[Probe]]:
    """Start ``clients`` against the fake, wait until each is ready, and close them after."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))
    probes = [Probe(client) for client in clients]
    runners = [asyncio.create_task(client.start(fake.token)) for client in clients]
    try:
        await asyncio.wait_for(asyncio.gather(*(p.ready.wait() for p in probes)), 15)
        if sync:
            await probes[0].tree.sync()
        await fake.settle()
        yield probes
    finally:
        for client in clients:
            await client.close()
        for runner in runners:
            with contextlib.suppress(discord.ConnectionClosed):
                await asyncio.wait_for(runner, 10)


def two_guilds(fake: FakeDiscord) -> tuple[Guild, Guild]:
    """A guild on shard 0 and one on shard 1 of two (ids crafted for Discord's formula)."""
    return fake.create_guild("Zero", shard=(0, 2)), fake.create_guild("One", shard=(1, 2))


async def gateway_bot(fake: FakeDiscord, token: str | None = None) -> tuple[int, Any]:
    """``GET /gateway/bot`` as a bot calls it: status and body."""
    headers = {"Authorization": f"Bot {token or fake.token}"}
    async with aiohttp.ClientSession() as session, session.get(f"{fake.api_base}/gateway/bot", headers=headers) as got:
        return got.status, await got.json()


async def test_gateway_bot_recommends_shards_and_tells_the_session_start_limit(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, body = await gateway_bot(discord_world)
    assert status == 200
    assert body["url"] == discord_world.gateway_url
    assert body["shards"] == 1
    assert body["session_start_limit"] == {
        "total": 1000,
        "remaining": 1000,
        "reset_after": 86_400_000,
        "max_concurrency": 1,
    }
    discord_world.sharding.recommended_shards = 3
    discord_world.sharding.max_concurrency = 2
    _, body = await gateway_bot(discord_world)
    assert (body["shards"], body["session_start_limit"]["max_concurrency"]) == (3, 2)
    discord_world.sharding.recommended_shards = None
    discord_world.sharding.max_guilds_per_shard = 1
    discord_world.create_guild("Second")
    _, body = await gateway_bot(discord_world)
    assert body["shards"] == 2  # two guilds, one a shard at most: Discord recommends two
    discord_world.sharding.max_guilds_per_shard = 2500
    async with running(discord_world, monkeypatch, discord.Client(intents=intents())):
        _, body = await gateway_bot(discord_world)
    limit = body["session_start_limit"]
    assert limit["remaining"] == 999
    assert 86_390_000 < limit["reset_after"] < 86_400_000
    discord_world.move_clock(datetime.timedelta(days=1))
    _, body = await gateway_bot(discord_world)
    assert body["session_start_limit"]["remaining"] == 1000


async def test_an_auto_sharded_client_hears_each_guild_on_its_own_shard_and_dms_on_shard_0(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    zero, one = two_guilds(discord_world)
    discord_world.sharding.identify_interval = FAST
    client = discord.AutoShardedClient(intents=intents())
    discord_world.sharding.recommended_shards = 2  # the client asks GET /gateway/bot how many shards to run
    client.before_identify_hook = patient(FAST)  # type: ignore[method-assign]
    async with running(discord_world, monkeypatch, client) as (probe,):
        assert client.shard_count == 2
        assert {s.shard for s in discord_world.live_sessions} == {(0, 2), (1, 2)}
        assert {g.id for g in client.guilds} == set(discord_world.guilds)
        assert not discord_world.sharding.refusals
        alice = zero.add_member("Alice")
        bob = one.add_member("Bob")
        voice = one.add_channel("Talk", type=2)
        await discord_world.settle()
        await discord_world.user_post(alice, zero.channel_named("general"), "hello zero")
        await discord_world.user_post(bob, one.channel_named("general"), "hello one")
        await discord_world.set_voice(bob, voice)
        assert (await alice.run("/where")).text == "command on shard 0"
        assert (await bob.run("/where")).text == "command on shard 1"
        user = await client.fetch_user(bob.id)
        await user.send("Meeting at noon", view=Reminder())
        await discord_world.settle()
        (dm,) = bob.dms
        assert (await bob.click(dm, "Coming")).text == "click on shard 0"  # Bob's guild is on shard 1
        await discord_world.remove_bot(one)
        assert probe.shards_of("message", zero) == {0}
        assert probe.shards_of("message", one) == {1}
        assert probe.shards_of("voice", one) == {1}
        assert probe.shards_of("interaction", zero) == {0}
        assert probe.shards_of("interaction", one) == {1}
        assert probe.shards_of("interaction", None) == {0}
        assert probe.shards_of("message", None) == {0}  # the bot's own DM comes back on shard 0
        assert probe.shards_of("guild_remove", one) == {1}
        frames = {s.shard[0]: [frame for _, frame in s.buffer] for s in discord_world.live_sessions}
        assert not [f for f in frames[0] if str(one.id) in f and '"t":"MESSAGE_CREATE"' in f]
        assert not [f for f in frames[1] if str(zero.id) in f]
    assert not discord_world.problems(), discord_world.problems()


async def test_two_clients_one_shard_each_like_two_processes_see_only_their_guilds_and_resume_alone(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    zero, one = two_guilds(discord_world)
    default_shard = shard_for(discord_world.guild.id, 2)
    discord_world.sharding.max_concurrency = 2  # shards 0 and 1 are in different buckets: both start at once
    first = discord.Client(intents=intents(), shard_id=0, shard_count=2)
    second = discord.Client(intents=intents(), shard_id=1, shard_count=2)
    async with running(discord_world, monkeypatch, first, second) as (p0, p1):
        assert not discord_world.sharding.refusals
        on_zero = {zero.id} | ({discord_world.guild.id} if default_shard == 0 else set())
        on_one = {one.id} | ({discord_world.guild.id} if default_shard == 1 else set())
        assert {g.id for g in first.guilds} == on_zero
        assert {g.id for g in second.guilds} == on_one
        carol = one.add_member("Carol")
        dave = zero.add_member("Dave")
        await discord_world.settle()
        seen_by_second = second.get_guild(one.id)
        assert seen_by_second is not None
        assert seen_by_second.get_member(carol.id) is not None
        assert first.get_guild(one.id) is None
        await discord_world.user_post(carol, one.channel_named("general"), "one only")
        await discord_world.user_post(dave, zero.channel_named("general"), "zero only")
        assert [e for e in p0.arrivals if e[1] == "message"] == [(0, "message", zero.id)]
        assert [e for e in p1.arrivals if e[1] == "message"] == [(1, "message", one.id)]
        channel = await (await second.fetch_user(carol.id)).create_dm()
        await channel.send("a DM sent by the shard-1 process")
        await discord_world.settle()
        assert p0.shards_of("message", None) == {0}  # the DM's MESSAGE_CREATE goes to shard 0's process
        assert not p1.shards_of("message", None)
        before_one = discord_world.session_for(1)
        before_zero = discord_world.session_for(0)
        assert before_one is not None
        assert before_zero is not None
        await discord_world.drop_gateway(shard=1)
        missed = one.add_member("Missed While Away")
        for _ in range(100):
            if before_one.resumes:
                break
            await asyncio.sleep(0.05)
        await discord_world.settle()
        assert (before_one.resumes, before_zero.resumes) == (1, 0)
        assert seen_by_second.get_member(missed.id) is not None
        assert discord_world.identify_count == 2
    assert not discord_world.problems(), discord_world.problems()


async def test_an_impatient_second_identify_in_the_same_bucket_is_sent_invalid_session_until_its_turn(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_guilds(discord_world)
    discord_world.sharding.identify_interval = 0.5
    client = discord.AutoShardedClient(intents=intents(), shard_count=2)
    client.before_identify_hook = impatient  # type: ignore[method-assign]
    async with running(discord_world, monkeypatch, client, sync=False):
        refused = discord_world.sharding.refusals
        assert refused
        assert {(tuple(r.shard), r.code) for r in refused} == {((1, 2), 9)}
        assert {s.shard for s in discord_world.live_sessions} == {(0, 2), (1, 2)}
        assert discord_world.sharding.remaining == 998  # the refused IDENTIFYs spent nothing


async def test_with_max_concurrency_2_two_shards_identify_at_once(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_guilds(discord_world)
    discord_world.sharding.identify_interval = 5.0
    discord_world.sharding.max_concurrency = 2
    client = discord.AutoShardedClient(intents=intents(), shard_count=2)
    client.before_identify_hook = impatient  # type: ignore[method-assign]
    async with running(discord_world, monkeypatch, client, sync=False):
        assert not discord_world.sharding.refusals
        assert {s.shard for s in discord_world.live_sessions} == {(0, 2), (1, 2)}


async def test_a_shard_out_of_range_is_closed_4010_and_too_few_shards_4011(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord_world.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(discord_world.gateway_url))
    invalid = discord.Client(intents=intents(), shard_id=2, shard_count=2)
    with pytest.raises(discord.ConnectionClosed) as closed:
        await asyncio.wait_for(invalid.start(discord_world.token), 10)
    assert closed.value.code == 4010
    discord_world.sharding.required_shards = 2
    unsharded = discord.Client(intents=intents())
    with pytest.raises(discord.ConnectionClosed) as closed:
        await asyncio.wait_for(unsharded.start(discord_world.token), 10)
    assert closed.value.code == 4011
    discord_world.sharding.required_shards = 1
    discord_world.sharding.max_guilds_per_shard = 1
    discord_world.create_guild("Same Shard", shard=(0, 1))
    crowded = discord.Client(intents=intents())
    with pytest.raises(discord.ConnectionClosed) as closed:
        await asyncio.wait_for(crowded.start(discord_world.token), 10)
    assert closed.value.code == 4011  # two guilds on one session, where one is the most a shard may hold
    assert [r.code for r in discord_world.sharding.refusals] == [4010, 4011, 4011]
    assert discord_world.identify_count == 0
    assert discord_world.sharding.remaining == 1000


async def test_the_identify_budget_counts_identifies_not_resumes_and_when_spent_ends_every_session(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    discord_world.sharding.remaining = 2
    client = discord.Client(intents=intents())
    client.before_identify_hook = impatient  # type: ignore[method-assign]
    old_token = discord_world.token
    monkeypatch.setattr(discord.http.Route, "BASE", discord_world.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(discord_world.gateway_url))
    probe = Probe(client)
    runner = asyncio.create_task(client.start(old_token))
    try:
        await asyncio.wait_for(probe.ready.wait(), 10)
        assert (await gateway_bot(discord_world))[1]["session_start_limit"]["remaining"] == 1
        session = discord_world.session
        assert session is not None
        await discord_world.drop_gateway()
        for _ in range(100):
            if session.resumes:
                break
            await asyncio.sleep(0.05)
        assert discord_world.sharding.remaining == 1  # a RESUME is free
        await discord_world.drop_gateway(resumable=False)
        for _ in range(100):
            if discord_world.identify_count == 2:
                break
            await asyncio.sleep(0.05)
        assert discord_world.sharding.remaining == 0
        await discord_world.drop_gateway(resumable=False)
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(runner, 10)
    finally:
        await client.close()
    assert closed.value.code == 4004
    assert discord_world.identify_count == 2
    assert not discord_world.live_sessions
    assert discord_world.token != old_token
    assert (await gateway_bot(discord_world, old_token))[0] == 401
    assert discord_world.failures == [
        "IDENTIFY budget spent (1000 a day): Discord ended every session and reset the token"
    ]
    discord_world.failures.clear()


async def test_an_unsharded_client_still_hears_every_guild_and_its_dms(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    zero, one = two_guilds(discord_world)
    client = discord.Client(intents=intents())
    async with running(discord_world, monkeypatch, client) as (probe,):
        session = discord_world.session
        assert session is not None
        assert session.shard == (0, 1)
        assert {g.id for g in client.guilds} == {discord_world.guild.id, zero.id, one.id}
        erin = one.add_member("Erin")
        await discord_world.settle()
        await discord_world.user_post(erin, one.channel_named("general"), "heard")
        assert (await erin.run("/where")).text == "command on shard 0"
        await (await client.fetch_user(erin.id)).send("a DM", view=Reminder())
        await discord_world.settle()
        assert (await erin.click(erin.dms[0], "Coming")).text == "click on shard 0"
        assert probe.shards_of("message", one) == {0}
    assert not discord_world.problems(), discord_world.problems()
