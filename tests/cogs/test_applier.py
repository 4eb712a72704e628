"""The effect applier: order-proof access, one failure never stops the rest, refused DMs are settled."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import AsyncMock, create_autospec

import discord
import pytest

from bot.domain.effects import SyncMeetingEvent
from bot.domain.group_notices import GROUP_NOTICES
from bot.services.effects import EffectService, QueuedEffect
from bot.services.groups import GroupService
from bot.ui.applier import EffectApplier, Post, Turns
from bot.ui.pacing import Limit, Pacer
from tests.service.helpers import FAC, GUILD, TEXT, add_members, make_group, request_id


class _Response:
    status, reason = 403, "Forbidden"


def _client() -> Any:
    client = create_autospec(discord.Client, instance=True)
    client.http = create_autospec(discord.http.HTTPClient, instance=True)
    # HTTPClient's methods return coroutines without being `async def`, so autospec cannot tell; say so here.
    client.http.edit_channel_permissions = AsyncMock()
    client.http.delete_channel_permissions = AsyncMock()
    channel = create_autospec(discord.PartialMessageable, instance=True)
    client.get_partial_messageable.return_value = channel
    return client


def _applier(client: Any, effects: EffectService, groups: GroupService) -> EffectApplier:
    applier = EffectApplier(client, effects, groups.current_access)
    applier.render_with(GROUP_NOTICES, lambda _notice: Post("hi"))
    return applier


async def test_an_old_access_effect_retried_after_a_leave_takes_access_away(
    groups: GroupService, effects: EffectService
) -> None:
    group = await make_group(groups)
    await groups.add_member(GUILD, FAC, group.id, 20)
    accepted = await groups.accept_ground_rules(GUILD, 20, group.id)  # queues "bring 20 into line" (then: member)
    await groups.leave(GUILD, 20, group.id)
    client = _client()
    failed = await _applier(client, effects, groups).apply(accepted.effects)
    assert failed == []
    client.http.delete_channel_permissions.assert_awaited_once_with(TEXT, 20, reason="Setkeeper: access")
    client.http.edit_channel_permissions.assert_not_awaited()


async def test_access_is_granted_as_the_database_says(groups: GroupService, effects: EffectService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, accept=False)
    accepted = await groups.accept_ground_rules(GUILD, 20, group.id)
    client = _client()
    await _applier(client, effects, groups).apply(accepted.effects)
    (call,) = client.http.edit_channel_permissions.await_args_list
    allow = discord.Permissions(int(call.args[2]))
    assert (call.args[0], call.args[1], allow.send_messages, allow.view_channel) == (TEXT, 20, True, True)


@pytest.mark.parametrize("failure", [discord.RateLimited(60.0), OSError("connection reset"), TimeoutError()])
async def test_one_failing_effect_does_not_stop_the_others(
    groups: GroupService, effects: EffectService, failure: Exception
) -> None:
    group = await make_group(groups)
    added = await groups.add_member(GUILD, FAC, group.id, 20)  # set access, then the rules prompt
    client = _client()
    client.http.edit_channel_permissions.side_effect = failure
    failed = await _applier(client, effects, groups).apply(added.effects)
    assert [item.id for item in failed] == [added.effects[0].id]
    client.get_partial_messageable.return_value.send.assert_awaited_once()
    still_pending = [item.id for item in await effects.pending([GUILD])]
    assert added.effects[0].id in still_pending
    assert added.effects[1].id not in still_pending


@pytest.mark.parametrize(("code", "settled"), [(50007, True), (50013, False)])
async def test_a_refused_direct_message(groups: GroupService, effects: EffectService, code: int, settled: bool) -> None:
    group = await make_group(groups)
    requested = await groups.request_to_join(GUILD, 40, group.id)
    declined = await groups.answer_join_request(GUILD, FAC, request_id(requested.effects), approve=False)
    client = _client()
    dm = create_autospec(discord.DMChannel, instance=True)
    dm.send = AsyncMock(side_effect=discord.Forbidden(_Response(), {"code": code, "message": "no"}))  # type: ignore[arg-type]
    client.create_dm.return_value = dm
    failed = await _applier(client, effects, groups).apply(declined.effects)
    assert (failed == []) is settled


async def test_turns_tell_the_holder_whether_a_later_one_is_waiting() -> None:
    turns = Turns()
    seen: list[tuple[str, bool]] = []
    release = asyncio.Event()

    async def take(name: str, hold: bool = False) -> None:
        async with turns.take("floor") as last:
            seen.append((name, last))
            if hold:
                await release.wait()

    first = asyncio.create_task(take("first", hold=True))
    await asyncio.sleep(0)
    others = [asyncio.create_task(take(name)) for name in ("second", "third")]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, *others)
    # The first found nobody behind it when it began; the second leaves the work to the third.
    assert seen == [("first", True), ("second", False), ("third", True)]


async def test_turns_forget_a_key_once_nobody_holds_or_waits_for_it() -> None:
    turns = Turns()
    async with turns.take("floor") as last:
        assert last
    assert not turns._locks


def _pair(allow: int, deny: int) -> tuple[discord.Permissions, discord.Permissions]:
    return discord.Permissions(allow), discord.Permissions(deny)


async def _member_let_in(groups: GroupService, effects: EffectService) -> tuple[Any, EffectApplier, int]:
    """Member 20 accepted the ground rules, and the applier wrote their overwrite: the client, applier, group."""
    group = await make_group(groups)
    await add_members(groups, group, 20, accept=False)
    accepted = await groups.accept_ground_rules(GUILD, 20, group.id)
    client = _client()
    applier = _applier(client, effects, groups)
    await applier.apply(accepted.effects)
    return client, applier, group.id


async def test_a_write_that_would_change_nothing_is_not_sent(groups: GroupService, effects: EffectService) -> None:
    client, applier, group_id = await _member_let_in(groups, effects)
    again = await groups.accept_ground_rules(GUILD, 20, group_id)  # the same access, asked for again
    await applier.apply(again.effects)
    assert client.http.edit_channel_permissions.await_count == 1


async def test_an_overwrite_someone_else_changed_is_written_again(groups: GroupService, effects: EffectService) -> None:
    client, applier, group_id = await _member_let_in(groups, effects)
    (call,) = client.http.edit_channel_permissions.await_args_list
    written = (int(call.args[2]), int(call.args[3]))
    applier.overwrites_seen(TEXT, lambda _user: _pair(*written))  # Discord's echo of the bot's own write: still known
    await applier.apply((await groups.accept_ground_rules(GUILD, 20, group_id)).effects)
    assert client.http.edit_channel_permissions.await_count == 1
    applier.overwrites_seen(TEXT, lambda _user: _pair(0, discord.Permissions(send_messages=True).value))  # a moderator
    await applier.apply((await groups.accept_ground_rules(GUILD, 20, group_id)).effects)
    assert client.http.edit_channel_permissions.await_count == 2
    applier.forget_written()  # a re-identify: channel updates may have been missed
    await applier.apply((await groups.accept_ground_rules(GUILD, 20, group_id)).effects)
    assert client.http.edit_channel_permissions.await_count == 3


async def test_a_reply_waits_only_so_long_for_paced_changes(groups: GroupService, effects: EffectService) -> None:
    group = await make_group(groups)
    await add_members(groups, group, 20, 21, accept=False)
    client = _client()
    applier = EffectApplier(client, effects, groups.current_access, Pacer({"overwrite": Limit(1, 0.5)}))
    applier.render_with(GROUP_NOTICES, lambda _notice: Post("hi"))
    applier.attach()
    effects.on_commit(applier.submit)
    await applier.carried_out((await groups.accept_ground_rules(GUILD, 20, group.id)).effects)
    second = await groups.accept_ground_rules(GUILD, 21, group.id)  # the channel's one write a window is spent
    progress = await applier.carried_out_within(second.effects, 0.1)
    assert (progress.pending, client.http.edit_channel_permissions.await_count) == (True, 1)
    await asyncio.sleep(0.6)
    assert client.http.edit_channel_permissions.await_count == 2, "carried out all the same, once there was room"


async def test_a_post_too_long_for_a_message_carries_its_whole_text_as_a_file(
    groups: GroupService, effects: EffectService
) -> None:
    group = await make_group(groups)
    added = await groups.add_member(GUILD, FAC, group.id, 20)  # set access, then the rules prompt (a post)
    client = _client()
    applier = EffectApplier(client, effects, groups.current_access)
    applier.render_with(GROUP_NOTICES, lambda _notice: Post("the start", attachment=("all.md", "every word\n")))
    await applier.apply(added.effects)
    sent = client.get_partial_messageable.return_value.send.await_args
    assert sent.kwargs["content"] == "the start"
    file = sent.kwargs["file"]
    assert (file.filename, file.fp.read()) == ("all.md", b"every word\n")


def _events_client() -> Any:
    client = _client()
    client.http.create_guild_scheduled_event = AsyncMock(return_value={"id": "555"})
    client.http.edit_scheduled_event = AsyncMock()
    client.http.delete_scheduled_event = AsyncMock()
    return client


def _events_applier(client: Any, effects: EffectService, groups: GroupService) -> EffectApplier:
    applier = _applier(client, effects, groups)
    applier.events_with(groups.event_plan, groups.record_event)
    return applier


async def _event_id(groups: GroupService, group_id: int) -> int | None:
    plan = await groups.event_plan(group_id)
    assert plan is not None
    return plan.event_id


async def _scheduled(groups: GroupService) -> Any:
    group = await make_group(groups)
    outcome = await groups.set_schedule(
        GUILD, FAC, group.id, "monthly_weekday", at="18:30", zone="Europe/London", weekday="tuesday", ordinal="first"
    )
    return group, outcome.effects


async def test_a_meeting_event_carried_out_twice_is_made_once_then_moved(
    groups: GroupService, effects: EffectService
) -> None:
    group, queued = await _scheduled(groups)
    client = _events_client()
    applier = _events_applier(client, effects, groups)
    assert await applier.apply(queued) == []
    assert await applier.apply(queued) == []
    client.http.create_guild_scheduled_event.assert_awaited_once()
    fields = client.http.create_guild_scheduled_event.await_args.kwargs
    assert (fields["entity_type"], fields["scheduled_start_time"]) == (3, "2026-12-01T18:30:00+00:00")
    assert client.http.edit_scheduled_event.await_args.args == (GUILD, 555)
    assert await _event_id(groups, group.id) == 555


async def test_a_meeting_event_deleted_on_discord_is_made_again(groups: GroupService, effects: EffectService) -> None:
    group, queued = await _scheduled(groups)
    await groups.record_event(group.id, 444)
    client = _events_client()
    client.http.edit_scheduled_event.side_effect = discord.NotFound(_NotFound(), {"code": 10070, "message": "Unknown"})
    applier = _events_applier(client, effects, groups)
    assert await applier.apply(queued) == []
    client.http.create_guild_scheduled_event.assert_awaited_once()
    assert await _event_id(groups, group.id) == 555


async def test_a_cleared_schedule_deletes_the_event_and_forgets_it(
    groups: GroupService, effects: EffectService
) -> None:
    group, _ = await _scheduled(groups)
    await groups.record_event(group.id, 444)
    cleared = await groups.set_schedule(GUILD, FAC, group.id, "none")
    client = _events_client()
    applier = _events_applier(client, effects, groups)
    assert await applier.apply(cleared.effects) == []
    client.http.delete_scheduled_event.assert_awaited_once_with(GUILD, 444, reason="Setkeeper: schedule")
    client.http.create_guild_scheduled_event.assert_not_awaited()
    assert await _event_id(groups, group.id) is None


async def test_a_retired_event_is_deleted_and_the_next_meeting_gets_its_own(
    groups: GroupService, effects: EffectService
) -> None:
    group, queued = await _scheduled(groups)
    client = _events_client()
    applier = _events_applier(client, effects, groups)
    retire = [
        QueuedEffect(item.id, item.guild_id, SyncMeetingEvent(group.id, retire_event_id=444), item.created_at)
        for item in queued
        if isinstance(item.effect, SyncMeetingEvent)
    ]
    assert await applier.apply(retire) == []
    client.http.delete_scheduled_event.assert_awaited_once_with(GUILD, 444, reason="Setkeeper: schedule")
    client.http.create_guild_scheduled_event.assert_awaited_once()


class _NotFound:
    status, reason = 404, "Not Found"
