"""Group set-up: creating groups, membership, join requests, ground rules, facilitators, moves, splits, archive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Generic, TypeVar

from bot.db.models import Group, Membership
from bot.db.repositories import DuplicateNameError
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.effects import DirectNotice, Effect, Notice, Notify, SetAccess
from bot.domain.errors import (
    AlreadyMemberError,
    FacilitatorChangeError,
    GroupArchivedError,
    GroupChoiceNeededError,
    GroupFullError,
    GroupNameTakenError,
    GroupNotFoundError,
    JoinRequestNotFoundError,
    JoinRequestTooSoonError,
    NotFacilitatorError,
    NotMemberError,
    UserFacingError,
)
from bot.domain.groups import (
    Access,
    CrossTalk,
    GroupSettings,
    GroupStatus,
    MembershipStatus,
    VoiceKind,
    VotingMethod,
    access_for,
    check_split,
    clean_name,
    group_id_in,
    lookup_key,
    may_ask_again_at,
    name_key,
    next_facilitator,
)
from bot.services.effects import QueuedEffect, queue_effects

T = TypeVar("T")
GroupKey = int | str | None
"""A group by id, or as a member named it (id or name from the command's option; None: the channel's group)."""
_SETTING_NAMES = tuple(field.name for field in fields(GroupSettings))
_REQUEST_OUTCOMES = {
    MembershipStatus.ACTIVE: "added",
    MembershipStatus.DECLINED: "declined",
    MembershipStatus.LEFT: "withdrawn",
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: their id and whether Discord grants them Manage Server in this guild."""

    user_id: int
    manages_server: bool = False


@dataclass(frozen=True)
class GroupView:
    """A group as the rest of the bot sees it."""

    id: int
    guild_id: int
    name: str
    status: GroupStatus
    facilitator_id: int
    text_channel_id: int | None
    voice_channel_id: int | None
    voice_kind: VoiceKind
    settings: GroupSettings
    created_at: datetime
    archived_at: datetime | None
    creation_reply_token: str | None = None
    channel_lost_at: datetime | None = None

    @property
    def archived(self) -> bool:
        """Whether the group's cycle has ended."""
        return self.status is GroupStatus.ARCHIVED


@dataclass(frozen=True)
class MemberView:
    """A member of a group."""

    user_id: int
    joined_at: datetime | None
    rules_accepted_at: datetime | None


@dataclass(frozen=True)
class GroupInfo:
    """What `/group info` shows."""

    group: GroupView
    members: list[MemberView]
    requests: list[int]


@dataclass(frozen=True)
class Removal:
    """What is left of a group after a removal."""

    remaining: int
    below_minimum: bool


@dataclass(frozen=True)
class Departure:
    """Someone left a group, or withdrew their request to join it."""

    group: GroupView
    withdrew: bool


@dataclass(frozen=True)
class JoinRequestView:
    """A pending or answered join request."""

    membership_id: int
    user_id: int
    group: GroupView
    status: MembershipStatus


@dataclass(frozen=True)
class Repair:
    """What `/group repair` put back: whose access, and which posts were made again."""

    group: GroupView
    members: int
    rules_prompts: int
    join_requests: int


