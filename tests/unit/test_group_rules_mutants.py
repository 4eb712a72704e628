"""Group rules at their edges and in their exact words: each test kills mutants that the broader tests let live."""

from __future__ import annotations

import pytest

from bot.domain.errors import FacilitatorChangeError, SettingInvalidError, SplitInvalidError
from bot.domain.groups import RANGES, GroupSettings, check_split, next_facilitator


@pytest.mark.parametrize("name", sorted(RANGES))
def test_the_top_of_each_settings_range_is_allowed(name: str) -> None:
    settings = GroupSettings().changed(0, **{"max_size": RANGES["max_size"].high, name: RANGES[name].high})
    assert getattr(settings, name) == RANGES[name].high


def test_several_unknown_settings_are_all_named() -> None:
    with pytest.raises(SettingInvalidError, match=r"^There is no setting called colour, volume\.$"):
        GroupSettings().changed(0, volume=3, colour="red")


def test_too_small_a_maximum_says_to_move_or_remove_members() -> None:
    with pytest.raises(SettingInvalidError, match="Move or remove members first, or choose a larger maximum"):
        GroupSettings().changed(6, max_size=5)


def test_rotation_with_nobody_eligible_says_who_can_take_the_role() -> None:
    with pytest.raises(FacilitatorChangeError, match=r"^Nobody can take the role yet: rotation picks from members"):
        next_facilitator(10, [])


def test_a_split_choosing_nobody_asks_for_some_members() -> None:
    with pytest.raises(SplitInvalidError, match=r"^Choose some members, but not all of them"):
        check_split([1, 2, 3, 4], [], 2)


def test_a_split_choosing_everyone_asks_for_some_members_not_all() -> None:
    with pytest.raises(SplitInvalidError, match=r"^Choose some members, but not all of them"):
        check_split([1, 2, 3, 4], [1, 2, 3, 4], 2)


def test_a_split_choosing_strangers_says_only_members_can_move() -> None:
    with pytest.raises(SplitInvalidError, match=r"^Only members of this group can be moved to the new group\.$"):
        check_split([1, 2, 3, 4], [1, 9], 2)
