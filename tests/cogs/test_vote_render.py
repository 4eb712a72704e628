"""How the vote card, its result and bid notices look: counts hidden until the close, member text never pings."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from bot.domain.bids import CloseReason, VoteStatus
from bot.domain.groups import VotingMethod
from bot.domain.vote_notices import BallotChanged, BidPutIn
from bot.services.votes import Count, OnBallot, VoteState
from bot.services.votes._views import Placing, TieNote
from cogs.votes._render import ballot_summary, render_notice, vote_card, vote_result

HOSTILE = "@everyone <@123> **bold** <@&5>"


def _state(status: VoteStatus = VoteStatus.OPEN, count: Count | None = None) -> VoteState:
    return VoteState(
        id=7,
        group_id=1,
        group_name="Set A",
        status=status,
        method=VotingMethod.APPROVAL,
        seats=1,
        own_bid_votes=True,
        bids=[OnBallot(1, 21, HOSTILE, False), OnBallot(2, 22, "Plain", False), OnBallot(3, 23, "Gone", True)],
        voted=2,
        electorate=5,
        closes_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        close_reason=None if status is VoteStatus.OPEN else CloseReason.FACILITATOR,
        closed_by=None if status is VoteStatus.OPEN else 10,
        count=count,
    )


def _text(embed: discord.Embed) -> str:
    return "\n".join([embed.description or "", *(f"{f.name}\n{f.value}" for f in embed.fields)])


def test_an_open_card_says_how_many_voted_and_never_for_what() -> None:
    post = vote_card(_state(), discord.ui.View())
    assert post.embed is not None
    text = _text(post.embed)
    assert "2 of 5" in text
    assert "votes" not in text.lower().replace("votes for your own", "")
    assert "<t:1795510800:R>" in text
    assert post.view is not None


def test_a_closed_card_loses_its_buttons() -> None:
    post = vote_card(_state(VoteStatus.CLOSED), discord.ui.View())
    assert post.view is None
    assert post.embed is not None
    assert "closed by <@10>" in _text(post.embed)


def test_a_hostile_bid_title_cannot_ping_or_format() -> None:
    post = vote_card(_state(), None)
    assert post.embed is not None
    line = (post.embed.description or "").splitlines()[0]
    assert "@everyone" not in line
    assert "<@123>" not in line.replace("\\<@123>", "")  # shown as text, not as a mention pill
    assert "\\*\\*bold\\*\\*" in line
    assert post.mentions.everyone is False


def test_a_withdrawn_bid_is_struck_on_the_card() -> None:
    post = vote_card(_state(), None)
    assert post.embed is not None
    assert "~~3. **Gone** by <@23>~~ (withdrawn)" in (post.embed.description or "")


def test_the_result_names_the_winners_the_counts_and_why_a_tie_went_as_it_did() -> None:
    count = Count(
        ballots=2,
        placings=[Placing(2, 1, 1, 1), Placing(1, 1, 1, 2)],
        winners=[2],
        ties=[TieNote(2, 1, 1, "fewer_rounds", 0, 1)],
    )
    post = vote_result(_state(VoteStatus.CLOSED, count))
    assert post is not None
    assert post.content is not None
    assert "1. **Plain** by <@22>" in post.content
    assert "Tie at 1 vote:" in post.content
    assert "fewer rounds this cycle (0 against 1)" in post.content
    assert "@everyone" not in post.content
    assert post.mentions.everyone is False
    assert [user.id for user in post.mentions.users] == [22]  # type: ignore[union-attr]


def test_an_open_vote_has_no_result_to_post() -> None:
    assert vote_result(_state()) is None


def test_a_bid_notice_echoes_the_title_without_pinging() -> None:
    post = render_notice(BidPutIn(21, HOSTILE))
    assert post.content is not None
    assert "@everyone" not in post.content
    assert post.mentions.everyone is False


def test_a_voter_whose_only_choice_was_withdrawn_is_told_to_vote_again() -> None:
    post = render_notice(BallotChanged("Set A", "Plain", emptied=True))
    assert post.content is not None
    assert "choose again" in post.content


def test_a_ranked_ballot_is_shown_in_order() -> None:
    summary = ballot_summary(VotingMethod.RANKED, [OnBallot(2, 22, "Plain", False), OnBallot(1, 21, "B", False)])
    assert summary == "1. Plain\n2. B"
