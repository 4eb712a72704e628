"""The vote on bids: checking a member's ballot, counting the ballots, and when a vote closes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Literal

from bot.domain.errors import UserFacingError
from bot.domain.groups import VotingMethod
from bot.domain.text import msg

SHORTEST_VOTE = timedelta(minutes=1)
LONGEST_VOTE = timedelta(days=14)


@dataclass(frozen=True)
class Candidate:
    """A bid on a vote's ballot."""

    bid_id: int
    author_id: int
    put_in_at: datetime
    rounds_had: int  # rounds the author has already had this cycle

    def __post_init__(self) -> None:
        # Ties are broken by this time: a naive one cannot be ordered against aware ones.
        if self.put_in_at.utcoffset() is None:
            raise ValueError("a candidate's put_in_at must be aware")


class BallotInvalidError(UserFacingError):
    """A member's ballot cannot be accepted as it is."""


class ClosingTimeInvalidError(UserFacingError):
    """What a facilitator typed is not a length of time a vote can stay open."""


_STALE_BALLOT = msg("That bid is no longer on this vote: press Vote again to see the ballot as it is now.")


def ballot_choices(
    method: VotingMethod,
    choices: Sequence[int],
    *,
    candidates: Sequence[Candidate],
    voter_id: int,
    own_bid_votes: bool,
) -> tuple[int, ...]:
    """Validate one member's ballot and return it normalised.

    Single: exactly one choice. Approval: one or more, no repeats, returned in the order of `candidates`.
    Ranked: one or more, no repeats, order kept (first is most preferred). Every choice must be a candidate's bid;
    unless `own_bid_votes`, none may be the voter's own bid.
    """
    if not choices:
        raise BallotInvalidError(
            {
                VotingMethod.SINGLE: msg("Choose one bid to vote for."),
                VotingMethod.APPROVAL: msg("Choose at least one bid to vote for."),
                VotingMethod.RANKED: msg("Rank at least one bid: put the one you most want first."),
            }[method]
        )
    position = {candidate.bid_id: index for index, candidate in enumerate(candidates)}
    if any(choice not in position for choice in choices):
        raise BallotInvalidError(_STALE_BALLOT)
    if len(set(choices)) != len(choices):
        raise BallotInvalidError(msg("You chose the same bid more than once: choose each bid at most once."))
    if method is VotingMethod.SINGLE and len(choices) != 1:
        raise BallotInvalidError(msg("This group votes with one vote each: choose just one bid."))
    if not own_bid_votes:
        own = {candidate.bid_id for candidate in candidates if candidate.author_id == voter_id}
        if own.intersection(choices):
            raise BallotInvalidError(msg("This group does not let members vote for their own bid: choose another."))
    # Known bids with no repeats are never more than the candidates, so a ranking's length needs no check of its own.
    if method is VotingMethod.APPROVAL:
        return tuple(sorted(choices, key=position.__getitem__))
    return tuple(choices)


def without_bid(choices: Sequence[int], bid_id: int) -> tuple[int, ...]:
    """The ballot with a withdrawn bid taken out (order kept)."""
    return tuple(choice for choice in choices if choice != bid_id)


@dataclass(frozen=True)
class Standing:
    """How one bid did in a vote."""

    bid_id: int
    points: int  # single/approval: number of ballots naming it; ranked: Borda points
    votes: int  # number of ballots that name it at all
    place: int  # 1-based place in the final order


@dataclass(frozen=True)
class TieBreak:
    """Two bids had equal points; why `ahead` went before `behind`."""

    ahead: int
    behind: int
    points: int
    reason: Literal["fewer_rounds", "earlier_bid"]
    ahead_rounds: int
    behind_rounds: int


@dataclass(frozen=True)
class VoteResult:
    """The outcome of a vote: every bid's standing, the bids that get a round, and the ties that decided it."""

    method: VotingMethod
    seats: int
    ballots: int  # ballots that named at least one candidate
    standings: tuple[Standing, ...]  # best first, every candidate exactly once
    winners: tuple[int, ...]  # bid ids, in the order their rounds should run
    ties: tuple[TieBreak, ...]


