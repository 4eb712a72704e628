"""Hostile: words a German member reads that never reach the catalog (the lint does not look where they are)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from bot.db.uow import UnitOfWorkFactory
from bot.domain.errors import StorageUnavailableError
from bot.i18n import speaking
from bot.ui.errors import message_for


async def test_the_database_outage_reply_is_in_the_readers_language(uow: UnitOfWorkFactory) -> None:
    with pytest.raises(StorageUnavailableError) as refused:
        async with uow(write=False):
            raise OperationalError("SELECT 1", {}, Exception("database is locked"))
    with speaking("de"):
        shown = message_for(refused.value)
    assert shown is not None
    # bot/db/uow.py:35 is a plain English str: every German member gets it in English during an outage
    assert not shown.startswith("Setkeeper could not reach its database"), shown
