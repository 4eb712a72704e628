"""A member's own data: everything stored about them in one server, as files (export), and erasing it (forget).

Both are worked out from the registry in `bot.db.privacy`: each entry's owner says whose a row is, its forget rule
what erasing the person does to it. The few stores that need more than a rule (a meeting's state, queued posts,
remembered facts, the mute ledger) have a named function each, listed in `SPECIAL_FORGET` and `SPECIAL_EXPORT`.

The export's Markdown is drawn in the language of whoever asked for it (the JSON, for programs, keeps its values as
stored); what a forget did is a `Text` (`what_changed`), in the words of whoever reads it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, Table, delete, func, or_, select, update

from bot.db.group_keys import erase_for_good
from bot.db.models import Base, Group
from bot.db.privacy import REGISTRY, STATEMENT_INTRO, TABLES, Entry, Forget, Holds, statement_fields
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.effects import SetAccess
from bot.domain.errors import UserFacingError
from bot.domain.group_notices import MemberLeft
from bot.domain.groups import Access, GroupStatus, MembershipStatus, next_facilitator
from bot.domain.text import Text, msg, msgn
from bot.domain.words import ERASED_MARKER, FORMER_MEMBER, day_words
from bot.services.effects import QueuedEffect, dms_closed_key
from bot.services.groups._changes import depart, hand_over
from bot.services.groups._effects import close_request

JSONValue = object
"""A value read from stored JSON (a dict, a list, a string, a number, True, False or None)."""
__all__ = [
    "STATEMENT_INTRO",
    "ExportFiles",
    "ForgetBlockedError",
    "ForgetReport",
    "PrivacyService",
    "statement_fields",
    "what_changed",
]

EXPORT_FORMAT = "setkeeper-export/1"
ANOTHER_MEMBER = msg("another member")
YOU = msg("you")
"""Who a person column names in an export: the JSON holds the English words (their keys), the Markdown the reader's."""
ERASED = ERASED_MARKER
"""What stands where a forgotten member's words were (a post drawn later says this, never their words)."""
KEPT_FOR_UNDOING = ("set_access", "set_mute")
"""Queued changes that take the person's access or mute away: kept, with their real id, so they are carried out."""
STATE_PERSON_KEYS = frozenset(
    {"facilitator_id", "present", "queue", "hands", "had_turn", "holder_id", "inputs", "passes", "clarify_passes"}
)
"""The keys of a meeting's stored state (`bot.domain.meeting.storage`) whose values are people's ids."""
PAYLOAD_PERSON_KEYS = frozenset(
    {"user_id", "user_ids", "author_id", "by", "facilitator_id", "opened_by", "ping", "released_by", "speaker_id"}
)
"""The keys of a queued effect's payload (effects and notices) whose values are people's ids."""


class ForgetBlockedError(UserFacingError):
    """Something must happen before the person can be forgotten (nothing was erased)."""


@dataclass(frozen=True)
class ExportFiles:
    """One person's export: the same content as JSON (for machines) and Markdown (for people)."""

    json: str
    markdown: str
    rows: int


@dataclass
class ForgetReport:
    """What a forget did, in numbers; `effects` are the Discord changes it queued (leaving groups)."""

    erased: dict[str, int] = field(default_factory=dict)
    """Rows whose words were erased, by table."""
    stand_ins: int = 0
    """Records the group shares where the person's id was replaced by the stand-in."""
    groups_left: int = 0
    bids_withdrawn: int = 0
    posts_dropped: int = 0
    """Queued posts addressed to them or quoting their words, deleted."""
    posts_renamed: int = 0
    """Queued posts that only named them, now naming the stand-in (a leave still in flight, on a second forget)."""
    remembered: int = 0
    """Facts the bot remembered about them (closed direct messages), deleted."""
    mentions_replaced: int = 0
    """Other members' texts that mentioned them, now saying "@a former member" instead."""
    mutes_to_undo: int = 0
    """The bot's mutes of them still to undo: the applier undoes them and then deletes the rows."""
    effects: list[QueuedEffect] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        """Whether anything of theirs was found at all."""
        counts = (
            self.stand_ins,
            self.groups_left,
            self.posts_dropped,
            self.remembered,
            self.mentions_replaced,
            *self.erased.values(),
        )
        return any(counts)


