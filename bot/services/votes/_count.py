"""Drawing a vote as its card and result show it."""

from __future__ import annotations

from typing import Any

from bot.db.models import Group, Vote
from bot.db.uow import UnitOfWork
from bot.domain.bids import CloseReason, VoteStatus
from bot.domain.groups import VotingMethod
from bot.services.votes._shared import electorate
from bot.services.votes._views import Count, OnBallot, Placing, TieNote, VoteState


async def state_of(uow: UnitOfWork, group: Group, vote: Vote) -> VoteState:
    """The vote as its card and result show it."""
    bids = [
        OnBallot(bid.id, bid.author_id, bid.title, entry.struck_at is not None)
        for entry, bid in await uow.votes.on_ballot(vote.id)
    ]
    return VoteState(
        id=vote.id,
        group_id=group.id,
        group_name=group.name,
        status=VoteStatus(vote.status),
        method=VotingMethod(vote.method),
        seats=vote.seats,
        own_bid_votes=vote.own_bid_votes,
        bids=bids,
        voted=await uow.votes.count_ballots(vote.id),
        electorate=len(await electorate(uow, group)),
        closes_at=vote.closes_at,
        close_reason=CloseReason(vote.close_reason) if vote.close_reason else None,
        closed_by=vote.closed_by,
        count=_count(vote.result),
        meeting_card=await _meeting_card(uow, group, vote),
    )


async def _meeting_card(uow: UnitOfWork, group: Group, vote: Vote) -> tuple[int, int, int] | None:
    """Where the card of the meeting holding this vote is, while the meeting is under way."""
    meeting = await uow.meetings.open_in(group.id)
    if meeting is None or meeting.vote_id != vote.id:
        return None
    if group.text_channel_id is None or meeting.card_message_id is None:
        return None
    return group.guild_id, group.text_channel_id, meeting.card_message_id


def _count(result: dict[str, Any] | None) -> Count | None:
    if result is None:
        return None
    return Count(
        ballots=int(result["ballots"]),
        placings=[Placing(*(int(value) for value in row)) for row in result["placings"]],
        winners=[int(bid_id) for bid_id in result["winners"]],
        ties=[TieNote(int(a), int(b), int(p), str(r), int(ar), int(br)) for a, b, p, r, ar, br in result["ties"]],
    )
