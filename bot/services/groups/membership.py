"""Membership: adding and removing, join requests and their answers, the ground rules, leaving, moving."""

from __future__ import annotations

from bot.domain.errors import (
    AlreadyMemberError,
    GroupArchivedError,
    JoinRequestNotFoundError,
    JoinRequestTooSoonError,
    NotMemberError,
)
from bot.domain.group_notices import (
    JoinRequest,
    MemberLeft,
    MemberMovedOut,
    MemberRemoved,
    RequestOutcome,
    RulesAccepted,
)
from bot.domain.groups import GroupStatus, MembershipStatus, may_ask_again_at
from bot.domain.text import msg
from bot.domain.words import person
from bot.services.access import set_access
from bot.services.effects import QueuedEffect
from bot.services.groups._base import GroupServiceBase
from bot.services.groups._changes import admit, depart, new_membership
from bot.services.groups._effects import close_request, declined, post
from bot.services.groups._guards import (
    active_membership,
    change_status,
    get_group,
    open_group,
    request_and_group,
    require_facilitator,
    require_not_facilitator,
    require_room,
)
from bot.services.groups._views import (
    Actor,
    Departure,
    GroupKey,
    GroupView,
    JoinRequestView,
    Outcome,
    Removal,
    view_of,
)

_REQUEST_OUTCOMES: dict[MembershipStatus, RequestOutcome] = {
    MembershipStatus.ACTIVE: "added",
    MembershipStatus.DECLINED: "declined",
    MembershipStatus.LEFT: "withdrawn",
}