def what_changed(report: ForgetReport, whom: str) -> Text:
    """A forget's shared records, mentions and cancelled messages; `whom` is "you", or "them" (the operator's)."""
    if whom == "you":
        records = msgn(
            "{n} shared record now shows an anonymous stand-in instead of you",
            "{n} shared records now show an anonymous stand-in instead of you",
            report.stand_ins,
        )
        dropped = msgn(
            "{n} message waiting to be sent to you or about you was cancelled",
            "{n} messages waiting to be sent to you or about you were cancelled",
            report.posts_dropped,
        )
        mentions = msgn(
            "{n} text by other members that mentioned you now says '@{former}'",
            "{n} texts by other members that mentioned you now say '@{former}'",
            report.mentions_replaced,
            former=FORMER_MEMBER,
        )
    else:
        records = msgn(
            "{n} shared record now shows an anonymous stand-in instead of them",
            "{n} shared records now show an anonymous stand-in instead of them",
            report.stand_ins,
        )
        dropped = msgn(
            "{n} message waiting to be sent to them or about them was cancelled",
            "{n} messages waiting to be sent to them or about them were cancelled",
            report.posts_dropped,
        )
        mentions = msgn(
            "{n} text by other members that mentioned them now says '@{former}'",
            "{n} texts by other members that mentioned them now say '@{former}'",
            report.mentions_replaced,
            former=FORMER_MEMBER,
        )
    if report.mentions_replaced:
        return msg("{records}; {messages}; {mentions}", records=records, messages=dropped, mentions=mentions)
    return msg("{records}; {messages}", records=records, messages=dropped)


@dataclass
class _Forgetting:
    """One forget under way: whom, the stand-in, the words they wrote (to find quotes of), and the tally."""

    uow: UnitOfWork
    guild_id: int
    user_id: int
    stand_in: int
    now: datetime
    words: set[str]
    report: ForgetReport


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def in_guild(table: Table, guild_id: int) -> ColumnElement[bool]:
    """Rows of `table` that belong to the guild: by its own guild id, or through its foreign key towards the group."""
    if "guild_id" in table.c:
        return table.c.guild_id == guild_id
    keys = sorted(table.foreign_keys, key=lambda key: key.column.table.name != "groups")
    if not keys:
        raise ValueError(f"{table.name} cannot be traced to a server")
    key = keys[0]
    return key.parent.in_(select(key.column).where(in_guild(_table(key.column.table.name), guild_id)))


def _in_guild(table: Table, guild_id: int) -> ColumnElement[bool]:
    return in_guild(table, guild_id)


def owned_by(table: Table, owner: str, user_id: int) -> ColumnElement[bool]:
    """Rows whose owner (a column of the row, or `table.column` reached through the row's foreign key) is the person."""
    other, _, column = owner.rpartition(".")
    if not other:
        return table.c[column] == user_id
    parent = _table(other)
    (key,) = [key for key in table.foreign_keys if key.column.table is parent]
    return key.parent.in_(select(key.column).where(parent.c[column] == user_id))


# --- export ---------------------------------------------------------------------------------------------------


