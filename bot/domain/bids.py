"""Bids: the issues members bring for the group's help, their life cycle, and the rules their text must meet."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from bot.domain.errors import UserFacingError
from bot.domain.text import msg

TITLE_MAX = 100
HELP_MAX = 1000
BID_ID_PREFIX = "bid:"


class BidStatus(StrEnum):
    """Where a bid stands: open until chosen for a round (heard once it runs), withdrawn, or its cycle ended."""

    OPEN = "open"
    CHOSEN = "chosen"
    HEARD = "heard"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class VoteStatus(StrEnum):
    """A vote is open until it is closed (with a result) or cancelled (the group's cycle ended, or no bid was left)."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class CloseReason(StrEnum):
    """Why a vote closed."""

    FACILITATOR = "facilitator"
    DEADLINE = "deadline"
    EVERYONE_VOTED = "everyone"
    FEW_BIDS = "few_bids"
    ARCHIVED = "archived"


class BidTextInvalidError(UserFacingError):
    """A bid's title or text cannot be stored as written."""


# Characters that hide or disguise text: direction overrides and isolates (which can make text read backwards),
# zero-width spaces and the byte-order mark. Joiners, soft hyphens and tag characters stay: emoji such as
# 👩‍💻 and flags, and scripts such as Persian or Devanagari, need them.
_DISGUISING = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x2060, 0xFEFF, 0x200E, 0x200F)}


def _control(char: str) -> bool:
    # Line breaks and tabs are how people lay out what they write; other control characters (NUL) and the
    # characters above only hide or disguise text.
    return char not in "\n\t" and (unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") or char in _DISGUISING)


def bid_text(title: str, help_wanted: str) -> tuple[str, str]:
    """The bid's title and text as stored: trimmed, title on one line; or `BidTextInvalidError` saying what to fix."""
    title = re.sub(r"\s+", " ", title).strip()
    help_wanted = help_wanted.strip()
    if any(_control(char) for char in title + help_wanted):
        raise BidTextInvalidError(
            msg("Your bid contains invisible or control characters. Write it with visible characters and try again.")
        )
    if not title:
        raise BidTextInvalidError(msg("Your bid needs a title: a few words that name the issue."))
    if len(title) > TITLE_MAX:
        raise BidTextInvalidError(
            msg(
                "A bid's title can be at most {most} characters; yours has {length}.", most=TITLE_MAX, length=len(title)
            )
        )
    if len(help_wanted) > HELP_MAX:
        raise BidTextInvalidError(
            msg(
                "What help you want can be at most {most} characters; yours has {length}. Shorten it.",
                most=HELP_MAX,
                length=len(help_wanted),
            )
        )
    return title, help_wanted


def bid_id_in(ref: str) -> int | None:
    """The bid id an autocomplete choice carries (`bid:12`), or None for anything else (typed text)."""
    ref = ref.strip()
    if ref.startswith(BID_ID_PREFIX):
        digits = ref.removeprefix(BID_ID_PREFIX)
        if digits.isascii() and digits.isdigit() and len(digits) <= 12:
            return int(digits)
    return None
