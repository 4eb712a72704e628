"""Encryption at rest, on the real databases: the outbox holds no plaintext, and a row no key can read is no crash."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.app import Services
from bot.db.crypto import Cipher
from bot.db.engine import Database
from bot.db.outbox import EFFECT_LEASE
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import FixedClock
from bot.domain.effects import Notify
from bot.services.effects import EffectService
from bot.services.groups import GroupService
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.service.helpers import FAC, FACILITATOR, GUILD, TEXT, add_members, make_group

MARKER = "Zebracorn Circle"
"""A group name that appears nowhere else, so that finding it means finding plaintext."""
LOST_KEY = "LpCmYIJdLe1rV8XNm-t5wRCPlMTQfGzdFQnkx2Pyj2U="


async def _raw_payloads(database: Database) -> list[str]:
    """The payload column as stored, read with the plain driver (no SQLAlchemy, no cipher)."""
    url = make_url(database.url)
    if database.sqlite:
        connection = sqlite3.connect(str(url.database))
        try:
            return [str(row[0]) for row in connection.execute("SELECT payload FROM pending_effects")]
        finally:
            connection.close()
    pg = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        return [str(row[0]) for row in await pg.fetch("SELECT payload::text FROM pending_effects")]
    finally:
        await pg.close()


@pytest.fixture
async def lost_key_database(database: Database) -> AsyncIterator[Database]:
    """The same database opened with another key, as by a bot whose key was since lost or replaced."""
    other = Database(database.url, cipher=Cipher([LOST_KEY]))
    yield other
    await other.dispose()


async def _queue_welcome_with_lost_key(lost_key_database: Database, clock: FixedClock, group_id: int) -> int:
    notice = {"kind": "group.welcome", "group": MARKER, "facilitator_id": FACILITATOR}
    payload = {"group_id": group_id, "channel_id": TEXT, "notice": notice, "edit_message_id": None}
    async with UnitOfWorkFactory(lost_key_database, clock)() as unit:
        row = {"guild_id": GUILD, "group_id": group_id, "kind": "notify", "payload": payload, "created_at": clock.now()}
        (effect_id,) = await unit.effects.add_all([{**row, "attempts": 0}])
        await unit.commit()
        return effect_id


async def test_a_queued_post_is_stored_encrypted(
    groups: GroupService, effects: EffectService, database: Database
) -> None:
    await make_group(groups, MARKER)
    posts = [item.effect for item in await effects.pending([GUILD]) if isinstance(item.effect, Notify)]
    assert any(getattr(post.notice, "group", None) == MARKER for post in posts), "the welcome quotes the name"
    stored = await _raw_payloads(database)
    assert stored
    assert not [payload for payload in stored if MARKER in payload]


async def test_an_effect_no_key_can_read_is_left_aside_and_logged_without_its_content(
    groups: GroupService,
    effects: EffectService,
    clock: FixedClock,
    lost_key_database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    group = await make_group(groups, "Set A")
    lost = await _queue_welcome_with_lost_key(lost_key_database, clock, group.id)
    clock.moment += EFFECT_LEASE + timedelta(seconds=1)
    # As at start-up: effects left by an earlier process, taken over.
    claimed = await effects.claim([GUILD], created_before=clock.now())
    assert lost not in [item.id for item in claimed]
    assert len(claimed) == 1, "the group's own welcome is still carried out"
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING and r.__dict__.get("effect_id") == lost]
    assert record.__dict__["reason"] == "no configured key decrypts it"
    assert lost not in [item.id for item in await effects.pending([GUILD])]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert MARKER not in logged


async def test_an_effect_left_aside_is_read_again_once_its_key_is_given_back(
    groups: GroupService, database: Database, clock: FixedClock, lost_key_database: Database
) -> None:
    group = await make_group(groups, "Set A")
    lost = await _queue_welcome_with_lost_key(lost_key_database, clock, group.id)
    restored = Database(database.url, cipher=Cipher([TEST_ENCRYPTION_KEY, LOST_KEY]))
    try:
        pending = await EffectService(UnitOfWorkFactory(restored, clock), clock).pending([GUILD])
    finally:
        await restored.dispose()
    (item,) = [item for item in pending if item.id == lost]
    assert isinstance(item.effect, Notify)
    assert getattr(item.effect.notice, "group", None) == MARKER


async def _every_row_as_text(database: Database) -> list[str]:
    """Every row of every table, as the plain driver reads it; on SQLite also the database and WAL files' bytes."""
    url = make_url(database.url)
    if database.sqlite:
        connection = sqlite3.connect(str(url.database))
        try:
            tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            rows = [repr(row) for table in tables for row in connection.execute(f'SELECT * FROM "{table}"')]  # noqa: S608
        finally:
            connection.close()
        files = [Path(str(url.database)), Path(f"{url.database}-wal")]
        return rows + [path.read_bytes().decode("latin-1") for path in files if path.exists()]
    pg = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        tables = [row[0] for row in await pg.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return [str(row[0]) for table in tables for row in await pg.fetch(f'SELECT t::text FROM "{table}" t')]  # noqa: S608
    finally:
        await pg.close()


async def test_no_bid_text_is_stored_in_plain_anywhere(
    groups: GroupService, services: Services, database: Database
) -> None:
    title, help_wanted = "Quokkabridge dilemma", "Marmotfeather budget help"
    group = await make_group(groups, "Set A")
    await add_members(groups, group, 21, 22, 23)
    votes = services.votes
    mine = (await votes.put_in(GUILD, 21, group.id, title, help_wanted)).value.bid
    other = (await votes.put_in(GUILD, 22, group.id, "Second issue", "")).value.bid
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    await votes.cast_ballot(GUILD, 23, vote.id, [mine.id, other.id])
    await votes.withdraw_bid(GUILD, 21, mine.id)  # queues a direct message that quotes the title
    await votes.put_in(GUILD, 21, group.id, title, help_wanted)
    assert (await votes.board(GUILD, 21, group.id, None)).bids[-1].help == help_wanted  # readable through the key
    stored = await _every_row_as_text(database)
    assert stored
    for secret in (title, help_wanted, "Quokkabridge", "Marmotfeather"):
        assert not [text for text in stored if secret in text], secret


async def test_a_database_knows_the_key_it_was_written_with(services: Services) -> None:
    assert await services.state.key_reads_this_database(Cipher([TEST_ENCRYPTION_KEY]))
    assert await services.state.key_reads_this_database(Cipher([TEST_ENCRYPTION_KEY]))
    # A lost key replaced by a new one is caught, not met later as bids nobody can read.
    assert not await services.state.key_reads_this_database(Cipher([LOST_KEY]))
    # A rotated key list (new key first, the old one kept) still reads it.
    assert await services.state.key_reads_this_database(Cipher([LOST_KEY, TEST_ENCRYPTION_KEY]))
