"""Bids and the vote: one service whose parts sit in modules by concern.

The parts: bids, voting; `_shared` holds the changes that group set-up also makes (a member leaves, a cycle ends).
"""

from __future__ import annotations

from bot.services.votes._shared import VOTE_DEADLINE
from bot.services.votes._views import (
    BallotCast,
    BallotForm,
    BidBoard,
    BidGate,
    BidPlaced,
    BidView,
    Count,
    OnBallot,
    VoteOpened,
    VoteState,
    Withdrawal,
)
from bot.services.votes.bids import Bids
from bot.services.votes.voting import Voting

__all__ = [
    "VOTE_DEADLINE",
    "BallotCast",
    "BallotForm",
    "BidBoard",
    "BidGate",
    "BidPlaced",
    "BidView",
    "Count",
    "OnBallot",
    "VoteOpened",
    "VoteService",
    "VoteState",
    "Withdrawal",
]


class VoteService(Bids, Voting):
    """Every use case of bids and votes. Each method is one unit of work."""
