"""The meeting on a real database (SQLite and PostgreSQL): the floor as access, turns, the vote inside, commitments."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import Services
from bot.domain.effects import DirectNotice, Notify, SetAccess
from bot.domain.errors import NotFacilitatorError
from bot.domain.groups import Access, CrossTalk
from bot.domain.meeting import Arrive, Done, End, MeetingRuleError, Mode, Next, Pass, Phase, SetMode
from bot.domain.meeting_notices import (
    FloorCard,
    MeetingSummary,
    NotAQuestion,
    OffTurnRemoved,
    RoundDigest,
    SpentCard,
)
from bot.services.effects import QueuedEffect
from bot.services.groups import Actor, GroupService, GroupView
from bot.services.meetings import MeetingService, MeetingUnderWayError, MeetingView, turn_mark
from tests.service.helpers import FAC, FACILITATOR, GUILD, add_members, make_group

A, B, C, D = 21, 22, 23, 24


@pytest.fixture
def meetings(services: Services) -> MeetingService:
    """The meeting service on the test database."""
    return services.meetings


async def _group(groups: GroupService, *members: int) -> GroupView:
    group = await make_group(groups, "Set A")
    await add_members(groups, group, *members)
    return group


async def _act(meetings: MeetingService, user: int, event: object, meeting_id: int) -> MeetingView:
    actor = FAC if user == FACILITATOR else Actor(user)
    return (await meetings.act(GUILD, actor, event, meeting_id=meeting_id)).value  # type: ignore[arg-type]


async def _present(meetings: MeetingService, meeting_id: int, *users: int) -> MeetingView:
    view = None
    for user in users:
        view = await _act(meetings, user, Arrive(user), meeting_id)
    assert view is not None
    return view


async def _a_round_for_a(
    groups: GroupService, meetings: MeetingService, services: Services, *present: int
) -> tuple[GroupView, MeetingView, MeetingView]:
    """A and B in a group, A's bid chosen by a vote before the meeting, the meeting started and moved on.

    `present` are there; returns the group, the meeting as started, and the meeting now (its catch-up).
    """
    group = await _group(groups, A, B)
    await services.votes.put_in(GUILD, A, group.id, "Managing up", "")
    await services.votes.open_vote(GUILD, FAC, group.id, None)  # one bid: A's round is chosen
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, *present)
    return group, meeting, await _act(meetings, FACILITATOR, Next(), meeting.id)


def _accesses(effects: list[QueuedEffect]) -> set[int]:
    return {e.effect.user_id for e in effects if isinstance(e.effect, SetAccess)}


async def test_only_the_facilitator_starts_one_meeting_at_a_time(
    groups: GroupService, meetings: MeetingService
) -> None:
    group = await _group(groups, A)
    with pytest.raises(NotFacilitatorError):
        await meetings.start(GUILD, Actor(A), group.id, None)
    started = await meetings.start(GUILD, FAC, group.id, None)
    assert started.value.phase is Phase.OPENING
    assert [type(e.effect.notice) for e in started.effects if isinstance(e.effect, Notify)] == [FloorCard]
    with pytest.raises(MeetingUnderWayError):
        await meetings.start(GUILD, FAC, group.id, None)


async def test_only_the_speaker_can_post_and_the_floor_moves_with_done(
    groups: GroupService, meetings: MeetingService
) -> None:
    group = await _group(groups, A, B, C)
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, A, B, C)
    outcome = await meetings.act(GUILD, FAC, Next(), meeting_id=meeting.id)
    view = outcome.value
    assert view.phase is Phase.CATCH_UP
    first = view.speaker
    assert first in (A, B, C)
    assert _accesses(outcome.effects) == {A, B, C}  # everyone's floor changed as the catch-up began
    pings = [e.effect.notice for e in outcome.effects if isinstance(e.effect, Notify)]
    assert [p.ping for p in pings if isinstance(p, FloorCard) and p.ping is not None] == [first]
    for user in (A, B, C):
        expected = Access.MEMBER if user == first else Access.LISTENER
        assert await groups.current_access(group.id, user) is expected
    others = [user for user in (A, B, C) if user != first]
    with pytest.raises(MeetingRuleError, match="not your turn"):
        await _act(meetings, others[0], Done(others[0]), meeting.id)
    handed = await meetings.act(GUILD, Actor(first), Done(first), meeting_id=meeting.id)  # type: ignore[arg-type]
    assert handed.value.speaker == view.up_next
    assert _accesses(handed.effects) == {first, view.up_next}  # a hand-over touches two people, not everyone


async def test_a_hand_over_posts_the_card_anew_as_the_ping_and_spends_the_old_one_in_four_calls(
    groups: GroupService, meetings: MeetingService
) -> None:
    group = await _group(groups, A, B, C)
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, A, B, C)
    begun = await meetings.act(GUILD, FAC, Next(), meeting_id=meeting.id)
    first = begun.value.speaker
    assert first is not None
    assert await meetings.record_card(meeting.id, 1000, begun.value.state) == [], "drawn as it is: no second drawing"
    handed = await meetings.act(GUILD, Actor(first), Done(first), meeting_id=meeting.id)
    shapes = [
        (type(e.effect).__name__, type(e.effect.notice).__name__ if isinstance(e.effect, Notify) else None)
        for e in handed.effects
    ]
    assert sorted(shapes, key=str) == sorted(
        [("SetAccess", None), ("SetAccess", None), ("Notify", "FloorCard"), ("Notify", "SpentCard")], key=str
    ), "two overwrites, the new card and the old card's edit: four calls"
    notices = {type(e.effect.notice): e.effect for e in handed.effects if isinstance(e.effect, Notify)}
    assert notices[FloorCard].edit_message_id is None
    assert notices[FloorCard].notice == FloorCard(meeting.id, ping=handed.value.speaker)
    assert notices[SpentCard].edit_message_id == 1000
    # Two cards in a moment, recorded out of order: the older one is spent, the newer one stays the card.
    assert await meetings.record_card(meeting.id, 1200, handed.value.state) == []
    late = await meetings.record_card(meeting.id, 1100, handed.value.state)
    assert [(type(e.effect.notice), e.effect.edit_message_id) for e in late if isinstance(e.effect, Notify)] == [
        (SpentCard, 1100)
    ]
    assert (await meetings.drawn(meeting.id)).card_message_id == 1200  # type: ignore[union-attr]


async def test_a_members_event_is_only_their_own_and_the_facilitators_only_the_facilitators(
    groups: GroupService, meetings: MeetingService
) -> None:
    group = await _group(groups, A, B)
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    with pytest.raises(MeetingRuleError):
        await meetings.act(GUILD, Actor(A), Arrive(B), meeting_id=meeting.id)
    with pytest.raises(NotFacilitatorError):
        await meetings.act(GUILD, Actor(A), Next(), meeting_id=meeting.id)


async def test_a_whole_meeting_runs_from_catch_up_through_the_vote_and_a_round_to_the_summary(
    groups: GroupService, meetings: MeetingService, services: Services
) -> None:
    group = await _group(groups, A, B, C)
    votes = services.votes
    mine = (await votes.put_in(GUILD, A, group.id, "Managing up", "")).value.bid
    await votes.put_in(GUILD, B, group.id, "Hiring", "")
    await groups.update_settings(GUILD, FAC, group.id, {"rounds_per_meeting": 1})
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, A, B, C)
    view = await _act(meetings, FACILITATOR, Next(), meeting.id)
    while view.phase is Phase.CATCH_UP:
        assert view.speaker is not None
        view = await _act(meetings, view.speaker, Done(view.speaker), meeting.id)
    assert view.phase is Phase.VOTE
    vote = await votes.open_vote_of(GUILD, A, group.id, None)
    for voter in (A, B, C):
        await votes.cast_ballot(GUILD, voter, vote.id, [mine.id])
    view = await meetings.view(GUILD, A, meeting_id=meeting.id)
    assert (view.phase, view.speaker) == (Phase.PRESENT, A)
    view = await _act(meetings, A, Done(A), meeting.id)
    assert view.phase is Phase.CLARIFY
    while view.phase in (Phase.CLARIFY, Phase.INPUT):
        assert view.speaker not in (None, A)  # the holder never has a clarify or input turn
        speaker = view.speaker
        assert speaker is not None
        view = await _act(meetings, speaker, Pass(speaker) if speaker == C else Done(speaker), meeting.id)
    assert view.phase is Phase.FACILITATOR
    view = await _act(meetings, FACILITATOR, Next(), meeting.id)
    assert (view.phase, view.speaker) == (Phase.COMMIT, A)
    with pytest.raises(MeetingRuleError, match="at most 3"):
        await meetings.commit_actions(GUILD, A, meeting.id, ["one", "two", "three", "four"], "")
    done = await meetings.commit_actions(GUILD, A, meeting.id, ["Talk to my manager", "Write it down"], "Say no early")
    assert done.value.phase is Phase.CLOSED
    notices = [e.effect.notice for e in done.effects if isinstance(e.effect, Notify | DirectNotice)]
    assert any(isinstance(n, MeetingSummary) for n in notices)
    assert [n.round_index for n in notices if isinstance(n, RoundDigest)] == [0]
    (round_view,) = done.value.rounds
    assert (round_view.title, round_view.actions, round_view.learnt) == (
        "Managing up",
        ["Talk to my manager", "Write it down"],
        "Say no early",
    )
    assert round_view.passes == [C]
    board = await votes.board(GUILD, A, group.id, None)
    assert [b.title for b in board.bids] == ["Hiring"]  # still open for next time
    assert (await services.votes.own_open_bids(GUILD, A)) == []
    for user in (A, B, C):
        assert await groups.current_access(group.id, user) is Access.MEMBER  # nobody left locked out


async def test_ending_gives_everyone_back_their_voice(groups: GroupService, meetings: MeetingService) -> None:
    group = await _group(groups, A, B)
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, A, B)
    await _act(meetings, FACILITATOR, Next(), meeting.id)
    assert {await groups.current_access(group.id, u) for u in (A, B)} == {Access.MEMBER, Access.LISTENER}
    ended = await meetings.act(GUILD, FAC, End(), meeting_id=meeting.id)
    assert ended.value.phase is Phase.CLOSED
    assert {await groups.current_access(group.id, u) for u in (A, B)} == {Access.MEMBER}


async def test_a_member_who_leaves_the_group_leaves_the_meeting_and_the_floor_moves_on(
    groups: GroupService, meetings: MeetingService
) -> None:
    group = await _group(groups, A, B, C)
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, A, B, C)
    view = await _act(meetings, FACILITATOR, Next(), meeting.id)
    leaving = view.speaker
    assert leaving is not None
    await groups.leave(GUILD, leaving, group.id, None)
    after = await meetings.view(GUILD, FACILITATOR, meeting_id=meeting.id)
    assert leaving not in after.state.present
    assert after.speaker == view.up_next


async def test_done_pressed_ten_times_at_once_moves_the_floor_once(
    groups: GroupService, meetings: MeetingService
) -> None:
    group = await _group(groups, A, B, C)
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, A, B, C)
    view = await _act(meetings, FACILITATOR, Next(), meeting.id)
    first = view.speaker
    assert first is not None
    results = await asyncio.gather(
        *(meetings.act(GUILD, Actor(first), Done(first), meeting_id=meeting.id) for _ in range(10)),  # type: ignore[arg-type]
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, MeetingRuleError) for r in results if isinstance(r, BaseException))
    after = await meetings.view(GUILD, FACILITATOR, meeting_id=meeting.id)
    assert after.speaker == view.up_next


async def test_a_stale_card_of_a_finished_meeting_is_refused(groups: GroupService, meetings: MeetingService) -> None:
    group = await _group(groups, A, B)
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await meetings.act(GUILD, FAC, End(), meeting_id=meeting.id)
    with pytest.raises(Exception, match="has ended"):
        await meetings.act(GUILD, Actor(A), Arrive(A), meeting_id=meeting.id)


async def test_a_chosen_bid_gets_its_round_in_the_next_meeting_without_a_vote(
    groups: GroupService, meetings: MeetingService, services: Services
) -> None:
    group = await _group(groups, A, B)
    votes = services.votes
    await votes.put_in(GUILD, A, group.id, "Managing up", "")
    await votes.open_vote(GUILD, FAC, group.id, None)  # one bid: chosen at once
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, A)
    view = await _act(meetings, FACILITATOR, Next(), meeting.id)
    view = await _act(meetings, A, Done(A), meeting.id)
    assert (view.phase, view.speaker) == (Phase.PRESENT, A), "no vote: the group voted for this meeting"
    assert [r.holder_id for r in view.rounds] == [A]
    await meetings.act(GUILD, FAC, End(), meeting_id=meeting.id)
    assert [b.status for b in (await votes.board(GUILD, A, group.id, None)).bids] == []


async def _in_catch_up(groups: GroupService, meetings: MeetingService, *members: int) -> tuple[GroupView, MeetingView]:
    group = await _group(groups, *members)
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, *members)
    return group, await _act(meetings, FACILITATOR, Next(), meeting.id)


def _told(effects: list[QueuedEffect]) -> list[tuple[int, object]]:
    return [(e.effect.user_id, e.effect.notice) for e in effects if isinstance(e.effect, DirectNotice)]


async def test_a_post_out_of_turn_is_removed_and_its_author_told_with_their_text(
    groups: GroupService, meetings: MeetingService
) -> None:
    group, view = await _in_catch_up(groups, meetings, A, B)
    other = next(user for user in (A, B) if user != view.speaker)
    check = await meetings.check_post(GUILD, group.text_channel_id or 0, other, "I disagree!")
    assert check.remove
    ((user, notice),) = _told(check.effects)
    assert user == other
    assert isinstance(notice, OffTurnRemoved)
    assert (notice.speaker_id, notice.text) == (view.speaker, "I disagree!")


@pytest.mark.parametrize(("crosstalk", "removed", "told"), [("remind", False, True), ("off", False, False)])
async def test_the_groups_cross_talk_setting_decides_what_an_off_turn_post_gets(
    groups: GroupService, meetings: MeetingService, crosstalk: str, removed: bool, told: bool
) -> None:
    group, view = await _in_catch_up(groups, meetings, A, B)
    await groups.update_settings(GUILD, FAC, group.id, {"crosstalk": CrossTalk(crosstalk)})
    other = next(user for user in (A, B) if user != view.speaker)
    check = await meetings.check_post(GUILD, group.text_channel_id or 0, other, None)
    assert check.remove is removed
    assert bool(_told(check.effects)) is told


async def test_the_speaker_and_the_facilitator_post_freely_and_nobody_is_checked_without_a_meeting(
    groups: GroupService, meetings: MeetingService
) -> None:
    group, view = await _in_catch_up(groups, meetings, A, B)
    assert view.speaker is not None
    channel = group.text_channel_id or 0
    for author in (view.speaker, FACILITATOR):
        check = await meetings.check_post(GUILD, channel, author, "a thought")
        assert (check.remove, check.effects) == (False, [])
    await meetings.act(GUILD, FAC, End(), meeting_id=view.id)
    check = await meetings.check_post(GUILD, channel, A, "after")
    assert (check.remove, check.effects) == (False, [])


async def test_archiving_the_group_ends_its_meeting(groups: GroupService, meetings: MeetingService) -> None:
    group, view = await _in_catch_up(groups, meetings, A, B)
    archived = await groups.archive(GUILD, FAC, group.id)
    assert any(isinstance(e.effect, Notify) and isinstance(e.effect.notice, MeetingSummary) for e in archived.effects)
    after = await meetings.drawn(view.id)
    assert after is not None
    assert (after.open, after.phase) == (False, Phase.CLOSED)


async def test_two_presses_of_one_cards_next_move_the_meeting_once(
    groups: GroupService, meetings: MeetingService
) -> None:
    _, view = await _in_catch_up(groups, meetings, A, B, C)
    mark = turn_mark(view.state)
    results = await asyncio.gather(
        meetings.act(GUILD, FAC, Next(), meeting_id=view.id, mark=mark),
        meetings.act(GUILD, FAC, Next(), meeting_id=view.id, mark=mark),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert [str(r) for r in results if isinstance(r, BaseException)] == [
        "The meeting moved on while you pressed that, so nothing changed: look at the card and press again if you "
        "still mean it."
    ]
    after = await meetings.view(GUILD, FACILITATOR, meeting_id=view.id)
    assert after.speaker == view.up_next


async def test_the_holder_chooses_the_mode_of_their_own_round_only(
    groups: GroupService, meetings: MeetingService, services: Services
) -> None:
    _, meeting, view = await _a_round_for_a(groups, meetings, services, A, B)
    while view.phase is Phase.CATCH_UP:
        assert view.speaker is not None
        view = await _act(meetings, view.speaker, Done(view.speaker), meeting.id)
    assert view.phase is Phase.PRESENT
    with pytest.raises(NotFacilitatorError):
        await meetings.act(GUILD, Actor(B), SetMode(Mode.CHALLENGE), meeting_id=meeting.id)
    chosen = await meetings.act(GUILD, Actor(A), SetMode(Mode.CHALLENGE), meeting_id=meeting.id)
    assert chosen.value.state.rounds[0].mode is Mode.CHALLENGE


async def test_a_vote_closed_during_the_catch_up_chooses_the_rounds(
    groups: GroupService, meetings: MeetingService, services: Services
) -> None:
    group = await _group(groups, A, B)
    votes = services.votes
    first = (await votes.put_in(GUILD, A, group.id, "Managing up", "")).value.bid
    await votes.put_in(GUILD, B, group.id, "Hiring", "")
    vote = (await votes.open_vote(GUILD, FAC, group.id, None, seats=1)).value.vote
    assert vote is not None
    meeting = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, meeting.id, A, B)
    view = await _act(meetings, FACILITATOR, Next(), meeting.id)
    for voter in (A, B):
        await votes.cast_ballot(GUILD, voter, vote.id, [first.id])
    while view.phase is Phase.CATCH_UP:
        assert view.speaker is not None
        view = await _act(meetings, view.speaker, Done(view.speaker), meeting.id)
    assert (view.phase, view.speaker) == (Phase.PRESENT, A)
    assert [r.title for r in view.rounds] == ["Managing up"]


async def test_what_a_peer_says_in_a_round_is_kept_for_the_holder_and_a_statement_in_clarify_is_pointed_out(
    groups: GroupService, meetings: MeetingService, services: Services
) -> None:
    group, meeting, view = await _a_round_for_a(groups, meetings, services, A, B)
    while view.phase is not Phase.CLARIFY:
        assert view.speaker is not None
        view = await _act(meetings, view.speaker, Done(view.speaker), meeting.id)
    assert view.speaker == B
    channel = group.text_channel_id or 0
    asked = await meetings.check_post(GUILD, channel, B, "Why now?")
    stated = await meetings.check_post(GUILD, channel, B, "You should quit.")
    assert _told(asked.effects) == []
    assert [type(notice) for _, notice in _told(stated.effects)] == [NotAQuestion]
    after = await meetings.view(GUILD, A, meeting_id=meeting.id)
    assert after.rounds[0].said == [(B, "clarify", "Why now?"), (B, "clarify", "You should quit.")]


async def test_a_round_whose_holder_is_away_waits_for_the_next_meeting(
    groups: GroupService, meetings: MeetingService, services: Services
) -> None:
    group, meeting, view = await _a_round_for_a(groups, meetings, services, B)  # A is away
    view = await _act(meetings, B, Done(B), meeting.id)
    assert view.phase is Phase.CLOSED
    assert view.rounds == [], "A's chosen round takes no seat while A is away"
    board = await services.votes.board(GUILD, A, group.id, None)
    assert [b.title for b in board.waiting] == ["Managing up"]  # the bid waits, chosen, for the next meeting
    again = (await meetings.start(GUILD, FAC, group.id, None)).value
    await _present(meetings, again.id, A, B)
    view = await _act(meetings, FACILITATOR, Next(), again.id)
    while view.phase is Phase.CATCH_UP:
        assert view.speaker is not None
        view = await _act(meetings, view.speaker, Done(view.speaker), again.id)
    assert (view.phase, view.speaker) == (Phase.PRESENT, A)
    assert [r.title for r in view.rounds] == ["Managing up"]
