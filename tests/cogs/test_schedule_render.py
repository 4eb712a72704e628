"""What /group schedule answers and /group info shows about a group's schedule."""

from __future__ import annotations

from bot.domain.cadence import CLOCK_CHANGE_RULE
from bot.services.groups import GroupService
from bot.services.groups._views import GroupInfo
from cogs.groups._render import info_embed, schedule_reply
from tests.service.helpers import FAC, GUILD, make_group

DEC_1_1830 = 1_796_149_800  # 2026-12-01 18:30 UTC


async def test_the_reply_shows_the_rule_and_the_next_meeting_in_everyones_own_zone(groups: GroupService) -> None:
    group = await make_group(groups)
    outcome = await groups.set_schedule(
        GUILD, FAC, group.id, "monthly_weekday", at="18:30", zone="Europe/London", weekday="tue", ordinal="first"
    )
    text = schedule_reply(outcome.value)
    assert "Monthly on the first Tuesday at 18:30, Europe/London" in text
    assert f"<t:{DEC_1_1830}:F> (<t:{DEC_1_1830}:R>)" in text
    assert str(CLOCK_CHANGE_RULE) not in text


async def test_a_meeting_moved_by_the_clocks_going_forward_comes_with_the_rule(groups: GroupService) -> None:
    group = await make_group(groups)
    outcome = await groups.set_schedule(GUILD, FAC, group.id, "once", at="01:30", zone="Europe/London", on="2027-03-28")
    assert str(CLOCK_CHANGE_RULE) in schedule_reply(outcome.value)


async def test_info_shows_the_schedule_or_that_there_is_none(groups: GroupService) -> None:
    group = await make_group(groups)
    unscheduled = {field.name: field.value for field in info_embed(GroupInfo(group, [], [])).fields}
    assert unscheduled["Next meeting"] == "No schedule yet (`/group schedule monthly` or `/group schedule weekly`)"
    outcome = await groups.set_schedule(GUILD, FAC, group.id, "monthly_day", at="18:30", zone="UTC", day=1)
    fields = {field.name: field.value for field in info_embed(GroupInfo(outcome.value, [], [])).fields}
    assert fields["Meets"] == "Monthly on the 1st at 18:30, UTC"
    assert fields["Next meeting"] == f"<t:{DEC_1_1830}:F> (<t:{DEC_1_1830}:R>)"


async def test_the_reply_says_how_many_meetings_make_a_cycle_whether_or_not_there_is_a_schedule(
    groups: GroupService,
) -> None:
    group = await make_group(groups)
    assert "cycle" not in schedule_reply(group)
    cleared = await groups.set_schedule(GUILD, FAC, group.id, "none", cycle=5)
    assert "has no schedule now" in schedule_reply(cleared.value)
    assert "A cycle is 5 meetings." in schedule_reply(cleared.value)
    saved = await groups.set_schedule(GUILD, FAC, group.id, "weeks", at="18:30", zone="UTC", weeks=6, on="2027-01-05")
    assert "A cycle is 5 meetings." in schedule_reply(saved.value)


async def test_info_says_the_size_and_the_quiet_hours_in_plain_words(groups: GroupService) -> None:
    group = await make_group(groups)
    outcome = await groups.set_schedule(GUILD, FAC, group.id, "monthly_day", at="18:30", zone="Europe/London", day=1)
    fields = {field.name: field.value for field in info_embed(GroupInfo(outcome.value, [], [])).fields}
    assert "Members: 0 (the group takes 2 to 7)" in fields
    assert "quiet hours: 22:00 to 08:00 (Europe/London);" in fields["Settings"]
