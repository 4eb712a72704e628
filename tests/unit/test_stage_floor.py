"""The Stage floor's pure rules: who the floor wants on stage or in the audience, and what the applier then sends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.meeting import Arrive, Break, End, Event, MeetingState, Next, Pause, Timing, apply, speaker, start
from bot.services.voice import StageTarget, wants_mute, wants_suppress
from bot.ui.effects.suppress import stage_wanted

NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
TIMING = Timing(present_minutes=5, turn_minutes=3, auto_advance=False)
FAC, ALICE, BOB, CLEO = 1, 21, 22, 23


def _after(*events: Event) -> MeetingState:
    state = start(FAC, present=(), rotation=0, timing=TIMING, voted=None, now=NOW)
    for event in events:
        state = apply(state, event, timing=TIMING, now=NOW).state
    return state


CATCH_UP = (Arrive(ALICE), Arrive(BOB), Arrive(CLEO), Next())


def test_in_the_catch_up_the_speaker_and_the_facilitator_are_on_stage_and_the_rest_in_the_audience() -> None:
    state = _after(*CATCH_UP)
    on = speaker(state)
    assert on in (ALICE, BOB, CLEO)
    assert wants_suppress(state, FAC) is False
    assert wants_suppress(state, on or 0) is False
    assert {wants_suppress(state, p) for p in (ALICE, BOB, CLEO) if p != on} == {True}
    assert wants_suppress(state, 99) is None, "someone not at the meeting is left alone"


def test_in_the_opening_only_the_facilitator_is_wanted_on_stage() -> None:
    state = _after(Arrive(ALICE))
    assert wants_suppress(state, FAC) is False
    assert wants_suppress(state, ALICE) is None


@pytest.mark.parametrize("held", [Pause(), Break(10)], ids=["pause", "break"])
def test_a_pause_or_a_break_holds_nobody_in_the_audience_but_keeps_the_facilitator_on_stage(held: Event) -> None:
    state = _after(*CATCH_UP, held)
    assert [wants_suppress(state, p) for p in (ALICE, BOB, CLEO)] == [None, None, None]
    assert wants_suppress(state, FAC) is False


def test_after_the_end_nobody_is_wanted_anywhere_not_even_the_facilitator() -> None:
    state = _after(*CATCH_UP, End())
    assert [wants_suppress(state, p) for p in (FAC, ALICE, BOB, CLEO)] == [None] * 4


def test_the_facilitator_is_never_muted_in_voice_but_is_on_stage_on_a_stage() -> None:
    state = _after(*CATCH_UP)
    assert wants_mute(state, FAC) is False
    assert wants_suppress(state, FAC) is False


@pytest.mark.parametrize(
    ("target", "suppressed", "sent"),
    [
        (StageTarget(1, 9, suppress=True), False, True),  # a listener on stage goes to the audience
        (StageTarget(1, 9, suppress=True), True, None),  # already in the audience: not touched
        (StageTarget(1, 9, suppress=False), True, False),  # the speaker is brought on stage
        (StageTarget(1, 9, theirs=True, changed=True), False, True),  # undo: back to the audience they were in
        (StageTarget(1, 9, theirs=False, changed=True), True, False),  # undo: back on the stage they were on
        (StageTarget(1, 9, theirs=True, changed=True), True, None),  # someone else already put them back
        (StageTarget(1, 9, theirs=True, changed=False), False, None),  # the bot never changed them: not its to undo
        (StageTarget(1, 9, theirs=None, changed=False), False, None),  # nothing known: nothing undone
    ],
)
def test_the_applier_sends_only_a_change_and_undoes_only_its_own(
    target: StageTarget, suppressed: bool, sent: bool | None
) -> None:
    assert stage_wanted(target, suppressed=suppressed) is sent
