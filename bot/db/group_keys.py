"""Each group's own data key: made on the group's first words, sealed into its rows, destroyed to erase them for good.

Which group a row belongs to is known here, when the session flushes (`before_flush`), not in the column types:
bids and actions name their group, a ballot its vote's, a report its action's, a contribution and a round's note
their meeting's. Every value of a group's column is handed to the column type bound to that group's key
(`bot.db.crypto.for_group`); the column type refuses one that is not, so a write path that skips this fails loudly.

The wrapped keys live in the `group_keys` table of the same database (see docs/admins/backups.md for what
that means for backups). A key is made race-free on both databases: INSERT ... ON CONFLICT DO NOTHING, then read
back whichever key won.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet
from sqlalchemy import event, or_, select, text, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, attributes
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Text
from sqlalchemy.util import await_only

from bot.db.crypto import (
    DESTROYED,
    Cipher,
    EncryptionKeyError,
    GroupKeyDestroyedError,
    GroupList,
    GroupText,
    KeyLoader,
    Keyring,
    _Destroyed,
    for_group,
    keyring_of,
)
from bot.db.models import (
    Action,
    ActionReport,
    Ballot,
    Bid,
    Contribution,
    GroupKey,
    Meeting,
    PendingEffect,
    RoundNote,
    Vote,
)
from bot.db.wake import WAKE_CHANNEL, key_destroyed_payload

if TYPE_CHECKING:
    from bot.db.uow import UnitOfWork

GROUP_COLUMNS: dict[type[Any], tuple[str, ...]] = {
    Bid: ("title", "help"),
    Action: ("text",),
    ActionReport: ("happened", "learnt"),
    RoundNote: ("learnt",),
    Contribution: ("text",),
    Ballot: ("choices",),
}
"""Every column whose values are sealed with their group's key (the models mark them `group_owned`)."""

_MADE = "setkeeper_group_keys_made"
_DESTROYED = "setkeeper_group_keys_destroyed"
_SHREDDING = "setkeeper_erasing_for_good"


class KeyedSession(Session):
    """A session that seals each group's words with the group's key when it flushes."""


def _group_of(session: Session, row: object) -> int:
    with session.no_autoflush:
        if isinstance(row, Bid | Action):
            return row.group_id
        if isinstance(row, Ballot):
            vote = session.get(Vote, row.vote_id)
            owner: Vote | Meeting | Action | None = vote
        elif isinstance(row, Contribution | RoundNote):
            owner = session.get(Meeting, row.meeting_id)
        elif isinstance(row, ActionReport):
            owner = session.get(Action, row.action_id)
        else:
            raise TypeError(f"{type(row).__name__} holds no group's words")
    if owner is None:
        raise GroupKeyDestroyedError(f"the group of a {type(row).__name__} row cannot be found")
    return owner.group_id


def _insert_key(dialect: str, **values: object) -> postgresql.Insert | sqlite.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(GroupKey).values(**values).on_conflict_do_nothing()


def _key_for_writing(session: Session, keyring: Keyring, group_id: int) -> Fernet:
    made: dict[int, Fernet] = session.info.setdefault(_MADE, {})
    if group_id in session.info.get(_DESTROYED, set()):
        raise GroupKeyDestroyedError(f"group {group_id}'s key was destroyed: its words cannot be stored again")
    if group_id in made:
        return made[group_id]
    known = keyring.known(group_id)
    if known is None:
        read = select(GroupKey.wrapped, GroupKey.destroyed_at).where(GroupKey.group_id == group_id)
        row = session.execute(read).one_or_none()
        if row is None:
            new = Fernet.generate_key()
            insert = _insert_key(session.get_bind().dialect.name, group_id=group_id, wrapped=keyring.wrap(new))
            inserted = session.execute(insert.returning(GroupKey.group_id)).first()
            if inserted is not None:
                made[group_id] = key = Fernet(new)
                keyring.pending(group_id, key)
                return key
            row = session.execute(read).one()  # another transaction made it first: its key is the group's
        known = keyring.remember(group_id, DESTROYED if row.wrapped is None else row.wrapped)
    if isinstance(known, _Destroyed):
        raise GroupKeyDestroyedError(f"group {group_id}'s key was destroyed: its words cannot be stored again")
    return known


def _changed(row: object, name: str) -> bool:
    return bool(attributes.get_history(row, name).added)


