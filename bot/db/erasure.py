"""Erasing by the privacy registry and the models' metadata: an archived group's words, or a whole server's rows.

Nothing here names a table of a feature: which rows are a group's is found by following the foreign keys (or a
`group_id` column) up to `groups`, which rows are a server's by its `guild_id` columns, and which columns hold words
by the registry. A table or column added later is covered, or the code refuses loudly to guess.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, String, Table, delete, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.group_keys import erase_for_good
from bot.db.models import Base
from bot.db.privacy import REGISTRY, Entry, Retain
from bot.domain.retention import server_subject
from bot.domain.words import ERASED_MARKER

ERASED = ERASED_MARKER
"""What a member's words read as once they have been erased."""
OPERATOR_GUILD = 0
"""The guild id of due work that belongs to the bot as a whole (erasing a server the bot is no longer in)."""

_GROUPS = Base.metadata.tables["groups"]
GroupIds = Sequence[int] | Select[tuple[int]]


def rows_of_groups(table: Table, group_ids: GroupIds) -> ColumnElement[bool] | None:
    """Which rows of `table` belong to these groups, or None if its rows belong to no group.

    A row is a group's by the group's own id, by a `group_id` column, or through a foreign key to a row that is.
    """
    if table is _GROUPS:
        return _GROUPS.c.id.in_(group_ids)
    if "group_id" in table.c:
        return table.c.group_id.in_(group_ids)
    for key in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
        parent = key.column.table
        of_parent = rows_of_groups(parent, group_ids)
        if of_parent is not None:
            return key.parent.in_(select(key.column).where(of_parent))
    return None


def _retention_rules() -> dict[str, list[Entry]]:
    """The registry's entries that retention changes, by table."""
    by_table: dict[str, list[Entry]] = defaultdict(list)
    for item in REGISTRY:
        if item.after_retention is not Retain.KEEP:
            by_table[item.table].append(item)
    return by_table


async def erase_group_words(session: AsyncSession, group_id: int) -> dict[str, int]:
    """Erase every member's words in one group's rows, as the registry says; returns rows changed, by table.

    Ids, times and statuses stay, so that the group's counts and its ledger still add up. Doing it again is harmless.
    """
    await erase_for_good(session)
    counts: dict[str, int] = {}
    for name, entries in _retention_rules().items():
        table = Base.metadata.tables[name]
        where = rows_of_groups(table, [group_id])
        if where is None:
            raise LookupError(
                f"{name} holds words but its rows cannot be traced to a group: retention cannot erase them"
            )
        if any(item.after_retention is Retain.DELETE_ROW for item in entries):
            result = await session.execute(delete(table).where(where))
        else:
            result = await session.execute(update(table).where(where).values({item.column: ERASED for item in entries}))
        counts[name] = int(getattr(result, "rowcount", 0))
    return counts


def _names_guild(table: Table, guild_id: int) -> ColumnElement[bool] | None:
    """Rows that name the guild in a string: a key with it as one of its parts, or due work about the whole server."""
    clauses: list[ColumnElement[bool]] = []
    for column in table.primary_key.columns:
        if isinstance(column.type, String):  # keys such as `dms-closed:<guild>:<user>` or `reminders-planned:<guild>`
            clauses += [column.like(f"%:{guild_id}"), column.like(f"%:{guild_id}:%")]
    if "subject" in table.c:
        clauses.append(table.c.subject == server_subject(guild_id))
    return or_(*clauses) if clauses else None


async def erase_guild(session: AsyncSession, guild_id: int) -> dict[str, int]:
    """Delete every row of one server in every table (its groups and all that hangs on them); rows deleted, by table."""
    await erase_for_good(session)
    of_guild = select(_GROUPS.c.id).where(_GROUPS.c.guild_id == guild_id)
    counts: dict[str, int] = {}
    # Rows that hang on a group go before the groups themselves, which the others find their rows by.
    tables = [table for table in reversed(Base.metadata.sorted_tables) if table is not _GROUPS] + [_GROUPS]
    for table in tables:
        clauses = [
            clause for clause in (rows_of_groups(table, of_guild), _names_guild(table, guild_id)) if clause is not None
        ]
        if "guild_id" in table.c:
            clauses.append(table.c.guild_id == guild_id)
        if not clauses:
            continue
        result = await session.execute(delete(table).where(or_(*clauses)))
        counts[table.name] = int(getattr(result, "rowcount", 0))
    return counts


async def known_guild_ids(session: AsyncSession) -> set[int]:
    """Every server any table holds rows of (the bot's own work, `OPERATOR_GUILD`, aside)."""
    queries = [select(table.c.guild_id).distinct() for table in Base.metadata.sorted_tables if "guild_id" in table.c]
    found = (await session.execute(union(*queries))).scalars().all()
    return {int(guild_id) for guild_id in found if guild_id is not None and guild_id != OPERATOR_GUILD}
