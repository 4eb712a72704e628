"""What group set-up tells people: each notice a typed value, registered once under its own kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.effects import Notice

RequestOutcome = Literal["approved", "declined", "withdrawn", "archived", "added"]


@dataclass(frozen=True)
class Welcome(Notice, kind="group.welcome"):
    """A new group's first post: what the channel is, and the ground rules."""

    group: str
    facilitator_id: int


@dataclass(frozen=True)
class RulesPrompt(Notice, kind="group.rules_prompt"):
    """A new member is asked to accept the ground rules (the post carries the button)."""

    group_id: int
    group: str
    user_id: int


@dataclass(frozen=True)
class RulesAccepted(Notice, kind="group.rules_accepted"):
    """A member accepted the ground rules."""

    user_id: int


@dataclass(frozen=True)
class JoinRequest(Notice, kind="group.join_request"):
    """Someone asks to join; the post carries Approve and Decline for the facilitator."""

    group: str
    user_id: int
    membership_id: int
    facilitator_id: int


@dataclass(frozen=True)
class JoinRequestClosed(Notice, kind="group.join_request_closed"):
    """What became of a join request, written over its post."""

    group: str
    user_id: int
    outcome: RequestOutcome
    by: int | None = None


@dataclass(frozen=True)
class JoinDeclined(Notice, kind="group.join_declined"):
    """Told to the person who asked: the request is closed (declined, or the group was archived)."""

    group: str
    archived: bool = False


@dataclass(frozen=True)
class MemberLeft(Notice, kind="group.member_left"):
    """A member left."""

    user_id: int


@dataclass(frozen=True)
class MemberRemoved(Notice, kind="group.member_removed"):
    """The facilitator removed a member."""

    user_id: int


@dataclass(frozen=True)
class MemberMovedIn(Notice, kind="group.member_moved_in"):
    """A member arrived from another group."""

    user_id: int
    source: str


@dataclass(frozen=True)
class MemberMovedOut(Notice, kind="group.member_moved_out"):
    """A member moved to another group."""

    user_id: int
    to: str


@dataclass(frozen=True)
class FacilitatorChanged(Notice, kind="group.facilitator_changed"):
    """Someone new facilitates the group."""

    group: str
    user_id: int


@dataclass(frozen=True)
class Split(Notice, kind="group.split"):
    """The group split in two."""

    group: str
    new_group: str


@dataclass(frozen=True)
class Archived(Notice, kind="group.archived"):
    """The group's cycle ended; `by` archived it."""

    group: str
    by: int


GroupNotice = (
    Welcome
    | RulesPrompt
    | RulesAccepted
    | JoinRequest
    | JoinRequestClosed
    | JoinDeclined
    | MemberLeft
    | MemberRemoved
    | MemberMovedIn
    | MemberMovedOut
    | FacilitatorChanged
    | Split
    | Archived
)
GROUP_NOTICES: tuple[type[GroupNotice], ...] = (
    Welcome,
    RulesPrompt,
    RulesAccepted,
    JoinRequest,
    JoinRequestClosed,
    JoinDeclined,
    MemberLeft,
    MemberRemoved,
    MemberMovedIn,
    MemberMovedOut,
    FacilitatorChanged,
    Split,
    Archived,
)
