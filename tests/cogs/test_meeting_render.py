"""What the meeting posts: a summary or digest too long for one message keeps every word, in an attached file."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.domain.meeting import MeetingState, Mode, Phase
from bot.domain.meeting_notices import DressRehearsalInput, OffTurnReminder, OffTurnRemoved
from bot.services.meetings import MeetingView, RoundView
from cogs.meetings._render import MESSAGE_LIMIT, TOO_LONG, digest, render_notice, summary

HOLDERS = (21, 22, 23, 24)


def _view(action_length: int, said_length: int = 0) -> MeetingView:
    rounds = [
        RoundView(
            holder_id=holder,
            title=f"Issue {number}",
            mode=Mode.SUPPORTIVE,
            actions=[f"{number}.{n} " + "x" * action_length for n in range(1, 4)],
            learnt="Ask early",
            inputs=[h for h in HOLDERS if h != holder],
            passes=[],
            said=[(h, "input", "y" * said_length) for h in HOLDERS if h != holder] if said_length else [],
            ran=True,
        )
        for number, holder in enumerate(HOLDERS, start=1)
    ]
    state = MeetingState(facilitator_id=10, phase=Phase.CLOSED, present=HOLDERS, rotation=0, voted_before=True)
    moment = datetime(2026, 11, 27, 18, tzinfo=UTC)
    return MeetingView(1, 1, "Set A", False, state, None, None, rounds, [], moment, moment)


def test_a_short_summary_is_one_message_without_a_file() -> None:
    post = summary(_view(action_length=20))
    assert post.attachment is None
    assert post.content is not None
    assert "4.3 " in post.content


def test_a_summary_too_long_for_a_message_ends_on_a_whole_line_and_attaches_everything() -> None:
    post = summary(_view(action_length=190))
    assert post.content is not None
    assert post.attachment is not None
    assert len(post.content) <= MESSAGE_LIMIT
    assert post.content.endswith(str(TOO_LONG))
    name, text = post.attachment
    assert name == "meeting-summary.md"
    for number in range(1, 5):
        for n in range(1, 4):
            assert f"   - action: {number}.{n} " + "x" * 190 in text, "every action, whole"
    shown = post.content.removesuffix(str(TOO_LONG)).rstrip("\n").splitlines()
    assert all(line in text.splitlines() for line in shown), "no line cut in the middle"


def test_a_long_digest_keeps_what_every_peer_said() -> None:
    post = digest(_view(action_length=20, said_length=900), 0)
    assert post is not None
    assert post.attachment is not None
    assert post.content is not None
    assert len(post.content) <= MESSAGE_LIMIT
    assert post.attachment[1].count("y" * 900) == 3


def test_the_summary_names_the_next_meeting_when_the_group_has_a_schedule() -> None:
    unscheduled = summary(_view(action_length=20)).content or ""
    assert "Next meeting: not set yet (`/group schedule monthly` or `/group schedule weekly`)." in unscheduled
    following = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)
    scheduled = summary(dataclasses.replace(_view(action_length=20), next_meeting_at=following)).content or ""
    stamp = int(following.timestamp())
    assert f"Next meeting: <t:{stamp}:F> (<t:{stamp}:R>)" in scheduled
    assert "not set yet" not in scheduled


def test_a_long_post_removed_out_of_turn_comes_back_whole_in_a_file() -> None:
    said = "I think " + "we should *really* say so. " * 150  # 4,000 characters, as Nitro allows
    post = render_notice(OffTurnRemoved("Set A", 21, said))
    assert post.content is not None
    assert len(post.content) <= MESSAGE_LIMIT
    assert str(TOO_LONG) in post.content
    assert post.attachment is not None
    assert post.attachment[1] == said + "\n", "every word comes back, as written"


def test_a_short_post_removed_out_of_turn_comes_back_in_the_message() -> None:
    post = render_notice(OffTurnRemoved("Set A", 21, "May I just add"))
    assert post.attachment is None
    assert post.content is not None
    assert "May I just add" in post.content
    assert "Raise your hand to speak" in post.content


def test_someone_outside_the_group_is_told_what_applies_to_them() -> None:
    removed = render_notice(OffTurnRemoved("Set A", 21, None, member=False)).content or ""
    reminded = render_notice(OffTurnReminder("Set A", 21, member=False)).content or ""
    for text in (removed, reminded):
        assert "You are not a member of Set A" in text
        assert "raise your hand" not in text.casefold()


def test_a_long_dress_rehearsal_input_is_shown_whole() -> None:
    criticism = "_" * 500  # every character escaped doubles it
    positives = ("*" * 300, "~" * 300, "`" * 300)
    post = render_notice(DressRehearsalInput(21, criticism, positives))
    assert post.content is not None
    assert len(post.content) <= MESSAGE_LIMIT
    assert post.attachment is not None
    assert post.attachment[1].count("\\*") == 300
    assert post.attachment[1].count("\\`") == 300