def _value(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


async def _export_rows(
    uow: UnitOfWork, table_name: str, entries: list[Entry], guild_id: int, user_id: int
) -> list[Any]:
    """The rows of one table the person owns through any of its entries, with others shown as another member."""
    table = _table(table_name)
    owners = list(dict.fromkeys(e.owner for e in entries if e.owner is not None))
    if not owners:
        return []
    query = select(table).where(_in_guild(table, guild_id), or_(*(owned_by(table, o, user_id) for o in owners)))
    registry = {e.column: e for e in REGISTRY if e.table == table_name}
    rows = []
    for row in (await uow.session.execute(query)).mappings():
        shown: dict[str, object] = {}
        for column, value in row.items():
            noted = registry.get(column)
            if noted is None:
                shown[column] = _value(value)  # plain facts: ids of rows, statuses, times, choices
            elif noted.holds is Holds.PERSON:
                shown[column] = None if value is None else (YOU if value == user_id else ANOTHER_MEMBER).key
            elif noted.export and noted.owner is not None and await _owns(uow, table, row, noted.owner, user_id):
                shown[column] = value
        rows.append(shown)
    return rows


async def _owns(uow: UnitOfWork, table: Table, row: RowMapping, owner: str, user_id: int) -> bool:
    """Whether the words of this row are the person's (its owner column names them)."""
    other, _, column = owner.rpartition(".")
    if not other:
        return bool(row[column] == user_id)
    key_columns = [c for c in table.c if c.primary_key]
    query = select(func.count()).select_from(table).where(owned_by(table, owner, user_id))
    for key in key_columns:
        query = query.where(key == row[key.name])
    return bool((await uow.session.execute(query)).scalar_one())


async def _export_meetings(uow: UnitOfWork, guild_id: int, user_id: int) -> list[Any]:
    """Their attendance and turns, as each meeting's state records them (nobody else's part)."""
    table = _table("meetings")
    query = select(table.c.id, table.c.group_id, table.c.started_at, table.c.ended_at, table.c.state).where(
        _in_guild(table, guild_id)
    )
    found = []
    for row in (await uow.session.execute(query.order_by(table.c.id))).mappings():
        state = row["state"] or {}
        rounds = state.get("rounds", [])
        part = {
            "meeting_id": row["id"],
            "group_id": row["group_id"],
            "started_at": _value(row["started_at"]),
            "ended_at": _value(row["ended_at"]),
            "facilitated": state.get("facilitator_id") == user_id,
            "present": user_id in state.get("present", []),
            "had_a_turn": user_id in state.get("had_turn", []),
            "rounds_held": [i for i, item in enumerate(rounds) if item.get("holder_id") == user_id],
            "input_turns": [i for i, item in enumerate(rounds) if user_id in item.get("inputs", [])],
            "passed_input": [i for i, item in enumerate(rounds) if user_id in item.get("passes", [])],
            "passed_clarify": [i for i, item in enumerate(rounds) if user_id in item.get("clarify_passes", [])],
        }
        if any(value for key, value in part.items() if key not in ("meeting_id", "group_id", "started_at", "ended_at")):
            found.append(part)
    return found


SPECIAL_EXPORT: dict[tuple[str, str], Callable[[UnitOfWork, int, int], Awaitable[list[Any]]]] = {
    ("meetings", "state"): _export_meetings,
}
"""Entries exported by a function of their own (JSON that mentions the person), by table and column."""


ROUND_KEYS = frozenset({"rounds_held", "input_turns", "passed_input", "passed_clarify"})
"""The export's lists of a meeting's rounds (counted from 0 in the JSON, from 1 for people)."""


def _readable_time(text: str) -> str:
    moment = datetime.fromisoformat(text)
    moment = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return f"{day_words(moment.date(), 'long')}, {moment:%H:%M} UTC"


NONE = msg("none")
WHO = {text.key: text for text in (YOU, ANOTHER_MEMBER)}


def _readable(key: str, value: object, *, person: bool = False) -> str:
    """A stored value as a person reads it: yes or no, a date, rounds counted from 1, a list as a list.

    `person`: the column names someone ("you", "another member"), said in the reader's words. Drawn when the
    export is made, in the language of whoever asked for it (their interaction's).
    """
    if isinstance(value, bool):
        return str(msg("yes") if value else msg("no"))
    if person and isinstance(value, str) and value in WHO:
        return str(WHO[value])
    if key.endswith("_at") and isinstance(value, str):
        try:
            return _readable_time(value)
        except ValueError:
            return value
    if isinstance(value, list):
        items = [item + 1 if key in ROUND_KEYS and isinstance(item, int) else item for item in value]
        return ", ".join(_readable("", item) for item in items) if items else str(NONE)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _markdown(data: dict[str, Any]) -> str:
    """The export for people: one section per table, one entry per row, every field that has a value on its line.

    Its words are the reader's; the fields keep their stored names, as in the JSON.
    """
    exported = msg(
        "Exported {time} for you (Discord id {user}) in server {server}.",
        time=_readable_time(data["exported_at"]),
        user=data["user_id"],
        server=data["guild_id"],
    )
    others = msg(
        "Other people appear as '{another}'. Rounds of a meeting are counted from 1. The same data, for machines, is "
        "in the JSON file (format {format}).",
        another=ANOTHER_MEMBER,
        format=EXPORT_FORMAT,
    )
    lines = ["# " + str(msg("Your data in this server")), "", str(exported), str(others), ""]
    lines += ["## " + str(msg("Groups")), ""]
    lines += [f"- {gid}: {name}" for gid, name in data["groups"].items()] or [f"- {NONE}"]
    for table, rows in data["tables"].items():
        lines += ["", f"## {TABLES[table].title}", ""]
        if not rows:
            lines.append(f"- {NONE}")
        people = {e.column for e in REGISTRY if e.table == table and e.holds is Holds.PERSON}
        for row in rows:
            fields = [
                f"{key.replace('_', ' ')}: {_readable(key, value, person=key in people)}"
                for key, value in row.items()
                if value is not None
            ]
            lines += [f"{'- ' if index == 0 else '  '}{text}" for index, text in enumerate(fields)]
    return "\n".join(lines) + "\n"


# --- forget ---------------------------------------------------------------------------------------------------


async def _count(uow: UnitOfWork, query: Select[Any]) -> int:
    return int((await uow.session.execute(query)).scalar_one())


def _replace_ids(
    value: JSONValue, keys: frozenset[str], user_id: int, stand_in: int, *, under: bool = False
) -> JSONValue:
    """A JSON value with the person's id replaced by the stand-in under the keys that hold people's ids."""
    if isinstance(value, dict):
        return {k: _replace_ids(v, keys, user_id, stand_in, under=k in keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_ids(item, keys, user_id, stand_in, under=under) for item in value]
    if under and isinstance(value, int) and not isinstance(value, bool) and value == user_id:
        return stand_in
    return value


def _mentions(value: JSONValue, keys: frozenset[str], user_id: int, *, under: bool = False) -> bool:
    if isinstance(value, dict):
        return any(_mentions(v, keys, user_id, under=k in keys) for k, v in value.items())
    if isinstance(value, list):
        return any(_mentions(item, keys, user_id, under=under) for item in value)
    return under and value == user_id and not isinstance(value, bool)


MEMBER_TEXT_KEYS = frozenset({"title", "help", "text", "learnt", "happened", "criticism", "positives"})
"""The fields of a queued notice that hold words a member wrote (a bid's title, a removed post, an input)."""
QUOTE_LENGTH = 12
"""From how many characters one of their texts found inside a longer member text is taken to be theirs.

A short text ("e", "ok", "yes") is written by many people: found inside another text it proves nothing, so only an
exact match counts. Twelve characters of free writing are as good as unique to whoever wrote them.
"""


def _quotes(value: JSONValue, words: set[str], *, under: bool = False) -> bool:
    """Whether a queued post holds the person's words in a field of member text.

    The field is one of their texts exactly, or holds one of at least `QUOTE_LENGTH` characters; the other fields
    (kinds, group names, ids) never count, so a one-letter action does not take everyone's posts with it.
    """
    if isinstance(value, dict):
        return any(_quotes(v, words, under=k in MEMBER_TEXT_KEYS) for k, v in value.items())
    if isinstance(value, list):
        return any(_quotes(item, words, under=under) for item in value)
    if not under or not isinstance(value, str):
        return False
    return value in words or any(len(word) >= QUOTE_LENGTH and word in value for word in words)


def _without_mention(text: str, user_id: int) -> str:
    """A member's text with the person's mentions (`<@id>`, `<@!id>`) written as "@a former member".

    In the words of whoever asked to be forgotten (the language their reply says it in): from then on they are
    part of the member's text, which is never translated.
    """
    for mention in (f"<@{user_id}>", f"<@!{user_id}>"):
        text = text.replace(mention, f"@{FORMER_MEMBER}")
    return text


def _unmentioned(value: JSONValue, user_id: int) -> JSONValue:
    """A queued post with the person's mentions in its texts written as "@a former member"."""
    if isinstance(value, dict):
        return {k: _unmentioned(v, user_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_unmentioned(item, user_id) for item in value]
    return _without_mention(value, user_id) if isinstance(value, str) else value


def _model(table: Table) -> type[Any]:
    """The mapped class of a table (its rows are written through the ORM, which seals group-owned words)."""
    return next(mapper.class_ for mapper in Base.registry.mappers if mapper.local_table is table)


async def _replace_mentions(f: _Forgetting) -> None:
    """Other members' words that mention them: the mention becomes plain "@a former member", which names nobody.

    Through the ORM, so each group's words are sealed again with its key; the rows are read afresh
    (`populate_existing`), since the erasure above changed some of them without the session seeing it.
    """
    for table_name, entries in _by_table(e for e in REGISTRY if e.holds is Holds.WORDS).items():
        table = _table(table_name)
        query = select(_model(table)).where(_in_guild(table, f.guild_id)).execution_options(populate_existing=True)
        for row in (await f.uow.session.execute(query)).scalars():
            changed = False
            for e in entries:
                value = getattr(row, e.column)
                if isinstance(value, str) and value != _without_mention(value, f.user_id):
                    setattr(row, e.column, _without_mention(str(value), f.user_id))
                    changed = True
            f.report.mentions_replaced += changed
    await f.uow.session.flush()


async def _scrub_meeting_states(f: _Forgetting) -> None:
    """Meetings: the person's id in attendance, turns and rounds becomes the stand-in (counts stay as they were)."""
    table = _table("meetings")
    rows = (await f.uow.session.execute(select(table.c.id, table.c.state).where(_in_guild(table, f.guild_id)))).all()
    for meeting_id, state in rows:
        if _mentions(state, STATE_PERSON_KEYS, f.user_id):
            scrubbed = _replace_ids(state, STATE_PERSON_KEYS, f.user_id, f.stand_in)
            await f.uow.session.execute(update(table).where(table.c.id == meeting_id).values(state=scrubbed))
            f.report.stand_ins += 1


async def _scrub_pending_effects(f: _Forgetting) -> None:
    """Queued posts: those addressed to them or quoting their words go; elsewhere their id becomes the stand-in.

    A queued change of their own access or mute stays as it is: it is what takes them out, and it is deleted once made.
    """
    table = _table("pending_effects")
    query = select(table.c.id, table.c.kind, table.c.payload).where(table.c.guild_id == f.guild_id)
    for effect_id, kind, payload in (await f.uow.session.execute(query)).all():
        if kind in KEPT_FOR_UNDOING:
            continue
        if (kind == "direct" and payload.get("user_id") == f.user_id) or _quotes(payload, f.words):
            await f.uow.session.execute(delete(table).where(table.c.id == effect_id))
            f.report.posts_dropped += 1
        else:
            scrubbed = _unmentioned(_replace_ids(payload, PAYLOAD_PERSON_KEYS, f.user_id, f.stand_in), f.user_id)
            if scrubbed != payload:
                await f.uow.session.execute(update(table).where(table.c.id == effect_id).values(payload=scrubbed))
                f.report.posts_renamed += 1


async def _delete_remembered(f: _Forgetting) -> None:
    """What the bot remembers about them: that their direct messages were found closed."""
    table = _table("bot_state")
    result = await f.uow.session.execute(delete(table).where(table.c.key == dms_closed_key(f.guild_id, f.user_id)))
    f.report.remembered += int(getattr(result, "rowcount", 0) or 0)


async def _mutes_left_to_undo(f: _Forgetting) -> None:
    """The bot's mutes of them: kept until the applier has undone them (leaving the meeting asks it to), then deleted.

    Deleting a row first would leave them muted: the applier only ever undoes a mute its ledger says it made.
    """
    table = _table("voice_mutes")
    query = select(func.count()).select_from(table).where(table.c.guild_id == f.guild_id, table.c.user_id == f.user_id)
    f.report.mutes_to_undo = await _count(f.uow, query)


SPECIAL_FORGET: dict[tuple[str, str], Callable[[_Forgetting], Awaitable[None]]] = {
    ("meetings", "state"): _scrub_meeting_states,
    ("pending_effects", "payload"): _scrub_pending_effects,
    ("bot_state", "key"): _delete_remembered,
    ("voice_mutes", "user_id"): _mutes_left_to_undo,
}
"""Entries forgotten by a function of their own (JSON, keys that name the person, the mute ledger)."""


def _by_table(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    tables: dict[str, list[Entry]] = {}
    for e in entries:
        tables.setdefault(e.table, []).append(e)
    return tables


def _generic(rule: Forget) -> list[Entry]:
    return [e for e in REGISTRY if e.forget is rule and (e.table, e.column) not in SPECIAL_FORGET]


class PrivacyService:
    """A member's export and erasure in one server; each is one unit of work."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, *, fail_after: Callable[[str], None] | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        # Tests stop a forget after a named step, to show that nothing of it is kept.
        self._fail_after = fail_after or (lambda step: None)

    async def guilds_of(self, user_id: int) -> list[int]:
        """The servers where anything is stored about the person (for an operator acting on a request by id)."""
        groups, memberships = _table("groups"), _table("memberships")
        found: set[int] = set()
        async with self._uow(write=False) as uow:
            for e in REGISTRY:
                if e.holds is not Holds.PERSON or e.owner != e.column or e.table == "bot_state":
                    continue
                table = _table(e.table)
                if "guild_id" in table.c:
                    query = select(table.c.guild_id).where(table.c[e.column] == user_id)
                elif "group_id" in table.c:
                    query = select(groups.c.guild_id).join(table, table.c.group_id == groups.c.id)
                    query = query.where(table.c[e.column] == user_id)
                else:
                    continue  # reached through its group's rows (memberships and the meeting's tables)
                found.update((await uow.session.execute(query.distinct())).scalars())
            joined = select(groups.c.guild_id).join(memberships, memberships.c.group_id == groups.c.id)
            found.update((await uow.session.execute(joined.where(memberships.c.user_id == user_id))).scalars())
        return sorted(found)

    async def export(self, guild_id: int, user_id: int) -> ExportFiles:
        """Everything stored about the person in this server, from the registry's exported entries."""
        async with self._uow(write=False) as uow:
            tables: dict[str, list[Any]] = {}
            for table_name, entries in _by_table(e for e in REGISTRY if e.export).items():
                special = [e for e in entries if (e.table, e.column) in SPECIAL_EXPORT]
                for e in special:
                    tables[table_name] = await SPECIAL_EXPORT[(e.table, e.column)](uow, guild_id, user_id)
                if not special:
                    tables[table_name] = await _export_rows(uow, table_name, entries, guild_id, user_id)
            group_ids = {row["group_id"] for rows in tables.values() for row in rows if "group_id" in row}
            group_ids |= {row["id"] for row in tables.get("groups", [])}
            groups = _table("groups")
            names = (
                await uow.session.execute(select(groups.c.id, groups.c.name).where(groups.c.id.in_(group_ids)))
            ).all()
        data = {
            "format": EXPORT_FORMAT,
            "guild_id": guild_id,
            "user_id": user_id,
            "exported_at": self._clock.now().isoformat(),
            "groups": {str(gid): name for gid, name in sorted(names)},
            "tables": tables,
        }
        rows = sum(len(rows) for rows in tables.values())
        return ExportFiles(json.dumps(data, ensure_ascii=False, indent=2) + "\n", _markdown(data), rows)

    async def forget(self, guild_id: int, user_id: int, now: datetime | None = None) -> ForgetReport:
        """Erase the person's words, take them out of their groups, put a stand-in where the group shares records.

        One transaction: a failure anywhere leaves everything as it was. The stand-in is random for each forget
        (never worked out from the id), and negative, so it can never be a real Discord id.
        """
        now = now or self._clock.now()
        report = ForgetReport()
        async with self._uow() as uow:
            await erase_for_good(uow.session)
            f = _Forgetting(uow, guild_id, user_id, -(secrets.randbelow(2**62) + 1), now, set(), report)
            await self._leave_groups(f)
            self._fail_after("leave")
            await uow.session.flush()
            await self._erase(f)
            self._fail_after("erase")
            for rule in (Forget.SCRUB, Forget.TOMBSTONE, Forget.DELETE_ROW):
                for e in [e for e in REGISTRY if e.forget is rule and (e.table, e.column) in SPECIAL_FORGET]:
                    await SPECIAL_FORGET[(e.table, e.column)](f)
            await self._tombstone(f)
            await _replace_mentions(f)
            self._fail_after("tombstone")
            await uow.commit()
            report.effects = uow.committed
        return report

    async def _leave_groups(self, f: _Forgetting) -> None:
        """Out of every group as `/group leave` takes them out; a facilitator's role goes to the next member first."""
        uow = f.uow
        groups = _table("groups")
        ids = (await uow.session.execute(select(groups.c.id).where(groups.c.guild_id == f.guild_id))).scalars()
        for group_id in sorted(ids):
            group = await uow.groups.get(f.guild_id, group_id, lock=True)
            if group is None or group.status == GroupStatus.CREATING:
                continue
            membership = await uow.memberships.get(group.id, f.user_id)
            live = group.status != GroupStatus.ARCHIVED
            if live and group.facilitator_id == f.user_id:
                await self._hand_on(uow, group, f.user_id)
            if not live:
                read = group.facilitator_id == f.user_id or (
                    membership is not None and membership.status == MembershipStatus.ACTIVE
                )
                if read and group.text_channel_id is not None:
                    # The archive left them reading its channels; once their records show the stand-in, the
                    # applier finds them in no role there and takes the access away.
                    taken = SetAccess(group.id, group.text_channel_id, group.voice_channel_id, f.user_id, Access.NONE)
                    uow.emit(f.guild_id, taken)
                continue
            if membership is None:
                continue
            if membership.status == MembershipStatus.REQUESTED:
                membership.status, membership.left_at = MembershipStatus.LEFT, f.now
                uow.emit(f.guild_id, *close_request(group, membership, "withdrawn"))
            elif membership.status == MembershipStatus.ACTIVE:
                bids = _table("bids")
                open_bids = select(func.count()).where(
                    bids.c.group_id == group.id, bids.c.author_id == f.user_id, bids.c.status.in_(("open", "chosen"))
                )
                before = await _count(uow, open_bids)
                await self._erase(f, only_group=group.id)  # before a withdrawal notice could quote them
                await depart(uow, group, membership, MembershipStatus.LEFT, MemberLeft(f.user_id), f.now)
                await uow.session.flush()
                f.report.bids_withdrawn += before - await _count(uow, open_bids)
                f.report.groups_left += 1

    async def _hand_on(self, uow: UnitOfWork, group: Group, user_id: int) -> None:
        """The facilitator goes: the role passes to the next member who accepted the ground rules, as rotating does."""
        if await uow.meetings.open_in(group.id) is not None:
            raise ForgetBlockedError(
                msg(
                    "You facilitate {group} and its meeting is under way, so nothing was erased. End the meeting "
                    "with /meeting end (or hand the role on after it), then ask again.",
                    group=group.name,
                )
            )
        active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
        eligible = [m.user_id for m in active if m.rules_accepted_at and m.user_id != user_id]
        if not eligible:
            raise ForgetBlockedError(
                msg(
                    "You facilitate {group} and nobody else there has accepted the ground rules yet, so the role "
                    "cannot be handed on, and nothing was erased. Archive the group (/group archive) or wait until a "
                    "member has accepted, then ask again.",
                    group=group.name,
                )
            )
        await hand_over(uow, group, next_facilitator(user_id, eligible))

    async def _erase(self, f: _Forgetting, only_group: int | None = None) -> None:
        """Every column of words they own becomes `ERASED` (their texts are remembered, to find quotes of them)."""
        for table_name, entries in _by_table(_generic(Forget.ERASE)).items():
            table = _table(table_name)
            for owner in dict.fromkeys(e.owner for e in entries if e.owner is not None):
                where = [_in_guild(table, f.guild_id), owned_by(table, owner, f.user_id)]
                if only_group is not None:
                    where.append(_in_guild_group(table, only_group))
                columns = [e.column for e in entries if e.owner == owner]
                found = (await f.uow.session.execute(select(*(table.c[c] for c in columns)).where(*where))).all()
                fresh = [[text for text in row if isinstance(text, str) and text and text != ERASED] for row in found]
                if not any(fresh):
                    continue
                f.words |= {text for texts in fresh for text in texts}
                await f.uow.session.execute(update(table).where(*where).values(dict.fromkeys(columns, ERASED)))
                f.report.erased[table_name] = f.report.erased.get(table_name, 0) + sum(1 for texts in fresh if texts)

    async def _tombstone(self, f: _Forgetting) -> None:
        """Their id in records the group shares becomes the stand-in, so every count still adds up."""
        for e in _generic(Forget.TOMBSTONE):
            table = _table(e.table)
            column = table.c[e.column]
            result = await f.uow.session.execute(
                update(table).where(_in_guild(table, f.guild_id), column == f.user_id).values({e.column: f.stand_in})
            )
            f.report.stand_ins += int(getattr(result, "rowcount", 0) or 0)
        for e in _generic(Forget.DELETE_ROW):
            table = _table(e.table)
            result = await f.uow.session.execute(
                delete(table).where(_in_guild(table, f.guild_id), table.c[e.column] == f.user_id)
            )
            f.report.remembered += int(getattr(result, "rowcount", 0) or 0)


def _in_guild_group(table: Table, group_id: int) -> ColumnElement[bool]:
    """Rows of `table` that belong to one group, through its foreign keys."""
    if table.name == "groups":
        return table.c.id == group_id
    if "group_id" in table.c:
        return table.c.group_id == group_id
    key = sorted(table.foreign_keys, key=lambda key: key.column.table.name)[0]
    return key.parent.in_(select(key.column).where(_in_guild_group(_table(key.column.table.name), group_id)))
