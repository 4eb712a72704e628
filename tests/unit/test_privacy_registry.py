"""Every column that can hold a person's id or a member's words answers in the privacy registry."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, String, Text

from bot.db.crypto import EncryptedJSON, EncryptedText
from bot.db.models import Base
from bot.db.privacy import REGISTRY, Forget, Holds, entry


def _could_hold_something_personal(column: Column[object]) -> bool:
    """A Discord id (every snowflake is a BigInteger), free text, JSON, or a string long enough for a name."""
    kind = column.type
    if isinstance(kind, BigInteger | Text | JSON | EncryptedText | EncryptedJSON):
        return True
    return isinstance(kind, String) and (kind.length or 0) >= 50


def test_every_column_that_could_hold_a_person_or_their_words_is_in_the_registry() -> None:
    missing = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if _could_hold_something_personal(column) and entry(table.name, column.name) is None
    ]
    assert missing == [], f"say in bot/db/privacy.py how these are exported and forgotten: {missing}"


def test_the_registry_names_only_columns_that_exist_and_each_once() -> None:
    columns = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns}
    named = [(e.table, e.column) for e in REGISTRY]
    assert [n for n in named if n not in columns] == []
    assert len(named) == len(set(named))


def test_what_is_forgotten_of_a_person_says_whose_it_is() -> None:
    columns = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns}
    for e in REGISTRY:
        if e.holds is Holds.NOTHING_PERSONAL:
            assert e.forget is Forget.KEEP, e
            assert not e.export, e
            continue
        if e.forget in (Forget.ERASE, Forget.TOMBSTONE):
            assert e.owner is not None, e
            table, _, column = e.owner.rpartition(".")
            assert (table or e.table, column) in columns, e
        assert e.why, e
