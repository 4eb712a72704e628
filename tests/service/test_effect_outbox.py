"""The outbox on a real database: effects commit with their decision, are held by a lease, return as due work.

So no effect is carried out by two workers, and none is dropped.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.db.outbox import EFFECT_LEASE, QueuedEffect
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import FixedClock
from bot.domain.due import MAX_ATTEMPTS
from bot.domain.errors import NotFacilitatorError
from bot.services.due import DueWorkService
from bot.services.effects import EFFECT_RETRY, EffectService
from bot.services.groups import Actor, GroupService
from tests.service.helpers import FAC, GUILD, make_group


async def test_committed_effects_are_held_by_their_process_until_the_lease_runs_out(
    groups: GroupService, effects: EffectService, clock: FixedClock
) -> None:
    group = await make_group(groups)
    added = await groups.add_member(GUILD, FAC, group.id, 20)
    assert await effects.claim([GUILD]) == [], "a retry cannot take what the committing process is carrying out"
    clock.moment += EFFECT_LEASE + timedelta(seconds=1)
    taken = await effects.claim([GUILD])
    assert {item.id for item in added.effects} <= {item.id for item in taken}


async def test_at_start_up_the_effects_a_killed_process_held_are_taken_at_once(
    groups: GroupService, effects: EffectService, clock: FixedClock
) -> None:
    group = await make_group(groups)
    added = await groups.add_member(GUILD, FAC, group.id, 20)
    started = clock.now() + timedelta(seconds=1)  # the new process starts a second later, within the old lease
    clock.moment = started
    taken = await effects.claim([GUILD], created_before=started)
    assert {item.id for item in added.effects} <= {item.id for item in taken}
    assert await effects.claim([GUILD], created_before=started) == [], "and only once"


async def test_two_workers_claiming_at_once_never_share_an_effect(
    groups: GroupService, effects: EffectService, clock: FixedClock
) -> None:
    group = await make_group(groups)
    for user_id in range(20, 26):
        await groups.add_member(GUILD, FAC, group.id, user_id)
    clock.moment += EFFECT_LEASE + timedelta(seconds=1)
    first, second = await asyncio.gather(effects.claim([GUILD]), effects.claim([GUILD]))
    ids = [item.id for item in first + second]
    assert len(ids) == len(set(ids)) == len(await effects.pending([GUILD]))


async def test_a_failed_effect_comes_back_as_due_work_and_is_given_up_after_a_few_tries(
    groups: GroupService, effects: EffectService, uow: UnitOfWorkFactory, clock: FixedClock
) -> None:
    due = DueWorkService(uow, clock, "test-instance")
    group = await make_group(groups)
    (welcome,) = await effects.pending([GUILD])
    item: QueuedEffect = welcome
    for attempt in range(1, MAX_ATTEMPTS + 1):
        again = await effects.failed(item)
        if attempt == MAX_ATTEMPTS:
            assert again is None
            break
        assert again is not None
        assert await effects.claim([GUILD], effect_ids=[item.id]) == [], "not before its retry time"
        clock.moment = again
        (retry,) = await due.claim([GUILD])
        assert (retry.key.kind, retry.key.subject) == (EFFECT_RETRY, f"effect:{item.id}")
        await due.done(retry)
        (item,) = await effects.claim([GUILD], effect_ids=[item.id])
    assert await effects.pending([GUILD]) == []
    # No retry left: all that is still due is the group's first monthly reminder, a month after it was made.
    assert await due.next_due([GUILD]) == datetime(2026, 12, 23, 9, 0, tzinfo=UTC)
    assert group.id == welcome.effect.group_id


async def test_each_committed_batch_reaches_the_applier_once_and_a_refusal_sends_nothing(
    groups: GroupService, uow: UnitOfWorkFactory
) -> None:
    batches: list[list[QueuedEffect]] = []
    uow.on_commit = batches.append
    group = await make_group(groups)
    added = await groups.add_member(GUILD, FAC, group.id, 20)
    with pytest.raises(NotFacilitatorError):
        await groups.add_member(GUILD, Actor(99), group.id, 21)
    assert batches[-1] == added.effects
    assert len(batches) == 2, "the welcome, then the addition; the refusal committed nothing"
