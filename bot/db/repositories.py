"""Repositories: every query the services need, each scoped by guild where a guild is involved."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, defer
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.crypto import EncryptionKeyError
from bot.db.models import (
    Action,
    ActionReport,
    Ballot,
    Bid,
    BotState,
    Contribution,
    DueWork,
    Group,
    Meeting,
    Membership,
    PendingEffect,
    RoundNote,
    VoiceMute,
    Vote,
    VoteBid,
)
from bot.db.types import UTCDateTime
from bot.domain.actions import STILL_TO_DO
from bot.domain.shards import ALL_SHARDS, SHARD_SHIFT, Shards

log = logging.getLogger(__name__)


def owned_by(guild_id: InstrumentedAttribute[int], shards: Shards) -> ColumnElement[bool]:
    """The rows of the guilds these shards own, worked out by the database itself (both back ends shift and divide)."""
    if shards.everything:
        return true()
    # Numbers of our own, written into the SQL: PostgreSQL shifts a bigint only by an integer, never by a bigint.
    shifted = guild_id.op(">>", precedence=7, return_type=guild_id.type)(literal_column(str(SHARD_SHIFT)))
    shard = (shifted % literal_column(str(shards.count))).self_group()
    return shard.in_(shards.ids)


class DuplicateNameError(Exception):
    """Another group of the guild took the name between the check and the insert."""


class GroupRepository:
    """Groups of one or more guilds."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, group: Group) -> Group:
        """Insert a group and learn its id; `DuplicateNameError` if its name was taken meanwhile."""
        self.session.add(group)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise DuplicateNameError from exc
        return group

    async def by_id(self, group_id: int) -> Group | None:
        """A group by its id alone, for work that is not on behalf of a member (carrying out effects)."""
        return await self.session.get(Group, group_id)

    async def get(self, guild_id: int, group_id: int, *, lock: bool = False) -> Group | None:
        """The group with this id in this guild; `lock` holds its row until the unit of work ends."""
        query = select(Group).where(Group.guild_id == guild_id, Group.id == group_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_name_key(self, guild_id: int, key: str, *, lock: bool = False) -> Group | None:
        """The group with this name (as compared by `name_key`) in this guild."""
        query = select(Group).where(Group.guild_id == guild_id, Group.name_key == key)
        return (await self.session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()

    async def by_channel(self, guild_id: int, channel_id: int, *, lock: bool = False) -> Group | None:
        """The group whose text or voice channel this is."""
        query = select(Group).where(
            Group.guild_id == guild_id, or_(Group.text_channel_id == channel_id, Group.voice_channel_id == channel_id)
        )
        return (await self.session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()

    async def names(self, guild_id: int, statuses: Sequence[str]) -> list[tuple[int, str]]:
        """Ids and names of the guild's groups in these statuses, without loading whole rows."""
        query = (
            select(Group.id, Group.name)
            .where(Group.guild_id == guild_id, Group.status.in_(statuses))
            .order_by(Group.name_key)
        )
        return [(row.id, row.name) for row in await self.session.execute(query)]

    async def of_person(self, guild_id: int, user_id: int) -> Sequence[Group]:
        """The guild's active groups the person belongs to, as an active member or as the facilitator, by name."""
        member_of = select(Membership.group_id).where(Membership.user_id == user_id, Membership.status == "active")
        query = (
            select(Group)
            .where(
                Group.guild_id == guild_id,
                Group.status == "active",
                or_(Group.facilitator_id == user_id, Group.id.in_(member_of)),
            )
            .order_by(Group.name_key)
        )
        return (await self.session.execute(query)).scalars().all()

    async def in_status(self, guild_id: int, status: str) -> Sequence[Group]:
        """Every group of the guild in this status."""
        query = select(Group).where(Group.guild_id == guild_id, Group.status == status)
        return (await self.session.execute(query)).scalars().all()

    async def delete(self, group: Group) -> None:
        """Remove a group and, by cascade, its memberships."""
        await self.session.delete(group)
        await self.session.flush()


class MembershipRepository:
    """Who is in which group."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, membership: Membership) -> Membership:
        """Insert a membership and learn its id."""
        self.session.add(membership)
        await self.session.flush()
        return membership

    async def get(self, group_id: int, user_id: int) -> Membership | None:
        """The person's standing in the group, if they ever had one."""
        query = select(Membership).where(Membership.group_id == group_id, Membership.user_id == user_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def of_users(self, group_id: int, user_ids: Sequence[int]) -> dict[int, Membership]:
        """Several people's standing in the group at once, by user id (those who never had one are left out)."""
        if not user_ids:
            return {}
        query = select(Membership).where(Membership.group_id == group_id, Membership.user_id.in_(user_ids))
        return {row.user_id: row for row in (await self.session.execute(query)).scalars()}

    async def by_id(self, membership_id: int, *, lock: bool = False) -> Membership | None:
        """A membership by its id; `lock` holds its row until the unit of work ends."""
        query = select(Membership).where(Membership.id == membership_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def with_status(self, group_id: int, status: str) -> Sequence[Membership]:
        """Memberships of the group in this status, in the order people joined."""
        query = (
            select(Membership)
            .where(Membership.group_id == group_id, Membership.status == status)
            .order_by(Membership.joined_at, Membership.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def count_active(self, group_id: int) -> int:
        """How many active members the group has."""
        query = select(func.count()).where(Membership.group_id == group_id, Membership.status == "active")
        return int((await self.session.execute(query)).scalar_one())


class EffectRepository:
    """The outbox of Discord-side effects."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_all(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Queue effects (column values) and learn their ids, in order: one INSERT for them all."""
        if not rows:
            return []
        query = insert(PendingEffect).returning(PendingEffect.id, sort_by_parameter_order=True)
        return list((await self.session.scalars(query, list(rows))).all())

    async def pending(
        self, guild_ids: Sequence[int], max_attempts: int, shards: Shards = ALL_SHARDS
    ) -> Sequence[PendingEffect]:
        """Effects not yet carried out for these guilds, oldest first (those no key can read are left out)."""
        query = (
            select(PendingEffect)
            .where(
                PendingEffect.guild_id.in_(guild_ids),
                owned_by(PendingEffect.guild_id, shards),
                PendingEffect.attempts < max_attempts,
            )
            .order_by(PendingEffect.id)
        )
        return await self._readable(query)

    async def _readable(
        self, query: Select[PendingEffect], *, lease_until: datetime | None = None
    ) -> list[PendingEffect]:
        """The rows, each payload decrypted on its own: one that no configured key can read is logged and left out.

        Decrypting as the rows are fetched would let one such row (the key lost or replaced) fail the whole batch,
        and with it the bot's start-up. Rows left out stay stored, so that putting the old key back among
        ENCRYPTION_KEYS makes them readable again. `lease_until`: hold every row fetched until then, readable or
        not, so that an unreadable one is not taken (and logged) again before its lease is over.
        """
        stored = type_coerce(PendingEffect.payload, Text)
        digest = type_coerce(PendingEffect.sent_digest, Text)
        result = await self.session.execute(
            query.add_columns(stored, digest).options(defer(PendingEffect.payload), defer(PendingEffect.sent_digest))
        )
        dialect = self.session.get_bind().dialect
        read = PendingEffect.payload.type.result_processor(dialect, None)
        read_digest = PendingEffect.sent_digest.type.result_processor(dialect, None)
        rows = []
        for row, text, sent in result:
            if lease_until is not None:
                row.lease_until = lease_until
            try:
                payload = read(text) if read is not None else text
            except (EncryptionKeyError, ValueError) as exc:
                why = "no configured key decrypts it" if isinstance(exc, EncryptionKeyError) else "it is not JSON"
                log.warning(
                    "a queued effect cannot be read; it is left aside",
                    extra={"effect_id": row.id, "guild_id": row.guild_id, "kind": row.kind, "reason": why},
                )
                continue
            set_committed_value(row, "payload", payload)
            set_committed_value(row, "sent_digest", read_digest(sent) if read_digest is not None else sent)
            rows.append(row)
        return rows

    async def remove(self, effect_ids: Sequence[int]) -> None:
        """Forget effects that have been carried out."""
        await self.session.execute(delete(PendingEffect).where(PendingEffect.id.in_(effect_ids)))

    async def claim(
        self,
        guild_ids: Sequence[int],
        now: datetime,
        lease_length: timedelta,
        max_attempts: int,
        *,
        created_before: datetime | None = None,
        effect_ids: Sequence[int] | None = None,
        excluding: Sequence[int] = (),
        shards: Shards = ALL_SHARDS,
    ) -> Sequence[PendingEffect]:
        """Hold for `lease_length` the effects that nobody holds (their lease or wait is over), oldest first.

        `created_before`: also take those an earlier process of these guilds queued (it was killed while holding
        them). `effect_ids`: only these. `excluding`: not these (this process is still carrying them out). Only
        the guilds `shards` own, whatever `guild_ids` says.
        """
        free = or_(PendingEffect.lease_until.is_(None), PendingEffect.lease_until <= now)
        if created_before is not None:
            # Queued before this process started and still under the lease its committer took then (not one a
            # claim has taken since, which runs at least a lease past the start): the committer was killed.
            leftover = and_(
                PendingEffect.created_at < created_before, PendingEffect.lease_until < created_before + lease_length
            )
            free = or_(free, leftover)
        query = select(PendingEffect).where(
            PendingEffect.guild_id.in_(guild_ids),
            owned_by(PendingEffect.guild_id, shards),
            PendingEffect.attempts < max_attempts,
            free,
        )
        if effect_ids is not None:
            query = query.where(PendingEffect.id.in_(effect_ids))
        if excluding:
            query = query.where(PendingEffect.id.not_in(excluding))
        query = query.order_by(PendingEffect.id).with_for_update(skip_locked=True)
        rows = await self._readable(query, lease_until=now + lease_length)
        await self.session.flush()
        return rows

    async def mark_sent(self, effect_id: int, at: datetime, digest: str) -> None:
        """Note that a post is being sent now, and a digest of what it says."""
        await self.session.execute(
            update(PendingEffect).where(PendingEffect.id == effect_id).values(sent_at=at, sent_digest=digest)
        )

    async def attempts(self, effect_id: int) -> int:
        """How many times carrying out the effect has failed (0 if it is gone)."""
        query = select(PendingEffect.attempts).where(PendingEffect.id == effect_id)
        return int((await self.session.execute(query)).scalar_one_or_none() or 0)

    async def count_attempt(self, effect_id: int, retry_at: datetime | None) -> None:
        """Note one more failed attempt, and when the effect may be tried again (None: never)."""
        await self.session.execute(
            update(PendingEffect)
            .where(PendingEffect.id == effect_id)
            .values(attempts=PendingEffect.attempts + 1, lease_until=retry_at)
        )

    async def remove_for_group(self, group_id: int) -> None:
        """Forget every effect of a group that is being removed."""
        await self.session.execute(delete(PendingEffect).where(PendingEffect.group_id == group_id))

    async def remove_channel_effects(self, group_id: int) -> None:
        """Forget a group's queued posts and access changes (they name its channels); direct messages stay."""
        await self.session.execute(
            delete(PendingEffect).where(
                PendingEffect.group_id == group_id, PendingEffect.kind.in_(("set_access", "notify"))
            )
        )


class StateRepository:
    """Key-value facts the bot keeps about itself."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> str | None:
        """The stored value, if any."""
        row = await self.session.get(BotState, key, populate_existing=True)
        return row.value if row else None

    async def put(self, key: str, value: str, now: datetime) -> None:
        """Store or replace a value, in one statement: two processes starting at once may both write the same key."""
        dialect = self.session.bind.dialect.name if self.session.bind is not None else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(BotState).values(key=key, value=value, updated_at=now)
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=[BotState.key], set_={"value": value, "updated_at": now})
        )


class DueRepository:
    """The table of due work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_once(self, rows: Sequence[DueWork]) -> None:
        """Insert the work (one statement) unless the same (subject, kind, due time) is already there, done or not."""
        if not rows:
            return
        values = [
            {
                "guild_id": row.guild_id,
                "subject": row.subject,
                "kind": row.kind,
                "due_at": row.due_at,
                "attempts": 0,
                "gave_up": False,
            }
            for row in rows
        ]
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(insert(DueWork).values(values).on_conflict_do_nothing())

    async def next_due(self, guild_ids: Sequence[int], shards: Shards = ALL_SHARDS) -> datetime | None:
        """When the earliest open work of these guilds (those `shards` own) can next be claimed."""
        ready = case((DueWork.not_before > DueWork.due_at, DueWork.not_before), else_=DueWork.due_at)
        query = select(type_coerce(func.min(ready), UTCDateTime())).where(
            DueWork.guild_id.in_(guild_ids), owned_by(DueWork.guild_id, shards), DueWork.done_at.is_(None)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def claim(
        self,
        guild_ids: Sequence[int],
        now: datetime,
        lease_until: datetime,
        worker: str,
        limit: int,
        owner: str | None = None,
        shards: Shards = ALL_SHARDS,
    ) -> Sequence[DueWork]:
        """Hold the open work that is due and free (never claimed, or its lease or wait is over) until `lease_until`.

        `worker` is this life of the process, `owner` the name it keeps across restarts (see `take_back`). Only
        the guilds `shards` own, whatever `guild_ids` says.
        """
        query = (
            select(DueWork)
            .where(
                DueWork.guild_id.in_(guild_ids),
                owned_by(DueWork.guild_id, shards),
                DueWork.done_at.is_(None),
                DueWork.due_at <= now,
                or_(DueWork.not_before.is_(None), DueWork.not_before <= now),
            )
            # A burst of scheduled posts never keeps a meeting's timers, a vote's close or a retry waiting.
            .order_by(case((DueWork.kind.like("remind.%"), 1), else_=0), DueWork.due_at, DueWork.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (await self.session.execute(query)).scalars().all()
        for row in rows:
            row.claimed_by, row.claim_owner, row.not_before = worker, owner, lease_until
        await self.session.flush()
        return rows

    async def take_back(self, owner: str, worker: str, held_shards: Shards | None = None) -> int:
        """Free at once the open work that an earlier life of `owner` held (it was killed); returns how many pieces.

        Only `owner`'s: another process's claims are left to run out, as that process may be alive. With
        `held_shards` (this process holds their locks, so nobody else alive serves them): every claim in their guilds.
        """
        whose = DueWork.claim_owner == owner if held_shards is None else owned_by(DueWork.guild_id, held_shards)
        result = await self.session.execute(
            update(DueWork)
            .where(
                whose,
                DueWork.claimed_by.is_not(None),
                DueWork.claimed_by != worker,
                DueWork.done_at.is_(None),
            )
            .values(claimed_by=None, claim_owner=None, not_before=None)
        )
        return int(getattr(result, "rowcount", 0))

    async def finish(self, work_id: int, now: datetime, *, held_by: str, outcome: str | None = None) -> bool:
        """The work is done, if `held_by` still holds it and nobody finished it; returns whether it was.

        A handler that decides for itself calls this in the transaction of its decision: if another process took
        the work over (the lease ran out), the decision is rolled back and nothing is done twice.
        """
        values: dict[str, object] = {"done_at": now, "claimed_by": None, "claim_owner": None, "not_before": None}
        if outcome is not None:
            values["outcome"] = outcome
        result = await self.session.execute(
            update(DueWork)
            .where(DueWork.id == work_id, DueWork.claimed_by == held_by, DueWork.done_at.is_(None))
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))

    async def outcomes(self, subject: str) -> Sequence[DueWork]:
        """The work of one subject, oldest due first (what was sent, missed or superseded, and what is to come)."""
        query = select(DueWork).where(DueWork.subject == subject).order_by(DueWork.due_at, DueWork.id)
        return (await self.session.execute(query)).scalars().all()

    async def release(self, work_id: int, again: datetime | None, now: datetime, *, held_by: str) -> None:
        """The work failed: free it to be claimed again at `again`, or give it up (None).

        Only while `held_by` holds it: work another process took over, or that its handler finished, stays as it is.
        """
        values: dict[str, object] = {
            "claimed_by": None,
            "claim_owner": None,
            "attempts": DueWork.attempts + 1,
            "not_before": again,
        }
        if again is None:
            values.update(done_at=now, gave_up=True)
        await self.session.execute(
            update(DueWork)
            .where(DueWork.id == work_id, DueWork.claimed_by == held_by, DueWork.done_at.is_(None))
            .values(**values)
        )

    async def postpone(self, work_id: int, until: datetime, *, held_by: str) -> bool:
        """Free the work to be claimed again at `until` (not a failure), if `held_by` still holds it."""
        result = await self.session.execute(
            update(DueWork)
            .where(DueWork.id == work_id, DueWork.claimed_by == held_by, DueWork.done_at.is_(None))
            .values(claimed_by=None, claim_owner=None, not_before=until)
        )
        return bool(getattr(result, "rowcount", 0))

    async def open_of(self, subject: str, kind: str) -> Sequence[DueWork]:
        """The work of this subject and kind not yet done (held or not), soonest first."""
        query = (
            select(DueWork)
            .where(DueWork.subject == subject, DueWork.kind == kind, DueWork.done_at.is_(None))
            .order_by(DueWork.due_at)
        )
        return (await self.session.execute(query)).scalars().all()

    async def cancel(self, subject: str, kind: str, now: datetime) -> int:
        """End the open work of this subject and kind without doing it (even if held); returns how many pieces."""
        result = await self.session.execute(
            update(DueWork)
            .where(DueWork.subject == subject, DueWork.kind == kind, DueWork.done_at.is_(None))
            .values(done_at=now, outcome="cancelled", claimed_by=None, claim_owner=None, not_before=None)
        )
        return int(getattr(result, "rowcount", 0))


class BidRepository:
    """Bids of groups."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, bid: Bid) -> Bid:
        """Insert a bid and learn its id."""
        self.session.add(bid)
        await self.session.flush()
        return bid

    async def get(self, bid_id: int, *, lock: bool = False) -> Bid | None:
        """A bid by id; `lock` holds its row until the unit of work ends."""
        query = select(Bid).where(Bid.id == bid_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def in_status(self, group_id: int, status: str) -> Sequence[Bid]:
        """The group's bids in this status, oldest first."""
        query = select(Bid).where(Bid.group_id == group_id, Bid.status == status).order_by(Bid.put_in_at, Bid.id)
        return (await self.session.execute(query)).scalars().all()

    async def open_of(self, group_id: int, author_id: int) -> Bid | None:
        """The author's open bid in the group, if any (there is at most one)."""
        query = select(Bid).where(Bid.group_id == group_id, Bid.author_id == author_id, Bid.status == "open")
        return (await self.session.execute(query.order_by(Bid.id).limit(1))).scalar_one_or_none()

    async def open_by_author(self, guild_id: int, author_id: int) -> Sequence[tuple[Bid, str]]:
        """The author's open bids in this guild's groups, with each group's name."""
        query = (
            select(Bid, Group.name)
            .join(Group, Group.id == Bid.group_id)
            .where(Group.guild_id == guild_id, Bid.author_id == author_id, Bid.status == "open")
            .order_by(Bid.put_in_at, Bid.id)
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def chosen_in_guild(self, guild_id: int) -> Sequence[tuple[Bid, Group]]:
        """The chosen bids of this guild's groups, their rounds yet to run, with each one's group."""
        query = (
            select(Bid, Group)
            .join(Group, Group.id == Bid.group_id)
            .where(Group.guild_id == guild_id, Bid.status == "chosen")
            .order_by(Bid.put_in_at, Bid.id)
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def rounds_had(self, group_id: int, author_ids: Sequence[int]) -> dict[int, int]:
        """How many of each author's bids have been chosen for a round in the group (this cycle)."""
        query = (
            select(Bid.author_id, func.count())
            .where(Bid.group_id == group_id, Bid.author_id.in_(author_ids), Bid.chosen_by_vote_id.is_not(None))
            .group_by(Bid.author_id)
        )
        return {int(row[0]): int(row[1]) for row in await self.session.execute(query)}


class VoteRepository:
    """Votes, the bids on their ballots, and the ballots cast."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, vote: Vote, bid_ids: Sequence[int]) -> Vote:
        """Insert a vote with the bids on its ballot, in order."""
        self.session.add(vote)
        await self.session.flush()
        self.session.add_all(
            VoteBid(vote_id=vote.id, bid_id=bid_id, position=position) for position, bid_id in enumerate(bid_ids)
        )
        await self.session.flush()
        return vote

    async def get(self, vote_id: int, *, lock: bool = False) -> Vote | None:
        """A vote by id; `lock` holds its row until the unit of work ends."""
        query = select(Vote).where(Vote.id == vote_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def open_in(self, group_id: int) -> Vote | None:
        """The group's open vote, if any (there is at most one)."""
        query = select(Vote).where(Vote.group_id == group_id, Vote.status == "open").order_by(Vote.id).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def on_ballot(self, vote_id: int) -> Sequence[tuple[VoteBid, Bid]]:
        """The bids on the vote's ballot in ballot order, struck ones included."""
        query = (
            select(VoteBid, Bid)
            .join(Bid, Bid.id == VoteBid.bid_id)
            .where(VoteBid.vote_id == vote_id)
            .order_by(VoteBid.position)
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def votes_with_bid(self, bid_id: int, status: str) -> Sequence[tuple[Vote, VoteBid]]:
        """Votes in this status whose ballot carries the bid."""
        query = (
            select(Vote, VoteBid)
            .join(VoteBid, VoteBid.vote_id == Vote.id)
            .where(VoteBid.bid_id == bid_id, Vote.status == status)
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def ballots(self, vote_id: int) -> Sequence[Ballot]:
        """Every ballot of the vote, in the order they were first cast."""
        query = select(Ballot).where(Ballot.vote_id == vote_id).order_by(Ballot.id)
        return (await self.session.execute(query)).scalars().all()

    async def ballot_of(self, vote_id: int, voter_id: int) -> Ballot | None:
        """A member's ballot in the vote, if they have cast one."""
        query = select(Ballot).where(Ballot.vote_id == vote_id, Ballot.voter_id == voter_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def count_ballots(self, vote_id: int) -> int:
        """How many members have voted (never for what)."""
        query = select(func.count()).where(Ballot.vote_id == vote_id)
        return int((await self.session.execute(query)).scalar_one())

    async def add_ballot(self, ballot: Ballot) -> None:
        """Insert a ballot."""
        self.session.add(ballot)
        await self.session.flush()

    async def remove_ballot(self, ballot: Ballot) -> None:
        """Take a ballot away (it named only bids that are gone)."""
        await self.session.delete(ballot)
        await self.session.flush()


class MeetingRepository:
    """Meetings, and the actions and notes their rounds produce."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, meeting: Meeting) -> Meeting:
        """Insert a meeting and learn its id."""
        self.session.add(meeting)
        await self.session.flush()
        return meeting

    async def get(self, meeting_id: int, *, lock: bool = False) -> Meeting | None:
        """A meeting by id; `lock` holds its row until the unit of work ends."""
        query = select(Meeting).where(Meeting.id == meeting_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def open_in(self, group_id: int, *, lock: bool = False) -> Meeting | None:
        """The group's meeting under way, if any (there is at most one)."""
        query = select(Meeting).where(Meeting.group_id == group_id, Meeting.status == "open").order_by(Meeting.id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def open_in_voice(self, guild_id: int, channel_id: int) -> Meeting | None:
        """The meeting under way whose floor is kept in this voice channel, if any."""
        query = (
            select(Meeting)
            .join(Group, Group.id == Meeting.group_id)
            .where(Group.guild_id == guild_id, Meeting.voice_channel_id == channel_id, Meeting.status == "open")
            .order_by(Meeting.id)
        )
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def count_in(self, group_id: int) -> int:
        """How many meetings the group has had (open or ended)."""
        query = select(func.count()).where(Meeting.group_id == group_id)
        return int((await self.session.execute(query)).scalar_one())

    async def last_ended(self, group_id: int) -> datetime | None:
        """When the group's latest meeting ended, if one has."""
        query = select(type_coerce(func.max(Meeting.ended_at), UTCDateTime())).where(Meeting.group_id == group_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def open_in_guilds(self, guild_ids: Sequence[int]) -> Sequence[tuple[Meeting, Group]]:
        """Every meeting under way in these guilds, with its group (start-up resumes them)."""
        query = (
            select(Meeting, Group)
            .join(Group, Group.id == Meeting.group_id)
            .where(Group.guild_id.in_(guild_ids), Meeting.status == "open")
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def of_group(self, group_id: int) -> Sequence[Meeting]:
        """Every meeting of the group, open or ended, in the order they were held."""
        query = select(Meeting).where(Meeting.group_id == group_id).order_by(Meeting.number, Meeting.id)
        return (await self.session.execute(query)).scalars().all()

    async def on_stage(self, guild_ids: Sequence[int]) -> Sequence[tuple[Meeting, Group]]:
        """Every Stage meeting in these guilds that is under way or whose Stage instance the bot has not closed."""
        query = (
            select(Meeting, Group)
            .join(Group, Group.id == Meeting.group_id)
            .where(
                Group.guild_id.in_(guild_ids),
                Meeting.stage.is_(True),
                (Meeting.status == "open") | Meeting.stage_instance_id.is_not(None),
            )
            .order_by(Meeting.id)
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def add_action(self, action: Action) -> Action:
        """Insert an action and learn its id."""
        self.session.add(action)
        await self.session.flush()
        return action

    async def remove_action(self, action: Action) -> None:
        """Delete an action (a holder changing their round's actions before the meeting ends)."""
        await self.session.delete(action)
        await self.session.flush()

    async def actions_of_round(self, meeting_id: int, round_index: int) -> Sequence[Action]:
        """The actions committed in one round, in the order they were written."""
        query = (
            select(Action).where(Action.meeting_id == meeting_id, Action.round_index == round_index).order_by(Action.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def open_actions(self, group_id: int, owner_ids: Sequence[int]) -> Sequence[Action]:
        """Actions of these members in the group still to do (open, partly, not yet), oldest first (the catch-up)."""
        query = (
            select(Action)
            .where(Action.group_id == group_id, Action.owner_id.in_(owner_ids), Action.status.in_(STILL_TO_DO))
            .order_by(Action.created_at, Action.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def note_of(self, meeting_id: int, round_index: int) -> RoundNote | None:
        """What the holder of a round said they learnt."""
        return await self.session.get(RoundNote, (meeting_id, round_index))

    async def add_contribution(self, contribution: Contribution) -> None:
        """Keep what a peer said in a round (for the holder's digest)."""
        self.session.add(contribution)
        await self.session.flush()

    async def contributions_of_round(self, meeting_id: int, round_index: int) -> Sequence[Contribution]:
        """What peers said in a round, in order."""
        query = (
            select(Contribution)
            .where(Contribution.meeting_id == meeting_id, Contribution.round_index == round_index)
            .order_by(Contribution.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def put_note(self, note: RoundNote) -> None:
        """Store (or replace) what the holder learnt."""
        await self.session.merge(note)
        await self.session.flush()


class ActionRepository:
    """Actions across a member's groups, and the reports on them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, action_id: int, *, lock: bool = False) -> Action | None:
        """An action by id; `lock` holds its row until the unit of work ends."""
        query = select(Action).where(Action.id == action_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def of_owner(self, owner_id: int, group_ids: Sequence[int]) -> Sequence[Action]:
        """A member's actions in these groups, newest first."""
        query = (
            select(Action)
            .where(Action.owner_id == owner_id, Action.group_id.in_(group_ids))
            .order_by(Action.created_at.desc(), Action.id.desc())
        )
        return (await self.session.execute(query)).scalars().all()

    async def of_owners(self, group_id: int, owner_ids: Sequence[int]) -> Sequence[Action]:
        """These members' actions in one group, oldest first."""
        query = (
            select(Action)
            .where(Action.group_id == group_id, Action.owner_id.in_(owner_ids))
            .order_by(Action.created_at, Action.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def of_group(self, group_id: int) -> Sequence[Action]:
        """Every action set in the group, oldest first."""
        query = select(Action).where(Action.group_id == group_id).order_by(Action.created_at, Action.id)
        return (await self.session.execute(query)).scalars().all()

    async def add_report(self, report: ActionReport) -> None:
        """Record a report on an action."""
        self.session.add(report)
        await self.session.flush()

    async def reports_of(self, action_ids: Sequence[int]) -> Sequence[ActionReport]:
        """The reports on these actions, oldest first."""
        if not action_ids:
            return []
        query = (
            select(ActionReport)
            .where(ActionReport.action_id.in_(action_ids))
            .order_by(ActionReport.reported_at, ActionReport.id)
        )
        return (await self.session.execute(query)).scalars().all()


class VoiceMuteRepository:
    """The ledger of server mutes and Stage suppressions the bot owns: per person, guild, kind, group and channel."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self,
        guild_id: int,
        user_id: int,
        group_id: int,
        channel_id: int | None,
        *,
        kind: str = "mute",
        lock: bool = False,
    ) -> VoiceMute | None:
        """The person's row of this kind for the group's meeting in this voice channel or Stage, if the bot owns one."""
        query = select(VoiceMute).where(
            VoiceMute.guild_id == guild_id,
            VoiceMute.user_id == user_id,
            VoiceMute.kind == kind,
            VoiceMute.group_id == group_id,
            VoiceMute.channel_id.is_(None) if channel_id is None else VoiceMute.channel_id == channel_id,
        )
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def of_kind(
        self, guild_id: int, user_id: int, *, kind: str = "mute", lock: bool = False
    ) -> Sequence[VoiceMute]:
        """The person's rows of this kind in the guild, for every meeting, oldest first."""
        query = select(VoiceMute).where(
            VoiceMute.guild_id == guild_id, VoiceMute.user_id == user_id, VoiceMute.kind == kind
        )
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(query.order_by(VoiceMute.id))).scalars().all()

    async def add(self, row: VoiceMute) -> VoiceMute:
        """Record a mute about to be made."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def remove(self, row: VoiceMute) -> None:
        """The mute is undone (or was never the bot's to undo)."""
        await self.session.delete(row)
        await self.session.flush()

    async def in_guilds(self, guild_ids: Sequence[int]) -> Sequence[VoiceMute]:
        """Every row in these guilds (start-up reconciles each)."""
        query = select(VoiceMute).where(VoiceMute.guild_id.in_(guild_ids)).order_by(VoiceMute.id)
        return (await self.session.execute(query)).scalars().all()

    async def of_person(self, guild_id: int, user_id: int) -> Sequence[VoiceMute]:
        """The person's rows of every kind in the guild."""
        query = select(VoiceMute).where(VoiceMute.guild_id == guild_id, VoiceMute.user_id == user_id)
        return (await self.session.execute(query.order_by(VoiceMute.id))).scalars().all()
