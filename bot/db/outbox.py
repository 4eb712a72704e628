"""The outbox: effects a unit of work emitted, stored in its transaction, and the command it is answering."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.effects import Answer, Effect, Notify

EFFECT_LEASE = timedelta(minutes=2)
"""How long the process that committed an effect holds it while carrying it out; nobody else takes it meanwhile."""


@dataclass(frozen=True)
class QueuedEffect:
    """An effect with the id of its outbox row."""

    id: int
    guild_id: int
    effect: Effect
    created_at: datetime | None = None
    reclaimed: bool = False
    """Taken by a claim (at start-up, a retry, the sweep): an earlier attempt may have been made, outcome unknown."""
    sent_at: datetime | None = None
    """When a post drawn from the database was last sent (noted before sending), if it was."""
    sent_digest: str | None = None
    """A digest of what that post said."""

    def created_before(self, moment: datetime) -> bool:
        """Whether the effect was queued before `moment` (by an earlier process, at start-up)."""
        return self.created_at is not None and self.created_at < moment


@dataclass
class Answering:
    """The command the current task is answering: set when it is acknowledged, read when a decision commits."""

    token: str
    command: str
    answer_ids: list[int] = field(default_factory=list)
    language: str | None = None
    """The language of the person being answered (their Discord locale's)."""

    def answer(self, emitted: list[Effect]) -> Answer:
        """How to answer the command, given what its decision emitted: the notices it posts say what happened."""
        done = tuple(e.notice for e in emitted if isinstance(e, Notify) and e.edit_message_id is None)
        group_id = next((e.group_id for e in emitted), None)
        return Answer(group_id, self.token, self.command, done, self.language)


_ANSWERING: ContextVar[Answering | None] = ContextVar("setkeeper_answering", default=None)


def answering(token: str, command: str, language: str | None = None) -> None:
    """The current task (one interaction) answers this command: decisions it commits record how to answer it."""
    _ANSWERING.set(Answering(token, command, language=language))


def no_command() -> None:
    """The current task answers no interaction (background work started from inside one copies its context)."""
    _ANSWERING.set(None)


def current_answering() -> Answering | None:
    """The command the current task is answering, if any."""
    return _ANSWERING.get()
