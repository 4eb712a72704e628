"""Group rules with no I/O: names, settings, access, facilitator rotation, splits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import FacilitatorChangeError, GroupNameInvalidError, SettingInvalidError, SplitInvalidError
from bot.domain.groups import (
    Access,
    GroupSettings,
    access_for,
    channel_slug,
    check_split,
    clean_name,
    name_key,
    next_facilitator,
)


def test_name_is_tidied() -> None:
    assert clean_name("  Set   A  ") == "Set A"


@pytest.mark.parametrize("raw", ["", "   ", "x" * 51, "bad\u200bname", "bell\x07", "!!!"])
def test_unusable_names_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(GroupNameInvalidError) as caught:
        clean_name(raw)
    assert caught.value.message.endswith(".")


def test_names_differing_in_case_and_spacing_are_the_same_group() -> None:
    assert name_key("Set  A") == name_key("set a")


def test_channel_slug_is_what_discord_accepts() -> None:
    assert channel_slug("Founders' Circle #2 @everyone") == "founders-circle-2-everyone"
    assert channel_slug("Café Groupe") == "café-groupe"


@given(st.text(min_size=1, max_size=50))
def test_every_accepted_name_has_a_channel_name(raw: str) -> None:
    try:
        name = clean_name(raw)
    except GroupNameInvalidError:
        return
    slug = channel_slug(name)
    assert slug
    assert len(slug) <= 100
    assert " " not in slug


def test_default_settings_follow_the_method() -> None:
    settings = GroupSettings()
    assert (settings.min_size, settings.max_size) == (2, 7)
    settings.check(member_count=7)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"min_size": 1}, "between 2 and 12"),
        ({"max_size": 13}, "between 2 and 12"),
        ({"min_size": 6, "max_size": 4}, "cannot be larger"),
        ({"turn_minutes": 0}, "Turn minutes must be between 1 and 15"),
        ({"rounds_per_meeting": 9}, "between 1 and 4"),
        ({"colour": "blue"}, "no setting called colour"),
    ],
)
def test_bad_settings_are_refused_with_what_to_do(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(SettingInvalidError) as caught:
        GroupSettings().changed(0, **changes)
    assert fragment in caught.value.message


def test_max_size_cannot_drop_below_the_members_there_are() -> None:
    with pytest.raises(SettingInvalidError) as caught:
        GroupSettings().changed(5, max_size=4)
    assert "has 5 members" in caught.value.message


def test_access_follows_standing() -> None:
    assert (
        access_for(is_active_member=True, rules_accepted=False, is_facilitator=False, archived=False) is Access.PENDING
    )
    assert access_for(is_active_member=True, rules_accepted=True, is_facilitator=False, archived=False) is Access.MEMBER
    assert access_for(is_active_member=False, rules_accepted=True, is_facilitator=False, archived=False) is Access.NONE
    assert access_for(is_active_member=False, rules_accepted=False, is_facilitator=True, archived=False) is (
        Access.FACILITATOR
    )
    assert access_for(is_active_member=True, rules_accepted=True, is_facilitator=False, archived=True) is Access.READ


def test_rotation_passes_the_role_in_join_order_and_wraps() -> None:
    assert next_facilitator(2, [1, 2, 3]) == 3
    assert next_facilitator(3, [1, 2, 3]) == 1
    assert next_facilitator(99, [1, 2, 3]) == 1


def test_rotation_needs_someone_eligible() -> None:
    with pytest.raises(FacilitatorChangeError):
        next_facilitator(1, [])


@given(st.integers(2, 12), st.integers(0, 12), st.integers(2, 6))
def test_a_split_is_allowed_exactly_when_both_halves_meet_the_minimum(size: int, leaving: int, minimum: int) -> None:
    members = list(range(1, size + 1))
    chosen = members[:leaving]
    valid = leaving >= minimum and size - leaving >= minimum
    if valid:
        check_split(members, chosen, minimum)
    else:
        with pytest.raises(SplitInvalidError):
            check_split(members, chosen, minimum)


def test_split_refuses_people_outside_the_group() -> None:
    with pytest.raises(SplitInvalidError) as caught:
        check_split([1, 2, 3, 4], [3, 9], 2)
    assert "Only members" in caught.value.message
