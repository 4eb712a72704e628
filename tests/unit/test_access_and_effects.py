"""Access that knows the floor, membership changes through the domain, and effects as typed, registered values."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.due import DueKey
from bot.domain.effects import (
    Answer,
    DirectNotice,
    Effect,
    Notice,
    Notify,
    SetAccess,
    SetMute,
    SyncMeetingEvent,
    SyncStage,
    effect_from_payload,
    effect_kind,
    effect_to_payload,
    notice_from_payload,
    notice_to_payload,
)
from bot.domain.group_notices import GROUP_NOTICES, GroupNotice, RequestOutcome, Welcome
from bot.domain.groups import MEMBERSHIP_CHANGES, Access, Floor, MembershipStatus, access_for, membership_change

POSTS = {Access.MEMBER, Access.FACILITATOR}
standings = st.fixed_dictionaries(
    {
        "is_active_member": st.booleans(),
        "rules_accepted": st.booleans(),
        "is_facilitator": st.booleans(),
        "archived": st.booleans(),
    }
)


@given(standings)
def test_a_listener_never_posts_and_the_facilitator_always_does_in_a_live_group(standing: dict[str, bool]) -> None:
    access = access_for(**standing, floor=Floor.LISTENING)
    if standing["is_facilitator"]:
        assert access is (Access.READ if standing["archived"] else Access.FACILITATOR)
    else:
        assert access not in POSTS


@given(standings)
def test_the_speaker_posts_exactly_as_a_member_does_with_no_meeting(standing: dict[str, bool]) -> None:
    assert access_for(**standing, floor=Floor.SPEAKING) is access_for(**standing, floor=Floor.NO_MEETING)


@given(standings, st.sampled_from(Floor))
def test_the_floor_never_lets_in_anyone_who_is_not_a_member(standing: dict[str, bool], floor: Floor) -> None:
    if not standing["is_active_member"] and not standing["is_facilitator"]:
        assert access_for(**standing, floor=floor) is Access.NONE
    if standing["archived"]:
        assert access_for(**standing, floor=floor) in {Access.READ, Access.NONE}


def test_a_member_who_has_not_accepted_the_rules_stays_pending_whoever_has_the_floor() -> None:
    for floor in Floor:
        access = access_for(
            is_active_member=True, rules_accepted=False, is_facilitator=False, archived=False, floor=floor
        )
        assert access is Access.PENDING


@given(st.sampled_from([None, *MembershipStatus]), st.sampled_from(MembershipStatus))
def test_a_membership_changes_only_as_the_method_allows(
    current: MembershipStatus | None, new: MembershipStatus
) -> None:
    if new in MEMBERSHIP_CHANGES[current]:
        assert membership_change(current, new) is new
    else:
        with pytest.raises(ValueError, match="cannot go from"):
            membership_change(current, new)


def test_nobody_is_a_member_twice_or_answers_a_request_they_never_made() -> None:
    with pytest.raises(ValueError, match="cannot go from"):
        membership_change(MembershipStatus.ACTIVE, MembershipStatus.ACTIVE)
    with pytest.raises(ValueError, match="cannot go from"):
        membership_change(MembershipStatus.LEFT, MembershipStatus.DECLINED)
    with pytest.raises(ValueError, match="cannot go from"):
        membership_change(None, MembershipStatus.MOVED)


def test_a_notice_kind_can_be_registered_only_once() -> None:
    with pytest.raises(TypeError, match="registered twice"):

        @dataclasses.dataclass(frozen=True)
        class Impostor(Notice, kind="group.welcome"):
            group: str


_FIELD_VALUES: dict[str, st.SearchStrategy[object]] = {
    "int": st.integers(min_value=1, max_value=2**63 - 1),
    "int | None": st.none() | st.integers(min_value=1, max_value=2**63 - 1),
    "str": st.text(max_size=50),
    "bool": st.booleans(),
    "RequestOutcome": st.sampled_from(typing.get_args(RequestOutcome)),
}


def _notices() -> st.SearchStrategy[GroupNotice]:
    return st.one_of(
        *(
            st.builds(kind, **{f.name: _FIELD_VALUES[str(f.type)] for f in dataclasses.fields(kind)})  # type: ignore[arg-type]
            for kind in GROUP_NOTICES
        )
    )


@given(_notices())
def test_every_group_notice_survives_storage_as_itself(notice: GroupNotice) -> None:
    assert notice_from_payload(notice_to_payload(notice)) == notice


@given(
    st.one_of(
        st.builds(
            Notify, st.integers(1, 10**6), st.integers(1, 10**18), _notices(), st.none() | st.integers(1, 10**18)
        ),
        st.builds(DirectNotice, st.integers(1, 10**6), st.integers(1, 10**18), _notices()),
        st.builds(Answer, st.none() | st.integers(1, 10**6), st.text(min_size=1), st.text(), st.tuples(_notices())),
        st.builds(
            SetAccess,
            st.integers(1, 10**6),
            st.integers(1, 10**18),
            st.none() | st.integers(1, 10**18),
            st.integers(1, 10**18),
            st.sampled_from(Access),
        ),
        st.builds(SyncMeetingEvent, st.integers(1, 10**6), st.none() | st.integers(1, 10**18)),
        st.builds(SetMute, st.integers(1, 10**6), st.integers(1, 10**18), st.integers(1, 10**18), st.booleans()),
        st.builds(SyncStage, st.integers(1, 10**6), st.integers(1, 10**6)),
    )
)
def test_every_effect_survives_storage_as_itself(effect: Effect) -> None:
    assert effect_from_payload(effect_kind(effect), effect_to_payload(effect)) == effect


def test_an_unknown_notice_kind_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="unknown notice kind"):
        notice_from_payload({"kind": "group.nonsense"})
    assert notice_from_payload(notice_to_payload(Welcome("Set A", 10))) == Welcome("Set A", 10)


def test_due_work_needs_an_aware_time_a_subject_and_a_kind() -> None:
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert DueKey("group:1", "reminder", moment).due_at == moment
    with pytest.raises(ValueError, match="aware time"):
        DueKey("group:1", "reminder", moment.replace(tzinfo=None))
    for subject, kind in (("", "reminder"), ("group:1", "")):
        with pytest.raises(ValueError, match="a subject and a kind"):
            DueKey(subject, kind, moment)