@event.listens_for(KeyedSession, "before_flush")
def _seal_group_values(session: Session, _context: object, _instances: object) -> None:
    keyring: Keyring | None = None
    for row in [*session.new, *session.dirty]:
        names = GROUP_COLUMNS.get(type(row))
        if names is None:
            continue
        pending = [name for name in names if getattr(row, name) is not None and _changed(row, name)]
        if not pending:
            continue
        keyring = keyring or keyring_of(session.get_bind().dialect)
        group_id = _group_of(session, row)
        key = _key_for_writing(session, keyring, group_id)
        for name in pending:
            value = getattr(row, name)
            if isinstance(value, GroupText | GroupList) and value.group_id == group_id and value.key is key:
                continue
            setattr(row, name, for_group(value, group_id, key))


def _settle(session: Session, *, committed: bool) -> None:
    made = session.info.pop(_MADE, {})
    destroyed = session.info.pop(_DESTROYED, set())
    shredding = session.info.pop(_SHREDDING, False)
    engine = session.get_bind()
    if made or destroyed:
        keyring_of(engine.dialect).settle(made, destroyed, committed=committed)
    if committed and (destroyed or shredding) and engine.dialect.name == "sqlite":
        _forget_old_frames(engine)


async def erase_for_good(session: AsyncSession) -> None:
    """Call before a unit of work erases words or deletes rows: what it removes is not left readable in the file.

    On SQLite, the connection zeroes deleted and overwritten content (`secure_delete`) from now on, and once the
    unit commits the write-ahead log, whose earlier frames still hold the pages as they were, is emptied. On
    PostgreSQL the old versions of the rows stay in the table's pages until VACUUM reclaims them (autovacuum does,
    soon after a large change); a copy of the data directory taken meanwhile still holds them, sealed.
    """
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        await session.execute(text("PRAGMA secure_delete = ON"))
        session.sync_session.info[_SHREDDING] = True


def _forget_old_frames(engine: Any) -> None:  # noqa: ANN401 - the session's bind
    """Empty SQLite's write-ahead log, whose earlier frames still hold the destroyed key's page as it was.

    Runs on a connection of its own, outside any transaction (the driver runs in autocommit, see engine.py); it
    waits for readers still on an older snapshot, up to the busy timeout, and leaves the log as it was if they stay.
    """
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


@event.listens_for(KeyedSession, "after_commit")
def _keys_committed(session: Session) -> None:
    _settle(session, committed=True)


@event.listens_for(KeyedSession, "after_rollback")
def _keys_rolled_back(session: Session) -> None:
    _settle(session, committed=False)


def key_loader(engine: AsyncEngine) -> KeyLoader:
    """Reads a group's wrapped key for a column type that meets a token of a group this process has not met yet.

    Column types decode rows synchronously, inside the greenlet an async session runs its work in: the read goes to
    the event loop from there (`await_only`), on a connection of its own.
    """

    async def load(group_id: int) -> str | _Destroyed | None:
        async with engine.connect() as connection:
            read = select(GroupKey.wrapped, GroupKey.destroyed_at).where(GroupKey.group_id == group_id)
            row = (await connection.execute(read)).one_or_none()
        if row is None:
            return None
        return DESTROYED if row.wrapped is None else row.wrapped

    def loader(group_id: int) -> str | _Destroyed | None:
        return await_only(load(group_id))

    return loader


async def load_group_keys(engine: AsyncEngine, keyring: Keyring) -> int:
    """Read every group's key into the keyring at once; how many.

    Rows are decoded where they are read: a result read outside the session's greenlet (after `execute` returned)
    cannot fetch a key it meets for the first time, so a process loads them all before it serves anything.
    """
    async with engine.connect() as connection:
        rows = (await connection.execute(select(GroupKey.group_id, GroupKey.wrapped))).all()
    for group_id, wrapped in rows:
        keyring.remember(group_id, DESTROYED if wrapped is None else wrapped)
    return len(rows)


