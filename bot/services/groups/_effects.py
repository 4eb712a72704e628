"""The Discord effects group set-up emits: access to bring into line, and the notices it posts or sends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.db.models import Group, Membership
from bot.db.uow import UnitOfWork
from bot.domain.effects import DirectNotice, Effect, Notice, Notify
from bot.domain.group_notices import JoinDeclined, JoinRequestClosed, RequestOutcome
from bot.domain.groups import Floor

FloorReader = Callable[[UnitOfWork, int, int], Awaitable[Floor]]
"""Where a person stands with a group's live floor (group id, user id); the meeting supplies the real one."""


async def no_meeting(uow: UnitOfWork, group_id: int, user_id: int) -> Floor:
    """The floor while no meeting exists: nobody is kept from posting by it."""
    return Floor.NO_MEETING


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
