"""The report-back reminder end to end: on time, with buttons that work, by DM or in the channel, once through a crash.

The shortest lead Setkeeper allows is an hour and meetings start on the minute, so each test sets a single meeting an
hour and a few minutes ahead and moves the bot's clock (its TEST_CLOCK_FILE) to the moment the reminder falls due,
instead of waiting for it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.reminders import add_months
from bot.services.due import LEASE
from tests.e2e.test_groups_e2e import _group_of, wait_for, world
from tests.e2e.test_meeting_e2e import live_card
from tests.fakediscord import BotProcess, FakeDiscord, Member
from tests.fakediscord.world import Channel, Message

pytestmark = pytest.mark.e2e
__all__ = ["world"]  # the fixture: the bot's role holds exactly the README's invite permissions

LONDON = ZoneInfo("Europe/London")
HEADING = "Time to report back, Set A"


def _due_soon(bot: BotProcess) -> datetime:
    """A whole minute a few minutes ahead by the bot's clock (when the reminder falls due)."""
    return bot.now().replace(second=0, microsecond=0) + timedelta(minutes=3)


async def _meets_an_hour_after(fran: Member, channel: Channel, due: datetime, hours: int = 1) -> None:
    """One meeting `hours` after `due`, in London time; reminders that long before it, no quiet hours."""
    settings = await fran.run(
        "/reminder settings",
        in_channel=channel,
        report_back_hours=hours,
        bid_nudge_hours=hours,
        quiet_from=0,
        quiet_until=0,
    )
    assert "Settings saved for **Set A**" in settings.text, settings.text
    assert "UTC" not in settings.text.replace("quiet hours: none", ""), "no quiet hours: no zone to name"
    local = (due + timedelta(hours=hours)).astimezone(LONDON)
    scheduled = await fran.run(
        "/group schedule once",
        in_channel=channel,
        date=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        zone="Europe/London",
    )
    assert "Once" in scheduled.text or "meets" in scheduled.text, scheduled.text


async def _one_member_with_an_action(world: FakeDiscord) -> tuple[Member, Member, Channel]:
    """Set A: Fran facilitates, Alice has one action to report on ("Write to the board")."""
    fran, (alice,) = await _group_of(world, 1)
    channel = world.guild.channel_named("set-a")
    await alice.run("/action add", text="Write to the board", in_channel=channel)
    return fran, alice, channel


def _reminders(channel: Channel) -> list[Message]:
    return [m for m in channel.live_messages if HEADING in m.text]


