"""Rules of a group: names, size limits, settings, who may see its channels, facilitator rotation, splits."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from confusable_homoglyphs.confusables import confusables_data

from bot.domain.errors import (
    FacilitatorChangeError,
    GroupNameInvalidError,
    SettingInvalidError,
    SplitInvalidError,
)
from bot.domain.text import LANGUAGE_CODES, Text, msg

NAME_MAX_LENGTH = 50
SIZE_FLOOR = 2
SIZE_CEILING = 12
KEEP_DAYS_DEFAULT = 180
"""How long an archived group's words are kept before they are erased, unless its facilitator chose otherwise."""
KEEP_DAYS_FLOOR = 1
KEEP_DAYS_CEILING = 730


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
    RANKED = "ranked"


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
    LISTENER = "listener"
    MEMBER = "member"
    FACILITATOR = "facilitator"


class Floor(StrEnum):
    """Where a member stands with the group's live floor: no meeting, or a meeting where they speak or listen."""

    NO_MEETING = "no_meeting"
    SPEAKING = "speaking"
    LISTENING = "listening"


@dataclass(frozen=True)
class SettingRange:
    """The allowed range of a whole-number setting, with its unit and its name for messages."""

    low: int
    high: int
    unit: Text
    label: Text | str  # how messages name it: its name in words, or the option that sets it (`report_back_hours`)


MEMBERS = msg("members")
MINUTES = msg("minutes")
HOURS = msg("hours")
RANGES: dict[str, SettingRange] = {
    "min_size": SettingRange(SIZE_FLOOR, SIZE_CEILING, MEMBERS, msg("Min size")),
    "max_size": SettingRange(SIZE_FLOOR, SIZE_CEILING, MEMBERS, msg("Max size")),
    "rounds_per_meeting": SettingRange(1, 4, msg("rounds"), msg("Rounds per meeting")),
    "turn_minutes": SettingRange(1, 15, MINUTES, msg("Turn minutes")),
    "presentation_minutes": SettingRange(1, 15, MINUTES, msg("Presentation minutes")),
    "report_back_lead_hours": SettingRange(1, 336, HOURS, "`report_back_hours`"),
    "bid_nudge_lead_hours": SettingRange(1, 168, HOURS, "`bid_nudge_hours`"),
    "quiet_start_hour": SettingRange(0, 23, msg("o'clock"), msg("Quiet start hour")),
    "quiet_end_hour": SettingRange(0, 23, msg("o'clock"), msg("Quiet end hour")),
    "reminder_late_hours": SettingRange(1, 168, HOURS, "`late_hours`"),
    "keep_days": SettingRange(KEEP_DAYS_FLOOR, KEEP_DAYS_CEILING, msg("days"), msg("Keep days")),
}


@dataclass(frozen=True)
class GroupSettings:
    """A group's adjustable settings, always valid once constructed through `changed`."""

    min_size: int = 2
    max_size: int = 7
    rounds_per_meeting: int = 2
    turn_minutes: int = 3
    presentation_minutes: int = 5
    voting: VotingMethod = VotingMethod.APPROVAL
    own_bid_votes: bool = True
    auto_advance: bool = False
    crosstalk: CrossTalk = CrossTalk.LOCK
    report_back_lead_hours: int = 72
    bid_nudge_lead_hours: int = 24
    quiet_start_hour: int = 22
    quiet_end_hour: int = 8
    reminder_late_hours: int = 24
    reminder_dms: bool = False
    keep_days: int = KEEP_DAYS_DEFAULT
    language: str = "en"

    def changed(self, member_count: int, **changes: int | str | bool) -> GroupSettings:
        """Return the settings with `changes` applied, or raise `SettingInvalidError` saying what to fix."""
        unknown = set(changes) - {field.name for field in fields(self)}
        if unknown:
            raise SettingInvalidError(msg("There is no setting called {names}.", names=", ".join(sorted(unknown))))
        updated = replace(self, **changes)  # type: ignore[arg-type]
        updated.check(member_count)
        return updated

    def check(self, member_count: int) -> None:
        """Raise `SettingInvalidError` if any value is out of range or inconsistent."""
        for name, allowed in RANGES.items():
            value = getattr(self, name)
            if not allowed.low <= value <= allowed.high:
                raise SettingInvalidError(
                    msg(
                        "{setting} must be between {low} and {high} {unit}; you gave {value}.",
                        setting=allowed.label,
                        low=allowed.low,
                        high=allowed.high,
                        unit=allowed.unit,
                        value=value,
                    )
                )
        if self.language not in LANGUAGE_CODES:
            raise SettingInvalidError(
                msg("Choose the group's language from {languages}.", languages=", ".join(LANGUAGE_CODES))
            )
        if self.min_size > self.max_size:
            raise SettingInvalidError(
                msg(
                    "The minimum size ({low}) cannot be larger than the maximum size ({high}).",
                    low=self.min_size,
                    high=self.max_size,
                )
            )
        if self.max_size < member_count:
            raise SettingInvalidError(
                msg(
                    "The group has {member_count} members, more than a maximum of {maximum}. "
                    "Move or remove members first, or choose a larger maximum.",
                    member_count=member_count,
                    maximum=self.max_size,
                )
            )


