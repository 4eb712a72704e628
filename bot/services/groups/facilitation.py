"""Who facilitates: appointing someone, or rotating the role through the members."""

from __future__ import annotations

from bot.domain.errors import FacilitatorChangeError
from bot.domain.groups import MembershipStatus, next_facilitator
from bot.domain.text import msg
from bot.services.groups._base import GroupServiceBase
from bot.services.groups._changes import hand_over
from bot.services.groups._guards import open_group, require_facilitator
from bot.services.groups._views import Actor, GroupView, Outcome, view_of


class Facilitation(GroupServiceBase):
    """The facilitator role moves, and channel access with it."""

    async def appoint_facilitator(self, guild_id: int, actor: Actor, group_id: int, user_id: int) -> Outcome[GroupView]:
        """Hand the facilitator role to someone (a member, or an experienced outsider)."""
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, group_id)
            require_facilitator(group, actor)
            await hand_over(uow, group, user_id)
            await uow.commit()
            return Outcome(view_of(group), uow.committed)

    async def rotate_facilitator(self, guild_id: int, actor: Actor, group_id: int) -> Outcome[GroupView]:
        """Pass the role to the next member in join order among those who accepted the ground rules."""
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, group_id)
            require_facilitator(group, actor)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            eligible = [membership.user_id for membership in active if membership.rules_accepted_at]
            chosen = next_facilitator(group.facilitator_id, eligible)
            if chosen == group.facilitator_id:
                raise FacilitatorChangeError(msg("There is nobody else to rotate to yet; the role stays where it is."))
            await hand_over(uow, group, chosen)
            await uow.commit()
            return Outcome(view_of(group), uow.committed)
