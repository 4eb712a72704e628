"""Every post exactly once, also when the bot dies as Discord accepts it and returns after the nonce is forgotten.

Discord remembers a post's nonce for "a few minutes"; after that, the bot looks before it posts again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.test_groups_e2e import _group_of, wait_for, world
from tests.e2e.test_reminders_e2e import (
    HEADING,
    _due_soon,
    _meets_an_hour_after,
    _one_member_with_an_action,
    _reminders,
)
from tests.fakediscord import BotProcess, FakeDiscord, Member
from tests.fakediscord.server import Hold
from tests.fakediscord.world import Channel

pytestmark = pytest.mark.e2e
__all__ = ["world"]  # the fixture: the bot's role holds exactly the README's invite permissions

DOWN_FOR = timedelta(minutes=10)
NUDGE = "Put in a bid with `/bid add`"
DIGEST = "Not yet reported back"
FOUND = "a post was found already made"


async def _reminder_held_as_the_bot_dies(
    world: FakeDiscord, bot: BotProcess, fran: Member, channel: Channel, *, route: str, containing: str
) -> None:
    """A reminder due soon: the bot dies as Discord accepts the post holding `containing`, and comes back later.

    The meeting is an hour after the reminder falls due; the bot starts again ten minutes after it died.
    """
    due = _due_soon(bot)
    await _meets_an_hour_after(fran, channel, due)
    hold = world.faults.hold_answer(f"POST {route}", containing=containing)
    await bot.move_clock(to=due + timedelta(seconds=1), wait=False)  # what falls due waits on the held post
    await wait_for(hold.accepted.is_set, within=10)
    await _back_after_discord_forgot(world, bot, hold)


async def _back_after_discord_forgot(world: FakeDiscord, bot: BotProcess, hold: Hold) -> None:
    """Kill the bot (Discord accepted, the bot never heard), and start it again ten minutes later by both clocks."""
    await bot.kill()
    hold.release()  # the answer goes to a dead process
    assert world.nonce_memory < DOWN_FOR
    world.move_clock(by=DOWN_FOR)
    await bot.move_clock(to=bot.now() + DOWN_FOR)
    await bot.start()


async def test_a_reminder_accepted_as_the_bot_died_is_not_posted_again_after_discord_forgot_its_nonce(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, alice, channel = await _one_member_with_an_action(world)
    await _reminder_held_as_the_bot_dies(
        world, bot, fran, channel, route=f"/channels/{channel.id}/messages", containing=HEADING
    )
    await world.settle(within=5.0)
    await wait_for(lambda: any(NUDGE in m.text for m in channel.live_messages) and bool(fran.dms))
    (reminder,) = _reminders(channel)
    assert reminder.pinged_user_ids == {alice.id}
    assert len([m for m in channel.live_messages if NUDGE in m.text]) == 1
    assert len([m for m in fran.dms if DIGEST in m.text]) == 1
    done = await alice.click(reminder, "Done")
    assert "Write to the board is **Done**" in done.text, "the post found is the one its buttons answer for"
    assert FOUND in bot.stderr, "it looked, and found the post"


async def test_a_direct_reminder_accepted_as_the_bot_died_is_not_sent_again_after_discord_forgot_its_nonce(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, alice, channel = await _one_member_with_an_action(world)
    chosen = await alice.run("/reminder dm", where="dm", in_channel=channel)
    assert "by direct message" in chosen.text
    await _reminder_held_as_the_bot_dies(
        world, bot, fran, channel, route="/channels/*/messages", containing="Time to report back"
    )
    await world.settle(within=5.0)
    await wait_for(lambda: any(DIGEST in m.text for m in fran.dms))
    assert len([m for m in alice.dms if "Time to report back" in m.text]) == 1
    assert _reminders(channel) == []
    assert len([m for m in fran.dms if DIGEST in m.text]) == 1
    assert FOUND in bot.stderr, "it looked, and found the message"


async def test_a_welcome_accepted_as_the_bot_died_is_not_posted_again_and_the_command_hears_what_it_did(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, _members = await _group_of(world, 1)
    channel = world.guild.channel_named("set-a")
    bob = world.guild.add_member("Bob")
    welcome = f"{bob.mention}, welcome to **Set A**"
    hold = world.faults.hold_answer(f"POST /channels/{channel.id}/messages", containing=welcome)
    command = await world.interactions.send_command(fran, "group add", {"member": bob}, channel)
    await wait_for(hold.accepted.is_set, within=10)
    await _back_after_discord_forgot(world, bot, hold)

    answered = await world.interactions.wait(command, within=10)
    assert "your /group add went through" in answered.text, "the lost answer, sent once the bot is back"
    await world.settle(within=5.0)
    (posted,) = [m for m in channel.live_messages if welcome in m.text]
    accepted = await bob.click(posted, "I accept the ground rules")
    assert "You have accepted the ground rules" in accepted.text
    assert FOUND in bot.stderr, "it looked, and found the post"
