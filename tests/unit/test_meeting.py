"""The meeting with no I/O: phases, one speaker at a time in a fair order, hands, timers, modes and commitments."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bot.domain.errors import UserFacingError
from bot.domain.groups import Floor
from bot.domain.meeting import (
    MAX_ACTIONS,
    MODE_NAMES,
    MODE_PROMPTS,
    OPEN_PHASES,
    PHASE_PROMPTS,
    ROUND_PHASES,
    TURN_PHASES,
    WARNING,
    ActionsRecorded,
    Arrive,
    Arrived,
    Break,
    BreakStarted,
    Committed,
    Done,
    End,
    Event,
    Extend,
    Extended,
    FloorTo,
    HandLowered,
    HandRaised,
    Leave,
    Left,
    LowerHand,
    MeetingRuleError,
    MeetingState,
    Mode,
    ModeChanged,
    Next,
    Note,
    Pass,
    Pause,
    Paused,
    Phase,
    PhaseEntered,
    RaiseHand,
    Resume,
    Resumed,
    SetMode,
    Skip,
    Step,
    TimeUp,
    TimeUpNote,
    Timing,
    TurnEnded,
    TurnOutcome,
    Voted,
    Warned,
    apply,
    deadlines,
    floor_of,
    from_json,
    speaker,
    start,
    to_json,
    up_next,
)
from bot.domain.meeting.rounds import may_press

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TIMING = Timing(present_minutes=5, turn_minutes=3, auto_advance=False)
AUTO = Timing(present_minutes=5, turn_minutes=3, auto_advance=True)
FAC = 900
A, B, C, D = 101, 102, 103, 104


def begin(
    present: tuple[int, ...] = (A, B, C),
    *,
    rotation: int = 0,
    voted: tuple[tuple[int, int | None], ...] | None = ((A, 1), (B, 2)),
) -> MeetingState:
    return start(FAC, present=present, rotation=rotation, timing=TIMING, voted=voted, now=NOW)


def run(state: MeetingState, *events: Event, timing: Timing = TIMING, now: datetime = NOW) -> Step:
    """Apply the events in turn; the last state with every note on the way."""
    notes: list[Note] = []
    for event in events:
        step = apply(state, event, timing=timing, now=now)
        state = step.state
        notes.extend(step.notes)
    return Step(state, tuple(notes))


def reach(state: MeetingState, phase: Phase, round_index: int = 0) -> MeetingState:
    """Press Next (answering an open vote with no winners) until the meeting is in `phase` of `round_index`."""
    for _ in range(100):
        if state.phase is phase and (state.round is None or state.round_index == round_index):
            return state
        event: Event = Voted(()) if state.phase is Phase.VOTE else Next()
        state = apply(state, event, timing=TIMING, now=NOW).state
    raise AssertionError(f"never reached {phase} of round {round_index}")


def refused(state: MeetingState, event: Event, match: str, *, timing: Timing = TIMING) -> None:
    with pytest.raises(MeetingRuleError, match=match):
        apply(state, event, timing=timing, now=NOW)


# ---- starting and attendance


def test_a_meeting_starts_in_its_opening_with_nobody_holding_the_floor() -> None:
    state = begin()
    assert (state.phase, speaker(state), deadlines(state)) == (Phase.OPENING, None, [])


def test_the_facilitator_is_not_counted_among_the_present() -> None:
    assert begin((A, FAC, B)).present == (A, B)


def test_someone_listed_twice_at_the_start_is_present_once() -> None:
    assert begin((A, B, A)).present == (A, B)


def test_arriving_adds_to_the_present_in_arrival_order() -> None:
    step = run(begin((B,)), Arrive(C), Arrive(A))
    assert step.state.present == (B, C, A)
    assert step.notes == (Arrived(C), Arrived(A))


def test_arriving_twice_changes_nothing() -> None:
    state = begin()
    assert apply(state, Arrive(A), timing=TIMING, now=NOW) == Step(state, ())


def test_the_facilitator_pressing_here_changes_nothing() -> None:
    state = begin()
    assert apply(state, Arrive(FAC), timing=TIMING, now=NOW) == Step(state, ())


def test_next_in_the_opening_starts_the_catch_up() -> None:
    step = run(begin(), Next())
    assert step.state.phase is Phase.CATCH_UP
    assert step.notes[0] == PhaseEntered(Phase.CATCH_UP, None)


# ---- the fair order


def test_the_catch_up_takes_each_present_member_in_turn() -> None:
    state = reach(begin((C, A, B)), Phase.CATCH_UP)
    assert state.queue == (A, B, C)


@pytest.mark.parametrize(("rotation", "first"), [(0, A), (1, B), (2, C), (3, A), (-1, C)])
def test_the_first_speaker_rotates_from_meeting_to_meeting(rotation: int, first: int) -> None:
    assert speaker(reach(begin(rotation=rotation), Phase.CATCH_UP)) == first


def test_the_order_does_not_depend_on_who_pressed_here_first() -> None:
    one = reach(begin((A, B, C)), Phase.CATCH_UP)
    other = reach(begin((C, B, A)), Phase.CATCH_UP)
    assert one.queue == other.queue


def test_the_holder_has_no_clarify_turn() -> None:
    state = reach(begin((A, B, C)), Phase.CLARIFY)
    assert A not in state.queue
    assert set(state.queue) == {B, C}


def test_the_holder_has_no_input_turn() -> None:
    state = reach(begin((A, B, C)), Phase.INPUT)
    assert A not in state.queue
    assert set(state.queue) == {B, C}


def test_the_facilitator_has_no_clarify_or_input_turn_but_speaks_in_their_own_phase() -> None:
    state = begin((A, B, C))
    assert FAC not in reach(state, Phase.CLARIFY).queue
    assert FAC not in reach(state, Phase.INPUT).queue
    assert speaker(reach(state, Phase.FACILITATOR)) == FAC


def test_the_first_peer_to_speak_moves_on_from_round_to_round() -> None:
    state = begin((A, B, C, D), voted=((A, 1), (B, 2)))
    assert reach(state, Phase.CLARIFY, 0).queue == (B, C, D)
    assert reach(state, Phase.CLARIFY, 1).queue == (C, D, A)


def test_the_holder_presents_first_with_the_presentation_time() -> None:
    state = reach(begin(), Phase.PRESENT)
    assert speaker(state) == A
    assert state.turn_ends_at == NOW + timedelta(minutes=5)


def test_a_late_joiner_is_added_to_the_end_of_the_catch_up() -> None:
    state = run(reach(begin((A, B)), Phase.CATCH_UP), Arrive(D)).state
    assert state.queue == (A, B, D)


def test_a_late_joiner_is_added_to_the_end_of_the_input() -> None:
    state = run(reach(begin((A, B)), Phase.INPUT), Arrive(D)).state
    assert state.queue == (B, D)


def test_a_returning_holder_is_not_given_a_turn_in_clarify() -> None:
    state = run(reach(begin((A, B, C)), Phase.CLARIFY), Leave(A), Arrive(A)).state
    assert A not in state.queue


def test_a_late_joiner_is_not_queued_in_a_phase_where_only_the_facilitator_speaks() -> None:
    state = run(reach(begin((A, B)), Phase.FACILITATOR), Arrive(D)).state
    assert state.queue == (FAC,)


def test_the_speaker_leaving_hands_the_floor_to_the_next() -> None:
    step = run(reach(begin(), Phase.CATCH_UP), Leave(A))
    assert speaker(step.state) == B
    assert TurnEnded(A, False, TurnOutcome.LEFT) in step.notes
    assert Left(A) in step.notes


def test_someone_who_leaves_is_skipped() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Leave(B), Done(A)).state
    assert speaker(state) == C


def test_someone_who_leaves_after_their_turn_and_returns_gets_no_second_turn() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Done(A), Leave(A), Arrive(A)).state
    assert state.queue == (B, C)


def test_someone_who_leaves_before_their_turn_and_returns_is_added_at_the_end() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Leave(B), Arrive(B)).state
    assert state.queue == (A, C, B)


def test_leaving_when_not_present_changes_nothing() -> None:
    state = begin((A,))
    assert apply(state, Leave(B), timing=TIMING, now=NOW) == Step(state, ())


def test_an_absent_holder_s_round_does_not_run_and_waits_for_next_time() -> None:
    state = reach(begin((B, C), voted=((A, 1), (B, 2))), Phase.CATCH_UP)
    state = run(state, Done(B), Done(C)).state
    # Nobody to present A's issue: peers are not asked to question an empty chair; B's round runs instead.
    assert (state.phase, state.round_index, state.queue) == (Phase.PRESENT, 1, (B,))
    assert [item.ran for item in state.rounds] == [False, True]


def test_a_meeting_whose_only_holder_is_absent_closes_after_the_catch_up() -> None:
    state = reach(begin((B, C), voted=((A, 1),)), Phase.CATCH_UP)
    state = run(state, Done(B), Done(C)).state
    assert state.phase is Phase.CLOSED
    assert not state.rounds[0].ran


@pytest.mark.parametrize("phase", [Phase.PRESENT, Phase.CLARIFY, Phase.INPUT, Phase.FACILITATOR, Phase.COMMIT])
def test_a_holder_who_leaves_during_their_round_cuts_it_short_and_the_next_round_begins(phase: Phase) -> None:
    state = run(reach(begin(), phase, 0), Leave(A)).state
    assert state.rounds[0].ran
    assert state.rounds[0].cut_short
    assert (state.phase, state.round_index, speaker(state)) == (Phase.PRESENT, 1, B), "nobody helps an empty chair"
    assert from_json(to_json(state)) == state


def test_the_last_holder_leaving_during_their_round_closes_the_meeting() -> None:
    state = run(reach(begin(voted=((A, 1),)), Phase.INPUT), Leave(A)).state
    assert state.phase is Phase.CLOSED
    assert state.rounds[0].cut_short


def test_a_peer_who_leaves_during_a_round_does_not_cut_it_short() -> None:
    state = run(reach(begin(), Phase.CLARIFY, 0), Leave(C)).state
    assert (state.phase, state.round_index) == (Phase.CLARIFY, 0)
    assert not state.rounds[0].cut_short


def test_the_facilitator_cannot_leave_their_own_meeting() -> None:
    refused(begin(), Leave(FAC), "You are facilitating this meeting: end it with /meeting end")


# ---- the phases


def test_the_catch_up_ends_in_the_vote_when_the_group_has_not_voted() -> None:
    state = reach(begin(voted=None), Phase.CATCH_UP)
    assert run(state, Done(A), Done(B), Done(C)).state.phase is Phase.VOTE


def test_the_vote_is_skipped_when_the_group_voted_before_the_meeting() -> None:
    state = reach(begin(voted=((B, 7),)), Phase.CATCH_UP)
    step = run(state, Done(A), Done(B), Done(C))
    assert (step.state.phase, speaker(step.state)) == (Phase.PRESENT, B)
    assert PhaseEntered(Phase.VOTE, None) not in step.notes


def test_a_meeting_with_no_issues_closes_after_the_catch_up() -> None:
    state = reach(begin(voted=()), Phase.CATCH_UP)
    assert run(state, Done(A), Done(B), Done(C)).state.phase is Phase.CLOSED


def test_the_vote_s_winners_become_the_rounds_in_order() -> None:
    state = run(reach(begin(voted=None), Phase.VOTE), Voted(((C, 3), (A, None)))).state
    assert [(item.holder_id, item.bid_id) for item in state.rounds] == [(C, 3), (A, None)]
    assert (state.phase, speaker(state)) == (Phase.PRESENT, C)


def test_a_vote_with_no_winners_closes_the_meeting() -> None:
    assert run(reach(begin(voted=None), Phase.VOTE), Voted(())).state.phase is Phase.CLOSED


def test_a_round_runs_present_clarify_input_facilitator_commit() -> None:
    state = reach(begin((A, B), voted=((A, 1),)), Phase.PRESENT)
    notes = run(state, Done(A), Done(B), Done(B), Done(FAC), Done(A)).notes
    entered = [note.phase for note in notes if isinstance(note, PhaseEntered)]
    assert entered == [Phase.CLARIFY, Phase.INPUT, Phase.FACILITATOR, Phase.COMMIT, Phase.CLOSED]


def test_the_last_round_s_commit_closes_the_meeting() -> None:
    state = reach(begin(voted=((A, 1),)), Phase.COMMIT)
    assert run(state, Committed(A, 2)).state.phase is Phase.CLOSED


def test_a_commit_leads_to_the_next_round() -> None:
    state = reach(begin(), Phase.COMMIT, 0)
    state = run(state, Committed(A, 1)).state
    assert (state.phase, state.round_index, speaker(state)) == (Phase.PRESENT, 1, B)


def test_end_closes_the_meeting_from_any_phase() -> None:
    state = reach(begin(), Phase.INPUT)
    step = run(state, End())
    assert step.state.phase is Phase.CLOSED
    assert step.notes == (PhaseEntered(Phase.CLOSED, None),)
    assert (speaker(step.state), deadlines(step.state)) == (None, [])


def test_end_opens_the_floor_even_during_a_pause() -> None:
    state = run(reach(begin(), Phase.INPUT), Pause(), End()).state
    assert (state.paused, state.break_until, state.time_left) == (False, None, None)


# ---- Done, Pass, Next, Skip


def test_done_ends_the_speaker_s_turn() -> None:
    step = run(reach(begin(), Phase.CATCH_UP), Done(A))
    assert speaker(step.state) == B
    assert step.notes == (
        TurnEnded(A, False, TurnOutcome.DONE),
        FloorTo(B, False, NOW + timedelta(minutes=3)),
    )


def test_done_from_someone_without_the_floor_is_refused_naming_the_speaker() -> None:
    refused(reach(begin(), Phase.CLARIFY), Done(C), r"It is not your turn: <@102> has the floor. Wait for your turn")


def test_done_out_of_turn_in_an_open_phase_suggests_raising_a_hand() -> None:
    refused(reach(begin(), Phase.CATCH_UP), Done(B), r"It is not your turn: <@101> has the floor. Raise your hand")


def test_a_second_done_says_the_turn_is_over() -> None:
    refused(run(reach(begin(), Phase.CATCH_UP), Done(A)).state, Done(A), r"Your turn is over: <@102> has the floor")


def test_done_when_nobody_takes_turns_is_refused() -> None:
    refused(begin(), Done(A), "Nobody has the floor just now")


def test_pass_in_the_input_is_recorded_as_a_pass() -> None:
    state = run(reach(begin((A, B, C)), Phase.INPUT), Pass(B), Done(C)).state
    assert (state.rounds[0].passes, state.rounds[0].inputs) == ((B,), (C,))


def test_pass_in_clarify_is_recorded_apart_from_the_input() -> None:
    state = run(reach(begin((A, B, C)), Phase.CLARIFY), Pass(B)).state
    assert (state.rounds[0].clarify_passes, state.rounds[0].passes) == ((B,), ())


def test_input_given_is_recorded_in_order() -> None:
    state = run(reach(begin((A, B, C, D)), Phase.INPUT), Done(B), Next(), Pass(D)).state
    assert state.rounds[0].inputs == (B, C)


def test_pass_while_presenting_is_refused() -> None:
    refused(reach(begin(), Phase.PRESENT), Pass(A), "your turn to present your issue: press Done")


def test_pass_in_the_commit_step_is_refused() -> None:
    refused(
        reach(begin(), Phase.COMMIT), Pass(A), "say what you learnt and record your actions: press Record my actions"
    )


def test_pass_from_someone_without_the_floor_is_refused() -> None:
    refused(reach(begin(), Phase.INPUT), Pass(C), "It is not your turn")


def test_next_ends_the_current_turn() -> None:
    step = run(reach(begin(), Phase.CATCH_UP), Next())
    assert speaker(step.state) == B
    assert step.notes[0] == TurnEnded(A, False, TurnOutcome.NEXT)


def test_next_during_the_vote_is_refused_with_how_to_close_it() -> None:
    refused(reach(begin(voted=None), Phase.VOTE), Next(), "close it with /vote close")


def test_skipping_the_speaker_hands_the_floor_on() -> None:
    step = run(reach(begin(), Phase.CATCH_UP), Skip(A))
    assert speaker(step.state) == B
    assert step.notes[0] == TurnEnded(A, False, TurnOutcome.SKIPPED)


def test_skipping_someone_queued_takes_them_out_of_this_phase() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Skip(B), Arrive(B)).state
    assert state.queue == (A, C)


def test_skipping_someone_not_waiting_is_refused() -> None:
    refused(run(reach(begin(), Phase.CATCH_UP), Done(A)).state, Skip(A), "not waiting for a turn")


def test_skipping_someone_whose_turn_is_over_lowers_their_raised_hand() -> None:
    step = run(reach(begin(), Phase.CATCH_UP), Done(A), RaiseHand(A), Skip(A))
    assert step.state.hands == ()
    assert step.notes[-1] == HandLowered(A)


def test_skipping_someone_queued_with_a_raised_hand_takes_their_turn_and_keeps_the_hand() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), RaiseHand(C), Skip(C)).state
    assert (state.queue, state.hands) == ((A, B), (C,))


# ---- raised hands


def test_a_raised_hand_speaks_after_the_current_turn_before_the_fixed_order() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), RaiseHand(C), Done(A)).state
    assert (speaker(state), state.by_hand, state.queue) == (C, True, (C, B, C))


def test_after_a_raised_hand_the_fixed_order_resumes() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), RaiseHand(C), Done(A), Done(C)).state
    assert speaker(state) == B


def test_a_hand_turn_is_not_a_turn_in_the_order() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), RaiseHand(B), Done(A), Done(B)).state
    assert (speaker(state), state.by_hand) == (B, False)


def test_hands_are_served_in_the_order_raised() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), RaiseHand(C), RaiseHand(B), Done(A)).state
    assert (speaker(state), up_next(state)) == (C, B)


def test_raising_a_raised_hand_changes_nothing() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), RaiseHand(C)).state
    assert apply(state, RaiseHand(C), timing=TIMING, now=NOW) == Step(state, ())


def test_a_hand_can_be_lowered() -> None:
    step = run(reach(begin(), Phase.CATCH_UP), RaiseHand(C), LowerHand(C))
    assert step.state.hands == ()
    assert step.notes == (HandRaised(C), HandLowered(C))


def test_lowering_a_hand_not_raised_changes_nothing() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    assert apply(state, LowerHand(C), timing=TIMING, now=NOW) == Step(state, ())


@pytest.mark.parametrize("phase", [Phase.PRESENT, Phase.CLARIFY, Phase.INPUT, Phase.COMMIT])
def test_raising_a_hand_outside_the_open_phases_is_refused(phase: Phase) -> None:
    refused(reach(begin(), phase), RaiseHand(C), "Hands go up only in the catch-up")


def test_raising_a_hand_in_the_opening_is_refused() -> None:
    refused(begin(), RaiseHand(C), "Hands go up only in the catch-up")


def test_the_speaker_cannot_raise_a_hand() -> None:
    refused(reach(begin(), Phase.CATCH_UP), RaiseHand(A), "You have the floor now")


def test_someone_not_present_cannot_raise_a_hand() -> None:
    refused(reach(begin(), Phase.CATCH_UP), RaiseHand(D), "Press Here to join the meeting first")


def test_the_facilitator_need_not_raise_a_hand() -> None:
    refused(reach(begin(), Phase.CATCH_UP), RaiseHand(FAC), "no need to raise your hand")


def test_hands_after_the_facilitator_s_thoughts_are_heard_before_the_commit() -> None:
    state = run(reach(begin(), Phase.FACILITATOR), RaiseHand(C), Done(FAC)).state
    assert (state.phase, speaker(state)) == (Phase.FACILITATOR, C)
    assert run(state, Done(C)).state.phase is Phase.COMMIT


def test_hands_are_put_down_when_the_phase_ends() -> None:
    state = run(reach(begin((A, B)), Phase.CATCH_UP), RaiseHand(B), Done(A), Next(), Next()).state
    assert (state.phase, state.hands) == (Phase.PRESENT, ())


def test_leaving_lowers_a_raised_hand() -> None:
    step = run(reach(begin(), Phase.CATCH_UP), RaiseHand(C), Leave(C))
    assert step.state.hands == ()
    assert HandLowered(C) in step.notes


# ---- the floor


def test_the_speaker_speaks_and_the_other_present_members_listen() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    assert [floor_of(state, user) for user in (A, B, C)] == [Floor.SPEAKING, Floor.LISTENING, Floor.LISTENING]


def test_someone_not_present_is_not_kept_from_posting() -> None:
    assert floor_of(reach(begin(), Phase.CATCH_UP), D) is Floor.NO_MEETING


@pytest.mark.parametrize("phase", [Phase.OPENING, Phase.CLOSED])
def test_nobody_is_kept_from_posting_before_and_after_the_meeting(phase: Phase) -> None:
    state = reach(begin(voted=None), phase) if phase is not Phase.CLOSED else run(begin(), End()).state
    assert {floor_of(state, user) for user in (A, B, C)} == {Floor.NO_MEETING}


def test_the_vote_keeps_the_floor_closed_so_nobody_is_let_in_and_shut_out_again() -> None:
    state = reach(begin(voted=None), Phase.VOTE)
    assert (speaker(state), {floor_of(state, user) for user in (A, B, C)}) == (None, {Floor.LISTENING})
    assert floor_of(state, D) is Floor.NO_MEETING
    assert {floor_of(run(state, Pause()).state, user) for user in (A, B, C)} == {Floor.NO_MEETING}


def test_the_facilitator_speaks_in_their_own_phase() -> None:
    assert floor_of(reach(begin(), Phase.FACILITATOR), FAC) is Floor.SPEAKING


def test_up_next_is_the_next_in_the_order() -> None:
    assert up_next(reach(begin(), Phase.CATCH_UP)) == B


def test_nobody_is_up_next_after_the_last_turn_of_a_phase() -> None:
    assert up_next(reach(begin(), Phase.PRESENT)) is None


# ---- timers


def test_a_turn_gets_the_turn_time_and_two_deadlines() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    end = NOW + timedelta(minutes=3)
    assert deadlines(state) == [("warn", end - timedelta(minutes=1)), ("time_up", end)]


def test_the_warning_fires_once_and_is_not_stored_again() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    warn_at = NOW + timedelta(minutes=2)
    step = run(state, TimeUp(warn_at))
    assert step.notes == (Warned(A, NOW + timedelta(minutes=3)),)
    assert step.state.warned
    assert [kind for kind, _ in deadlines(step.state)] == ["time_up"]
    assert apply(step.state, TimeUp(warn_at), timing=TIMING, now=NOW) == Step(step.state, ())


def test_a_deadline_no_longer_current_is_ignored() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Done(A), now=NOW + timedelta(seconds=30)).state
    assert apply(state, TimeUp(NOW + timedelta(minutes=3)), timing=AUTO, now=NOW) == Step(state, ())


def test_time_up_only_tells_the_speaker_without_auto_advance() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    step = run(state, TimeUp(NOW + timedelta(minutes=3)))
    assert speaker(step.state) == A
    assert step.notes == (TimeUpNote(A, advanced=False),)
    assert deadlines(step.state) == []


def test_time_up_moves_the_floor_on_with_auto_advance() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    step = run(state, TimeUp(NOW + timedelta(minutes=3)), timing=AUTO, now=NOW + timedelta(minutes=3))
    assert speaker(step.state) == B
    assert step.notes[:2] == (TimeUpNote(A, advanced=True), TurnEnded(A, False, TurnOutcome.TIME_UP))


def test_time_up_in_the_input_counts_as_input_given() -> None:
    state = reach(begin(), Phase.INPUT)
    state = run(state, TimeUp(state.turn_ends_at or NOW), timing=AUTO).state
    assert state.rounds[0].inputs == (B,)


def test_the_next_turn_gets_its_own_warning() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), TimeUp(NOW + timedelta(minutes=2)), Done(A)).state
    assert not state.warned


def test_extend_adds_minutes_to_the_turn() -> None:
    step = run(reach(begin(), Phase.CATCH_UP), Extend(2))
    assert step.state.turn_ends_at == NOW + timedelta(minutes=5)


def test_extending_a_turn_over_time_counts_from_now() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), TimeUp(NOW + timedelta(minutes=3))).state
    later = NOW + timedelta(minutes=4)
    state = run(state, Extend(2), now=later).state
    assert state.turn_ends_at == later + timedelta(minutes=2)
    assert ("time_up", later + timedelta(minutes=2)) in deadlines(state)


@pytest.mark.parametrize("minutes", [0, -1, 61])
def test_an_extension_out_of_range_is_refused(minutes: int) -> None:
    refused(reach(begin(), Phase.CATCH_UP), Extend(minutes), "Extend a turn by 1 to 60 minutes")


def test_extending_when_nobody_has_a_turn_is_refused() -> None:
    refused(begin(), Extend(2), "Nobody has a turn to extend")


def test_a_pause_opens_the_floor_and_keeps_the_time_left() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    step = run(state, Pause(), now=NOW + timedelta(minutes=1))
    assert (speaker(step.state), floor_of(step.state, B)) == (None, Floor.NO_MEETING)
    assert (step.state.time_left, deadlines(step.state)) == (timedelta(minutes=2), [])
    assert step.notes == (Paused(),)


def test_resuming_gives_back_the_time_left() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Pause(), now=NOW + timedelta(minutes=1)).state
    step = run(state, Resume(), now=NOW + timedelta(minutes=30))
    assert step.state.turn_ends_at == NOW + timedelta(minutes=32)
    assert (speaker(step.state), step.notes) == (A, (Resumed(A),))


def test_pausing_twice_changes_nothing() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Pause()).state
    assert apply(state, Pause(), timing=TIMING, now=NOW) == Step(state, ())


def test_resuming_when_not_paused_changes_nothing() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    assert apply(state, Resume(), timing=TIMING, now=NOW) == Step(state, ())


def test_done_during_a_pause_is_refused() -> None:
    refused(run(reach(begin(), Phase.CATCH_UP), Pause()).state, Done(A), "The meeting is paused")


def test_next_during_a_pause_starts_the_next_turn_on_hold() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Pause(), Next()).state
    assert (state.queue[0], speaker(state), state.time_left) == (B, None, timedelta(minutes=3))


def test_a_break_opens_the_floor_until_it_ends() -> None:
    step = run(reach(begin(), Phase.CATCH_UP), Break(15))
    until = NOW + timedelta(minutes=15)
    assert (speaker(step.state), step.state.break_until) == (None, until)
    assert deadlines(step.state) == [("break_over", until)]
    assert step.notes == (BreakStarted(until),)


def test_the_break_s_end_gives_the_floor_back_with_the_time_left() -> None:
    until = NOW + timedelta(minutes=15)
    state = run(reach(begin(), Phase.CATCH_UP), Break(15)).state
    step = run(state, TimeUp(until), now=until)
    assert (speaker(step.state), step.state.turn_ends_at) == (A, until + timedelta(minutes=3))


def test_resume_ends_a_break_early() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Break(15), Resume()).state
    assert (state.break_until, speaker(state)) == (None, A)


def test_a_break_s_old_end_is_ignored_after_it_was_ended_early() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Break(15), Resume()).state
    assert apply(state, TimeUp(NOW + timedelta(minutes=15)), timing=TIMING, now=NOW) == Step(state, ())


def test_done_during_a_break_is_refused_with_its_end() -> None:
    refused(run(reach(begin(), Phase.CATCH_UP), Break(15)).state, Done(A), r"on a break until <t:\d+:t>")


@pytest.mark.parametrize("minutes", [0, 121])
def test_a_break_out_of_range_is_refused(minutes: int) -> None:
    refused(begin(), Break(minutes), "A break lasts 1 to 120 minutes")


# ---- modes


def test_a_round_is_supportive_unless_chosen_otherwise() -> None:
    assert reach(begin(), Phase.PRESENT).rounds[0].mode is Mode.SUPPORTIVE


def test_the_mode_set_before_the_input_is_the_current_round_s() -> None:
    step = run(reach(begin(), Phase.CLARIFY), SetMode(Mode.CHALLENGE))
    assert [item.mode for item in step.state.rounds] == [Mode.CHALLENGE, Mode.SUPPORTIVE]
    assert step.notes == (ModeChanged(0, Mode.CHALLENGE),)


def test_the_mode_set_once_the_input_began_is_the_next_round_s() -> None:
    state = run(reach(begin(), Phase.INPUT), SetMode(Mode.GOOD_NEWS)).state
    assert [item.mode for item in state.rounds] == [Mode.SUPPORTIVE, Mode.GOOD_NEWS]


def test_the_mode_set_before_the_vote_is_the_first_round_s() -> None:
    state = run(begin(voted=None), SetMode(Mode.QUESTIONING)).state
    state = run(reach(state, Phase.VOTE), Voted(((B, 2), (C, 3)))).state
    assert [item.mode for item in state.rounds] == [Mode.QUESTIONING, Mode.SUPPORTIVE]
    assert state.next_mode is None


def test_the_mode_cannot_change_once_the_last_round_s_input_began() -> None:
    refused(reach(begin(voted=((A, 1),)), Phase.INPUT), SetMode(Mode.CHALLENGE), "no later round")


def test_setting_the_mode_it_already_has_changes_nothing() -> None:
    state = reach(begin(), Phase.PRESENT)
    assert apply(state, SetMode(Mode.SUPPORTIVE), timing=TIMING, now=NOW) == Step(state, ())


def test_every_mode_has_a_name_and_a_prompt_and_every_phase_a_prompt() -> None:
    assert set(MODE_NAMES) == set(MODE_PROMPTS) == set(Mode)
    assert set(PHASE_PROMPTS) == set(Phase)
    assert str(MODE_NAMES[Mode.DEVILS_ADVOCATE]) == "Devil's Advocate"
    assert "one or two each" in str(PHASE_PROMPTS[Phase.CLARIFY])


# ---- commitments


def test_committed_records_the_actions_and_moves_on() -> None:
    step = run(reach(begin(), Phase.COMMIT), Committed(A, 3))
    assert step.state.rounds[0].actions == MAX_ACTIONS
    assert step.notes[0] == ActionsRecorded(A, 0, 3)
    assert step.state.phase is Phase.PRESENT


def test_a_fourth_action_is_refused() -> None:
    refused(reach(begin(), Phase.COMMIT), Committed(A, 4), "at most 3 actions")


def test_a_negative_number_of_actions_is_refused() -> None:
    refused(reach(begin(), Phase.COMMIT), Committed(A, -1), "zero or more")


def test_only_the_holder_records_the_round_s_actions() -> None:
    refused(reach(begin(), Phase.COMMIT), Committed(B, 1), "recorded by an issue's holder at the end of their round")


def test_actions_before_the_commit_step_are_refused() -> None:
    refused(reach(begin(), Phase.INPUT), Committed(A, 1), "at the end of their round")


def test_done_in_the_commit_step_moves_on_with_no_actions() -> None:
    state = run(reach(begin(), Phase.COMMIT), Done(A)).state
    assert (state.rounds[0].actions, state.phase) == (0, Phase.PRESENT)


# ---- refusals after the end, and what refusals are


def test_events_after_the_end_are_refused() -> None:
    state = run(begin(), End()).state
    for event in (Arrive(D), Done(A), Next(), End(), Voted(())):
        refused(state, event, "This meeting has ended")


def test_a_deadline_firing_after_the_end_is_ignored() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), End()).state
    assert apply(state, TimeUp(NOW + timedelta(minutes=3)), timing=TIMING, now=NOW) == Step(state, ())


@pytest.mark.parametrize("phase", [Phase.OPENING, Phase.CATCH_UP])
def test_a_vote_result_before_the_vote_is_refused(phase: Phase) -> None:
    refused(reach(begin(voted=None), phase), Voted(((A, 1),)), "not waiting for a vote")


def test_a_vote_result_once_the_rounds_run_is_refused() -> None:
    state = run(reach(begin(voted=None), Phase.VOTE), Voted(((A, 1),))).state
    refused(state, Voted(((B, 2),)), "not waiting for a vote")


def test_meeting_refusals_are_meant_for_members() -> None:
    assert issubclass(MeetingRuleError, UserFacingError)


def test_a_naive_time_is_a_bug() -> None:
    with pytest.raises(ValueError, match="aware"):
        apply(begin(), Next(), timing=TIMING, now=NOW.replace(tzinfo=None))


# ---- storing


def test_a_stored_meeting_comes_back_equal() -> None:
    state = run(reach(begin(), Phase.INPUT), Pass(B), Pause(), SetMode(Mode.CHALLENGE), now=NOW).state
    assert from_json(json.loads(json.dumps(to_json(state)))) == state


def test_a_stored_break_and_turn_end_come_back_as_aware_utc() -> None:
    state = run(reach(begin(), Phase.CATCH_UP), Extend(1), Break(5)).state
    back = from_json(to_json(state))
    assert back.break_until == state.break_until
    assert back.break_until is not None
    assert back.break_until.tzinfo is UTC


def test_the_stored_form_carries_a_version() -> None:
    assert to_json(begin())["version"] == 1


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        from_json({**to_json(begin()), "version": 99})


# ---- properties: random meetings, with restarts

MEMBERS = (A, B, C, D, 105, 106)
PEOPLE = st.sampled_from((FAC, *MEMBERS, 107))  # 107 never belongs: a stranger pressing buttons
WINNERS = st.lists(st.tuples(st.sampled_from((FAC, *MEMBERS)), st.none() | st.integers(1, 9)), max_size=3).map(tuple)
TIMINGS = st.builds(Timing, st.integers(1, 6), st.integers(1, 4), st.booleans())

ANY_EVENT: st.SearchStrategy[Event] = st.one_of(
    st.builds(Arrive, PEOPLE),
    st.builds(Leave, PEOPLE),
    st.builds(Done, PEOPLE),
    st.builds(Pass, PEOPLE),
    st.builds(RaiseHand, PEOPLE),
    st.builds(LowerHand, PEOPLE),
    st.builds(Skip, PEOPLE),
    st.builds(Committed, PEOPLE, st.integers(-1, 4)),
    st.builds(Extend, st.integers(-1, 61)),
    st.builds(Break, st.integers(0, 121)),
    st.builds(SetMode, st.sampled_from(Mode)),
    st.builds(Voted, WINNERS),
    st.just(Pause()),
    st.just(Resume()),
    st.just(Next()),
)

Key = tuple[Phase, int | None]


def position(key: Key) -> tuple[int, int, int]:
    """Where a phase stands in the meeting's one-way order."""
    phase, round_index = key
    if phase in ROUND_PHASES:
        return 1, round_index or 0, ROUND_PHASES.index(phase)
    if phase is Phase.CLOSED:
        return 2, 0, 0
    return 0, 0, [Phase.OPENING, Phase.CATCH_UP, Phase.VOTE].index(phase)


