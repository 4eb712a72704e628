"""The text floor as Discord carries it: one speaker at every moment, kept through failures, restarts and limits."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from tests.e2e.conftest import LIMITS_SCALE
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_meeting_e2e import _card, _phase, speaker_on, world
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Message, Overwrite
from tests.fakediscord.floor import FloorWatch, overwrite_writes

pytestmark = pytest.mark.e2e
__all__ = ["world"]  # the meeting tests' fake Discord: the bot's role has the README's permissions


async def _catch_up(
    world: FakeDiscord, size: int, *, arriving: str = "in order"
) -> tuple[Member, list[Member], Message]:
    """A meeting of `size` begun (everyone Here, the facilitator's Next): the first catch-up speaker has the floor.

    The catch-up goes in id order; `arriving="reversed"` has them press Here the other way round. Returns the
    members, the card, the channel and the first speaker.
    """
    fran, people = await _group_of(world, size)
    channel = world.guild.channel_named("set-a")
    await fran.run("/meeting start", in_channel=channel)
    card = _card(channel)
    for person in people if arriving == "in order" else people[::-1]:
        await person.click(card, "Here")
    await fran.click(card, "Next")
    await wait_for(lambda: _holds(world, people, card, channel) is not None)
    await world.settle()
    speaker = _holds(world, people, card, channel)
    assert speaker is not None
    return people, card, channel, speaker


def _holds(world: FakeDiscord, people: list[Member], card: Message, channel: Channel) -> Member | None:
    """The member the card names, once they can post."""
    named = next((p for p in people if p.id == speaker_on(card)), None)
    return named if named is not None and world.guild.can(named, "send_messages", channel) else None


def _posters(world: FakeDiscord, people: list[Member], channel: Channel) -> list[Member]:
    return [p for p in people if world.guild.can(p, "send_messages", channel)]


async def test_a_restart_mid_meeting_rewrites_no_overwrite_that_is_already_right(
    world: FakeDiscord, bot: BotProcess
) -> None:
    people, card, channel, speaker = await _catch_up(world, 4)
    await bot.stop()
    since = len(world.requests)
    await bot.start()
    await world.settle(quiet=0.5)
    written = overwrite_writes(world, channel, since)
    assert written == [], [f"{r.method} {r.path}" for r in written]
    assert _posters(world, people, channel) == [speaker], "the floor is as it was"
    # The next hand-over has the channel's whole overwrite budget: it is carried out at once.
    await speaker.click(card, "Done")
    await wait_for(lambda: _holds(world, people, card, channel) not in (None, speaker))
    assert len(_posters(world, people, channel)) == 1


async def test_an_overwrite_changed_while_the_bot_was_down_is_written_again(
    world: FakeDiscord, bot: BotProcess
) -> None:
    """Reconciling reads what Discord has: a moderator's change made while the bot was away is put right."""
    people, _card, channel, speaker = await _catch_up(world, 3)
    listener = next(p for p in people if p is not speaker)
    await bot.stop()
    floor = channel.overwrites[speaker.id]
    channel.overwrites[listener.id] = Overwrite(listener.id, floor.type, floor.allow, floor.deny)  # by a moderator
    assert len(_posters(world, people, channel)) == 2
    since = len(world.requests)
    await bot.start()
    await wait_for(lambda: _posters(world, people, channel) == [speaker])
    await world.settle()
    assert [int(r.path.rsplit("/", 1)[1]) for r in overwrite_writes(world, channel, since)] == [listener.id]


async def test_a_hand_over_under_discords_limits_takes_the_floor_before_giving_it(
    world: FakeDiscord, bot: BotProcess
) -> None:
    """Whoever comes before whom in the meeting's order, no moment has two members able to post."""
    people, card, channel, _first = await _catch_up(world, 5, arriving="reversed")
    world.faults.realistic_rate_limits(time_scale=LIMITS_SCALE, announced=False)
    watch = FloorWatch.start(world, channel, people)
    for _ in people[1:]:  # each hand-over of the catch-up (the last Done opens the vote)
        speaker = _holds(world, people, card, channel)
        assert speaker is not None
        await speaker.click(card, "Done")
        await wait_for(
            lambda gone=speaker: (
                "Catch-up" not in _phase(card) or _holds(world, people, card, channel) not in (None, gone)
            )
        )
    await world.settle(quiet=0.5)
    assert "Catch-up" in _phase(card)
    assert watch.overlaps() == []
    assert world.rate_limited == [], [r.bucket for r in world.rate_limited]


async def test_a_floor_change_that_fails_is_retried_in_seconds_and_the_card_never_names_who_cannot_post(
    world: FakeDiscord, bot: BotProcess
) -> None:
    """Three 502s and two 429s on the outgoing speaker's overwrite: discord.py gives up, the bot tries again soon.

    Until then the floor stays with the speaker and the card says so; the next speaker gets it once it is taken.
    The test waits out discord.py's own retries of the 502s (1, 3 and 5 s): what Discord's failures cost.
    """
    people, card, channel, speaker = await _catch_up(world, 3)
    watch = FloorWatch.start(world, channel, people)
    route = f"PUT /channels/{channel.id}/permissions/{speaker.id}"
    world.faults.server_error(route, count=3, status=502)
    world.faults.rate_limit(route, count=2, retry_after=0.3)
    wrong: list[float] = []  # when the card named someone who could not post, or someone else could post too
    looked: list[float] = []

    async def watch_the_card() -> None:
        while True:
            posting = [p.id for p in _posters(world, people, channel)]
            looked.append(time.monotonic())
            if posting != [speaker_on(card)]:
                wrong.append(time.monotonic())
            await asyncio.sleep(0.01)

    watching = asyncio.create_task(watch_the_card())
    try:
        await speaker.click(card, "Done")
        await wait_for(lambda: len([r for r in world.requests_to(route) if r.status >= 400]) == 5, within=20.0)
        gave_up = max(world.answered_at(r) for r in world.requests_to(route))
        await bot.move_clock(bot.now() + timedelta(seconds=10))  # the retry falls due in seconds, not a minute
        await wait_for(lambda: _holds(world, people, card, channel) not in (None, speaker))
        await world.settle()
    finally:
        watching.cancel()
    taken = [r for r in world.requests_to(route) if r.status < 300 and world.answered_at(r) > gave_up]
    assert taken, "the outgoing speaker's overwrite was written at last"
    assert world.answered_at(taken[0]) - gave_up < 5.0
    assert watch.overlaps() == []
    # Only the moment of the hand-over itself (the overwrites, then the card's edit) may show the two apart.
    assert len(looked) > 100, "the watch looked all along (the retries take seconds)"
    # The hand-over's own moment (the overwrites, then the new card) may show the two apart, briefly, or too briefly
    # for a watch that looks every 10 ms to see it.
    if wrong:
        assert wrong[-1] - wrong[0] < 1.0, f"the card and the floor disagreed for {wrong[-1] - wrong[0]:.1f} s"
    assert _posters(world, people, channel) == [_holds(world, people, card, channel)]
