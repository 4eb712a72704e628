"""Who may take part in a group's work (bid, vote, follow a meeting, set an action): one rule every feature shares.

Outside any feature's package, so that votes, meetings and actions each import it without reaching into another's
private modules.
"""

from __future__ import annotations

from bot.db.models import Group
from bot.db.uow import UnitOfWork
from bot.domain.errors import NotEligibleError
from bot.domain.groups import MembershipStatus
from bot.domain.text import Text, msg


async def require_eligible(uow: UnitOfWork, group: Group, user_id: int, *, doing: Text) -> None:
    """Only an active member who has accepted the ground rules may take part: bid, vote, follow a meeting, add actions.

    `doing` names the part, in the refusal's words: a message that reads as what one can do, `msg("vote")`.
    """
    membership = await uow.memberships.get(group.id, user_id)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise NotEligibleError(
            # Translators: {doing} is what one wants to do, as after "can": "vote", "put in a bid".
            msg(
                "Only members of {group} can {doing} there. If you would like to join, use /group join.",
                group=group.name,
                doing=doing,
            )
        )
    if membership.rules_accepted_at is None:
        raise NotEligibleError(
            # Translators: {doing} is what one wants to do, as after "can": "vote", "put in a bid".
            msg(
                "Accept the ground rules of {group} first (the button in its channel), then {doing}.",
                group=group.name,
                doing=doing,
            )
        )