# Characters that draw nothing (Unicode's Default_Ignorable_Code_Point, DerivedCoreProperties.txt), and the
# Braille blank, which draws an empty cell: a name made of them, or hiding them, looks like another name.
_INVISIBLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Discord's mention and markup syntax (<@id>, <@&id>, <#id>, </command:id>, <:emoji:id>, <t:time>): in a name it
# would show as a pill and impersonate a person, role or channel.
_MENTION = re.compile(r"<(?:[@#/:]|a:|t:|id:)", re.IGNORECASE)
_SEPARATORS = frozenset(" _-")
_KEY_MAX_LENGTH = 50  # the width of the stored key
_CHANNEL_MAX_LENGTH = 100
_GROUP_ID = re.compile(r"id:([0-9]{1,9})")
_INVISIBLE_REFUSED = msg(
    "Group names cannot contain invisible, blank-looking or control characters. Use visible letters, digits and spaces."
)


def _invisible(char: str) -> bool:
    point = ord(char)
    return unicodedata.category(char).startswith("C") or any(low <= point <= high for low, high in _INVISIBLE)


def clean_name(raw: str) -> str:
    """Validate a proposed group name and return it normalised (NFKC, spaces collapsed)."""
    if any(_invisible(char) for char in raw):
        raise GroupNameInvalidError(_INVISIBLE_REFUSED)
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if any(_invisible(char) for char in name):
        raise GroupNameInvalidError(_INVISIBLE_REFUSED)
    if not name:
        raise GroupNameInvalidError(msg("A group needs a name. Choose one of 1 to 50 characters."))
    if len(name) > NAME_MAX_LENGTH:
        raise GroupNameInvalidError(
            msg(
                "That name is {length} characters long; choose one of at most {limit}.",
                length=len(name),
                limit=NAME_MAX_LENGTH,
            )
        )
    if _MENTION.search(name):
        raise GroupNameInvalidError(
            msg(
                "Group names cannot contain mention syntax such as <@...> or <#...>: it would look like a person, "
                "role or channel. Leave out the < character."
            )
        )
    posing = sorted({char for char in name if _slug_class(char) == _DROP and _slug_class_of(_prototype(char)) == _WORD})
    if posing:
        raise GroupNameInvalidError(
            msg(
                "{characters} looks like a letter or digit but cannot be part of a channel name, so two groups "
                "could look the same. Leave it out, or use a letter or digit.",
                characters=" ".join(posing),
            )
        )
    slug = _slug(name)
    if not slug or not name_key(name):
        raise GroupNameInvalidError(msg("Use at least one letter or digit in the group name."))
    if len(slug) > _CHANNEL_MAX_LENGTH:
        raise GroupNameInvalidError(msg("That name makes too long a channel name. Choose a shorter one."))
    return name


def name_key(name: str) -> str:
    """The form of a name used to tell two groups apart.

    Two names have one key when a person could not tell them apart (case, spacing, NFKC, the Unicode confusables
    skeleton of UTS #39) or when their channel names would be the same ("Set A", "set-a", "Set_A"): the key is the
    channel name with each character replaced by its TR39 prototype.
    """
    text = _folded(unicodedata.normalize("NFKC", " ".join(name.split())))
    key = _collapse(char for original in text for char in _prototype(original))
    if len(key) > _KEY_MAX_LENGTH:
        # A deterministic digest keeps equal keys equal while fitting the column.
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        key = f"{key[: _KEY_MAX_LENGTH - 17]}~{digest}"
    return key