class GroupChannelMissingError(UserFacingError):
    """A channel of the group was deleted; nothing about the group can change until it is repaired."""

    def __init__(self, group_name: str) -> None:
        super().__init__(
            f"The channel of {group_name} was deleted, so the group cannot change until its channel is made again. "
            f"Its facilitator, or someone with Manage Server, can run /group repair and pick {group_name}: that "
            "makes the channel again and gives every member their access back."
        )


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The result of a decision and the effects it queued, to be carried out on Discord."""

    value: T
    effects: list[QueuedEffect]


def _view(group: Group) -> GroupView:
    return GroupView(
        id=group.id,
        guild_id=group.guild_id,
        name=group.name,
        status=GroupStatus(group.status),
        facilitator_id=group.facilitator_id,
        text_channel_id=group.text_channel_id,
        voice_channel_id=group.voice_channel_id,
        voice_kind=VoiceKind(group.voice_kind),
        settings=_settings(group),
        created_at=group.created_at,
        archived_at=group.archived_at,
        creation_reply_token=group.creation_reply_token,
        channel_lost_at=group.channel_lost_at,
    )


def _settings(group: Group) -> GroupSettings:
    values: dict[str, Any] = {name: getattr(group, name) for name in _SETTING_NAMES}
    values["voting"] = VotingMethod(values["voting"])
    values["crosstalk"] = CrossTalk(values["crosstalk"])
    return GroupSettings(**values)


def _apply_settings(group: Group, settings: GroupSettings) -> None:
    for name in _SETTING_NAMES:
        setattr(group, name, getattr(settings, name))


def _access(group: Group, user_id: int, membership: Membership | None) -> Access:
    active = membership is not None and membership.status == MembershipStatus.ACTIVE
    return access_for(
        is_active_member=active,
        rules_accepted=bool(membership and membership.rules_accepted_at),
        is_facilitator=group.facilitator_id == user_id,
        archived=group.status == GroupStatus.ARCHIVED,
    )


def _set_access(group: Group, user_id: int, access: Access) -> SetAccess:
    if group.text_channel_id is None:
        raise RuntimeError("a group without a channel has no access to set")
    return SetAccess(group.id, group.text_channel_id, group.voice_channel_id, user_id, access)


def _notify(
    group: Group,
    notice: Notice,
    user_id: int | None = None,
    subject_id: int | None = None,
    detail: dict[str, str] | None = None,
) -> Notify:
    if group.text_channel_id is None:
        raise RuntimeError("a group without a channel cannot be notified")
    everything = {"group": group.name, "facilitator": str(group.facilitator_id), **(detail or {})}
    return Notify(group.id, group.text_channel_id, notice, user_id, subject_id, everything)


def _declined(group: Group, user_id: int, reason: str | None = None) -> DirectNotice:
    detail = {"group": group.name, **({"reason": reason} if reason else {})}
    return DirectNotice(group.id, user_id, Notice.JOIN_DECLINED, detail)


def _close_request(group: Group, membership: Membership, outcome: str, by: int | None = None) -> list[Effect]:
    """Turn a join request's post into a record of its outcome, without its buttons (nothing if it was never posted)."""
    if membership.request_message_id is None or group.text_channel_id is None:
        return []
    detail = {"group": group.name, "outcome": outcome, **({"by": str(by)} if by else {})}
    return [
        Notify(
            group.id,
            group.text_channel_id,
            Notice.JOIN_REQUEST_CLOSED,
            membership.user_id,
            membership.id,
            detail,
            edit_message_id=membership.request_message_id,
        )
    ]


