"""The cycle's ledger: meetings held, who came, whose issues had rounds, and how committed actions went.

A cycle is a run of `length` meetings counted from the group's first meeting: meetings 1 to 6 are cycle 1, 7 to 12
cycle 2, and so on (a group without a cycle length has one cycle: every meeting since it began). The ledger shown is
the current cycle's: the one the last meeting held belongs to, so a cycle stays on show, complete, until the next
cycle's first meeting starts.

Follow-through counts only actions someone has reported on: done counts 1, partly done 1/2, not yet and dropped 0,
over every reported action. An action still open is not yet due and counts for nothing either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from bot.domain.actions import ActionStatus
from bot.domain.errors import UserFacingError
from bot.domain.meeting import MeetingState
from bot.domain.text import Text, msg, msgn

CYCLE_MIN = 4
CYCLE_MAX = 6
"""A cycle is typically four to six meetings (the method)."""
PARTLY_WEIGHT = Fraction(1, 2)
"""What a partly done action counts for in the follow-through rate; done counts 1, not yet and dropped 0."""
FOLLOW_THROUGH = msg("(Followed through: of the actions reported on, done counts in full and partly done as half.)")
"""The rule, as members read it beside the rate (`render` it in the reader's language)."""


class CycleLengthInvalidError(UserFacingError):
    """A cycle length outside what the method calls a cycle."""


def cycle_length(value: int | None) -> int | None:
    """A cycle length as stored (None: no cycle length); refused outside four to six meetings."""
    if value is not None and not CYCLE_MIN <= value <= CYCLE_MAX:
        raise CycleLengthInvalidError(
            msgn(
                "A cycle is {low} to {n} meeting; {value} is not. Choose a number from {low} to {n}, "
                "or leave the cycle out.",
                "A cycle is {low} to {n} meetings; {value} is not. Choose a number from {low} to {n}, "
                "or leave the cycle out.",
                CYCLE_MAX,
                low=CYCLE_MIN,
                value=value,
            )
        )
    return value


@dataclass(frozen=True)
class HeldMeeting:
    """A meeting of the group as the ledger needs it: when it ran, who came, whose rounds ran."""

    id: int
    number: int
    """How many meetings the group had before this one (0 for its first)."""
    started_at: datetime
    ended_at: datetime | None
    """None while the meeting is under way: it is not held until it ends."""
    attended: frozenset[int]
    holders: tuple[int, ...]
    """Holders of the rounds that ran, in order (one person may have had more than one)."""

    @property
    def held(self) -> bool:
        """Whether the meeting has ended."""
        return self.ended_at is not None


@dataclass(frozen=True)
class CommittedAction:
    """An action as the ledger counts it."""

    id: int
    owner_id: int
    meeting_id: int | None
    created_at: datetime
    status: ActionStatus


def attended(state: MeetingState) -> frozenset[int]:
    """Who took part in a meeting: there at its end, or had a turn or a round in it (so someone who left early counts).

    The facilitator runs the meeting and is not counted as attending it.
    """
    people = set(state.present)
    for round_ in state.rounds:
        if round_.ran:
            people.add(round_.holder_id)
        people.update(round_.inputs, round_.passes, round_.clarify_passes)
    people.discard(state.facilitator_id)
    return frozenset(people)


def holders(state: MeetingState) -> tuple[int, ...]:
    """The holders of the rounds that ran, in order."""
    return tuple(round_.holder_id for round_ in state.rounds if round_.ran)


@dataclass(frozen=True)
class StatusCounts:
    """Actions by status, and the follow-through rate of those reported on."""

    open: int = 0
    done: int = 0
    partly: int = 0
    not_yet: int = 0
    dropped: int = 0

    @staticmethod
    def of(statuses: Iterable[ActionStatus]) -> StatusCounts:
        """Count the statuses."""
        found = list(statuses)
        return StatusCounts(*(found.count(status) for status in ActionStatus))

    @property
    def committed(self) -> int:
        """Every action, whatever its status."""
        return self.open + self.reported

    @property
    def reported(self) -> int:
        """Actions someone has reported on (any status but open)."""
        return self.done + self.partly + self.not_yet + self.dropped

    @property
    def rate(self) -> Fraction | None:
        """(done + 1/2 partly) / reported; None when nothing has been reported yet."""
        if not self.reported:
            return None
        return (self.done + PARTLY_WEIGHT * self.partly) / self.reported

    def count(self, status: ActionStatus) -> int:
        """How many have this status."""
        return int(getattr(self, status.value))


@dataclass(frozen=True)
class MemberLedger:
    """One person's part of the cycle."""

    user_id: int
    current: bool
    """Still a member (False: they left, or were moved or removed, but took part in the cycle)."""
    attended: int
    rounds: int
    actions: StatusCounts


@dataclass(frozen=True)
class Ledger:
    """The cycle's numbers."""

    cycle: int
    length: int | None
    held: int
    """Meetings of this cycle that have ended."""
    members: tuple[MemberLedger, ...]
    actions: StatusCounts

    @property
    def complete(self) -> bool:
        """Whether every meeting of the cycle has been held."""
        return self.length is not None and self.held >= self.length


def cycle_of(number: int, length: int | None) -> int:
    """The cycle (from 1) that the meeting with this number (0 for the first) belongs to."""
    return 1 if length is None else number // length + 1


def place_in_cycle(number: int, length: int) -> int:
    """Which meeting of its cycle (from 1) the meeting with this number is."""
    return number % length + 1


def current_cycle(meetings: Sequence[HeldMeeting], length: int | None) -> int:
    """The cycle of the last meeting held (cycle 1 before any)."""
    held = [meeting.number for meeting in meetings if meeting.held]
    return cycle_of(max(held), length) if held else 1


def ledger(
    cycle: int,
    length: int | None,
    members: Sequence[int],
    meetings: Sequence[HeldMeeting],
    actions: Sequence[CommittedAction],
) -> Ledger:
    """The numbers of one cycle.

    `members` are the group's members now, in the order to show them; anyone else who came to a meeting, had a
    round or committed an action in the cycle is shown after them, as having left. Actions count in the cycle
    they were set in: one committed at a meeting in that meeting's cycle, one set between meetings in the cycle
    under way when it was set (from its first meeting's start to the next cycle's first meeting's start).
    """
    ours = [m for m in meetings if cycle_of(m.number, length) == cycle]
    held = [m for m in ours if m.held]
    later = [m.started_at for m in meetings if cycle_of(m.number, length) > cycle]
    begins = min((m.started_at for m in ours), default=None) if cycle > 1 else None
    ends = min(later, default=None)
    ids = {m.id for m in ours}

    def in_cycle(action: CommittedAction) -> bool:
        if action.meeting_id is not None:
            return action.meeting_id in ids
        if begins is None and cycle > 1:
            return False  # the cycle has not begun: nothing is set in it yet
        return (begins is None or action.created_at >= begins) and (ends is None or action.created_at < ends)

    counted = [action for action in actions if in_cycle(action)]
    people = list(dict.fromkeys(members))
    current = set(people)
    extra = {user for m in held for user in (*m.attended, *m.holders)} | {a.owner_id for a in counted}
    people += sorted(extra - current)
    rows = tuple(
        MemberLedger(
            user_id=user,
            current=user in current,
            attended=sum(user in m.attended for m in held),
            rounds=sum(m.holders.count(user) for m in held),
            actions=StatusCounts.of(a.status for a in counted if a.owner_id == user),
        )
        for user in people
    )
    return Ledger(cycle, length, len(held), rows, StatusCounts.of(a.status for a in counted))


def percent(rate: Fraction | None) -> str:
    """A rate as a whole percentage, or a dash when there is none."""
    return "-" if rate is None else f"{round(rate * 100)} %"


def followed_through(counts: StatusCounts) -> Text:
    """Actions and their follow-through, counted: "1 action, 50 % followed through", or "2 actions" before a report."""
    actions = msgn("{n} action", "{n} actions", counts.committed)
    if not counts.reported:
        return actions
    return msg("{actions}, {rate} followed through", actions=actions, rate=percent(counts.rate))


def member_record(member: MemberLedger, held: int) -> Text:
    """One member's part of the cycle, counted, with `held` the cycle's meetings held so far.

    "came to 1 of 1 meeting; 0 rounds for their issues; 1 action, 50 % followed through"
    """
    return msg(
        "{came}; {rounds}; {actions}",
        came=msgn(
            "came to {attended} of {n} meeting", "came to {attended} of {n} meetings", held, attended=member.attended
        ),
        rounds=msgn("{n} round for their issues", "{n} rounds for their issues", member.rounds),
        actions=followed_through(member.actions),
    )
