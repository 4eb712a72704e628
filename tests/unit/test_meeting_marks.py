"""A card's mark tells every turn apart, a raised hand's turn included, so a stale Next never ends a later turn."""

from __future__ import annotations

from bot.domain.meeting import (
    Done,
    Event,
    FloorTo,
    MeetingState,
    Next,
    Phase,
    RaiseHand,
    Skip,
    apply,
    from_json,
    start,
    to_json,
)
from bot.services.meetings import turn_mark
from tests.unit.test_meeting import FAC, NOW, TIMING, A, B, C


def _catch_up() -> MeetingState:
    state = start(FAC, present=(A, B, C), rotation=0, timing=TIMING, voted=((A, 1),), now=NOW)
    state = apply(state, Next(), timing=TIMING, now=NOW).state
    assert state.phase is Phase.CATCH_UP
    assert state.queue == (A, B, C)
    return state


def test_a_hand_turn_and_the_same_members_own_turn_that_follows_have_different_marks() -> None:
    hand = _catch_up()
    for event in (RaiseHand(B), Done(A)):
        hand = apply(hand, event, timing=TIMING, now=NOW).state
    own = apply(hand, Done(B), timing=TIMING, now=NOW).state
    assert (hand.queue[0], hand.by_hand, own.queue[0], own.by_hand) == (B, True, B, False)
    assert turn_mark(hand) != turn_mark(own)


def test_every_turn_begun_has_a_mark_of_its_own() -> None:
    state = _catch_up()
    marks = [turn_mark(state)]
    events: list[Event] = [RaiseHand(B), Done(A), RaiseHand(C), Done(B), Done(C), RaiseHand(C), Skip(B), Done(C)]
    for event in events:
        step = apply(state, event, timing=TIMING, now=NOW)
        state = step.state
        if any(isinstance(note, FloorTo) for note in step.notes):
            marks.append(turn_mark(state))
    assert len(marks) == 6  # the first turn, then five hand-overs (three by hand)
    assert len(set(marks)) == len(marks), marks


def test_a_state_stored_before_turns_were_counted_still_loads() -> None:
    state = apply(_catch_up(), Done(A), timing=TIMING, now=NOW).state
    stored = to_json(state)
    del stored["turn_number"]
    loaded = from_json(stored)
    assert (loaded.phase, loaded.queue, loaded.had_turn) == (state.phase, state.queue, state.had_turn)
