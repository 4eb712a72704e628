"""Builders for service tests."""

from __future__ import annotations

from bot.domain.effects import Notify, SetAccess
from bot.domain.group_notices import JoinRequest
from bot.services.effects import QueuedEffect
from bot.services.groups import Actor, GroupService, GroupView

GUILD = 111_111_111_111_111_111
OTHER_GUILD = 222_222_222_222_222_222
ADMIN = Actor(1, manages_server=True)
FACILITATOR = 10
FAC = Actor(FACILITATOR)
TEXT, VOICE = 900_001, 900_002


async def make_group(
    groups: GroupService, name: str = "Set A", *, guild: int = GUILD, text: int = TEXT, **kwargs: object
) -> GroupView:
    """A group that has been created and has its channel."""
    reserved = await groups.begin_creation(guild, ADMIN, name, FACILITATOR, **kwargs)  # type: ignore[arg-type]
    outcome = await groups.complete_creation(guild, reserved.id, text, None)
    return outcome.value


async def add_members(groups: GroupService, group: GroupView, *user_ids: int, accept: bool = True) -> None:
    """Add members (and have them accept the ground rules)."""
    for user_id in user_ids:
        await groups.add_member(group.guild_id, FAC, group.id, user_id)
        if accept:
            await groups.accept_ground_rules(group.guild_id, user_id, group.id)


def accesses(effects: list[QueuedEffect]) -> list[tuple[int, str]]:
    """The (user, access) pairs an outcome sets."""
    return [(e.effect.user_id, e.effect.access.value) for e in effects if isinstance(e.effect, SetAccess)]


def notices(effects: list[QueuedEffect]) -> list[tuple[str, int | None]]:
    """The (notice kind without its feature, person it is about) pairs an outcome posts."""
    return [
        (e.effect.notice.kind.removeprefix("group."), _about(e.effect.notice))
        for e in effects
        if isinstance(e.effect, Notify) and e.effect.edit_message_id is None
    ]


def _about(notice: object) -> int | None:
    """The person a notice is about: the member it names, else (a welcome) the facilitator."""
    return getattr(notice, "user_id", getattr(notice, "facilitator_id", None))


def request_id(effects: list[QueuedEffect]) -> int:
    """The join request (membership id) that an outcome posted for the facilitator to answer."""
    (request,) = [
        e.effect.notice for e in effects if isinstance(e.effect, Notify) and isinstance(e.effect.notice, JoinRequest)
    ]
    assert isinstance(request, JoinRequest)
    return request.membership_id
