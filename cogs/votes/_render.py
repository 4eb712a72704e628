"""How bids, the vote card, ballots and results look in Discord; every echo of member text pings nobody."""

from __future__ import annotations

import discord
from discord.utils import escape_mentions

from bot.domain.bids import CloseReason, VoteStatus
from bot.domain.effects import Notice
from bot.domain.groups import VotingMethod
from bot.domain.vote_notices import BallotChanged, BidPutIn, BidWithdrawn, NothingToVoteOn
from bot.domain.words import person, with_people
from bot.i18n import msg, render, t, tn
from bot.services.votes import BidBoard, OnBallot, VoteState
from bot.ui.applier import Post
from bot.ui.replies import message_link
from cogs.groups._render import plain

COLOUR = discord.Colour.gold()
METHOD_NAMES = {
    VotingMethod.SINGLE: msg("one choice each"),
    VotingMethod.APPROVAL: msg("approval: tick every bid you support"),
    VotingMethod.RANKED: msg("ranked: order your top choices (Borda count)"),
}
HOW_TO_VOTE = {
    VotingMethod.SINGLE: msg("Press **Vote** and choose the one bid you most want the group to take up."),
    VotingMethod.APPROVAL: msg("Press **Vote** and tick every bid you would be glad to give a round."),
    VotingMethod.RANKED: msg(
        "Press **Vote** and rank your top choices, first choice first. With n bids, a first choice scores n "
        "points, a second n-1, and so on (a Borda count)."
    ),
}
# Translators: each completes "This vote was … ." ({by}: the facilitator who closed it).
CLOSED_BECAUSE = {
    CloseReason.FACILITATOR: msg("closed by {by}"),
    CloseReason.DEADLINE: msg("closed at its closing time"),
    CloseReason.EVERYONE_VOTED: msg("closed: everyone has voted"),
    CloseReason.FEW_BIDS: msg("closed at once: there were no more bids than rounds, so every bid gets one"),
    CloseReason.ARCHIVED: msg("cancelled: the group's cycle has ended"),
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
    line = t("{number}. **{title}** by {author}", number=number, title=echo(bid.title), author=person(bid.author_id))
    return t("~~{line}~~ (withdrawn)", line=line) if bid.struck else line


def _title(state: VoteState, bid_id: int) -> str:
    """A bid's title on the vote, shown safely (or what stands in for a withdrawn one)."""
    title = state.title_of(bid_id)
    return echo(title) if isinstance(title, str) else render(title)


def _reason(state: VoteState) -> str:
    if state.close_reason is None:
        # Translators: completes "This vote was … ." when no reason is known.
        return t("closed")
    return render(CLOSED_BECAUSE[state.close_reason].with_params(by=person(state.closed_by or 0)))


def _voted(state: VoteState) -> str:
    """How many have voted, and when the result shows (never for what anyone voted)."""
    if state.closes_at is None:
        return t(
            "{voted} of {electorate}. Results stay hidden until the vote closes: when everyone has voted, or when "
            "the facilitator closes it.",
            voted=state.voted,
            electorate=state.electorate,
        )
    return t(
        "{voted} of {electorate}. Results stay hidden until the vote closes: at <t:{at}:f> (<t:{at}:R>), when "
        "everyone has voted, or when the facilitator closes it.",
        voted=state.voted,
        electorate=state.electorate,
        at=int(state.closes_at.timestamp()),
    )


def _ended(state: VoteState) -> str:
    """What a closed or cancelled vote's card says of its end."""
    if state.status is VoteStatus.CLOSED:
        return t(
            "This vote was {reason}. {voted} of {electorate} voted. The result is posted below.",
            reason=_reason(state),
            voted=state.voted,
            electorate=state.electorate,
        )
    return t(
        "This vote was {reason}. {voted} of {electorate} voted.",
        reason=_reason(state),
        voted=state.voted,
        electorate=state.electorate,
    )


def vote_card(state: VoteState, view: discord.ui.View | None) -> Post:
    """The vote card: the bids (titles and authors), how to vote, how many have voted (never for what)."""
    rounds = tn("a round", "{n} rounds", state.seats)
    embed = discord.Embed(
        title=t("Vote in {group}: which issues get a round", group=plain(state.group_name)), colour=COLOUR
    )
    lines = [_bid_line(number, bid) for number, bid in enumerate(state.bids, start=1)]
    embed.description = "\n".join(lines)[:MAX_LIST]
    embed.add_field(name=t("Choosing"), value=f"{rounds} ({render(METHOD_NAMES[state.method])})", inline=False)
    if state.status is VoteStatus.OPEN:
        own = t("You may vote for your own bid.") if state.own_bid_votes else t("You cannot vote for your own bid.")
        embed.add_field(name=t("How to vote"), value=f"{render(HOW_TO_VOTE[state.method])} {own}", inline=False)
        embed.add_field(name=t("Voted"), value=_voted(state), inline=False)
    else:
        embed.add_field(
            name=t("Closed") if state.status is VoteStatus.CLOSED else t("Cancelled"), value=_ended(state), inline=False
        )
    link = message_link(*state.meeting_card) if state.meeting_card is not None else None
    if link is not None:
        embed.add_field(name=t("The meeting"), value=t("[Back to the meeting's card]({link})", link=link), inline=False)
    return Post(embed=embed, view=view if state.status is VoteStatus.OPEN else None)


def _points(method: VotingMethod, n: int) -> str:
    """A bid's score as the count gives it: points in a ranked vote, votes otherwise."""
    if method is VotingMethod.RANKED:
        return tn("{n} point", "{n} points", n)
    return tn("{n} vote", "{n} votes", n)


def _why(reason: str, ahead_rounds: int, behind_rounds: int) -> str:
    """Why a tie went the way it did."""
    if reason == "fewer_rounds":
        return t(
            "its author has had fewer rounds this cycle ({ahead} against {behind})",
            ahead=ahead_rounds,
            behind=behind_rounds,
        )
    return t("it was put in earlier")


def vote_result(state: VoteState) -> Post | None:
    """The result: the winners in order, every bid's count, and why each tie went the way it did."""
    count = state.count
    if count is None:
        return None
    lines = [
        t(
            "**Vote result in {group}** ({ballots}; {method})",
            group=plain(state.group_name),
            ballots=tn("{n} ballot", "{n} ballots", count.ballots),
            method=METHOD_NAMES[state.method],
        )
    ]
    if count.winners:
        lines.append(t("Chosen for a round, in this order:"))
        lines += [
            t(
                "{number}. **{title}** by {author}",
                number=place,
                title=_title(state, bid_id),
                author=person(state.author_of(bid_id) or 0),
            )
            for place, bid_id in enumerate(count.winners, start=1)
        ]
    lines.append(t("The count:"))
    lines += [
        f"- {_title(state, placing.bid_id)}: {_points(state.method, placing.points)}"
        + (f" ({tn('{n} ballot', '{n} ballots', placing.votes)})" if state.method is VotingMethod.RANKED else "")
        for placing in count.placings
    ]
    lines += [
        t(
            "Tie at {points}: **{ahead}** went ahead of **{behind}** because {why}.",
            points=_points(state.method, tie.points),
            ahead=_title(state, tie.ahead),
            behind=_title(state, tie.behind),
            why=_why(tie.reason, tie.ahead_rounds, tie.behind_rounds),
        )
        for tie in count.ties
    ]
    winners = [author for author in (state.author_of(bid_id) for bid_id in count.winners) if author is not None]
    # The authors of the chosen bids are pinged (their round is coming); nobody else, whatever a title says.
    mentions = discord.AllowedMentions(everyone=False, roles=False, users=[discord.Object(a) for a in winners])
    return Post(content="\n".join(lines)[:2000], mentions=mentions)


def _bid_notice(notice: BidPutIn | BidWithdrawn) -> str:
    """A bid put in, replaced, withdrawn or released, as the group's channel is told."""
    author, title = person(notice.author_id), echo(notice.title)
    if isinstance(notice, BidPutIn):
        if notice.replaced:
            return t(
                "{author} replaced their bid with **{title}**. See every open bid with /bid list.",
                author=author,
                title=title,
            )
        return t("{author} put in a bid: **{title}**. See every open bid with /bid list.", author=author, title=title)
    if notice.released_by is not None:
        return t(
            "{by} released the chosen bid **{title}** of {author}: it no longer waits for a round.",
            by=person(notice.released_by),
            author=author,
            title=title,
        )
    if notice.left and notice.struck_from_vote:
        return t(
            "The bid **{title}** of {author}, who left the group, is withdrawn. It is struck from the open vote.",
            author=author,
            title=title,
        )
    if notice.left:
        return t("The bid **{title}** of {author}, who left the group, is withdrawn.", author=author, title=title)
    if notice.struck_from_vote:
        return t(
            "{author} withdrew their bid **{title}**. It is struck from the open vote.", author=author, title=title
        )
    return t("{author} withdrew their bid **{title}**.", author=author, title=title)


def _ballot_after(notice: BallotChanged) -> str:
    """What a voter whose ballot lost a bid is told of the vote now."""
    if notice.vote == VoteStatus.CANCELLED:
        return t("No bid is left on the vote, so it is cancelled.")
    if notice.vote == VoteStatus.CLOSED:
        return t("The bids left are no more than the rounds, so the vote has closed: each of them gets one.")
    if notice.emptied:
        return t("It was your only choice: press Vote on the card to choose again before the vote closes.")
    return t("The rest of your ballot stands; press Vote on the card if you want to change it.")


def render_notice(notice: Notice) -> Post:
    """Posts about bids, and the private note to a voter whose ballot changed."""
    match notice:
        case BidPutIn() | BidWithdrawn():
            return Post(content=_bid_notice(notice))
        case NothingToVoteOn(opened_by=opened_by):
            return Post(
                content=t(
                    "{person} asked for a vote, but there are no open bids to vote on. "
                    "Put one in with /bid add, then the facilitator can open the vote again.",
                    person=person(opened_by),
                )
            )
        case BallotChanged(group=group, title=title):
            return Post(
                content=t(
                    "In {group}, the bid **{title}** was withdrawn, so your ballot changed. {after}",
                    group=plain(group),
                    title=echo(title),
                    after=_ballot_after(notice),
                )
            )
        case _:
            raise TypeError(f"{type(notice).__qualname__} is not a bid notice")


def board_embed(board: BidBoard) -> discord.Embed:
    """`/bid list`: the group's open bids with their authors."""
    embed = discord.Embed(title=t("Open bids in {group}", group=plain(board.group.name)), colour=COLOUR)
    waiting = [
        t("- **{title}** by {author}", title=echo(bid.title), author=person(bid.author_id)) for bid in board.waiting
    ]
    if waiting:
        embed.add_field(
            name=t("Chosen, waiting for a round"),
            value="\n".join(waiting)[:MAX_FIELD]
            + "\n"
            + t(
                "Each goes first at the next meeting its author comes to. The facilitator can free one with "
                "/bid release."
            ),
            inline=False,
        )
    if not board.bids:
        embed.description = t("No open bids. Put one in with /bid add.")
        return embed
    lines = []
    for number, bid in enumerate(board.bids, start=1):
        help_text = echo(bid.help[:200] + ("…" if len(bid.help) > 200 else "")) if bid.help else ""
        lines.append(
            t(
                "{number}. **{title}** by {author}, <t:{at}:R>",
                number=number,
                title=echo(bid.title),
                author=person(bid.author_id),
                at=int(bid.put_in_at.timestamp()),
            )
            + (f"\n{help_text}" if help_text else "")
        )
    embed.description = "\n".join(lines)[:MAX_LIST]
    if board.open_vote_id is not None:
        embed.set_footer(text=t("A vote is open: bids put in now wait for the next vote."))
    return embed


def ballot_summary(method: VotingMethod, choices: list[OnBallot]) -> str:
    """A member's own ballot, as only they see it."""
    if method is VotingMethod.RANKED:
        return "\n".join(f"{n}. {echo(bid.title)}" for n, bid in enumerate(choices, start=1))
    return "\n".join(f"- {echo(bid.title)}" for bid in choices)
