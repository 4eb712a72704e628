"""A group's channels on a real database: recorded as made, lost when deleted, and repaired."""

from __future__ import annotations

import pytest

from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import FixedClock
from bot.domain.effects import DirectNotice, Notice
from bot.domain.errors import NotFacilitatorError
from bot.domain.groups import VoiceKind
from bot.services.effects import EffectService
from bot.services.groups import Actor, GroupChannelMissingError, GroupService
from tests.service.helpers import ADMIN, FAC, FACILITATOR, GUILD, TEXT, accesses, add_members, make_group, notices

NEW_TEXT = 900_101


async def test_each_channel_is_recorded_as_it_is_made_so_a_killed_creation_names_only_its_own(
    groups: GroupService, uow: UnitOfWorkFactory, clock: FixedClock
) -> None:
    reserved = await groups.begin_creation(GUILD, ADMIN, "Set-A", FACILITATOR, voice=VoiceKind.VOICE)
    await groups.record_channel(GUILD, reserved.id, 800_001, voice=False)
    other = GroupService(uow, clock, instance_id="the restarted process")
    (stale,) = await other.stale_creations(GUILD)
    assert (stale.text_channel_id, stale.voice_channel_id) == (800_001, None)
    await groups.record_channel(GUILD, reserved.id, 800_002, voice=True)
    (stale,) = await other.stale_creations(GUILD)
    assert (stale.text_channel_id, stale.voice_channel_id) == (800_001, 800_002)


async def test_a_deleted_channel_refuses_every_command_on_its_group(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    lost = await groups.lose_channel(GUILD, TEXT)
    assert lost is not None
    assert lost.id == group.id
    with pytest.raises(GroupChannelMissingError, match="/group repair"):
        await groups.add_member(GUILD, FAC, group.id, 21)
    with pytest.raises(GroupChannelMissingError):
        await groups.leave(GUILD, 20, "Set A")
    with pytest.raises(GroupChannelMissingError):
        await groups.request_to_join(GUILD, 22, "Set A")
    with pytest.raises(GroupChannelMissingError):
        await groups.archive(GUILD, FAC, group.id)


async def test_the_facilitator_is_told_once(groups: GroupService) -> None:
    group = await make_group(groups)
    assert await groups.lose_channel(GUILD, TEXT) is not None
    assert [g.id for g in await groups.untold_losses(GUILD)] == [group.id]
    await groups.loss_told(GUILD, group.id)
    assert await groups.lose_channel(GUILD, TEXT) is None
    assert await groups.untold_losses(GUILD) == []


async def test_a_channel_that_is_no_active_groups_is_ignored(groups: GroupService) -> None:
    reserved = await groups.begin_creation(GUILD, ADMIN, "Set B", FACILITATOR)
    await groups.record_channel(GUILD, reserved.id, 800_003, voice=False)
    assert await groups.lose_channel(GUILD, 800_003) is None, "a half-made group's channel is undone, not lost"
    assert await groups.lose_channel(GUILD, 123) is None


async def test_repair_restores_everyones_access_and_reposts_what_was_in_the_channel(
    groups: GroupService, effects: EffectService
) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21)
    await add_members(groups, group, 22, accept=False)
    await groups.request_to_join(GUILD, 30, "Set A")
    await groups.lose_channel(GUILD, TEXT)
    with pytest.raises(NotFacilitatorError):
        await groups.begin_repair(GUILD, Actor(20), "Set A")
    assert (await groups.begin_repair(GUILD, FAC, "Set A")).channel_lost_at is not None

    await groups.replace_channel(GUILD, FAC, group.id, NEW_TEXT, voice=False)
    outcome = await groups.complete_repair(GUILD, FAC, group.id)

    repair = outcome.value
    assert (repair.members, repair.rules_prompts, repair.join_requests) == (3, 1, 1)
    assert repair.group.text_channel_id == NEW_TEXT
    assert repair.group.channel_lost_at is None
    assert sorted(accesses(outcome.effects)) == [
        (FACILITATOR, "facilitator"),
        (20, "member"),
        (21, "member"),
        (22, "pending"),
    ]
    assert sorted(notices(outcome.effects)) == sorted(
        [("welcome", FACILITATOR), ("rules_prompt", 22), ("join_request", 30)]
    )
    assert {e.effect.channel_id for e in outcome.effects if hasattr(e.effect, "channel_id")} == {NEW_TEXT}
    pending = await effects.pending([GUILD])
    assert {item.id for item in pending} == {item.id for item in outcome.effects}, "effects on the old channel dropped"
    added = await groups.add_member(GUILD, FAC, group.id, 23)
    assert added.value.text_channel_id == NEW_TEXT


async def test_repair_keeps_queued_direct_messages(groups: GroupService, effects: EffectService) -> None:
    group = await make_group(groups)
    request = await groups.request_to_join(GUILD, 30, "Set A")
    (join,) = [e for e in request.effects if e.effect.notice is Notice.JOIN_REQUEST]  # type: ignore[union-attr]
    await groups.answer_join_request(GUILD, FAC, join.effect.subject_id, approve=False)  # type: ignore[union-attr]
    await groups.lose_channel(GUILD, TEXT)
    await groups.complete_repair(GUILD, FAC, group.id)
    assert [item.effect for item in await effects.pending([GUILD]) if isinstance(item.effect, DirectNotice)]
