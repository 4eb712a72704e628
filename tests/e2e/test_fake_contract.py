"""Contract test: a real in-process discord.py client parses every payload kind the fake sends, with no errors."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

from tests.fakediscord import STAGE, VOICE, FakeDiscord, Overwrite, RefusedError, future_iso
from tests.fakediscord.world import flatten_components

pytestmark = pytest.mark.e2e


class ErrorLog(logging.Handler):
    """Collects every ERROR record (and anything carrying a traceback) logged while the client runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep errors and tracebacks."""
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)

    def text(self) -> str:
        """All collected records, formatted."""
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        return "\n".join(formatter.format(r) for r in self.records)


class Probe(discord.ui.View):
    """A view with every component kind the fake has to route back."""

    def __init__(self, events: list[str]) -> None:
        super().__init__(timeout=None)
        self.events = events

    @discord.ui.button(label="Go", custom_id="probe:go")
    async def go(self, interaction: discord.Interaction, button: discord.ui.Button[Probe]) -> None:
        """Answer with a message."""
        assert interaction.message is not None
        self.events.append(f"go:{interaction.user.name}:{interaction.message.id}")
        await interaction.response.send_message("went", ephemeral=True)

    @discord.ui.button(label="Edit", custom_id="probe:edit")
    async def edit(self, interaction: discord.Interaction, button: discord.ui.Button[Probe]) -> None:
        """Update the message in place."""
        await interaction.response.edit_message(content="edited by click", view=self)

    @discord.ui.button(label="Later", custom_id="probe:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button[Probe]) -> None:
        """Defer the update, then edit the original."""
        await interaction.response.defer()
        await interaction.edit_original_response(content="edited later")

    @discord.ui.button(label="Ask", custom_id="probe:ask")
    async def ask(self, interaction: discord.Interaction, button: discord.ui.Button[Probe]) -> None:
        """Open a modal from a component."""
        await interaction.response.send_modal(Form(self.events))

    @discord.ui.select(
        placeholder="Colour",
        custom_id="probe:colour",
        options=[discord.SelectOption(label="Red", value="red"), discord.SelectOption(label="Blue", value="blue")],
        max_values=2,
    )
    async def colour(self, interaction: discord.Interaction, select: discord.ui.Select[Probe]) -> None:
        """Echo string select values."""
        await interaction.response.send_message("colours " + ",".join(select.values), ephemeral=True)

    @discord.ui.select(cls=discord.ui.UserSelect, placeholder="Who", custom_id="probe:who")
    async def who(self, interaction: discord.Interaction, select: discord.ui.UserSelect[Probe]) -> None:
        """Echo the selected member (resolved data must produce a Member)."""
        member = select.values[0]
        assert isinstance(member, discord.Member)
        await interaction.response.send_message(f"who {member.name}", ephemeral=True)


class Form(discord.ui.Modal, title="Form"):
    """A modal with a label-wrapped text input (discord.py 2.7 style) and a classic one."""

    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events
        self.topic: discord.ui.TextInput[Form] = discord.ui.TextInput(label="Topic", custom_id="topic")
        self.notes: discord.ui.TextInput[Form] = discord.ui.TextInput(
            custom_id="notes", style=discord.TextStyle.paragraph, required=False
        )
        self.add_item(self.topic)
        self.add_item(discord.ui.Label(text="Notes", component=self.notes))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Record and answer."""
        self.events.append(f"form:{self.topic.value}:{self.notes.value}")
        await interaction.response.send_message(f"topic {self.topic.value} notes {self.notes.value}", ephemeral=True)


class Choice(discord.ui.Modal, title="Choose"):
    """A modal whose select opens with one option already chosen, as a ballot shows a member's current choice."""

    def __init__(self) -> None:
        super().__init__()
        self.colours: discord.ui.Select[Choice] = discord.ui.Select(
            custom_id="colours",
            options=[
                discord.SelectOption(label="Red", value="red", default=True),
                discord.SelectOption(label="Blue", value="blue"),
            ],
            max_values=2,
        )
        self.add_item(discord.ui.Label(text="Colours", component=self.colours))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Echo what was submitted."""
        await interaction.response.send_message("chose " + ",".join(self.colours.values), ephemeral=True)


def build_tree(client: discord.Client, events: list[str]) -> app_commands.CommandTree[discord.Client]:
    """Commands covering subcommand groups, resolved options, defers, follow-ups and autocomplete."""
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    group = app_commands.Group(name="set", description="sets")
    sub = app_commands.Group(name="member", description="members", parent=group)

    @sub.command(name="add", description="add")
    async def add(
        interaction: discord.Interaction,
        who: discord.Member,
        where: discord.TextChannel,
        role: discord.Role,
        count: int = 1,
        flag: bool = False,
    ) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        assert interaction.guild is not None
        assert interaction.guild.me is not None
        events.append(f"add:{who.name}:{where.name}:{role.name}:{count}:{flag}:{interaction.permissions.value}")
        await interaction.response.send_message(f"added {who.mention}", ephemeral=True)

    @group.command(name="panel", description="panel")
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("panel", view=Probe(events))

    @group.command(name="secret", description="ephemeral panel")
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("secret panel", view=Probe(events), ephemeral=True)

    @tree.command(name="think", description="defer then follow up")
    async def think(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("thought", embed=discord.Embed(title="T", description="D"))
        extra = await interaction.followup.send("extra", wait=True)
        await extra.edit(content="extra edited")
        original = await interaction.original_response()
        events.append(f"think:{original.content}")

    @tree.command(name="edits", description="edit and delete the original")
    async def edits(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        await interaction.edit_original_response(content="second")
        await interaction.delete_original_response()
        await interaction.followup.send("after delete", ephemeral=True)

    @tree.command(name="ask", description="modal")
    async def ask(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Form(events))

    @tree.command(name="choose", description="modal with a preselected option")
    async def choose(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Choice())

    @tree.command(name="pick", description="autocomplete")
    async def pick(interaction: discord.Interaction, fruit: str, size: int = 1) -> None:
        await interaction.response.send_message(f"{fruit}x{size}")

    @pick.autocomplete("fruit")
    async def pick_fruit(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        fruits = ["Apple", "Apricot", "Banana"]
        return [app_commands.Choice(name=f, value=f) for f in fruits if f.startswith(current)]

    @tree.command(name="slowpoke", description="answers after the deadline")
    async def slowpoke(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.5)
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as exc:
            events.append(f"late:{exc.code}")

    tree.add_command(group)
    return tree


class RecordingClient(discord.Client):
    """A client that records every event it dispatches."""

    def __init__(self, seen: list[tuple[str, Any]], **options: Any) -> None:
        super().__init__(**options)
        self.seen = seen

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Record, then dispatch normally."""
        self.seen.append((event_name, args))
        super().dispatch(event_name, *args, **kwargs)


class Harness:
    """An in-process discord.py client connected to the fake."""

    def __init__(self, fake: FakeDiscord, intents: discord.Intents | None = None) -> None:
        self.fake = fake
        if intents is None:
            intents = discord.Intents.default()
            intents.members = True
            intents.message_content = True
        self.seen: list[tuple[str, Any]] = []
        self.client = RecordingClient(self.seen, intents=intents, guild_ready_timeout=0.1)
        self.events: list[str] = []
        self.tree = build_tree(self.client, self.events)
        self.ready = asyncio.Event()
        client = self.client

        @client.event
        async def on_ready() -> None:
            self.ready.set()

        @client.event
        async def on_error(event: str, *args: Any, **kwargs: Any) -> None:
            logging.getLogger("contract").exception("error in %s", event)

    def saw(self, name: str) -> list[Any]:
        """Argument tuples of every occurrence of an event."""
        return [args for event, args in self.seen if event == name]

    @property
    def guild(self) -> discord.Guild:
        """The client's view of the default guild."""
        guild = self.client.get_guild(self.fake.guild.id)
        assert guild is not None
        return guild


