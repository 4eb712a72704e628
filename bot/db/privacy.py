"""What the database holds about people, column by column: why, how it is exported, and how it is forgotten.

One registry answers for every column that can hold a Discord user id or words a member wrote, and for every other
column of a kind that could (a Discord id of a channel or message, free text, JSON) with the reason it does not.
`tests/unit/test_privacy_registry.py` walks the models and fails when a column of such a kind is missing here, so
a new feature cannot store something about a person without saying how it is exported and forgotten. Export,
erasure, retention, `/privacy info` and the manual's privacy table are all worked out from this one list.

What members read of it (`/privacy info`, the export's headings) is a `Text` each, in the reader's language when
drawn; the manual's table is drawn in English.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.domain.groups import KEEP_DAYS_DEFAULT
from bot.domain.retention import SERVER_GRACE
from bot.domain.text import Text, msg, msgn


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


class Retain(enum.Enum):
    """What the retention period does to a column of an archived group's rows once it has run out."""

    BLANK = "the words are erased, the row stays (so the group's counts and ledger still add up)"
    DELETE_ROW = "the row is deleted"
    KEEP = "kept: it holds no words, only ids and times the group's counts are made of"


@dataclass(frozen=True)
class Entry:
    """One column: what it holds, whose it is, why it is kept, how it is exported and forgotten."""

    table: str
    column: str
    holds: Holds
    why: Text | str
    """Why it is stored, in plain words (what `/privacy info` says of what holds something personal: a `Text`)."""
    owner: str | None = None
    """The column of the same row naming the person the row is about (for an id column, usually itself)."""
    export: bool = False
    """Whether a person's export includes it (for rows `owner` names them in, or JSON that mentions them)."""
    forget: Forget = Forget.KEEP
    retain: Retain | None = None
    """What retention does to it once an archived group's period runs out (words are erased unless it says so)."""

    @property
    def after_retention(self) -> Retain:
        """The retention rule: words are blanked unless the entry says otherwise; anything else is kept."""
        if self.retain is not None:
            return self.retain
        if self.holds is Holds.WORDS:
            return Retain.BLANK
        if self.holds is Holds.PEOPLE_AND_WORDS:
            raise LookupError(f"{self.table}.{self.column} mixes ids and words: say how retention erases its words")
        return Retain.KEEP


def _own(table: str, column: str, why: Text, *, owner: str, forget: Forget = Forget.ERASE) -> Entry:
    """Words (or an id) that belong to the person the row's `owner` column names."""
    holds = Holds.PERSON if column == owner else Holds.WORDS
    return Entry(table, column, holds, why, owner=owner, export=True, forget=forget)


