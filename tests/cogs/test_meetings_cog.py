"""The meeting cog on real services with spec'd Discord fakes: the card's buttons, the forms, off-turn posts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock, create_autospec

import discord
import pytest

from bot.app import Setkeeper
from bot.domain.actions import ActionStatus, Report
from bot.domain.errors import NotFacilitatorError
from bot.domain.groups import VoiceKind
from bot.domain.meeting import Arrive, Next, Phase, Timing, apply, speaker, start, up_next
from bot.services.actions import ActionView
from bot.services.groups import Actor
from bot.services.meetings import MeetingView, turn_mark
from cogs.meetings._render import floor_card
from cogs.meetings._views import card_buttons
from tests.cogs.fakes import group_with, guild, interaction, member, sent

GUILD = 4242
FACILITATOR = 2
CHANNEL = 5001


def _cog(bot: Setkeeper) -> Any:
    cog = bot.get_cog("Meetings")
    assert type(cog).__name__ == "Meetings"
    return cog


async def _meeting(bot: Setkeeper, *members: int) -> int:
    group_id = await group_with(bot, GUILD, CHANNEL, FACILITATOR, *members)
    return (await bot.services.meetings.start(GUILD, Actor(FACILITATOR), group_id, None)).value.id


def _press(bot: Setkeeper, user: int) -> Any:
    fake = interaction(member(user), guild(GUILD), channel_id=CHANNEL)
    fake.client = bot
    fake.type = discord.InteractionType.component
    return fake


async def test_here_on_the_card_marks_the_member_present(bot: Setkeeper) -> None:
    meeting_id = await _meeting(bot, 21)
    fake = _press(bot, 21)
    await _cog(bot).pressed(fake, meeting_id, "here")
    assert sent(fake)[0]["content"] == "You are marked present."
    view = await bot.services.meetings.view(GUILD, 21, meeting_id=meeting_id)
    assert view.state.present == (21,)


async def test_next_from_a_member_is_refused_privately(bot: Setkeeper) -> None:
    meeting_id = await _meeting(bot, 21)
    fake = _press(bot, 21)
    with pytest.raises(NotFacilitatorError, match="facilitator"):  # the button's guard turns it into the reply
        await _cog(bot).pressed(fake, meeting_id, "next")
    view = await bot.services.meetings.view(GUILD, 21, meeting_id=meeting_id)
    assert view.phase is Phase.OPENING


async def test_a_refused_commit_form_gives_back_what_was_written(bot: Setkeeper) -> None:
    meeting_id = await _meeting(bot, 21)
    fake = _press(bot, 21)
    fake.type = discord.InteractionType.modal_submit
    fake.data = {
        "custom_id": f"setkeeper:commit:{meeting_id}",
        "components": [{"type": 18, "component": {"type": 4, "custom_id": "action:1", "value": "Call Sam"}}],
    }
    await _cog(bot).on_interaction(fake)
    (answer,) = sent(fake)
    assert "holder" in answer["content"]
    assert answer["file"].filename == "what-you-wrote.txt"
    assert answer["ephemeral"] is True


async def test_a_post_out_of_turn_is_deleted(bot: Setkeeper) -> None:
    meeting_id = await _meeting(bot, 21, 22)
    meetings = bot.services.meetings
    for user in (21, 22):
        await meetings.act(GUILD, Actor(user), Arrive(user), meeting_id=meeting_id)
    view = (await meetings.act(GUILD, Actor(FACILITATOR), Next(), meeting_id=meeting_id)).value
    other = 22 if view.speaker == 21 else 21
    message = create_autospec(discord.Message, instance=True)
    message.guild = guild(GUILD)
    message.channel = create_autospec(discord.TextChannel, instance=True)
    message.channel.id = CHANNEL
    message.author = member(other)
    message.content = ""
    message.delete = AsyncMock()
    await _cog(bot).on_message(message)
    message.delete.assert_awaited_once()


def test_the_card_names_the_speaker_who_is_next_and_then_the_rest_once() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    timing = Timing(present_minutes=5, turn_minutes=3, auto_advance=False)
    state = start(FACILITATOR, present=(), rotation=0, timing=timing, voted=None, now=now)
    for event in (Arrive(21), Arrive(22), Arrive(23), Next()):
        state = apply(state, event, timing=timing, now=now).state
    called = ActionView(7, 1, "Set A", 21, "Call Sam", ActionStatus.PARTLY, now, True, [])
    called.reports.append(Report(ActionStatus.PARTLY, "Left a message @everyone", "", now))
    opened = ActionView(8, 1, "Set A", 21, "Book the room", ActionStatus.OPEN, now, True, [])
    actions = [called, opened]
    view = MeetingView(1, 1, "Set A", True, state, speaker(state), up_next(state), [], actions, now, None)
    post = floor_card(view, card_buttons(view))
    assert post.embed is not None
    fields = {field.name: field.value for field in post.embed.fields}
    assert fields["Has the floor"].startswith("<@21>, time up <t:")
    assert (fields["Next"], fields["Then"]) == ("<@22>", "<@23>")
    assert fields["Their actions from last time"] == (
        "- Call Sam (**Partly done**): Left a message @\u200beveryone\n- Book the room (**Open**)"
    )
    assert post.view is not None
    mark = turn_mark(state)
    rows = [(item.row, item.custom_id) for item in post.view.children]  # type: ignore[attr-defined]
    assert rows == [
        # the members' row; in the catch-up, each member's own actions to report on
        *((0, f"setkeeper:meet:1:{action}") for action in ("here", "done", "pass", "hand", "report")),
        (1, "setkeeper:meet:1:heading"),  # the facilitator's row, headed "Facilitator:" (greyed out)
        (1, f"setkeeper:meet:1:next:{mark}"),  # Next carries the turn it was drawn in
        (1, "setkeeper:meet:1:pause"),
        (1, "setkeeper:meet:1:end"),
    ]


@pytest.mark.parametrize("how", ["paused", "break"])
@pytest.mark.parametrize("phase", [Phase.OPENING, Phase.VOTE])
def test_a_pause_or_break_before_the_rounds_with_everyone_here_offers_resume_and_end(how: str, phase: Phase) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    timing = Timing(present_minutes=5, turn_minutes=3, auto_advance=False)
    state = start(FACILITATOR, present=(21, 22), rotation=0, timing=timing, voted=None, now=now)
    state = dataclasses.replace(
        state, phase=phase, paused=how == "paused", break_until=now + timedelta(minutes=5) if how == "break" else None
    )
    for can_arrive, labels in (
        (False, ["Facilitator:", "Resume", "End meeting"]),
        (True, ["Here", "Facilitator:", "Resume", "End meeting"]),
    ):
        view = MeetingView(1, 1, "Set A", True, state, None, None, [], [], now, None, can_arrive=can_arrive)
        post = floor_card(view, card_buttons(view))
        assert post.view is not None
        assert [getattr(item, "item", item).label for item in post.view.children] == labels


async def _started_in_voice(bot: Setkeeper, kind: VoiceKind, have: discord.Permissions) -> tuple[str, MeetingView]:
    """`/meeting start voice:true` in a group with a `kind` channel, the bot having `have`: its reply, the meeting."""
    group_id = await group_with(bot, GUILD, CHANNEL, FACILITATOR, 21, voice=kind)
    fake = interaction(member(FACILITATOR), guild(GUILD, bot_permissions=have))
    fake.channel_id = CHANNEL
    fake.client = bot
    await _cog(bot).start.callback(_cog(bot), fake, None, True)
    (said,) = sent(fake)
    assert said["ephemeral"]
    assert "The meeting has started" in said["content"]
    return said["content"], await bot.services.meetings.view(GUILD, FACILITATOR, which=group_id)


async def test_a_voice_meeting_without_mute_members_names_it_and_keeps_the_floor_in_text(bot: Setkeeper) -> None:
    said, view = await _started_in_voice(bot, VoiceKind.VOICE, discord.Permissions(manage_roles=True))
    assert "I lack the Mute Members permission" in said
    assert view.phase is Phase.OPENING
    assert view.voice_channel_id is None


async def test_a_stage_meeting_without_a_stage_moderators_permissions_names_those_missing(bot: Setkeeper) -> None:
    said, view = await _started_in_voice(bot, VoiceKind.STAGE, discord.Permissions(mute_members=True))
    assert "I lack the Move Members and Manage Channels permissions" in said
    assert "Stage moderator" in said
    assert view.voice_channel_id is None, "the floor is kept in text only"


async def test_a_stage_meeting_with_a_stage_moderators_permissions_keeps_the_floor_on_the_stage(bot: Setkeeper) -> None:
    moderator = discord.Permissions(mute_members=True, move_members=True, manage_channels=True, manage_roles=True)
    said, view = await _started_in_voice(bot, VoiceKind.STAGE, moderator)
    assert "brought on stage" in said
    assert view.voice_channel_id == CHANNEL + 1


@pytest.mark.parametrize(("voice", "lagging", "shown"), [(7, True, True), (7, False, False), (None, True, False)])
def test_the_card_says_the_voice_floor_lags_only_in_voice_and_only_when_it_does(
    voice: int | None, lagging: bool, shown: bool
) -> None:
    now = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    state = start(FACILITATOR, present=(21,), rotation=0, timing=Timing(5, 3, False), voted=None, now=now)
    view = MeetingView(1, 1, "Set A", True, state, None, None, [], [], now, None, voice_channel_id=voice)
    post = floor_card(view, None, lagging=lagging)
    assert post.embed is not None
    assert ("Voice behind" in [field.name for field in post.embed.fields]) is shown
