"""Retention: an archived group's words are erased after its period, a server's data after the bot leaves it."""

from __future__ import annotations

import logging
from collections.abc import Collection

from sqlalchemy import select

from bot.db.erasure import OPERATOR_GUILD, erase_group_words, erase_guild, known_guild_ids
from bot.db.group_keys import destroy_group_key
from bot.db.models import DueWork, Group, GroupKey
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.due import DueKey
from bot.domain.groups import GroupStatus
from bot.domain.reminders import group_of_subject, group_subject
from bot.domain.retention import (
    ARCHIVED_WORDS,
    FORGET_SERVER,
    archived_words_key,
    forget_server_key,
    server_of,
    server_subject,
)
from bot.domain.shards import ALL_SHARDS, Shards
from bot.services.due import DueItem, schedule_in

log = logging.getLogger(__name__)
__all__ = ["ARCHIVED_WORDS", "FORGET_SERVER", "OPERATOR_GUILD", "RetentionService", "plan_archived_words"]


async def plan_archived_words(uow: UnitOfWork, group: Group) -> None:
    """The group was just archived: its words are erased once its retention period is over (added once)."""
    if group.archived_at is not None:
        await schedule_in(uow, group.guild_id, archived_words_key(group.id, group.archived_at, group.keep_days))


class RetentionService:
    """Carries out retention as due work, exactly once; and erases a server at once for the operator."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, instance_id: str, shards: Shards = ALL_SHARDS) -> None:
        self._uow = uow
        self._clock = clock
        self._instance_id = instance_id
        self._shards = shards

    async def erase_archived_words(self, item: DueItem) -> bool:
        """An archived group's retention period is over: erase its members' words, once; True: the work is finished.

        The erasure and the end of the due work are one transaction, which commits only while this process still
        holds the work.
        """
        group_id = group_of_subject(item.key.subject)
        async with self._uow() as uow:
            if not await uow.due.finish(item.id, self._clock.now(), held_by=self._instance_id, outcome="erased"):
                return True
            group = await uow.groups.get(item.guild_id, group_id, lock=True) if group_id is not None else None
            counts: dict[str, int] = {}
            if group is not None and group.status == GroupStatus.ARCHIVED:
                counts = await erase_group_words(uow.session, group.id)
                # Crypto-shredding, in this same transaction: a copy of the rows taken from now on cannot be read.
                await destroy_group_key(uow, group.id, self._clock.now())
            await uow.commit()
        log.info("archived group's words erased", extra={"group_id": group_id, "rows": sum(counts.values())})
        return True

    async def plan_archived_groups(self) -> int:
        """At start-up: an archived group whose erasure was never planned (archived before retention) gets it; how many.

        A group with any erasure of its words planned or done, or whose key is destroyed, is left alone, so this
        plans each group's erasure once however often the bot starts.
        """
        async with self._uow() as uow:
            session = uow.session
            archived = select(Group).where(Group.status == GroupStatus.ARCHIVED, Group.archived_at.is_not(None))
            planned = select(DueWork.subject).where(DueWork.kind == ARCHIVED_WORDS)
            destroyed = select(GroupKey.group_id).where(GroupKey.wrapped.is_(None))
            subjects = set((await session.execute(planned)).scalars())
            gone = set((await session.execute(destroyed)).scalars())
            count = 0
            for group in (await session.execute(archived.order_by(Group.id))).scalars():
                if not self._shards.owns(group.guild_id) or group.id in gone or group_subject(group.id) in subjects:
                    continue
                await plan_archived_words(uow, group)
                count += 1
            await uow.commit()
        if count:
            log.info("archived groups' erasure planned", extra={"groups": count})
        return count

    async def removed_from(self, guild_id: int) -> DueKey | None:
        """The bot was removed from a server: its data is erased after the grace period, unless it comes back."""
        return (await self.notice_departures({guild_id}, departed=True)).get(guild_id)

    async def notice_departures(self, guild_ids: Collection[int], *, departed: bool = False) -> dict[int, DueKey]:
        """Plan the erasure of servers the bot is not in; returns new dates (a server already waiting keeps its own).

        Those servers are `guild_ids` when `departed`; otherwise every server the database knows but `guild_ids`
        (the servers the bot is in) leaves out: the bot was removed while it was down. Only servers this process's
        shards own: the others are not in `guild_ids` because another process serves them, not because they left.
        """
        now = self._clock.now()
        planned: dict[int, DueKey] = {}
        async with self._uow() as uow:
            known = set(self._shards.owned(await known_guild_ids(uow.session)))
            gone = set(guild_ids) if departed else known - set(guild_ids)
            for guild_id in sorted(gone):
                if await uow.due.open_of(server_subject(guild_id), FORGET_SERVER):
                    continue
                planned[guild_id] = forget_server_key(guild_id, now)
                await schedule_in(uow, OPERATOR_GUILD, planned[guild_id])
            await uow.commit()
        for guild_id, key in planned.items():
            log.info("server's data to be erased", extra={"guild_id": guild_id, "due_at": key.due_at.isoformat()})
        return planned

    async def invited_back(self, guild_ids: Collection[int]) -> int:
        """The bot is in these servers (again): any erasure waiting for them is called off; returns how many."""
        now = self._clock.now()
        async with self._uow() as uow:
            cancelled = sum(
                [await uow.due.cancel(server_subject(guild_id), FORGET_SERVER, now) for guild_id in guild_ids]
            )
            await uow.commit()
        if cancelled:
            log.info("server's erasure called off: the bot is back", extra={"erasures": cancelled})
        return cancelled

    async def erase_server_when_due(self, item: DueItem) -> bool:
        """The grace period after the bot's removal is over: erase the server's data, once; True: finished."""
        guild_id = server_of(item.key.subject)
        async with self._uow() as uow:
            if not await uow.due.finish(item.id, self._clock.now(), held_by=self._instance_id, outcome="erased"):
                return True  # called off (the bot came back) or taken over by another process
            counts = await erase_guild(uow.session, guild_id)
            await uow.commit()
        log.info("server's data erased", extra={"guild_id": guild_id, "rows": sum(counts.values())})
        return True

    async def forget_server(self, guild_id: int) -> dict[str, int]:
        """Erase a server's data now (the operator's command); returns the rows deleted, by table."""
        async with self._uow() as uow:
            counts = await erase_guild(uow.session, guild_id)
            await uow.commit()
        return counts