@contextlib.asynccontextmanager
async def connected(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch, intents: discord.Intents | None = None
) -> AsyncIterator[Harness]:
    """An in-process client identified with ``intents`` (all the tests need, by default); fails on any error."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord_world.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(discord_world.gateway_url))
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    harness = Harness(discord_world, intents)
    runner = asyncio.create_task(harness.client.start(discord_world.token))
    try:
        await asyncio.wait_for(harness.ready.wait(), 10)
        await harness.tree.sync()
        yield harness
        await discord_world.settle()
    finally:
        await harness.client.close()
        await asyncio.wait_for(runner, 10)
        logging.getLogger().removeHandler(errors)
    assert not errors.records, errors.text()
    problems = discord_world.problems()
    assert not problems, problems


@pytest.fixture
async def harness(discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    """Start an in-process client against the fake; fail on any error it logs."""
    async with connected(discord_world, monkeypatch) as harness:
        yield harness


async def test_ready_and_guild_create(harness: Harness, discord_world: FakeDiscord) -> None:
    client = harness.client
    assert client.user is not None
    assert client.user.id == discord_world.bot_user.id
    assert client.application_id == discord_world.application_id
    guild = harness.guild
    assert guild.chunked
    assert guild.member_count == len(discord_world.guild.members)
    assert guild.owner_id == discord_world.owner.id
    assert guild.me.get_role(discord_world.guild.bot_role.id) is not None
    assert guild.me.guild_permissions.manage_channels
    assert [c.name for c in guild.text_channels] == ["general"]
    assert not discord_world.requests_to("GET /gateway/bot")
    assert discord_world.requests_to("GET /oauth2/applications/@me")
    assert {c["name"] for c in discord_world.global_commands} == {
        "set",
        "think",
        "edits",
        "ask",
        "choose",
        "pick",
        "slowpoke",
    }


async def test_exact_json_content_type_and_ratelimit_headers(discord_world: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {discord_world.token}"}
        async with session.get(f"{discord_world.api_base}/users/@me", headers=headers) as response:
            assert response.headers["Content-Type"] == "application/json"
            assert response.headers["Via"]
            assert int(response.headers["X-RateLimit-Remaining"]) > 0
            assert (await response.json())["id"] == str(discord_world.bot_user.id)
        async with session.get(f"{discord_world.api_base}/users/@me", headers={"Authorization": "Bot nope"}) as bad:
            assert bad.status == 401
        async with session.get(f"{discord_world.api_base}/nothing/here", headers=headers) as missing:
            assert missing.status == 404
    assert discord_world.failures == ["unimplemented route: GET /api/v10/nothing/here"]
    discord_world.failures.clear()


async def test_channels_and_overwrites(harness: Harness, discord_world: FakeDiscord) -> None:
    guild = harness.guild
    alice = discord_world.guild.add_member("Alice")
    await discord_world.settle()
    alice_member = guild.get_member(alice.id)
    assert alice_member is not None
    assert harness.saw("member_join")
    overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        alice_member: discord.PermissionOverwrite(view_channel=True, send_messages=True),
        guild.me: discord.PermissionOverwrite(view_channel=True, manage_channels=True),
    }
    text = await guild.create_text_channel("Set A", overwrites=overwrites, topic="t")
    voice = await guild.create_voice_channel("Set A voice", user_limit=5)
    stage = await guild.create_stage_channel("Set A stage")
    await discord_world.settle()
    assert text.name == "set-a"
    assert isinstance(voice, discord.VoiceChannel)
    assert isinstance(stage, discord.StageChannel)
    fake_text = discord_world.guild.channel_named("set-a")
    assert discord_world.guild.channel_named("Set A voice").type == VOICE
    assert discord_world.guild.channel_named("Set A stage").type == STAGE
    assert len(harness.saw("guild_channel_create")) == 3
    outsider = discord_world.guild.add_member("Bob")
    assert discord_world.guild.can(alice, "send_messages", fake_text)
    assert not discord_world.guild.can(outsider, "view_channel", fake_text)
    with pytest.raises(RefusedError) as refused:
        await outsider.post(fake_text, "let me in")
    assert refused.value.code == 50001
    await discord_world.settle()
    bob = guild.get_member(outsider.id)
    assert bob is not None
    await text.set_permissions(bob, view_channel=True, send_messages=False)
    await discord_world.settle()
    assert discord_world.guild.can(outsider, "view_channel", fake_text)
    assert not discord_world.guild.can(outsider, "send_messages", fake_text)
    with pytest.raises(RefusedError) as refused:
        await outsider.post(fake_text, "hello")
    assert refused.value.code == 50013
    await text.set_permissions(bob, overwrite=None)
    await text.edit(name="set-a-renamed", topic="new")
    await discord_world.settle()
    cached = guild.get_channel(text.id)
    assert isinstance(cached, discord.TextChannel)
    assert cached.name == "set-a-renamed"
    assert cached.topic == "new"
    assert bob not in cached.overwrites
    fetched = await harness.client.fetch_channel(text.id)
    assert isinstance(fetched, discord.TextChannel)
    assert fetched.overwrites_for(guild.default_role).view_channel is False
    await voice.delete()
    await discord_world.settle()
    assert guild.get_channel(voice.id) is None
    assert harness.saw("guild_channel_delete")


async def test_bot_permission_refusals(harness: Harness, discord_world: FakeDiscord) -> None:
    guild = harness.guild
    with pytest.raises(discord.Forbidden) as refused:
        await guild.create_text_channel(
            "x", overwrites={guild.default_role: discord.PermissionOverwrite(administrator=True)}
        )
    assert refused.value.code == 50013
    locked = discord_world.guild.add_channel("locked")
    locked.overwrites[discord_world.guild.id] = __import__("tests.fakediscord", fromlist=["Overwrite"]).Overwrite(
        discord_world.guild.id, 0, 0, discord.Permissions(view_channel=True).value
    )
    await discord_world.settle()
    with pytest.raises(discord.Forbidden) as refused:
        await discord.PartialMessageable(state=harness.client._connection, id=locked.id).send("hi")
    assert refused.value.code == 50001
    discord_world.set_bot_permissions(discord.Permissions(view_channel=True, send_messages=True))
    await discord_world.settle()
    with pytest.raises(discord.Forbidden):
        await guild.create_text_channel("nope")
    general = guild.text_channels[0]
    with pytest.raises(discord.Forbidden):
        await general.set_permissions(guild.default_role, send_messages=False)
    assert [r.status for r in discord_world.requests_to("POST /guilds/{guild_id}/channels")] == [403, 403]


async def test_messages(harness: Harness, discord_world: FakeDiscord) -> None:
    guild = harness.guild
    channel = guild.text_channels[0]
    fake_general = discord_world.guild.channel_named("general")
    alice = discord_world.guild.add_member("Alice")
    sent = await channel.send(
        f"hi {alice.mention} @everyone",
        embed=discord.Embed(title="Title", description="Body").add_field(name="F", value="V"),
    )
    stored = fake_general.last_message
    assert stored is not None
    assert stored.id == sent.id
    assert stored.mention_ids == [alice.id]
    assert not stored.pings_everyone
    assert "Title" in stored.text
    assert "F: V" in stored.text
    await sent.edit(content="edited")
    await discord_world.settle()
    assert stored.content == "edited"
    assert harness.saw("message_edit")
    posted = await alice.post(fake_general, "from alice")
    await discord_world.settle()
    received = [args[0] for args in harness.saw("message") if args[0].id == posted.id]
    assert received
    assert received[0].content == "from alice"
    assert isinstance(received[0].author, discord.Member)
    theirs = await channel.fetch_message(posted.id)
    with pytest.raises(discord.Forbidden) as refused:
        await theirs.edit(content="nope")
    assert refused.value.code == 50005
    await theirs.delete()
    more = [await channel.send(f"m{i}") for i in range(3)]
    await channel.delete_messages(more[:2])
    await more[2].delete()
    history = [m.content async for m in channel.history(limit=10)]
    assert history == ["edited"]
    await discord_world.settle()
    assert harness.saw("raw_bulk_message_delete")
    assert harness.saw("raw_message_delete")
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.code == 50035


async def test_dms(harness: Harness, discord_world: FakeDiscord) -> None:
    open_member = discord_world.guild.add_member("Open")
    closed = discord_world.guild.add_member("Closed", dms_open=False)
    await discord_world.settle()
    target = harness.guild.get_member(open_member.id)
    assert target is not None
    await target.send("psst")
    assert [m.content for m in open_member.dms] == ["psst"]
    shut = harness.guild.get_member(closed.id)
    assert shut is not None
    with pytest.raises(discord.Forbidden) as refused:
        await shut.send("psst")
    assert refused.value.code == 50007
    assert closed.dms == []


async def test_members_voice_and_roles(harness: Harness, discord_world: FakeDiscord) -> None:
    world_guild = discord_world.guild
    voice = world_guild.add_channel("Room", VOICE)
    alice = world_guild.add_member("Alice")
    role = world_guild.add_role("Facilitator")
    await discord_world.settle()
    member = harness.guild.get_member(alice.id)
    assert member is not None
    assert harness.guild.get_role(role.id) is not None
    with pytest.raises(discord.HTTPException) as refused:
        await member.edit(mute=True)
    assert refused.value.status == 400
    assert refused.value.code == 40032
    await alice.join_voice(voice)
    assert member.voice is not None
    assert member.voice.channel is not None
    assert member.voice.channel.id == voice.id
    await member.edit(mute=True, deafen=True)
    await discord_world.settle()
    assert alice.mute
    assert alice.deaf
    assert member.voice.mute
    await member.add_roles(discord.Object(role.id))
    await discord_world.settle()
    assert alice.has_role("Facilitator")
    assert member.get_role(role.id) is not None
    await member.remove_roles(discord.Object(role.id))
    await discord_world.settle()
    assert not alice.has_role(role)
    fetched = await harness.guild.fetch_member(alice.id)
    assert fetched.voice is None or fetched.id == alice.id
    await alice.leave_voice()
    assert member.voice is None
    world_guild.set_role_permissions(role, discord.Permissions(manage_guild=True))
    await discord_world.settle()
    refreshed = harness.guild.get_role(role.id)
    assert refreshed is not None
    assert refreshed.permissions.manage_guild
    discord_world.set_bot_permissions(discord.Permissions(view_channel=True))
    await alice.join_voice(voice)
    with pytest.raises(discord.Forbidden):
        await member.edit(mute=False)


async def test_scheduled_events(harness: Harness, discord_world: FakeDiscord) -> None:
    stage = await harness.guild.create_stage_channel("Stage")
    event = await harness.guild.create_scheduled_event(
        name="Session 1", start_time=discord.utils.utcnow() + __import__("datetime").timedelta(hours=1), channel=stage
    )
    external = await harness.guild.create_scheduled_event(
        name="Offline",
        start_time=discord.utils.utcnow() + __import__("datetime").timedelta(hours=1),
        end_time=discord.utils.utcnow() + __import__("datetime").timedelta(hours=2),
        entity_type=discord.EntityType.external,
        location="Cafe",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    await discord_world.settle()
    assert [e.name for e in discord_world.guild.scheduled_events] == ["Session 1", "Offline"]
    assert harness.guild.get_scheduled_event(event.id) is not None
    edited = await event.edit(name="Session One")
    assert edited.name == "Session One"
    await event.start()
    listed = await harness.guild.fetch_scheduled_events()
    assert {e.name for e in listed} == {"Session One", "Offline"}
    await external.delete()
    await discord_world.settle()
    assert [e.name for e in discord_world.guild.scheduled_events] == ["Session One"]
    assert harness.saw("scheduled_event_create")
    assert harness.saw("scheduled_event_delete")
    with pytest.raises(discord.HTTPException) as refused:
        await harness.guild.create_scheduled_event(
            name="Past", start_time=discord.utils.utcnow() - __import__("datetime").timedelta(hours=1), channel=stage
        )
    assert refused.value.code == 50035
    assert future_iso(10) > discord.utils.utcnow().isoformat()


async def test_slash_command_with_group_and_resolved_options(harness: Harness, discord_world: FakeDiscord) -> None:
    world_guild = discord_world.guild
    fran = world_guild.add_member("Fran", permissions=discord.Permissions(manage_guild=True))
    alice = world_guild.add_member("Alice")
    role = world_guild.add_role("Member")
    general = world_guild.channel_named("general")
    reply = await fran.run("/set member add", who=alice, where=general, role=role, count=3, flag=True)
    assert reply.ephemeral
    assert reply.text == f"added {alice.mention}"
    assert reply.callback_type == 4
    assert harness.events[-1].startswith("add:Alice:general:Member:3:True:")
    assert fran.ephemeral_messages == [reply.message]
    assert reply.latency is not None
    assert reply.latency < 3
    with pytest.raises(ValueError, match="missing required option"):
        await fran.run("/set member add", who=alice)
    with pytest.raises(LookupError):
        await fran.run("/set nothing")


async def test_components_and_modals(harness: Harness, discord_world: FakeDiscord) -> None:
    alice = discord_world.guild.add_member("Alice")
    bob = discord_world.guild.add_member("Bob")
    reply = await alice.run("/set panel")
    panel = reply.message
    assert panel is not None
    assert not panel.ephemeral
    assert panel.buttons == ["Go", "Edit", "Later", "Ask"]
    clicked = await bob.click(panel, "Go")
    assert clicked.text == "went"
    assert clicked.ephemeral
    assert harness.events[-1] == f"go:Bob:{panel.id}"
    colours = await bob.select(panel, ["red", "blue"], "Colour")
    assert colours.text == "colours red,blue"
    who = await bob.select(panel, [alice], "Who")
    assert who.text == "who Alice"
    updated = await bob.click(panel, "Edit")
    assert updated.callback_type == 7
    assert panel.content == "edited by click"
    assert updated.message is panel
    later = await bob.click(panel, "Later")
    assert later.callback_type == 6
    assert panel.content == "edited later"
    asked = await bob.click(panel, "Ask")
    assert asked.modal_title == "Form"
    submitted = await bob.submit_modal(asked, {"topic": "Budgets", "Notes": "n1"})
    assert submitted.text == "topic Budgets notes n1"
    assert harness.events[-1] == "form:Budgets:n1"
    secret = await alice.run("/set secret")
    assert secret.ephemeral
    assert secret.message is not None
    again = await alice.click(secret.message, "Go")
    assert again.text == "went"
    with pytest.raises(RefusedError):
        await bob.click(secret.message, "Go")
    modal = await alice.run("/ask")
    done = await alice.submit_modal(modal, {"topic": "Only topic"})
    assert done.text == "topic Only topic notes "


async def test_a_modal_select_left_untouched_submits_its_preselected_options(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    alice = discord_world.guild.add_member("Alice")
    form = await alice.run("/choose")
    assert form.modal is not None
    (select,) = [c for c in flatten_components(form.modal["components"]) if c.get("custom_id") == "colours"]
    assert [o["value"] for o in select["options"] if o.get("default")] == ["red"]
    untouched = await alice.submit_modal(form, {})
    assert untouched.text == "chose red"
    changed = await alice.submit_modal(await alice.run("/choose"), {"Colours": ["blue"]})
    assert changed.text == "chose blue"


async def test_role_mentions_ping_as_discord_decides(harness: Harness, discord_world: FakeDiscord) -> None:
    team = discord_world.guild.add_role("Team", mentionable=True)
    staff = discord_world.guild.add_role("Staff")
    await discord_world.settle()
    channel = harness.guild.text_channels[0]
    fake_general = discord_world.guild.channel_named("general")
    content = f"{team.mention} {staff.mention} <@&1> @everyone"
    discord_world.guild.set_role_permissions(
        discord_world.guild.bot_role, discord.Permissions(view_channel=True, send_messages=True)
    )
    await discord_world.settle()
    await channel.send(content)
    plain = fake_general.last_message
    assert plain is not None
    assert plain.pinged_role_ids == {team.id}, "a role nobody may mention, or no role at all, pings nobody"
    assert not plain.pings_everyone
    discord_world.guild.set_role_permissions(
        discord_world.guild.bot_role, discord.Permissions(view_channel=True, send_messages=True, mention_everyone=True)
    )
    await discord_world.settle()
    await channel.send(content)
    loud = fake_general.last_message
    assert loud is not None
    assert loud.pinged_role_ids == {team.id, staff.id}
    assert loud.pings_everyone
    await channel.send(content, allowed_mentions=discord.AllowedMentions(everyone=False, roles=[staff]))
    chosen = fake_general.last_message
    assert chosen is not None
    assert chosen.pinged_role_ids == {staff.id}
    assert not chosen.pings_everyone
    assert chosen.payload()["mention_everyone"] is False


async def test_edited_content_without_allowed_mentions_is_parsed_with_default_allowances(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    alice = discord_world.guild.add_member("Alice")
    await discord_world.settle()
    channel = harness.guild.text_channels[0]
    sent = await channel.send(f"hi {alice.mention}", allowed_mentions=discord.AllowedMentions.none())
    stored = discord_world.guild.channel_named("general").last_message
    assert stored is not None
    assert stored.pinged_user_ids == set()
    await sent.edit(embed=discord.Embed(title="no new content"))
    assert stored.pinged_user_ids == set(), "mentions are parsed again only when the content changes"
    await sent.edit(content=f"hello {alice.mention}")
    assert stored.pinged_user_ids == {alice.id}, "the creating request's allowed_mentions does not carry over"
    await sent.edit(content=f"bye {alice.mention}", allowed_mentions=discord.AllowedMentions.none())
    assert stored.pinged_user_ids == set()


async def test_defer_followups_edits_and_autocomplete(harness: Harness, discord_world: FakeDiscord) -> None:
    alice = discord_world.guild.add_member("Alice")
    reply = await alice.run("/think")
    assert reply.deferred
    assert reply.callback_type == 5
    assert [m.content for m in reply.messages] == ["thought", "extra edited"]
    assert "T\nD" in reply.text
    assert harness.events[-1] == "think:thought"
    edits = await alice.run("/edits")
    assert [m.text for m in edits.messages] == ["after delete"]
    assert edits.ephemeral
    choices = await alice.autocomplete("/pick", "fruit", "Ap")
    assert [c["value"] for c in choices] == ["Apple", "Apricot"]
    picked = await alice.run("/pick", fruit="Banana", size=2)
    assert picked.text == "Bananax2"


async def test_a_command_sent_without_waiting_is_answered_on_its_record(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    alice = discord_world.guild.add_member("Alice")
    engine = discord_world.interactions
    records = [await engine.send_command(alice, "/pick", {"fruit": fruit}) for fruit in ("Apple", "Banana")]
    choices = await engine.send_command(alice, "/pick", {"fruit": "Ap"}, focused="fruit")
    replies = [await engine.wait(record, 5.0) for record in records]
    assert [reply.text for reply in replies] == ["Applex1", "Bananax1"]
    assert [c["value"] for c in (await engine.wait(choices, 5.0)).choices] == ["Apple", "Apricot"]
    with pytest.raises(LookupError, match="not an autocomplete option"):
        await engine.send_command(alice, "/pick", {"size": 2}, focused="size")


async def test_clicks_and_forms_sent_without_waiting_note_when_their_answer_was_shown(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    alice = discord_world.guild.add_member("Alice")
    engine = discord_world.interactions
    panel = (await alice.run("/set panel")).message
    assert panel is not None
    asked = await engine.wait(await engine.send_click(alice, panel, "Ask"), 5.0)
    assert asked.modal_title == "Form"
    assert asked.record.shown_after == asked.latency, "a form is shown by the first answer"
    sent = await engine.wait(await engine.send_modal(alice, asked.record, {"topic": "Quick"}), 5.0)
    assert sent.text == "topic Quick notes "
    thought = await engine.wait(await engine.send_command(alice, "/think", {}), 5.0)
    assert thought.latency is not None
    assert thought.record.shown_after is not None
    assert thought.record.shown_after > thought.latency, "a deferred answer is shown when it is filled in"


async def test_interaction_deadline(harness: Harness, discord_world: FakeDiscord) -> None:
    discord_world.faults.interaction_deadline = 0.2
    discord_world.faults.fail_on_late_callback = False
    alice = discord_world.guild.add_member("Alice")
    record = await discord_world.interactions.send_command(alice, "/slowpoke", {})
    await asyncio.sleep(0.8)
    await discord_world.settle()
    assert record.late
    assert not record.acknowledged
    assert harness.events[-1] == "late:10062"


async def test_rate_limits_and_server_errors_are_retried(harness: Harness, discord_world: FakeDiscord) -> None:
    channel = harness.guild.text_channels[0]
    discord_world.faults.rate_limit("POST /channels/{channel_id}/messages", count=1, retry_after=0.1)
    await channel.send("after 429")
    discord_world.faults.rate_limit("POST /channels/*/messages", count=1, retry_after=0.1, is_global=True)
    await channel.send("after global 429")
    discord_world.faults.server_error("POST /channels/{channel_id}/messages", count=1, status=502)
    await channel.send("after 502")
    statuses = [r.status for r in discord_world.requests_to("POST /channels/{channel_id}/messages")]
    assert statuses == [429, 200, 429, 200, 502, 200]
    assert [m.content for m in discord_world.guild.channel_named("general").live_messages] == [
        "after 429",
        "after global 429",
        "after 502",
    ]


async def test_gateway_resume_and_invalid_session(harness: Harness, discord_world: FakeDiscord) -> None:
    session = discord_world.session
    assert session is not None
    await discord_world.drop_gateway()
    alice = discord_world.guild.add_member("Missed While Away")
    for _ in range(100):
        if session.resumes:
            break
        await asyncio.sleep(0.05)
    await discord_world.settle()
    assert session.resumes == 1
    assert harness.saw("resumed")
    assert harness.guild.get_member(alice.id) is not None
    await discord_world.drop_gateway(resumable=False)
    for _ in range(200):
        if discord_world.identify_count == 2 and discord_world.session is not session:
            break
        await asyncio.sleep(0.05)
    assert discord_world.identify_count == 2
    await asyncio.sleep(0.3)
    reply = await discord_world.guild.add_member("After").run("/pick", fruit="Apple")
    assert reply.text == "Applex1"


async def test_a_channel_an_admin_deletes_reaches_the_client_as_channel_delete(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    guild = harness.guild
    made = discord_world.guild.add_channel("set-a")
    await discord_world.settle()
    assert guild.get_channel(made.id) is not None
    discord_world.guild.delete_channel(made)
    await discord_world.settle()
    assert guild.get_channel(made.id) is None
    (deleted,) = harness.saw("guild_channel_delete")
    assert deleted[0].id == made.id
    with pytest.raises(discord.NotFound) as gone:
        await guild.fetch_channel(made.id)
    assert gone.value.code == 10003


def _received(harness: Harness, message_id: int) -> list[discord.Message]:
    return [args[0] for args in harness.saw("message") if args[0].id == message_id]


async def test_a_bot_without_the_guild_messages_intent_hears_of_no_message(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    intents = discord.Intents.none()
    intents.guilds = True
    async with connected(discord_world, monkeypatch, intents) as harness:
        general = discord_world.guild.channel_named("general")
        alice = discord_world.guild.add_member("Alice")
        posted = await alice.post(general, f"hello {discord_world.bot_user.mention}")
        await alice.delete(posted)
        await discord_world.settle()
        assert not harness.saw("message")
        assert not harness.saw("raw_message_delete")
        assert ("MESSAGE_CREATE", posted.payload()) in discord_world.dispatched, "the world still saw it"


async def test_without_message_content_a_post_arrives_with_its_author_but_no_text_unless_it_mentions_the_bot(
    discord_world: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with connected(discord_world, monkeypatch, discord.Intents.default()) as harness:
        general = discord_world.guild.channel_named("general")
        alice = discord_world.guild.add_member("Alice")
        plain = await alice.post(general, "off-turn words")
        mention = await alice.post(general, f"{discord_world.bot_user.mention} over to you")
        await alice.delete(plain)
        await discord_world.settle()
        (seen_plain,) = _received(harness, plain.id)
        assert seen_plain.content == ""
        assert seen_plain.author.id == alice.id
        assert seen_plain.channel.id == general.id
        (seen_mention,) = _received(harness, mention.id)
        assert seen_mention.content == mention.content
        assert [args[0].message_id for args in harness.saw("raw_message_delete")] == [plain.id]


async def test_a_member_denied_send_messages_is_refused_but_an_administrator_always_posts(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    world_guild = discord_world.guild
    general = world_guild.channel_named("general")
    alice = world_guild.add_member("Alice")
    admin = world_guild.add_member("Admin", discord.Permissions(administrator=True))
    deny = discord.Permissions(send_messages=True).value
    for member in (alice, admin):
        general.overwrites[member.id] = Overwrite(member.id, 1, 0, deny)
    with pytest.raises(RefusedError) as refused:
        await alice.post(general, "may I?")
    assert (refused.value.status, refused.value.code) == (403, 50013)
    posted = await admin.post(general, "always")
    assert _received(harness, posted.id)[0].content == "always"


async def test_the_bot_deletes_a_members_post_and_the_fake_records_who_deleted_what(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    general = discord_world.guild.channel_named("general")
    alice = discord_world.guild.add_member("Alice")
    posted = await alice.post(general, "out of turn")
    mine = await alice.post(general, "mine to take back")
    channel = harness.guild.text_channels[0]
    await channel.get_partial_message(posted.id).delete()
    with pytest.raises(discord.NotFound) as gone:
        await channel.get_partial_message(posted.id).delete()
    assert gone.value.code == 10008
    await alice.delete(mine)
    assert discord_world.deleted_by_bot == [posted]
    assert posted.deleted_by is discord_world.bot_user
    assert mine.deleted_by is alice.user
    assert general.deleted_messages == [posted, mine]
    assert [r.status for r in discord_world.requests_to("DELETE /channels/{channel_id}/messages/{message_id}")] == [
        204,
        404,
    ]
    another = await alice.post(general, "again")
    discord_world.set_bot_permissions(discord.Permissions(view_channel=True, send_messages=True))
    await discord_world.settle()
    with pytest.raises(discord.Forbidden) as refused:
        await channel.get_partial_message(another.id).delete()
    assert refused.value.code == 50013


async def test_bulk_delete_takes_2_to_100_messages_under_14_days_old(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    general = discord_world.guild.channel_named("general")
    alice = discord_world.guild.add_member("Alice")
    old = await alice.post(general, "from long ago", age=15 * 24 * 3600)
    recent = [await alice.post(general, f"now {i}") for i in range(2)]
    http = harness.client.http
    with pytest.raises(discord.HTTPException) as too_few:
        await http.delete_messages(general.id, [recent[0].id])
    assert (too_few.value.status, too_few.value.code) == (400, 50016)
    with pytest.raises(discord.HTTPException) as too_old:
        await http.delete_messages(general.id, [old.id, recent[0].id])
    assert (too_old.value.status, too_old.value.code) == (400, 50034)
    assert not discord_world.deletions
    channel = harness.guild.text_channels[0]
    purged = await channel.purge(limit=10, check=lambda m: m.author.id == alice.id)
    assert {m.id for m in purged} == {old.id, *(m.id for m in recent)}
    assert set(discord_world.deleted_by_bot) == {old, *recent}
    bulk = discord_world.requests_to("POST /channels/{channel_id}/messages/bulk-delete")
    assert [r.status for r in bulk] == [400, 400, 204], "discord.py bulk-deletes the recent, deletes the old alone"


async def test_edits_keep_components_unless_they_send_new_ones_and_an_empty_list_removes_them(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    def buttons(*labels: str) -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        for label in labels:
            view.add_item(discord.ui.Button(label=label, custom_id=f"floor:{label}"))
        return view

    channel = harness.guild.text_channels[0]
    sent = await channel.send("Floor: Alice", view=buttons("Done", "Pass"))
    card = discord_world.guild.channel_named("general").message_containing("Floor: Alice")
    await sent.edit(content="Floor: Alice (1 min left)")
    assert card.buttons == ["Done", "Pass"]
    await sent.edit(content="Floor: Bob", view=buttons("Done", "Pass", "Hand"))
    assert card.buttons == ["Done", "Pass", "Hand"]
    await sent.edit(content="Meeting over", view=None)
    assert card.buttons == []
    assert card.components == []
    assert card.text == "Meeting over"


async def test_dms_are_readable_with_their_embeds_and_buttons(harness: Harness, discord_world: FakeDiscord) -> None:
    alice = discord_world.guild.add_member("Alice")
    await discord_world.settle()
    member = harness.guild.get_member(alice.id)
    assert member is not None
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Open", custom_id="digest:open"))
    await member.send("Your digest", embed=discord.Embed(title="Actions", description="Book the hall"), view=view)
    (dm,) = alice.dms
    assert dm.text == "Your digest\nActions\nBook the hall"
    assert dm.buttons == ["Open"]
    assert dm.channel.recipient is alice.user


async def test_realistic_rate_limits_answer_429s_as_discord_does(discord_world: FakeDiscord) -> None:
    discord_world.faults.realistic_rate_limits(time_scale=0.2)
    general = discord_world.guild.channel_named("general")
    url = f"{discord_world.api_base}/channels/{general.id}/messages"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {discord_world.token}"}) as session:
        answers = []
        for i in range(6):
            async with session.post(url, json={"content": f"m{i}"}) as response:
                answers.append((response.status, dict(response.headers), await response.json()))
    assert [status for status, _, _ in answers] == [200] * 5 + [429]
    assert [h["X-RateLimit-Remaining"] for _, h, _ in answers[:5]] == ["4", "3", "2", "1", "0"]
    assert {h["X-RateLimit-Limit"] for _, h, _ in answers[:5]} == {"5"}
    assert len({h["X-RateLimit-Bucket"] for _, h, _ in answers}) == 1
    _, headers, body = answers[5]
    assert set(body) == {"message", "retry_after", "global"}
    assert isinstance(body["retry_after"], float)
    assert 0 < body["retry_after"] <= 1.0
    assert body["global"] is False
    assert headers["Retry-After"] == "1"
    assert headers["X-RateLimit-Scope"] == "user"
    assert float(headers["X-RateLimit-Reset-After"]) == pytest.approx(body["retry_after"], abs=0.01)
    assert [r.bucket for r in discord_world.rate_limited] == ["message_create"]
    assert len(general.live_messages) == 5


async def test_a_burst_of_overwrites_meets_429s_discord_py_retries_and_every_one_lands(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    members = [discord_world.guild.add_member(f"M{i}") for i in range(12)]
    await discord_world.settle()
    discord_world.faults.realistic_rate_limits(time_scale=0.1, announced=False)
    channel = harness.guild.text_channels[0]
    targets = [t for m in members if (t := harness.guild.get_member(m.id)) is not None]
    assert len(targets) == 12
    await asyncio.gather(*(channel.set_permissions(t, send_messages=False) for t in targets))
    limited = discord_world.rate_limited
    assert limited
    assert {r.bucket for r in limited} == {"permission_overwrite"}
    assert all(isinstance(r.response["retry_after"], float) for r in limited)
    general = discord_world.guild.channel_named("general")
    assert all(general.overwrite_for(m) is not None for m in members)
    puts = discord_world.requests_to("PUT /channels/{channel_id}/permissions/{overwrite_id}")
    assert len([r for r in puts if r.status == 204]) == 12


async def test_announced_buckets_let_discord_py_wait_before_it_meets_a_429(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    members = [discord_world.guild.add_member(f"M{i}") for i in range(12)]
    await discord_world.settle()
    discord_world.faults.realistic_rate_limits(time_scale=0.1)
    channel = harness.guild.text_channels[0]
    targets = [t for m in members if (t := harness.guild.get_member(m.id)) is not None]
    assert len(targets) == 12
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(channel.set_permissions(t, send_messages=False) for t in targets))
    assert asyncio.get_running_loop().time() - started >= 1.0, "the last two waited for the 1.5 s window"
    assert not discord_world.rate_limited
    assert all(discord_world.guild.channel_named("general").overwrite_for(m) is not None for m in members)


async def test_the_global_limit_answers_global_429s_that_discord_py_waits_out(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    for name in ("a", "b", "c"):
        discord_world.guild.add_channel(name)
    await discord_world.settle()
    discord_world.faults.realistic_rate_limits()
    # Spread over channels, so that no one route bucket paces discord.py: only the global limit is left.
    channel_ids = [c.id for c in discord_world.guild.channels.values()]
    await asyncio.gather(*(harness.client.fetch_channel(channel_ids[i % len(channel_ids)]) for i in range(70)))
    limited = discord_world.rate_limited
    assert limited
    assert {r.bucket for r in limited} == {"global"}
    assert all(r.response["global"] is True for r in limited)
    assert len([r for r in discord_world.requests_to("GET /channels/{channel_id}") if r.status == 200]) == 70


async def test_a_message_with_a_file_keeps_what_the_file_held(harness: Harness, discord_world: FakeDiscord) -> None:
    channel = harness.guild.text_channels[0]
    sent = await channel.send("see the file", file=discord.File(io.BytesIO(b"all of it\n"), filename="notes.md"))
    stored = discord_world.guild.channel_named("general").last_message
    assert stored is not None
    assert stored.id == sent.id
    assert [a.filename for a in sent.attachments] == ["notes.md"]
    assert stored.files == {"notes.md": b"all of it\n"}


async def test_a_file_sent_with_an_edit_is_added_and_one_left_out_is_removed(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    channel = harness.guild.text_channels[0]
    sent = await channel.send("see the file", file=discord.File(io.BytesIO(b"first\n"), filename="a.md"))
    edited = await sent.edit(attachments=[discord.File(io.BytesIO(b"second\n"), filename="b.md")])
    stored = discord_world.guild.channel_named("general").last_message
    assert stored is not None
    assert [a.filename for a in edited.attachments] == ["b.md"]
    assert stored.files == {"b.md": b"second\n"}


async def test_a_nonce_enforced_returns_the_first_post_until_discord_forgets_it(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    channel = harness.guild.text_channels[0]
    fake_general = discord_world.guild.channel_named("general")
    first = await channel.send("once", nonce="setkeeper-1")
    again = await channel.send("once", nonce="setkeeper-1")
    assert again.id == first.id, "within Discord's memory of the nonce, the first post comes back"
    assert first.nonce == "setkeeper-1", "the nonce comes back in the answer to the post"
    assert [m.content for m in fake_general.live_messages].count("once") == 1
    (read,) = [m async for m in channel.history(limit=5) if m.id == first.id]
    assert read.nonce is None, "a message read later carries no nonce: Discord does not keep it"

    discord_world.move_clock(by=discord_world.nonce_memory + timedelta(seconds=1))
    later = await channel.send("once", nonce="setkeeper-1")
    assert later.id != first.id, "a nonce is forgotten after a few minutes: the same post is made again"
    assert later.created_at - first.created_at >= discord_world.nonce_memory, "snowflakes follow Discord's clock"
    assert [m.content for m in fake_general.live_messages].count("once") == 2


async def test_every_answer_carries_discords_date_which_follows_its_clock(discord_world: FakeDiscord) -> None:
    headers = {"Authorization": f"Bot {discord_world.token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{discord_world.api_base}/users/@me", headers=headers) as response:
            now = parsedate_to_datetime(response.headers["Date"])
        assert abs(now - datetime.now(UTC)) < timedelta(seconds=3)
        discord_world.move_clock(by=timedelta(minutes=20))
        async with session.get(f"{discord_world.api_base}/nothing/here", headers=headers) as missing:
            later = parsedate_to_datetime(missing.headers["Date"])
    assert abs(later - datetime.now(UTC) - timedelta(minutes=20)) < timedelta(seconds=3), "errors carry it too"
    discord_world.failures.clear()


async def test_a_held_answer_leaves_the_post_made_and_the_client_waiting(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    channel = harness.guild.text_channels[0]
    fake_general = discord_world.guild.channel_named("general")
    hold = discord_world.faults.hold_answer("POST /channels/*/messages", containing="held")
    sending = asyncio.create_task(channel.send("held post"))
    await asyncio.wait_for(hold.accepted.wait(), 5)
    assert fake_general.last_message is not None
    assert fake_general.last_message.content == "held post"
    assert not sending.done(), "the client has not heard yet"
    hold.release()
    sent = await asyncio.wait_for(sending, 5)
    assert sent.id == fake_general.last_message.id


async def test_an_interactions_token_takes_edits_for_fifteen_minutes_by_discords_clock(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    alice = discord_world.guild.add_member("Alice")
    reply = await alice.run("/think")
    webhook = discord.Webhook.partial(discord_world.application_id, reply.record.token, client=harness.client)
    await webhook.edit_message("@original", content="in time")
    assert "in time" in reply.text
    discord_world.move_clock(by=timedelta(minutes=15, seconds=1))
    with pytest.raises(discord.NotFound) as expired:
        await webhook.edit_message("@original", content="too late")
    assert expired.value.code == 10015


async def test_a_bot_removed_from_a_guild_hears_guild_remove_is_refused_there_and_hears_guild_join_when_back(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    """Removal and re-invitation, as Discord's gateway and REST documentation describe them.

    What this relies on: GUILD_DELETE carries the guild's id and, only when the guild is down in an outage,
    ``unavailable: true``; without that field the bot was removed (kicked, or it left with
    ``DELETE /users/@me/guilds/{guild.id}``), and discord.py dispatches on_guild_remove only then (on_guild_unavailable
    for the outage). GUILD_CREATE is sent when the bot joins a guild, with the whole guild and no ``unavailable`` field
    (discord.py: on_guild_join; ``unavailable: false`` would be a guild coming back from an outage,
    on_guild_available). REST on a guild or channel the bot cannot reach answers 403 Missing Access (50001); a guild
    that does not exist, or one the bot is not in when it asks to leave, 404 Unknown Guild (10004). An application's
    commands are not offered in a guild it is not in, so nobody there can send it an interaction.
    """
    client = harness.client
    other = discord_world.create_guild("Elsewhere")
    alice = other.add_member("Alice")
    await discord_world.settle()
    assert [args[0].id for args in harness.saw("guild_join")] == [other.id]
    general = other.channel_named("general")
    assert (await alice.run("/pick", fruit="Apple", in_channel=general)).text == "Applex1"

    await discord_world.remove_bot(other)
    assert discord_world.dispatched[-1] == ("GUILD_DELETE", {"id": str(other.id)})
    assert [args[0].id for args in harness.saw("guild_remove")] == [other.id]
    assert not harness.saw("guild_unavailable")
    assert client.get_guild(other.id) is None
    with pytest.raises(discord.Forbidden) as guild_refused:
        await client.fetch_guild(other.id)
    assert guild_refused.value.code == 50001
    with pytest.raises(discord.Forbidden) as channel_refused:
        await client.fetch_channel(general.id)
    assert channel_refused.value.code == 50001
    with pytest.raises(RefusedError, match="not in Elsewhere"):
        await alice.run("/pick", fruit="Apple", in_channel=general)
    unheard = await alice.post(general, "anyone there?")
    await discord_world.settle()
    assert unheard.id not in [args[0].id for args in harness.saw("message")]
    assert harness.guild.id == discord_world.guild.id, "the other guild goes on as before"

    await discord_world.invite_bot(other)
    assert [args[0].id for args in harness.saw("guild_join")] == [other.id, other.id]
    back = client.get_guild(other.id)
    assert back is not None
    assert back.get_member(alice.id) is not None
    assert [c.name for c in back.text_channels] == ["general"]
    assert (await alice.run("/pick", fruit="Banana", size=2, in_channel=general)).text == "Bananax2"

    await back.leave()  # the bot leaves by itself
    await discord_world.settle()
    assert [args[0].id for args in harness.saw("guild_remove")] == [other.id, other.id]
    assert other.id in discord_world.departed
    with pytest.raises(discord.NotFound) as not_in_it:
        await client.http.leave_guild(other.id)
    assert not_in_it.value.code == 10004


# ----- languages: the commands' localizations, a Community server's language, the reader's locale ------------------

GERMAN = {
    "Greet someone": "Jemanden grüßen",
    "Whom to greet": "Wen du grüßt",
    "How warmly": "Wie herzlich",
    "Warmly": "Herzlich",
    "greet": "gruessen",
}


class GermanWords(app_commands.Translator):
    """German for the `greet` command: its name too, to see Discord keep name localizations as well."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        """The German words for `string`, if any."""
        return GERMAN.get(string.message) if locale is discord.Locale.german else None


def _add_greet(harness: Harness, heard: list[tuple[str, str]]) -> None:
    """`/greet who how`: records the locales the interaction carried; its texts in German through `GermanWords`."""

    @harness.tree.command(name="greet", description="Greet someone")
    @app_commands.describe(who="Whom to greet", how="How warmly")
    @app_commands.choices(how=[app_commands.Choice(name="Warmly", value="warm")])
    async def greet(interaction: discord.Interaction, who: discord.Member, how: str = "warm") -> None:
        heard.append((str(interaction.locale), str(interaction.guild_locale)))
        await interaction.response.send_message(f"hello {who.mention}", ephemeral=True)


async def test_a_bulk_overwrite_keeps_the_localizations_of_commands_options_and_choices_as_discord_returns_them(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    """Discord keeps and returns `name_localizations` and `description_localizations` from a bulk overwrite.

    For the command, each option and each choice's name (interactions/application-commands.mdx, "Localization"):
    discord.py reads them back from the answer to `sync`.
    """
    _add_greet(harness, [])
    await harness.tree.set_translator(GermanWords())
    synced = {command.name: command for command in await harness.tree.sync()}
    (sent,) = [c for c in discord_world.requests_to("PUT /applications/*/commands")[-1].body if c["name"] == "greet"]
    assert sent["description_localizations"] == {"de": "Jemanden grüßen"}, "what discord.py sends"

    greet = synced["greet"]
    assert greet.name_localizations == {discord.Locale.german: "gruessen"}
    assert greet.description_localizations == {discord.Locale.german: "Jemanden grüßen"}
    who, how = greet.options
    assert who.description_localizations == {discord.Locale.german: "Wen du grüßt"}
    assert how.description_localizations == {discord.Locale.german: "Wie herzlich"}
    (warmly,) = how.choices  # type: ignore[union-attr]
    assert warmly.name_localizations == {discord.Locale.german: "Herzlich"}
    (stored,) = [c for c in discord_world.global_commands if c["name"] == "greet"]
    assert stored["options"][1]["choices"][0]["name_localizations"] == {"de": "Herzlich"}
    assert synced["pick"].description_localizations == {}, "a command without German has none"


async def test_listing_commands_gives_the_requesters_own_words_and_the_dictionaries_only_when_asked(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    """A `GET` of all commands answers `name_localized` / `description_localized` in the requester's locale.

    From `X-Discord-Locale`, then `Accept-Language`, then the user's settings (the bot's: en-US); the full dictionaries
    come only with `with_localizations=true` ("Retrieving localized commands"), so discord.py's `fetch_commands`, which
    does not ask, sees none.
    """
    _add_greet(harness, [])
    await harness.tree.set_translator(GermanWords())
    await harness.tree.sync()
    url = f"{discord_world.api_base}/applications/{discord_world.application_id}/commands"
    auth = {"Authorization": f"Bot {discord_world.token}"}

    async def greet_as_listed(headers: dict[str, str], query: str = "") -> dict[str, Any]:
        async with aiohttp.ClientSession() as session, session.get(url + query, headers={**auth, **headers}) as got:
            assert got.status == 200
            return next(c for c in await got.json() if c["name"] == "greet")

    german = await greet_as_listed({"X-Discord-Locale": "de"})
    assert (german["name_localized"], german["description_localized"]) == ("gruessen", "Jemanden grüßen")
    assert german["options"][0]["description_localized"] == "Wen du grüßt"
    assert german["options"][1]["choices"][0]["name_localized"] == "Herzlich"
    assert "description_localizations" not in german
    assert "name_localizations" not in german["options"][1]["choices"][0]
    assert (await greet_as_listed({"Accept-Language": "de-DE,de;q=0.9"}))["description_localized"] == "Jemanden grüßen"
    english = await greet_as_listed({})
    assert "description_localized" not in english, "the bot's own locale, en-US, has no words of its own"
    assert "description_localizations" not in english
    full = await greet_as_listed({}, "?with_localizations=true")
    assert full["description_localizations"] == {"de": "Jemanden grüßen"}
    assert full["options"][1]["choices"][0]["name_localizations"] == {"de": "Herzlich"}
    fetched = {command.name: command for command in await harness.tree.fetch_commands()}
    assert fetched["greet"].description_localizations == {}, "fetch_commands does not ask for the dictionaries"


async def test_localizations_past_discords_rules_are_refused_and_one_equal_to_the_default_is_dropped(
    discord_world: FakeDiscord,
) -> None:
    """Localized values follow the default's rules; keys are Discord's locales; one equal to the default is ignored.

    A description (of a command or an option) and a choice's name: 1 to 100 characters; a name: Discord's naming
    rule, lower case (interactions/application-commands.mdx); the keys: reference.mdx, "Locales".
    """
    url = f"{discord_world.api_base}/applications/{discord_world.application_id}/commands"
    auth = {"Authorization": f"Bot {discord_world.token}"}

    def command(**changes: Any) -> dict[str, Any]:
        option = {"type": 3, "name": "how", "description": "How warmly", "choices": [{"name": "Warmly", "value": "w"}]}
        option.update(changes.pop("option", {}))
        return {"type": 1, "name": "greet", "description": "Greet someone", "options": [option], **changes}

    async def put(body: list[dict[str, Any]]) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as session, session.put(url, json=body, headers=auth) as answer:
            return answer.status, await answer.json()

    def refused_at(answer: tuple[int, Any], *path: str) -> str:
        status, body = answer
        assert (status, body["code"]) == (400, 50035), answer
        node = body["errors"]
        for key in path:
            node = node[key]
        return str(node["_errors"][0]["code"])

    too_long = "x" * 101
    assert (
        refused_at(
            await put([command(description_localizations={"de": too_long})]), "0", "description_localizations", "de"
        )
        == "BASE_TYPE_BAD_LENGTH"
    )
    assert refused_at(
        await put([command(option={"description_localizations": {"de": too_long}})]),
        "0", "options", "0", "description_localizations", "de",
    ) == "BASE_TYPE_BAD_LENGTH"  # fmt: skip
    choice = {"name": "Warmly", "value": "w", "name_localizations": {"de": too_long}}
    assert refused_at(
        await put([command(option={"choices": [choice]})]),
        "0", "options", "0", "choices", "0", "name_localizations", "de",
    ) == "BASE_TYPE_BAD_LENGTH"  # fmt: skip
    assert refused_at(await put([command(name_localizations={"de": "Grüßen"})]), "0", "name_localizations", "de")
    assert refused_at(
        await put([command(description_localizations={"german": "Grüßen"})]), "0", "description_localizations", "german"
    )
    assert refused_at(await put([command(description="")]), "0", "description") == "BASE_TYPE_BAD_LENGTH"
    assert discord_world.global_commands == [], "nothing of a refused overwrite is kept"

    exactly = "x" * 100
    status, (kept,) = await put(
        [command(description_localizations={"de": exactly, "fr": "Greet someone"}, name_localizations={"de": "greet"})]
    )
    assert status == 200
    assert kept["description_localizations"] == {"de": exactly}, "100 characters are allowed; the copy is dropped"
    assert kept["name_localizations"] == {}


async def test_a_button_label_past_80_characters_or_an_embed_past_its_limits_is_refused(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    """Discord refuses (400 / 50035) texts past their lengths (resources/message.mdx "Embed Limits", components)."""
    channel_id = discord_world.guild.channel_named("general").id
    url = f"{discord_world.api_base}/channels/{channel_id}/messages"
    auth = {"Authorization": f"Bot {discord_world.token}"}

    def button(label: str) -> dict[str, Any]:
        return {"type": 1, "components": [{"type": 2, "style": 1, "label": label, "custom_id": "b"}]}

    def select(label: str) -> dict[str, Any]:
        option = {"label": label, "value": "v"}
        return {"type": 1, "components": [{"type": 3, "custom_id": "s", "options": [option]}]}

    async def post(body: dict[str, Any]) -> int:
        async with aiohttp.ClientSession() as session, session.post(url, json=body, headers=auth) as answer:
            return answer.status

    assert await post({"components": [button("x" * 80)]}) == 200
    assert await post({"components": [button("x" * 81)]}) == 400
    assert await post({"components": [select("x" * 100)]}) == 200
    assert await post({"components": [select("x" * 101)]}) == 400
    assert await post({"embeds": [{"title": "x" * 256, "description": "y" * 4096}]}) == 200
    assert await post({"embeds": [{"title": "x" * 257}]}) == 400
    assert await post({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}) == 400
    assert await post({"embeds": [{"description": "y" * 4096}, {"description": "y" * 2000}]}) == 400, "6000 in all"
    refused = discord_world.refused_as_invalid
    assert len(refused) == 5
    assert refused[0].response["errors"]["components"]["0"]["components"]["0"]["label"]["_errors"][0]["code"] == (
        "BASE_TYPE_MAX_LENGTH"
    )
    channel = harness.guild.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as refused_send:
        await channel.send(embed=discord.Embed(title="x" * 257))
    assert (refused_send.value.status, refused_send.value.code) == (400, 50035)


async def test_a_community_servers_language_reaches_the_bot_and_each_interaction_carries_its_readers_locale(
    harness: Harness, discord_world: FakeDiscord
) -> None:
    """A server made a Community server with German as its language: GUILD_UPDATE tells the bot.

    Each interaction carries the clicking person's client language (`locale`) and the server's (`guild_locale`).
    """
    heard: list[tuple[str, str]] = []
    _add_greet(harness, heard)
    await harness.tree.sync()
    guild = discord_world.guild
    alice, bea = guild.add_member("Alice"), guild.add_member("Bea")
    bea.user.locale = "de"
    assert harness.guild.preferred_locale is discord.Locale.american_english
    assert "COMMUNITY" not in harness.guild.features
    await alice.run("/greet", who=bea)

    guild.make_community("de")
    await discord_world.settle()
    assert [after.preferred_locale for _, after in harness.saw("guild_update")] == [discord.Locale.german]
    assert "COMMUNITY" in harness.guild.features
    assert harness.guild.get_member(bea.id) is not None, "an update keeps the guild's members"
    await alice.run("/greet", who=bea)
    await bea.run("/greet", who=alice)
    assert heard == [("en-US", "en-US"), ("en-US", "de"), ("de", "de")]
