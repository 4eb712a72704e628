"""How bids, the vote card, ballots and results look in Discord; every echo of member text pings nobody."""

from __future__ import annotations

import discord
from discord.utils import escape_mentions

from bot.domain.bids import CloseReason, VoteStatus
from bot.domain.effects import Notice
from bot.domain.groups import VotingMethod
from bot.domain.vote_notices import BallotChanged, BidPutIn, BidWithdrawn, NothingToVoteOn
from bot.domain.words import person, plural, with_people
from bot.services.votes import BidBoard, OnBallot, VoteState
from bot.ui.applier import Post
from bot.ui.replies import message_link
from cogs.groups._render import plain

COLOUR = discord.Colour.gold()
METHOD_NAMES = {
    VotingMethod.SINGLE: "one choice each",
    VotingMethod.APPROVAL: "approval: tick every bid you support",
    VotingMethod.RANKED: "ranked: order your top choices (Borda count)",
}
HOW_TO_VOTE = {
    VotingMethod.SINGLE: "Press **Vote** and choose the one bid you most want the group to take up.",
    VotingMethod.APPROVAL: "Press **Vote** and tick every bid you would be glad to give a round.",
    VotingMethod.RANKED: (
        "Press **Vote** and rank your top choices, first choice first. With n bids, a first choice scores n "
        "points, a second n-1, and so on (a Borda count)."
    ),
}
CLOSED_BECAUSE = {
    CloseReason.FACILITATOR: "closed by {by}",
    CloseReason.DEADLINE: "closed at its closing time",
    CloseReason.EVERYONE_VOTED: "closed: everyone has voted",
    CloseReason.FEW_BIDS: "closed at once: there were no more bids than rounds, so every bid gets one",
    CloseReason.ARCHIVED: "cancelled: the group's cycle has ended",
}
MAX_LIST = 3500
MAX_FIELD = 800  # of an embed field's 1,024 characters, leaving room for the line that follows


def echo(text: str) -> str:
    """What a member wrote, shown as plain text: no formatting, no ping.

    A person mentioned in it stays a mention, which Discord draws as their name for each reader; what echoes member
    text is sent with allowed mentions that never include people named only in that text, so nobody is pinged.
    """
    return with_people(text, lambda user_id: f"<@{user_id}>", lambda part: plain(escape_mentions(part)))


def _bid_line(number: int, bid: OnBallot) -> str:
    line = f"{number}. **{echo(bid.title)}** by {person(bid.author_id)}"
    return f"~~{line}~~ (withdrawn)" if bid.struck else line


def _reason(state: VoteState) -> str:
    if state.close_reason is None:
        return "closed"
    return CLOSED_BECAUSE[state.close_reason].format(by=person(state.closed_by or 0))


def vote_card(state: VoteState, view: discord.ui.View | None) -> Post:
    """The vote card: the bids (titles and authors), how to vote, how many have voted (never for what)."""
    rounds = "a round" if state.seats == 1 else f"{state.seats} rounds"
    embed = discord.Embed(title=f"Vote in {plain(state.group_name)}: which issues get a round", colour=COLOUR)
    lines = [_bid_line(number, bid) for number, bid in enumerate(state.bids, start=1)]
    embed.description = "\n".join(lines)[:MAX_LIST]
    embed.add_field(name="Choosing", value=f"{rounds} ({METHOD_NAMES[state.method]})", inline=False)
    if state.status is VoteStatus.OPEN:
        own = "You may vote for your own bid." if state.own_bid_votes else "You cannot vote for your own bid."
        embed.add_field(name="How to vote", value=f"{HOW_TO_VOTE[state.method]} {own}", inline=False)
        closing = (
            f"Closes <t:{int(state.closes_at.timestamp())}:f> (<t:{int(state.closes_at.timestamp())}:R>), "
            if state.closes_at
            else ""
        )
        embed.add_field(
            name="Voted",
            value=f"{state.voted} of {state.electorate}. Results stay hidden until the vote closes: {closing}"
            "when everyone has voted, or when the facilitator closes it.",
            inline=False,
        )
    else:
        embed.add_field(
            name="Closed" if state.status is VoteStatus.CLOSED else "Cancelled",
            value=f"This vote was {_reason(state)}. {state.voted} of {state.electorate} voted."
            + (" The result is posted below." if state.status is VoteStatus.CLOSED else ""),
            inline=False,
        )
    if state.meeting_card is not None:
        link = message_link(*state.meeting_card)
        embed.add_field(name="The meeting", value=f"[Back to the meeting's card]({link})", inline=False)
    return Post(embed=embed, view=view if state.status is VoteStatus.OPEN else None)


