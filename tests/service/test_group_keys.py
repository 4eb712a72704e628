"""Each group's own data key, on the real databases: words sealed with it, erased for good by destroying it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError

from bot.app import Services
from bot.db.crypto import ERASED, Cipher, GroupKeyDestroyedError, UnsealedGroupValueError
from bot.db.engine import Database
from bot.db.group_keys import destroy_group_key
from bot.db.models import Bid
from bot.db.uow import UnitOfWorkFactory
from bot.db.wake import WakeUps
from bot.domain.clock import FixedClock
from bot.services.effects import EffectService
from bot.services.groups import GroupService
from bot.services.state import BotStateService
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.service.helpers import FAC, GUILD, TEXT, add_members, make_group

NEW_KEY = "Vb4xM2J9cT1m7oCwqkXz0Qe3nYl8sHdPuGfRaBi5KjE="


async def _raw(database: Database, sql: str) -> list[tuple[Any, ...]]:
    """Rows as stored, read with the plain driver (no SQLAlchemy, no keys)."""
    url = make_url(database.url)
    if database.sqlite:
        connection = sqlite3.connect(str(url.database))
        try:
            return list(connection.execute(sql))
        finally:
            connection.close()
    pg = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        return [tuple(row) for row in await pg.fetch(sql)]
    finally:
        await pg.close()


async def _execute_raw(database: Database, sql: str, *args: object) -> None:
    url = make_url(database.url)
    if database.sqlite:
        connection = sqlite3.connect(str(url.database))
        try:
            connection.execute(sql.replace("$1", "?").replace("$2", "?"), args)
            connection.commit()
        finally:
            connection.close()
        return
    pg = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        await pg.execute(sql, *args)
    finally:
        await pg.close()


async def _two_groups_with_bids(groups: GroupService, services: Services) -> tuple[int, int]:
    first, second = await make_group(groups, "Set A"), await make_group(groups, "Set B", text=TEXT + 1)
    await add_members(groups, first, 21)
    await add_members(groups, second, 31)
    await services.votes.put_in(GUILD, 21, first.id, "Quokkabridge dilemma", "Marmotfeather budget")
    await services.votes.put_in(GUILD, 31, second.id, "Second set's issue", "its help")
    return first.id, second.id


async def _group_with_a_bid_from_before_group_keys(
    groups: GroupService, services: Services, database: Database, column: str
) -> int:
    """A group whose bid has `column` as a row written before 0018 holds it: sealed with the settings key alone."""
    first, _ = await _two_groups_with_bids(groups, services)
    legacy = Cipher([TEST_ENCRYPTION_KEY]).encrypt("Written before 0018")
    await _execute_raw(database, f"UPDATE bids SET {column} = $1 WHERE group_id = $2", legacy, first)  # noqa: S608
    return first


async def _destroy(uow: UnitOfWorkFactory, group_id: int) -> bool:
    async with uow() as unit:
        destroyed = await destroy_group_key(unit, group_id)
        await unit.commit()
    return destroyed


async def _titles(services: Services, user_id: int, group_id: int) -> list[str]:
    return [bid.title for bid in (await services.votes.board(GUILD, user_id, group_id, None)).bids]


async def test_a_groups_words_are_stored_under_its_own_key(
    groups: GroupService, services: Services, database: Database
) -> None:
    first, second = await _two_groups_with_bids(groups, services)
    stored = dict(await _raw(database, "SELECT group_id, title FROM bids"))
    assert stored[first].startswith(f"g{first}:")
    assert stored[second].startswith(f"g{second}:")
    keys = dict(await _raw(database, "SELECT group_id, wrapped FROM group_keys"))
    assert set(keys) == {first, second}
    assert "Quokkabridge" not in repr(keys)
    assert await _titles(services, 21, first) == ["Quokkabridge dilemma"]


async def test_destroying_a_groups_key_erases_its_words_and_no_other_groups(
    groups: GroupService, services: Services, database: Database, uow: UnitOfWorkFactory
) -> None:
    first, second = await _two_groups_with_bids(groups, services)
    (token,) = [title for (title,) in await _raw(database, f"SELECT title FROM bids WHERE group_id = {first}")]  # noqa: S608
    assert await _destroy(uow, first)
    assert await _titles(services, 21, first) == [ERASED]
    assert await _titles(services, 31, second) == ["Second set's issue"]
    # Another process (nothing cached) reads the same.
    other = Database(database.url, cipher=Cipher([TEST_ENCRYPTION_KEY]))
    try:
        async with UnitOfWorkFactory(other)(write=False) as unit:
            (bid,) = await unit.bids.in_status(first, "open")
            assert (bid.title, bid.help) == (ERASED, ERASED)
    finally:
        await other.dispose()
    # No key the database or the settings hold opens the stored token any more.
    keys = [Fernet(TEST_ENCRYPTION_KEY)]
    for (wrapped,) in await _raw(database, "SELECT wrapped FROM group_keys WHERE wrapped IS NOT NULL"):
        keys.append(Fernet(Cipher([TEST_ENCRYPTION_KEY]).decrypt(wrapped).encode("ascii")))
    assert await _raw(database, f"SELECT wrapped FROM group_keys WHERE group_id = {first}") == [(None,)]  # noqa: S608
    for key in keys:
        with pytest.raises(InvalidToken):
            key.decrypt(token.split(":", 1)[1].encode("ascii"))


async def test_a_key_destroyed_by_one_process_is_forgotten_at_once_by_another_that_had_it_cached(
    groups: GroupService, services: Services, database: Database, uow: UnitOfWorkFactory, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the processes are told by PostgreSQL's NOTIFY; on SQLite there is one process")
    first, second = await _two_groups_with_bids(groups, services)
    other = Database(database.url, cipher=Cipher([TEST_ENCRYPTION_KEY]))  # another process: its own keyring
    listening = WakeUps(database.url)
    woken: list[int] = []
    try:
        await listening.listen(woken.append, other.keyring.forget)

        async def titles() -> list[str]:
            async with UnitOfWorkFactory(other)(write=False) as unit:
                return [bid.title for bid in await unit.bids.in_status(first, "open")]

        assert await titles() == ["Quokkabridge dilemma"]  # the key is now in the other process's keyring
        assert await _destroy(uow, first)
        for _ in range(100):
            if await titles() == [ERASED]:
                break
            await asyncio.sleep(0.02)
        assert await titles() == [ERASED], "the other process still reads the words of a group whose key went"
        async with UnitOfWorkFactory(other)(write=False) as unit:
            (bid,) = await unit.bids.in_status(second, "open")
            assert bid.title == "Second set's issue", "another group's key is kept"
        assert woken == [], "a destroyed key wakes no guild"
    finally:
        await listening.close()
        await other.dispose()


async def test_a_group_whose_key_was_destroyed_takes_no_new_words(
    groups: GroupService, services: Services, uow: UnitOfWorkFactory
) -> None:
    first, _ = await _two_groups_with_bids(groups, services)
    await groups.add_member(GUILD, FAC, first, 22)
    await groups.accept_ground_rules(GUILD, 22, first)
    await _destroy(uow, first)
    with pytest.raises(GroupKeyDestroyedError):
        await services.votes.put_in(GUILD, 22, first, "A new issue", "")


async def test_a_groups_words_written_without_their_group_are_refused(
    groups: GroupService, services: Services, uow: UnitOfWorkFactory
) -> None:
    first, _ = await _two_groups_with_bids(groups, services)
    async with uow() as unit:
        with pytest.raises(StatementError) as raised:
            await unit.session.execute(update(Bid).where(Bid.group_id == first).values(title="sealed with nothing"))
    assert isinstance(raised.value.orig, UnsealedGroupValueError)


async def test_rotation_rewraps_group_keys_and_the_old_settings_key_can_go(
    groups: GroupService, services: Services, database: Database, clock: FixedClock
) -> None:
    first, _ = await _two_groups_with_bids(groups, services)
    rows_before = await _raw(database, "SELECT id, title, help FROM bids ORDER BY id")
    queued = [item.id for item in await services.effects.pending([GUILD])]
    assert queued, "the groups' welcome posts wait in the outbox"
    rotated = Database(database.url, cipher=Cipher([NEW_KEY, TEST_ENCRYPTION_KEY]))
    try:
        state = BotStateService(UnitOfWorkFactory(rotated, clock), clock)
        assert await state.settle_keys(Cipher([NEW_KEY, TEST_ENCRYPTION_KEY])) == (2, 0)
        assert await state.settle_keys(Cipher([NEW_KEY, TEST_ENCRYPTION_KEY])) == (0, 0), "done once"
    finally:
        await rotated.dispose()
    assert await _raw(database, "SELECT id, title, help FROM bids ORDER BY id") == rows_before, "rows untouched"
    only_new = Database(database.url, cipher=Cipher([NEW_KEY]))
    try:
        state = BotStateService(UnitOfWorkFactory(only_new, clock), clock)
        assert await state.key_reads_this_database(Cipher([NEW_KEY]))
        async with UnitOfWorkFactory(only_new)(write=False) as unit:
            (bid,) = await unit.bids.in_status(first, "open")
        assert bid.title == "Quokkabridge dilemma"
        still_queued = await EffectService(UnitOfWorkFactory(only_new, clock), clock).pending([GUILD])
        assert [item.id for item in still_queued] == queued
    finally:
        await only_new.dispose()


async def test_rows_from_before_group_keys_are_read_then_sealed_under_their_group(
    groups: GroupService, services: Services, database: Database, uow: UnitOfWorkFactory
) -> None:
    first = await _group_with_a_bid_from_before_group_keys(groups, services, database, "title")
    assert await _titles(services, 21, first) == ["Written before 0018"]
    assert await services.state.settle_keys(Cipher([TEST_ENCRYPTION_KEY])) == (0, 1)
    ((title,),) = await _raw(database, f"SELECT title FROM bids WHERE group_id = {first}")  # noqa: S608
    assert title.startswith(f"g{first}:")
    assert await _titles(services, 21, first) == ["Written before 0018"]


async def test_destroying_a_key_reaches_rows_from_before_group_keys(
    groups: GroupService, services: Services, database: Database, uow: UnitOfWorkFactory
) -> None:
    first = await _group_with_a_bid_from_before_group_keys(groups, services, database, "help")
    await _destroy(uow, first)
    ((help_text,),) = await _raw(database, f"SELECT help FROM bids WHERE group_id = {first}")  # noqa: S608
    assert help_text.startswith(f"g{first}:")
    async with uow(write=False) as unit:
        (bid,) = await unit.bids.in_status(first, "open")
    assert bid.help == ERASED


async def test_two_first_words_at_once_make_one_key_for_the_group(
    groups: GroupService, services: Services, database: Database
) -> None:
    group = await make_group(groups, "Set A")
    await add_members(groups, group, 21, 22)
    await asyncio.gather(
        services.votes.put_in(GUILD, 21, group.id, "First issue", ""),
        services.votes.put_in(GUILD, 22, group.id, "Second issue", ""),
    )
    assert len(await _raw(database, "SELECT group_id FROM group_keys")) == 1
    other = Database(database.url, cipher=Cipher([TEST_ENCRYPTION_KEY]))
    try:
        async with UnitOfWorkFactory(other)(write=False) as unit:
            titles = sorted(bid.title for bid in await unit.bids.in_status(group.id, "open"))
    finally:
        await other.dispose()
    assert titles == ["First issue", "Second issue"]


async def test_a_backup_taken_after_the_erasure_cannot_bring_the_words_back(
    groups: GroupService, services: Services, database: Database, uow: UnitOfWorkFactory, tmp_path: Path
) -> None:
    if not database.sqlite:
        pytest.skip("a backup as a copy of the SQLite file")
    first, second = await _two_groups_with_bids(groups, services)
    ((wrapped,),) = await _raw(database, f"SELECT wrapped FROM group_keys WHERE group_id = {first}")  # noqa: S608
    await _destroy(uow, first)
    backup = tmp_path / "backup.db"
    source = sqlite3.connect(str(make_url(database.url).database))
    try:
        with sqlite3.connect(str(backup)) as copy:
            source.backup(copy)
    finally:
        source.close()
    live = Path(str(make_url(database.url).database))
    for copy in (backup, live, Path(f"{live}-wal")):
        assert not copy.exists() or wrapped.encode("ascii") not in copy.read_bytes(), copy.name
    restored = Database(f"sqlite+aiosqlite:///{backup}", cipher=Cipher([TEST_ENCRYPTION_KEY]))
    try:
        async with UnitOfWorkFactory(restored)(write=False) as unit:
            (erased,) = await unit.bids.in_status(first, "open")
            (kept,) = await unit.bids.in_status(second, "open")
    finally:
        await restored.dispose()
    assert (erased.title, kept.title) == (ERASED, "Second set's issue")


async def test_an_erased_groups_actions_reports_and_ballots_read_as_erased_without_a_crash(
    groups: GroupService, services: Services, uow: UnitOfWorkFactory
) -> None:
    first, _ = await _two_groups_with_bids(groups, services)
    action = (await services.actions.add(GUILD, 21, "Call the Quokkabridge board", first)).value
    await services.actions.report(GUILD, 21, action.id, "done", "They agreed", "Ask sooner")
    await groups.add_member(GUILD, FAC, first, 22)
    await groups.accept_ground_rules(GUILD, 22, first)
    await services.votes.put_in(GUILD, 22, first, "Another issue", "")
    bids = [bid.id for bid in (await services.votes.board(GUILD, 21, first, None)).bids]
    vote = (await services.votes.open_vote(GUILD, FAC, first, None, seats=1)).value.vote
    assert vote is not None
    await services.votes.cast_ballot(GUILD, 21, vote.id, bids)
    await _destroy(uow, first)
    (listed,) = await services.actions.listing(GUILD, 21)
    assert (listed.text, listed.reports[0].happened, listed.reports[0].learnt) == (ERASED, ERASED, ERASED)
    async with uow(write=False) as unit:
        (ballot,) = await unit.votes.ballots(vote.id)
    assert ballot.choices == []
