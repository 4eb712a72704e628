"""A group's schedule end to end: the reply, /group info, and the Discord scheduled event for the next meeting."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.e2e.test_groups_e2e import _group_of, wait_for, world
from tests.fakediscord import BotProcess, FakeDiscord

pytestmark = pytest.mark.e2e
__all__ = ["world"]  # the fixture: the bot's role holds exactly the README's invite permissions

LONDON = ZoneInfo("Europe/London")
EXTERNAL, VOICE_EVENT = 3, 2


def _timestamp(text: str) -> datetime:
    """The instant a reply's `<t:…:F>` timestamp shows, checked to come with its relative `<t:…:R>` twin."""
    found = re.search(r"<t:(\d+):F> \(<t:(\d+):R>\)", text)
    assert found is not None, text
    assert found[1] == found[2]
    return datetime.fromtimestamp(int(found[1]), UTC)


def _start(world: FakeDiscord) -> datetime:
    (event,) = world.guild.scheduled_events
    return datetime.fromisoformat(str(event.data["scheduled_start_time"]))


async def test_the_next_meeting_is_one_discord_event_that_follows_the_schedule(
    world: FakeDiscord, bot: BotProcess
) -> None:
    guild = world.guild
    fran, members = await _group_of(world, 2)
    channel = guild.channel_named("set-a")

    for kind in ("monthly", "weekly", "monthly-day", "once"):
        zones = await fran.autocomplete(f"/group schedule {kind}", "zone", "london", in_channel=channel)
        assert zones[0]["value"] == "Europe/London"
    options = {"which": "first", "weekday": "Tuesday", "time": "18:30"}
    reply = await fran.run("/group schedule monthly", in_channel=channel, zone="Europe/London", **options)
    assert reply.ephemeral
    assert "Monthly on the first Tuesday at 18:30, Europe/London" in reply.text
    meeting = _timestamp(reply.text)
    local = meeting.astimezone(LONDON)
    assert (local.weekday(), local.day <= 7, local.hour, local.minute) == (1, True, 18, 30)
    assert datetime.now(UTC) < meeting < datetime.now(UTC) + timedelta(days=36)

    info = await members[0].run("/group info", in_channel=channel)
    assert "Monthly on the first Tuesday at 18:30, Europe/London" in info.text
    assert _timestamp(info.text) == meeting

    await wait_for(lambda: len(guild.scheduled_events) == 1)
    (event,) = guild.scheduled_events
    assert _start(world) == meeting
    assert event.data["entity_type"] == EXTERNAL
    assert event.data["entity_metadata"] == {"location": "#set-a"}
    assert event.name == "Set A meeting"

    moved = await fran.run(
        "/group schedule monthly", in_channel=channel, zone="Europe/London", **{**options, "which": "last"}
    )
    later = _timestamp(moved.text)
    assert later.astimezone(LONDON).day > 21
    await wait_for(lambda: _start(world) == later)
    assert [e.id for e in guild.scheduled_events] == [event.id], "the same event moves; no second one"

    cleared = await fran.run("/group schedule clear", in_channel=channel)
    assert "has no schedule now" in cleared.text
    await wait_for(lambda: not guild.scheduled_events)
    info = await members[0].run("/group info", in_channel=channel)
    assert "No schedule yet (`/group schedule monthly` or `/group schedule weekly`)" in info.text


async def test_a_group_with_a_voice_channel_meets_there(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    await admin.run("/groupadmin create", name="Set V", facilitator=fran, voice="voice")
    channel = guild.channel_named("set-v")
    await fran.run(
        "/group schedule weekly",
        in_channel=channel,
        weeks=6,
        first="2026-01-06",
        time="18:00",
        zone="Europe/Paris",
    )
    await wait_for(lambda: len(guild.scheduled_events) == 1)
    (event,) = guild.scheduled_events
    assert event.channel_id is not None
    assert event.data["entity_type"] == VOICE_EVENT
    assert guild.channels[event.channel_id].type == VOICE_EVENT  # a voice channel's type is 2 too


async def test_without_manage_events_the_schedule_is_kept_and_the_reply_says_why_no_event(
    world: FakeDiscord, bot: BotProcess
) -> None:
    guild = world.guild
    fran, _ = await _group_of(world, 0)
    (role,) = guild.me.roles
    lacking = Permissions(BOT_PERMISSIONS.value)
    lacking.manage_events = False
    guild.set_role_permissions(role, lacking)
    channel = guild.channel_named("set-a")
    reply = await fran.run("/group schedule monthly-day", in_channel=channel, day=1, time="09:00", zone="UTC")
    assert "Schedule saved" in reply.text
    assert "Manage Events permission" in reply.text
    assert "Once a server manager gives it to me, run `/group schedule monthly-day` again." in reply.text
    assert not guild.scheduled_events
