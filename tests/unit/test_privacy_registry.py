"""Every column that can hold a person's id or a member's words answers in the privacy registry."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import JSON, BigInteger, Column, String, Text

from bot.db.crypto import EncryptedJSON, EncryptedText
from bot.db.models import Base
from bot.db.privacy import REGISTRY, TABLES, Forget, Holds, entry, personal_entries, statement_table


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


def test_every_table_holding_something_personal_says_who_sees_it_and_how_long_it_is_kept() -> None:
    assert sorted({e.table for e in personal_entries()}) == sorted(TABLES)
    assert all(note.title and note.seen_by and note.kept for note in TABLES.values())


def test_the_manuals_privacy_table_is_the_one_the_registry_gives() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "members" / "your-data.md").read_text()
    start = page.index("<!-- privacy-table")
    shown = page[page.index("\n", start) + 1 : page.index("<!-- /privacy-table -->")].strip()
    assert shown == statement_table(), "run: python -c 'from bot.db.privacy import statement_table as t; print(t())'"


def test_every_rule_that_forgets_something_has_a_way_to_do_it() -> None:
    from bot.services.privacy import SPECIAL_FORGET

    unanswered = [
        f"{e.table}.{e.column}"
        for e in REGISTRY
        if e.forget is not Forget.KEEP
        and (e.table, e.column) not in SPECIAL_FORGET
        and not (e.forget in (Forget.ERASE, Forget.TOMBSTONE, Forget.DELETE_ROW) and e.owner is not None)
    ]
    assert unanswered == [], "give these a named function in bot/services/privacy.py's SPECIAL_FORGET"
