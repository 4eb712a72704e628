"""The vote: opening it on the group's open bids, private ballots, closing it by hand, by deadline or when all voted."""

from __future__ import annotations

from bot.db.models import Ballot, Vote
from bot.domain.bids import CloseReason, VoteStatus
from bot.domain.errors import VoteAlreadyOpenError, VoteClosedError, VoteNotFoundError
from bot.domain.groups import VotingMethod
from bot.domain.text import msg
from bot.domain.votes import Candidate, ballot_choices, closing_time
from bot.services.due import DueItem, schedule_in
from bot.services.effects import QueuedEffect
from bot.services.eligibility import require_eligible
from bot.services.floor import refresh_card as refresh_meeting_card
from bot.services.groups._guards import get_group, open_group, require_facilitator
from bot.services.groups._views import Actor, GroupKey, Outcome, view_of
from bot.services.votes._base import VoteServiceBase, vote_and_group
from bot.services.votes._count import state_of
from bot.services.votes._shared import close, deadline_key, open_on_bids, refresh_card, settle, vote_of
from bot.services.votes._views import BallotCast, BallotForm, OnBallot, VoteOpened, VoteState

# Translators: completes "Only members of {group} can … there." and "… first, then …." (an infinitive).
VOTING = msg("vote")
"""What the refusal to someone who may not vote says they cannot do (drawn in their language when refused)."""
_CLOSED = {
    VoteStatus.CLOSED: msg("This vote has closed; its result is posted in the group's channel."),
    VoteStatus.CANCELLED: msg("This vote was cancelled, so it takes no more ballots."),
}


