"""What the database holds about people, column by column: why, how it is exported, and how it is forgotten.

One registry answers for every column that can hold a Discord user id or words a member wrote, and for every other
column of a kind that could (a Discord id of a channel or message, free text, JSON) with the reason it does not.
`tests/unit/test_privacy_registry.py` walks the models and fails when a column of such a kind is missing here, so
a new feature cannot store something about a person without saying how it is exported and forgotten. Export,
erasure, retention, `/privacy info` and the README's table are all worked out from this one list.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Holds(enum.Enum):
    """What a column holds about people."""

    PERSON = "a person's Discord id"
    WORDS = "words a member wrote"
    PEOPLE_AND_WORDS = "people's ids, and words some of them wrote"
    CHOICES = "what a member chose"
    NOTHING_PERSONAL = "nothing about a person"


class Forget(enum.Enum):
    """What erasing one person does to a column."""

    ERASE = "their words are erased"
    TOMBSTONE = "their id is replaced by a stand-in, so the group's counts still add up"
    DELETE_ROW = "the row is deleted"
    SCRUB = "their id is replaced by the stand-in and their words erased, wherever they appear in it"
    KEEP = "nothing to forget"


@dataclass(frozen=True)
class Entry:
    """One column: what it holds, whose it is, why it is kept, how it is exported and forgotten."""

    table: str
    column: str
    holds: Holds
    why: str
    """Why it is stored, in plain words (what `/privacy info` says)."""
    owner: str | None = None
    """The column of the same row naming the person the row is about (for an id column, usually itself)."""
    export: bool = False
    """Whether a person's export includes it (for rows `owner` names them in, or JSON that mentions them)."""
    forget: Forget = Forget.KEEP


def _own(table: str, column: str, why: str, *, owner: str, forget: Forget = Forget.ERASE) -> Entry:
    """Words (or an id) that belong to the person the row's `owner` column names."""
    holds = Holds.PERSON if column == owner else Holds.WORDS
    return Entry(table, column, holds, why, owner=owner, export=True, forget=forget)


def _shared(table: str, column: str, why: str) -> Entry:
    """A person's id in a record the group shares: exported, and replaced by a stand-in when they are forgotten."""
    return Entry(table, column, Holds.PERSON, why, owner=column, export=True, forget=Forget.TOMBSTONE)


def _none(table: str, column: str, why: str) -> Entry:
    """A column of a kind that could hold something personal, and why it does not."""
    return Entry(table, column, Holds.NOTHING_PERSONAL, why)


