"""The Discord effects group set-up emits: access to bring into line, and the notices it posts or sends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.db.models import Group, Membership
from bot.db.uow import UnitOfWork
from bot.domain.effects import DirectNotice, Effect, Notice, Notify, SetAccess
from bot.domain.group_notices import JoinDeclined, JoinRequestClosed, RequestOutcome
from bot.domain.groups import Access, Floor, GroupStatus, MembershipStatus, access_for

FloorReader = Callable[[UnitOfWork, int, int], Awaitable[Floor]]
"""Where a person stands with a group's live floor (group id, user id); the meeting supplies the real one."""


async def no_meeting(uow: UnitOfWork, group_id: int, user_id: int) -> Floor:
    """The floor while no meeting exists: nobody is kept from posting by it."""
    return Floor.NO_MEETING


def access_of(group: Group, user_id: int, membership: Membership | None, floor: Floor = Floor.NO_MEETING) -> Access:
    """What the person may do in the group's channels, from where they stand and who has the floor."""
    active = membership is not None and membership.status == MembershipStatus.ACTIVE
    return access_for(
        is_active_member=active,
        rules_accepted=bool(membership and membership.rules_accepted_at),
        is_facilitator=group.facilitator_id == user_id,
        archived=group.status == GroupStatus.ARCHIVED,
        floor=floor,
    )


def set_access(group: Group, user_id: int, membership: Membership | None) -> SetAccess:
    """Bring the person's access into line (the applier asks the database, floor included, when it does)."""
    if group.text_channel_id is None:
        raise RuntimeError("a group without a channel has no access to set")
    return SetAccess(
        group.id, group.text_channel_id, group.voice_channel_id, user_id, access_of(group, user_id, membership)
    )


def post(group: Group, notice: Notice) -> Notify:
    """Post a notice in the group's text channel."""
    if group.text_channel_id is None:
        raise RuntimeError("a group without a channel cannot be notified")
    return Notify(group.id, group.text_channel_id, notice)


def declined(group: Group, user_id: int, *, archived: bool = False) -> DirectNotice:
    """Tell someone who asked to join that their request is closed."""
    return DirectNotice(group.id, user_id, JoinDeclined(group.name, archived))


def close_request(group: Group, membership: Membership, outcome: RequestOutcome, by: int | None = None) -> list[Effect]:
    """Turn a join request's post into a record of its outcome, without its buttons (nothing if it was never posted)."""
    if membership.request_message_id is None or group.text_channel_id is None:
        return []
    closed = JoinRequestClosed(group.name, membership.user_id, outcome, by)
    return [Notify(group.id, group.text_channel_id, closed, edit_message_id=membership.request_message_id)]