def tally(
    method: VotingMethod, candidates: Sequence[Candidate], ballots: Sequence[Sequence[int]], seats: int
) -> VoteResult:
    """Count the ballots and choose the `seats` bids that get a round.

    A choice of a bid that is not a candidate (withdrawn after the ballot was cast) is ignored, as if the ballot had
    never named it; a ballot left naming no candidate is not counted. Otherwise ballots are trusted: check them with
    `ballot_choices` when they are cast.

    Points: with single and approval voting, a bid gets one point from each ballot that names it. With ranked voting
    (a Borda count), when there are n candidates the bid a ballot ranks at position r (0 for its first choice, after
    ignored choices are taken out) gets n - r points from that ballot, and a bid the ballot does not rank gets 0; so
    a first choice is worth n, a second n - 1, and ranking a bid at all is worth more than leaving it out.

    Bids are placed by points, most first. Equal points go to the bid whose author has had fewer rounds this cycle,
    then to the bid put in earlier, then (only for exactly equal times) to the lower bid id. The first `seats` bids
    win, in that order; each tie between neighbours that decided who won, or in which order, is reported.
    The result never depends on the order of the ballots or of the candidates.
    """
    if seats < 1:
        raise ValueError(f"a vote needs at least one seat, not {seats}")
    by_id = {candidate.bid_id: candidate for candidate in candidates}
    if len(by_id) != len(candidates):
        raise ValueError("each bid can be a candidate only once")
    points = dict.fromkeys(by_id, 0)
    votes = dict.fromkeys(by_id, 0)
    counted = 0
    for ballot in ballots:
        # dict.fromkeys keeps a bid's first position and drops what is not a candidate, so positions close up.
        named = list(dict.fromkeys(choice for choice in ballot if choice in by_id))
        if not named:
            continue
        counted += 1
        for rank, bid_id in enumerate(named):
            points[bid_id] += len(by_id) - rank if method is VotingMethod.RANKED else 1
            votes[bid_id] += 1
    order = sorted(
        by_id.values(),
        key=lambda c: (-points[c.bid_id], c.rounds_had, c.put_in_at, c.bid_id),
    )
    winners = tuple(candidate.bid_id for candidate in order[:seats])
    ties = tuple(
        TieBreak(
            ahead=ahead.bid_id,
            behind=behind.bid_id,
            points=points[ahead.bid_id],
            reason="fewer_rounds" if ahead.rounds_had != behind.rounds_had else "earlier_bid",
            ahead_rounds=ahead.rounds_had,
            behind_rounds=behind.rounds_had,
        )
        for ahead, behind in pairwise(order[: seats + 1])
        if points[ahead.bid_id] == points[behind.bid_id]
    )
    standings = tuple(
        Standing(bid_id=c.bid_id, points=points[c.bid_id], votes=votes[c.bid_id], place=place)
        for place, c in enumerate(order, start=1)
    )
    return VoteResult(method=method, seats=seats, ballots=counted, standings=standings, winners=winners, ties=ties)


_EXAMPLES = msg("for example 90m, 2h, 1d or 1d 6h")
_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    # German, as a German reader of the examples writes them: 90 Minuten, 2 Std, 1 Tag (a unit may end in a dot:
    # "2 Std.", as the bot's own German abbreviates it).
    "minuten": "minutes",
    "std": "hours",
    "stunde": "hours",
    "stunden": "hours",
    "tag": "days",
    "tage": "days",
    "tagen": "days",
}
# ASCII only: \s and case folding stay within ASCII, so no look-alike letter or digit passes for one of these.
_PART = re.compile(
    r"\s*([0-9]+)\s*(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\.?(?![a-z])\s*",
    re.ASCII | re.IGNORECASE,
)
_MOST_DIGITS = 6  # more digits than this is longer than 14 days in any unit


def closing_time(text: str, now: datetime) -> datetime:
    """When a vote closes, from the duration a facilitator typed: now plus that duration.

    A duration such as "90m", "2h", "1d", "1d 6h", "45 minutes", "2 hours", "1 day": minutes (m, min, mins, minute,
    minutes), hours (h, hr, hrs, hour, hours) and days (d, day, days), or in German (Minuten, Std, Stunde, Stunden,
    Tag, Tage, Tagen), in any case, each at most once, in any order, with or without spaces, in the digits 0 to 9;
    at least a minute and at most 14 days. Anything else raises
    `ClosingTimeInvalidError` saying what was wrong.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be aware")
    if not text.strip():
        raise ClosingTimeInvalidError(msg("Say how long the vote stays open, {examples}.", examples=_EXAMPLES))
    amounts: dict[str, int] = {}
    position = 0
    while position < len(text):
        part = _PART.match(text, position)
        if part is None:
            if any(char.isdigit() and not char.isascii() for char in text):
                raise ClosingTimeInvalidError(
                    msg("Write the numbers with the digits 0 to 9, {examples}.", examples=_EXAMPLES)
                )
            raise ClosingTimeInvalidError(
                msg("Give the time in minutes, hours or days, {examples}.", examples=_EXAMPLES)
            )
        digits, unit = part.group(1).lstrip("0"), _UNITS[part.group(2).lower()]
        if unit in amounts:
            raise ClosingTimeInvalidError(
                msg("Give minutes, hours and days at most once each, {examples}.", examples=_EXAMPLES)
            )
        # A huge number would overflow timedelta (or int parsing); it is too long whatever its unit.
        amounts[unit] = int(digits or "0") if len(digits) <= _MOST_DIGITS else 10**_MOST_DIGITS
        position = part.end()
    duration = timedelta(**amounts)
    if duration < SHORTEST_VOTE:
        raise ClosingTimeInvalidError(
            msg("A vote needs to stay open for at least 1 minute: give a longer time, {examples}.", examples=_EXAMPLES)
        )
    if duration > LONGEST_VOTE:
        raise ClosingTimeInvalidError(
            msg("A vote can stay open for at most 14 days: give a shorter time, such as 7d or 14d.")
        )
    return now + duration
