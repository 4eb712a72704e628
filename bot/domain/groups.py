"""Rules of a group: names, size limits, settings, who may see its channels, facilitator rotation, splits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.errors import (
    FacilitatorChangeError,
    GroupNameInvalidError,
    SettingInvalidError,
    SplitInvalidError,
)

NAME_MAX_LENGTH = 50
SIZE_FLOOR = 2
SIZE_CEILING = 12


class GroupStatus(StrEnum):
    """Where a group is in its life."""

    CREATING = "creating"
    ACTIVE = "active"
    ARCHIVED = "archived"


class MembershipStatus(StrEnum):
    """Where a person stands with a group."""

    REQUESTED = "requested"
    ACTIVE = "active"
    DECLINED = "declined"
    LEFT = "left"
    REMOVED = "removed"
    MOVED = "moved"


class VoiceKind(StrEnum):
    """The group's optional spoken channel."""

    NONE = "none"
    VOICE = "voice"
    STAGE = "stage"


class VotingMethod(StrEnum):
    """How the group votes on bids."""

    SINGLE = "single"
    APPROVAL = "approval"


class CrossTalk(StrEnum):
    """How strictly the bot keeps to one speaker at a time."""

    LOCK = "lock"
    DELETE = "delete"
    REMIND = "remind"
    OFF = "off"


class Access(StrEnum):
    """What a person may do in a group's channels."""

    NONE = "none"
    READ = "read"
    PENDING = "pending"
    MEMBER = "member"
    FACILITATOR = "facilitator"


@dataclass(frozen=True)
class SettingRange:
    """The allowed range of a whole-number setting, with its unit for messages."""

    low: int
    high: int
    unit: str


RANGES: dict[str, SettingRange] = {
    "min_size": SettingRange(SIZE_FLOOR, SIZE_CEILING, "members"),
    "max_size": SettingRange(SIZE_FLOOR, SIZE_CEILING, "members"),
    "rounds_per_meeting": SettingRange(1, 4, "rounds"),
    "turn_minutes": SettingRange(1, 15, "minutes"),
    "presentation_minutes": SettingRange(1, 15, "minutes"),
    "report_back_lead_hours": SettingRange(1, 336, "hours"),
    "bid_nudge_lead_hours": SettingRange(1, 168, "hours"),
}


@dataclass(frozen=True)
class GroupSettings:
    """A group's adjustable settings, always valid once constructed through `changed`."""

    min_size: int = 2
    max_size: int = 7
    rounds_per_meeting: int = 2
    turn_minutes: int = 3
    presentation_minutes: int = 5
    voting: VotingMethod = VotingMethod.SINGLE
    crosstalk: CrossTalk = CrossTalk.LOCK
    report_back_lead_hours: int = 72
    bid_nudge_lead_hours: int = 24

    def changed(self, member_count: int, **changes: int | str) -> GroupSettings:
        """Return the settings with `changes` applied, or raise `SettingInvalidError` saying what to fix."""
        unknown = set(changes) - {field.name for field in fields(self)}
        if unknown:
            raise SettingInvalidError(f"There is no setting called {', '.join(sorted(unknown))}.")
        updated = replace(self, **changes)  # type: ignore[arg-type]
        updated.check(member_count)
        return updated

    def check(self, member_count: int) -> None:
        """Raise `SettingInvalidError` if any value is out of range or inconsistent."""
        for name, allowed in RANGES.items():
            value = getattr(self, name)
            if not allowed.low <= value <= allowed.high:
                label = name.replace("_", " ")
                raise SettingInvalidError(
                    f"{label.capitalize()} must be between {allowed.low} and {allowed.high} {allowed.unit}; "
                    f"you gave {value}."
                )
        if self.min_size > self.max_size:
            raise SettingInvalidError(
                f"The minimum size ({self.min_size}) cannot be larger than the maximum size ({self.max_size})."
            )
        if self.max_size < member_count:
            raise SettingInvalidError(
                f"The group has {member_count} members, more than a maximum of {self.max_size}. "
                "Move or remove members first, or choose a larger maximum."
            )


