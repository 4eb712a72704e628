"""A meeting in a voice channel end to end: server mutes follow the floor, and nobody is left muted by the bot."""

from __future__ import annotations

import pytest

from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_meeting_e2e import _card, _phase, done, speaker_on, world
from tests.fakediscord import VOICE, BotProcess, Channel, FakeDiscord, Member, Message

pytestmark = pytest.mark.e2e
__all__ = ["world"]  # the meeting test's fixture: the README's invite permissions (Mute Members among them)


async def _muted_by_a_moderator(world: FakeDiscord, member: Member) -> None:
    """A moderator server-mutes the member themselves (the bot hears of it as a voice state update)."""
    member.mute = True
    await world.dispatch("VOICE_STATE_UPDATE", world.voice_state_payload(member))
    await world.settle()


async def _muted_are(world: FakeDiscord, expected: set[Member]) -> None:
    await world.settle()
    await wait_for(lambda: set(world.guild.server_muted) == expected)


def voice_edits(world: FakeDiscord, member: Member, field: str) -> list[bool]:
    """What the bot set `field` ("mute", or "suppress" on a Stage) to for a member, oldest first."""
    return [bool(record.body[field]) for record in world.voice_edits(member) if field in record.body]


def _edits(world: FakeDiscord, member: Member) -> list[bool]:
    return voice_edits(world, member, "mute")


async def hand_over(world: FakeDiscord, card: Message, speaker: Member) -> tuple[int | None, int]:
    """The speaker presses Done: the next speaker in the catch-up (None once it is over), and the voice edits before."""
    await world.settle()
    before = len(world.voice_edits())
    await done(speaker)
    await world.settle()
    following = speaker_on(card)
    return (following if following is not None and "Catch-up" in _phase(card) else None), before


def touched_since(world: FakeDiscord, before: int) -> set[int]:
    """Whose voice the bot edited since the first `before` edits."""
    return {int(r.path.rsplit("/", 1)[1]) for r in world.voice_edits()[before:]}


async def voice_group(world: FakeDiscord, kind: str) -> tuple[Member, list[Member], Channel, Channel]:
    """A facilitator, five members, the group's text channel and its voice channel or Stage ("voice" or "stage")."""
    fran, people = await _group_of(world, 5, voice=kind)
    return fran, people, world.guild.channel_named("set-a"), world.guild.channel_named("Set A")


