"""How counts and people read in what members see: a noun's plural, and the mentions typed into members' text."""

from __future__ import annotations

import re
from collections.abc import Callable

USER_MENTION = re.compile(r"<@!?([0-9]{15,20})>")
"""A user mention as Discord writes it (and as a member types it by picking someone while writing)."""


FORMER_MEMBER = "a former member"
"""How a post names someone who asked to be forgotten (their records show a stand-in, never their id)."""


def is_stand_in(user_id: int) -> bool:
    """Whether an id is the stand-in of a forgotten member: always negative, so never a real Discord id."""
    return user_id < 0


def person(user_id: int) -> str:
    """A person as a post names them: their mention, or "a former member" for a forgotten member's stand-in.

    Discord draws the mention as their name; the post's allowed mentions decide whether it pings.
    """
    return FORMER_MEMBER if is_stand_in(user_id) else f"<@{user_id}>"


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
