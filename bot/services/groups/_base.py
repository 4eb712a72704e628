"""What every part of the group service shares: its unit-of-work factory, clock, process id and floor reader."""

from __future__ import annotations

import time

from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.services.groups._effects import FloorReader, no_meeting


class GroupServiceBase:
    """Every use case of group set-up is one method, one unit of work; the parts are mixed into `GroupService`."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, instance_id: str, floor: FloorReader = no_meeting) -> None:
        self._uow = uow
        self._clock = clock
        self._instance_id = instance_id
        self._floor = floor
        self._languages: dict[int, tuple[float, str]] = {}
        """Each group's language as last read, and when (monotonic seconds): see `Lookups.language_of`."""
        self._language_changes = 0
        """How many language changes this process committed: a read that overlapped one is not kept."""

    def language_changed(self, group_id: int, language: str) -> None:
        """A change of the group's language was committed here: it shows at once in this process."""
        self._language_changes += 1
        self._languages[group_id] = (time.monotonic(), language)
