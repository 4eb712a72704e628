"""What every part of the vote service shares, and the vote it works on."""

from __future__ import annotations

from bot.db.models import Group, Vote
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.errors import VoteNotFoundError
from bot.domain.text import msg


class VoteServiceBase:
    """Every use case of bids and votes is one method, one unit of work; the parts are mixed into `VoteService`."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock


async def vote_and_group(uow: UnitOfWork, guild_id: int, vote_id: int, *, lock: bool = False) -> tuple[Vote, Group]:
    """A vote of this server and its group; locked group first, then vote, like every writer."""
    vote = await uow.votes.get(vote_id)
    group = await uow.groups.get(guild_id, vote.group_id, lock=lock) if vote is not None else None
    if vote is None or group is None:
        raise VoteNotFoundError(
            msg("That vote does not exist in this server. Use the Vote button on a current vote card.")
        )
    if lock:
        locked = await uow.votes.get(vote_id, lock=True)
        if locked is None:
            raise VoteNotFoundError(msg("That vote no longer exists."))
        vote = locked
    return vote, group