async def test_the_reminder_arrives_on_time_with_working_buttons_and_shows_in_the_catch_up(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob, cleo) = await _group_of(world, 3)
    channel = world.guild.channel_named("set-a")
    await alice.run("/action add", text=f"Ask <@{cleo.id}> for feedback", in_channel=channel)
    await bob.run("/action add", text="Draft the plan", in_channel=channel)
    await cleo.run("/action add", text="Book the room", in_channel=channel)
    for person in (bob, cleo):
        chosen = await person.run("/reminder dm", where="dm", in_channel=channel)
        assert "by direct message" in chosen.text
    bob.dms_open = False  # Bob asked for DMs but has them closed: his reminder comes in the channel

    due = _due_soon(bot)
    await _meets_an_hour_after(fran, channel, due)
    preview = await fran.run("/reminder preview", in_channel=channel)
    assert f"Report-back reminder: <t:{int(due.timestamp())}:F>" in preview.text, preview.text
    assert "<@" + str(alice.id) + ">" in preview.text
    assert not preview.messages[0].pinged_user_ids, "a preview pings nobody"

    await bot.move_clock(to=due - timedelta(minutes=1))
    await world.settle(within=5.0)
    assert _reminders(channel) == [], "not early"
    assert not [m for m in cleo.dms if "Time to report back" in m.text]
    # Two seconds before it falls due, and left there: the scheduler wakes by itself, two real seconds on.
    await bot.move_clock(to=due - timedelta(seconds=2))
    await wait_for(lambda: len(_reminders(channel)) == 2 and len(cleo.dms) >= 1, within=10)
    arrived = bot.now()
    assert due <= arrived < due + timedelta(seconds=5), f"on time, not early: {arrived - due} after it fell due"
    together, bobs = sorted(_reminders(channel), key=lambda m: str(bob.id) in m.text)
    assert together.pinged_user_ids == {alice.id}, "Cleo chose DMs; Bob's came on its own"
    # Each person named once, their actions under them as typed (a mention drawn as a name, pinging nobody), no
    # status after an action not yet reported on, and what to do in one line.
    assert together.text.count(f"<@{alice.id}>") == 1, together.text
    assert f"  1. Ask <@{cleo.id}> for feedback\n" in together.text + "\n", together.text
    assert "(Open)" not in together.text
    assert "Each of you: press how your own actions went, or **Tell more** to say what happened." in together.text
    assert together.buttons == ["Done", "Partly done", "Not yet", "Dropped", "Tell more"]
    assert bobs.pinged_user_ids == {bob.id}
    assert "Draft the plan" in bobs.text
    assert bobs.text.endswith("Posted here because a direct message could not be delivered."), bobs.text
    assert "closed" not in bobs.text, "whose messages are closed is not told"
    assert "direct message could not" not in together.text
    again = await fran.run("/reminder preview", in_channel=channel)
    by_dm = next(line for line in again.text.splitlines() if line.startswith("By direct message"))
    assert f"<@{cleo.id}>" in by_dm
    assert f"<@{bob.id}>" not in by_dm, "Bob's direct messages were refused: his reminder comes in the channel"
    (cleos,) = [m for m in cleo.dms if "Time to report back" in m.text]
    assert "Book the room" in cleos.text
    await wait_for(lambda: any("Put in a bid with `/bid add`" in m.text for m in channel.live_messages))
    nudge = channel.message_containing("Put in a bid with `/bid add`")
    assert not nudge.pinged_user_ids
    await wait_for(lambda: any("Not yet reported back" in m.text for m in fran.dms))  # the facilitator's digest

    done = await alice.click(together, "Done")
    assert "is **Done**" in done.text
    twice = await alice.click(together, "Done")
    assert twice.text.startswith(f"Already recorded: Ask <@{cleo.id}> for feedback is **Done**."), twice.text
    listed = await alice.run("/action list", in_channel=channel)
    assert f"Ask <@{cleo.id}> for feedback" in listed.text, listed.text
    told = await cleo.click(cleos, "Tell more")
    (panel,) = [m for m in told.messages if m.buttons]
    form = await cleo.click(panel, "1. Partly done…")
    assert form.modal_title == "Partly done: your report"
    sent = await cleo.submit_modal(form, {"happened": "Booked for Friday only", "learnt": "Book early"})
    assert "is now **Partly done**" in sent.text
    nothing = await bob.click(together, "Done")
    assert "Draft the plan is **Done**" in nothing.text, "a button works for whoever presses it, on their own action"

    await fran.run("/meeting start", in_channel=channel)
    card = live_card(channel)
    for person in (alice, bob, cleo):
        await person.click(card, "Here")
    await fran.click(card, "Next")
    people = {person.id: person for person in (alice, bob, cleo)}
    for _ in people:  # the catch-up goes round everyone present: each sees what they reported
        await wait_for(lambda: "Their actions from last time" in card.text)
        speaker = next(people[user] for user in people if f"Has the floor: <@{user}>" in card.text)
        if speaker is cleo:
            assert "Book the room (**Partly done**): Booked for Friday only" in card.text
            return
        if speaker is alice:
            assert "(**Done**)" in card.text
        before = card.text
        await speaker.click(card, "Done")
        await wait_for(lambda before=before: card.text != before)  # type: ignore[misc]
    raise AssertionError("Cleo's turn in the catch-up never came")


