"""Group names: normalised, invisible and mention-like characters refused, lookalikes and channel twins one name."""

from __future__ import annotations

import unicodedata

import pytest
from confusable_homoglyphs.confusables import confusables_data
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.domain.errors import GroupNameInvalidError
from bot.domain.groups import channel_slug, clean_name, group_id_in, lookup_key, name_key

CYRILLIC_E = "\u0435"
CYRILLIC_CAPITAL_EN = "\u041d"


@pytest.mark.parametrize(
    ("name", "lookalike"),
    [
        ("Set A", "\uff33\uff45\uff54 \uff21"),  # fullwidth letters
        ("Set A", f"S{CYRILLIC_E}t A"),  # a Cyrillic letter in a Latin word
        ("Team H", f"TEAM {CYRILLIC_CAPITAL_EN}"),  # a Cyrillic capital whose small letter looks different
        ("Caf\u00e9", "Cafe\u0301"),  # composed against decomposed accent
        ("Set A", "set a"),
        ("Set A", "Set-A"),  # the same channel name
        ("Set A", "set_a"),
        ("Set A", "Set \u2013 A"),  # an en dash is a dash
        ("Room 10", "Room lO"),  # TR39 puts 1 with l and 0 with O
        ("team", "tearn"),  # m and rn
    ],
)
def test_a_name_and_its_lookalike_are_one_name(name: str, lookalike: str) -> None:
    assert name_key(clean_name(name)) == name_key(clean_name(lookalike))


@pytest.mark.parametrize(("one", "other"), [("Set A", "Set B"), ("Caf\u00e9", "Cafe"), ("Set 1", "Set 2")])
def test_names_that_look_different_stay_different(one: str, other: str) -> None:
    assert name_key(clean_name(one)) != name_key(clean_name(other))


def test_a_name_is_stored_normalised() -> None:
    assert clean_name("\uff33\uff45\uff54  \uff21") == "Set A"
    assert clean_name("Cafe\u0301") == "Caf\u00e9"


@pytest.mark.parametrize(
    "raw",
    [
        "\u3164",  # Hangul filler: a name made only of a blank-looking letter
        "\u2800",  # Braille blank
        "Set\u034fA",  # combining grapheme joiner
        "Set\u200bA",
        "Set A\ufe0f",  # variation selector
        "Set\u00adA",  # soft hyphen
        "\uffa0Set A",
        "bell\x07",
        "nul\x00",
    ],
)
def test_invisible_and_blank_looking_characters_are_refused(raw: str) -> None:
    with pytest.raises(GroupNameInvalidError, match=r"invisible, blank-looking or control characters\. Use visible"):
        clean_name(raw)


@pytest.mark.parametrize("raw", ["<@&123456789012345678> fans", "<@123> team", "Go to <#4567>", "</group info:1>"])
def test_mention_syntax_is_refused(raw: str) -> None:
    with pytest.raises(GroupNameInvalidError, match=r"mention syntax.*Leave out the < character"):
        clean_name(raw)


def test_a_sign_that_poses_as_a_letter_but_drops_out_of_the_channel_name_is_refused() -> None:
    with pytest.raises(GroupNameInvalidError, match=r"\| looks like a letter or digit.*Leave it out"):
        clean_name("Set|")


def test_a_name_of_letters_that_only_look_like_punctuation_is_refused() -> None:
    with pytest.raises(GroupNameInvalidError, match="at least one letter or digit"):
        clean_name("\u01c3\u01c3")  # Latin letter retroflex click, the lookalike of "!"


@pytest.mark.parametrize("ref", ["id:\u00b2", "id:\u0661", "id:\uff17", "id:", "id:-1", "id:1234567890", "ID 7"])
def test_only_ascii_digits_make_a_group_id(ref: str) -> None:
    assert group_id_in(ref) is None


def test_an_autocomplete_value_is_a_group_id() -> None:
    assert group_id_in(" id:42 ") == 42


@pytest.mark.parametrize("ref", ["Set\x00A", "\u200b", "   ", "!!!"])
def test_a_typed_name_no_group_can_have_has_no_lookup_key(ref: str) -> None:
    assert lookup_key(ref) is None


