"""The outbox of Discord-side effects: stored with a decision, carried out once by the applier, then forgotten."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.db.models import PendingEffect
from bot.db.outbox import EFFECT_LEASE, Answering, QueuedEffect, answering, current_answering, no_command
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.due import FIRST_RETRY, MAX_ATTEMPTS, DueKey, retry_at
from bot.domain.effects import effect_from_payload
from bot.domain.shards import ALL_SHARDS, Shards
from bot.services.due import schedule_in

__all__ = [
    "EFFECT_RETRY",
    "Answering",
    "EffectService",
    "QueuedEffect",
    "answering",
    "current_answering",
    "no_command",
]

log = logging.getLogger(__name__)
SETTLE_WITHIN = 1.0
"""Seconds within which a command's settled answer is forgotten, if no other outbox write takes it along first."""
EFFECT_RETRY = "effect_retry"
"""The kind of due work that tries a failed effect again."""


def _readable(rows: Sequence[PendingEffect], *, reclaimed: bool = False) -> list[QueuedEffect]:
    """The rows as effects; one that cannot be read (a format this version does not know) is logged and skipped."""
    queued = []
    for row in rows:
        try:
            effect = effect_from_payload(row.kind, row.payload)
        except (KeyError, TypeError, ValueError):
            log.warning("an effect could not be read; it is left aside", extra={"effect_id": row.id, "kind": row.kind})
            continue
        queued.append(
            QueuedEffect(row.id, row.guild_id, effect, row.created_at, reclaimed, row.sent_at, row.sent_digest)
        )
    return queued


def dms_closed_key(guild_id: int, user_id: int) -> str:
    """Where the bot remembers that a person's direct messages from this server were found closed."""
    return f"dms-closed:{guild_id}:{user_id}"


def effect_subject(effect_id: int) -> str:
    """The due-work subject of an effect's retries."""
    return f"effect:{effect_id}"


def effect_of(subject: str) -> int:
    """The effect id a retry's subject names."""
    return int(subject.removeprefix("effect:"))


class EffectService:
    """Claims, settles and reschedules the outbox; a claim is a lease, so no effect is carried out twice at once.

    Only the effects of the guilds `shards` own are ever claimed, whichever guilds a caller names.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, shards: Shards = ALL_SHARDS) -> None:
        self._uow = uow
        self._clock = clock
        self._shards = shards
        self._settled: list[int] = []
        self._done: list[int] = []
        self._writing_done = asyncio.Lock()
        self._flush: asyncio.Task[None] | None = None

    @property
    def shards(self) -> Shards:
        """The shards whose guilds' effects this process carries out."""
        return self._shards

    @property
    def clock(self) -> Clock:
        """The clock that stamps effects (a post's age, to know whether Discord may have forgotten its nonce)."""
        return self._clock

    def on_commit(self, listener: Callable[[list[QueuedEffect]], None]) -> None:
        """Hand every batch of effects to `listener` as soon as the unit of work that emitted it commits."""
        self._uow.on_commit = listener

    async def note_dms(self, guild_id: int, user_id: int, *, closed: bool) -> None:
        """Remember whether a direct message to this person was refused or delivered (written only on a change)."""
        key, value = dms_closed_key(guild_id, user_id), "closed" if closed else "open"
        async with self._uow() as uow:
            if await uow.state.get(key) == value or (not closed and await uow.state.get(key) is None):
                return
            await uow.state.put(key, value, self._clock.now())
            await uow.commit()

    async def pending(self, guild_ids: Sequence[int]) -> list[QueuedEffect]:
        """Effects still to carry out in these guilds (held or not), oldest first."""
        async with self._uow(write=False) as uow:
            rows = await uow.effects.pending(guild_ids, MAX_ATTEMPTS, self._shards)
            return _readable(rows)

    async def claim(
        self,
        guild_ids: Sequence[int],
        *,
        created_before: datetime | None = None,
        effect_ids: Sequence[int] | None = None,
        excluding: Sequence[int] = (),
    ) -> list[QueuedEffect]:
        """Take the effects of these guilds that nobody holds (and, at start-up, those a killed process held).

        `excluding`: effects this process is still carrying out, whatever their lease says (pacing can outlast it).
        """
        now = self._clock.now()
        async with self._uow() as uow:
            rows = await uow.effects.claim(
                guild_ids,
                now,
                EFFECT_LEASE,
                MAX_ATTEMPTS,
                created_before=created_before,
                effect_ids=effect_ids,
                excluding=excluding,
                shards=self._shards,
            )
            await uow.commit()
            return _readable(rows, reclaimed=True)

    async def sending(self, effect_id: int, digest: str) -> None:
        """A post drawn from the database is about to be sent: note when, and what it says (its digest).

        Should the process die before Discord answers, the post is recognised in the channel after Discord has
        forgotten its nonce, however the database has changed since.
        """
        async with self._uow() as uow:
            await uow.effects.mark_sent(effect_id, self._clock.now(), digest)
            await uow.commit()

    async def done(self, effect_ids: Sequence[int]) -> None:
        """These effects have been carried out (answers settled meanwhile are forgotten in the same write).

        One write at a time; whoever writes takes along everything that became done while they waited, so a
        burst of hand-overs costs a few writes, not one each, and the single writer stays free for decisions.
        """
        self._done.extend(effect_ids)
        async with self._writing_done:
            gathered, self._done = self._done, []
            settled, self._settled = self._settled, []
            ids = [*gathered, *settled]
            if not ids:
                return  # an earlier writer took ours along
            try:
                async with self._uow() as uow:
                    await uow.effects.remove(ids)
                    await uow.commit()
            except BaseException:
                self._done.extend(gathered)  # not lost: the next write takes them along
                self._settled.extend(settled)
                raise

    def settle_soon(self, answer_ids: Sequence[int]) -> None:
        """Commands replied: their stored answers can go, with the next write of the outbox or within a second.

        One write less per command, which at hundreds of commands a second is what keeps SQLite's single writer
        ahead. A process killed within that second answers those commands again after its restart, truthfully.
        """
        self._settled.extend(answer_ids)
        if self._flush is None or self._flush.done():
            self._flush = asyncio.get_running_loop().create_task(self._flush_soon())

    async def flush(self) -> None:
        """Forget the settled answers now (at shutdown)."""
        if self._settled or self._done:
            await self.done([])

    async def _flush_soon(self) -> None:
        await asyncio.sleep(SETTLE_WITHIN)
        try:
            await self.flush()
        except Exception:  # kept for the next write; an answer re-sent after a restart is the worst that follows
            log.warning("could not forget settled answers yet", exc_info=True)

    async def failed(self, item: QueuedEffect, first: timedelta = FIRST_RETRY) -> datetime | None:
        """Carrying out the effect failed: it is tried again later (due work), a few times at most; returns when.

        The tries double from `first`: a minute, or seconds for what a meeting waits on (the floor).
        """
        now = self._clock.now()
        async with self._uow() as uow:
            again = retry_at(now, await uow.effects.attempts(item.id) + 1, first)
            await uow.effects.count_attempt(item.id, again)  # the lease now says when it may be tried, not who
            if again is not None:
                await schedule_in(uow, item.guild_id, DueKey(effect_subject(item.id), EFFECT_RETRY, again))
            await uow.commit()
            return again
