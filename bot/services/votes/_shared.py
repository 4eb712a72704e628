"""The changes bids and votes share with each other and with group set-up (a member leaving, a cycle ending).

Functions over a unit of work, which the caller has already locked the group's row in. This module imports nothing
of group set-up, which imports it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.db.models import Bid, Group, Vote
from bot.db.uow import UnitOfWork
from bot.domain.bids import BidStatus, CloseReason, VoteStatus
from bot.domain.due import DueKey
from bot.domain.effects import DirectNotice, Effect, Notify
from bot.domain.groups import MembershipStatus, VotingMethod
from bot.domain.meeting import MeetingState, Voted, from_json
from bot.domain.vote_notices import BallotChanged, BidWithdrawn, NothingToVoteOn, VoteCard, VoteResult
from bot.domain.votes import Candidate, tally, without_bid
from bot.services.floor import advance

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
    uow: UnitOfWork,
    group: Group,
    bid: Bid,
    now: datetime,
    *,
    why: Literal["withdrawn", "left", "replaced"],
    released_by: int | None = None,
) -> tuple[int, list[Effect]]:
    """Take a bid out of play; strike it from an open vote, and tell each voter whose ballot named it, privately.

    A ballot left with no choice stays, empty, so that the card's count of who voted never betrays how many chose
    the bid; the vote then waits for that voter again. Returns how many ballots changed, and the effects.
    """
    bid.status, bid.closed_at = BidStatus.WITHDRAWN, now
    changed = 0
    effects: list[Effect] = []
    struck = False
    for vote, entry in await uow.votes.votes_with_bid(bid.id, VoteStatus.OPEN):
        entry.struck_at, struck = now, True
        told: list[tuple[int, bool]] = []
        for ballot in await uow.votes.ballots(vote.id):
            if bid.id not in ballot.choices:
                continue
            changed += 1
            remaining = without_bid(ballot.choices, bid.id)
            ballot.choices, ballot.changed_at = list(remaining), now
            told.append((ballot.voter_id, not remaining))
        effects += await settle(uow, group, vote, now)
        outcome = VoteStatus(vote.status)
        effects += [
            DirectNotice(group.id, voter, BallotChanged(group.name, bid.title, emptied=emptied, vote=outcome))
            for voter, emptied in told
        ]
    if why != "replaced" and group.text_channel_id is not None:
        notice = BidWithdrawn(
            bid.author_id, bid.title, struck_from_vote=struck, left=why == "left", released_by=released_by
        )
        effects.append(Notify(group.id, group.text_channel_id, notice))
    return changed, effects


async def settle(uow: UnitOfWork, group: Group, vote: Vote, now: datetime) -> list[Effect]:
    """After any change to an open vote: close it if it is decided, else bring its card up to date.

    Decided: no more bids than rounds (every bid gets one), or every member who may vote has a ballot with a
    choice on it.
    """
    if vote.status != VoteStatus.OPEN:
        return []
    live = [bid for entry, bid in await uow.votes.on_ballot(vote.id) if entry.struck_at is None]
    if len(live) <= vote.seats:
        return await close(uow, group, vote, now, CloseReason.FEW_BIDS)
    authors = {bid.author_id for bid in live}
    waiting_for = {voter for voter in await electorate(uow, group) if vote.own_bid_votes or authors != {voter}}
    voted = {ballot.voter_id for ballot in await uow.votes.ballots(vote.id) if ballot.choices}
    if waiting_for <= voted:
        return await close(uow, group, vote, now, CloseReason.EVERYONE_VOTED)
    return refresh_card(group, vote)


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
    meeting = await uow.meetings.open_in(group.id)
    ours = meeting is not None and meeting.vote_id == vote.id
    # The rounds that waited from an earlier vote go first in the meeting that held this one (holders present).
    carried = await waiting_rounds(uow, group, present=from_json(meeting.state)) if meeting and ours else []
    for bid_id in result.winners:
        won = by_id[bid_id]
        won.status, won.closed_at, won.chosen_by_vote_id = BidStatus.CHOSEN, now, vote.id
    effects = [*refresh_card(group, vote), Notify(group.id, channel_of(group), VoteResult(vote.id))]
    if meeting is not None and ours:
        winners = tuple((by_id[bid_id].author_id, bid_id) for bid_id in result.winners)
        # Never more rounds than the meeting holds: a holder who came late to the vote takes back their waiting
        # round's seat, and the vote's last winner waits, chosen, for the next meeting.
        seated = (*carried, *winners)[: max(group.rounds_per_meeting, len(carried))]
        effects += await advance(uow, group, meeting, Voted(seated), now)
    return effects


async def waiting_rounds(
    uow: UnitOfWork, group: Group, *, present: MeetingState | None = None
) -> list[tuple[int, int | None]]:
    """Bids an earlier vote chose whose rounds have not run, as (holder, bid), in the vote's order.

    With `present` (a meeting's state), only those whose holder is at that meeting: the others keep waiting, for a
    meeting they come to, and take no seat from this one's vote.
    """
    chosen = await uow.bids.in_status(group.id, BidStatus.CHOSEN)
    if present is not None:
        here = {*present.present, present.facilitator_id}
        chosen = [bid for bid in chosen if bid.author_id in here]
    order: dict[int, int] = {}
    for bid in chosen:
        earlier = await uow.votes.get(bid.chosen_by_vote_id) if bid.chosen_by_vote_id is not None else None
        winners = list(earlier.result["winners"]) if earlier is not None and earlier.result else []
        order[bid.id] = winners.index(bid.id) if bid.id in winners else len(winners)
    chosen = sorted(chosen, key=lambda bid: (bid.chosen_by_vote_id or 0, order[bid.id], bid.id))
    return [(bid.author_id, bid.id) for bid in chosen]


async def open_on_bids(
    uow: UnitOfWork, group: Group, opened_by: int, now: datetime, *, seats: int, closes_at: datetime | None
) -> tuple[Vote | None, list[Effect]]:
    """Open a vote on the group's open bids and post its card; with none, say there is nothing to vote on.

    The caller settles it (a vote on no more bids than rounds is decided at once) once it has noted the vote.
    """
    bids = await uow.bids.in_status(group.id, BidStatus.OPEN)
    if not bids:
        return None, [Notify(group.id, channel_of(group), NothingToVoteOn(opened_by))]
    vote = await uow.votes.add(
        Vote(
            group_id=group.id,
            status=VoteStatus.OPEN,
            method=group.voting,
            seats=seats,
            own_bid_votes=group.own_bid_votes,
            opened_by=opened_by,
            opened_at=now,
            closes_at=closes_at,
        ),
        [bid.id for bid in bids],
    )
    return vote, [Notify(group.id, channel_of(group), VoteCard(vote.id))]


def cancel(group: Group, vote: Vote, now: datetime, reason: CloseReason) -> list[Effect]:
    """End a vote without a result."""
    vote.status, vote.closed_at, vote.close_reason = VoteStatus.CANCELLED, now, reason
    return refresh_card(group, vote)


async def end_cycle(uow: UnitOfWork, group: Group, now: datetime) -> list[Effect]:
    """The group's cycle ended (archived): its open and waiting bids close, and an open vote is cancelled."""
    effects: list[Effect] = []
    vote = await uow.votes.open_in(group.id)
    if vote is not None:
        effects += cancel(group, vote, now, CloseReason.ARCHIVED)
    for bid in [
        *await uow.bids.in_status(group.id, BidStatus.OPEN),
        *await uow.bids.in_status(group.id, BidStatus.CHOSEN),
    ]:
        bid.status, bid.closed_at = BidStatus.CLOSED, now
    return effects


async def member_gone(uow: UnitOfWork, group: Group, user_id: int, now: datetime) -> list[Effect]:
    """A member left, was removed or moved: their bids are withdrawn, and their ballot in an open vote dropped.

    Their chosen bids still waiting for a round go too: nobody would be there to present them, and they would hold
    seats of the group's later votes.
    """
    effects: list[Effect] = []
    # The chosen bids and the ballot go first: withdrawing the open bid may close the vote, and its count must
    # neither seat a round of theirs nor wait for their ballot. A round of theirs that has run in the meeting under
    # way keeps its bid, to be marked heard when the meeting ends.
    meeting = await uow.meetings.open_in(group.id)
    ran = {item.bid_id for item in from_json(meeting.state).rounds if item.ran} if meeting is not None else set()
    for chosen in await uow.bids.in_status(group.id, BidStatus.CHOSEN):
        if chosen.author_id == user_id and chosen.id not in ran:
            effects += (await withdraw(uow, group, chosen, now, why="left"))[1]
    vote = await uow.votes.open_in(group.id)
    if vote is not None:
        ballot = await uow.votes.ballot_of(vote.id, user_id)
        if ballot is not None:
            await uow.votes.remove_ballot(ballot)
    bid = await uow.bids.open_of(group.id, user_id)
    if bid is not None:
        effects += (await withdraw(uow, group, bid, now, why="left"))[1]
    if vote is not None:
        effects += await settle(uow, group, vote, now)
    return effects
