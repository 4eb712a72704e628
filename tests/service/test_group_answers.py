"""Every answer true for who reads it: full groups, facilitators who go, join requests however they are answered."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.effects import Answer, DirectNotice, Notify
from bot.domain.errors import (
    FacilitatorChangeError,
    GroupArchivedError,
    GroupFullError,
    NotFacilitatorError,
    NotMemberError,
)
from bot.domain.group_notices import JoinDeclined, JoinRequestClosed, MemberRemoved
from bot.services.effects import EffectService, answering
from bot.services.groups import Actor, GroupService, GroupView
from tests.service.helpers import ADMIN, FAC, FACILITATOR, GUILD, TEXT, add_members, make_group
from tests.service.helpers import request_id as requested_id

POST = 777_000


async def _request(groups: GroupService, group: GroupView, user_id: int, *, posted: bool = True) -> int:
    """A join request, with its post recorded as the applier does once Discord has it."""
    outcome = await groups.request_to_join(GUILD, user_id, group.id)
    request_id = requested_id(outcome.effects)
    if posted:
        assert await groups.record_request_post(request_id, POST + user_id) == []
    return request_id


def _closings(effects: list[object]) -> list[tuple[int | None, str, str | None]]:
    """(post edited, outcome, by) for every join-request post an outcome closes."""
    return [
        (e.edit_message_id, e.notice.outcome, str(e.notice.by) if e.notice.by else None)
        for e in (item.effect for item in effects)  # type: ignore[attr-defined]
        if isinstance(e, Notify) and isinstance(e.notice, JoinRequestClosed)
    ]


async def test_a_full_group_tells_a_member_to_ask_the_facilitator(groups: GroupService) -> None:
    group = await make_group(groups, max_size=2)
    await add_members(groups, group, 20, 21)
    with pytest.raises(GroupFullError, match="Ask its facilitator about another group"):
        await groups.request_to_join(GUILD, 40, group.id)


async def test_a_full_group_tells_the_facilitator_how_to_make_room(groups: GroupService) -> None:
    group = await make_group(groups, max_size=2)
    other = await make_group(groups, "Set B", text=TEXT + 1)
    await add_members(groups, other, 30)
    request_id = await _request(groups, group, 40)
    await add_members(groups, group, 20, 21)
    attempts = [
        groups.add_member(GUILD, FAC, group.id, 22),
        groups.move_member(GUILD, FAC, other.id, 30, group.id),
        groups.answer_join_request(GUILD, FAC, request_id, approve=True),
    ]
    for attempt in attempts:
        with pytest.raises(GroupFullError) as refused:
            await attempt
        assert "Raise its maximum with /group settings" in refused.value.message
        assert "Ask its facilitator" not in refused.value.message


@pytest.mark.parametrize("by", [FAC, ADMIN])
async def test_the_facilitator_cannot_be_removed_or_moved_while_facilitating(groups: GroupService, by: Actor) -> None:
    group = await make_group(groups)
    other = await make_group(groups, "Set B", text=TEXT + 1)
    await add_members(groups, group, FACILITATOR, 20)
    with pytest.raises(FacilitatorChangeError, match="Hand the role on first"):
        await groups.remove_member(GUILD, by, group.id, FACILITATOR)
    with pytest.raises(FacilitatorChangeError, match="Hand the role on first"):
        await groups.move_member(GUILD, by, group.id, FACILITATOR, other.id)
    with pytest.raises(FacilitatorChangeError, match="Hand the role on first"):
        await groups.leave(GUILD, FACILITATOR, group.id)
    info = await groups.info(GUILD, FAC, group.id)
    assert {member.user_id for member in info.members} == {FACILITATOR, 20}


async def test_once_the_role_is_handed_on_the_former_facilitator_can_be_removed(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, FACILITATOR, 20)
    await groups.appoint_facilitator(GUILD, FAC, group.id, 20)
    removal = await groups.remove_member(GUILD, Actor(20), group.id, FACILITATOR)
    assert removal.value.remaining == 1


async def test_withdrawing_a_request_is_not_leaving_and_closes_its_post(groups: GroupService) -> None:
    group = await make_group(groups)
    await _request(groups, group, 40)
    outcome = await groups.leave(GUILD, 40, group.id)
    assert outcome.value.withdrew
    assert _closings(outcome.effects) == [(POST + 40, "withdrawn", None)]


async def test_leaving_as_a_member_is_not_a_withdrawal(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    outcome = await groups.leave(GUILD, 20, group.id)
    assert not outcome.value.withdrew
    assert _closings(outcome.effects) == []


async def test_answering_a_request_by_button_closes_its_post_with_who_answered(groups: GroupService) -> None:
    group = await make_group(groups)
    yes, no = await _request(groups, group, 40), await _request(groups, group, 41)
    approved = await groups.answer_join_request(GUILD, FAC, yes, approve=True)
    declined = await groups.answer_join_request(GUILD, FAC, no, approve=False)
    assert _closings(approved.effects) == [(POST + 40, "approved", str(FACILITATOR))]
    assert _closings(declined.effects) == [(POST + 41, "declined", str(FACILITATOR))]


async def test_adding_someone_who_asked_closes_their_request(groups: GroupService) -> None:
    group = await make_group(groups)
    await _request(groups, group, 40)
    outcome = await groups.add_member(GUILD, FAC, group.id, 40)
    assert _closings(outcome.effects) == [(POST + 40, "added", None)]


async def test_archiving_declines_requests_by_direct_message_and_closes_their_posts(groups: GroupService) -> None:
    group = await make_group(groups)
    await _request(groups, group, 40)
    outcome = await groups.archive(GUILD, FAC, group.id)
    told = [item.effect for item in outcome.effects if isinstance(item.effect, DirectNotice)]
    assert [(d.user_id, d.notice) for d in told] == [(40, JoinDeclined("Set A", archived=True))]
    assert _closings(outcome.effects) == [(POST + 40, "archived", None)]


async def test_a_request_answered_before_its_post_was_recorded_is_closed_when_it_is(groups: GroupService) -> None:
    group = await make_group(groups)
    request_id = await _request(groups, group, 40, posted=False)
    await groups.leave(GUILD, 40, group.id)
    late = await groups.record_request_post(request_id, POST)
    assert _closings(late) == [(POST, "withdrawn", None)]


async def test_a_request_never_posted_has_nothing_to_close(groups: GroupService) -> None:
    group = await make_group(groups)
    await _request(groups, group, 40, posted=False)
    assert _closings((await groups.leave(GUILD, 40, group.id)).effects) == []


async def test_panels_are_refused_to_anyone_but_the_facilitator(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    with pytest.raises(NotFacilitatorError):
        await groups.facilitated(GUILD, Actor(20), f"id:{group.id}")
    assert (await groups.facilitated(GUILD, FAC, None, TEXT)).id == group.id
    assert (await groups.facilitated(GUILD, ADMIN, f"id:{group.id}")).id == group.id
    await groups.archive(GUILD, FAC, group.id)
    with pytest.raises(GroupArchivedError):
        await groups.facilitated(GUILD, FAC, f"id:{group.id}")


async def test_a_decision_made_for_a_command_commits_how_to_answer_it(
    groups: GroupService, effects: EffectService
) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    for item in await effects.pending([GUILD]):
        await effects.done([item.id])

    async def remove_for_a_command() -> list[Answer]:
        answering("token-1", "group remove")
        await groups.remove_member(GUILD, FAC, group.id, 20)
        return [item.effect for item in await effects.pending([GUILD]) if isinstance(item.effect, Answer)]

    (answer,) = await asyncio.create_task(remove_for_a_command())
    assert (answer.token, answer.command, answer.group_id) == ("token-1", "group remove", group.id)
    assert answer.done == (MemberRemoved(20),)


async def test_a_refused_command_or_one_without_an_interaction_stores_no_answer(
    groups: GroupService, effects: EffectService
) -> None:
    group = await make_group(groups)

    async def refused() -> None:
        answering("token-2", "group remove")
        with pytest.raises(NotMemberError):
            await groups.remove_member(GUILD, FAC, group.id, 20)

    await asyncio.create_task(refused())
    await add_members(groups, group, 21)
    assert not [item for item in await effects.pending([GUILD]) if isinstance(item.effect, Answer)]
