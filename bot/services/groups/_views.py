"""What group set-up hands back to the rest of the bot: plain views of groups, members and outcomes."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Generic, TypeVar

from bot.db.models import Group
from bot.db.outbox import QueuedEffect
from bot.domain.cadence import Cadence
from bot.domain.errors import UserFacingError
from bot.domain.groups import CrossTalk, GroupSettings, GroupStatus, MembershipStatus, VoiceKind, VotingMethod
from bot.domain.text import msg
from bot.services.cycle import CycleView
from bot.services.schedule import cadence_of

T = TypeVar("T")
GroupKey = int | str | None
"""A group by id, or as a member named it (id or name from the command's option; None: the channel's group)."""
SETTING_NAMES = tuple(field.name for field in fields(GroupSettings))


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
    schedule: Cadence | None = None
    next_meeting_at: datetime | None = None
    cycle_length: int | None = None

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
    cycle: CycleView | None = None


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
            msg(
                "The channel of {group} was deleted, so the group cannot change until its channel is made again. Its "
                "facilitator, or someone with Manage Server, can run /group repair and pick {group}: that makes the "
                "channel again and gives every member their access back.",
                group=group_name,
            )
        )


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The result of a decision and the effects it committed, which the applier carries out on Discord."""

    value: T
    effects: list[QueuedEffect]


def view_of(group: Group) -> GroupView:
    """The plain view of a stored group."""
    return GroupView(
        id=group.id,
        guild_id=group.guild_id,
        name=group.name,
        status=GroupStatus(group.status),
        facilitator_id=group.facilitator_id,
        text_channel_id=group.text_channel_id,
        voice_channel_id=group.voice_channel_id,
        voice_kind=VoiceKind(group.voice_kind),
        settings=settings_of(group),
        created_at=group.created_at,
        archived_at=group.archived_at,
        creation_reply_token=group.creation_reply_token,
        channel_lost_at=group.channel_lost_at,
        schedule=cadence_of(group),
        next_meeting_at=group.next_meeting_at,
        cycle_length=group.cycle_length,
    )


def settings_of(group: Group) -> GroupSettings:
    """A stored group's settings."""
    values: dict[str, Any] = {name: getattr(group, name) for name in SETTING_NAMES}
    values["voting"] = VotingMethod(values["voting"])
    values["crosstalk"] = CrossTalk(values["crosstalk"])
    return GroupSettings(**values)


def store_settings(group: Group, settings: GroupSettings) -> None:
    """Write settings onto a stored group."""
    for name in SETTING_NAMES:
        setattr(group, name, getattr(settings, name))
