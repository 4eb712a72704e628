"""The voice floor's ledger on a real database: every mute written before it is made, undone only if the bot's."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.app import Services
from bot.bootstrap import build_services
from bot.db.crypto import Cipher
from bot.db.engine import Database, migration_engine
from bot.db.migrate import migrate
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import FixedClock
from bot.domain.effects import SetMute, SyncStage
from bot.domain.groups import VoiceKind
from bot.domain.meeting import Arrive, Break, Done, End, Leave, Next, Pause, Resume
from bot.services.effects import QueuedEffect
from bot.services.groups import Actor, GroupService, GroupView
from bot.services.meetings import MeetingService, MeetingView, NoVoiceChannelError
from bot.services.voice import MuteTarget, StageTarget, VoiceFloorService
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.service.helpers import ADMIN, FAC, FACILITATOR, GUILD, TEXT, VOICE, add_members, make_group

A, B, C, D, VISITOR = 21, 22, 23, 24, 99
TEXT_B, VOICE_B = 900_011, 900_012


@pytest.fixture
def meetings(services: Services) -> MeetingService:
    """The meeting service on the test database."""
    return services.meetings


@pytest.fixture
def ledger(services: Services) -> VoiceFloorService:
    """The ledger as the applier reads it."""
    return services.voice


async def _voice_group(
    groups: GroupService,
    *members: int,
    kind: VoiceKind = VoiceKind.VOICE,
    name: str = "Set A",
    channels: tuple[int, int] = (TEXT, VOICE),
) -> GroupView:
    reserved = await groups.begin_creation(GUILD, ADMIN, name, FACILITATOR, voice=kind)
    group = (await groups.complete_creation(GUILD, reserved.id, *channels)).value
    await add_members(groups, group, *members)
    return group


async def _act(meetings: MeetingService, user: int, event: object, meeting_id: int) -> tuple[MeetingView, set[int]]:
    actor = FAC if user == FACILITATOR else Actor(user)
    outcome = await meetings.act(GUILD, actor, event, meeting_id=meeting_id)  # type: ignore[arg-type]
    return outcome.value, _mutes(outcome.effects)


def _mutes(effects: list[QueuedEffect]) -> set[int]:
    return {e.effect.user_id for e in effects if isinstance(e.effect, SetMute)}


async def _wanted(ledger: VoiceFloorService, *users: int) -> dict[int, int | None]:
    """Where the floor wants each person muted (None: unmuted); every one of them must have a ledger row."""
    targets = {user: await ledger.target(GUILD, user) for user in users}
    assert all(target.owned for target in targets.values()), targets
    return {user: min(target.channels, default=None) for user, target in targets.items()}


async def _stage(ledger: VoiceFloorService, user: int) -> StageTarget | None:
    """The person's one Stage row (None: none)."""
    targets = await ledger.stage_targets(GUILD, user)
    assert len(targets) <= 1, targets
    return targets[0] if targets else None


async def _catch_up(
    groups: GroupService, meetings: MeetingService, kind: VoiceKind = VoiceKind.VOICE
) -> tuple[MeetingView, set[int]]:
    group = await _voice_group(groups, A, B, C, kind=kind)
    meeting = (await meetings.start(GUILD, FAC, group.id, None, voice=True)).value
    for user in (A, B, C):
        await _act(meetings, user, Arrive(user), meeting.id)
    return await _act(meetings, FACILITATOR, Next(), meeting.id)