async def destroy_group_key(uow: UnitOfWork, group_id: int, now: datetime | None = None) -> bool:
    """Destroy the group's data key (crypto-shredding): every word its members wrote, in every copy, is unreadable.

    Call it in the unit of work that erases the group's content; it takes effect when that unit commits. Rows read
    afterwards show `bot.db.crypto.ERASED`; storing new words for the group is refused. Harmless twice. Whether
    there was a key to destroy (False: the group never had one, and now never will).
    """
    session: AsyncSession = uow.session
    # Rows from before group keys are sealed under the key first, so that destroying it reaches them too.
    while await seal_legacy_rows(session, group_id=group_id):
        pass
    when = now if now is not None else uow._clock.now()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    await erase_for_good(session)
    result = await session.execute(
        update(GroupKey)
        .where(GroupKey.group_id == group_id, GroupKey.wrapped.is_not(None))
        .values(wrapped=None, destroyed_at=when)
    )
    had_key = bool(result.rowcount)  # type: ignore[attr-defined]
    if not had_key:
        await session.execute(_insert_key(dialect, group_id=group_id, wrapped=None, destroyed_at=when))
    session.sync_session.info.setdefault(_DESTROYED, set()).add(group_id)
    session.sync_session.info.get(_MADE, {}).pop(group_id, None)
    if dialect == "postgresql":
        # Every other process still holds the key in its keyring: told when, and only if, this transaction commits.
        told = {"channel": WAKE_CHANNEL, "payload": key_destroyed_payload(group_id)}
        await session.execute(text("SELECT pg_notify(:channel, :payload)"), told)
    return had_key


async def rewrap_group_keys(session: AsyncSession, cipher: Cipher) -> int:
    """Seal every group's key again with the first settings key (after a new one was put first); how many.

    Only the wrapped keys change: the rows they seal are untouched, so the old settings key can be dropped as soon
    as this has run (and no row from before group keys is left under it).
    """
    rows = await session.execute(select(GroupKey.group_id, GroupKey.wrapped).where(GroupKey.wrapped.is_not(None)))
    count = 0
    for group_id, wrapped in rows.all():
        rotated = cipher.rotated(wrapped or "")
        if rotated is not None:
            await session.execute(update(GroupKey).where(GroupKey.group_id == group_id).values(wrapped=rotated))
            count += 1
    return count


async def rotate_queued_posts(session: AsyncSession, cipher: Cipher) -> int:
    """Seal queued posts (and sent posts' digests) again with the first settings key, where an older one sealed them.

    They are the only rows left under the settings keys once group keys exist; one no key can read is left as it is
    (the outbox sets it aside). How many values were sealed again.
    """
    table = PendingEffect.__table__
    rows = await session.execute(
        select(table.c.id, type_coerce(table.c.payload, Text), type_coerce(table.c.sent_digest, Text))
    )
    count = 0
    for effect_id, *values in rows.all():
        for name, value in zip(("payload", "sent_digest"), values, strict=True):
            if value is None or value.lstrip().startswith(("{", "[")):
                continue
            try:
                rotated = cipher.rotated(value)
            except EncryptionKeyError:
                continue
            if rotated is not None:
                statement = text(f"UPDATE pending_effects SET {name} = :value WHERE id = :id")  # noqa: S608 - fixed names
                await session.execute(statement, {"value": rotated, "id": effect_id})
                count += 1
    return count


def _unsealed(column: Any) -> ColumnElement[bool]:  # noqa: ANN401 - any model's column
    """True for a stored value that is not sealed with a group's key (written before group keys)."""
    return type_coerce(column, Text).not_like("g%:%")


def _legacy_rows(model: type[Any], group_id: int | None, limit: int) -> Any:  # noqa: ANN401 - a query
    names = GROUP_COLUMNS[model]
    query = select(model)
    owner: Any
    if model in (Bid, Action):
        owner = model
    elif model is Ballot:
        owner, query = Vote, query.join(Vote, Vote.id == Ballot.vote_id)
    elif model is ActionReport:
        owner, query = Action, query.join(Action, Action.id == ActionReport.action_id)
    else:
        owner, query = Meeting, query.join(Meeting, Meeting.id == model.meeting_id)
    destroyed = select(GroupKey.group_id).where(GroupKey.wrapped.is_(None))
    query = query.where(or_(*[_unsealed(getattr(model, name)) for name in names]), owner.group_id.not_in(destroyed))
    if group_id is not None:
        query = query.where(owner.group_id == group_id)
    return query.limit(limit)


async def seal_legacy_rows(session: AsyncSession, batch: int = 500, *, group_id: int | None = None) -> int:
    """Seal up to `batch` rows written before group keys (with the settings keys) under their group's key; how many.

    Run at start-up until it returns 0: from then on, erasing a group's content and destroying its key reaches
    every row of it, and no row needs the old settings keys any more.
    """
    done = 0
    for model, names in GROUP_COLUMNS.items():
        for row in (await session.execute(_legacy_rows(model, group_id, batch - done))).scalars():
            for name in names:
                if getattr(row, name) is not None:
                    attributes.flag_modified(row, name)
            done += 1
        if done >= batch:
            break
    await session.flush()
    return done
