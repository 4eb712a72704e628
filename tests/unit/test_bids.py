"""The rules a bid's text must meet, and reading a bid id from an autocomplete choice."""

from __future__ import annotations

import pytest

from bot.domain.bids import BidTextInvalidError, bid_id_in, bid_text


def test_a_title_is_trimmed_to_one_line_and_the_help_kept_as_laid_out() -> None:
    assert bid_text("  Managing\n  up ", " line one\n\tline two ") == ("Managing up", "line one\n\tline two")


@pytest.mark.parametrize(
    "text",
    [
        "Team 👩\u200d💻 lead",
        "Flag 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        "co\u00adoperate",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with a zero-width non-joiner
    ],
)
def test_emoji_flags_soft_hyphens_and_joining_scripts_are_welcome(text: str) -> None:
    assert bid_text(text, text) == (text, text)


@pytest.mark.parametrize(
    "char", ["\x00", "\x07", "\u200b", "\u202e", "\u2066", "\ufeff", "\u2060", "\u200e", "\u200f", "\ue000"]
)
@pytest.mark.parametrize("where", ["title", "help"])
def test_control_and_disguising_characters_are_refused_wherever_they_are(char: str, where: str) -> None:
    title, help_wanted = ("a" + char + "b", "") if where == "title" else ("Title", "x" + char)
    with pytest.raises(BidTextInvalidError, match="invisible or control characters"):
        bid_text(title, help_wanted)


def test_a_bid_needs_a_title() -> None:
    with pytest.raises(BidTextInvalidError, match="needs a title"):
        bid_text(" \n ", "help")


def test_the_title_may_have_a_hundred_characters_and_no_more() -> None:
    assert bid_text("x" * 100, "")[0] == "x" * 100
    with pytest.raises(BidTextInvalidError, match="at most 100 characters; yours has 101"):
        bid_text("x" * 101, "")


def test_the_help_wanted_may_have_a_thousand_characters_and_no_more() -> None:
    assert bid_text("t", "y" * 1000)[1] == "y" * 1000
    with pytest.raises(BidTextInvalidError, match="at most 1000 characters; yours has 1001"):
        bid_text("t", "y" * 1001)


@pytest.mark.parametrize(("ref", "expected"), [("bid:12", 12), (" bid:7 ", 7), ("bid:" + "9" * 12, int("9" * 12))])
def test_an_autocomplete_choice_names_its_bid(ref: str, expected: int) -> None:
    assert bid_id_in(ref) == expected


@pytest.mark.parametrize("ref", ["12", "bid:", "bid:x1", "bid:١٢", "bid:" + "9" * 13, "Managing up", "bid:-3"])
def test_anything_else_names_no_bid(ref: str) -> None:
    assert bid_id_in(ref) is None
