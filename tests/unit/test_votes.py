"""The vote on bids with no I/O: ballots, the tally of each method, its tie-breaks, and closing times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import UserFacingError
from bot.domain.groups import GroupSettings, VotingMethod
from bot.domain.votes import (
    BallotInvalidError,
    Candidate,
    ClosingTimeInvalidError,
    TieBreak,
    ballot_choices,
    closing_time,
    tally,
    without_bid,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
METHODS = list(VotingMethod)
GONE = 999  # a bid id no candidate has: one withdrawn after the ballot was cast

Election = tuple[VotingMethod, list[Candidate], list[tuple[int, ...]], int]


def bid(bid_id: int, *, author: int | None = None, minutes_ago: int = 0, rounds: int = 0) -> Candidate:
    return Candidate(
        bid_id=bid_id,
        author_id=bid_id * 10 if author is None else author,
        put_in_at=NOW - timedelta(minutes=minutes_ago),
        rounds_had=rounds,
    )


# Small ranges on purpose: equal points, equal rounds and equal times must come up often.
candidates_strategy = st.lists(
    st.builds(
        lambda author, minutes, rounds: (author, minutes, rounds),
        st.integers(1, 4),
        st.integers(0, 3),
        st.integers(0, 2),
    ),
    max_size=6,
).map(
    lambda rows: [
        bid(index + 1, author=author, minutes_ago=minutes, rounds=rounds)
        for index, (author, minutes, rounds) in enumerate(rows)
    ]
)


@st.composite
def elections(draw: st.DrawFn, method: VotingMethod | None = None) -> Election:
    """A method, its candidates (in a shuffled order), ballots of that method's shape, and a number of seats."""
    chosen = draw(st.sampled_from(METHODS)) if method is None else method
    candidates = draw(candidates_strategy.flatmap(st.permutations))
    ids = [candidate.bid_id for candidate in candidates] + [GONE]
    ballot: st.SearchStrategy[tuple[int, ...]]
    if chosen is VotingMethod.SINGLE:
        ballot = st.sampled_from(ids).map(lambda choice: (choice,))
    elif chosen is VotingMethod.APPROVAL:
        ballot = st.lists(st.sampled_from(ids), min_size=1, unique=True).map(tuple)
    else:
        ballot = st.permutations(ids).flatmap(lambda order: st.integers(1, len(order)).map(lambda k: tuple(order[:k])))
    ballots = draw(st.lists(ballot, max_size=8))
    seats = draw(st.integers(1, 4))
    return chosen, candidates, ballots, seats


def order_key(candidate: Candidate) -> tuple[int, datetime, int]:
    return candidate.rounds_had, candidate.put_in_at, candidate.bid_id


# ---- tally: properties over every method


@given(elections(), st.randoms(use_true_random=False))
def test_the_order_of_the_ballots_never_changes_the_result(election: Election, rng: Random) -> None:
    method, candidates, ballots, seats = election
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    assert tally(method, candidates, shuffled, seats) == tally(method, candidates, ballots, seats)


@given(elections(), st.randoms(use_true_random=False))
def test_the_order_of_the_candidates_never_changes_the_result(election: Election, rng: Random) -> None:
    method, candidates, ballots, seats = election
    shuffled = list(candidates)
    rng.shuffle(shuffled)
    assert tally(method, shuffled, ballots, seats) == tally(method, candidates, ballots, seats)


