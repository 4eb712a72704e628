"""Bids: putting one in (or replacing it), listing a group's, withdrawing one's own."""

from __future__ import annotations

from bot.db.models import Bid
from bot.db.uow import UnitOfWork
from bot.domain.bids import BidStatus, VoteStatus, bid_text
from bot.domain.effects import Notify
from bot.domain.errors import BidExistsError, BidNotFoundError
from bot.domain.groups import GroupStatus
from bot.domain.meeting import from_json
from bot.domain.text import msg
from bot.domain.vote_notices import BidPutIn, BidWithdrawn
from bot.services.eligibility import require_eligible
from bot.services.groups._effects import post
from bot.services.groups._guards import get_group, open_group, require_facilitator
from bot.services.groups._views import Actor, GroupKey, Outcome, view_of
from bot.services.votes._base import VoteServiceBase
from bot.services.votes._shared import withdraw
from bot.services.votes._views import BidBoard, BidGate, BidPlaced, BidView, Withdrawal, bid_view

# Translators: each completes "Only members of {group} can … there." and "… first, then …." (an infinitive).
PUTTING_IN = msg("put in a bid")
SEEING = msg("see the bids")


class Bids(VoteServiceBase):
    """The issues members bring."""

    async def bid_gate(self, guild_id: int, user_id: int, which: GroupKey, channel_id: int | None) -> BidGate:
        """Before the bid form opens: the group (the member must be able to bid there) and their open bid, if any."""
        async with self._uow(write=False) as uow:
            group = await get_group(uow, guild_id, which, channel_id=channel_id)
            await require_eligible(uow, group, user_id, doing=PUTTING_IN)
            existing = await uow.bids.open_of(group.id, user_id)
            if existing is None:
                return BidGate(view_of(group), None)
            on_vote = bool(await uow.votes.votes_with_bid(existing.id, VoteStatus.OPEN))
            return BidGate(view_of(group), bid_view(existing), on_vote)

    async def put_in(
        self, guild_id: int, user_id: int, group_id: int, title: str, help_wanted: str, *, replacing: int | None = None
    ) -> Outcome[BidPlaced]:
        """A member puts in a bid; with `replacing`, their open bid of that id is withdrawn in the same step."""
        title, help_wanted = bid_text(title, help_wanted)
        now = self._clock.now()
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, group_id)
            await require_eligible(uow, group, user_id, doing=PUTTING_IN)
            existing = await uow.bids.open_of(group.id, user_id)
            replaced = None
            if existing is not None:
                if existing.id != replacing:
                    raise BidExistsError(
                        msg(
                            "You already have an open bid in {group}. Run /bid add again and choose Replace, "
                            "or withdraw it first with /bid withdraw.",
                            group=group.name,
                        )
                    )
                replaced = bid_view(existing)
                uow.emit(guild_id, *(await withdraw(uow, group, existing, now, why="replaced"))[1])
            bid = await uow.bids.add(
                Bid(
                    group_id=group.id,
                    author_id=user_id,
                    title=title,
                    help=help_wanted,
                    status=BidStatus.OPEN,
                    put_in_at=now,
                )
            )
            uow.emit(guild_id, post(group, BidPutIn(user_id, title, replaced=replaced is not None)))
            vote_open = await uow.votes.open_in(group.id) is not None
            await uow.commit()
            return Outcome(BidPlaced(view_of(group), bid_view(bid), replaced, vote_open), uow.committed)

    async def board(self, guild_id: int, user_id: int, which: GroupKey, channel_id: int | None) -> BidBoard:
        """A group's open bids with their authors, for its members only."""
        async with self._uow(write=False) as uow:
            group = await get_group(uow, guild_id, which, channel_id=channel_id)
            if user_id != group.facilitator_id:
                await require_eligible(uow, group, user_id, doing=SEEING)
            bids = [bid_view(bid) for bid in await uow.bids.in_status(group.id, BidStatus.OPEN)]
            vote = await uow.votes.open_in(group.id)
            in_meeting = await _in_meeting(uow, group.id)
            waiting = [
                bid_view(bid)
                for bid in await uow.bids.in_status(group.id, BidStatus.CHOSEN)
                if bid.id not in in_meeting
            ]
            return BidBoard(view_of(group), bids, vote.id if vote else None, waiting)

    async def own_open_bids(self, guild_id: int, user_id: int) -> list[tuple[BidView, str]]:
        """The member's open bids in this server, each with its group's name (for autocomplete)."""
        async with self._uow(write=False) as uow:
            return [(bid_view(bid), name) for bid, name in await uow.bids.open_by_author(guild_id, user_id)]

    async def waiting_bids(self, guild_id: int, user_id: int, manages_server: bool) -> list[tuple[BidView, str]]:
        """The chosen bids waiting for a round in the groups this person may release them in (for autocomplete)."""
        async with self._uow(write=False) as uow:
            found = []
            for bid, group in await uow.bids.chosen_in_guild(guild_id):
                mine = manages_server or group.facilitator_id == user_id
                if mine and group.status == GroupStatus.ACTIVE and bid.id not in await _in_meeting(uow, group.id):
                    found.append((bid_view(bid), group.name))
            return found

    async def release_bid(self, guild_id: int, actor: Actor, bid_id: int | None) -> Outcome[BidView]:
        """The facilitator frees a chosen bid from waiting for its round (its holder cannot or will not take it)."""
        missing = BidNotFoundError(msg("There is no chosen bid like that. Pick one from the list as you type."))
        found = await self._bid_in_guild(guild_id, bid_id)
        if found is None:
            raise missing
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, found)
            require_facilitator(group, actor)
            bid = await uow.bids.get(bid_id or 0, lock=True)
            if bid is None or bid.group_id != group.id or bid.status != BidStatus.CHOSEN:
                raise missing
            if bid.id in await _in_meeting(uow, group.id):
                raise BidNotFoundError(
                    msg(
                        "**{title}** has its round in the meeting under way, so it cannot be released now. If it "
                        "does not run, release it after the meeting ends.",
                        title=bid.title,
                    )
                )
            _, effects = await withdraw(uow, group, bid, self._clock.now(), why="withdrawn", released_by=actor.user_id)
            uow.emit(guild_id, *effects)
            await uow.commit()
            return Outcome(bid_view(bid), uow.committed)

    async def _bid_in_guild(self, guild_id: int, bid_id: int | None) -> int | None:
        """The group id of a bid of this server (None: no such bid)."""
        if bid_id is None:
            return None
        async with self._uow(write=False) as uow:
            bid = await uow.bids.get(bid_id)
            group = await uow.groups.get(guild_id, bid.group_id) if bid is not None else None
            return group.id if group is not None else None

    async def withdraw_bid(self, guild_id: int, user_id: int, bid_id: int | None) -> Outcome[Withdrawal]:
        """A member withdraws one of their own open bids; an open vote strikes it and its voters are told."""
        missing = BidNotFoundError(msg("You have no open bid like that. Pick one of yours from the list as you type."))
        if bid_id is None:
            raise missing
        async with self._uow() as uow:
            found = await uow.bids.get(bid_id)
            if found is None or found.author_id != user_id:
                raise missing
            group = await open_group(uow, guild_id, found.group_id)
            bid = await uow.bids.get(bid_id, lock=True)
            if bid is not None and bid.status == BidStatus.CHOSEN:
                raise BidNotFoundError(
                    msg(
                        "{title} has just been chosen for a round, so it can no longer be withdrawn. "
                        "If you cannot take the round, tell the facilitator.",
                        title=bid.title,
                    )
                )
            if bid is None or bid.status != BidStatus.OPEN:
                raise missing
            changed, effects = await withdraw(uow, group, bid, self._clock.now(), why="withdrawn")
            uow.emit(guild_id, *effects)
            await uow.commit()
            struck = any(
                isinstance(e, Notify) and isinstance(e.notice, BidWithdrawn) and e.notice.struck_from_vote
                for e in effects
            )
            return Outcome(Withdrawal(view_of(group), bid_view(bid), changed, struck), uow.committed)


async def _in_meeting(uow: UnitOfWork, group_id: int) -> set[int]:
    """The bids whose rounds belong to the group's meeting under way (not waiting: the meeting holds them)."""
    meeting = await uow.meetings.open_in(group_id)
    if meeting is None:
        return set()
    return {item.bid_id for item in from_json(meeting.state).rounds if item.bid_id is not None}
