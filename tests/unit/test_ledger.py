"""The cycle's ledger: cycles of meetings, attendance, rounds, and the follow-through rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from bot.domain.actions import ActionStatus
from bot.domain.ledger import (
    CommittedAction,
    CycleLengthInvalidError,
    HeldMeeting,
    StatusCounts,
    attended,
    current_cycle,
    cycle_length,
    cycle_of,
    holders,
    ledger,
    percent,
    place_in_cycle,
)
from bot.domain.meeting import MeetingState, Mode, Phase, RoundState

T0 = datetime(2026, 1, 6, 18, 0, tzinfo=UTC)
FRAN, ALICE, BOB, CLEO = 1, 2, 3, 4


def _meeting(
    number: int, present: tuple[int, ...] = (), rounds: tuple[int, ...] = (), *, held: bool = True
) -> HeldMeeting:
    start = T0 + timedelta(weeks=4 * number)
    return HeldMeeting(
        id=100 + number,
        number=number,
        started_at=start,
        ended_at=start + timedelta(hours=2) if held else None,
        attended=frozenset(present),
        holders=rounds,
    )


def _action(
    owner: int, status: ActionStatus, *, meeting: int | None = None, at: datetime = T0, id_: int = 0
) -> CommittedAction:
    return CommittedAction(id_, owner, None if meeting is None else 100 + meeting, at, status)


def test_a_cycle_length_from_four_to_six_is_kept_and_none_means_no_cycle() -> None:
    assert [cycle_length(n) for n in (4, 5, 6)] == [4, 5, 6]
    assert cycle_length(None) is None


@pytest.mark.parametrize("wrong", [0, 3, 7, -1, 12])
def test_a_cycle_length_outside_four_to_six_is_refused_with_the_range(wrong: int) -> None:
    with pytest.raises(CycleLengthInvalidError, match="4 to 6 meetings"):
        cycle_length(wrong)


def test_meetings_fall_into_cycles_of_the_length_counted_from_the_first() -> None:
    assert [cycle_of(n, 6) for n in (0, 5, 6, 11, 12)] == [1, 1, 2, 2, 3]
    assert [place_in_cycle(n, 6) for n in (0, 2, 5, 6)] == [1, 3, 6, 1]
    assert cycle_of(40, None) == 1, "without a length, one cycle since the group began"


def test_the_current_cycle_is_the_last_held_meetings_so_a_complete_cycle_stays_on_show() -> None:
    assert current_cycle([], 4) == 1
    four = [_meeting(n) for n in range(4)]
    assert current_cycle(four, 4) == 1
    assert current_cycle([*four, _meeting(4, held=False)], 4) == 1, "the next cycle's first meeting is under way"
    assert current_cycle([*four, _meeting(4)], 4) == 2


def test_no_meetings_and_no_actions_give_an_empty_ledger_with_no_rate() -> None:
    result = ledger(1, 6, [ALICE, BOB], [], [])
    assert result.held == 0
    assert [(m.user_id, m.attended, m.rounds, m.actions.committed) for m in result.members] == [
        (ALICE, 0, 0, 0),
        (BOB, 0, 0, 0),
    ]
    assert result.actions.rate is None
    assert percent(result.actions.rate) == "-"
    assert not result.complete


def test_attendance_and_rounds_count_only_held_meetings_of_the_cycle() -> None:
    meetings = [
        _meeting(0, (ALICE, BOB), (ALICE,)),
        _meeting(1, (ALICE,), (ALICE, ALICE)),
        _meeting(2, (ALICE, BOB), (BOB,), held=False),  # under way: not held yet
    ]
    result = ledger(1, 4, [ALICE, BOB], meetings, [])
    assert result.held == 2
    by_user = {m.user_id: m for m in result.members}
    assert (by_user[ALICE].attended, by_user[ALICE].rounds) == (2, 3)
    assert (by_user[BOB].attended, by_user[BOB].rounds) == (1, 0)


def test_the_rate_counts_done_as_one_and_partly_as_half_over_reported_actions_only() -> None:
    counts = StatusCounts.of(
        [ActionStatus.DONE, ActionStatus.PARTLY, ActionStatus.NOT_YET, ActionStatus.DROPPED, ActionStatus.OPEN]
    )
    assert (counts.open, counts.done, counts.partly, counts.not_yet, counts.dropped) == (1, 1, 1, 1, 1)
    assert counts.committed == 5
    assert counts.reported == 4
    assert counts.rate == Fraction(3, 8)
    assert percent(counts.rate) == "38 %"
    assert StatusCounts.of([ActionStatus.DONE, ActionStatus.DONE]).rate == 1
    assert StatusCounts.of([ActionStatus.PARTLY]).rate == Fraction(1, 2)
    assert StatusCounts.of([ActionStatus.DROPPED]).rate == 0


def test_nobody_reported_gives_committed_actions_and_no_rate() -> None:
    actions = [_action(ALICE, ActionStatus.OPEN, meeting=0), _action(BOB, ActionStatus.OPEN, meeting=0)]
    result = ledger(1, 4, [ALICE, BOB], [_meeting(0, (ALICE, BOB), (ALICE, BOB))], actions)
    assert result.actions.committed == 2
    assert result.actions.reported == 0
    assert result.actions.rate is None
    assert all(m.actions.rate is None for m in result.members)


def test_a_member_who_left_is_still_counted_and_shown_after_current_members() -> None:
    meetings = [_meeting(0, (ALICE, CLEO), (CLEO,))]
    actions = [_action(CLEO, ActionStatus.DONE, meeting=0), _action(ALICE, ActionStatus.NOT_YET, meeting=0)]
    result = ledger(1, 4, [BOB, ALICE], meetings, actions)
    assert [(m.user_id, m.current) for m in result.members] == [(BOB, True), (ALICE, True), (CLEO, False)]
    cleo = result.members[-1]
    assert (cleo.attended, cleo.rounds, cleo.actions.done) == (1, 1, 1)
    assert result.actions.rate == Fraction(1, 2)


def test_actions_count_in_the_cycle_they_were_set_in() -> None:
    meetings = [_meeting(n) for n in range(5)]  # cycle 1: meetings 0-3; cycle 2 began with meeting 4
    between_first = T0 + timedelta(days=3)  # between meetings of cycle 1 (before any meeting counts too)
    before_any = T0 - timedelta(days=3)
    after_cycle_two_began = meetings[4].started_at + timedelta(days=1)
    actions = [
        _action(ALICE, ActionStatus.DONE, meeting=3, id_=1),
        _action(ALICE, ActionStatus.DONE, at=between_first, id_=2),
        _action(ALICE, ActionStatus.DONE, at=before_any, id_=3),
        _action(ALICE, ActionStatus.DROPPED, meeting=4, id_=4),
        _action(ALICE, ActionStatus.DROPPED, at=after_cycle_two_began, id_=5),
    ]
    first = ledger(1, 4, [ALICE], meetings, actions)
    second = ledger(2, 4, [ALICE], meetings, actions)
    assert (first.actions.done, first.actions.dropped) == (3, 0)
    assert (second.actions.done, second.actions.dropped) == (0, 2)
    assert first.complete
    assert second.held == 1
    assert ledger(3, 4, [ALICE], meetings, actions).actions.committed == 0, "a cycle not begun holds nothing"


def test_without_a_cycle_length_every_meeting_and_action_counts() -> None:
    meetings = [_meeting(n, (ALICE,)) for n in range(9)]
    actions = [_action(ALICE, ActionStatus.DONE, at=T0 + timedelta(days=200))]
    result = ledger(1, None, [ALICE], meetings, actions)
    assert result.held == 9
    assert result.members[0].attended == 9
    assert result.actions.done == 1
    assert not result.complete


def test_attendance_is_whoever_was_there_or_took_a_turn_never_the_facilitator() -> None:
    state = MeetingState(
        facilitator_id=FRAN,
        phase=Phase.CLOSED,
        present=(ALICE,),
        rotation=0,
        voted_before=True,
        rounds=(
            RoundState(holder_id=BOB, bid_id=None, mode=Mode.SUPPORTIVE, inputs=(ALICE, FRAN), ran=True),
            RoundState(holder_id=CLEO, bid_id=None, mode=Mode.SUPPORTIVE, ran=False),
        ),
    )
    assert attended(state) == frozenset({ALICE, BOB})
    assert holders(state) == (BOB,)
