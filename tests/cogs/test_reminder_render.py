"""How the report-back reminder reads: every member mentioned where Discord pings, whatever its length."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.domain.actions import ActionStatus
from bot.services.actions import ActionView
from bot.services.reminders import MemberActions, ReminderView
from cogs.reminders._render import group_reminder
from cogs.reminders._views import reminder_buttons

NOW = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)


def _member(user_id: int, count: int, length: int) -> MemberActions:
    actions = [
        ActionView(
            user_id * 10 + n, 1, "Set A", user_id, f"@everyone <@{n}> " + "x" * length, ActionStatus.OPEN, NOW, True, []
        )
        for n in range(count)
    ]
    return MemberActions(user_id, actions)


def test_a_long_reminder_still_mentions_everyone_in_the_message_itself() -> None:
    members = [_member(user_id, 3, 100) for user_id in range(101, 109)]
    post = group_reminder(ReminderView(1, "Set A", int(NOW.timestamp()), members), reminder_buttons(1))
    assert post.content is not None
    assert post.attachment is not None, "too long for one message: the whole is in the file"
    for user_id in range(101, 109):
        assert f"<@{user_id}>" in post.content
    assert {user.id for user in post.mentions.users} == set(range(101, 109))  # type: ignore[union-attr]
    assert post.mentions.everyone is False
    assert "\\<@0>" in post.content
    assert re.search(r"(?<!\\)<@0>", post.content) is None, "an action's text never mentions anyone"