def test_a_name_from_before_the_mention_rule_can_still_be_typed() -> None:
    assert lookup_key("<@&1> fans") == name_key("<@&1> fans")


def test_case_never_counts_even_where_a_capital_looks_like_another_letter() -> None:
    assert name_key("SET I") == name_key("set i")
    assert name_key("Set I") != name_key("Set l")  # the price: capital I and small l are told apart


def _unmarked(text: str) -> str:
    return text.replace("\u200e", "").replace("\u200f", "")


def _lookalikes() -> dict[str, list[str]]:
    """Each character's TR39 class-mates, straight from the library's data (a class is its partners' partners)."""
    graph: dict[str, set[str]] = {}
    for char, partners in confusables_data.items():
        graph.setdefault(_unmarked(char), set()).update(_unmarked(p["c"]) for p in partners)
    classes: dict[str, list[str]] = {}
    for char, partners in graph.items():
        if len(char) == 1:
            mates = set(partners) | {far for near in partners for far in graph.get(near, ())}
            # Capitals are left out: case is folded before the skeleton, so "I" counts as "i", not as its
            # lookalike "l" (see the test below); a capital's own lookalikes are covered by the examples above.
            # Lookalikes that NFKC changes are left out too: the stored name is the NFKC form, which may no
            # longer look alike (the lunate sigma becomes a final sigma); fullwidth forms are drawn separately.
            classes[char] = sorted(
                mate
                for mate in mates - {char}
                if mate.casefold() == mate and unicodedata.normalize("NFKC", mate) == mate
            )
    return classes


LOOKALIKES = _lookalikes()
LATIN_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 -", min_size=1, max_size=20)


@st.composite
def name_and_lookalike(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(LATIN_WORDS)
    swapped = []
    for char in name:
        mates = LOOKALIKES.get(char, [])
        if mates and draw(st.booleans()):
            swapped.append(draw(st.sampled_from(mates)))
        elif char.isascii() and char.isalnum() and draw(st.booleans()):
            swapped.append(chr(ord(char) + 0xFEE0))  # its fullwidth form
        else:
            swapped.append(char)
    return name, "".join(swapped)


@given(name_and_lookalike())
def test_property_a_name_and_its_lookalikes_are_one_name(pair: tuple[str, str]) -> None:
    name, lookalike = pair
    try:
        accepted = clean_name(name), clean_name(lookalike)
    except GroupNameInvalidError:
        assume(False)
        return
    assert name_key(accepted[0]) == name_key(accepted[1])


@given(st.text(min_size=1, max_size=50))
def test_property_a_normalised_name_is_stable(raw: str) -> None:
    try:
        name = clean_name(raw)
    except GroupNameInvalidError:
        return
    assert clean_name(name) == name
    assert name == unicodedata.normalize("NFKC", name)
    assert name_key(name) == name_key(raw) == lookup_key(name)
    key = name_key(name)
    assert key
    assert " " not in key
    assert len(key) <= 50


SEPARATORS_AND_SIGNS = st.sampled_from([" ", "-", "_", "  ", " - ", ".", ",", "'", "(", ")", "\u2013", "#"])


@given(st.lists(st.text(alphabet="abcxyz\u00e9\u0435", min_size=1, max_size=5), min_size=1, max_size=4), st.data())
def test_property_names_with_one_channel_name_are_one_name(words: list[str], data: st.DataObject) -> None:
    one = "".join(word + data.draw(SEPARATORS_AND_SIGNS) for word in words)
    other = "".join(word + data.draw(SEPARATORS_AND_SIGNS) for word in words)
    assume(channel_slug(clean_name(one)) == channel_slug(clean_name(other)))
    assert name_key(clean_name(one)) == name_key(clean_name(other))


def test_a_name_from_before_the_mention_rule_shows_as_text_not_as_a_pill() -> None:
    from cogs.groups._render import name, plain

    assert name("<@&123> fans") == "**\\<@&123> fans**"
    assert "<@" not in plain("<@123> and <#456>").replace("\\<", "")
