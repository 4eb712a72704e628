"""Self-test of the harness: the echo bot runs as a subprocess against the fake Discord server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from discord import Permissions

from tests.e2e.conftest import ECHO_BOT, _report
from tests.fakediscord import BotProcess, FakeDiscord, Overwrite

pytestmark = pytest.mark.e2e


@pytest.fixture
def bot_command() -> list[str]:
    """Run the echo bot instead of the real bot."""
    return [sys.executable, str(ECHO_BOT)]


@pytest.fixture
def bot_database_url(tmp_path: Path) -> str:
    """The echo bot has no database; do not parametrize over back ends."""
    return f"sqlite+aiosqlite:///{tmp_path}/unused.db"


async def test_echo_round_trip(discord_world: FakeDiscord, bot: BotProcess) -> None:
    alice = discord_world.guild.add_member("Alice")
    reply = await alice.run("/echo", text="hi there")
    assert reply.text == "hi there"
    assert not reply.ephemeral
    assert discord_world.guild.channel_named("general").last_message is reply.message


@pytest.mark.alone  # it asserts how long an answer took
async def test_components_modal_and_autocomplete_through_the_process(
    discord_world: FakeDiscord, bot: BotProcess
) -> None:
    alice = discord_world.guild.add_member("Alice")
    bob = discord_world.guild.add_member("Bob")
    panel = (await alice.run("/panel")).message
    assert panel is not None
    assert panel.buttons == ["Ping", "Form", "Bump"]
    pong = await bob.click(panel, "Ping")
    assert pong.text == "pong"
    assert pong.ephemeral
    assert bob.ephemeral_messages == [pong.message]
    fruit = await bob.select(panel, ["pear"], "Pick a fruit")
    assert fruit.text == "fruit pear"
    person = await bob.select(panel, [alice], "Pick a person")
    assert person.text == "person Alice"
    form = await bob.click(panel, "Form")
    assert form.modal_title == "Introduce yourself"
    hello = await bob.submit_modal(form, {"Your name": "Bob B"})
    assert hello.text == "hello Bob B"
    bumped = await bob.click(panel, "Bump")
    assert bumped.callback_type == 7
    assert panel.content == "bumped"
    assert await alice.autocomplete("/fruit", "name", "Ap") == [
        {"name": "Apple", "value": "Apple"},
        {"name": "Apricot", "value": "Apricot"},
    ]
    picked = await alice.run(
        "/admin set pick",
        member=bob,
        channel=discord_world.guild.channel_named("general"),
        role=discord_world.guild.everyone,
    )
    assert picked.text == "picked Bob in #general as @everyone"
    slow = await alice.run("/slow", ephemeral=True)
    assert slow.deferred
    assert slow.ephemeral
    assert slow.text == "done slowly"
    assert slow.latency is not None
    assert slow.latency < 1.0


async def test_a_rest_calls_answer_is_timed_on_the_interactions_clock(
    discord_world: FakeDiscord, bot: BotProcess
) -> None:
    alice = discord_world.guild.add_member("Alice")
    channel = discord_world.guild.channel_named("general")
    record = await discord_world.interactions.send_command(alice, "say", {"channel": channel, "text": "hi"}, None)
    reply = await discord_world.interactions.wait(record, 10.0)
    assert reply.text == "said"
    (posted,) = discord_world.requests_to("POST /channels/*/messages")
    assert record.callback_at is not None
    assert record.dispatched_at < discord_world.answered_at(posted) < record.callback_at


async def test_restart_keeps_commands_and_persistent_views(discord_world: FakeDiscord, bot: BotProcess) -> None:
    alice = discord_world.guild.add_member("Alice")
    panel = (await alice.run("/panel")).message
    assert panel is not None
    syncs = len(discord_world.requests_to("PUT /applications/{application_id}/commands"))
    await bot.kill()
    await bot.start()
    assert len(discord_world.requests_to("PUT /applications/{application_id}/commands")) == syncs == 1
    assert discord_world.identify_count == 2
    assert (await alice.click(panel, "Ping")).text == "pong"


async def test_real_discord_refusals_reach_the_bot(discord_world: FakeDiscord, bot: BotProcess) -> None:
    guild = discord_world.guild
    alice = guild.add_member("Alice")
    shy = guild.add_member("Shy", dms_open=False)
    assert (await alice.run("/dm", member=alice)).text == "sent"
    assert [m.content for m in alice.dms] == ["a private word"]
    assert (await alice.run("/dm", member=shy)).text == "cannot dm (50007)"
    created = await alice.run("/admin private", name="Set A", member=alice)
    channel = guild.channel_named("set-a")
    assert created.text == f"created {channel.mention}"
    assert guild.can(alice, "send_messages", channel)
    assert not guild.can(shy, "view_channel", channel)
    discord_world.set_bot_permissions(Permissions(view_channel=True, send_messages=True))
    refused = await alice.run("/admin private", name="Set B", member=alice)
    assert refused.text == "cannot create (50013)"
    assert not guild.has_channel("set-b")
    hidden = guild.add_channel("hidden", overwrites=[Overwrite(guild.id, 0, deny=Permissions(view_channel=True).value)])
    assert (await alice.run("/say", channel=hidden, text="hi")).text == "forbidden (50001)"


@pytest.mark.alone  # it asserts how long an answer took
async def test_deadline_and_faults_through_the_process(discord_world: FakeDiscord, bot: BotProcess) -> None:
    alice = discord_world.guild.add_member("Alice")
    discord_world.faults.server_error("POST /interactions/*", count=1, status=500)
    discord_world.faults.rate_limit("POST /interactions/*", count=1, retry_after=0.1)
    reply = await alice.run("/echo", text="through faults")
    assert reply.text == "through faults"
    assert [r.status for r in discord_world.requests_to("POST /interactions/*")] == [500, 429, 200]
    assert reply.latency is not None
    assert 1.0 < reply.latency < 3.0
    discord_world.faults.interaction_deadline = 0.3
    discord_world.faults.fail_on_late_callback = False
    late = await alice.run("/late", seconds=0.6, within=3.0)
    assert late.record.late
    assert late.message is None
    assert "late answer refused: 10062" in bot.stderr


async def test_gateway_resume_with_the_process(discord_world: FakeDiscord, bot: BotProcess) -> None:
    await discord_world.drop_gateway()
    alice = discord_world.guild.add_member("Alice")
    reply = await alice.run("/echo", text="after resume")
    assert reply.text == "after resume"
    assert discord_world.session is not None
    assert discord_world.session.resumes == 1
    await discord_world.drop_gateway(resumable=False)
    reply = await alice.run("/echo", text="after re-identify", within=15.0)
    assert reply.text == "after re-identify"
    assert discord_world.identify_count == 2


async def test_problems_are_reported(discord_world: FakeDiscord) -> None:
    discord_world.failures.append("unimplemented route: GET /api/v10/x")
    report = _report(discord_world, None)
    assert report is not None
    assert "unimplemented route" in report
    discord_world.failures.clear()
    assert _report(discord_world, None) is None
