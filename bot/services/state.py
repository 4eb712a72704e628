"""Facts the bot keeps about itself between runs."""

from __future__ import annotations

from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import Clock


class BotStateService:
    """Remembers what was last synced to Discord, so an unchanged command tree is not sent again."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def last_synced(self, scope: str) -> str | None:
        """The digest of the command tree last synced for `scope`."""
        async with self._uow(write=False) as uow:
            return await uow.state.get(f"commands:{scope}")

    async def record_synced(self, scope: str, digest: str) -> None:
        """Remember that the tree with `digest` is now registered for `scope`."""
        async with self._uow() as uow:
            await uow.state.put(f"commands:{scope}", digest, self._clock.now())
            await uow.commit()