async def test_a_voice_meeting_of_five_mutes_only_listeners_and_leaves_nobody_muted(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, people, channel, room = await voice_group(world, "voice")
    alice, bob, cleo, dev, eve = people
    guild = world.guild
    for person in (fran, alice, dev):
        await person.join_voice(room)
    await _muted_by_a_moderator(world, dev)  # before the meeting: the moderator's mute, never the bot's to undo

    started = await fran.run("/meeting start", voice=True, in_channel=channel)
    assert "The meeting has started" in started.text
    card = _card(channel)
    for person in (bob, cleo):
        await person.join_voice(room)  # joining the meeting's voice channel counts as Here, as being in it at the start
    await wait_for(lambda: all(p.mention in card.text.split("Present: ")[-1] for p in (alice, bob, cleo, dev)))
    assert _edits(world, alice) == [], "joining the voice channel counted as Here; nobody is muted in the opening"

    # The catch-up: everyone in voice but the speaker and the facilitator is muted; each hand-over touches two.
    await fran.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card))
    present = {alice, bob, cleo, dev}
    by_id = {p.id: p for p in people}
    speaker = by_id[speaker_on(card) or 0]
    await _muted_are(world, (present - {speaker}) | {dev})
    turn = 0
    while "Catch-up" in _phase(card):
        speaker = by_id[speaker_on(card) or 0]
        if turn == 0:
            await eve.join_voice(room)  # a late joiner: present by voice, muted on arrival, added to the turns
            present.add(eve)
            await _muted_are(world, (present - {speaker}) | {dev})
            assert _edits(world, eve) == [True]
        elif turn == 1:
            # A muted listener leaves voice; a break unmutes everyone in voice; their mute is undone on return.
            away = next(p for p in (alice, bob, cleo, eve) if p in guild.server_muted)
            await away.leave_voice()
            await fran.run("/meeting break", minutes=10, in_channel=channel)
            await _muted_are(world, {away, dev})
            await away.join_voice(room)
            await _muted_are(world, {dev})
            assert _edits(world, away)[-1] is False
            await fran.run("/meeting resume", in_channel=channel)
            await _muted_are(world, (present - {speaker}) | {dev})
        elif turn == 2:
            # kill -9 with members muted, then a restart: the same floor, nobody muted or unmuted wrongly.
            muted_before = set(guild.server_muted)
            await bot.kill()
            await bot.start()
            await _muted_are(world, muted_before)
        turn += 1
        following, before = await hand_over(world, card, speaker)
        if following is None:
            break
        await _muted_are(world, (present - {by_id[following]}) | {dev})
        assert touched_since(world, before) == {speaker.id, following} - {dev.id}, "only the two whose floor changed"
    assert turn == len(present), "each present member, the late joiner too, had one turn"
    assert _edits(world, dev) == [], "the moderator's mute is left alone, even when Dev had the floor"

    # The end (the catch-up had no bids to vote on, or the facilitator ends it): the bot's mutes are all undone.
    if "ended" not in card.text:
        await fran.run("/meeting end", in_channel=channel)
    await _muted_are(world, {dev})
    await bot.kill()
    await bot.start()
    await world.settle()
    assert set(guild.server_muted) == {dev}, "nothing at start-up mutes anyone again, or undoes the moderator's mute"


async def _catch_up_of_two(world: FakeDiscord) -> tuple[Message, Member, Member]:
    """A voice meeting of Alice and Bob in its catch-up, the listener muted: the card, the speaker, the listener."""
    fran, people, channel, room = await voice_group(world, "voice")
    alice, bob = people[:2]
    for person in (fran, alice, bob):
        await person.join_voice(room)
    await fran.run("/meeting start", voice=True, in_channel=channel)
    card = _card(channel)
    await wait_for(lambda: all(p.mention in card.text.split("Present: ")[-1] for p in (alice, bob)))
    await fran.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card))
    speaking, listener = (alice, bob) if speaker_on(card) == alice.id else (bob, alice)
    await _muted_are(world, {listener})
    return card, speaking, listener


async def test_after_a_re_identify_the_mutes_are_reconciled_with_the_voice_states_discord_sends(
    world: FakeDiscord, bot: BotProcess
) -> None:
    _card_now, _speaking, listener = await _catch_up_of_two(world)
    other = world.guild.add_channel("Lounge", VOICE)

    # The session is lost; while the bot is away the muted listener moves to another channel, where no floor wants
    # them muted. Discord sends no update for it: only the new GUILD_CREATE shows where they are.
    await world.drop_gateway(resumable=False)
    await listener.join_voice(other)
    await _muted_are(world, set())
    assert world.identify_count == 2
    first, *after = _edits(world, listener)
    assert first is True
    assert after, "unmuted"
    assert not any(after), "only unmuted since (once more is harmless, should an update arrive after all)"


async def test_the_card_says_when_the_voice_floor_lags_and_stops_saying_it_once_caught_up(
    world: FakeDiscord, bot: BotProcess
) -> None:
    card, first, _listener = await _catch_up_of_two(world)
    assert "lagging" not in card.text

    # Discord fails the next member edits with 5xx: discord.py retries them seconds apart, and the card says so.
    world.faults.server_error("PATCH /guilds/{guild_id}/members/{user_id}", count=2)
    await done(first)
    await wait_for(lambda: "Voice behind" in card.text)
    await _muted_are(world, {first})
    await wait_for(lambda: "lagging" not in card.text)