def clean_name(raw: str) -> str:
    """Validate a proposed group name and return it tidied (spaces collapsed)."""
    name = " ".join(raw.split())
    if not name:
        raise GroupNameInvalidError("A group needs a name. Choose one of 1 to 50 characters.")
    if len(name) > NAME_MAX_LENGTH:
        raise GroupNameInvalidError(
            f"That name is {len(name)} characters long; choose one of at most {NAME_MAX_LENGTH}."
        )
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise GroupNameInvalidError("Group names cannot contain control or invisible characters. Use plain text.")
    if not channel_slug(name):
        raise GroupNameInvalidError("Use at least one letter or digit in the group name.")
    return name


def name_key(name: str) -> str:
    """The form of a name used to tell two groups apart: case and spacing do not count."""
    return " ".join(name.split()).casefold()


def channel_slug(name: str) -> str:
    """The text-channel name Discord will accept for a group name."""
    lowered = name.casefold()
    kept = re.sub(r"[^\w\- ]+", "", lowered)
    return re.sub(r"[\s_\-]+", "-", kept).strip("-")[:100]


def access_for(*, is_active_member: bool, rules_accepted: bool, is_facilitator: bool, archived: bool) -> Access:
    """What someone may do in a group's channels, given where they stand."""
    if is_facilitator:
        return Access.READ if archived else Access.FACILITATOR
    if not is_active_member:
        return Access.NONE
    if archived:
        return Access.READ
    return Access.MEMBER if rules_accepted else Access.PENDING


REQUEST_COOLDOWN = timedelta(days=1)
GROUP_ID_PREFIX = "id:"


def may_ask_again_at(status: MembershipStatus, requested_at: datetime, joined_at: datetime | None) -> datetime | None:
    """When someone whose request was declined or withdrawn may ask again (None: no wait), so nobody spams."""
    answered_without_joining = status in (MembershipStatus.DECLINED, MembershipStatus.LEFT) and (
        joined_at is None or joined_at < requested_at
    )
    return requested_at + REQUEST_COOLDOWN if answered_without_joining else None


def group_id_in(ref: str) -> int | None:
    """The id in an autocomplete value such as `id:7`; None for a name a member typed."""
    text = ref.strip()
    digits = text.removeprefix(GROUP_ID_PREFIX)
    if text.startswith(GROUP_ID_PREFIX) and digits.isdigit() and len(digits) < 10:
        return int(digits)
    return None


def next_facilitator(current: int | None, eligible_in_join_order: Sequence[int]) -> int:
    """The member after the current facilitator in join order, wrapping round; the first if they are not a member."""
    if not eligible_in_join_order:
        raise FacilitatorChangeError(
            "Nobody can take the role yet: rotation picks from members who have accepted the ground rules."
        )
    if current in eligible_in_join_order:
        position = eligible_in_join_order.index(current)
        return eligible_in_join_order[(position + 1) % len(eligible_in_join_order)]
    return eligible_in_join_order[0]


def check_split(members: Sequence[int], leaving: Sequence[int], min_size: int) -> None:
    """Raise `SplitInvalidError` unless `leaving` makes two groups that each meet the minimum size."""
    chosen = set(leaving)
    strangers = chosen - set(members)
    if strangers:
        raise SplitInvalidError("Only members of this group can be moved to the new group.")
    staying = len(set(members)) - len(chosen)
    if not chosen or staying <= 0:
        raise SplitInvalidError("Choose some members, but not all of them, to form the new group.")
    if len(chosen) < min_size or staying < min_size:
        raise SplitInvalidError(
            f"Each group needs at least {min_size} members: this split leaves {staying} here and "
            f"{len(chosen)} in the new group. Choose differently, or lower the minimum in /group settings."
        )
