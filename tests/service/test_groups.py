"""Group set-up on a real database: what each use case stores and which Discord effects it queues."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import FixedClock
from bot.domain.effects import DirectNotice, Notify
from bot.domain.errors import (
    AlreadyMemberError,
    FacilitatorChangeError,
    GroupArchivedError,
    GroupChoiceNeededError,
    GroupFullError,
    GroupNameTakenError,
    GroupNotFoundError,
    JoinRequestNotFoundError,
    JoinRequestTooSoonError,
    NotFacilitatorError,
    NotMemberError,
    SettingInvalidError,
    SplitInvalidError,
)
from bot.domain.group_notices import JoinDeclined, JoinRequest
from bot.domain.groups import GroupStatus, VoiceKind
from bot.services.effects import EffectService
from bot.services.groups import Actor, GroupService
from tests.service.helpers import (
    ADMIN,
    FAC,
    FACILITATOR,
    GUILD,
    OTHER_GUILD,
    TEXT,
    accesses,
    add_members,
    make_group,
    notices,
    request_id,
)


async def test_creating_a_group_reserves_it_then_activates_it_with_a_welcome(groups: GroupService) -> None:
    reserved = await groups.begin_creation(GUILD, ADMIN, "  Set   A ", FACILITATOR, max_size=5, voice=VoiceKind.VOICE)
    assert reserved.status is GroupStatus.CREATING
    assert reserved.name == "Set A"
    outcome = await groups.complete_creation(GUILD, reserved.id, TEXT, 900_002)
    group = outcome.value
    assert group.status is GroupStatus.ACTIVE
    assert (group.text_channel_id, group.voice_channel_id, group.settings.max_size) == (TEXT, 900_002, 5)
    assert notices(outcome.effects) == [("welcome", FACILITATOR)]


async def test_only_server_managers_create_groups(groups: GroupService) -> None:
    with pytest.raises(NotFacilitatorError, match="Manage Server"):
        await groups.begin_creation(GUILD, Actor(5), "Set A", FACILITATOR)


async def test_names_are_unique_per_server_ignoring_case(groups: GroupService) -> None:
    await make_group(groups, "Set A")
    with pytest.raises(GroupNameTakenError, match="already a group called set a"):
        await groups.begin_creation(GUILD, ADMIN, "set a", FACILITATOR)
    other = await make_group(groups, "Set A", guild=OTHER_GUILD, text=TEXT + 1)
    assert other.guild_id == OTHER_GUILD


async def test_an_abandoned_creation_frees_the_name(groups: GroupService) -> None:
    reserved = await groups.begin_creation(GUILD, ADMIN, "Set A", FACILITATOR)
    await groups.abandon_creation(GUILD, reserved.id)
    again = await groups.begin_creation(GUILD, ADMIN, "Set A", FACILITATOR)
    assert again.id != reserved.id, "a deleted group's id must never be reused (buttons carry ids)"


async def test_creations_left_by_another_process_are_stale(
    groups: GroupService, uow: UnitOfWorkFactory, clock: FixedClock
) -> None:
    mine = await groups.begin_creation(GUILD, ADMIN, "Mine", FACILITATOR)
    earlier = GroupService(uow, clock, instance_id="killed-process")
    theirs = await earlier.begin_creation(GUILD, ADMIN, "Theirs", FACILITATOR)
    assert [group.id for group in await groups.stale_creations(GUILD)] == [theirs.id]
    assert mine.id not in [group.id for group in await groups.stale_creations(GUILD)]


async def test_a_half_created_group_cannot_be_used(groups: GroupService) -> None:
    reserved = await groups.begin_creation(GUILD, ADMIN, "Set A", FACILITATOR)
    with pytest.raises(GroupNotFoundError):
        await groups.add_member(GUILD, ADMIN, reserved.id, 20)


async def test_an_added_member_sees_the_channel_but_posts_only_after_accepting_the_rules(
    groups: GroupService, clock: FixedClock
) -> None:
    group = await make_group(groups)
    added = await groups.add_member(GUILD, FAC, group.id, 20)
    assert accesses(added.effects) == [(20, "pending")]
    assert notices(added.effects) == [("rules_prompt", 20)]
    clock.moment += timedelta(minutes=5)
    accepted = await groups.accept_ground_rules(GUILD, 20, group.id)
    assert accepted.value is True
    assert accesses(accepted.effects) == [(20, "member")]
    info = await groups.info(GUILD, Actor(20), group.id)
    assert info.members[0].rules_accepted_at == clock.moment


async def test_accepting_twice_changes_nothing(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    again = await groups.accept_ground_rules(GUILD, 20, group.id)
    assert again.value is False
    assert notices(again.effects) == []
    assert accesses(again.effects) == [(20, "member")], "a second click repairs access Discord may have missed"


async def test_only_members_accept_a_groups_rules(groups: GroupService) -> None:
    group = await make_group(groups)
    with pytest.raises(NotMemberError, match="not one"):
        await groups.accept_ground_rules(GUILD, 99, group.id)


async def test_only_the_facilitator_or_a_server_manager_adds_members(groups: GroupService) -> None:
    group = await make_group(groups)
    with pytest.raises(NotFacilitatorError, match="Only the facilitator of Set A"):
        await groups.add_member(GUILD, Actor(30), group.id, 20)
    await groups.add_member(GUILD, ADMIN, group.id, 20)


async def test_the_maximum_size_is_enforced_with_a_clear_message(groups: GroupService) -> None:
    group = await make_group(groups, max_size=3)
    await add_members(groups, group, 20, 21, 22)
    with pytest.raises(GroupFullError, match=r"Set A is full \(3 of 3 members\)"):
        await groups.add_member(GUILD, FAC, group.id, 23)


async def test_adding_a_member_twice_is_refused(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    with pytest.raises(AlreadyMemberError):
        await groups.add_member(GUILD, FAC, group.id, 20)


async def test_a_person_may_belong_to_several_groups(groups: GroupService) -> None:
    first = await make_group(groups, "Set A")
    second = await make_group(groups, "Set B", text=TEXT + 1)
    await add_members(groups, first, 20)
    await add_members(groups, second, 20)
    for group in (first, second):
        assert [member.user_id for member in (await groups.info(GUILD, Actor(20), group.id)).members] == [20]


async def test_join_request_goes_to_the_facilitator_and_approval_admits(groups: GroupService) -> None:
    group = await make_group(groups)
    requested = await groups.request_to_join(GUILD, 40, group.id)
    (post,) = [item.effect for item in requested.effects]
    assert isinstance(post, Notify)
    assert isinstance(post.notice, JoinRequest)
    assert (post.notice.user_id, post.notice.facilitator_id) == (40, FACILITATOR)
    approved = await groups.answer_join_request(GUILD, FAC, post.notice.membership_id, approve=True)
    assert approved.value.status.value == "active"
    assert accesses(approved.effects) == [(40, "pending")]
    assert notices(approved.effects) == [("rules_prompt", 40)]


async def test_a_join_request_is_answered_once(groups: GroupService) -> None:
    group = await make_group(groups)
    requested = await groups.request_to_join(GUILD, 40, group.id)
    rid = request_id(requested.effects)
    await groups.answer_join_request(GUILD, FAC, rid, approve=False)
    with pytest.raises(JoinRequestNotFoundError, match="already been answered"):
        await groups.answer_join_request(GUILD, FAC, rid, approve=True)


async def test_repeated_approval_clicks_have_one_effect(groups: GroupService) -> None:
    group = await make_group(groups)
    requested = await groups.request_to_join(GUILD, 40, group.id)
    rid = request_id(requested.effects)
    results = await asyncio.gather(
        *(groups.answer_join_request(GUILD, FAC, rid, approve=True) for _ in range(10)), return_exceptions=True
    )
    succeeded = [result for result in results if not isinstance(result, BaseException)]
    refused = [result for result in results if isinstance(result, JoinRequestNotFoundError)]
    assert (len(succeeded), len(refused)) == (1, 9)
    info = await groups.info(GUILD, FAC, group.id)
    assert [member.user_id for member in info.members] == [40]


async def test_a_forged_request_id_from_another_server_is_refused(groups: GroupService) -> None:
    group = await make_group(groups)
    requested = await groups.request_to_join(GUILD, 40, group.id)
    rid = request_id(requested.effects)
    with pytest.raises(JoinRequestNotFoundError):
        await groups.answer_join_request(OTHER_GUILD, ADMIN, rid, approve=True)


async def test_asking_twice_or_when_already_in_is_refused(groups: GroupService) -> None:
    group = await make_group(groups)
    await groups.request_to_join(GUILD, 40, group.id)
    with pytest.raises(AlreadyMemberError, match="already asked"):
        await groups.request_to_join(GUILD, 40, group.id)
    await add_members(groups, group, 41)
    with pytest.raises(AlreadyMemberError, match="already a member"):
        await groups.request_to_join(GUILD, 41, group.id)


async def test_a_full_group_refuses_join_requests(groups: GroupService) -> None:
    group = await make_group(groups, max_size=2)
    await add_members(groups, group, 20, 21)
    with pytest.raises(GroupFullError):
        await groups.request_to_join(GUILD, 40, group.id)


async def test_leaving_removes_access_and_says_so(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    left = await groups.leave(GUILD, 20, group.id)
    assert accesses(left.effects) == [(20, "none")]
    assert notices(left.effects) == [("member_left", 20)]
    with pytest.raises(NotMemberError):
        await groups.leave(GUILD, 20, group.id)


async def test_leaving_withdraws_a_pending_request(groups: GroupService) -> None:
    group = await make_group(groups)
    await groups.request_to_join(GUILD, 40, group.id)
    await groups.leave(GUILD, 40, group.id)
    assert (await groups.info(GUILD, FAC, group.id)).requests == []


async def test_the_facilitator_hands_over_before_leaving(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, FACILITATOR)
    with pytest.raises(FacilitatorChangeError, match="appoint"):
        await groups.leave(GUILD, FACILITATOR, group.id)


async def test_removing_a_member_revokes_access_and_reports_the_count(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21)
    removed = await groups.remove_member(GUILD, FAC, group.id, 21)
    assert (removed.value.remaining, removed.value.below_minimum) == (1, True)
    assert accesses(removed.effects) == [(21, "none")]


async def test_appointing_moves_facilitator_access(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    outcome = await groups.appoint_facilitator(GUILD, FAC, group.id, 20)
    assert outcome.value.facilitator_id == 20
    assert accesses(outcome.effects) == [(FACILITATOR, "none"), (20, "facilitator")]
    with pytest.raises(NotFacilitatorError):
        await groups.appoint_facilitator(GUILD, FAC, group.id, FACILITATOR)


async def test_rotation_goes_through_members_who_accepted_the_rules(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21)
    await add_members(groups, group, 22, accept=False)
    first = await groups.rotate_facilitator(GUILD, FAC, group.id)
    second = await groups.rotate_facilitator(GUILD, Actor(20), group.id)
    third = await groups.rotate_facilitator(GUILD, Actor(21), group.id)
    assert [first.value.facilitator_id, second.value.facilitator_id, third.value.facilitator_id] == [20, 21, 20]


async def test_moving_keeps_the_ground_rules_acceptance(groups: GroupService) -> None:
    source = await make_group(groups, "Set A")
    target = await make_group(groups, "Set B", text=TEXT + 1)
    await add_members(groups, source, 20)
    moved = await groups.move_member(GUILD, FAC, source.id, 20, target.id)
    assert accesses(moved.effects) == [(20, "none"), (20, "member")]
    assert ("member_moved_in", 20) in notices(moved.effects)
    assert [m.user_id for m in (await groups.info(GUILD, FAC, target.id)).members] == [20]
    assert (await groups.info(GUILD, FAC, source.id)).members == []


async def test_moving_into_a_full_group_is_refused_and_changes_nothing(groups: GroupService) -> None:
    source = await make_group(groups, "Set A")
    target = await make_group(groups, "Set B", text=TEXT + 1, max_size=2)
    await add_members(groups, source, 20)
    await add_members(groups, target, 30, 31)
    with pytest.raises(GroupFullError):
        await groups.move_member(GUILD, FAC, source.id, 20, target.id)
    assert [m.user_id for m in (await groups.info(GUILD, FAC, source.id)).members] == [20]


async def test_a_split_moves_the_chosen_members_into_a_new_group(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21, 22, 23)
    new = await groups.begin_split(GUILD, FAC, group.id, "Set A2", [22, 23])
    outcome = await groups.complete_split(GUILD, FAC, group.id, new.id, (TEXT + 5, None), [22, 23])
    assert (outcome.value.status, outcome.value.facilitator_id) == (GroupStatus.ACTIVE, FACILITATOR)
    assert [m.user_id for m in (await groups.info(GUILD, FAC, group.id)).members] == [20, 21]
    assert [m.user_id for m in (await groups.info(GUILD, FAC, new.id)).members] == [22, 23]
    assert ("split", None) in notices(outcome.effects)


async def test_a_split_that_leaves_a_group_too_small_is_refused(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21, 22)
    with pytest.raises(SplitInvalidError, match="at least 2 members"):
        await groups.begin_split(GUILD, FAC, group.id, "Set A2", [22])


async def test_settings_change_together_or_not_at_all(groups: GroupService) -> None:
    group = await make_group(groups)
    updated = await groups.update_settings(GUILD, FAC, group.id, {"max_size": 5, "turn_minutes": 4})
    assert (updated.settings.max_size, updated.settings.turn_minutes) == (5, 4)
    with pytest.raises(SettingInvalidError):
        await groups.update_settings(GUILD, FAC, group.id, {"rounds_per_meeting": 3, "min_size": 9})
    unchanged = await groups.resolve(GUILD, f"id:{group.id}", None)
    assert unchanged.settings.rounds_per_meeting == 2


async def test_archiving_makes_everything_read_only(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    await groups.request_to_join(GUILD, 40, group.id)
    archived = await groups.archive(GUILD, FAC, group.id)
    assert archived.value.archived
    assert sorted(accesses(archived.effects)) == [(FACILITATOR, "read"), (20, "read")]
    assert (await groups.info(GUILD, FAC, group.id)).requests == []
    with pytest.raises(GroupArchivedError):
        await groups.add_member(GUILD, FAC, group.id, 21)


async def test_details_are_for_members_only(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    assert (await groups.info(GUILD, Actor(20), group.id)).group.name == "Set A"
    with pytest.raises(NotMemberError, match="Only members of Set A"):
        await groups.info(GUILD, Actor(77), group.id)


async def test_a_group_is_found_by_id_name_or_channel_within_its_server_only(groups: GroupService) -> None:
    group = await make_group(groups)
    assert (await groups.resolve(GUILD, f"id:{group.id}", None)).id == group.id
    assert (await groups.resolve(GUILD, "set a", None)).id == group.id
    assert (await groups.resolve(GUILD, None, TEXT)).id == group.id
    with pytest.raises(GroupNotFoundError):
        await groups.resolve(OTHER_GUILD, f"id:{group.id}", None)
    with pytest.raises(GroupChoiceNeededError):
        await groups.resolve(GUILD, None, 12345)


async def test_concurrent_adds_never_pass_the_maximum(groups: GroupService) -> None:
    group = await make_group(groups, max_size=3)
    results = await asyncio.gather(
        *(groups.add_member(GUILD, FAC, group.id, 100 + n) for n in range(10)), return_exceptions=True
    )
    assert sum(not isinstance(result, BaseException) for result in results) == 3
    assert all(isinstance(result, GroupFullError) for result in results if isinstance(result, BaseException))


async def test_effects_stay_queued_until_done(groups: GroupService, effects: EffectService) -> None:
    group = await make_group(groups)
    added = await groups.add_member(GUILD, FAC, group.id, 20)
    pending = await effects.pending([GUILD])
    assert [item.id for item in pending][-2:] == [item.id for item in added.effects]
    await effects.done([item.id for item in pending])
    assert await effects.pending([GUILD]) == []
    assert await effects.pending([OTHER_GUILD]) == []


async def test_an_effect_that_keeps_failing_is_given_up_after_five_tries(
    groups: GroupService, effects: EffectService
) -> None:
    await make_group(groups)
    (welcome,) = await effects.pending([GUILD])
    for _ in range(5):
        await effects.failed(welcome)
    assert await effects.pending([GUILD]) == []


async def test_a_declined_request_is_told_to_the_person_directly(groups: GroupService) -> None:
    group = await make_group(groups)
    requested = await groups.request_to_join(GUILD, 40, group.id)
    rid = request_id(requested.effects)
    declined = await groups.answer_join_request(GUILD, FAC, rid, approve=False)
    (message,) = [item.effect for item in declined.effects]
    assert isinstance(message, DirectNotice)
    assert (message.user_id, message.notice) == (40, JoinDeclined("Set A"))


async def test_the_rules_of_an_archived_group_cannot_be_accepted(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, accept=False)
    await groups.archive(GUILD, FAC, group.id)
    with pytest.raises(GroupArchivedError):
        await groups.accept_ground_rules(GUILD, 20, group.id)


async def test_a_typed_number_is_a_name_not_an_id(groups: GroupService) -> None:
    first = await make_group(groups, "Set A")
    await make_group(groups, str(first.id), text=TEXT + 1)
    assert (await groups.resolve(GUILD, str(first.id), None)).name == str(first.id)
    assert (await groups.resolve(GUILD, f"id:{first.id}", None)).name == "Set A"


async def test_asking_again_right_after_a_decline_or_withdrawal_waits_a_day(
    groups: GroupService, clock: FixedClock
) -> None:
    group = await make_group(groups)
    requested = await groups.request_to_join(GUILD, 40, group.id)
    await groups.answer_join_request(GUILD, FAC, request_id(requested.effects), approve=False)
    with pytest.raises(JoinRequestTooSoonError, match="less than a day ago"):
        await groups.request_to_join(GUILD, 40, group.id)
    await groups.request_to_join(GUILD, 41, group.id)
    await groups.leave(GUILD, 41, group.id)
    with pytest.raises(JoinRequestTooSoonError):
        await groups.request_to_join(GUILD, 41, group.id)
    clock.moment += timedelta(days=1, minutes=1)
    await groups.request_to_join(GUILD, 40, group.id)


async def test_a_member_who_left_may_ask_to_come_back_at_once(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    await groups.leave(GUILD, 20, group.id)
    await groups.request_to_join(GUILD, 20, group.id)


async def test_two_creations_with_one_name_at_once_give_one_group(groups: GroupService) -> None:
    results = await asyncio.gather(
        *(groups.begin_creation(GUILD, ADMIN, "Set A", FACILITATOR) for _ in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(result, BaseException) for result in results) == 1
    assert all(isinstance(r, GroupNameTakenError) for r in results if isinstance(r, BaseException))


async def test_opposite_moves_at_once_do_not_deadlock(groups: GroupService) -> None:
    first = await make_group(groups, "Set A")
    second = await make_group(groups, "Set B", text=TEXT + 1)
    await add_members(groups, first, 20, 21, 22)
    await add_members(groups, second, 30, 31, 32)
    for n in range(3):
        results = await asyncio.gather(
            groups.move_member(GUILD, FAC, first.id, 20 + n, second.id),
            groups.move_member(GUILD, FAC, second.id, 30 + n, first.id),
            return_exceptions=True,
        )
        assert [type(result).__name__ for result in results] == ["Outcome", "Outcome"]
