"""Group use cases in their exact answers and effects: each test kills mutants that the broader tests let live."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.effects import Answer, Notify
from bot.domain.errors import AlreadyMemberError, FacilitatorChangeError, SettingInvalidError
from bot.domain.group_notices import Archived, JoinRequestClosed, Split, Welcome
from bot.services.effects import EffectService, answering
from bot.services.groups import GroupService
from tests.service.helpers import (
    ADMIN,
    FAC,
    FACILITATOR,
    GUILD,
    TEXT,
    accesses,
    add_members,
    make_group,
    notices,
    request_id,
)


async def test_a_split_reservation_remembers_the_command_to_answer(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21, 22, 23)
    new = await groups.begin_split(GUILD, FAC, group.id, "Set A2", [22, 23], reply_token="token-9")
    assert new.creation_reply_token == "token-9"


async def test_abandoning_a_group_that_is_not_there_does_nothing(groups: GroupService) -> None:
    await groups.abandon_creation(GUILD, 999)
    assert await groups.stale_creations(GUILD) == []


async def test_a_facilitator_removing_themselves_is_told_to_hand_the_role_on(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, FACILITATOR)
    with pytest.raises(FacilitatorChangeError, match=r"^You facilitate Set A\. Hand the role on first"):
        await groups.remove_member(GUILD, FAC, group.id, FACILITATOR)


async def test_a_manager_removing_the_facilitator_is_told_they_must_hand_over(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, FACILITATOR)
    with pytest.raises(FacilitatorChangeError, match=f"^<@{FACILITATOR}> facilitates Set A"):
        await groups.remove_member(GUILD, ADMIN, group.id, FACILITATOR)


async def test_a_facilitator_moving_themselves_is_told_to_hand_the_role_on(groups: GroupService) -> None:
    source = await make_group(groups, "Set A")
    target = await make_group(groups, "Set B", text=TEXT + 1)
    await add_members(groups, source, FACILITATOR)
    with pytest.raises(FacilitatorChangeError, match=r"^You facilitate Set A"):
        await groups.move_member(GUILD, FAC, source.id, FACILITATOR, target.id)


async def test_a_group_left_at_exactly_its_minimum_is_not_below_it(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21, 22)
    removal = await groups.remove_member(GUILD, FAC, group.id, 22)
    assert (removal.value.remaining, removal.value.below_minimum) == (2, False)


async def test_recording_the_post_of_an_unknown_request_queues_nothing(groups: GroupService) -> None:
    assert await groups.record_request_post(999, 777) == []


async def test_a_request_whose_person_was_added_then_removed_closes_its_post_as_added(groups: GroupService) -> None:
    group = await make_group(groups)
    asked = await groups.request_to_join(GUILD, 40, group.id)
    await groups.add_member(GUILD, FAC, group.id, 40)
    await groups.remove_member(GUILD, FAC, group.id, 40)
    closed = await groups.record_request_post(request_id(asked.effects), 777)
    assert [e.effect.notice for e in closed] == [JoinRequestClosed("Set A", 40, "added")]  # type: ignore[union-attr]


async def test_rotating_when_only_the_facilitator_is_eligible_says_nobody_else_can_take_it(
    groups: GroupService,
) -> None:
    group = await make_group(groups)
    await add_members(groups, group, FACILITATOR)
    with pytest.raises(FacilitatorChangeError, match=r"^There is nobody else to rotate to yet; the role stays"):
        await groups.rotate_facilitator(GUILD, FAC, group.id)


async def test_rotating_moves_channel_access_and_says_who_facilitates(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    rotated = await groups.rotate_facilitator(GUILD, FAC, group.id)
    assert accesses(rotated.effects) == [(FACILITATOR, "none"), (20, "facilitator")]
    assert notices(rotated.effects) == [("facilitator_changed", 20)]


async def test_a_facilitator_who_is_a_member_stays_a_member_after_handing_over(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, FACILITATOR, 20)
    appointed = await groups.appoint_facilitator(GUILD, FAC, group.id, 20)
    assert accesses(appointed.effects) == [(FACILITATOR, "member"), (20, "facilitator")]


async def test_appointing_the_current_facilitator_says_they_already_are(groups: GroupService) -> None:
    group = await make_group(groups)
    with pytest.raises(FacilitatorChangeError, match=f"^<@{FACILITATOR}> already facilitates Set A"):
        await groups.appoint_facilitator(GUILD, ADMIN, group.id, FACILITATOR)


async def test_moving_someone_to_the_group_they_are_in_says_so(groups: GroupService) -> None:
    group = await make_group(groups)
    with pytest.raises(AlreadyMemberError, match=r"^That is the group they are in already; choose another group"):
        await groups.move_member(GUILD, FAC, group.id, 20, group.id)


async def test_a_split_tells_both_groups_quietly_moves_people_and_keeps_their_acceptance(
    groups: GroupService,
) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21, 22, 23)
    new = await groups.begin_split(GUILD, FAC, group.id, "Set A2", [22, 23])
    outcome = await groups.complete_split(GUILD, FAC, group.id, new.id, (TEXT + 5, None), [22, 23])
    assert accesses(outcome.effects) == [(22, "none"), (22, "member"), (23, "none"), (23, "member")]
    announced = [(e.effect.group_id, e.effect.notice) for e in outcome.effects if isinstance(e.effect, Notify)]
    assert announced == [
        (group.id, Split("Set A", "Set A2")),
        (new.id, Welcome("Set A2", FACILITATOR)),
    ], "no one-by-one moved-out notices, the split said once, the new group welcomed"


async def test_settings_are_found_by_the_channel_the_command_ran_in(groups: GroupService) -> None:
    group = await make_group(groups)
    updated = await groups.update_settings(GUILD, FAC, None, {"turn_minutes": 4}, channel_id=TEXT)
    assert (updated.id, updated.settings.turn_minutes) == (group.id, 4)


async def test_settings_cannot_set_a_maximum_below_the_members_there_are(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21, 22)
    with pytest.raises(SettingInvalidError, match="The group has 3 members"):
        await groups.update_settings(GUILD, FAC, group.id, {"max_size": 2})


async def test_a_settings_change_made_for_a_command_commits_how_to_answer_it(
    groups: GroupService, effects: EffectService
) -> None:
    group = await make_group(groups)

    async def change_for_a_command() -> None:
        answering("token-3", "group settings")
        await groups.update_settings(GUILD, FAC, group.id, {"turn_minutes": 4})

    await asyncio.create_task(change_for_a_command())
    answers = [item.effect for item in await effects.pending([GUILD]) if isinstance(item.effect, Answer)]
    assert [(answer.token, answer.group_id) for answer in answers] == [("token-3", None)]


async def test_archiving_tells_the_channel_who_archived_it(groups: GroupService) -> None:
    group = await make_group(groups)
    archived = await groups.archive(GUILD, ADMIN, group.id)
    posted = [e.effect.notice for e in archived.effects if isinstance(e.effect, Notify)]
    assert Archived("Set A", ADMIN.user_id) in posted