def owed_turns(state: MeetingState, key: Key) -> set[int]:
    """Who is owed exactly one turn in the phase `key`, judged by who is present as it ends."""
    phase, round_index = key
    if phase is Phase.CATCH_UP:
        return set(state.present)
    if phase is Phase.FACILITATOR:
        return {state.facilitator_id}
    if round_index is None or phase not in ROUND_PHASES:
        return set()
    holder = state.rounds[round_index].holder_id
    if phase in (Phase.PRESENT, Phase.COMMIT):
        return {holder} if holder in state.present or holder == state.facilitator_id else set()
    return set(state.present) - {holder}


def closing_bound(state: MeetingState) -> int:
    """Enough presses of Next to close any meeting: one per turn or phase left, with room to spare."""
    turns_per_phase = len(state.present) + len(state.hands) + 2
    return 3 + turns_per_phase * (3 + 5 * max(len(state.rounds), 1))


class Meetings(RuleBasedStateMachine):
    """Random meetings: every event from anyone at any time, deadlines firing, restarts from the stored form."""

    def __init__(self) -> None:
        super().__init__()
        self.state = begin()
        self.timing = TIMING
        self.now = NOW
        self.key: Key = (Phase.OPENING, None)
        self.seen: set[Key] = {self.key}
        self.turns: Counter[tuple[Key, int]] = Counter()
        self.excused: set[tuple[Key, int]] = set()
        self.warnings = 0
        self.first_turn = False

    @initialize(
        present=st.lists(st.sampled_from((FAC, *MEMBERS)), max_size=6),
        rotation=st.integers(-10, 10),
        voted=st.none() | WINNERS,
        timing=TIMINGS,
    )
    def begin(
        self,
        present: list[int],
        rotation: int,
        voted: tuple[tuple[int, int | None], ...] | None,
        timing: Timing,
    ) -> None:
        self.timing = timing
        self.state = start(FAC, present=present, rotation=rotation, timing=timing, voted=voted, now=NOW)

    def act(self, event: Event) -> None:
        try:
            step = apply(self.state, event, timing=self.timing, now=self.now)
        except MeetingRuleError:
            return  # refused: nothing changed, and nothing else may be raised
        self.check_the_clock(self.state, event, step.state)
        self.first_turn = False
        # A holder leaving their own round cuts it short: like End, nobody is owed the turns it did not reach.
        cut = sum(item.cut_short for item in step.state.rounds) > sum(item.cut_short for item in self.state.rounds)
        for note in step.notes:
            self.follow(note, step.state, ended=isinstance(event, End) or cut)
        self.state = step.state

    def check_the_clock(self, before: MeetingState, event: Event, after: MeetingState) -> None:
        """A pause or break keeps the turn's time left, and the end of one gives it back."""
        stops = isinstance(event, Pause | Break)
        restarts = isinstance(event, Resume) or (isinstance(event, TimeUp) and event.at == before.break_until)
        if stops and before.turn_ends_at is not None:
            assert after.time_left == max(before.turn_ends_at - self.now, timedelta(0))
        if restarts and before.time_left is not None and not after.held:
            assert after.turn_ends_at == self.now + before.time_left

    def follow(self, note: Note, after: MeetingState, *, ended: bool) -> None:
        """Check each note as it comes: turns in this phase, warnings, and phases entered."""
        if isinstance(note, FloorTo):
            self.warnings = 0
            if self.first_turn:
                assert note.user_id == self.first_in_order(after), "the first speaker is not the rotated first"
                self.first_turn = False
            if not note.by_hand:
                self.turns[self.key, note.user_id] += 1
                assert self.turns[self.key, note.user_id] == 1, "a second turn in one phase"
            phase, round_index = self.key
            if phase in (Phase.CLARIFY, Phase.INPUT) and round_index is not None:
                assert note.user_id != after.rounds[round_index].holder_id, "the holder was given a turn"
            if note.ends_at is not None:
                minutes = self.timing.present_minutes if phase is Phase.PRESENT else self.timing.turn_minutes
                assert note.ends_at == self.now + timedelta(minutes=minutes)
        elif isinstance(note, Extended):
            self.warnings = 0  # an extension brings a new last minute, which earns its own warning
        elif isinstance(note, Warned):
            self.warnings += 1
            assert self.warnings == 1, "a second warning in one last minute"
        elif isinstance(note, Left) or (isinstance(note, TurnEnded) and note.outcome is TurnOutcome.SKIPPED):
            self.excused.add((self.key, note.user_id))
        elif isinstance(note, PhaseEntered):
            entered: Key = (note.phase, note.round_index)
            assert entered not in self.seen, f"{entered} entered twice"
            assert position(entered) > position(self.key)
            if not ended:
                for user in owed_turns(after, self.key):
                    if (self.key, user) not in self.excused:
                        assert self.turns[self.key, user] == 1, f"{user} had no turn in {self.key}"
            self.seen.add(entered)
            self.key = entered
            self.first_turn = True

    def first_in_order(self, state: MeetingState) -> int:
        """Who speaks first in the phase: by user id, rotated by the meeting's rotation (and, in a round, its index)."""
        phase, round_index = self.key
        if phase is Phase.CATCH_UP:
            people, shift = sorted(state.present), state.rotation
        elif phase in (Phase.CLARIFY, Phase.INPUT) and round_index is not None:
            holder = state.rounds[round_index].holder_id
            people, shift = sorted(set(state.present) - {holder}), state.rotation + round_index
        else:
            return state.facilitator_id if phase is Phase.FACILITATOR else state.rounds[round_index or 0].holder_id
        return people[shift % len(people)]

    # -- anyone, anything: mostly refused or absorbed, and never anything but a MeetingRuleError

    @rule(event=ANY_EVENT)
    def anyone_does_anything(self, event: Event) -> None:
        self.act(event)

    # -- what moves a meeting along, drawn more often so that runs reach the rounds

    @rule(user=st.sampled_from(MEMBERS))
    def a_member_arrives(self, user: int) -> None:
        self.act(Arrive(user))

    @precondition(lambda self: bool(self.state.present))
    @rule(data=st.data())
    def a_present_member_leaves(self, data: st.DataObject) -> None:
        self.act(Leave(data.draw(st.sampled_from(self.state.present))))

    @precondition(lambda self: speaker(self.state) is not None)
    @rule(passing=st.booleans(), actions=st.integers(0, 4))
    def the_speaker_finishes(self, passing: bool, actions: int) -> None:
        user = speaker(self.state)
        assert user is not None
        if self.state.phase is Phase.COMMIT:
            self.act(Committed(user, actions))
        else:
            self.act(Pass(user) if passing else Done(user))

    @precondition(lambda self: bool(self.state.had_turn))
    @rule(data=st.data())
    def someone_whose_turn_is_over_leaves_and_comes_back(self, data: st.DataObject) -> None:
        user = data.draw(st.sampled_from(self.state.had_turn))
        self.act(Leave(user))
        self.act(Arrive(user))

    @precondition(lambda self: self.state.phase in OPEN_PHASES and bool(self.state.present))
    @rule(data=st.data())
    def a_present_member_raises_a_hand(self, data: st.DataObject) -> None:
        self.act(RaiseHand(data.draw(st.sampled_from(self.state.present))))

    @precondition(lambda self: self.state.phase in TURN_PHASES - {Phase.PRESENT, Phase.COMMIT})
    @rule(data=st.data())
    def the_facilitator_skips_someone_waiting(self, data: st.DataObject) -> None:
        self.act(Skip(data.draw(st.sampled_from(self.state.queue + self.state.hands))))

    @precondition(lambda self: self.state.phase is Phase.COMMIT)
    @rule(actions=st.integers(0, 4))
    def the_holder_commits(self, actions: int) -> None:
        current = self.state.round
        assert current is not None
        self.act(Committed(current.holder_id, actions))

    # In the commit step the holder's form, not Next, usually moves on: so that actions get recorded often.
    @precondition(lambda self: self.state.phase is not Phase.COMMIT)
    @rule()
    def next(self) -> None:
        self.act(Next())

    @precondition(lambda self: self.state.phase is Phase.VOTE)
    @rule(winners=WINNERS)
    def the_vote_closes(self, winners: tuple[tuple[int, int | None], ...]) -> None:
        self.act(Voted(winners))

    @rule(event=st.sampled_from([Pause(), Resume(), Break(10), Extend(2)]))
    def the_facilitator_minds_the_time(self, event: Event) -> None:
        self.act(event)

    @rule(chance=st.integers(0, 9))
    def end(self, chance: int) -> None:
        if chance == 0:  # rarely, so that most runs go deep into the rounds
            self.act(End())

    # -- time and restarts

    @rule(seconds=st.integers(0, 400))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule(data=st.data())
    def a_deadline_fires(self, data: st.DataObject) -> None:
        due = [at for _, at in deadlines(self.state)]
        at = data.draw(st.sampled_from(due) if due else st.just(self.now + timedelta(minutes=1)))
        self.now = max(self.now, at)
        self.act(TimeUp(at))

    @rule(minutes=st.integers(-5, 10))
    def a_stale_deadline_fires(self, minutes: int) -> None:
        self.act(TimeUp(self.now + timedelta(minutes=minutes, seconds=7)))

    @rule()
    def restart(self) -> None:
        stored = json.loads(json.dumps(to_json(self.state)))
        self.state = from_json(stored)

    # -- what always holds

    @invariant()
    def never_two_speakers(self) -> None:
        state = self.state
        holder = speaker(state)
        assert holder is None or holder == state.queue[0]
        speaking = [user for user in (FAC, *MEMBERS, 107) if floor_of(state, user) is Floor.SPEAKING]
        assert speaking == ([] if holder is None else [holder])

    @invariant()
    def the_floor_is_open_while_paused_or_on_a_break(self) -> None:
        if self.state.held:
            assert speaker(self.state) is None

    @invariant()
    def the_speaker_is_present(self) -> None:
        holder = speaker(self.state)
        assert holder is None or holder in self.state.present or holder == FAC

    @invariant()
    def someone_has_each_turn_phase_and_nobody_the_others(self) -> None:
        assert bool(self.state.queue) == (self.state.phase in TURN_PHASES)

    @invariant()
    def nobody_waits_twice_in_the_order(self) -> None:
        state = self.state
        fixed = state.queue[1:] if state.by_hand else state.queue
        assert len(set(fixed)) == len(fixed)
        assert len(set(state.hands)) == len(state.hands)
        assert set(state.hands) <= set(state.present)

    @invariant()
    def the_holder_and_the_facilitator_never_wait_in_clarify_or_input(self) -> None:
        current = self.state.round
        if self.state.phase in (Phase.CLARIFY, Phase.INPUT) and current is not None:
            assert current.holder_id not in self.state.queue
            assert FAC not in self.state.queue

    @invariant()
    def at_most_three_actions_a_round(self) -> None:
        assert all(0 <= item.actions <= MAX_ACTIONS for item in self.state.rounds)

    @invariant()
    def the_clock_runs_only_for_a_turn_on_the_floor(self) -> None:
        state = self.state
        assert not (state.paused and state.break_until is not None)
        running = state.phase in TURN_PHASES and not state.held
        assert (state.turn_ends_at is not None) == running
        assert (state.time_left is not None) == (state.phase in TURN_PHASES and state.held)

    @invariant()
    def the_stored_form_comes_back_exactly(self) -> None:
        assert from_json(json.loads(json.dumps(to_json(self.state)))) == self.state

    @invariant()
    def pressing_next_always_closes_the_meeting(self) -> None:
        state = self.state
        for _ in range(closing_bound(state)):
            if state.phase is Phase.CLOSED:
                return
            event: Event = Voted(()) if state.phase is Phase.VOTE else Next()
            state = apply(state, event, timing=self.timing, now=self.now).state
        assert state.phase is Phase.CLOSED