class Memberships(GroupServiceBase):
    """Who is in a group, and how they came and went."""

    async def add_member(self, guild_id: int, actor: Actor, group_id: int, user_id: int) -> Outcome[GroupView]:
        """The facilitator adds someone; they see the channel and the ground rules, and post once they accept."""
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, group_id)
            require_facilitator(group, actor)
            membership = await uow.memberships.get(group.id, user_id)
            if membership is not None and membership.status == MembershipStatus.ACTIVE:
                raise AlreadyMemberError(
                    msg("{person} is already a member of {group}.", person=person(user_id), group=group.name)
                )
            await admit(uow, group, user_id, membership, self._clock.now(), rules_accepted_at=None)
            await uow.commit()
            return Outcome(view_of(group), uow.committed)

    async def remove_member(self, guild_id: int, actor: Actor, group_id: int, user_id: int) -> Outcome[Removal]:
        """The facilitator removes a member; says how many remain and whether that is under the minimum."""
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, group_id)
            require_facilitator(group, actor)
            membership = await active_membership(uow, group, user_id)
            require_not_facilitator(group, user_id, yourself=user_id == actor.user_id)
            await depart(uow, group, membership, MembershipStatus.REMOVED, MemberRemoved(user_id), self._clock.now())
            remaining = await uow.memberships.count_active(group.id)
            await uow.commit()
            return Outcome(Removal(remaining, below_minimum=remaining < group.min_size), uow.committed)

    async def request_to_join(self, guild_id: int, user_id: int, which: GroupKey) -> Outcome[GroupView]:
        """Someone asks to join; the facilitator gets an Approve / Decline post in the group's channel."""
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, which)
            membership = await uow.memberships.get(group.id, user_id)
            if membership is not None and membership.status == MembershipStatus.ACTIVE:
                raise AlreadyMemberError(msg("You are already a member of {group}.", group=group.name))
            if membership is not None and membership.status == MembershipStatus.REQUESTED:
                raise AlreadyMemberError(
                    msg("You have already asked to join {group}; the facilitator will answer soon.", group=group.name)
                )
            now = self._clock.now()
            if membership is not None:
                again = may_ask_again_at(
                    MembershipStatus(membership.status), membership.requested_at, membership.joined_at
                )
                if again is not None and again > now:
                    raise JoinRequestTooSoonError(
                        msg(
                            "You asked to join {group} less than a day ago. You can ask again <t:{again}:R>, or ask "
                            "another group in the meantime.",
                            group=group.name,
                            again=int(again.timestamp()),
                        )
                    )
            await require_room(uow, group, asked_by_facilitator=False)
            if membership is None:
                membership = await uow.memberships.add(
                    new_membership(group.id, user_id, MembershipStatus.REQUESTED, now)
                )
            else:
                change_status(membership, MembershipStatus.REQUESTED)
                membership.requested_at = now
            uow.emit(guild_id, post(group, JoinRequest(group.name, user_id, membership.id, group.facilitator_id)))
            await uow.commit()
            return Outcome(view_of(group), uow.committed)

    async def answer_join_request(
        self, guild_id: int, actor: Actor, membership_id: int, *, approve: bool, message_id: int | None = None
    ) -> Outcome[JoinRequestView]:
        """The facilitator approves or declines; a second click on the same request changes nothing."""
        async with self._uow() as uow:
            membership, group = await request_and_group(uow, guild_id, membership_id, lock=True)
            require_facilitator(group, actor)
            if membership.status != MembershipStatus.REQUESTED:
                raise JoinRequestNotFoundError(msg("That request has already been answered; nothing more to do."))
            if group.status == GroupStatus.ARCHIVED:
                raise GroupArchivedError(msg("{group} is archived, so it takes no new members.", group=group.name))
            membership.request_message_id = membership.request_message_id or message_id
            if approve:
                now = self._clock.now()
                await admit(
                    uow, group, membership.user_id, membership, now, rules_accepted_at=None, answered_by=actor.user_id
                )
            else:
                closed = close_request(group, membership, "declined", by=actor.user_id)
                change_status(membership, MembershipStatus.DECLINED)
                uow.emit(guild_id, declined(group, membership.user_id), *closed)
            await uow.commit()
            view = JoinRequestView(
                membership.id, membership.user_id, view_of(group), MembershipStatus(membership.status)
            )
            return Outcome(view, uow.committed)

    async def record_request_post(self, membership_id: int, message_id: int) -> list[QueuedEffect]:
        """Remember where a join request was posted; if it was answered meanwhile, close the post."""
        async with self._uow() as uow:
            found = await uow.memberships.by_id(membership_id)
            owner = await uow.groups.by_id(found.group_id) if found is not None else None
            if owner is None:
                return []
            membership, group = await request_and_group(uow, owner.guild_id, membership_id, lock=True)
            membership.request_message_id = message_id
            if membership.status != MembershipStatus.REQUESTED:
                outcome = _REQUEST_OUTCOMES.get(MembershipStatus(membership.status), "added")
                uow.emit(group.guild_id, *close_request(group, membership, outcome))
            await uow.commit()
            return uow.committed

    async def accept_ground_rules(self, guild_id: int, user_id: int, group_id: int) -> Outcome[bool]:
        """A member accepts the ground rules; returns False if they had already accepted (nothing changes)."""
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, group_id)
            membership = await uow.memberships.get(group.id, user_id)
            if membership is None or membership.status != MembershipStatus.ACTIVE:
                raise NotMemberError(
                    msg("These ground rules are for members of {group}; you are not one.", group=group.name)
                )
            first_time = membership.rules_accepted_at is None
            if first_time:
                membership.rules_accepted_at = self._clock.now()
            # A second click changes nothing, but also repairs channel access that Discord failed to set.
            uow.emit(guild_id, set_access(group, user_id, membership))
            if first_time:
                uow.emit(guild_id, post(group, RulesAccepted(user_id)))
            await uow.commit()
            return Outcome(first_time, uow.committed)

    async def leave(
        self, guild_id: int, user_id: int, which: GroupKey, channel_id: int | None = None
    ) -> Outcome[Departure]:
        """A member leaves (or withdraws a join request)."""
        async with self._uow() as uow:
            group = await get_group(uow, guild_id, which, channel_id=channel_id, lock=True)
            membership = await uow.memberships.get(group.id, user_id)
            if membership is not None and membership.status == MembershipStatus.REQUESTED:
                change_status(membership, MembershipStatus.LEFT)
                uow.emit(guild_id, *close_request(group, membership, "withdrawn"))
                await uow.commit()
                return Outcome(Departure(view_of(group), withdrew=True), uow.committed)
            if membership is None or membership.status != MembershipStatus.ACTIVE:
                raise NotMemberError(
                    msg("You are not a member of {group}, so there is nothing to leave.", group=group.name)
                )
            require_not_facilitator(group, user_id, yourself=True)
            await depart(uow, group, membership, MembershipStatus.LEFT, MemberLeft(user_id), self._clock.now())
            await uow.commit()
            return Outcome(Departure(view_of(group), withdrew=False), uow.committed)

    async def move_member(
        self, guild_id: int, actor: Actor, from_group_id: int, user_id: int, to_group_id: int
    ) -> Outcome[GroupView]:
        """Move a member to another group of the server; the facilitator must run both (or manage the server)."""
        if from_group_id == to_group_id:
            raise AlreadyMemberError(msg("That is the group they are in already; choose another group."))
        async with self._uow() as uow:
            # Groups are always locked in id order, so two opposite moves at once cannot deadlock.
            first, second = sorted((from_group_id, to_group_id))
            locked = {gid: await open_group(uow, guild_id, gid) for gid in (first, second)}
            source, target = locked[from_group_id], locked[to_group_id]
            require_facilitator(source, actor)
            require_facilitator(target, actor)
            membership = await active_membership(uow, source, user_id)
            require_not_facilitator(source, user_id, yourself=user_id == actor.user_id)
            existing = await uow.memberships.get(target.id, user_id)
            if existing is not None and existing.status == MembershipStatus.ACTIVE:
                raise AlreadyMemberError(
                    msg("{person} is already a member of {group}.", person=person(user_id), group=target.name)
                )
            now, accepted = self._clock.now(), membership.rules_accepted_at
            await depart(uow, source, membership, MembershipStatus.MOVED, MemberMovedOut(user_id, target.name), now)
            await admit(uow, target, user_id, existing, now, rules_accepted_at=accepted, notice_from=source.name)
            await uow.commit()
            return Outcome(view_of(target), uow.committed)
