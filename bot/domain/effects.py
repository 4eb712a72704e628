"""What a decision implies on Discord, as plain values: persisted with the decision, carried out afterwards."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain.groups import Access


class Notice(StrEnum):
    """A post the bot makes in a group's channel."""

    WELCOME = "welcome"
    RULES_PROMPT = "rules_prompt"
    RULES_ACCEPTED = "rules_accepted"
    JOIN_REQUEST = "join_request"
    MEMBER_LEFT = "member_left"
    MEMBER_REMOVED = "member_removed"
    MEMBER_MOVED_IN = "member_moved_in"
    MEMBER_MOVED_OUT = "member_moved_out"
    FACILITATOR_CHANGED = "facilitator_changed"
    SPLIT = "split"
    ARCHIVED = "archived"
    JOIN_DECLINED = "join_declined"
    JOIN_REQUEST_CLOSED = "join_request_closed"


@dataclass(frozen=True)
class SetAccess:
    """Give `user_id` exactly `access` in the group's channels (setting, not toggling, so repeats are harmless)."""

    group_id: int
    text_channel_id: int
    voice_channel_id: int | None
    user_id: int
    access: Access


@dataclass(frozen=True)
class Notify:
    """Post `notice` in the group's text channel (or rewrite the post `edit_message_id`, without its buttons).

    `subject_id` is the membership or group it is about.
    """

    group_id: int
    channel_id: int
    notice: Notice
    user_id: int | None = None
    subject_id: int | None = None
    detail: dict[str, str] = field(default_factory=dict)
    edit_message_id: int | None = None


@dataclass(frozen=True)
class DirectNotice:
    """Tell one person something in a direct message (for someone who cannot see the group's channel)."""

    group_id: int
    user_id: int
    notice: Notice
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """Answer the command that made a decision, should its own reply be lost (a restart, Discord refusing it).

    `token` is the interaction's (valid 15 minutes); `done` are the notices the decision posted, which say what
    happened in the group's own words.
    """

    group_id: int | None
    token: str
    command: str
    done: list[Notify] = field(default_factory=list)


Effect = SetAccess | Notify | DirectNotice | Answer
_KINDS: dict[type, str] = {SetAccess: "set_access", Notify: "notify", DirectNotice: "direct", Answer: "answer"}


def effect_kind(effect: Effect) -> str:
    """The stored name of an effect's type."""
    return _KINDS[type(effect)]


def effect_to_payload(effect: Effect) -> dict[str, Any]:
    """A JSON-ready form of the effect."""
    return asdict(effect)


def effect_from_payload(kind: str, payload: dict[str, Any]) -> Effect:
    """Rebuild an effect from its stored form."""
    if kind == "set_access":
        return SetAccess(**{**payload, "access": Access(payload["access"])})
    if kind == "notify":
        return Notify(**{**payload, "notice": Notice(payload["notice"])})
    if kind == "direct":
        return DirectNotice(**{**payload, "notice": Notice(payload["notice"])})
    if kind == "answer":
        done = [Notify(**{**notice, "notice": Notice(notice["notice"])}) for notice in payload["done"]]
        return Answer(**{**payload, "done": done})
    raise ValueError(f"unknown effect kind {kind!r}")
