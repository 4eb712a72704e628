"""What bids and votes tell people: each notice a typed value, registered once under its own kind.

The vote's card and its result are drawn from the database when they are posted (`VoteCard`, `VoteResult` carry
only the vote's id), so that an edit carried out late never shows an older count than one before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.effects import Notice


@dataclass(frozen=True)
class BidPutIn(Notice, kind="vote.bid_put_in"):
    """A member put in a bid (or replaced theirs)."""

    author_id: int
    title: str
    replaced: bool = False


@dataclass(frozen=True)
class BidWithdrawn(Notice, kind="vote.bid_withdrawn"):
    """A member withdrew their bid (or left the group, which withdraws it; or the facilitator released it)."""

    author_id: int
    title: str
    struck_from_vote: bool = False
    left: bool = False
    released_by: int | None = None  # the facilitator who released a chosen bid from waiting for its round


@dataclass(frozen=True)
class VoteCard(Notice, kind="vote.card"):
    """The vote's card in the group's channel: the bids, how to vote, how many have voted; the Vote button."""

    vote_id: int


@dataclass(frozen=True)
class VoteResult(Notice, kind="vote.result"):
    """The counted result of a closed vote."""

    vote_id: int


@dataclass(frozen=True)
class NothingToVoteOn(Notice, kind="vote.nothing_to_vote_on"):
    """A facilitator opened a vote while the group had no open bids."""

    opened_by: int


@dataclass(frozen=True)
class BallotChanged(Notice, kind="vote.ballot_changed"):
    """Told privately to a voter: a bid they voted for was withdrawn, so their ballot changed."""

    group: str
    title: str
    emptied: bool
    vote: str = "open"


VOTE_NOTICES: tuple[type[Notice], ...] = (BidPutIn, BidWithdrawn, VoteCard, VoteResult, NothingToVoteOn, BallotChanged)
