"""Counting a vote and drawing it as its card and result show it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.db.models import Group, Vote
from bot.db.uow import UnitOfWork
from bot.domain.bids import BidStatus, CloseReason, VoteStatus
from bot.domain.effects import Effect, Notify
from bot.domain.groups import VotingMethod
from bot.domain.vote_notices import VoteResult
from bot.domain.votes import Candidate, tally
from bot.services.votes._shared import channel_of, electorate, refresh_card
from bot.services.votes._views import Count, OnBallot, Placing, TieNote, VoteState


async def close(
    uow: UnitOfWork, group: Group, vote: Vote, now: datetime, reason: CloseReason, by: int | None = None
) -> list[Effect]:
    """Count the ballots, choose the bids that get a round, and post the result."""
    live = [bid for entry, bid in await uow.votes.on_ballot(vote.id) if entry.struck_at is None]
    rounds = await uow.bids.rounds_had(group.id, sorted({bid.author_id for bid in live}))
    candidates = [Candidate(bid.id, bid.author_id, bid.put_in_at, rounds.get(bid.author_id, 0)) for bid in live]
    ballots = [tuple(ballot.choices) for ballot in await uow.votes.ballots(vote.id)]
    result = tally(VotingMethod(vote.method), candidates, ballots, vote.seats)
    vote.status, vote.closed_at, vote.closed_by, vote.close_reason = VoteStatus.CLOSED, now, by, reason
    vote.result = {
        "ballots": result.ballots,
        "placings": [[s.bid_id, s.points, s.votes, s.place] for s in result.standings],
        "winners": list(result.winners),
        "ties": [[t.ahead, t.behind, t.points, t.reason, t.ahead_rounds, t.behind_rounds] for t in result.ties],
    }
    by_id = {bid.id: bid for bid in live}
    for bid_id in result.winners:
        won = by_id[bid_id]
        won.status, won.closed_at, won.chosen_by_vote_id = BidStatus.CHOSEN, now, vote.id
    return [*refresh_card(group, vote), Notify(group.id, channel_of(group), VoteResult(vote.id))]


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
    )


def _count(result: dict[str, Any] | None) -> Count | None:
    if result is None:
        return None
    return Count(
        ballots=int(result["ballots"]),
        placings=[Placing(*(int(value) for value in row)) for row in result["placings"]],
        winners=[int(bid_id) for bid_id in result["winners"]],
        ties=[TieNote(int(a), int(b), int(p), str(r), int(ar), int(br)) for a, b, p, r, ar, br in result["ties"]],
    )
