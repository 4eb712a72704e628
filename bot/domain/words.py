"""How counts and people read in what members see: a noun's plural, and the mentions typed into members' text.

Also the few values a message names in the reader's own words, chosen only when the message is drawn: a date, a
day of the week (`day_words`, `weekday_words`, from Babel's data for the language), and a list ("a, b and c").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from bot.domain.text import Day, DayOfWeek, Param, msg

USER_MENTION = re.compile(r"<@!?([0-9]{15,20})>")
"""A user mention as Discord writes it (and as a member types it by picking someone while writing)."""


ERASED_MARKER = "(erased)"
"""What storage holds in place of words that were erased (a member forgotten, an archived group's words)."""
ERASED = msg("(erased)")
"""How the erased marker reads, in the reader's language."""

FORMER_MEMBER = msg("a former member")
"""How a post names someone who asked to be forgotten (their records show a stand-in, never their id)."""


def is_stand_in(user_id: int) -> bool:
    """Whether an id is the stand-in of a forgotten member: always negative, so never a real Discord id."""
    return user_id < 0


def person(user_id: int) -> str:
    """A person as a post names them: their mention, or "a former member" for a forgotten member's stand-in.

    Discord draws the mention as their name; the post's allowed mentions decide whether it pings. Called when the
    post is drawn, so "a former member" is in the language of whoever reads it.
    """
    return str(FORMER_MEMBER) if is_stand_in(user_id) else f"<@{user_id}>"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """The count and its noun as a person writes them: "1 vote", "2 votes", "0 rounds" (`many`: an odd plural)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def mentioned(text: str) -> set[int]:
    """The people mentioned in a member's text (to look up their names before `with_people` shows them)."""
    return {int(user_id) for user_id in USER_MENTION.findall(text)}


def with_people(text: str, person: Callable[[int], str], escape: Callable[[str], str]) -> str:
    """A member's text with each user mention in it shown by `person`, and everything else made safe by `escape`.

    In a message, `person` may keep the mention (Discord draws it as the person's name; the message's allowed
    mentions keep it from pinging); in a file, which Discord does not draw, it gives "@Display Name" instead.
    """
    if text == ERASED_MARKER:
        return escape(str(ERASED))  # words erased in storage: the marker, in the reader's language
    parts = USER_MENTION.split(text)  # text, user id, text, user id, ..., text
    return "".join(escape(part) if index % 2 == 0 else person(int(part)) for index, part in enumerate(parts))


def cut(text: str, limit: int) -> str:
    """At most `limit` characters of a member's text, ending "…" if cut, never inside a mention."""
    if len(text) <= limit:
        return text
    kept = text[: limit - 1]
    opened = kept.rfind("<@")
    if opened != -1 and ">" not in kept[opened:]:
        kept = kept[:opened].rstrip()
    return kept + "…"


def day_words(day: date, form: str = "long") -> Day:
    """A date as a message's parameter, in the reader's words when drawn ("6 January 2026", "6. Januar 2026").

    `form` is Babel's: "short", "medium", "long", or a pattern such as "d MMM".
    """
    return Day(day, form)


def weekday_words(weekday: int) -> DayOfWeek:
    """A day of the week (0 is Monday, as `date.weekday()` counts) as a message's parameter: "Tuesday", "Dienstag"."""
    return DayOfWeek(weekday)


def listed(items: Sequence[Param], *, either: bool = False) -> Param:
    """Items as a sentence lists them: "a", "a and b", "a, b and c" (`either`: "a, b or c"), in the reader's words."""
    if not items:
        raise ValueError("nothing to list")
    if len(items) == 1:
        return items[0]
    some: Param = items[0]
    for item in items[1:-1]:
        some = msg("{some}, {next}", some=some, next=item)
    if either:
        return msg("{some} or {last}", some=some, last=items[-1])
    return msg("{some} and {last}", some=some, last=items[-1])


def choices(items: Sequence[Param]) -> Param:
    """Choices one after another, each joined by "or": "a or b or c" (where a list of options is read as such)."""
    if not items:
        raise ValueError("nothing to list")
    joined: Param = items[0]
    for item in items[1:]:
        joined = msg("{some} or {last}", some=joined, last=item)
    return joined
