"""How the cycle's ledger reads in /group info and the summary: where the meeting stands, the rule beside the rate."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.actions import ActionStatus
from bot.domain.ledger import FOLLOW_THROUGH, CommittedAction, HeldMeeting, ledger
from bot.domain.meeting import MeetingState, Phase
from bot.services.cycle import CycleView
from bot.services.meetings import MeetingView
from cogs.groups._render import cycle_heading, ledger_lines
from cogs.meetings._render import summary

AT = datetime(2026, 11, 3, 18, tzinfo=UTC)
A, B = 21, 22


def _cycle(held: int, length: int | None, *, number: int | None = None, under_way: bool = False) -> CycleView:
    meetings = [HeldMeeting(n, n, AT, AT, frozenset({A}), (A,)) for n in range(held)]
    actions = [
        CommittedAction(1, A, 0, AT, ActionStatus.DONE),
        CommittedAction(2, A, 0, AT, ActionStatus.PARTLY),
        CommittedAction(3, B, None, AT, ActionStatus.OPEN),
    ]
    cycle = (held - 1) // length + 1 if length and held else 1
    return CycleView(ledger(cycle, length, [A], meetings, actions), held if number is None else number, under_way)


def test_the_heading_says_which_meeting_of_the_cycle_is_next_under_way_or_was_summed_up() -> None:
    assert cycle_heading(_cycle(2, 6)) == "Cycle 1: 2 of 6 meetings held; meeting 3 of 6 is next"
    assert cycle_heading(_cycle(2, 6, under_way=True)) == "Cycle 1: 2 of 6 meetings held; meeting 3 of 6 is under way"
    assert (
        cycle_heading(_cycle(2, 6, number=1), summary=True) == "Cycle 1: 2 of 6 meetings held; this was meeting 2 of 6"
    )
    assert cycle_heading(_cycle(4, 4)) == "Cycle 1: 4 of 4 meetings held (complete); meeting 1 of 4 of cycle 2 is next"
    assert cycle_heading(_cycle(3, None)) == "Since the group began: 3 meetings held"


def test_the_lines_give_the_actions_each_member_and_the_rule() -> None:
    lines = ledger_lines(_cycle(2, 6))
    assert lines[1] == "Actions: 3 (1 done, 1 partly done, 1 open); of the 2 reported on, 75 % followed through"
    assert lines[2] == f"- <@{A}>: came to 2 of 2 meetings; 2 rounds for their issues; 2 actions, 75 % followed through"
    assert lines[3] == f"- <@{B}> (left): came to 0 of 2 meetings; 0 rounds for their issues; 1 action"
    assert lines[-1] == str(FOLLOW_THROUGH)


def test_the_summary_carries_the_ledger_of_its_cycle() -> None:
    state = MeetingState(facilitator_id=10, phase=Phase.CLOSED, present=(A,), rotation=0, voted_before=True)
    view = MeetingView(1, 1, "Set A", False, state, None, None, [], [], AT, AT)
    post = summary(view, _cycle(2, 6, number=1))
    assert post.content is not None
    assert "Cycle 1: 2 of 6 meetings held; this was meeting 2 of 6" in post.content
    assert post.content.index("75 % followed through") < post.content.index("Next meeting:")
    assert "Cycle" not in (summary(view).content or "")


def test_a_forgotten_member_reads_as_a_former_member_never_as_a_raw_id() -> None:
    stand_in = -4_611_686_018_427_387_904
    meetings = [HeldMeeting(0, 0, AT, AT, frozenset({A, stand_in}), (A, stand_in))]
    actions = [CommittedAction(1, stand_in, 0, AT, ActionStatus.DONE)]
    cycle = CycleView(ledger(1, 6, [A], meetings, actions), 1, False)
    text = "\n".join(ledger_lines(cycle))
    assert "- a former member (left): came to 1 of 1 meeting" in text
    assert "<@-" not in text
