"""Shards on one database: each process claims only its own guilds' due work and effects, whatever it asks for."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any
from unittest.mock import ANY

import pytest
from discord.ext import commands

from bot.app import Services, ShardedSetkeeper
from bot.bootstrap import build_bot, build_services
from bot.config import Settings
from bot.db.engine import Database
from bot.db.identify_lock import IdentifyTurns
from bot.db.outbox import EFFECT_LEASE
from bot.db.wake import WakeUps
from bot.domain.clock import FixedClock
from bot.domain.due import DueKey
from bot.domain.shards import Shards
from bot.services.due import LEASE
from bot.services.retention import FORGET_SERVER, OPERATOR_GUILD
from tests.cogs.test_applier import _applier, _client
from tests.service.helpers import FAC, make_group
from tests.unit.test_config import GOOD_TOKEN

ON_SHARD_0 = (1_000 << 22) + 7  # (id >> 22) % 2 == 0
ON_SHARD_1 = (1_001 << 22) + 7  # (id >> 22) % 2 == 1
FIRST, SECOND = Shards(2, (0,), sharded=True), Shards(2, (1,), sharded=True)
EVERY_GUILD = [OPERATOR_GUILD, ON_SHARD_0, ON_SHARD_1]


def _process(database: Database, clock: FixedClock, name: str, shards: Shards) -> Services:
    """The services of one process (its own units of work, as a process has) serving `shards`."""
    return build_services(database, clock, f"{name}-life", owner=name, shards=shards)


@pytest.fixture
def first(database: Database, clock: FixedClock) -> Services:
    """The process serving shard 0 of 2 (and so the bot's own work, guild 0)."""
    return _process(database, clock, "first", FIRST)


@pytest.fixture
def second(database: Database, clock: FixedClock) -> Services:
    """The process serving shard 1 of 2."""
    return _process(database, clock, "second", SECOND)


async def _due_everywhere(services: Services, clock: FixedClock) -> None:
    for guild_id in EVERY_GUILD:
        await services.due.schedule(guild_id, DueKey(f"subject:{guild_id}", "reminder", clock.now()))


async def test_each_process_claims_only_its_own_guilds_due_work_even_when_it_names_every_guild(
    first: Services, second: Services, clock: FixedClock
) -> None:
    await _due_everywhere(first, clock)
    mine = {item.guild_id for item in await first.due.claim(EVERY_GUILD)}
    theirs = {item.guild_id for item in await second.due.claim(EVERY_GUILD)}
    assert mine == {OPERATOR_GUILD, ON_SHARD_0}, "shard 0's process also does the bot's own work (guild 0)"
    assert theirs == {ON_SHARD_1}


async def test_a_process_is_never_woken_for_another_process_guilds_work(
    first: Services, second: Services, clock: FixedClock
) -> None:
    await second.due.schedule(ON_SHARD_1, DueKey("theirs", "reminder", clock.now() + timedelta(minutes=5)))
    assert await first.due.next_due(EVERY_GUILD) is None
    assert await second.due.next_due(EVERY_GUILD) == clock.now() + timedelta(minutes=5)


async def test_work_a_killed_holder_of_these_shards_left_claimed_is_taken_back_by_whoever_holds_them_next(
    database: Database, first: Services, second: Services, clock: FixedClock
) -> None:
    await _due_everywhere(first, clock)
    await first.due.claim(EVERY_GUILD)  # then killed: its claims' leases run for two minutes
    await second.due.claim(EVERY_GUILD)  # alive, on the other shard
    standby = _process(database, clock, "standby", FIRST)
    assert await standby.due.claim(EVERY_GUILD) == [], "before it holds the shards' locks, the claims are respected"
    standby.due.shards_held()
    assert await standby.due.take_back() == 2
    assert {item.guild_id for item in await standby.due.claim(EVERY_GUILD)} == {OPERATOR_GUILD, ON_SHARD_0}
    clock.moment += LEASE / 2
    assert await second.due.claim(EVERY_GUILD) == [], "the live process's claim on its own shard was left alone"


async def test_each_process_claims_only_its_own_guilds_effects(
    first: Services, second: Services, clock: FixedClock
) -> None:
    group_0 = await make_group(first.groups, guild=ON_SHARD_0, text=901)
    group_1 = await make_group(first.groups, guild=ON_SHARD_1, text=902)
    queued_0 = await first.groups.add_member(ON_SHARD_0, FAC, group_0.id, 20)
    queued_1 = await first.groups.add_member(ON_SHARD_1, FAC, group_1.id, 20)
    clock.moment += EFFECT_LEASE + timedelta(seconds=1)  # nobody holds them any more (a sweep's view)
    both = [ON_SHARD_0, ON_SHARD_1]
    theirs, mine = await second.effects.claim(both), await first.effects.claim(both)
    assert {item.guild_id for item in theirs} == {ON_SHARD_1}
    assert {item.guild_id for item in mine} == {ON_SHARD_0}
    assert {item.id for item in queued_1.effects} <= {item.id for item in theirs}
    assert {item.id for item in queued_0.effects} <= {item.id for item in mine}
    assert {item.guild_id for item in await first.effects.pending(both)} == {ON_SHARD_0}


async def test_at_start_up_a_process_replays_only_its_own_guilds_effects(
    first: Services, second: Services, clock: FixedClock
) -> None:
    group_1 = await make_group(first.groups, guild=ON_SHARD_1, text=902)
    queued = await first.groups.add_member(ON_SHARD_1, FAC, group_1.id, 20)  # then killed
    started = clock.now() + timedelta(seconds=1)
    clock.moment = started
    both = [ON_SHARD_0, ON_SHARD_1]
    assert await first.effects.claim(both, created_before=started) == []
    taken = await second.effects.claim(both, created_before=started)
    assert {item.id for item in queued.effects} <= {item.id for item in taken}


async def test_the_applier_refuses_another_process_guilds_effects_which_are_stored_free_for_their_owner(
    first: Services, second: Services, caplog: pytest.LogCaptureFixture
) -> None:
    group_1 = await make_group(first.groups, guild=ON_SHARD_1, text=902)
    # A decision made by shard 0's process for a guild of shard 1 (a click in a direct message reaches shard 0).
    queued = await first.groups.add_member(ON_SHARD_1, FAC, group_1.id, 20)
    client: Any = _client()
    with caplog.at_level(logging.INFO, logger="bot.ui.applier"):
        failed = await _applier(client, first.effects, first.groups).apply(queued.effects)
    assert failed == []
    client.http.edit_channel_permissions.assert_not_awaited()
    client.get_partial_messageable.return_value.send.assert_not_awaited()
    assert [r.getMessage() for r in caplog.records].count("effect left to the process that owns its guild") == len(
        queued.effects
    )
    # Not lost: freed at once (no lease to wait out), the owner's sweep takes them.
    taken = await second.effects.claim([ON_SHARD_1], effect_ids=[item.id for item in queued.effects])
    assert {item.id for item in taken} == {item.id for item in queued.effects}
    owner: Any = _client()
    assert await _applier(owner, second.effects, second.groups).apply(taken) == []
    owner.http.edit_channel_permissions.assert_awaited()
    left = {item.id for item in await second.effects.pending([ON_SHARD_1])}
    assert not left & {item.id for item in queued.effects}, "carried out once, by the owner"


async def test_a_process_plans_no_erasure_for_servers_another_process_serves(first: Services) -> None:
    await make_group(first.groups, guild=ON_SHARD_0, text=901)
    await make_group(first.groups, guild=ON_SHARD_1, text=902)
    # Shard 0's process is in none of its servers: only its own is taken to have removed the bot.
    planned = await first.retention.notice_departures([])
    assert set(planned) == {ON_SHARD_0}
    assert all(key.kind == FORGET_SERVER for key in planned.values())


async def test_an_effect_queued_for_another_process_guild_wakes_its_owner_who_carries_it_out_within_a_second(
    backend: str, migrated_database_url: str, first: Services, second: Services
) -> None:
    if backend != "postgresql":
        pytest.skip("the wake-up is PostgreSQL's NOTIFY; on SQLite there is one process")
    group_1 = await make_group(first.groups, guild=ON_SHARD_1, text=902)
    owner: Any = _client()
    owner_applier = _applier(owner, second.effects, second.groups)
    carried_out: list[int] = []
    sweeps: set[asyncio.Task[None]] = set()

    async def sweep(guild_id: int) -> None:
        carried_out.append(await owner_applier.sweep([guild_id]))

    def woken(guild_id: int) -> None:
        task = asyncio.get_running_loop().create_task(sweep(guild_id))
        sweeps.add(task)

    listening = WakeUps(migrated_database_url)
    await listening.listen(woken)
    try:
        queued_at = time.monotonic()
        # Shard 0's process decides for shard 1's guild (a click in a direct message), then leaves the effects.
        queued = await first.groups.add_member(ON_SHARD_1, FAC, group_1.id, 20)
        assert await _applier(_client(), first.effects, first.groups).apply(queued.effects) == []
        mine = {item.id for item in queued.effects}
        while mine & {item.id for item in await second.effects.pending([ON_SHARD_1])}:
            assert time.monotonic() - queued_at < 1.0, "the owner carried them out within a second, not at a sweep"
            await asyncio.sleep(0.02)
        assert sum(carried_out) >= len(mine)
        owner.http.edit_channel_permissions.assert_awaited_once_with(902, 20, ANY, ANY, 1, reason="Setkeeper: access")
    finally:
        await listening.close()
        await asyncio.gather(*sweeps, return_exceptions=True)


def _settings(**shards: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, discord_token=GOOD_TOKEN, database_url="postgresql+asyncpg://db/setkeeper", **shards
    )


async def test_the_sharded_bot_connects_its_shards_and_reconciles_only_their_guilds(services: Services) -> None:
    bot = build_bot(_settings(shard_count=2, shard_ids="0"), services)
    assert isinstance(bot, commands.AutoShardedBot)
    assert (bot.shard_count, bot.shard_ids) == (2, [0])
    await bot.reconcile([ON_SHARD_0, ON_SHARD_1])
    assert bot._reconciled == {ON_SHARD_0}, "floors, mutes, Stage and reminders of shard 1 are its process's"
    assert list(bot.due._guild_ids()) == [OPERATOR_GUILD, ON_SHARD_0]


async def test_a_bot_that_is_not_sharded_is_the_plain_bot_serving_every_guild(services: Services) -> None:
    bot = build_bot(_settings(), services)
    assert not isinstance(bot, commands.AutoShardedBot)
    assert bot.shard_count is None
    await bot.reconcile([ON_SHARD_0, ON_SHARD_1])
    assert list(bot.due._guild_ids()) == [OPERATOR_GUILD, ON_SHARD_0, ON_SHARD_1]
    await bot.close()


WINDOW = 0.6
"""The IDENTIFY window in these tests (Discord's is 5 s)."""


async def _identify_times(migrated_database_url: str, services: Services, max_concurrency: int) -> tuple[float, float]:
    """Shard 0's process and shard 1's IDENTIFY at the same moment: when each hook let its IDENTIFY go."""
    bots = [build_bot(_settings(shard_count=2, shard_ids=str(shard)), services) for shard in (0, 1)]
    started = time.monotonic()
    try:

        async def identify(bot: Any, shard: int) -> float:
            assert isinstance(bot, ShardedSetkeeper)
            bot.identify_turns = IdentifyTurns(migrated_database_url, "application", WINDOW)  # a process's own
            bot.identify_concurrency = max_concurrency
            await bot.before_identify_hook(shard, initial=True)
            return time.monotonic() - started

        first_at, second_at = sorted(await asyncio.gather(*(identify(bot, shard) for shard, bot in enumerate(bots))))
        return first_at, second_at
    finally:
        for bot in bots:
            assert isinstance(bot, ShardedSetkeeper)
            if bot.identify_turns is not None:
                await bot.identify_turns.close()


async def test_two_processes_identify_in_one_bucket_a_window_apart(
    backend: str, migrated_database_url: str, services: Services
) -> None:
    if backend != "postgresql":
        pytest.skip("the IDENTIFY turns are PostgreSQL's advisory locks; on SQLite there is one process")
    first_at, second_at = await _identify_times(migrated_database_url, services, max_concurrency=1)
    assert second_at - first_at >= WINDOW * 0.95, f"two IDENTIFYs in one bucket {second_at - first_at:.2f} s apart"


async def test_two_processes_identify_in_two_buckets_at_once(
    backend: str, migrated_database_url: str, services: Services
) -> None:
    if backend != "postgresql":
        pytest.skip("the IDENTIFY turns are PostgreSQL's advisory locks; on SQLite there is one process")
    _, second_at = await _identify_times(migrated_database_url, services, max_concurrency=2)
    assert second_at < WINDOW / 2, f"shards 0 and 1 are in buckets 0 and 1 of 2: the second waited {second_at:.2f} s"
