"""How the report-back reminder reads: every member mentioned where Discord pings, whatever its length."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.actions import ActionStatus
from bot.domain.reminders import QuietHours
from bot.services.actions import ActionView
from bot.services.reminders import MemberActions, ReminderView
from cogs.groups._render import quiet_hours
from cogs.reminders._render import group_reminder, member_reminder
from cogs.reminders._views import reminder_buttons

NOW = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
FRIEND = 157800000000000000
"""A person mentioned in an action's text (a snowflake, as Discord's are)."""


def _member(user_id: int, count: int, length: int) -> MemberActions:
    actions = [
        ActionView(
            user_id * 10 + n,
            1,
            "Set A",
            user_id,
            f"@everyone <@{FRIEND + n}> <@&{FRIEND}> " + "x" * length,
            ActionStatus.OPEN,
            NOW,
            True,
            [],
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
    assert post.attachment[1].count(f"<@{FRIEND}>") == 8, "each action's mention, kept to be drawn as a name"
    assert FRIEND not in {user.id for user in post.mentions.users}  # type: ignore[union-attr]
    assert "@\u200beveryone" in post.attachment[1], "@everyone in an action never pings"
    assert re.search(r"(?<!\\)<@&", post.attachment[1]) is None, "nor does a role mentioned in one"


def test_the_reminder_names_each_person_once_above_their_actions() -> None:
    members = [_member(101, 2, 10), _member(102, 1, 10)]
    members[0].actions[1] = replace(members[0].actions[1], status=ActionStatus.PARTLY)
    post = group_reminder(ReminderView(1, "Set A", int(NOW.timestamp()), members), reminder_buttons(1))
    assert post.attachment is None
    assert post.content is not None
    lines = post.content.splitlines()
    assert lines[1] == "Each of you: press how your own actions went, or **Tell more** to say what happened."
    assert lines[2:] == [
        "<@101>",
        f"  1. @\u200beveryone <@{FRIEND}> \\<@\u200b&{FRIEND}> xxxxxxxxxx",
        f"  2. @\u200beveryone <@{FRIEND + 1}> \\<@\u200b&{FRIEND}> xxxxxxxxxx (last report: partly done)",
        "<@102>",
        f"  1. @\u200beveryone <@{FRIEND}> \\<@\u200b&{FRIEND}> xxxxxxxxxx",
    ]


def test_ones_own_reminder_says_what_to_do_for_one_action_or_several() -> None:
    one = member_reminder(ReminderView(1, "Set A", None, [_member(101, 1, 5)]), reminder_buttons(1))
    two = member_reminder(ReminderView(1, "Set A", None, [_member(101, 2, 5)]), reminder_buttons(1))
    assert one.content is not None
    assert two.content is not None
    assert one.content.splitlines()[1] == "Press how it went, or **Tell more** to say what happened."
    assert two.content.splitlines()[1] == "Press how they went, or **Tell more** to say what happened."


def test_quiet_hours_always_name_the_zone_they_are_kept_in() -> None:
    quiet = QuietHours(22, 8)
    assert quiet_hours(quiet, "Europe/London") == "22:00 to 08:00 (Europe/London)"
    assert quiet_hours(quiet, None) == "22:00 to 08:00 (UTC, until a schedule gives the group its time zone)"
    assert quiet_hours(QuietHours(0, 0), "Europe/London") == "none"
