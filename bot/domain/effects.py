"""What a decision implies on Discord, as plain values: persisted with the decision, carried out afterwards.

A few kinds of effect serve every feature (set someone's access, post, send a direct message, answer a command);
what a post *says* is a `Notice`, a typed value each feature defines for itself and registers once by name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, assert_never

from bot.domain.groups import Access

_NOTICES: dict[str, type[Notice]] = {}


class Notice:
    """Base of every notice: a frozen dataclass of plain values (ids, names, flags), registered by its kind.

    The kind is what is stored, and each kind is registered once: `class Welcome(Notice, kind="group.welcome")`.
    """

    kind: ClassVar[str]

    def __init_subclass__(cls, *, kind: str) -> None:
        super().__init_subclass__()
        if kind in _NOTICES:
            raise TypeError(
                f"notice kind {kind!r} is registered twice: {_NOTICES[kind].__qualname__}, {cls.__qualname__}"
            )
        cls.kind = kind
        _NOTICES[kind] = cls


def notice_to_payload(notice: Notice) -> dict[str, Any]:
    """A JSON-ready form of a notice: its kind and its fields."""
    if not dataclasses.is_dataclass(notice):
        raise TypeError(f"{type(notice).__qualname__} must be a dataclass")
    return {"kind": notice.kind, **dataclasses.asdict(notice)}


def notice_from_payload(payload: dict[str, Any]) -> Notice:
    """Rebuild a notice from its stored form."""
    values = dict(payload)
    kind = values.pop("kind")
    if kind not in _NOTICES:
        raise ValueError(f"unknown notice kind {kind!r}")
    return _NOTICES[kind](**values)


@dataclass(frozen=True)
class SetAccess:
    """Bring `user_id`'s access to the group's channels into line with the database (setting, never toggling).

    `access` is what the decision implied; the applier asks the database again when it carries the effect out,
    so an old or repeated effect can never give back access (or the floor) that was taken.
    """

    group_id: int
    text_channel_id: int
    voice_channel_id: int | None
    user_id: int
    access: Access


@dataclass(frozen=True)
class SetMute:
    """Bring `user_id`'s server mute into line with the meeting's voice floor and the ledger of the bot's mutes.

    Like `SetAccess`, it names whom to reconcile, not what to do: the applier reads the ledger and the floor when it
    carries the effect out, and only ever undoes a mute the ledger says the bot made. With `stage`, the same for
    their speaker state on the meeting's Stage (suppress), from the ledger's rows of that kind.
    """

    group_id: int
    guild_id: int
    user_id: int
    stage: bool = False


@dataclass(frozen=True)
class SyncStage:
    """Open or close the Stage instance of a Stage meeting, as the database says when carried out.

    Open while the meeting is open, closed once it ended; only an instance the bot opened (remembered on the
    meeting) is ever closed, so carrying this out twice, late or after a crash is harmless.
    """

    group_id: int
    meeting_id: int


@dataclass(frozen=True)
class Notify:
    """Post `notice` in the group's text channel, or rewrite the post `edit_message_id` (without its buttons)."""

    group_id: int
    channel_id: int
    notice: Notice
    edit_message_id: int | None = None


@dataclass(frozen=True)
class DirectNotice:
    """Tell one person something in a direct message (for someone who cannot see the group's channel).

    When their direct messages are closed, the notice is posted in `fallback_channel_id` instead, if given.
    """

    group_id: int
    user_id: int
    notice: Notice
    fallback_channel_id: int | None = None


@dataclass(frozen=True)
class Answer:
    """Answer the command that made a decision, should its own reply be lost (a restart, Discord refusing it).

    `token` is the interaction's (valid 15 minutes); `done` are the notices the decision posted, which say what
    happened. `language` is the person's (the answer is a private reply): None for one stored before it was kept.
    """

    group_id: int | None
    token: str
    command: str
    done: tuple[Notice, ...] = field(default_factory=tuple)
    language: str | None = None


@dataclass(frozen=True)
class SyncMeetingEvent:
    """Bring the group's Discord scheduled event into line with its schedule: made, moved or deleted.

    Like access, what the event should be is drawn from the database when the effect is carried out, so an old or
    repeated effect moves the one remembered event to the latest meeting and never makes a second one. A meeting
    that was held retires its event (`retire_event_id`, deleted first): the following meeting gets an event of its own.
    """

    group_id: int
    retire_event_id: int | None = None


@dataclass(frozen=True)
class MeetingEvent:
    """The Discord scheduled event a group's next meeting should have."""

    name: str
    description: str
    start: datetime
    end: datetime
    text_channel_id: int
    voice_channel_id: int | None = None
    stage: bool = False


@dataclass(frozen=True)
class EventPlan:
    """What `SyncMeetingEvent` finds when carried out: the event remembered (if any) and the one wanted (if any)."""

    guild_id: int
    event_id: int | None
    wanted: MeetingEvent | None


Effect = SetAccess | SetMute | Notify | DirectNotice | Answer | SyncMeetingEvent | SyncStage


def effect_kind(effect: Effect) -> str:
    """The stored name of an effect's type."""
    match effect:
        case SetAccess():
            return "set_access"
        case SetMute():
            return "set_mute"
        case Notify():
            return "notify"
        case DirectNotice():
            return "direct"
        case Answer():
            return "answer"
        case SyncMeetingEvent():
            return "meeting_event"
        case SyncStage():
            return "stage_instance"
        case _:
            assert_never(effect)


def effect_to_payload(effect: Effect) -> dict[str, Any]:
    """A JSON-ready form of the effect."""
    match effect:
        case SetAccess() | SetMute() | SyncStage():
            return dataclasses.asdict(effect)
        case Notify():
            return {
                "group_id": effect.group_id,
                "channel_id": effect.channel_id,
                "notice": notice_to_payload(effect.notice),
                "edit_message_id": effect.edit_message_id,
            }
        case DirectNotice():
            return {
                "group_id": effect.group_id,
                "user_id": effect.user_id,
                "notice": notice_to_payload(effect.notice),
                "fallback_channel_id": effect.fallback_channel_id,
            }
        case Answer():
            done = [notice_to_payload(notice) for notice in effect.done]
            return {
                "group_id": effect.group_id,
                "token": effect.token,
                "command": effect.command,
                "done": done,
                "language": effect.language,
            }
        case SyncMeetingEvent():
            return {"group_id": effect.group_id, "retire_event_id": effect.retire_event_id}
        case _:
            assert_never(effect)


def effect_from_payload(kind: str, payload: dict[str, Any]) -> Effect:
    """Rebuild an effect from its stored form."""
    if kind == "set_access":
        return SetAccess(**{**payload, "access": Access(payload["access"])})
    if kind == "set_mute":
        return SetMute(**payload)
    if kind == "notify":
        return Notify(**{**payload, "notice": notice_from_payload(payload["notice"])})
    if kind == "direct":
        return DirectNotice(**{**payload, "notice": notice_from_payload(payload["notice"])})
    if kind == "answer":
        return Answer(**{**payload, "done": tuple(notice_from_payload(notice) for notice in payload["done"])})
    if kind == "meeting_event":
        return SyncMeetingEvent(**payload)
    if kind == "stage_instance":
        return SyncStage(**payload)
    raise ValueError(f"unknown effect kind {kind!r}")
