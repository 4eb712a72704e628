"""The changes bids and votes share with each other and with group set-up (a member leaving, a cycle ending).

Functions over a unit of work, which the caller has already locked the group's row in. This module imports nothing
of group set-up, which imports it.
"""

from __future__ import annotations

from datetime import datetime

from bot.db.models import Bid, Group, Vote
from bot.db.uow import UnitOfWork
from bot.domain.bids import BidStatus, CloseReason, VoteStatus
from bot.domain.due import DueKey
from bot.domain.effects import DirectNotice, Effect, Notify
from bot.domain.groups import MembershipStatus
from bot.domain.vote_notices import BallotChanged, BidWithdrawn, VoteCard
from bot.domain.votes import without_bid

VOTE_DEADLINE = "vote_deadline"


def deadline_key(vote: Vote) -> DueKey:
    """The due work that closes a vote at its closing time."""
    if vote.closes_at is None:
        raise ValueError("this vote has no closing time")
    return DueKey(f"vote:{vote.id}", VOTE_DEADLINE, vote.closes_at)


def vote_of(subject: str) -> int:
    """The vote a deadline's subject names."""
    return int(subject.removeprefix("vote:"))


def channel_of(group: Group) -> int:
    """The group's text channel, where the vote's card and result go."""
    if group.text_channel_id is None:
        raise RuntimeError("a group without a channel has no vote card")
    return group.text_channel_id


def refresh_card(group: Group, vote: Vote) -> list[Effect]:
    """Bring the vote's card up to date (drawn fresh when carried out); nothing until the card is posted."""
    if vote.card_message_id is None:
        return []
    return [Notify(group.id, channel_of(group), VoteCard(vote.id), edit_message_id=vote.card_message_id)]


async def electorate(uow: UnitOfWork, group: Group) -> list[int]:
    """Who may vote: the group's active members who have accepted the ground rules."""
    members = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
    return [member.user_id for member in members if member.rules_accepted_at is not None]


async def withdraw(
    uow: UnitOfWork, group: Group, bid: Bid, now: datetime, *, status: BidStatus
) -> tuple[int, list[Effect]]:
    """Take a bid out of play; strike it from an open vote, and tell each voter whose ballot named it, privately.

    Returns how many ballots changed, and the effects.
    """
    bid.status, bid.closed_at = status, now
    changed = 0
    effects: list[Effect] = []
    struck = False
    for vote, entry in await uow.votes.votes_with_bid(bid.id, VoteStatus.OPEN):
        entry.struck_at, struck = now, True
        for ballot in await uow.votes.ballots(vote.id):
            if bid.id not in ballot.choices:
                continue
            changed += 1
            remaining = without_bid(ballot.choices, bid.id)
            if remaining:
                ballot.choices, ballot.changed_at = list(remaining), now
            else:
                await uow.votes.remove_ballot(ballot)
            effects.append(
                DirectNotice(group.id, ballot.voter_id, BallotChanged(group.name, bid.title, emptied=not remaining))
            )
        live = [item for item, _ in await uow.votes.on_ballot(vote.id) if item.struck_at is None]
        if not live:
            effects += cancel(group, vote, now, CloseReason.NO_BIDS_LEFT)
        else:
            effects += refresh_card(group, vote)
    if status is BidStatus.WITHDRAWN and group.text_channel_id is not None:
        notice = BidWithdrawn(bid.author_id, bid.title, struck_from_vote=struck)
        effects.append(Notify(group.id, group.text_channel_id, notice))
    return changed, effects


def cancel(group: Group, vote: Vote, now: datetime, reason: CloseReason) -> list[Effect]:
    """End a vote without a result."""
    vote.status, vote.closed_at, vote.close_reason = VoteStatus.CANCELLED, now, reason
    return refresh_card(group, vote)


async def end_cycle(uow: UnitOfWork, group: Group, now: datetime) -> list[Effect]:
    """The group's cycle ended (archived): open bids close and an open vote is cancelled."""
    effects: list[Effect] = []
    vote = await uow.votes.open_in(group.id)
    if vote is not None:
        effects += cancel(group, vote, now, CloseReason.ARCHIVED)
    for bid in await uow.bids.in_status(group.id, BidStatus.OPEN):
        bid.status, bid.closed_at = BidStatus.CLOSED, now
    return effects


async def member_gone(uow: UnitOfWork, group: Group, user_id: int, now: datetime) -> list[Effect]:
    """A member left, was removed or moved: their open bid is withdrawn, their ballot in an open vote dropped."""
    effects: list[Effect] = []
    bid = await uow.bids.open_of(group.id, user_id)
    if bid is not None:
        effects += (await withdraw(uow, group, bid, now, status=BidStatus.WITHDRAWN))[1]
    vote = await uow.votes.open_in(group.id)
    if vote is not None:
        ballot = await uow.votes.ballot_of(vote.id, user_id)
        if ballot is not None:
            await uow.votes.remove_ballot(ballot)
            effects += refresh_card(group, vote)
    return effects
