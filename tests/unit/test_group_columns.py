"""Every column a group's words are stored in is sealed with the group's key, and the flush knows its group."""

from __future__ import annotations

from bot.db.crypto import EncryptedJSON, EncryptedText
from bot.db.group_keys import GROUP_COLUMNS
from bot.db.models import Base


def test_every_group_owned_column_is_sealed_at_flush_and_no_other() -> None:
    marked = {
        (mapper.class_.__name__, column.key)
        for mapper in Base.registry.mappers
        for column in mapper.columns
        if isinstance(column.type, EncryptedText | EncryptedJSON) and column.type.group_owned
    }
    sealed = {(model.__name__, name) for model, names in GROUP_COLUMNS.items() for name in names}
    assert marked == sealed
    assert ("Bid", "title") in marked
