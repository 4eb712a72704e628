"""The checks every group use case starts with: find the group, open it, require the facilitator, check room.

They are functions over a unit of work, so that the meeting's services use the very same ones.
"""

from __future__ import annotations

from bot.db.models import Group, Membership
from bot.db.uow import UnitOfWork
from bot.domain.errors import (
    FacilitatorChangeError,
    GroupArchivedError,
    GroupChoiceNeededError,
    GroupFullError,
    GroupNotFoundError,
    JoinRequestNotFoundError,
    NotFacilitatorError,
    NotMemberError,
)
from bot.domain.groups import GroupStatus, MembershipStatus, group_id_in, lookup_key, membership_change
from bot.domain.text import msg, msgn
from bot.domain.words import person
from bot.services.groups._views import Actor, GroupChannelMissingError, GroupKey

NO_SUCH_NAME = msg("There is no group by that name in this server. Pick one from the list as you type.")


REQUEST_GONE = msg("That request no longer exists; nothing more to do.")


async def find_group(
    uow: UnitOfWork, guild_id: int, ref: str | None, channel_id: int | None, *, lock: bool = False
) -> Group:
    """The group a member named (autocomplete id or typed name), else the one whose channel this is."""
    if ref is not None and ref.strip():
        group_id = group_id_in(ref)
        key = lookup_key(ref)
        if group_id is not None:
            found = await uow.groups.get(guild_id, group_id, lock=lock)
        elif key is not None:  # None: no group could have that name (a NUL, say), so the database is not asked
            found = await uow.groups.by_name_key(guild_id, key, lock=lock)
        else:
            found = None
        if found is None or found.status == GroupStatus.CREATING:
            raise GroupNotFoundError(NO_SUCH_NAME)
        return found
    if channel_id is not None:
        group = await uow.groups.by_channel(guild_id, channel_id, lock=lock)
        if group is not None and group.status != GroupStatus.CREATING:
            return group
    raise GroupChoiceNeededError(msg("Which group? Run this in the group's channel, or pick one in the group option."))


async def get_group(
    uow: UnitOfWork, guild_id: int, key: GroupKey, *, channel_id: int | None = None, lock: bool = False
) -> Group:
    """The group, by id or as named; refused while its channel is missing."""
    if not isinstance(key, int):
        found = await find_group(uow, guild_id, key, channel_id, lock=lock)
    else:
        by_id = await uow.groups.get(guild_id, key, lock=lock)
        if by_id is None or by_id.status == GroupStatus.CREATING:
            raise GroupNotFoundError(
                msg("That group does not exist in this server. Pick one from the list as you type.")
            )
        found = by_id
    if found.channel_lost_at is not None:
        raise GroupChannelMissingError(found.name)
    return found


async def open_group(
    uow: UnitOfWork, guild_id: int, key: GroupKey, *, channel_id: int | None = None, lock: bool = True
) -> Group:
    """The group, which must still be able to change (not archived); locked for the unit of work by default."""
    found = await get_group(uow, guild_id, key, channel_id=channel_id, lock=lock)
    if found.status == GroupStatus.ARCHIVED:
        raise GroupArchivedError(
            msg("{group} is archived: its cycle has ended and it can no longer change.", group=found.name)
        )
    return found


async def creating_group(uow: UnitOfWork, guild_id: int, group_id: int) -> Group:
    """A group still being created, locked."""
    group = await uow.groups.get(guild_id, group_id, lock=True)
    if group is None or group.status != GroupStatus.CREATING:
        raise GroupNotFoundError(msg("That group's creation was abandoned. Please run the command again."))
    return group


async def request_and_group(
    uow: UnitOfWork, guild_id: int, membership_id: int, *, lock: bool = False
) -> tuple[Membership, Group]:
    """A join request (a membership by id) and its group; locked group first, then request, like every writer."""
    membership = await uow.memberships.by_id(membership_id)
    group = await uow.groups.get(guild_id, membership.group_id, lock=lock) if membership else None
    if membership is None or group is None:
        raise JoinRequestNotFoundError(REQUEST_GONE)
    if lock:
        membership = await uow.memberships.by_id(membership_id, lock=True)
        if membership is None:
            raise JoinRequestNotFoundError(REQUEST_GONE)
    return membership, group


async def active_membership(uow: UnitOfWork, group: Group, user_id: int) -> Membership:
    """The person's membership, which must be active."""
    membership = await uow.memberships.get(group.id, user_id)
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise NotMemberError(msg("{person} is not a member of {group}.", person=person(user_id), group=group.name))
    return membership


def require_facilitator(group: Group, actor: Actor) -> None:
    """Only the group's facilitator, or someone with Manage Server, may go on."""
    if actor.user_id != group.facilitator_id and not actor.manages_server:
        raise NotFacilitatorError(
            msg(
                "Only the facilitator of {group}, or someone with the Manage Server permission, can do that.",
                group=group.name,
            )
        )


def require_not_facilitator(group: Group, user_id: int, *, yourself: bool) -> None:
    """One rule for leaving, removal and moves: the facilitator hands the role on before going."""
    if group.facilitator_id != user_id or group.status == GroupStatus.ARCHIVED:
        return
    if yourself:
        raise FacilitatorChangeError(
            msg(
                "You facilitate {group}. Hand the role on first with /group facilitator appoint (or rotate), then "
                "leave.",
                group=group.name,
            )
        )
    raise FacilitatorChangeError(
        msg(
            "{person} facilitates {group}. Hand the role on first with /group facilitator appoint (or rotate); then "
            "they can leave the group.",
            person=person(user_id),
            group=group.name,
        )
    )


async def require_room(uow: UnitOfWork, group: Group, *, asked_by_facilitator: bool) -> None:
    """The group must have room for one more; the refusal speaks to whoever asked."""
    count = await uow.memberships.count_active(group.id)
    if count < group.max_size:
        return
    if asked_by_facilitator:
        raise GroupFullError(
            msgn(
                "{group} is full ({count} of {n} member). Raise its maximum with /group settings max_size, or remove "
                "a member first.",
                "{group} is full ({count} of {n} members). Raise its maximum with /group settings max_size, or "
                "remove a member first.",
                group.max_size,
                group=group.name,
                count=count,
            )
        )
    raise GroupFullError(
        msgn(
            "{group} is full ({count} of {n} member). Ask its facilitator about another group, or to raise the limit.",
            "{group} is full ({count} of {n} members). Ask its facilitator about another group, or to raise the limit.",
            group.max_size,
            group=group.name,
            count=count,
        )
    )


def change_status(membership: Membership, new: MembershipStatus) -> None:
    """Move a membership to a new status, as the domain allows (never a raw assignment)."""
    current = MembershipStatus(membership.status) if membership.status else None
    membership.status = membership_change(current, new)