@given(elections())
def test_there_are_as_many_winners_as_seats_or_candidates_whichever_is_fewer(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    result = tally(method, candidates, ballots, seats)
    assert len(result.winners) == min(seats, len(candidates))


@given(elections())
def test_the_winners_are_the_top_of_the_standings_in_order(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    result = tally(method, candidates, ballots, seats)
    assert result.winners == tuple(standing.bid_id for standing in result.standings[:seats])


@given(elections())
def test_every_candidate_stands_exactly_once_in_places_one_to_n(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    result = tally(method, candidates, ballots, seats)
    assert sorted(standing.bid_id for standing in result.standings) == sorted(c.bid_id for c in candidates)
    assert [standing.place for standing in result.standings] == list(range(1, len(candidates) + 1))


@given(elections())
def test_standings_are_sorted_by_points_most_first(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    points = [standing.points for standing in tally(method, candidates, ballots, seats).standings]
    assert points == sorted(points, reverse=True)


@given(elections())
def test_equal_points_go_to_fewer_rounds_then_the_earlier_bid_then_the_lower_id(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    by_id = {candidate.bid_id: candidate for candidate in candidates}
    for ahead, behind in pairwise(tally(method, candidates, ballots, seats).standings):
        if ahead.points == behind.points:
            assert order_key(by_id[ahead.bid_id]) < order_key(by_id[behind.bid_id])


@given(elections())
def test_a_tie_break_is_reported_for_each_tied_neighbour_pair_led_by_a_winner(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    by_id = {candidate.bid_id: candidate for candidate in candidates}
    result = tally(method, candidates, ballots, seats)
    expected = tuple(
        TieBreak(
            ahead=ahead.bid_id,
            behind=behind.bid_id,
            points=ahead.points,
            reason="fewer_rounds"
            if by_id[ahead.bid_id].rounds_had != by_id[behind.bid_id].rounds_had
            else "earlier_bid",
            ahead_rounds=by_id[ahead.bid_id].rounds_had,
            behind_rounds=by_id[behind.bid_id].rounds_had,
        )
        for ahead, behind in pairwise(result.standings)
        if ahead.points == behind.points and ahead.bid_id in result.winners
    )
    assert result.ties == expected


@given(elections())
def test_votes_count_the_ballots_that_name_a_bid(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    for standing in tally(method, candidates, ballots, seats).standings:
        assert standing.votes == sum(standing.bid_id in ballot for ballot in ballots)


@given(st.one_of(elections(VotingMethod.SINGLE), elections(VotingMethod.APPROVAL)))
def test_single_and_approval_give_a_point_per_ballot_naming_the_bid(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    for standing in tally(method, candidates, ballots, seats).standings:
        assert standing.points == sum(standing.bid_id in ballot for ballot in ballots)


@given(elections(VotingMethod.RANKED))
def test_ranked_gives_n_minus_position_among_the_candidates_a_ballot_names(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    n = len(candidates)
    live = [[choice for choice in ballot if choice != GONE] for ballot in ballots]
    for standing in tally(method, candidates, ballots, seats).standings:
        assert standing.points == sum(
            n - ranking.index(standing.bid_id) for ranking in live if standing.bid_id in ranking
        )


@given(elections())
def test_choices_of_bids_no_longer_on_the_vote_are_ignored(
    election: Election,
) -> None:
    method, candidates, ballots, seats = election
    cleaned = [without_bid(ballot, GONE) for ballot in ballots]
    assert tally(method, candidates, ballots, seats) == tally(method, candidates, cleaned, seats)


# ---- tally: worked examples


def test_borda_points_worked_by_hand() -> None:
    # n = 3: a first choice is worth 3, a second 2, a third 1.
    # [1, 2, 3] gives 1:3 2:2 3:1; [2, 1] gives 2:3 1:2; [2] gives 2:3. Totals 1:5 2:8 3:1.
    result = tally(VotingMethod.RANKED, [bid(1), bid(2), bid(3)], [(1, 2, 3), (2, 1), (2,)], seats=2)
    assert [(s.bid_id, s.points, s.votes, s.place) for s in result.standings] == [
        (2, 8, 3, 1),
        (1, 5, 2, 2),
        (3, 1, 1, 3),
    ]
    assert result.winners == (2, 1)


def test_borda_closes_up_positions_behind_a_withdrawn_bid() -> None:
    # n = 2: with GONE taken out, 1 is first (2 points) and 2 second (1 point).
    result = tally(VotingMethod.RANKED, [bid(1), bid(2)], [(GONE, 1, 2)], seats=1)
    assert {s.bid_id: s.points for s in result.standings} == {1: 2, 2: 1}


def test_borda_counts_the_candidates_not_the_length_of_the_ballot() -> None:
    result = tally(VotingMethod.RANKED, [bid(1), bid(2), bid(3), bid(4)], [(3,)], seats=1)
    assert {s.bid_id: s.points for s in result.standings} == {1: 0, 2: 0, 3: 4, 4: 0}


def test_approval_gives_each_named_bid_one_point() -> None:
    result = tally(VotingMethod.APPROVAL, [bid(1), bid(2), bid(3)], [(1, 2), (2, 3), (2,)], seats=1)
    assert {s.bid_id: s.points for s in result.standings} == {1: 1, 2: 3, 3: 1}
    assert result.winners == (2,)


def test_equal_points_go_to_the_author_with_fewer_rounds_even_if_their_bid_came_later() -> None:
    early = bid(1, minutes_ago=30, rounds=1)
    late = bid(2, minutes_ago=5, rounds=0)
    result = tally(VotingMethod.SINGLE, [early, late], [(1,), (2,)], seats=1)
    assert result.winners == (2,)
    assert result.ties == (
        TieBreak(ahead=2, behind=1, points=1, reason="fewer_rounds", ahead_rounds=0, behind_rounds=1),
    )


def test_equal_points_and_rounds_go_to_the_earlier_bid() -> None:
    early = bid(2, minutes_ago=30, rounds=1)
    late = bid(1, minutes_ago=5, rounds=1)
    result = tally(VotingMethod.SINGLE, [late, early], [(1,), (2,)], seats=1)
    assert result.winners == (2,)
    assert result.ties == (
        TieBreak(ahead=2, behind=1, points=1, reason="earlier_bid", ahead_rounds=1, behind_rounds=1),
    )


def test_equal_points_rounds_and_times_go_to_the_lower_bid_id() -> None:
    result = tally(VotingMethod.APPROVAL, [bid(7), bid(3)], [(7, 3)], seats=1)
    assert result.winners == (3,)
    assert result.ties[0].reason == "earlier_bid"


def test_more_points_beat_fewer_rounds() -> None:
    result = tally(VotingMethod.SINGLE, [bid(1, rounds=3), bid(2, rounds=0)], [(1,), (1,), (2,)], seats=1)
    assert result.winners == (1,)
    assert result.ties == ()


def test_a_tie_among_the_winners_is_reported_because_it_sets_the_order_of_rounds() -> None:
    result = tally(VotingMethod.SINGLE, [bid(1, rounds=1), bid(2), bid(3)], [(1,), (2,), (1,), (2,)], seats=2)
    assert result.winners == (2, 1)
    assert [(tie.ahead, tie.behind) for tie in result.ties] == [(2, 1)]


def test_a_tie_among_bids_that_get_no_round_is_not_reported() -> None:
    result = tally(VotingMethod.SINGLE, [bid(1), bid(2), bid(3)], [(1,), (1,)], seats=1)
    assert result.winners == (1,)
    assert result.ties == ()


def test_a_tie_at_the_last_seat_is_reported() -> None:
    result = tally(VotingMethod.SINGLE, [bid(1), bid(2), bid(3)], [(1,), (1,)], seats=2)
    assert result.winners == (1, 2)
    assert [(tie.ahead, tie.behind, tie.points) for tie in result.ties] == [(2, 3, 0)]


def test_more_seats_than_candidates_elects_them_all() -> None:
    assert tally(VotingMethod.SINGLE, [bid(1), bid(2)], [(2,)], seats=4).winners == (2, 1)


def test_no_candidates_gives_no_standings_and_no_winners() -> None:
    result = tally(VotingMethod.RANKED, [], [(GONE,)], seats=2)
    assert (result.standings, result.winners, result.ties, result.ballots) == ((), (), (), 0)


@pytest.mark.parametrize("seats", [0, -1])
def test_fewer_than_one_seat_is_a_bug(seats: int) -> None:
    with pytest.raises(ValueError, match="seat"):
        tally(VotingMethod.SINGLE, [bid(1)], [], seats)


def test_the_same_bid_twice_among_the_candidates_is_a_bug() -> None:
    with pytest.raises(ValueError, match="once"):
        tally(VotingMethod.SINGLE, [bid(1), bid(1)], [], 1)


def test_ballots_counted_leave_out_those_naming_no_bid_still_on_the_vote() -> None:
    assert tally(VotingMethod.APPROVAL, [bid(1), bid(2)], [(1,), (GONE,), (), (2, GONE)], seats=1).ballots == 2


def test_the_result_records_its_method_and_seats() -> None:
    result = tally(VotingMethod.RANKED, [bid(1)], [], seats=3)
    assert (result.method, result.seats) == (VotingMethod.RANKED, 3)


def test_a_candidate_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        Candidate(bid_id=1, author_id=1, put_in_at=NOW.replace(tzinfo=None), rounds_had=0)


# ---- ballot_choices

BALLOT = [bid(1, author=100), bid(2, author=200), bid(3, author=300)]


def choose(
    method: VotingMethod, choices: Sequence[int], *, voter: int = 900, own_bid_votes: bool = False
) -> tuple[int, ...]:
    return ballot_choices(method, choices, candidates=BALLOT, voter_id=voter, own_bid_votes=own_bid_votes)


def test_a_single_vote_is_one_bid() -> None:
    assert choose(VotingMethod.SINGLE, [2]) == (2,)


def test_a_single_vote_for_two_bids_is_refused() -> None:
    with pytest.raises(BallotInvalidError, match="choose just one bid"):
        choose(VotingMethod.SINGLE, [1, 2])


@pytest.mark.parametrize("method", METHODS)
def test_an_empty_ballot_is_refused(method: VotingMethod) -> None:
    with pytest.raises(BallotInvalidError, match=r"at least one bid|one bid to vote for"):
        choose(method, [])


def test_approval_choices_come_back_in_candidate_order() -> None:
    assert choose(VotingMethod.APPROVAL, [3, 1]) == (1, 3)


def test_a_ranking_keeps_its_order() -> None:
    assert choose(VotingMethod.RANKED, [3, 1, 2]) == (3, 1, 2)


@pytest.mark.parametrize("method", [VotingMethod.APPROVAL, VotingMethod.RANKED])
def test_a_bid_chosen_twice_is_refused(method: VotingMethod) -> None:
    with pytest.raises(BallotInvalidError, match="at most once"):
        choose(method, [1, 2, 1])


@pytest.mark.parametrize("method", METHODS)
def test_a_bid_no_longer_on_the_vote_is_refused_with_a_way_to_see_the_ballot_again(method: VotingMethod) -> None:
    with pytest.raises(BallotInvalidError, match="no longer on this vote: press Vote again"):
        choose(method, [GONE])


@pytest.mark.parametrize("method", METHODS)
def test_a_vote_for_ones_own_bid_is_refused_when_the_group_does_not_allow_it(method: VotingMethod) -> None:
    with pytest.raises(BallotInvalidError, match="vote for their own bid: choose another"):
        choose(method, [2], voter=200)


def test_a_vote_for_ones_own_bid_is_accepted_when_the_group_allows_it() -> None:
    assert choose(VotingMethod.APPROVAL, [2, 1], voter=200, own_bid_votes=True) == (1, 2)


def test_a_vote_for_someone_elses_bid_is_accepted_when_own_bids_are_not_allowed() -> None:
    assert choose(VotingMethod.RANKED, [1, 3], voter=200) == (1, 3)


def test_ballot_refusals_are_meant_for_members() -> None:
    assert issubclass(BallotInvalidError, UserFacingError)


# ---- without_bid


def test_without_bid_takes_out_the_withdrawn_bid_and_keeps_the_order() -> None:
    assert without_bid([3, 1, 2], 1) == (3, 2)


def test_without_bid_leaves_a_ballot_that_did_not_name_it() -> None:
    assert without_bid([3, 2], 1) == (3, 2)


# ---- closing_time


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("90m", timedelta(minutes=90)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1d 6h", timedelta(days=1, hours=6)),
        ("1d6h", timedelta(days=1, hours=6)),
        ("45 minutes", timedelta(minutes=45)),
        ("1 minute", timedelta(minutes=1)),
        ("30 min", timedelta(minutes=30)),
        ("30mins", timedelta(minutes=30)),
        ("2 hours", timedelta(hours=2)),
        ("1 hour", timedelta(hours=1)),
        ("3hr", timedelta(hours=3)),
        ("3 hrs", timedelta(hours=3)),
        ("1 day", timedelta(days=1)),
        ("2days", timedelta(days=2)),
        ("2H 30M", timedelta(hours=2, minutes=30)),
        ("  1 Day 2 Hours 3 Minutes ", timedelta(days=1, hours=2, minutes=3)),
        ("14d", timedelta(days=14)),
    ],
)
def test_a_closing_time_is_now_plus_the_duration_typed(text: str, duration: timedelta) -> None:
    assert closing_time(text, NOW) == NOW + duration


@pytest.mark.parametrize("text", ["0m", "0h", "0d 0h"])
def test_a_vote_open_for_no_time_is_refused(text: str) -> None:
    with pytest.raises(ClosingTimeInvalidError, match="at least 1 minute"):
        closing_time(text, NOW)


@pytest.mark.parametrize("text", ["15d", "14d 1m", "337h", "99999999999999999999d"])
def test_a_vote_open_longer_than_fourteen_days_is_refused(text: str) -> None:
    with pytest.raises(ClosingTimeInvalidError, match="at most 14 days"):
        closing_time(text, NOW)


@pytest.mark.parametrize("text", ["soon", "2", "h", "1.5h", "-5m", "2 weeks", "5mo", "2h and 5m", "2hx"])
def test_what_is_not_minutes_hours_or_days_is_refused_with_examples(text: str) -> None:
    with pytest.raises(ClosingTimeInvalidError, match="minutes, hours or days, for example 90m"):
        closing_time(text, NOW)


# Fullwidth 2, Arabic-Indic 3 and superscript 2: digits to Python, but not ones members are asked for.
@pytest.mark.parametrize("text", ["\uff12h", "\u0663d", "1d \u00b2h"])
def test_digits_other_than_0_to_9_are_refused(text: str) -> None:
    with pytest.raises(ClosingTimeInvalidError, match="digits 0 to 9"):
        closing_time(text, NOW)


# A long s and a dotless i: Unicode case folding would read them as "hours" and "min".
@pytest.mark.parametrize("text", ["2 hour\u017f", "30 m\u0131n"])
def test_units_spelt_with_look_alike_letters_are_refused(text: str) -> None:
    with pytest.raises(ClosingTimeInvalidError, match="minutes, hours or days"):
        closing_time(text, NOW)


@pytest.mark.parametrize("text", ["", "   "])
def test_no_duration_at_all_is_refused(text: str) -> None:
    with pytest.raises(ClosingTimeInvalidError, match="Say how long the vote stays open"):
        closing_time(text, NOW)


def test_a_unit_given_twice_is_refused() -> None:
    with pytest.raises(ClosingTimeInvalidError, match="at most once each"):
        closing_time("1h 2h", NOW)


def test_a_closing_time_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        closing_time("2h", NOW.replace(tzinfo=None))


# ---- the group's setting


def test_new_groups_vote_by_approval() -> None:
    assert GroupSettings().voting is VotingMethod.APPROVAL