async def test_a_reminder_due_while_the_bot_was_killed_is_sent_once_when_it_returns(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, alice, channel = await _one_member_with_an_action(world)
    due = _due_soon(bot)
    await _meets_an_hour_after(fran, channel, due)
    await bot.kill()
    await bot.move_clock(to=due + timedelta(seconds=2))  # the reminder falls due while the bot is down
    await world.settle(within=2.0)
    assert _reminders(channel) == []
    await bot.start()
    await wait_for(lambda: len(_reminders(channel)) == 1, within=20)
    await bot.kill()  # and again, straight after: a restart must not send it a second time
    await bot.start()
    await world.settle(within=5.0)
    (reminder,) = _reminders(channel)
    assert reminder.pinged_user_ids == {alice.id}
    done = await alice.click(reminder, "Done")
    assert "Write to the board is **Done**" in done.text, "its buttons work after the restart"


async def test_a_reminder_that_went_is_not_promised_again_when_its_lead_time_changes(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, _alice, channel = await _one_member_with_an_action(world)
    due = _due_soon(bot)
    meeting = due + timedelta(hours=2)
    await _meets_an_hour_after(fran, channel, due, hours=2)
    await bot.move_clock(to=due + timedelta(seconds=1))
    await wait_for(lambda: len(_reminders(channel)) == 1)
    went = bot.now()

    # The facilitator shortens the lead time after the reminder went: the new time is not a post to come.
    shorter = meeting - timedelta(hours=1)
    changed = await fran.run("/reminder settings", in_channel=channel, report_back_hours=1)
    assert "Settings saved for **Set A**" in changed.text, changed.text
    preview = await fran.run("/reminder preview", in_channel=channel)
    for shown in (changed.text, preview.text):
        assert f"Report-back reminder: <t:{int(shorter.timestamp())}:F>" not in shown, shown
        stamp = re.search(r"Report-back reminder: went <t:(\d+):F>", shown)
        assert stamp is not None, shown
        assert int(due.timestamp()) <= int(stamp.group(1)) <= int(went.timestamp()), "when it went, by the bot's clock"
    assert "Nudge to put in bids: went <t:" in preview.text, "it went with the reminder, two hours before"

    # Restarted after the new time, still within late_hours: it rightly does not go again, as the preview said.
    await bot.kill()
    await bot.move_clock(to=shorter + timedelta(seconds=2))
    await bot.start()  # what fell due while it was down is done before it says it is ready
    await world.settle(within=5.0)
    assert len(_reminders(channel)) == 1


async def test_without_a_schedule_the_quiet_hours_hold_in_utc_as_the_preview_says(
    world: FakeDiscord, bot: BotProcess
) -> None:
    now = bot.now()
    evening = now.replace(hour=23, minute=30, second=0, microsecond=0)
    await bot.move_clock(to=evening if evening > now else evening + timedelta(days=1))  # inside 22:00 to 08:00 UTC
    fran, alice, channel = await _one_member_with_an_action(world)
    made = bot.now()
    month_on = add_months(made, 1)  # the time of day the group was made: within the quiet hours
    morning = datetime.combine(month_on.date() + timedelta(days=1), time(8), tzinfo=UTC)

    preview = await fran.run("/reminder preview", in_channel=channel)
    utc = "22:00 to 08:00 (UTC, until a schedule gives the group its time zone)"
    assert f"Quiet hours: {utc};" in preview.text, preview.text
    settings = await fran.run("/reminder settings", in_channel=channel)
    assert settings.text.count(utc) == 2, "the settings and the posts to come name the same zone"
    assert f"Report-back reminder: <t:{int(morning.timestamp())}:F>" in preview.text, preview.text

    await bot.move_clock(to=month_on + timedelta(minutes=1))
    await world.settle(within=5.0)
    assert _reminders(channel) == [], "not in the quiet hours"
    await bot.move_clock(to=morning + timedelta(seconds=1))
    await wait_for(lambda: len(_reminders(channel)) == 1)
    (reminder,) = _reminders(channel)
    assert "it has been a month since your last meeting" in reminder.text
    assert reminder.pinged_user_ids == {alice.id}


async def test_a_kill_while_reminders_are_being_decided_delays_none_and_doubles_none(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, _alice, channel = await _one_member_with_an_action(world)
    due = _due_soon(bot)
    await _meets_an_hour_after(fran, channel, due)  # the reminder, the nudge and the digest all fall due at `due`
    # The first of the three posts waits 20 s on Discord: the other two are claimed, their decision still to come.
    world.faults.rate_limit("POST /channels/*/messages", count=1, retry_after=20)
    posts = "POST /channels/{channel_id}/messages"
    limited = len(world.requests_to(posts))
    # Two seconds short, and left there: the scheduler wakes by itself (a moved clock would wait for the 20 s).
    await bot.move_clock(to=due - timedelta(seconds=2))
    await wait_for(lambda: any(r.rate_limited for r in world.requests_to(posts)[limited:]))
    claimed_at = bot.now()
    await bot.kill()

    await bot.start()  # the bot's clock stands still: nothing the dead process held may wait for its claim to run out
    nudge = "Put in a bid with `/bid add`"
    await wait_for(
        lambda: (
            len(_reminders(channel)) == 1
            and any(nudge in m.text for m in channel.live_messages)
            and any("Not yet reported back" in m.text for m in fran.dms)
        ),
        within=10,
    )
    assert bot.now() < claimed_at + LEASE, "promptly, not when the dead process's claim ran out"
    taken_back = [line for line in bot.stderr.splitlines() if "due work taken back" in line]
    assert len(taken_back) == 1, bot.tail(40)
    assert "pieces=2" in taken_back[0], "the nudge and the digest were claimed and not yet decided at the kill"
    await bot.move_clock(to=claimed_at + LEASE + timedelta(minutes=1))
    await world.settle(within=5.0)
    assert len(_reminders(channel)) == 1
    assert len([m for m in channel.live_messages if nudge in m.text]) == 1
    assert len([m for m in fran.dms if "Not yet reported back" in m.text]) == 1
