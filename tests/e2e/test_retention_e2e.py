"""A server's data after the bot is removed from it: erased 30 days on, kept if the bot is invited back in time.

The real bot process against the fake Discord; the database is read raw, table by table, as the bot left it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from discord import Permissions
from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.models import Base
from bot.domain.retention import SERVER_GRACE
from bot.ui.access import BOT_PERMISSIONS
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_meeting_e2e import world
from tests.e2e.test_votes_e2e import put_in
from tests.fakediscord import BotProcess, FakeDiscord, Guild, Member

__all__ = ["world"]  # the fake with the README's invite permissions

pytestmark = pytest.mark.e2e

GONE_BID, GONE_ACTION = "Quagga budget at work", "Ask the Wombat team"
KEPT_BID = "Tapir hiring plan"
BOOKKEEPING = {"due_work", "bot_state", "pending_effects"}
"""The bot's own work, state and queue of effects on Discord: they change as time passes whatever a server's fate."""
MOVING = {"reminded"}
"""Columns that change as time passes (the reminders a group was sent), left out of the comparison."""
ERASED = "server's data erased"

Rows = dict[str, set[tuple[str, ...]]]


async def _rows(url: str) -> Rows:
    """Every row of every table, raw (encrypted columns as stored), as tuples of text."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            found: Rows = {}
            for model in Base.metadata.sorted_tables:
                names = [c.name for c in model.c]
                # Untyped columns: the values as stored, never decrypted.
                result = await connection.execute(select(*map(column, names)).select_from(table(model.name)))
                found[model.name] = {
                    tuple(f"{name}={value}" for name, value in zip(names, row, strict=True) if name not in MOVING)
                    for row in result
                }
            return found
    finally:
        await engine.dispose()


def _naming(rows: Rows, guild_id: int) -> list[tuple[str, tuple[str, ...]]]:
    """Rows that hold the guild's id (as a column, or inside a key such as `dms-closed:<guild>:<user>`)."""
    return [(name, row) for name, table in rows.items() for row in table if any(str(guild_id) in v for v in row)]


def _shared(rows: Rows) -> Rows:
    """The rows that belong to servers, not to the bot's own bookkeeping."""
    return {name: table for name, table in rows.items() if name not in BOOKKEEPING}


async def _kept_server(world: FakeDiscord) -> tuple[Guild, Member]:
    """Another server, with its own Set A and a bid in it: nothing here may change."""
    kept = world.create_guild(
        "Kept Guild", bot_permissions=Permissions(BOT_PERMISSIONS.value | Permissions(mention_everyone=True).value)
    )
    await world.settle()
    _, (kim,) = await _group_of(world, 1, guild=kept)
    await put_in(kim, kept.channel_named("set-a"), KEPT_BID, "Ideas")
    return kept, kim


async def _gone_server(world: FakeDiscord) -> tuple[Member, Member]:
    """The default server's Set A: Alice puts in a bid and sets an action, Bob puts in a bid."""
    _, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await put_in(alice, channel, GONE_BID, "Any advice")
    await put_in(bob, channel, "Bob's bid", "Ideas")
    added = await alice.run("/action add", text=GONE_ACTION, in_channel=channel)
    assert not added.text.startswith("Sorry"), added.text
    return alice, bob


async def _days_pass(world: FakeDiscord, bot: BotProcess, days: float) -> None:
    """Time passes for Discord and for the bot; what falls due is done before this returns."""
    world.move_clock(timedelta(days=days))
    await bot.move_clock(to=bot.now() + timedelta(days=days))
    await world.settle()


async def test_a_server_the_bot_was_removed_from_is_erased_after_thirty_days_and_no_other(
    world: FakeDiscord, bot: BotProcess, bot_database_url: str
) -> None:
    kept, kim = await _kept_server(world)
    only_kept = _shared(await _rows(bot_database_url))
    await _gone_server(world)
    before = await _rows(bot_database_url)
    assert _naming(before, world.guild.id), "the removed server had rows to erase"
    assert _naming(before, kept.id)

    await world.remove_bot(world.guild)
    await wait_for(lambda: "server's data to be erased" in bot.output)
    await _days_pass(world, bot, SERVER_GRACE.days - 1)
    assert ERASED not in bot.output, "still within the grace period"
    assert _shared(await _rows(bot_database_url)) == _shared(before)

    await _days_pass(world, bot, 2)
    await wait_for(lambda: ERASED in bot.output)
    after = await _rows(bot_database_url)
    assert _naming(after, world.guild.id) == []
    assert _shared(after) == only_kept, "every row of the removed server is gone; the other server's are as they were"
    listed = await kim.run("/bid list", in_channel=kept.channel_named("set-a"))
    assert KEPT_BID in listed.text
    assert bot.output.count(ERASED) == 1


async def test_a_server_that_invites_the_bot_back_within_the_grace_period_keeps_everything(
    world: FakeDiscord, bot: BotProcess, bot_database_url: str
) -> None:
    alice, _ = await _gone_server(world)
    before = _shared(await _rows(bot_database_url))

    await world.remove_bot(world.guild)
    await wait_for(lambda: "server's data to be erased" in bot.output)
    await _days_pass(world, bot, 10)
    await world.invite_bot(world.guild)
    await _days_pass(world, bot, SERVER_GRACE.days + 1)

    assert ERASED not in bot.output
    assert _shared(await _rows(bot_database_url)) == before
    listed = await alice.run("/bid list", in_channel=world.guild.channel_named("set-a"))
    assert GONE_BID in listed.text


async def test_a_server_that_removed_the_bot_while_it_was_down_is_found_at_start_up_and_erased_once(
    world: FakeDiscord, bot: BotProcess, bot_database_url: str
) -> None:
    await _kept_server(world)
    only_kept = _shared(await _rows(bot_database_url))
    await _gone_server(world)
    await bot.kill()
    await world.remove_bot(world.guild)
    await bot.start()
    await wait_for(lambda: "server's data to be erased" in bot.output)

    await _days_pass(world, bot, SERVER_GRACE.days + 1)
    await wait_for(lambda: ERASED in bot.output)
    after = await _rows(bot_database_url)
    assert _naming(after, world.guild.id) == []
    assert _shared(after) == only_kept
    await bot.restart()
    await _days_pass(world, bot, SERVER_GRACE.days + 1)
    assert bot.output.count(ERASED) == 1, "erased once, not again at the next start"
    assert bot.output.count("server's data to be erased") == 1
