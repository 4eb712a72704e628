"""Hostile: a group's language, cached for 30 s, must not go stale in the process that changed it."""

from __future__ import annotations

from typing import Any

import pytest

import bot.services.groups.lifecycle as lifecycle
from bot.services.groups import GroupService
from tests.service.helpers import FAC, GUILD, make_group


async def test_a_card_drawn_while_the_language_change_commits_does_not_keep_the_old_language(
    groups: GroupService, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = await make_group(groups)
    real = lifecycle.plan_reminders  # type: ignore[attr-defined]

    async def while_committing(uow: Any, stored: Any, now: Any) -> Any:
        # Another task (a live card's edit, a reminder) asks the group's language at this await point: the cache was
        # already emptied, the change is not committed yet, so the old language is read and cached for 30 s.
        assert await groups.language_of(stored.id) == "en"
        return await real(uow, stored, now)

    monkeypatch.setattr(lifecycle, "plan_reminders", while_committing)
    await groups.update_settings(GUILD, FAC, group.id, {"language": "de"})

    # "a change made in this process shows at once" (Lookups.language_of's docstring)
    assert await groups.language_of(group.id) == "de"