Meetings.TestCase.settings = settings(max_examples=200, stateful_step_count=60, deadline=None)
test_random_meetings_keep_the_rules = Meetings.TestCase


def test_an_extended_turn_is_warned_again_before_its_new_end() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    speaker_id = state.queue[0]
    assert state.turn_ends_at is not None
    warned = apply(state, TimeUp(state.turn_ends_at - WARNING), timing=TIMING, now=NOW).state
    assert warned.warned
    extended = apply(warned, Extend(5), timing=TIMING, now=NOW).state
    assert not extended.warned
    assert extended.turn_ends_at is not None
    assert ("warn", extended.turn_ends_at - WARNING) in deadlines(extended)
    assert extended.queue[0] == speaker_id


def test_who_may_press_which_card_button() -> None:
    state = reach(begin(), Phase.CATCH_UP)
    assert may_press(state, A) == {"done", "pass", "input", "commit", "report"}
    assert may_press(state, B) == {"hand", "report"}
    assert may_press(state, FAC) == {"next", "pause", "resume", "end", "endnow"}
    assert may_press(state, D) == {"here"}
    after_commit = run(reach(begin(), Phase.COMMIT, 0), Committed(A, 1)).state
    assert "commit" in may_press(after_commit, A), "a holder whose round ended may change their actions"
    assert "commit" not in may_press(after_commit, C)