class Voting(VoteServiceBase):
    """Which bids get a round."""

    async def open_vote(
        self,
        guild_id: int,
        actor: Actor,
        which: GroupKey,
        channel_id: int | None,
        *,
        seats: int | None = None,
        closes_in: str | None = None,
    ) -> Outcome[VoteOpened]:
        """The facilitator opens a vote on the group's open bids and the card is posted.

        `closes_in` is a duration as typed ("2h"); with no open bid the channel is told there is nothing to vote on;
        with one, it wins at once.
        """
        now = self._clock.now()
        closes_at = closing_time(closes_in, now) if closes_in else None
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, which, channel_id=channel_id)
            require_facilitator(group, actor)
            if await uow.votes.open_in(group.id) is not None:
                raise VoteAlreadyOpenError(
                    msg(
                        "{group} already has an open vote. Close it with /vote close before opening another.",
                        group=group.name,
                    )
                )
            vote, effects = await open_on_bids(
                uow, group, actor.user_id, now, seats=seats or group.rounds_per_meeting, closes_at=closes_at
            )
            uow.emit(guild_id, *effects)
            if vote is None:
                await uow.commit()
                return Outcome(VoteOpened(view_of(group), None), uow.committed)
            # No more bids than rounds: every bid gets one, whatever anyone would vote.
            uow.emit(guild_id, *await settle(uow, group, vote, now))
            if vote.status == VoteStatus.OPEN and vote.closes_at is not None:
                await schedule_in(uow, guild_id, deadline_key(vote))
            state = await state_of(uow, group, vote)
            await uow.commit()
            return Outcome(VoteOpened(view_of(group), state), uow.committed)

    async def ballot_form(self, guild_id: int, user_id: int, vote_id: int) -> BallotForm:
        """What the member's private ballot offers, with their current choices; refused to anyone who may not vote."""
        async with self._uow(write=False) as uow:
            vote, group = await vote_and_group(uow, guild_id, vote_id)
            await require_eligible(uow, group, user_id, doing=VOTING)
            _require_open(vote)
            live = (await state_of(uow, group, vote)).live_bids
            offered = [bid for bid in live if vote.own_bid_votes or bid.author_id != user_id]
            ballot = await uow.votes.ballot_of(vote.id, user_id)
            return BallotForm(
                vote_id=vote.id,
                group_name=group.name,
                method=VotingMethod(vote.method),
                seats=vote.seats,
                choices=offered,
                current=list(ballot.choices) if ballot else [],
                own_bid_left_out=len(offered) < len(live),
            )

    async def cast_ballot(self, guild_id: int, user_id: int, vote_id: int, choices: list[int]) -> Outcome[BallotCast]:
        """Store the member's ballot (replacing their earlier one); the last ballot the vote waits for closes it."""
        now = self._clock.now()
        async with self._uow() as uow:
            vote, group = await vote_and_group(uow, guild_id, vote_id, lock=True)
            await require_eligible(uow, group, user_id, doing=VOTING)
            _require_open(vote)
            live = [bid for entry, bid in await uow.votes.on_ballot(vote.id) if entry.struck_at is None]
            candidates = [Candidate(bid.id, bid.author_id, bid.put_in_at, 0) for bid in live]
            chosen = ballot_choices(
                VotingMethod(vote.method),
                choices,
                candidates=candidates,
                voter_id=user_id,
                own_bid_votes=vote.own_bid_votes,
            )
            ballot = await uow.votes.ballot_of(vote.id, user_id)
            changed = ballot is not None
            if ballot is None:
                await uow.votes.add_ballot(
                    Ballot(vote_id=vote.id, voter_id=user_id, choices=list(chosen), cast_at=now, changed_at=now)
                )
            else:
                ballot.choices, ballot.changed_at = list(chosen), now
            uow.emit(guild_id, *await settle(uow, group, vote, now))
            closed = vote.status != VoteStatus.OPEN
            by_id = {bid.id: bid for bid in live}
            shown = [OnBallot(bid_id, by_id[bid_id].author_id, by_id[bid_id].title, False) for bid_id in chosen]
            await uow.commit()
            return Outcome(
                BallotCast(vote.id, group.name, VotingMethod(vote.method), shown, changed, closed), uow.committed
            )

    async def close_vote(
        self, guild_id: int, actor: Actor, which: GroupKey, channel_id: int | None, *, vote_id: int | None = None
    ) -> Outcome[VoteState]:
        """The facilitator closes the group's open vote (or `vote_id`, from its card); the result is posted."""
        now = self._clock.now()
        async with self._uow() as uow:
            if vote_id is not None:
                vote, group = await vote_and_group(uow, guild_id, vote_id, lock=True)
            else:
                group = await open_group(uow, guild_id, which, channel_id=channel_id)
                found = await uow.votes.open_in(group.id)
                if found is None:
                    raise VoteClosedError(msg("{group} has no open vote. Open one with /vote open.", group=group.name))
                vote, group = await vote_and_group(uow, guild_id, found.id, lock=True)
            require_facilitator(group, actor)
            _require_open(vote)
            uow.emit(guild_id, *await close(uow, group, vote, now, CloseReason.FACILITATOR, actor.user_id))
            state = await state_of(uow, group, vote)
            await uow.commit()
            return Outcome(state, uow.committed)

    async def close_at_deadline(self, item: DueItem) -> list[QueuedEffect]:
        """Due work: the vote's closing time has come; a vote closed meanwhile needs nothing."""
        async with self._uow() as uow:
            try:
                vote, group = await vote_and_group(uow, item.guild_id, vote_of(item.key.subject), lock=True)
            except VoteNotFoundError:
                return []  # the group, and its votes with it, were deleted
            if vote.status != VoteStatus.OPEN:
                return []
            uow.emit(item.guild_id, *await close(uow, group, vote, self._clock.now(), CloseReason.DEADLINE))
            await uow.commit()
            return uow.committed

    async def state(self, vote_id: int) -> VoteState | None:
        """The vote as its card and result show it now (None if it is gone)."""
        async with self._uow(write=False) as uow:
            vote = await uow.votes.get(vote_id)
            group = await uow.groups.by_id(vote.group_id) if vote is not None else None
            if vote is None or group is None:
                return None
            return await state_of(uow, group, vote)

    async def record_card(self, vote_id: int, message_id: int) -> list[QueuedEffect]:
        """Remember the card's message, to keep it up to date; bring it up to date if it changed meanwhile."""
        async with self._uow() as uow:
            found = await uow.votes.get(vote_id)
            if found is None:
                return []
            group = await uow.groups.by_id(found.group_id)
            if group is None:
                return []
            vote, group = await vote_and_group(uow, group.guild_id, vote_id, lock=True)
            vote.card_message_id = message_id
            # Always drawn again: anything that changed between the first drawing and now shows (edits coalesce).
            uow.emit(group.guild_id, *refresh_card(group, vote))
            meeting = await uow.meetings.open_in(group.id)
            if meeting is not None and meeting.vote_id == vote.id:
                uow.emit(group.guild_id, *refresh_meeting_card(group, meeting))  # its card links to this one
            await uow.commit()
            return uow.committed

    async def open_vote_of(self, guild_id: int, user_id: int, which: GroupKey, channel_id: int | None) -> VoteState:
        """A group's open vote, for one of its members."""
        async with self._uow(write=False) as uow:
            group = await get_group(uow, guild_id, which, channel_id=channel_id)
            await require_eligible(uow, group, user_id, doing=VOTING)
            vote = await uow.votes.open_in(group.id)
            if vote is None:
                raise VoteClosedError(msg("{group} has no open vote.", group=group.name))
            return await state_of(uow, group, vote)


def _require_open(vote: Vote) -> None:
    status = VoteStatus(vote.status)
    if status is not VoteStatus.OPEN:
        raise VoteClosedError(_CLOSED[status])
