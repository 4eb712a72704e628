"""The applier's server mutes: drawn from the ledger when carried out, never a moderator's, failures retried."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import AsyncMock, MagicMock, create_autospec

import discord
import pytest

from bot.app import Services
from bot.domain.effects import SetMute
from bot.domain.groups import VoiceKind
from bot.domain.meeting import Arrive, Next, Pause
from bot.services.effects import QueuedEffect
from bot.services.groups import Actor
from bot.ui.applier import EffectApplier
from tests.service.helpers import ADMIN, FAC, FACILITATOR, GUILD, TEXT, VOICE, add_members

A, B = 21, 22


class _Response:
    def __init__(self, status: int) -> None:
        self.status, self.reason = status, "refused"


def _refusal(status: int, code: int) -> discord.HTTPException:
    return discord.HTTPException(_Response(status), {"code": code, "message": "refused"})  # type: ignore[arg-type]


def _client(in_voice: dict[int, bool]) -> Any:
    """A client whose cache has these people (id: already server-muted) in the meeting's voice channel."""
    client = create_autospec(discord.Client, instance=True)
    client.http = create_autospec(discord.http.HTTPClient, instance=True)
    client.http.edit_member = AsyncMock()
    guild = MagicMock()

    def member(user_id: int) -> Any:
        if user_id not in in_voice:
            return None
        found = MagicMock()
        found.voice.channel.id = VOICE
        found.voice.mute = in_voice[user_id]
        return found

    guild.get_member.side_effect = member
    client.get_guild.return_value = guild
    return client


def _applier(client: Any, services: Services) -> EffectApplier:
    return EffectApplier(client, services.effects, services.groups.current_access, mutes=services.voice)


async def _listening(services: Services) -> tuple[int, int, list[QueuedEffect]]:
    """A voice meeting's catch-up with A and B: (speaker, listener, the mute effects of the floor closing)."""
    groups, meetings = services.groups, services.meetings
    reserved = await groups.begin_creation(GUILD, ADMIN, "Set A", FACILITATOR, voice=VoiceKind.VOICE)
    group = (await groups.complete_creation(GUILD, reserved.id, TEXT, VOICE)).value
    await add_members(groups, group, A, B)
    meeting = (await meetings.start(GUILD, FAC, group.id, None, voice=True)).value
    for user in (A, B):
        await meetings.act(GUILD, Actor(user), Arrive(user), meeting_id=meeting.id)
    outcome = await meetings.act(GUILD, FAC, Next(), meeting_id=meeting.id)
    speaker = outcome.value.speaker
    assert speaker is not None
    listener = B if speaker == A else A
    return speaker, listener, [e for e in outcome.effects if isinstance(e.effect, SetMute)]


async def _pause(services: Services) -> list[QueuedEffect]:
    paused = await services.meetings.act(GUILD, FAC, Pause(), which="Set A", channel_id=TEXT)
    return [e for e in paused.effects if isinstance(e.effect, SetMute)]


def _mutes(client: Any) -> list[tuple[int, bool]]:
    return [(call.args[1], call.kwargs["mute"]) for call in client.http.edit_member.await_args_list]


@pytest.mark.parametrize(
    ("muted_before", "edits"),
    [(False, [True, False]), (True, [])],
    ids=["the bot's mute", "a moderator's mute"],
)
async def test_a_listener_is_muted_then_unmuted_at_a_pause_unless_a_moderator_muted_them_first(
    services: Services, muted_before: bool, edits: list[bool]
) -> None:
    speaker, listener, muting = await _listening(services)
    client = _client({speaker: False, listener: muted_before})
    applier = _applier(client, services)
    assert await applier.apply(muting) == []
    assert await applier.apply(await _pause(services)) == []
    assert _mutes(client) == [(listener, mute) for mute in edits]
    assert not (await services.voice.target(GUILD, listener)).owned, "the row goes once the floor no longer wants it"


async def test_an_unmute_refused_with_40032_keeps_the_row_for_the_next_join(services: Services) -> None:
    speaker, listener, muting = await _listening(services)
    client = _client({speaker: False, listener: False})
    applier = _applier(client, services)
    await applier.apply(muting)
    client.http.edit_member.side_effect = _refusal(400, 40032)
    assert await applier.apply(await _pause(services)) == [], "not a failure: there is nothing to retry until they join"
    target = await services.voice.target(GUILD, listener)
    assert (target.owned, target.channels) == (True, frozenset())


@pytest.mark.parametrize("failure", [_refusal(500, 0), discord.RateLimited(30.0)], ids=["5xx", "429"])
async def test_a_failed_mute_is_retried_later_and_the_row_kept(services: Services, failure: Exception) -> None:
    speaker, listener, muting = await _listening(services)
    client = _client({speaker: False, listener: False})
    client.http.edit_member.side_effect = failure
    failed = await _applier(client, services).apply(muting)
    assert [item.id for item in failed] == [item.id for item in muting]
    assert {item.id for item in muting} <= {item.id for item in await services.effects.pending([GUILD])}
    assert (await services.voice.target(GUILD, listener)).owned


async def test_the_card_is_told_only_when_a_groups_voice_floor_starts_or_stops_lagging() -> None:
    applier = EffectApplier(MagicMock(), MagicMock(), AsyncMock())
    told: list[int] = []

    async def changed(group_id: int) -> None:
        told.append(group_id)

    applier.when_voice_lags(changed)
    applier._late_is(1, 21, late=True)
    applier._late_is(1, 22, late=True)
    applier._late_is(1, 21, late=False)  # one of the two caught up: the floor still lags
    await asyncio.sleep(0)
    assert applier.voice_lagging(1)
    assert told == [1]
    applier._late_is(1, 22, late=False)
    applier._late_is(2, 23, late=False)  # nothing was late there: nothing to tell
    await asyncio.sleep(0)
    assert not applier.voice_lagging(1)
    assert told == [1, 1]
