"""The small print of the outbox and of access: what a retry claims, when settled answers go, the floor's say."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.db.outbox import EFFECT_LEASE
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import FixedClock
from bot.domain.due import DueKey
from bot.domain.effects import Answer
from bot.domain.errors import JoinRequestNotFoundError
from bot.domain.groups import Access, Floor
from bot.scheduling.runtime import DueRuntime
from bot.services import effects as effects_module
from bot.services.due import DueItem, DueWorkService
from bot.services.effects import EffectService, answering, effect_of, effect_subject
from bot.services.groups import GroupChannelMissingError, GroupService
from tests.service.helpers import ADMIN, FAC, FACILITATOR, GUILD, OTHER_GUILD, TEXT, add_members, make_group


def test_a_retry_names_its_effect_and_finds_it_again() -> None:
    assert effect_subject(42) == "effect:42"
    assert effect_of(effect_subject(42)) == 42


async def test_a_retry_claims_only_its_own_effect_and_gets_it_whole(
    groups: GroupService, effects: EffectService, clock: FixedClock
) -> None:
    group = await make_group(groups)
    added = await groups.add_member(GUILD, FAC, group.id, 20)
    clock.moment += EFFECT_LEASE + timedelta(seconds=1)
    first = added.effects[0]
    (claimed,) = await effects.claim([GUILD], effect_ids=[first.id])
    assert (claimed.id, claimed.guild_id, claimed.effect) == (first.id, GUILD, first.effect)


async def _answered_command(groups: GroupService, group_id: int) -> list[int]:
    answering("token", "group add")
    outcome = await groups.add_member(GUILD, FAC, group_id, 20)
    return [item.id for item in outcome.effects if isinstance(item.effect, Answer)]


async def _answers(effects: EffectService) -> list[int]:
    return [item.id for item in await effects.pending([GUILD]) if isinstance(item.effect, Answer)]


async def test_a_settled_answer_goes_with_the_next_outbox_write(groups: GroupService, effects: EffectService) -> None:
    group = await make_group(groups)
    answer_ids = await asyncio.create_task(_answered_command(groups, group.id))
    assert await _answers(effects) == answer_ids
    effects.settle_soon(answer_ids)
    assert await _answers(effects) == answer_ids, "not a write of its own"
    await effects.done([])
    assert await _answers(effects) == []


async def test_a_settled_answer_goes_within_a_moment_when_nothing_else_is_written(
    groups: GroupService, effects: EffectService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(effects_module, "SETTLE_WITHIN", 0.01)
    group = await make_group(groups)
    answer_ids = await asyncio.create_task(_answered_command(groups, group.id))
    effects.settle_soon(answer_ids)
    for _ in range(100):
        if not await _answers(effects):
            break
        await asyncio.sleep(0.02)
    assert await _answers(effects) == []


async def test_access_is_worked_out_from_standing_and_the_live_floor(
    uow: UnitOfWorkFactory, clock: FixedClock, groups: GroupService
) -> None:
    asked: list[tuple[int, int]] = []

    async def floor(_uow: object, group_id: int, user_id: int) -> Floor:
        asked.append((group_id, user_id))
        return Floor.SPEAKING if user_id == 20 else Floor.LISTENING

    in_a_meeting = GroupService(uow, clock, "meeting", floor=floor)
    group = await make_group(groups)
    await add_members(groups, group, 20, 21)
    await add_members(groups, group, 22, accept=False)
    assert await in_a_meeting.current_access(group.id, 20) is Access.MEMBER
    assert await in_a_meeting.current_access(group.id, 21) is Access.LISTENER
    assert await in_a_meeting.current_access(group.id, 22) is Access.PENDING
    assert await in_a_meeting.current_access(group.id, FACILITATOR) is Access.FACILITATOR
    assert await in_a_meeting.current_access(group.id, 99) is Access.NONE
    assert asked[:2] == [(group.id, 20), (group.id, 21)]
    assert await groups.current_access(group.id, 21) is Access.MEMBER, "no meeting: every member may post"
    assert await groups.current_access(group.id + 100, 21) is None


async def test_a_group_still_being_created_has_no_access_to_give(groups: GroupService) -> None:
    reserved = await groups.begin_creation(GUILD, ADMIN, "Set A", FACILITATOR)
    assert await groups.current_access(reserved.id, FACILITATOR) is None


async def test_start_up_checks_only_this_servers_active_groups(groups: GroupService) -> None:
    live = await make_group(groups, "Set A")
    ended = await make_group(groups, "Set B", text=TEXT + 1)
    await groups.archive(GUILD, FAC, ended.id)
    await make_group(groups, "Set C", guild=OTHER_GUILD, text=TEXT + 2)
    await groups.begin_creation(GUILD, ADMIN, "Set D", FACILITATOR)
    assert [group.id for group in await groups.active_groups(GUILD)] == [live.id]


async def test_a_loss_is_told_once_and_telling_an_unknown_group_changes_nothing(groups: GroupService) -> None:
    group = await make_group(groups)
    await groups.loss_told(GUILD, group.id + 100)
    await groups.loss_told(GUILD, group.id)  # nothing was lost yet: nothing is recorded as told
    assert await groups.lose_channel(GUILD, TEXT) is not None
    assert [g.id for g in await groups.untold_losses(GUILD)] == [group.id]
    await groups.loss_told(GUILD, group.id)
    assert await groups.untold_losses(GUILD) == []
    assert await groups.lose_channel(GUILD, TEXT) is None, "told once"


async def test_a_group_with_a_lost_channel_says_how_to_repair_it(groups: GroupService) -> None:
    group = await make_group(groups)
    await groups.lose_channel(GUILD, TEXT)
    with pytest.raises(GroupChannelMissingError) as refused:
        await groups.add_member(GUILD, FAC, group.id, 20)
    assert refused.value.message == (
        "The channel of Set A was deleted, so the group cannot change until its channel is made again. Its "
        "facilitator, or someone with Manage Server, can run /group repair and pick Set A: that makes the channel "
        "again and gives every member their access back."
    )


async def test_due_work_is_claimed_a_few_at_a_time_with_its_server(uow: UnitOfWorkFactory, clock: FixedClock) -> None:
    due = DueWorkService(uow, clock, "first")
    for subject in ("a", "b"):
        await due.schedule(GUILD, DueKey(subject, "reminder", clock.now()))
    (one,) = await due.claim([GUILD], limit=1)
    assert (one.guild_id, one.key.subject) == (GUILD, "a")


async def test_an_effect_id_is_never_handed_out_again(groups: GroupService, effects: EffectService) -> None:
    group = await make_group(groups)
    first = await groups.add_member(GUILD, FAC, group.id, 20)
    await effects.done([item.id for item in await effects.pending([GUILD])])
    second = await groups.add_member(GUILD, FAC, group.id, 21)
    assert min(item.id for item in second.effects) > max(item.id for item in first.effects), "ids are post nonces"


async def test_an_effect_this_version_cannot_read_is_left_aside_not_fatal(
    groups: GroupService, effects: EffectService, uow: UnitOfWorkFactory, clock: FixedClock
) -> None:
    group = await make_group(groups)
    async with uow() as unit:
        await unit.effects.add_all(
            [
                {
                    "guild_id": GUILD,
                    "group_id": group.id,
                    "kind": "notify",
                    "payload": {"notice": "welcome"},
                    "created_at": clock.now(),
                    "attempts": 0,
                }
            ]
        )
        await unit.commit()
    clock.moment += EFFECT_LEASE + timedelta(seconds=1)
    claimed = await effects.claim([GUILD])
    assert [item.effect for item in claimed] == [item.effect for item in await effects.pending([GUILD])]
    assert len(claimed) == 1, "the welcome; the unreadable row is skipped"


async def test_work_woken_during_a_run_is_done_in_the_same_breath(uow: UnitOfWorkFactory, clock: FixedClock) -> None:
    due = DueWorkService(uow, clock, "first")
    runtime = DueRuntime(due, lambda: [GUILD])
    done: list[str] = []

    async def handle(item: DueItem) -> None:
        done.append(item.key.subject)
        if item.key.subject == "first":
            await due.schedule(GUILD, DueKey("second", "reminder", clock.now()))
            runtime.wake(clock.now())

    runtime.handle("reminder", handle)
    await due.schedule(GUILD, DueKey("first", "reminder", clock.now()))
    await runtime.start()
    try:
        for _ in range(100):
            if done == ["first", "second"]:
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    assert done == ["first", "second"]


async def test_a_database_failure_in_a_run_still_leaves_the_scheduler_armed(
    uow: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    due = DueWorkService(uow, clock, "first")
    runtime = DueRuntime(due, lambda: [GUILD])
    runtime.handle("reminder", lambda item: asyncio.sleep(0))
    await runtime.start()
    try:
        await due.schedule(GUILD, DueKey("later", "reminder", clock.now() + timedelta(hours=1)))

        async def broken(guild_ids: object, limit: int = 50) -> list[DueItem]:
            raise OSError("database away")

        monkeypatch.setattr(due, "claim", broken)
        with pytest.raises(OSError, match="database away"):
            await runtime.run_due()
        assert runtime.armed_for == clock.now() + timedelta(hours=1)
    finally:
        await runtime.stop()


async def test_an_answer_to_a_request_that_never_was_says_so(groups: GroupService) -> None:
    await make_group(groups)
    with pytest.raises(JoinRequestNotFoundError) as refused:
        await groups.answer_join_request(GUILD, FAC, 999, approve=True)
    assert refused.value.message == "That request no longer exists; nothing more to do."


async def test_leaving_from_the_groups_own_channel_needs_no_group_option(groups: GroupService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20)
    left = await groups.leave(GUILD, 20, None, channel_id=TEXT)
    assert (left.value.group.id, left.value.withdrew) == (group.id, False)


async def test_effects_done_at_the_same_moment_are_forgotten_in_few_writes(
    groups: GroupService, effects: EffectService, uow: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = await make_group(groups)
    queued = [
        item for person in range(20, 26) for item in (await groups.add_member(GUILD, FAC, group.id, person)).effects
    ]
    writes = 0
    opened = uow

    def counting(*, write: bool = True) -> object:
        nonlocal writes
        writes += write
        return opened(write=write)

    monkeypatch.setattr(effects, "_uow", counting)
    await asyncio.gather(*(effects.done([item.id]) for item in queued))
    left = {item.id for item in await effects.pending([GUILD])}
    assert left.isdisjoint(item.id for item in queued)
    assert writes < len(queued) / 2, f"{writes} writes for {len(queued)} effects done at once"


async def test_effects_whose_done_write_failed_are_forgotten_at_shutdown(
    groups: GroupService, effects: EffectService, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = await make_group(groups)
    queued = (await groups.add_member(GUILD, FAC, group.id, 20)).effects
    working = effects._uow

    def failing(*, write: bool = True) -> object:
        raise OSError("database went away")

    monkeypatch.setattr(effects, "_uow", failing)
    with pytest.raises(OSError, match="went away"):
        await effects.done([item.id for item in queued])
    monkeypatch.setattr(effects, "_uow", working)
    await effects.flush()  # the shutdown's last write takes them along
    left = {item.id for item in await effects.pending([GUILD])}
    assert left.isdisjoint(item.id for item in queued)


async def test_effects_this_process_still_carries_out_are_not_swept(
    groups: GroupService, effects: EffectService, clock: FixedClock
) -> None:
    group = await make_group(groups)
    queued = (await groups.add_member(GUILD, FAC, group.id, 20)).effects
    clock.moment += EFFECT_LEASE + timedelta(seconds=1)  # paced so long that the lease ran out
    busy = queued[0].id
    claimed = {item.id for item in await effects.claim([GUILD], excluding=[busy])}
    assert busy not in claimed
    assert {item.id for item in queued[1:]} <= claimed