class GroupService:
    """Every use case of group set-up. Each method is one unit of work."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, instance_id: str) -> None:
        self._uow = uow
        self._clock = clock
        self._instance_id = instance_id

    # Lookups -----------------------------------------------------------------------------------------------

    async def resolve(self, guild_id: int, ref: str | None, channel_id: int | None) -> GroupView:
        """The group the command names (by id from autocomplete, or by name), else the one whose channel it is."""
        async with self._uow(write=False) as uow:
            return _view(await self._find(uow, guild_id, ref, channel_id))

    async def facilitated(
        self, guild_id: int, actor: Actor, ref: str | None, channel_id: int | None = None
    ) -> GroupView:
        """The open group a command names, once the actor is known to facilitate it: checked before a panel shows."""
        async with self._uow(write=False) as uow:
            group = await self._open_group(uow, guild_id, ref, channel_id=channel_id, lock=False)
            self._require_facilitator(group, actor)
            return _view(group)

    async def current_access(self, group_id: int, user_id: int) -> Access | None:
        """What the person may do in the group's channels now (None if the group is gone): effects defer to this."""
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_id(group_id)
            if group is None or group.status == GroupStatus.CREATING:
                return None
            return _access(group, user_id, await uow.memberships.get(group.id, user_id))

    async def names(self, guild_id: int) -> list[tuple[int, str]]:
        """Ids and names of the guild's active groups, in name order: what autocomplete offers."""
        async with self._uow(write=False) as uow:
            return await uow.groups.names(guild_id, [GroupStatus.ACTIVE])

    async def info(self, guild_id: int, viewer: Actor, which: GroupKey, channel_id: int | None = None) -> GroupInfo:
        """Members, facilitator and settings; only for the group's members, its facilitator and server managers."""
        async with self._uow(write=False) as uow:
            group = await self._get(uow, guild_id, which, channel_id=channel_id)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            member_ids = {membership.user_id for membership in active}
            if (
                viewer.user_id not in member_ids
                and viewer.user_id != group.facilitator_id
                and not viewer.manages_server
            ):
                raise NotMemberError(
                    f"Only members of {group.name} can see its details. Use /group join to ask to join it."
                )
            requested = await uow.memberships.with_status(group.id, MembershipStatus.REQUESTED)
            return GroupInfo(
                group=_view(group),
                members=[MemberView(m.user_id, m.joined_at, m.rules_accepted_at) for m in active],
                requests=[membership.user_id for membership in requested],
            )

    # Creation ----------------------------------------------------------------------------------------------

    async def begin_creation(
        self,
        guild_id: int,
        actor: Actor,
        name: str,
        facilitator_id: int,
        *,
        max_size: int | None = None,
        voice: VoiceKind = VoiceKind.NONE,
        settings: GroupSettings | None = None,
        reply_token: str | None = None,
    ) -> GroupView:
        """Reserve the name and record the group as being created, before any channel exists."""
        if not actor.manages_server:
            raise NotFacilitatorError("Creating a group needs the Manage Server permission.")
        base = settings or GroupSettings()
        chosen = base.changed(0, max_size=max_size) if max_size is not None else base
        async with self._uow() as uow:
            group = await self._reserve(uow, guild_id, actor, name, facilitator_id, voice, chosen)
            group.creation_reply_token = reply_token
            await uow.commit()
            return _view(group)

    async def begin_split(
        self,
        guild_id: int,
        actor: Actor,
        group_id: int,
        new_name: str,
        leaving: Sequence[int],
        reply_token: str | None = None,
    ) -> GroupView:
        """Check a split and reserve the new group (same facilitator, settings and voice) before its channels exist."""
        async with self._uow() as uow:
            group = await self._open_group(uow, guild_id, group_id)
            self._require_facilitator(group, actor)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            check_split([membership.user_id for membership in active], leaving, group.min_size)
            voice = VoiceKind(group.voice_kind)
            new = await self._reserve(uow, guild_id, actor, new_name, group.facilitator_id, voice, _settings(group))
            new.creation_reply_token = reply_token
            await uow.commit()
            return _view(new)

    async def record_channel(self, guild_id: int, group_id: int, channel_id: int, *, voice: bool) -> None:
        """Store a channel of a group being created the moment Discord made it, before the next one is made.

        Start-up clean-up after a crash then deletes exactly the channels this group made, and nothing that only
        looks like them.
        """
        async with self._uow() as uow:
            group = await self._creating(uow, guild_id, group_id)
            if voice:
                group.voice_channel_id = channel_id
            else:
                group.text_channel_id = channel_id
            await uow.commit()

    async def complete_creation(
        self, guild_id: int, group_id: int, text_channel_id: int, voice_channel_id: int | None
    ) -> Outcome[GroupView]:
        """Record the group's channels and make it active; the welcome post follows."""
        async with self._uow() as uow:
            group = await self._creating(uow, guild_id, group_id)
            group.text_channel_id, group.voice_channel_id = text_channel_id, voice_channel_id
            group.status, group.creator_instance, group.creation_reply_token = GroupStatus.ACTIVE, None, None
            welcome = _notify(group, Notice.WELCOME, group.facilitator_id)
            effects = await queue_effects(uow, self._clock, guild_id, [welcome])
            await uow.commit()
            return Outcome(_view(group), effects)

    async def abandon_creation(self, guild_id: int, group_id: int) -> None:
        """Forget a group whose channels could not be made; its name is free again."""
        async with self._uow() as uow:
            group = await uow.groups.get(guild_id, group_id)
            if group is not None and group.status == GroupStatus.CREATING:
                await uow.effects.remove_for_group(group.id)
                await uow.groups.delete(group)
                await uow.commit()

    async def stale_creations(self, guild_id: int) -> list[GroupView]:
        """Groups left half-created by an earlier process (one that was killed mid-way)."""
        async with self._uow(write=False) as uow:
            groups = await uow.groups.in_status(guild_id, GroupStatus.CREATING)
            return [_view(group) for group in groups if group.creator_instance != self._instance_id]

    # Lost channels and repair ------------------------------------------------------------------------------

    async def active_groups(self, guild_id: int) -> list[GroupView]:
        """The guild's active groups, whose channels start-up checks are still there."""
        async with self._uow(write=False) as uow:
            return [_view(group) for group in await uow.groups.in_status(guild_id, GroupStatus.ACTIVE)]

    async def lose_channel(self, guild_id: int, channel_id: int) -> GroupView | None:
        """A channel was deleted: if an active group used it, refuse the group's changes until it is repaired.

        Returns the group if its facilitator has not been told yet (the caller tells them, then calls `loss_told`).
        """
        async with self._uow() as uow:
            group = await uow.groups.by_channel(guild_id, channel_id, lock=True)
            if group is None or group.status != GroupStatus.ACTIVE:
                return None
            if group.channel_lost_at is None:
                group.channel_lost_at = self._clock.now()
                await uow.commit()
            return _view(group) if group.channel_loss_told_at is None else None

    async def untold_losses(self, guild_id: int) -> list[GroupView]:
        """Active groups with a lost channel whose facilitator was not told yet (a restart came in between)."""
        async with self._uow(write=False) as uow:
            groups = await uow.groups.in_status(guild_id, GroupStatus.ACTIVE)
            return [_view(g) for g in groups if g.channel_lost_at is not None and g.channel_loss_told_at is None]

    async def loss_told(self, guild_id: int, group_id: int) -> None:
        """The facilitator has been told (or cannot be, their direct messages being closed): not again."""
        async with self._uow() as uow:
            group = await uow.groups.get(guild_id, group_id, lock=True)
            if group is not None and group.channel_lost_at is not None:
                group.channel_loss_told_at = self._clock.now()
                await uow.commit()

    async def begin_repair(
        self, guild_id: int, actor: Actor, which: str | None, channel_id: int | None = None
    ) -> GroupView:
        """The group to repair, once it is sure the actor may (facilitator or Manage Server) and it is not archived."""
        async with self._uow(write=False) as uow:
            group = await self._find(uow, guild_id, which, channel_id)
            if group.status == GroupStatus.ARCHIVED:
                raise GroupArchivedError(
                    f"{group.name} is archived: its cycle has ended and there is nothing to repair."
                )
            self._require_facilitator(group, actor)
            return _view(group)

    async def replace_channel(
        self, guild_id: int, actor: Actor, group_id: int, channel_id: int, *, voice: bool
    ) -> None:
        """Store a channel that repair made again, the moment Discord made it (after a crash, repair finds it)."""
        async with self._uow() as uow:
            group = await self._repairable(uow, guild_id, actor, group_id)
            if voice:
                group.voice_channel_id = channel_id
            else:
                group.text_channel_id = channel_id
            await uow.commit()

    async def complete_repair(self, guild_id: int, actor: Actor, group_id: int) -> Outcome[Repair]:
        """The group's channels are all there again: allow changes and give everyone their access afresh.

        The welcome, the ground-rules prompts not yet answered and the open join requests are posted again.
        """
        async with self._uow() as uow:
            group = await self._repairable(uow, guild_id, actor, group_id)
            group.channel_lost_at, group.channel_loss_told_at = None, None
            # Queued changes to the deleted channel can never succeed; the access set below replaces them.
            await uow.effects.remove_channel_effects(group.id)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            people = [group.facilitator_id] + [m.user_id for m in active if m.user_id != group.facilitator_id]
            effects: list[Effect] = [
                _set_access(group, person, _access(group, person, await uow.memberships.get(group.id, person)))
                for person in people
            ]
            effects.append(_notify(group, Notice.WELCOME, group.facilitator_id))
            unanswered = [m for m in active if m.rules_accepted_at is None]
            effects += [_notify(group, Notice.RULES_PROMPT, m.user_id) for m in unanswered]
            requests = await uow.memberships.with_status(group.id, MembershipStatus.REQUESTED)
            effects += [_notify(group, Notice.JOIN_REQUEST, m.user_id, m.id) for m in requests]
            queued = await queue_effects(uow, self._clock, guild_id, effects)
            await uow.commit()
            return Outcome(Repair(_view(group), len(active), len(unanswered), len(requests)), queued)

    # Membership --------------------------------------------------------------------------------------------

    async def add_member(self, guild_id: int, actor: Actor, group_id: int, user_id: int) -> Outcome[GroupView]:
        """The facilitator adds someone; they see the channel and the ground rules, and post once they accept."""
        async with self._uow() as uow:
            group = await self._open_group(uow, guild_id, group_id)
            self._require_facilitator(group, actor)
            membership = await uow.memberships.get(group.id, user_id)
            if membership is not None and membership.status == MembershipStatus.ACTIVE:
                raise AlreadyMemberError(f"<@{user_id}> is already a member of {group.name}.")
            effects = await self._admit(uow, group, user_id, membership, rules_accepted_at=None)
            await uow.commit()
            return Outcome(_view(group), effects)

    async def remove_member(self, guild_id: int, actor: Actor, group_id: int, user_id: int) -> Outcome[Removal]:
        """The facilitator removes a member; says how many remain and whether that is under the minimum."""
        async with self._uow() as uow:
            group = await self._open_group(uow, guild_id, group_id)
            self._require_facilitator(group, actor)
            membership = await self._active_membership(uow, group, user_id)
            self._require_not_facilitator(group, user_id, yourself=user_id == actor.user_id)
            effects = await self._depart(uow, group, membership, MembershipStatus.REMOVED, Notice.MEMBER_REMOVED)
            remaining = await uow.memberships.count_active(group.id)
            await uow.commit()
            return Outcome(Removal(remaining, below_minimum=remaining < group.min_size), effects)

    async def request_to_join(self, guild_id: int, user_id: int, which: GroupKey) -> Outcome[GroupView]:
        """Someone asks to join; the facilitator gets an Approve / Decline post in the group's channel."""
        async with self._uow() as uow:
            group = await self._open_group(uow, guild_id, which)
            membership = await uow.memberships.get(group.id, user_id)
            if membership is not None and membership.status == MembershipStatus.ACTIVE:
                raise AlreadyMemberError(f"You are already a member of {group.name}.")
            if membership is not None and membership.status == MembershipStatus.REQUESTED:
                raise AlreadyMemberError(
                    f"You have already asked to join {group.name}; the facilitator will answer soon."
                )
            now = self._clock.now()
            if membership is not None:
                again = may_ask_again_at(
                    MembershipStatus(membership.status), membership.requested_at, membership.joined_at
                )
                if again is not None and again > now:
                    raise JoinRequestTooSoonError(
                        f"You asked to join {group.name} less than a day ago. You can ask again "
                        f"<t:{int(again.timestamp())}:R>, or ask another group in the meantime."
                    )
            await self._require_room(uow, group, asked_by_facilitator=False)
            if membership is None:
                membership = await uow.memberships.add(
                    Membership(group_id=group.id, user_id=user_id, status=MembershipStatus.REQUESTED, requested_at=now)
                )
            else:
                membership.status, membership.requested_at = MembershipStatus.REQUESTED, now
            request = _notify(group, Notice.JOIN_REQUEST, user_id, membership.id)
            effects = await queue_effects(uow, self._clock, guild_id, [request])
            await uow.commit()
            return Outcome(_view(group), effects)

    async def answer_join_request(
        self, guild_id: int, actor: Actor, membership_id: int, *, approve: bool, message_id: int | None = None
    ) -> Outcome[JoinRequestView]:
        """The facilitator approves or declines; a second click on the same request changes nothing."""
        async with self._uow() as uow:
            membership, group = await self._membership(uow, guild_id, membership_id, lock=True)
            self._require_facilitator(group, actor)
            if membership.status != MembershipStatus.REQUESTED:
                raise JoinRequestNotFoundError("That request has already been answered; nothing more to do.")
            if group.status == GroupStatus.ARCHIVED:
                raise GroupArchivedError(f"{group.name} is archived, so it takes no new members.")
            membership.request_message_id = membership.request_message_id or message_id
            effects: list[QueuedEffect] = []
            if approve:
                effects = await self._admit(
                    uow, group, membership.user_id, membership, rules_accepted_at=None, answered_by=actor.user_id
                )
            else:
                membership.status = MembershipStatus.DECLINED
                closed = _close_request(group, membership, "declined", by=actor.user_id)
                effects = await queue_effects(
                    uow, self._clock, guild_id, [_declined(group, membership.user_id), *closed]
                )
            await uow.commit()
            view = JoinRequestView(membership.id, membership.user_id, _view(group), MembershipStatus(membership.status))
            return Outcome(view, effects)

    async def record_request_post(self, membership_id: int, message_id: int) -> list[QueuedEffect]:
        """Remember where a join request was posted; if it was answered meanwhile, queue closing the post."""
        async with self._uow() as uow:
            found = await uow.memberships.by_id(membership_id)
            owner = await uow.groups.by_id(found.group_id) if found is not None else None
            if owner is None:
                return []
            membership, group = await self._membership(uow, owner.guild_id, membership_id, lock=True)
            membership.request_message_id = message_id
            effects: list[Effect] = []
            if membership.status != MembershipStatus.REQUESTED:
                effects = _close_request(
                    group, membership, _REQUEST_OUTCOMES.get(MembershipStatus(membership.status), "added")
                )
            queued = await queue_effects(uow, self._clock, group.guild_id, effects)
            await uow.commit()
            return queued

    async def accept_ground_rules(self, guild_id: int, user_id: int, group_id: int) -> Outcome[bool]:
        """A member accepts the ground rules; returns False if they had already accepted (nothing changes)."""
        async with self._uow() as uow:
            group = await self._open_group(uow, guild_id, group_id)
            membership = await uow.memberships.get(group.id, user_id)
            if membership is None or membership.status != MembershipStatus.ACTIVE:
                raise NotMemberError(f"These ground rules are for members of {group.name}; you are not one.")
            if membership.rules_accepted_at is not None:
                # Nothing changes, but a second click also repairs channel access that Discord failed to set.
                repair = _set_access(group, user_id, _access(group, user_id, membership))
                queued = await queue_effects(uow, self._clock, guild_id, [repair])
                await uow.commit()
                return Outcome(False, queued)
            membership.rules_accepted_at = self._clock.now()
            effects: list[Effect] = [_set_access(group, user_id, _access(group, user_id, membership))]
            effects.append(_notify(group, Notice.RULES_ACCEPTED, user_id))
            queued = await queue_effects(uow, self._clock, guild_id, effects)
            await uow.commit()
            return Outcome(True, queued)

    async def leave(
        self, guild_id: int, user_id: int, which: GroupKey, channel_id: int | None = None
    ) -> Outcome[Departure]:
        """A member leaves (or withdraws a join request)."""
        async with self._uow() as uow:
            group = await self._get(uow, guild_id, which, channel_id=channel_id, lock=True)
            membership = await uow.memberships.get(group.id, user_id)
            if membership is not None and membership.status == MembershipStatus.REQUESTED:
                membership.status = MembershipStatus.LEFT
                closed = await queue_effects(uow, self._clock, guild_id, _close_request(group, membership, "withdrawn"))
                await uow.commit()
                return Outcome(Departure(_view(group), withdrew=True), closed)
            if membership is None or membership.status != MembershipStatus.ACTIVE:
                raise NotMemberError(f"You are not a member of {group.name}, so there is nothing to leave.")
            self._require_not_facilitator(group, user_id, yourself=True)
            effects = await self._depart(uow, group, membership, MembershipStatus.LEFT, Notice.MEMBER_LEFT)
            await uow.commit()
            return Outcome(Departure(_view(group), withdrew=False), effects)

    # Facilitator -------------------------------------------------------------------------------------------

    async def appoint_facilitator(self, guild_id: int, actor: Actor, group_id: int, user_id: int) -> Outcome[GroupView]:
        """Hand the facilitator role to someone (a member, or an experienced outsider)."""
        async with self._uow() as uow:
            group = await self._open_group(uow, guild_id, group_id)
            self._require_facilitator(group, actor)
            effects = await self._hand_over(uow, group, user_id)
            await uow.commit()
            return Outcome(_view(group), effects)

    async def rotate_facilitator(self, guild_id: int, actor: Actor, group_id: int) -> Outcome[GroupView]:
        """Pass the role to the next member in join order among those who accepted the ground rules."""
        async with self._uow() as uow:
            group = await self._open_group(uow, guild_id, group_id)
            self._require_facilitator(group, actor)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            eligible = [membership.user_id for membership in active if membership.rules_accepted_at]
            chosen = next_facilitator(group.facilitator_id, eligible)
            if chosen == group.facilitator_id:
                raise FacilitatorChangeError("There is nobody else to rotate to yet; the role stays where it is.")
            effects = await self._hand_over(uow, group, chosen)
            await uow.commit()
            return Outcome(_view(group), effects)

    # Moves, splits, settings, archive ----------------------------------------------------------------------

    async def move_member(
        self, guild_id: int, actor: Actor, from_group_id: int, user_id: int, to_group_id: int
    ) -> Outcome[GroupView]:
        """Move a member to another group of the server; the facilitator must run both (or manage the server)."""
        if from_group_id == to_group_id:
            raise AlreadyMemberError("That is the group they are in already; choose another group.")
        async with self._uow() as uow:
            # Groups are always locked in id order, so two opposite moves at once cannot deadlock.
            first, second = sorted((from_group_id, to_group_id))
            locked = {gid: await self._open_group(uow, guild_id, gid) for gid in (first, second)}
            source, target = locked[from_group_id], locked[to_group_id]
            self._require_facilitator(source, actor)
            self._require_facilitator(target, actor)
            membership = await self._active_membership(uow, source, user_id)
            self._require_not_facilitator(source, user_id, yourself=user_id == actor.user_id)
            existing = await uow.memberships.get(target.id, user_id)
            if existing is not None and existing.status == MembershipStatus.ACTIVE:
                raise AlreadyMemberError(f"<@{user_id}> is already a member of {target.name}.")
            accepted = membership.rules_accepted_at
            effects = await self._depart(
                uow, source, membership, MembershipStatus.MOVED, Notice.MEMBER_MOVED_OUT, detail={"to": target.name}
            )
            effects += await self._admit(
                uow, target, user_id, existing, rules_accepted_at=accepted, notice_from=source.name
            )
            await uow.commit()
            return Outcome(_view(target), effects)

    async def complete_split(
        self,
        guild_id: int,
        actor: Actor,
        group_id: int,
        new_group_id: int,
        channels: tuple[int, int | None],
        leaving: Sequence[int],
    ) -> Outcome[GroupView]:
        """Activate the new group made for a split and move the chosen members into it, in one transaction."""
        async with self._uow() as uow:
            group = await self._open_group(uow, guild_id, group_id)
            self._require_facilitator(group, actor)
            new = await self._creating(uow, guild_id, new_group_id)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            check_split([membership.user_id for membership in active], leaving, group.min_size)
            new.text_channel_id, new.voice_channel_id = channels
            new.status, new.creator_instance, new.creation_reply_token = GroupStatus.ACTIVE, None, None
            effects: list[QueuedEffect] = []
            for membership in active:
                if membership.user_id in leaving:
                    accepted = membership.rules_accepted_at
                    effects += await self._depart(
                        uow,
                        group,
                        membership,
                        MembershipStatus.MOVED,
                        Notice.MEMBER_MOVED_OUT,
                        detail={"to": new.name},
                        quiet=True,
                    )
                    effects += await self._admit(uow, new, membership.user_id, None, rules_accepted_at=accepted)
            announce = [
                _notify(group, Notice.SPLIT, detail={"new_group": new.name}),
                _notify(new, Notice.WELCOME, new.facilitator_id),
            ]
            effects += await queue_effects(uow, self._clock, guild_id, announce)
            await uow.commit()
            return Outcome(_view(new), effects)

    async def update_settings(
        self, guild_id: int, actor: Actor, which: GroupKey, changes: dict[str, Any], channel_id: int | None = None
    ) -> GroupView:
        """Change some settings; the whole set is checked before anything is stored."""
        async with self._uow(write=bool(changes)) as uow:
            group = await self._open_group(uow, guild_id, which, channel_id=channel_id, lock=bool(changes))
            self._require_facilitator(group, actor)
            if changes:
                count = await uow.memberships.count_active(group.id)
                _apply_settings(group, _settings(group).changed(count, **changes))
                await queue_effects(uow, self._clock, guild_id, [])  # nothing to do on Discord, but an answer
                await uow.commit()
            return _view(group)

    async def archive(self, guild_id: int, actor: Actor, group_id: int) -> Outcome[GroupView]:
        """End the cycle: channels become read-only for everyone, pending join requests are declined."""
        async with self._uow() as uow:
            group = await self._open_group(uow, guild_id, group_id)
            self._require_facilitator(group, actor)
            group.status, group.archived_at = GroupStatus.ARCHIVED, self._clock.now()
            effects: list[Effect] = []
            for membership in await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE):
                if membership.user_id != group.facilitator_id:
                    effects.append(_set_access(group, membership.user_id, Access.READ))
            for membership in await uow.memberships.with_status(group.id, MembershipStatus.REQUESTED):
                membership.status = MembershipStatus.DECLINED
                effects.append(_declined(group, membership.user_id, reason="archived"))
                effects += _close_request(group, membership, "archived")
            effects.append(_set_access(group, group.facilitator_id, Access.READ))
            effects.append(_notify(group, Notice.ARCHIVED, actor.user_id))
            queued = await queue_effects(uow, self._clock, guild_id, effects)
            await uow.commit()
            return Outcome(_view(group), queued)

    # Helpers -----------------------------------------------------------------------------------------------

    async def _find(
        self, uow: UnitOfWork, guild_id: int, ref: str | None, channel_id: int | None, *, lock: bool = False
    ) -> Group:
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
                raise GroupNotFoundError(
                    "There is no group by that name in this server. Pick one from the list as you type."
                )
            return found
        if channel_id is not None:
            group = await uow.groups.by_channel(guild_id, channel_id, lock=lock)
            if group is not None and group.status != GroupStatus.CREATING:
                return group
        raise GroupChoiceNeededError("Which group? Run this in the group's channel, or pick one in the group option.")

    async def _get(
        self, uow: UnitOfWork, guild_id: int, group: GroupKey, *, channel_id: int | None = None, lock: bool = False
    ) -> Group:
        if not isinstance(group, int):
            found = await self._find(uow, guild_id, group, channel_id, lock=lock)
        else:
            by_id = await uow.groups.get(guild_id, group, lock=lock)
            if by_id is None or by_id.status == GroupStatus.CREATING:
                raise GroupNotFoundError(
                    "That group does not exist in this server. Pick one from the list as you type."
                )
            found = by_id
        if found.channel_lost_at is not None:
            raise GroupChannelMissingError(found.name)
        return found

    async def _open_group(
        self, uow: UnitOfWork, guild_id: int, group: GroupKey, *, channel_id: int | None = None, lock: bool = True
    ) -> Group:
        found = await self._get(uow, guild_id, group, channel_id=channel_id, lock=lock)
        if found.status == GroupStatus.ARCHIVED:
            raise GroupArchivedError(f"{found.name} is archived: its cycle has ended and it can no longer change.")
        return found

    async def _repairable(self, uow: UnitOfWork, guild_id: int, actor: Actor, group_id: int) -> Group:
        group = await uow.groups.get(guild_id, group_id, lock=True)
        if group is None or group.status != GroupStatus.ACTIVE:
            raise GroupNotFoundError("That group is no longer active, so there is nothing to repair.")
        self._require_facilitator(group, actor)
        return group

    async def _creating(self, uow: UnitOfWork, guild_id: int, group_id: int) -> Group:
        group = await uow.groups.get(guild_id, group_id, lock=True)
        if group is None or group.status != GroupStatus.CREATING:
            raise GroupNotFoundError("That group's creation was abandoned. Please run the command again.")
        return group

    async def _membership(
        self, uow: UnitOfWork, guild_id: int, membership_id: int, *, lock: bool = False
    ) -> tuple[Membership, Group]:
        membership = await uow.memberships.by_id(membership_id)
        group = await uow.groups.get(guild_id, membership.group_id, lock=lock) if membership else None
        if membership is None or group is None:
            raise JoinRequestNotFoundError("That request no longer exists; nothing more to do.")
        if lock:
            # The group first, then the request: the same order as every other writer, so no deadlock.
            membership = await uow.memberships.by_id(membership_id, lock=True)
            if membership is None:
                raise JoinRequestNotFoundError("That request no longer exists; nothing more to do.")
        return membership, group

    async def _active_membership(self, uow: UnitOfWork, group: Group, user_id: int) -> Membership:
        membership = await uow.memberships.get(group.id, user_id)
        if membership is None or membership.status != MembershipStatus.ACTIVE:
            raise NotMemberError(f"<@{user_id}> is not a member of {group.name}.")
        return membership

    async def _reserve(
        self,
        uow: UnitOfWork,
        guild_id: int,
        actor: Actor,
        name: str,
        facilitator_id: int,
        voice: VoiceKind,
        settings: GroupSettings,
    ) -> Group:
        clean = clean_name(name)
        if await uow.groups.by_name_key(guild_id, name_key(clean)) is not None:
            raise GroupNameTakenError(f"There is already a group called {clean} here. Choose another name.")
        group = Group(
            guild_id=guild_id,
            name=clean,
            name_key=name_key(clean),
            status=GroupStatus.CREATING,
            facilitator_id=facilitator_id,
            voice_kind=voice,
            created_by=actor.user_id,
            created_at=self._clock.now(),
            creator_instance=self._instance_id,
        )
        _apply_settings(group, settings)
        try:
            return await uow.groups.add(group)
        except DuplicateNameError:
            raise GroupNameTakenError(f"There is already a group called {clean} here. Choose another name.") from None

    def _require_facilitator(self, group: Group, actor: Actor) -> None:
        if actor.user_id != group.facilitator_id and not actor.manages_server:
            raise NotFacilitatorError(
                f"Only the facilitator of {group.name}, or someone with the Manage Server permission, can do that."
            )

    @staticmethod
    def _require_not_facilitator(group: Group, user_id: int, *, yourself: bool) -> None:
        """One rule for leaving, removal and moves: the facilitator hands the role on before going."""
        if group.facilitator_id != user_id or group.status == GroupStatus.ARCHIVED:
            return
        if yourself:
            raise FacilitatorChangeError(
                f"You facilitate {group.name}. Hand the role on first with /group facilitator appoint "
                "(or rotate), then leave."
            )
        raise FacilitatorChangeError(
            f"<@{user_id}> facilitates {group.name}. Hand the role on first with /group facilitator appoint "
            "(or rotate); then they can leave the group."
        )

    async def _require_room(self, uow: UnitOfWork, group: Group, *, asked_by_facilitator: bool) -> None:
        count = await uow.memberships.count_active(group.id)
        if count < group.max_size:
            return
        full = f"{group.name} is full ({count} of {group.max_size} members)."
        if asked_by_facilitator:
            raise GroupFullError(f"{full} Raise its maximum with /group settings max_size, or remove a member first.")
        raise GroupFullError(f"{full} Ask its facilitator about another group, or to raise the limit.")

    async def _admit(
        self,
        uow: UnitOfWork,
        group: Group,
        user_id: int,
        membership: Membership | None,
        *,
        rules_accepted_at: datetime | None,
        notice_from: str | None = None,
        answered_by: int | None = None,
    ) -> list[QueuedEffect]:
        await self._require_room(uow, group, asked_by_facilitator=True)
        now = self._clock.now()
        answered: list[Effect] = []
        if membership is not None and membership.status == MembershipStatus.REQUESTED:
            answered = _close_request(group, membership, "approved" if answered_by else "added", by=answered_by)
        if membership is None:
            membership = await uow.memberships.add(
                Membership(group_id=group.id, user_id=user_id, status=MembershipStatus.ACTIVE, requested_at=now)
            )
        membership.status, membership.joined_at, membership.left_at = MembershipStatus.ACTIVE, now, None
        membership.rules_accepted_at = rules_accepted_at
        effects: list[Effect] = [_set_access(group, user_id, _access(group, user_id, membership)), *answered]
        if notice_from is not None:
            effects.append(_notify(group, Notice.MEMBER_MOVED_IN, user_id, detail={"source": notice_from}))
        if rules_accepted_at is None:
            effects.append(_notify(group, Notice.RULES_PROMPT, user_id))
        return await queue_effects(uow, self._clock, group.guild_id, effects)

    async def _depart(
        self,
        uow: UnitOfWork,
        group: Group,
        membership: Membership,
        status: MembershipStatus,
        notice: Notice,
        *,
        quiet: bool = False,
        detail: dict[str, str] | None = None,
    ) -> list[QueuedEffect]:
        membership.status, membership.left_at = status, self._clock.now()
        effects: list[Effect] = [_set_access(group, membership.user_id, _access(group, membership.user_id, membership))]
        if not quiet:
            effects.append(_notify(group, notice, membership.user_id, detail=detail))
        return await queue_effects(uow, self._clock, group.guild_id, effects)

    async def _hand_over(self, uow: UnitOfWork, group: Group, user_id: int) -> list[QueuedEffect]:
        if user_id == group.facilitator_id:
            raise FacilitatorChangeError(f"<@{user_id}> already facilitates {group.name}.")
        previous = group.facilitator_id
        group.facilitator_id = user_id
        effects: list[Effect] = []
        for person in (previous, user_id):
            effects.append(
                _set_access(group, person, _access(group, person, await uow.memberships.get(group.id, person)))
            )
        effects.append(_notify(group, Notice.FACILITATOR_CHANGED, user_id))
        return await queue_effects(uow, self._clock, group.guild_id, effects)
