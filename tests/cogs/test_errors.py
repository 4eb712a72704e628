"""One error handler: member-facing errors are shown as written, anything else is an apology and a log line."""

from __future__ import annotations

import logging
from unittest.mock import create_autospec

import discord
import pytest
from discord import app_commands

from bot.domain.errors import GroupFullError
from bot.ui.errors import APOLOGY, handle_interaction_error
from bot.ui.replies import reply
from tests.cogs.fakes import guild, interaction, member, sent


async def _probe(interaction: discord.Interaction) -> None:
    """A command for errors to come from."""


PROBE = app_commands.Command(name="probe", description="probe", callback=_probe)


def _response(status: int) -> object:
    fake = create_autospec(discord.Interaction, instance=True)  # any object with status/reason works
    fake.status, fake.reason = status, "x"
    return fake


async def test_a_user_facing_error_is_shown_ephemerally_as_written() -> None:
    fake = interaction(member(5), guild(1))
    await handle_interaction_error(fake, app_commands.CommandInvokeError(PROBE, GroupFullError("Set A is full.")))
    (answer,) = sent(fake)
    assert (answer["content"], answer["ephemeral"]) == ("Set A is full.", True)
    assert answer["allowed_mentions"].to_dict() == {"parse": []}


async def test_a_missing_member_permission_is_named() -> None:
    fake = interaction(member(5), guild(1))
    await handle_interaction_error(fake, app_commands.MissingPermissions(["manage_guild"]))
    assert sent(fake)[0]["content"] == "You need the Manage Server permission to use this command."


async def test_a_missing_bot_permission_is_named_with_what_to_do() -> None:
    fake = interaction(member(5), guild(1))
    await handle_interaction_error(fake, app_commands.BotMissingPermissions(["manage_channels", "manage_roles"]))
    message = sent(fake)[0]["content"]
    assert "Manage Channels and Manage Roles permissions" in message
    assert "Ask a server admin" in message


async def test_an_unexpected_error_is_logged_without_member_text_and_apologised_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = interaction(member(5), guild(1))
    written_by_a_member = "my secret issue about my manager"
    try:
        raise ValueError(f"could not parse {written_by_a_member!r}")
    except ValueError as raised:
        error = raised
    with caplog.at_level(logging.ERROR):
        await handle_interaction_error(fake, app_commands.CommandInvokeError(PROBE, error))
    assert sent(fake)[0]["content"] == str(APOLOGY)
    (record,) = caplog.records
    assert (record.guild_id, record.user_id, record.error) == (1, 5, "ValueError")  # type: ignore[attr-defined]
    assert "Traceback (most recent call last)" in caplog.text
    assert "test_errors.py" in caplog.text
    assert "my secret issue" not in caplog.text


async def test_a_deferred_interaction_is_answered_with_a_follow_up() -> None:
    fake = interaction(member(5), guild(1))
    await fake.response.defer(ephemeral=True, thinking=True)
    await reply(fake, "done")
    fake.followup.send.assert_awaited_once()
    fake.response.send_message.assert_not_awaited()


async def test_an_interaction_the_local_clock_calls_expired_is_still_answered() -> None:
    fake = interaction(member(5), guild(1))
    fake.is_expired.return_value = True  # a local clock minutes ahead of Discord's says so of every interaction
    await reply(fake, "in time after all")
    assert sent(fake)[0]["content"] == "in time after all"


async def test_discord_saying_an_interaction_expired_is_logged_as_such_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = interaction(member(5), guild(1))
    fake.response.send_message.side_effect = discord.NotFound(_response(404), {"code": 10062, "message": "Unknown"})
    await reply(fake, "too late")
    assert "interaction expired, Discord says" in caplog.text


async def test_discord_refusing_the_reply_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    fake = interaction(member(5), guild(1))
    fake.response.send_message.side_effect = discord.Forbidden(_response(403), {"code": 50013, "message": "Missing"})
    await reply(fake, "hello")
    assert "reply refused by Discord" in caplog.text


async def test_a_rate_limit_is_said_as_what_to_do_not_as_discord_works() -> None:
    fake = interaction(member(5), guild(1))
    await handle_interaction_error(fake, app_commands.CommandInvokeError(PROBE, discord.RateLimited(30.0)))
    (answer,) = sent(fake)
    assert answer["content"] == "Too much is happening at once right now. Please try again in a minute."