async def test_listeners_are_written_in_the_ledger_when_the_floor_closes_and_the_speaker_is_not(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, muted = await _catch_up(groups, meetings)
    listeners = {A, B, C} - {view.speaker}
    assert muted == listeners
    assert await _wanted(ledger, *listeners) == dict.fromkeys(listeners, VOICE)
    assert view.speaker is not None
    assert await ledger.target(GUILD, view.speaker) == MuteTarget(owned=False)
    assert await ledger.target(GUILD, FACILITATOR) == MuteTarget(owned=False)


async def test_a_hand_over_touches_only_the_two_whose_floor_changed(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings)
    first = view.speaker
    assert first is not None
    after, muted = await _act(meetings, first, Done(first), view.id)
    assert after.speaker is not None
    assert muted == {first, after.speaker}
    wanted = await _wanted(ledger, first, after.speaker)
    assert wanted == {first: VOICE, after.speaker: None}


async def test_a_text_meeting_mutes_nobody(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    group = await _voice_group(groups, A, B)
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    for user in (A, B):
        await _act(meetings, user, Arrive(user), meeting.id)
    _, muted = await _act(meetings, FACILITATOR, Next(), meeting.id)
    assert muted == set()
    assert not (await ledger.target(GUILD, A)).owned
    assert not (await ledger.target(GUILD, B)).owned


async def test_voice_needs_a_voice_channel(groups: GroupService, meetings: MeetingService) -> None:
    group = await make_group(groups, "Set B")
    with pytest.raises(NoVoiceChannelError, match="no voice or Stage channel"):
        await meetings.start(GUILD, FAC, group.id, None, voice=True)


@pytest.mark.parametrize("hold", [Pause(), Break(10)], ids=["pause", "break"])
async def test_pause_and_break_unmute_everyone_the_bot_muted_and_resume_mutes_them_again(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService, hold: object
) -> None:
    view, _ = await _catch_up(groups, meetings)
    listeners = {A, B, C} - {view.speaker}
    _, unmuted = await _act(meetings, FACILITATOR, hold, view.id)
    assert unmuted == listeners
    assert await _wanted(ledger, *listeners) == dict.fromkeys(listeners, None)
    _, muted = await _act(meetings, FACILITATOR, Resume(), view.id)
    assert muted == listeners
    assert await _wanted(ledger, *listeners) == dict.fromkeys(listeners, VOICE)


async def test_the_end_and_a_leaver_are_unmuted_and_their_rows_go_only_once_undone(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings)
    leaver, *others = sorted({A, B, C} - {view.speaker})
    _, unmuted = await _act(meetings, leaver, Leave(leaver), view.id)
    assert unmuted == {leaver}
    assert await _wanted(ledger, leaver) == {leaver: None}
    await ledger.undone(GUILD, leaver)
    assert not (await ledger.target(GUILD, leaver)).owned
    _, unmuted = await _act(meetings, FACILITATOR, End(), view.id)
    assert unmuted == set(others)
    assert await _wanted(ledger, *others) == dict.fromkeys(others, None)


async def test_a_row_the_floor_still_wants_is_kept_when_an_unmute_is_reported(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings)
    listener = min({A, B, C} - {view.speaker})
    await ledger.undone(GUILD, listener)  # an unmute carried out for a listener who moved away: still wanted here
    assert await _wanted(ledger, listener) == {listener: VOICE}


async def test_a_mute_someone_else_made_first_is_noted_as_theirs_once(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings)
    listener = min({A, B, C} - {view.speaker})
    await ledger.noted(GUILD, listener, theirs=True)
    await ledger.noted(GUILD, listener, theirs=False)  # a later look (after the bot's own mute) changes nothing
    assert (await ledger.target(GUILD, listener)).theirs is True


async def test_start_up_reconciles_every_row_including_those_of_an_ended_meeting(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings)
    listeners = {A, B, C} - {view.speaker}
    await _act(meetings, FACILITATOR, End(), view.id)
    resumed = await meetings.resume([GUILD])
    assert _mutes(resumed) == listeners
    assert await _wanted(ledger, *listeners) == dict.fromkeys(listeners, None)


async def test_joining_the_meetings_voice_channel_counts_as_here_and_mutes_a_listener(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings)
    await groups.add_member(GUILD, FAC, view.group_id, D)
    await groups.accept_ground_rules(GUILD, D, view.group_id)
    assert _mutes(await meetings.joined_voice(GUILD, D, VOICE)) == {D}
    assert await _wanted(ledger, D) == {D: VOICE}
    assert D in (await meetings.view(GUILD, FACILITATOR, meeting_id=view.id)).state.present
    assert _mutes(await meetings.joined_voice(GUILD, VISITOR, VOICE)) == set()
    assert not (await ledger.target(GUILD, VISITOR)).owned
    assert _mutes(await meetings.joined_voice(GUILD, FACILITATOR, VOICE)) == set()


async def test_an_owed_unmute_is_emitted_when_they_join_any_voice_channel(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings)
    listener = min({A, B, C} - {view.speaker})
    await _act(meetings, FACILITATOR, End(), view.id)
    assert _mutes(await meetings.joined_voice(GUILD, listener, 777)) == {listener}
    assert await _wanted(ledger, listener) == {listener: None}


async def test_a_join_that_concerns_no_meeting_and_no_mute_takes_no_write(
    groups: GroupService, meetings: MeetingService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _voice_group(groups, 21)
    writes = 0
    opened = meetings._uow

    def counting(*, write: bool = True) -> object:
        nonlocal writes
        writes += write
        return opened(write=write)

    monkeypatch.setattr(meetings, "_uow", counting)
    assert await meetings.joined_voice(GUILD, 21, 777) == []  # another voice channel, nothing of the bot's
    assert writes == 0


def _stages(effects: list[QueuedEffect]) -> set[int]:
    return {e.effect.meeting_id for e in effects if isinstance(e.effect, SyncStage)}


async def test_a_stage_meeting_opens_its_stage_and_wants_the_facilitator_on_stage_from_the_start(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    group = await _voice_group(groups, A, kind=VoiceKind.STAGE)
    started = await meetings.start(GUILD, FAC, group.id, None, voice=True)
    assert _stages(started.effects) == {started.value.id}
    assert _mutes(started.effects) == {FACILITATOR}
    target = await _stage(ledger, FACILITATOR)
    assert target is not None
    assert (target.channel_id, target.suppress) == (VOICE, False)
    assert not (await ledger.target(GUILD, FACILITATOR)).owned, "no server mute is ever the Stage's way"
    plan = await ledger.stage_plan(started.value.id)
    assert plan is not None
    assert (plan.channel_id, plan.topic, plan.wanted, plan.instance_id) == (VOICE, "Set A", True, None)


async def test_on_a_stage_the_speaker_is_wanted_on_stage_and_the_listeners_in_the_audience(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, changed = await _catch_up(groups, meetings, VoiceKind.STAGE)
    assert changed == {A, B, C}
    targets = {user: await _stage(ledger, user) for user in (A, B, C)}
    assert {user: t.suppress if t else None for user, t in targets.items()} == {u: u != view.speaker for u in (A, B, C)}
    assert all(t is not None and t.channel_id == VOICE for t in targets.values())


async def test_on_a_stage_the_bots_own_changes_are_recorded_before_and_forgotten_when_they_leave(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings, VoiceKind.STAGE)
    row = await _stage(ledger, A)
    assert row is not None
    await ledger.stage_noted(row, GUILD, A, theirs=True, changing=view.speaker == A)
    await ledger.stage_noted(row, GUILD, A, theirs=False, changing=False)  # a later look keeps the first, and changed
    target = await _stage(ledger, A)
    assert target is not None
    assert (target.theirs, target.changed) == (True, view.speaker == A)
    await ledger.stage_undone(target, GUILD, A)  # they left the Stage while the floor still wants them
    target = await _stage(ledger, A)
    assert target is not None
    assert (target.theirs, target.changed) == (None, False)


async def test_the_end_of_a_stage_meeting_closes_its_stage_and_undoes_every_state_even_the_facilitators(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings, VoiceKind.STAGE)
    await _act(meetings, FACILITATOR, Pause(), view.id)  # the facilitator's floor does not change at the end
    outcome = await meetings.act(GUILD, FAC, End(), meeting_id=view.id)
    assert _stages(outcome.effects) == {view.id}
    assert FACILITATOR in _mutes(outcome.effects)
    target = await _stage(ledger, FACILITATOR)
    assert target is not None
    assert target.suppress is None


async def test_start_up_closes_a_stage_the_bot_opened_for_a_meeting_that_ended(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    view, _ = await _catch_up(groups, meetings, VoiceKind.STAGE)
    await ledger.stage_opened(view.id, 555)
    await _act(meetings, FACILITATOR, End(), view.id)
    assert _stages(await meetings.resume([GUILD])) == {view.id}
    plan = await ledger.stage_plan(view.id)
    assert plan is not None
    assert (plan.wanted, plan.instance_id) == (False, 555)
    await ledger.stage_opened(view.id, None)
    assert _stages(await meetings.resume([GUILD])) == set(), "once closed, never again"


async def _second_meeting(groups: GroupService, meetings: MeetingService) -> MeetingView:
    """Set B's voice meeting in its own channel, in its catch-up, with A (who is in Set A's meeting too) and D."""
    group = await _voice_group(groups, A, D, name="Set B", channels=(TEXT_B, VOICE_B))
    meeting = (await meetings.start(GUILD, FAC, group.id, None, voice=True)).value
    for user in (A, D):
        await _act(meetings, user, Arrive(user), meeting.id)
    view, _ = await _act(meetings, FACILITATOR, Next(), meeting.id)
    return view


async def test_each_meeting_owns_its_mutes_and_another_meetings_floor_leaves_them_wanted(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    first, _ = await _catch_up(groups, meetings)
    while first.speaker == A:  # A listens in Set A's meeting
        first, _ = await _act(meetings, A, Done(A), first.id)
    second = await _second_meeting(groups, meetings)
    for _turn in range(2):  # Set B's floor moves through A's turn and on
        holder = second.speaker
        assert holder is not None
        assert (await ledger.target(GUILD, A)).channels == ({VOICE} if holder == A else {VOICE, VOICE_B}), (
            "each meeting's wish, in its own channel"
        )
        second, muted = await _act(meetings, holder, Done(holder), second.id)
        assert A in muted
    # With no bids, Set B's meeting ended with its catch-up.
    assert (await ledger.target(GUILD, A)).channels == {VOICE}, "Set B's end leaves Set A's mute wanted"
    await _act(meetings, FACILITATOR, End(), first.id)
    assert (await ledger.target(GUILD, A)).channels == set()
    await ledger.undone(GUILD, A)
    assert not (await ledger.target(GUILD, A)).owned, "no row is left once both meetings ended and A is unmuted"


async def test_a_moderators_mute_noted_by_one_meeting_is_known_to_the_other(
    groups: GroupService, meetings: MeetingService, ledger: VoiceFloorService
) -> None:
    first, _ = await _catch_up(groups, meetings)
    while first.speaker == A:
        first, _ = await _act(meetings, A, Done(A), first.id)
    await ledger.noted(GUILD, A, theirs=True)
    await _second_meeting(groups, meetings)
    await ledger.noted(GUILD, A, theirs=False)  # a look after Set B's row was written: the first answer stands
    assert (await ledger.target(GUILD, A)).theirs is True


async def test_migration_0015_gives_each_mute_the_channel_of_its_meeting_and_goes_back_to_one_row_a_person(
    fresh_database_url: str, clock: FixedClock
) -> None:
    await migrate(fresh_database_url)
    database = Database(fresh_database_url, cipher=Cipher([TEST_ENCRYPTION_KEY]))
    services = build_services(database, clock, "test-instance", uow=UnitOfWorkFactory(database, clock))
    first, _ = await _catch_up(services.groups, services.meetings)
    while first.speaker == A:
        first, _ = await _act(services.meetings, A, Done(A), first.id)
    await _second_meeting(services.groups, services.meetings)
    await database.dispose()

    await migrate(fresh_database_url, "0014", downgrade=True)
    before = await _rows(fresh_database_url)
    assert [row for row in before if row[0] == A] == [(A, None)], "one row a person, as 0014 kept them"
    await migrate(fresh_database_url, "0015")
    after = await _rows(fresh_database_url)
    assert len(after) == len(before)
    assert all(channel in (VOICE, VOICE_B) for _user, channel in after), "each row has its meeting's channel"


async def _rows(url: str) -> list[tuple[int, int | None]]:
    engine = migration_engine(url)
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT user_id, channel_id FROM voice_mutes WHERE kind = 'mute'"))
        found = [(int(user), channel) for user, channel in rows.all()]
    await engine.dispose()
    return found
