"""Changes of membership that several use cases share: admitting someone, someone going, a new facilitator."""

from __future__ import annotations

from datetime import datetime

from bot.db.models import Group, Membership
from bot.db.uow import UnitOfWork
from bot.domain.effects import Notice
from bot.domain.errors import FacilitatorChangeError
from bot.domain.group_notices import FacilitatorChanged, MemberMovedIn, RulesPrompt
from bot.domain.groups import GroupStatus, MembershipStatus, membership_change
from bot.domain.text import msg
from bot.domain.words import person
from bot.services.access import set_access
from bot.services.floor import left_meeting, membership_changed
from bot.services.groups._effects import close_request, post
from bot.services.groups._guards import change_status, require_room
from bot.services.votes._shared import member_gone


def activate(group: Group, channels: tuple[int, int | None]) -> None:
    """A group being created has its channels: it becomes active, and forgets who was creating it."""
    group.text_channel_id, group.voice_channel_id = channels
    group.status, group.creator_instance, group.creation_reply_token = GroupStatus.ACTIVE, None, None


def new_membership(group_id: int, user_id: int, status: MembershipStatus, now: datetime) -> Membership:
    """A first membership of someone in a group (asking to join, or added)."""
    return Membership(group_id=group_id, user_id=user_id, status=membership_change(None, status), requested_at=now)


async def admit(
    uow: UnitOfWork,
    group: Group,
    user_id: int,
    membership: Membership | None,
    now: datetime,
    *,
    rules_accepted_at: datetime | None,
    notice_from: str | None = None,
    answered_by: int | None = None,
) -> None:
    """Make someone an active member (room permitting): access, a welcome from a move, the ground-rules prompt."""
    await require_room(uow, group, asked_by_facilitator=True)
    if membership is not None and membership.status == MembershipStatus.REQUESTED:
        uow.emit(group.guild_id, *close_request(group, membership, "approved" if answered_by else "added", answered_by))
    if membership is None:
        membership = await uow.memberships.add(new_membership(group.id, user_id, MembershipStatus.ACTIVE, now))
    else:
        change_status(membership, MembershipStatus.ACTIVE)
    membership.joined_at, membership.left_at = now, None
    membership.rules_accepted_at = rules_accepted_at
    uow.emit(group.guild_id, set_access(group, user_id, membership))
    uow.emit(group.guild_id, *await membership_changed(uow, group))  # a meeting's card offers them Here
    if notice_from is not None:
        uow.emit(group.guild_id, post(group, MemberMovedIn(user_id, notice_from)))
    if rules_accepted_at is None:
        uow.emit(group.guild_id, post(group, RulesPrompt(group.id, group.name, user_id)))


async def depart(
    uow: UnitOfWork,
    group: Group,
    membership: Membership,
    status: MembershipStatus,
    notice: Notice | None,
    now: datetime,
) -> None:
    """Someone stops being a member (left, removed, moved): their access goes, and the group is told (or not).

    Their open bid is withdrawn and their ballot in an open vote dropped: a bid needs its author in the room.
    """
    change_status(membership, status)
    membership.left_at = now
    uow.emit(group.guild_id, set_access(group, membership.user_id, membership))
    if notice is not None:
        uow.emit(group.guild_id, post(group, notice))
    uow.emit(group.guild_id, *await member_gone(uow, group, membership.user_id, now))
    left = await left_meeting(uow, group, membership.user_id, now)
    uow.emit(group.guild_id, *(left or await membership_changed(uow, group)))  # Here may no longer be needed


async def hand_over(uow: UnitOfWork, group: Group, user_id: int) -> None:
    """Give the facilitator role to `user_id`; both people's access follows."""
    if user_id == group.facilitator_id:
        raise FacilitatorChangeError(
            msg("{person} already facilitates {group}.", person=person(user_id), group=group.name)
        )
    if await uow.meetings.open_in(group.id) is not None:
        raise FacilitatorChangeError(
            msg(
                "{group} has a meeting under way: hand the role on after it, once /meeting end has closed it.",
                group=group.name,
            )
        )
    previous = group.facilitator_id
    group.facilitator_id = user_id
    for changed in (previous, user_id):
        uow.emit(group.guild_id, set_access(group, changed, await uow.memberships.get(group.id, changed)))
    uow.emit(group.guild_id, post(group, FacilitatorChanged(group.name, user_id)))