def _shared(table: str, column: str, why: Text) -> Entry:
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
    _shared("groups", "facilitator_id", msg("who facilitates the group (handed on to another member first)")),
    _none("groups", "text_channel_id", "the group's channel"),
    _none("groups", "voice_channel_id", "the group's voice channel or Stage"),
    _none("groups", "reminded", "which reminders of the group went out, by kind and time"),
    _shared("groups", "created_by", msg("who set the group up")),
    _none("groups", "creator_instance", "which run of the bot was creating the group"),
    _none("groups", "creation_reply_token", "the reply to the command that made the group, for one hour"),
    _none("groups", "schedule", "when the group meets"),
    _none("groups", "event_id", "the group's scheduled event on Discord"),
    # Memberships: the person's own place in a group.
    _shared(
        "memberships", "user_id", msg("who is in which group, since when, and when they accepted the ground rules")
    ),
    _none("memberships", "request_message_id", "the post asking the facilitator to approve a join request"),
    # Bids: the person's own issues.
    _own("bids", "author_id", msg("whose issue a bid is"), owner="author_id", forget=Forget.TOMBSTONE),
    _own("bids", "title", msg("the issue a member bids to bring"), owner="author_id"),
    _own("bids", "help", msg("the help a member asks for with their issue"), owner="author_id"),
    # Votes and ballots.
    _shared("votes", "opened_by", msg("who opened a vote")),
    _shared("votes", "closed_by", msg("who closed a vote")),
    _none("votes", "card_message_id", "the vote's card"),
    _none("votes", "result", "the vote's outcome: the bids chosen and their counts, without voters"),
    _own("ballots", "voter_id", msg("who voted (each ballot counts once)"), owner="voter_id", forget=Forget.TOMBSTONE),
    Entry(
        "ballots",
        "choices",
        Holds.CHOICES,
        msg("the bids a member voted for (if they ask to be forgotten, their vote still counts, with no name on it)"),
        owner="voter_id",
        export=True,
    ),
    # Meetings.
    _shared("meetings", "started_by", msg("who started a meeting")),
    Entry(
        "meetings",
        "state",
        Holds.PEOPLE_AND_WORDS,
        msg("the meeting as it runs: who was present, the order of turns, hands raised, each round's issue holder"),
        export=True,
        forget=Forget.SCRUB,
        retain=Retain.KEEP,
    ),
    _none("meetings", "card_message_id", "the meeting's floor card"),
    _none("meetings", "voice_channel_id", "the voice channel or Stage of a voice meeting"),
    _none("meetings", "stage_instance_id", "the Stage's live instance during a Stage meeting"),
    _own("round_notes", "holder_id", msg("whose round a note is of"), owner="holder_id", forget=Forget.TOMBSTONE),
    _own("round_notes", "learnt", msg("what an issue holder said they learnt in their round"), owner="holder_id"),
    _own(
        "contributions", "author_id", msg("who said something in a round"), owner="author_id", forget=Forget.TOMBSTONE
    ),
    _own(
        "contributions", "text", msg("what a member said in a round, for the issue holder's notes"), owner="author_id"
    ),
    # Actions and reports.
    _own("actions", "owner_id", msg("whose action it is"), owner="owner_id", forget=Forget.TOMBSTONE),
    _own("actions", "text", msg("an action a member committed to"), owner="owner_id"),
    Entry(
        "action_reports",
        "happened",
        Holds.WORDS,
        msg("what a member reported of their action"),
        owner="actions.owner_id",
        export=True,
        forget=Forget.ERASE,
    ),
    Entry(
        "action_reports",
        "learnt",
        Holds.WORDS,
        msg("what a member learnt from their action"),
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
        msg("what the bot is about to post or change for a group (a post may quote what a member wrote)"),
        forget=Forget.SCRUB,
        retain=Retain.DELETE_ROW,
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
        msg("whom the bot muted in a meeting's voice channel while someone else spoke, so that it always unmutes them"),
        owner="user_id",
        forget=Forget.DELETE_ROW,
    ),
    _none("voice_mutes", "guild_id", "the server of a mute"),
    _none("voice_mutes", "channel_id", "the voice channel or Stage of a mute"),
    Entry(
        "bot_state",
        "key",
        Holds.PERSON,
        msg(
            "what the bot remembers when it restarts; about a person, only that it could not send them a direct message"
        ),
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


@dataclass(frozen=True)
class TableNote:
    """What one table holding something about people is, in plain words: what `/privacy info` and the manual say."""

    title: Text
    """What the table holds, as a heading of the export and a row of the privacy table."""
    seen_by: Text
    """Who can see it through the bot."""
    kept: Text
    """How long it is kept."""


_WHILE_GROUP = msgn(
    "as long as the group exists (all of a server's data goes {n} day after the bot is removed from it), or until "
    "you erase it",
    "as long as the group exists (all of a server's data goes {n} days after the bot is removed from it), or until "
    "you erase it",
    SERVER_GRACE.days,
)
_WORDS_KEPT = msgn(
    "until {n} day after the group is archived (its facilitator can choose another period), or until you erase it",
    "until {n} days after the group is archived (its facilitator can choose another period), or until you erase it",
    KEEP_DAYS_DEFAULT,
)
_MEMBERS = msg("the group's members")
_BOT_ONLY = msg("nobody but the bot")
TABLES: dict[str, TableNote] = {
    "groups": TableNote(msg("Groups you set up or facilitate"), _MEMBERS, _WHILE_GROUP),
    "memberships": TableNote(
        msg("Your memberships, when you accepted the ground rules, your reminder choice"),
        msg("the group's members and its facilitator"),
        _WHILE_GROUP,
    ),
    "bids": TableNote(msg("Your bids (the issues you brought)"), _MEMBERS, _WORDS_KEPT),
    "votes": TableNote(msg("Votes you opened or closed"), _MEMBERS, _WHILE_GROUP),
    "ballots": TableNote(
        msg("Your ballots"), msg("only you (the group sees the totals, never who voted how)"), _WHILE_GROUP
    ),
    "meetings": TableNote(
        msg("Meetings: your attendance and your turns"),
        msg("the group's members, in the ledger and summaries"),
        _WHILE_GROUP,
    ),
    "round_notes": TableNote(msg("What you learnt in your rounds"), _MEMBERS, _WORDS_KEPT),
    "contributions": TableNote(
        msg("What you said in rounds, where the bot kept it"),
        msg("the issue holder, in their round's digest"),
        _WORDS_KEPT,
    ),
    "actions": TableNote(msg("Your actions"), _MEMBERS, _WORDS_KEPT),
    "action_reports": TableNote(msg("Your reports on your actions"), _MEMBERS, _WORDS_KEPT),
    "pending_effects": TableNote(
        msg("Messages and changes the bot has still to make on Discord"),
        _BOT_ONLY,
        msg("until the bot has made them, usually within a minute"),
    ),
    "voice_mutes": TableNote(
        msg("Mutes the bot made during a voice meeting"), _BOT_ONLY, msg("until the bot unmutes you")
    ),
    "bot_state": TableNote(
        msg("That the bot could not send you a direct message"), _BOT_ONLY, msg("until you erase it")
    ),
}
"""One note per table that holds a person's id or words (a test checks none is missing)."""


def personal_entries() -> tuple[Entry, ...]:
    """The entries that hold something about a person (every one but those that hold nothing personal)."""
    return tuple(e for e in REGISTRY if e.holds is not Holds.NOTHING_PERSONAL)


def statement_rows() -> list[tuple[str, str, str, str]]:
    """The privacy table, one row per table holding something about people: what, why, who sees it, how long kept.

    In the language being read (English unless drawn for a reader: the manual's table).
    """
    rows = []
    for table, note in TABLES.items():
        whys = [str(e.why) for e in personal_entries() if e.table == table]
        why = "; ".join(dict.fromkeys(whys))
        rows.append((str(note.title), why[:1].upper() + why[1:], str(note.seen_by), str(note.kept)))
    return rows


def statement_table() -> str:
    """The privacy table as Markdown: docs/members/your-data.md holds exactly this (a test checks)."""
    lines = ["| What | Why | Who sees it | How long it is kept |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in statement_rows()]
    return "\n".join(lines)


STATEMENT_INTRO = msg(
    "What Setkeeper stores about you in this server, why, who sees it and how long it is kept. What members write "
    "(bids, actions, reports, what they learnt and said in rounds) is encrypted in the database and never written "
    "to the bot's logs."
)
STATEMENT_RIGHTS = msg(
    "Get everything stored about you here as two files (JSON and Markdown) with /privacy export. Erase it with "
    "/privacy forget: your words are erased, your open bids withdrawn, you leave your groups, and where a group "
    "shares a record with you (attendance, ballots, turns, the ledger) your name is replaced by an anonymous "
    "stand-in, so the group's counts stay right."
)


STATEMENT_RIGHTS_TITLE = msg("See it, export it, erase it")


def statement_fields() -> list[tuple[str, str]]:
    """`/privacy info` in plain words, one part per table (the manual's table rows), then how to export or erase.

    Each part is a name and a text, short enough for one field of a Discord embed (`/privacy info` shows them so),
    in the language of whoever reads them now.
    """
    fields = [
        (
            what,
            str(msg("{why}.\nWho sees it: {who}.\nHow long it is kept: {kept}.", why=why, who=who, kept=kept)),
        )
        for what, why, who, kept in statement_rows()
    ]
    return [*fields, (str(STATEMENT_RIGHTS_TITLE), str(STATEMENT_RIGHTS))]