def lookup_key(ref: str) -> str | None:
    """The key to look a typed group name up by, or None when no group could have that name."""
    # Lenient on purpose: a group named before a rule was added can still be typed; only what no stored name can
    # hold (control and invisible characters, a NUL above all) is answered without asking the database.
    if any(_invisible(char) for char in ref) or any(_invisible(char) for char in unicodedata.normalize("NFKC", ref)):
        return None
    return name_key(ref) or None


def channel_slug(name: str) -> str:
    """The text-channel name Discord will accept for a group name."""
    return _slug(name)[:_CHANNEL_MAX_LENGTH]


_WORD, _SEPARATOR, _DROP = "word", "separator", "drop"


def _slug_class(char: str) -> str:
    if char in _SEPARATORS or char.isspace():
        return _SEPARATOR
    if char.isalnum() or unicodedata.category(char).startswith("M"):
        return _WORD
    return _DROP


def _slug_class_of(text: str) -> str:
    classes = {_slug_class(char) for char in text}
    if _WORD in classes:
        return _WORD
    return _SEPARATOR if _SEPARATOR in classes else _DROP


def _folded(text: str) -> str:
    """Case folded, except small letters: folding can change how one looks (U+03F2, like c, folds to a sigma)."""
    return "".join(char if char.islower() else char.casefold() for char in text)


def _slug(name: str) -> str:
    text = _folded(unicodedata.normalize("NFKC", " ".join(name.split())))
    # A dash-like sign (an en dash, U+2013) is a separator when its prototype is one, so that "Set A" with it
    # makes the channel name that its lookalike "Set-A" makes.
    return _collapse(
        "-" if _slug_class(char) == _DROP and _slug_class_of(_prototype(char)) == _SEPARATOR else char for char in text
    )


def _collapse(chars: Iterable[str]) -> str:
    out: list[str] = []
    for char in chars:
        kind = _slug_class(char)
        if kind == _WORD:
            out.append(char)
        elif kind == _SEPARATOR and out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


@cache
def _prototypes() -> dict[str, str]:
    """Each character of a TR39 confusable class mapped to one representative (its prototype)."""
    # The library keeps each line of Unicode's confusables.txt both ways (source -> prototype and back), so every
    # class is a star around its prototype: the one end with several partners or several characters. In a class
    # of two single characters either end may be the prototype; both map to the same one (a letter or digit if
    # one of them is, else the smaller), which keeps skeleton equality exactly TR39's. The library's left-to-right
    # marks around right-to-left characters are dropped.
    graph: dict[str, list[str]] = {}
    for char, partners in confusables_data.items():
        graph.setdefault(_unmarked(char), []).extend(_unmarked(partner["c"]) for partner in partners)
    table: dict[str, str] = {}
    for char, partners in graph.items():
        if len(char) != 1 or len(set(partners)) != 1:
            continue
        other = partners[0]
        if len(other) != 1 or len(set(graph.get(other, ()))) > 1:
            table[char] = unicodedata.normalize("NFD", other)
        elif (not other.isalnum(), other) < (not char.isalnum(), char):
            table[char] = other
    return table


def _unmarked(text: str) -> str:
    return text.replace("\u200e", "").replace("\u200f", "")


def _skeleton(text: str) -> str:
    """UTS #39 skeleton: NFD, each character to its prototype, NFD again."""
    table = _prototypes()
    return unicodedata.normalize("NFD", "".join(table.get(char, char) for char in unicodedata.normalize("NFD", text)))


@cache
def _capital_lookalikes() -> dict[str, str]:
    """Prototypes of small letters mapped to the plain Latin prototype of their capital (Cyrillic en, U+041D: H)."""
    # Case is folded before the skeleton so that case never counts ("SET I" is "set i", not "set l"); but then a
    # capital that looks Latin while its small letter does not (Cyrillic en, ve, em) would escape. Its small
    # letter's prototype takes the capital's, when only the capital's is plain Latin.
    rescued: dict[str, str] = {}
    for point in range(0x110000):
        capital = chr(point)
        if capital.casefold() == capital or unicodedata.category(capital) != "Lu":
            continue
        small = _skeleton(capital.casefold())
        looks_like = _skeleton(_skeleton(capital).casefold())
        if small != looks_like and looks_like.isascii() and not small.isascii():
            rescued.setdefault(small, min(rescued.get(small, looks_like), looks_like))
    return rescued