REGISTRY: tuple[Entry, ...] = (
    # Groups: set up by a server manager; the facilitator is handed on before anyone is forgotten.
    _none("groups", "guild_id", "the server the group belongs to"),
    _none("groups", "name", "the group's name, chosen by whoever set it up"),
    _none("groups", "name_key", "the group's name, folded to tell lookalike names apart"),
    _shared("groups", "facilitator_id", "who facilitates the group (handed on to another member first)"),
    _none("groups", "text_channel_id", "the group's channel"),
    _none("groups", "voice_channel_id", "the group's voice channel or Stage"),
    _none("groups", "reminded", "which reminders of the group went out, by kind and time"),
    _shared("groups", "created_by", "who set the group up"),
    _none("groups", "creator_instance", "which run of the bot was creating the group"),
    _none("groups", "creation_reply_token", "the reply to the command that made the group, for one hour"),
    _none("groups", "schedule", "when the group meets"),
    _none("groups", "event_id", "the group's scheduled event on Discord"),
    # Memberships: the person's own place in a group.
    _shared("memberships", "user_id", "who is in which group, since when, and when they accepted the ground rules"),
    _none("memberships", "request_message_id", "the post asking the facilitator to approve a join request"),
    # Bids: the person's own issues.
    _own("bids", "author_id", "whose issue a bid is", owner="author_id", forget=Forget.TOMBSTONE),
    _own("bids", "title", "the issue a member bids to bring", owner="author_id"),
    _own("bids", "help", "the help a member asks for with their issue", owner="author_id"),
    # Votes and ballots.
    _shared("votes", "opened_by", "who opened a vote"),
    _shared("votes", "closed_by", "who closed a vote"),
    _none("votes", "card_message_id", "the vote's card"),
    _none("votes", "result", "the vote's outcome: the bids chosen and their counts, without voters"),
    _own("ballots", "voter_id", "who voted (each ballot counts once)", owner="voter_id", forget=Forget.TOMBSTONE),
    Entry(
        "ballots",
        "choices",
        Holds.CHOICES,
        "the bids a member voted for, seen only by them (the count keeps them once they are forgotten)",
        owner="voter_id",
        export=True,
    ),
    # Meetings.
    _shared("meetings", "started_by", "who started a meeting"),
    Entry(
        "meetings",
        "state",
        Holds.PEOPLE_AND_WORDS,
        "the meeting as it runs: who was present, the order of turns, hands raised, each round's issue holder",
        export=True,
        forget=Forget.SCRUB,
    ),
    _none("meetings", "card_message_id", "the meeting's floor card"),
    _none("meetings", "voice_channel_id", "the voice channel or Stage of a voice meeting"),
    _none("meetings", "stage_instance_id", "the Stage's live instance during a Stage meeting"),
    _own("round_notes", "holder_id", "whose round a note is of", owner="holder_id", forget=Forget.TOMBSTONE),
    _own("round_notes", "learnt", "what an issue holder said they learnt in their round", owner="holder_id"),
    _own("contributions", "author_id", "who said something in a round", owner="author_id", forget=Forget.TOMBSTONE),
    _own("contributions", "text", "what a member said in a round, for the issue holder's notes", owner="author_id"),
    # Actions and reports.
    _own("actions", "owner_id", "whose action it is", owner="owner_id", forget=Forget.TOMBSTONE),
    _own("actions", "text", "an action a member committed to", owner="owner_id"),
    Entry(
        "action_reports",
        "happened",
        Holds.WORDS,
        "what a member reported of their action",
        owner="actions.owner_id",
        export=True,
        forget=Forget.ERASE,
    ),
    Entry(
        "action_reports",
        "learnt",
        Holds.WORDS,
        "what a member learnt from their action",
        owner="actions.owner_id",
        export=True,
        forget=Forget.ERASE,
    ),
    # The bot's own bookkeeping.
    _none("pending_effects", "guild_id", "the server a queued Discord change is for"),
    Entry(
        "pending_effects",
        "payload",
        Holds.PEOPLE_AND_WORDS,
        "a post or change queued for Discord (it may quote what a member wrote), kept until it is made",
        forget=Forget.SCRUB,
    ),
    Entry(
        "pending_effects",
        "sent_digest",
        Holds.NOTHING_PERSONAL,
        "a fingerprint of a post already made, so that a restart does not post it twice",
    ),
    _none("due_work", "guild_id", "the server a piece of due work is for"),
    _none("due_work", "subject", "what is due, by the group, meeting, vote or queued change it is of (never a person)"),
    _none("due_work", "claim_owner", "which run of the bot has taken a piece of due work"),
    Entry(
        "voice_mutes",
        "user_id",
        Holds.PERSON,
        "whom the bot has muted for a meeting's floor, so that it always undoes it; deleted once undone",
        owner="user_id",
        forget=Forget.DELETE_ROW,
    ),
    _none("voice_mutes", "guild_id", "the server of a mute"),
    _none("voice_mutes", "channel_id", "the voice channel or Stage of a mute"),
    Entry(
        "bot_state",
        "key",
        Holds.PERSON,
        "what the bot remembers between runs; for a person, only that their direct messages were found closed",
        forget=Forget.DELETE_ROW,
    ),
    _none("bot_state", "value", "the remembered value ('closed', a version, a time)"),
    _none(
        "group_keys",
        "wrapped",
        "a group's own encryption key, itself encrypted; destroyed when the group's words are erased for good",
    ),
)


def entry(table: str, column: str) -> Entry | None:
    """The registry's entry for a column, if it has one."""
    return next((e for e in REGISTRY if (e.table, e.column) == (table, column)), None)
