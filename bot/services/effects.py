"""The outbox of Discord-side effects: queued with a decision, carried out by the applier, then forgotten."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.models import PendingEffect
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.effects import Effect, effect_from_payload, effect_kind, effect_to_payload

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class QueuedEffect:
    """An effect with the id of its outbox row."""

    id: int
    guild_id: int
    effect: Effect
    created_at: datetime | None = None

    def created_before(self, moment: datetime) -> bool:
        """Whether the effect was queued before `moment` (by an earlier process, at start-up)."""
        return self.created_at is not None and self.created_at < moment


async def queue_effects(uow: UnitOfWork, clock: Clock, guild_id: int, effects: Sequence[Effect]) -> list[QueuedEffect]:
    """Add effects to the outbox inside the caller's unit of work, so they commit with its decision."""
    queued = []
    for effect in effects:
        row = await uow.effects.add(
            PendingEffect(
                guild_id=guild_id,
                group_id=effect.group_id,
                kind=effect_kind(effect),
                payload=effect_to_payload(effect),
                created_at=clock.now(),
                attempts=0,
            )
        )
        queued.append(QueuedEffect(row.id, guild_id, effect, row.created_at))
    return queued


class EffectService:
    """Reads and settles the outbox."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def pending(self, guild_ids: Sequence[int]) -> list[QueuedEffect]:
        """Effects still to carry out in these guilds, oldest first."""
        async with self._uow(write=False) as uow:
            rows = await uow.effects.pending(guild_ids, MAX_ATTEMPTS)
            return [
                QueuedEffect(row.id, row.guild_id, effect_from_payload(row.kind, row.payload), row.created_at)
                for row in rows
            ]

    async def done(self, effect_ids: Sequence[int]) -> None:
        """These effects have been carried out."""
        if not effect_ids:
            return
        async with self._uow() as uow:
            await uow.effects.remove(effect_ids)
            await uow.commit()

    async def failed(self, effect_id: int) -> None:
        """Carrying out the effect failed; it is retried at the next start, a few times at most."""
        async with self._uow() as uow:
            await uow.effects.count_attempt(effect_id)
            await uow.commit()
