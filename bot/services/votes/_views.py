"""What bids and votes hand back to the rest of the bot: plain views, never rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.db.models import Bid
from bot.domain.bids import BidStatus, CloseReason, VoteStatus
from bot.domain.groups import VotingMethod
from bot.domain.text import Text, msg
from bot.services.groups._views import GroupView

WITHDRAWN_BID = msg("(a withdrawn bid)")
"""What a result shows in place of a title it no longer has."""


@dataclass(frozen=True)
class BidView:
    """A bid as members see it."""

    id: int
    group_id: int
    author_id: int
    title: str
    help: str
    status: BidStatus
    put_in_at: datetime


def bid_view(bid: Bid) -> BidView:
    """The plain view of a stored bid."""
    return BidView(bid.id, bid.group_id, bid.author_id, bid.title, bid.help, BidStatus(bid.status), bid.put_in_at)


@dataclass(frozen=True)
class BidGate:
    """Before the bid form opens: the group, and the member's open bid there if they have one."""

    group: GroupView
    open_bid: BidView | None
    on_open_vote: bool = False


@dataclass(frozen=True)
class BidPlaced:
    """A bid was put in; `vote_open` says whether a vote was already under way (the bid waits for the next)."""

    group: GroupView
    bid: BidView
    replaced: BidView | None
    vote_open: bool


@dataclass(frozen=True)
class BidBoard:
    """What `/bid list` shows: the group's open bids, oldest first, its open vote if any, and the chosen bids."""

    group: GroupView
    bids: list[BidView]
    open_vote_id: int | None
    waiting: list[BidView] = field(default_factory=list)  # chosen by a vote, their rounds yet to run


@dataclass(frozen=True)
class Withdrawal:
    """A bid was withdrawn; how many ballots it was on."""

    group: GroupView
    bid: BidView
    ballots_changed: int
    struck: bool


@dataclass(frozen=True)
class OnBallot:
    """A bid on a vote's ballot."""

    bid_id: int
    author_id: int
    title: str
    struck: bool


@dataclass(frozen=True)
class Placing:
    """A bid's place in a closed vote's count."""

    bid_id: int
    points: int
    votes: int
    place: int


@dataclass(frozen=True)
class TieNote:
    """Why one bid went ahead of another with the same count."""

    ahead: int
    behind: int
    points: int
    reason: str
    ahead_rounds: int
    behind_rounds: int


@dataclass(frozen=True)
class Count:
    """The result of a closed vote: every bid's count, the winners in order, and how ties went."""

    ballots: int
    placings: list[Placing]
    winners: list[int]
    ties: list[TieNote]


@dataclass(frozen=True)
class VoteState:
    """Everything the vote's card and result show, read fresh from the database."""

    id: int
    group_id: int
    group_name: str
    status: VoteStatus
    method: VotingMethod
    seats: int
    own_bid_votes: bool
    bids: list[OnBallot]
    voted: int
    electorate: int
    closes_at: datetime | None
    close_reason: CloseReason | None
    closed_by: int | None
    count: Count | None
    meeting_card: tuple[int, int, int] | None = None
    """The card of the meeting this vote is part of, as (guild, channel, message), while the meeting is under way."""

    @property
    def live_bids(self) -> list[OnBallot]:
        """The bids still on the ballot."""
        return [bid for bid in self.bids if not bid.struck]

    def title_of(self, bid_id: int) -> str | Text:
        """A bid's title, as it stands on the ballot (a member's words; or a message where the bid is gone)."""
        return next((bid.title for bid in self.bids if bid.bid_id == bid_id), WITHDRAWN_BID)

    def author_of(self, bid_id: int) -> int | None:
        """Who put the bid in."""
        return next((bid.author_id for bid in self.bids if bid.bid_id == bid_id), None)


@dataclass(frozen=True)
class VoteOpened:
    """A vote was opened (`vote` None: there was nothing to vote on, and the channel was told so)."""

    group: GroupView
    vote: VoteState | None


@dataclass(frozen=True)
class BallotForm:
    """What a member's private ballot offers: the bids they may choose, and their current ballot if any."""

    vote_id: int
    group_name: str
    method: VotingMethod
    seats: int
    choices: list[OnBallot]
    current: list[int]
    own_bid_left_out: bool


@dataclass(frozen=True)
class BallotCast:
    """A ballot was stored; `closed` if it was the last one the vote waited for."""

    vote_id: int
    group_name: str
    method: VotingMethod
    choices: list[OnBallot]
    changed: bool
    closed: bool