@cache
def _prototype(char: str) -> str:
    """What a (case-folded) character of a name counts as when names are compared."""
    # Case is folded first (see _folded), so case never counts. Folding the prototype can reveal a further one
    # (0 -> O -> o), so map and fold until nothing changes.
    text = _folded(char)
    for _ in range(4):
        skeleton = _folded(_skeleton(text))
        skeleton = _capital_lookalikes().get(skeleton, skeleton)
        if skeleton == text:
            break
        text = skeleton
    return text


def access_for(
    *,
    is_active_member: bool,
    rules_accepted: bool,
    is_facilitator: bool,
    archived: bool,
    floor: Floor = Floor.NO_MEETING,
) -> Access:
    """What someone may do in a group's channels, given where they stand and who has the floor.

    The one place this is decided: the facilitator (and the bot) can always post in a live group; a member who
    accepted the ground rules posts when there is no meeting or when they have the floor, and listens otherwise.
    """
    if is_facilitator:
        return Access.READ if archived else Access.FACILITATOR
    if not is_active_member:
        return Access.NONE
    if archived:
        return Access.READ
    if not rules_accepted:
        return Access.PENDING
    return Access.LISTENER if floor is Floor.LISTENING else Access.MEMBER


_GONE = frozenset({MembershipStatus.REQUESTED, MembershipStatus.ACTIVE})
MEMBERSHIP_CHANGES: dict[MembershipStatus | None, frozenset[MembershipStatus]] = {
    None: _GONE,
    MembershipStatus.REQUESTED: frozenset({MembershipStatus.ACTIVE, MembershipStatus.DECLINED, MembershipStatus.LEFT}),
    MembershipStatus.ACTIVE: frozenset({MembershipStatus.LEFT, MembershipStatus.REMOVED, MembershipStatus.MOVED}),
    MembershipStatus.DECLINED: _GONE,
    MembershipStatus.LEFT: _GONE,
    MembershipStatus.REMOVED: _GONE,
    MembershipStatus.MOVED: _GONE,
}
"""Every change of a membership's status the method allows: from nothing or from having gone, one asks or is added;
a request is approved, declined or withdrawn; a member leaves, is removed or moves."""


def membership_change(current: MembershipStatus | None, new: MembershipStatus) -> MembershipStatus:
    """The status a membership moves to; a change the method does not allow is a bug, not a member's mistake."""
    if new not in MEMBERSHIP_CHANGES[current]:
        raise ValueError(f"a membership cannot go from {current} to {new}")
    return new


REQUEST_COOLDOWN = timedelta(days=1)
GROUP_ID_PREFIX = "id:"


def may_ask_again_at(status: MembershipStatus, requested_at: datetime, joined_at: datetime | None) -> datetime | None:
    """When someone whose request was declined or withdrawn may ask again (None: no wait), so nobody spams."""
    answered_without_joining = status in (MembershipStatus.DECLINED, MembershipStatus.LEFT) and (
        joined_at is None or joined_at < requested_at
    )
    return requested_at + REQUEST_COOLDOWN if answered_without_joining else None


def group_id_in(ref: str) -> int | None:
    """The id in an autocomplete value such as `id:7`; None for anything else (ASCII digits only: `id:²` is a name)."""
    found = _GROUP_ID.fullmatch(ref.strip())
    return int(found.group(1)) if found else None


def next_facilitator(current: int | None, eligible_in_join_order: Sequence[int]) -> int:
    """The member after the current facilitator in join order, wrapping round; the first if they are not a member."""
    if not eligible_in_join_order:
        raise FacilitatorChangeError(
            msg("Nobody can take the role yet: rotation picks from members who have accepted the ground rules.")
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
        raise SplitInvalidError(msg("Only members of this group can be moved to the new group."))
    staying = len(set(members)) - len(chosen)
    if not chosen or staying <= 0:
        raise SplitInvalidError(msg("Choose some members, but not all of them, to form the new group."))
    if len(chosen) < min_size or staying < min_size:
        raise SplitInvalidError(
            msg(
                "Each group needs at least {min_size} members: this split leaves {staying} here and {moving} in the "
                "new group. Choose differently, or lower the minimum in /group settings.",
                min_size=min_size,
                staying=staying,
                moving=len(chosen),
            )
        )
