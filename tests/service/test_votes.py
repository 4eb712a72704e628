"""Bids and the vote on a real database (SQLite and PostgreSQL): who may bid and vote, ballots, closing, races."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.app import Services
from bot.bootstrap import build_services
from bot.db.engine import Database
from bot.domain.bids import BidStatus, BidTextInvalidError, CloseReason, VoteStatus
from bot.domain.clock import FixedClock
from bot.domain.effects import DirectNotice, Notify
from bot.domain.errors import (
    BidExistsError,
    BidNotFoundError,
    NotEligibleError,
    NotFacilitatorError,
    VoteAlreadyOpenError,
    VoteClosedError,
    VoteNotFoundError,
)
from bot.domain.groups import VotingMethod
from bot.domain.vote_notices import BallotChanged, NothingToVoteOn, VoteCard, VoteResult
from bot.domain.votes import BallotInvalidError
from bot.services.effects import QueuedEffect
from bot.services.groups import Actor, GroupService, GroupView
from bot.services.votes import VOTE_DEADLINE, VoteService
from tests.service.helpers import FAC, GUILD, OTHER_GUILD, add_members, make_group

A, B, C, D, E = 21, 22, 23, 24, 25


@pytest.fixture
def votes(services: Services) -> VoteService:
    """The vote service on the test database."""
    return services.votes


async def _group(
    groups: GroupService, *members: int, name: str = "Set A", text: int = 900_001, **settings: object
) -> GroupView:
    group = await make_group(groups, name, text=text)
    await add_members(groups, group, *members)
    if settings:
        await groups.update_settings(GUILD, FAC, group.id, dict(settings))
    return group


async def _bids(votes: VoteService, group: GroupView, *authors: int) -> list[int]:
    ids = []
    for author in authors:
        placed = await votes.put_in(GUILD, author, group.id, f"Issue of {author}", "help wanted")
        ids.append(placed.value.bid.id)
    return ids


def _posted(effects: list[QueuedEffect]) -> list[object]:
    return [e.effect.notice for e in effects if isinstance(e.effect, Notify) and e.effect.edit_message_id is None]


async def test_a_member_who_accepted_the_ground_rules_puts_in_a_bid_and_the_group_is_told(
    groups: GroupService, votes: VoteService
) -> None:
    group = await _group(groups, A)
    outcome = await votes.put_in(GUILD, A, group.id, "  Managing   up ", "How do I say no to my boss?")
    assert (outcome.value.bid.title, outcome.value.bid.status) == ("Managing up", BidStatus.OPEN)
    assert [type(n).__name__ for n in _posted(outcome.effects)] == ["BidPutIn"]
    board = await votes.board(GUILD, A, group.id, None)
    assert [(b.author_id, b.title, b.help) for b in board.bids] == [(A, "Managing up", "How do I say no to my boss?")]


@pytest.mark.parametrize("who", ["stranger", "unaccepted", "other_group"])
async def test_only_members_who_accepted_the_ground_rules_may_bid(
    groups: GroupService, votes: VoteService, who: str
) -> None:
    group = await _group(groups, A)
    other = await _group(groups, C, name="Set B", text=900_003)
    await add_members(groups, group, B, accept=False)
    person = {"stranger": 99, "unaccepted": B, "other_group": C}[who]
    with pytest.raises(NotEligibleError):
        await votes.put_in(GUILD, person, group.id, "Title", "")
    with pytest.raises(NotEligibleError):
        await votes.bid_gate(GUILD, person, group.id, None)
    assert (await votes.board(GUILD, A, group.id, None)).bids == []
    assert (await votes.board(GUILD, C, other.id, None)).bids == []


async def test_a_second_bid_is_refused_unless_it_replaces_the_first(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A)
    (first,) = await _bids(votes, group, A)
    with pytest.raises(BidExistsError):
        await votes.put_in(GUILD, A, group.id, "Another", "")
    gate = await votes.bid_gate(GUILD, A, group.id, None)
    assert gate.open_bid is not None
    assert gate.open_bid.id == first
    replaced = await votes.put_in(GUILD, A, group.id, "Another", "", replacing=first)
    assert replaced.value.replaced is not None
    assert replaced.value.replaced.id == first
    assert [b.title for b in (await votes.board(GUILD, A, group.id, None)).bids] == ["Another"]


async def test_a_bid_with_an_empty_or_overlong_title_is_refused_and_nothing_is_stored(
    groups: GroupService, votes: VoteService
) -> None:
    group = await _group(groups, A)
    for title, help_wanted in [("   ", ""), ("x" * 101, ""), ("ok", "y" * 1001), ("zero\u200bwidth", "")]:
        with pytest.raises(BidTextInvalidError):
            await votes.put_in(GUILD, A, group.id, title, help_wanted)
    assert (await votes.board(GUILD, A, group.id, None)).bids == []


async def test_only_the_author_withdraws_a_bid(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B)
    (bid,) = await _bids(votes, group, A)
    with pytest.raises(BidNotFoundError):
        await votes.withdraw_bid(GUILD, B, bid)
    with pytest.raises(BidNotFoundError):
        await votes.withdraw_bid(GUILD, A, None)
    outcome = await votes.withdraw_bid(GUILD, A, bid)
    assert outcome.value.bid.title == f"Issue of {A}"
    assert (await votes.board(GUILD, A, group.id, None)).bids == []
    with pytest.raises(BidNotFoundError):
        await votes.withdraw_bid(GUILD, A, bid)


async def test_only_the_facilitator_opens_a_vote(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B)
    await _bids(votes, group, A, B)
    with pytest.raises(NotFacilitatorError):
        await votes.open_vote(GUILD, Actor(A), group.id, None, seats=1)
    opened = await votes.open_vote(GUILD, FAC, group.id, None, seats=1)
    assert opened.value.vote is not None
    assert len(opened.value.vote.bids) == 2
    assert [type(n) for n in _posted(opened.effects)] == [VoteCard]
    with pytest.raises(VoteAlreadyOpenError):
        await votes.open_vote(GUILD, FAC, group.id, None, seats=1)


async def test_a_vote_with_no_bids_says_so_and_opens_nothing(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A)
    opened = await votes.open_vote(GUILD, FAC, group.id, None)
    assert opened.value.vote is None
    assert [type(n) for n in _posted(opened.effects)] == [NothingToVoteOn]
    with pytest.raises(VoteClosedError):
        await votes.close_vote(GUILD, FAC, group.id, None)


async def test_a_vote_on_one_bid_closes_at_once_and_that_bid_gets_the_round(
    groups: GroupService, votes: VoteService
) -> None:
    group = await _group(groups, A, B)
    (bid,) = await _bids(votes, group, A)
    opened = await votes.open_vote(GUILD, FAC, group.id, None, closes_in="1h")
    assert opened.value.vote is not None
    state = await votes.state(opened.value.vote.id)
    assert state is not None
    assert state.status is VoteStatus.CLOSED
    assert state.close_reason is CloseReason.FEW_BIDS
    assert state.count is not None
    assert state.count.winners == [bid]
    assert [type(n) for n in _posted(opened.effects)] == [VoteCard, VoteResult]


async def test_ballots_change_until_the_close_and_the_count_stays_hidden_until_then(
    groups: GroupService, votes: VoteService
) -> None:
    group = await _group(groups, A, B, C, D, E, voting=VotingMethod.SINGLE)
    bids = await _bids(votes, group, A, B, C)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    await votes.cast_ballot(GUILD, A, vote.id, [bids[1]])
    first = await votes.cast_ballot(GUILD, D, vote.id, [bids[0]])
    changed = await votes.cast_ballot(GUILD, D, vote.id, [bids[1]])
    assert (first.value.changed, changed.value.changed) == (False, True)
    form = await votes.ballot_form(GUILD, D, vote.id)
    assert form.current == [bids[1]]
    state = await votes.state(vote.id)
    assert state is not None
    assert (state.voted, state.count) == (2, None)
    closed = await votes.close_vote(GUILD, FAC, group.id, None)
    assert closed.value.count is not None
    assert closed.value.count.winners == [bids[1]]
    with pytest.raises(VoteClosedError):
        await votes.cast_ballot(GUILD, A, vote.id, [bids[0]])
    with pytest.raises(VoteClosedError):
        await votes.close_vote(GUILD, FAC, None, None, vote_id=vote.id)


@pytest.mark.parametrize("who", ["stranger", "unaccepted", "other_group"])
async def test_only_members_who_accepted_the_ground_rules_may_vote(
    groups: GroupService, votes: VoteService, who: str
) -> None:
    group = await _group(groups, A, B)
    await _group(groups, C, name="Set B", text=900_003)
    await add_members(groups, group, D, accept=False)
    bids = await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    person = {"stranger": 99, "unaccepted": D, "other_group": C}[who]
    with pytest.raises(NotEligibleError):
        await votes.ballot_form(GUILD, person, vote.id)
    with pytest.raises(NotEligibleError):
        await votes.cast_ballot(GUILD, person, vote.id, [bids[0]])
    state = await votes.state(vote.id)
    assert state is not None
    assert state.voted == 0


async def test_a_vote_of_another_server_is_not_found(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B)
    await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    with pytest.raises(VoteNotFoundError):
        await votes.ballot_form(OTHER_GUILD, A, vote.id)
    with pytest.raises(VoteNotFoundError):
        await votes.cast_ballot(GUILD, A, 987_654, [1])


async def test_a_ballot_for_a_bid_not_on_the_vote_is_refused(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B)
    await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    with pytest.raises(BallotInvalidError):
        await votes.cast_ballot(GUILD, A, vote.id, [-1])
    state = await votes.state(vote.id)
    assert state is not None
    assert state.voted == 0


async def test_own_bid_is_left_off_the_ballot_when_the_group_says_so(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B, own_bid_votes=False)
    bids = await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    form = await votes.ballot_form(GUILD, A, vote.id)
    assert [bid.bid_id for bid in form.choices] == [bids[1]]
    assert form.own_bid_left_out
    with pytest.raises(BallotInvalidError):
        await votes.cast_ballot(GUILD, A, vote.id, [bids[0]])


async def test_the_vote_closes_itself_when_everyone_has_voted(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B)
    bids = await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    assert vote.electorate == 2
    first = await votes.cast_ballot(GUILD, A, vote.id, [bids[1]])
    last = await votes.cast_ballot(GUILD, B, vote.id, [bids[1]])
    assert (first.value.closed, last.value.closed) == (False, True)
    state = await votes.state(vote.id)
    assert state is not None
    assert state.close_reason is CloseReason.EVERYONE_VOTED
    assert state.count is not None
    assert state.count.winners[0] == bids[1]


async def test_a_withdrawn_bid_is_struck_and_its_voters_are_told_privately(
    groups: GroupService, votes: VoteService
) -> None:
    group = await _group(groups, A, B, C, D)
    bids = await _bids(votes, group, A, B, C)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    await votes.cast_ballot(GUILD, C, vote.id, [bids[0]])
    await votes.cast_ballot(GUILD, D, vote.id, [bids[0], bids[1]])
    await votes.cast_ballot(GUILD, B, vote.id, [bids[1]])
    outcome = await votes.withdraw_bid(GUILD, A, bids[0])
    assert outcome.value.ballots_changed == 2
    told = {
        e.effect.user_id: e.effect.notice.emptied
        for e in outcome.effects
        if isinstance(e.effect, DirectNotice) and isinstance(e.effect.notice, BallotChanged)
    }
    assert told == {C: True, D: False}
    state = await votes.state(vote.id)
    assert state is not None
    assert [b.struck for b in state.bids] == [True, False, False]
    # C's ballot named only the withdrawn bid: it stays, empty, so the count of who voted betrays nothing.
    assert state.voted == 3
    assert (await votes.ballot_form(GUILD, C, vote.id)).current == []
    assert (await votes.ballot_form(GUILD, D, vote.id)).current == [bids[1]]


async def test_a_withdrawal_that_leaves_no_more_bids_than_rounds_closes_the_vote(
    groups: GroupService, votes: VoteService
) -> None:
    group = await _group(groups, A, B, C)
    bids = await _bids(votes, group, A, B, C)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=2)).value.vote
    assert vote is not None
    assert vote.status is VoteStatus.OPEN
    await votes.withdraw_bid(GUILD, A, bids[0])
    state = await votes.state(vote.id)
    assert state is not None
    assert (state.status, state.close_reason) == (VoteStatus.CLOSED, CloseReason.FEW_BIDS)
    assert state.count is not None
    assert sorted(state.count.winners) == bids[1:]


async def test_a_vote_with_no_more_bids_than_rounds_closes_at_once(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B)
    await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=3)).value.vote
    assert vote is not None
    assert (vote.status, vote.close_reason) == (VoteStatus.CLOSED, CloseReason.FEW_BIDS)


async def test_everyone_voted_closes_the_vote_when_the_last_one_waited_for_leaves(
    groups: GroupService, votes: VoteService
) -> None:
    group = await _group(groups, A, B, C)
    bids = await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    await votes.cast_ballot(GUILD, A, vote.id, [bids[1]])
    await votes.cast_ballot(GUILD, B, vote.id, [bids[0]])
    await groups.leave(GUILD, C, group.id, None)
    state = await votes.state(vote.id)
    assert state is not None
    assert state.close_reason is CloseReason.EVERYONE_VOTED


async def test_a_member_who_leaves_takes_their_bid_and_ballot_with_them(
    groups: GroupService, votes: VoteService
) -> None:
    group = await _group(groups, A, B, C)
    bids = await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    await votes.cast_ballot(GUILD, C, vote.id, [bids[1]])
    await groups.leave(GUILD, C, group.id, None)
    await groups.leave(GUILD, A, group.id, None)
    state = await votes.state(vote.id)
    assert state is not None
    assert state.voted == 0
    assert [b.struck for b in state.bids] == [True, False]


async def test_archiving_cancels_the_vote_and_closes_the_bids(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B, C)
    bids = await _bids(votes, group, A, B)
    await votes.put_in(GUILD, C, group.id, "Late", "")
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    await groups.archive(GUILD, FAC, group.id)
    with pytest.raises(VoteClosedError, match="cancelled"):
        await votes.cast_ballot(GUILD, A, vote.id, [bids[1]])
    state = await votes.state(vote.id)
    assert state is not None
    assert state.close_reason is CloseReason.ARCHIVED
    assert await votes.own_open_bids(GUILD, C) == []


async def test_ten_ballots_at_once_from_one_member_leave_one_ballot(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B, C)
    bids = await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    results = await asyncio.gather(
        *(votes.cast_ballot(GUILD, C, vote.id, [bids[n % 2]]) for n in range(10)), return_exceptions=True
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    assert sum(not r.value.changed for r in results if not isinstance(r, BaseException)) == 1
    state = await votes.state(vote.id)
    assert state is not None
    assert state.voted == 1


async def test_two_facilitators_closing_at_once_post_one_result(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B)
    await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    admin = Actor(1, manages_server=True)
    results = await asyncio.gather(
        votes.close_vote(GUILD, FAC, group.id, None),
        votes.close_vote(GUILD, admin, None, None, vote_id=vote.id),
        return_exceptions=True,
    )
    closed = [r for r in results if not isinstance(r, BaseException)]
    assert len(closed) == 1
    assert [type(r) for r in results if isinstance(r, BaseException)] == [VoteClosedError]
    assert [type(n) for n in _posted(closed[0].effects)] == [VoteResult]


async def test_a_deadline_closes_the_vote_after_a_restart(
    groups: GroupService, votes: VoteService, database: Database, clock: FixedClock
) -> None:
    group = await _group(groups, A, B)
    bids = await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1, closes_in="2h")).value.vote
    assert vote is not None
    assert vote.closes_at == clock.now() + timedelta(hours=2)
    await votes.cast_ballot(GUILD, A, vote.id, [bids[1]])
    # A new process on the same database, two hours later.
    later = FixedClock(clock.now() + timedelta(hours=2, seconds=1))
    restarted = build_services(database, later, "after-restart")
    (item,) = await restarted.due.claim([GUILD])
    assert item.key.kind == VOTE_DEADLINE
    await restarted.votes.close_at_deadline(item)
    state = await restarted.votes.state(vote.id)
    assert state is not None
    assert state.close_reason is CloseReason.DEADLINE
    assert state.count is not None
    assert state.count.winners[0] == bids[1]


async def test_a_tie_goes_to_the_member_with_fewer_rounds_this_cycle(groups: GroupService, votes: VoteService) -> None:
    group = await _group(groups, A, B, C)
    (a_first,) = await _bids(votes, group, A)
    await votes.open_vote(GUILD, FAC, group.id, None)  # one bid: A gets a round at once
    bids = await _bids(votes, group, A, B)
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    assert a_first not in [b.bid_id for b in vote.bids]
    await votes.cast_ballot(GUILD, C, vote.id, list(bids))
    closed = await votes.close_vote(GUILD, FAC, group.id, None)
    count = closed.value.count
    assert count is not None
    assert count.winners == [bids[1]]
    assert [(t.ahead, t.behind, t.reason) for t in count.ties] == [(bids[1], bids[0], "fewer_rounds")]
