"""What every part of the vote service shares, and the checks its use cases start with."""

from __future__ import annotations

from bot.db.models import Group, Vote
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.errors import NotEligibleError, VoteNotFoundError
from bot.domain.groups import MembershipStatus


class VoteServiceBase:
    """Every use case of bids and votes is one method, one unit of work; the parts are mixed into `VoteService`."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock


async def require_eligible(uow: UnitOfWork, group: Group, user_id: int, *, doing: str) -> None:
    """Only an active member who has accepted the ground rules may bid or vote."""
    membership = await uow.memberships.get(group.id, user_id)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise NotEligibleError(
            f"Only members of {group.name} can {doing} there. If you would like to join, use /group join."
        )
    if membership.rules_accepted_at is None:
        raise NotEligibleError(
            f"Accept the ground rules of {group.name} first (the button in its channel), then {doing}."
        )


async def vote_and_group(uow: UnitOfWork, guild_id: int, vote_id: int, *, lock: bool = False) -> tuple[Vote, Group]:
    """A vote of this server and its group; locked group first, then vote, like every writer."""
    vote = await uow.votes.get(vote_id)
    group = await uow.groups.get(guild_id, vote.group_id, lock=lock) if vote is not None else None
    if vote is None or group is None:
        raise VoteNotFoundError("That vote does not exist in this server. Use the Vote button on a current vote card.")
    if lock:
        locked = await uow.votes.get(vote_id, lock=True)
        if locked is None:
            raise VoteNotFoundError("That vote no longer exists.")
        vote = locked
    return vote, group