def vote_result(state: VoteState) -> Post | None:
    """The result: the winners in order, every bid's count, and why each tie went the way it did."""
    count = state.count
    if count is None:
        return None
    unit = "point" if state.method is VotingMethod.RANKED else "vote"
    ballots = plural(count.ballots, "ballot")
    lines = [f"**Vote result in {plain(state.group_name)}** ({ballots}; {METHOD_NAMES[state.method]})"]
    if count.winners:
        lines.append("Chosen for a round, in this order:")
        lines += [
            f"{place}. **{echo(state.title_of(bid_id))}** by {person(state.author_of(bid_id) or 0)}"
            for place, bid_id in enumerate(count.winners, start=1)
        ]
    lines.append("The count:")
    lines += [
        f"- {echo(state.title_of(placing.bid_id))}: {plural(placing.points, unit)}"
        + (f" ({plural(placing.votes, 'ballot')})" if state.method is VotingMethod.RANKED else "")
        for placing in count.placings
    ]
    for tie in count.ties:
        why = (
            f"its author has had fewer rounds this cycle ({tie.ahead_rounds} against {tie.behind_rounds})"
            if tie.reason == "fewer_rounds"
            else "it was put in earlier"
        )
        lines.append(
            f"Tie at {plural(tie.points, unit)}: **{echo(state.title_of(tie.ahead))}** went ahead of "
            f"**{echo(state.title_of(tie.behind))}** because {why}."
        )
    winners = [author for author in (state.author_of(bid_id) for bid_id in count.winners) if author is not None]
    # The authors of the chosen bids are pinged (their round is coming); nobody else, whatever a title says.
    mentions = discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(a) for a in winners])
    return Post(content="\n".join(lines)[:2000], mentions=mentions)


def render_notice(notice: Notice) -> Post:
    """Posts about bids, and the private note to a voter whose ballot changed."""
    match notice:
        case BidPutIn(author_id=author, title=title, replaced=replaced):
            verb = "replaced their bid with" if replaced else "put in a bid:"
            return Post(content=f"{person(author)} {verb} **{echo(title)}**. See every open bid with /bid list.")
        case BidWithdrawn(author_id=author, title=title, struck_from_vote=struck, left=left, released_by=by):
            extra = " It is struck from the open vote." if struck else ""
            if by is not None:
                return Post(
                    content=f"{person(by)} released the chosen bid **{echo(title)}** of {person(author)}: "
                    "it no longer waits for a round."
                )
            if left:
                return Post(
                    content=f"The bid **{echo(title)}** of {person(author)}, who left the group, is withdrawn.{extra}"
                )
            return Post(content=f"{person(author)} withdrew their bid **{echo(title)}**.{extra}")
        case NothingToVoteOn(opened_by=opened_by):
            return Post(
                content=f"{person(opened_by)} asked for a vote, but there are no open bids to vote on. "
                "Put one in with /bid add, then the facilitator can open the vote again."
            )
        case BallotChanged(group=group, title=title, emptied=emptied, vote=vote):
            if vote == VoteStatus.CANCELLED:
                after = "No bid is left on the vote, so it is cancelled."
            elif vote == VoteStatus.CLOSED:
                after = "The bids left are no more than the rounds, so the vote has closed: each of them gets one."
            elif emptied:
                after = "It was your only choice: press Vote on the card to choose again before the vote closes."
            else:
                after = "The rest of your ballot stands; press Vote on the card if you want to change it."
            return Post(
                content=f"In {plain(group)}, the bid **{echo(title)}** was withdrawn, so your ballot changed. {after}"
            )
        case _:
            raise TypeError(f"{type(notice).__qualname__} is not a bid notice")


def board_embed(board: BidBoard) -> discord.Embed:
    """`/bid list`: the group's open bids with their authors."""
    embed = discord.Embed(title=f"Open bids in {plain(board.group.name)}", colour=COLOUR)
    waiting = [f"- **{echo(bid.title)}** by {person(bid.author_id)}" for bid in board.waiting]
    if waiting:
        embed.add_field(
            name="Chosen, waiting for a round",
            value="\n".join(waiting)[:MAX_FIELD] + "\nEach goes first at the next meeting its author comes to. "
            "The facilitator can free one with /bid release.",
            inline=False,
        )
    if not board.bids:
        embed.description = "No open bids. Put one in with /bid add."
        return embed
    lines = []
    for number, bid in enumerate(board.bids, start=1):
        help_text = echo(bid.help[:200] + ("…" if len(bid.help) > 200 else "")) if bid.help else ""
        lines.append(
            f"{number}. **{echo(bid.title)}** by {person(bid.author_id)}, <t:{int(bid.put_in_at.timestamp())}:R>"
            + (f"\n{help_text}" if help_text else "")
        )
    embed.description = "\n".join(lines)[:MAX_LIST]
    if board.open_vote_id is not None:
        embed.set_footer(text="A vote is open: bids put in now wait for the next vote.")
    return embed


def ballot_summary(method: VotingMethod, choices: list[OnBallot]) -> str:
    """A member's own ballot, as only they see it."""
    if method is VotingMethod.RANKED:
        return "\n".join(f"{n}. {echo(bid.title)}" for n, bid in enumerate(choices, start=1))
    return "\n".join(f"- {echo(bid.title)}" for bid in choices)
