"""The outbox of Discord-side effects: queued with a decision, carried out by the applier, then forgotten."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from bot.db.models import PendingEffect
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.effects import Answer, Effect, Notify, effect_from_payload, effect_kind, effect_to_payload

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


@dataclass
class Answering:
    """The command the current task is answering; set when it is acknowledged, read when a decision commits."""

    token: str
    command: str
    answer_ids: list[int] = field(default_factory=list)
    _where: tuple[int, datetime] | None = None

    def decided(self, guild_id: int, now: datetime) -> None:
        """A decision in this guild is about to commit on the command's behalf."""
        self._where = (guild_id, now)

    async def record(self, uow: UnitOfWork) -> None:
        """Commit, with the decision, how to answer the command should its reply be lost."""
        if self._where is None:
            return
        guild_id, now = self._where
        done = [e for e in uow.emitted if isinstance(e, Notify) and e.edit_message_id is None]
        group_id = next((e.group_id for e in uow.emitted), None)
        (queued,) = await _add(uow, now, guild_id, [Answer(group_id, self.token, self.command, done)])
        self.answer_ids.append(queued.id)


_ANSWERING: ContextVar[Answering | None] = ContextVar("setkeeper_answering", default=None)


def answering(token: str, command: str) -> None:
    """The current task (one interaction) answers this command: decisions it commits record how to answer it."""
    _ANSWERING.set(Answering(token, command))


def current_answering() -> Answering | None:
    """The command the current task is answering, if any."""
    return _ANSWERING.get()


async def queue_effects(uow: UnitOfWork, clock: Clock, guild_id: int, effects: Sequence[Effect]) -> list[QueuedEffect]:
    """Add effects to the outbox inside the caller's unit of work, so they commit with its decision.

    When the unit serves a command, an `Answer` is committed with them, so that the person is told what happened
    even if the process dies before it replies.
    """
    uow.emitted.extend(effects)
    command = _ANSWERING.get()
    if command is not None:
        command.decided(guild_id, clock.now())
        uow.before_commit(command.record)
    return await _add(uow, clock.now(), guild_id, effects)


async def _add(uow: UnitOfWork, now: datetime, guild_id: int, effects: Sequence[Effect]) -> list[QueuedEffect]:
    queued = []
    for effect in effects:
        row = await uow.effects.add(
            PendingEffect(
                guild_id=guild_id,
                group_id=effect.group_id,
                kind=effect_kind(effect),
                payload=effect_to_payload(effect),
                created_at=now,
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
