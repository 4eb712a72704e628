"""A meeting on a Stage end to end: the speaker on stage, the rest in the audience, the Stage opened and closed."""

from __future__ import annotations

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_meeting_e2e import _card, _phase, speaker_on, world
from tests.e2e.test_voice_floor_e2e import hand_over, touched_since, voice_edits, voice_group
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, StageInstance
from tests.fakediscord.ids import snowflake

pytestmark = pytest.mark.e2e
__all__ = ["world"]  # the meeting test's fixture: the README's invite permissions (a Stage moderator's among them)


def _on_stage(room: Channel) -> set[Member]:
    """Who is on the Stage (a speaker, or invited to speak): everyone in it who is not in the audience."""
    return {m for m in room.voice_members if m.voice is not None and not m.voice.suppress}


async def _on_stage_are(world: FakeDiscord, room: Channel, expected: set[Member]) -> None:
    await world.settle()
    try:
        await wait_for(lambda: _on_stage(room) == expected)
    except AssertionError as exc:
        names = sorted(m.name for m in _on_stage(room)), sorted(m.name for m in expected)
        raise AssertionError("on stage: {}, expected: {}".format(*names)) from exc


def _suppressions(world: FakeDiscord, member: Member) -> list[bool]:
    return voice_edits(world, member, "suppress")


async def test_a_stage_meeting_of_five_keeps_one_speaker_on_stage_and_restores_everyone_after(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, people, channel, room = await voice_group(world, "stage")
    alice, bob, cleo, dev, eve = people
    guild = world.guild
    moderator = guild.add_member("Mo", permissions=Permissions(administrator=True))  # sees the private Stage
    for person in (fran, alice, dev, moderator):
        await person.join_voice(room)
    # Before the meeting a moderator speaks on the Stage and has brought Dev up: their own states, not the bot's.
    await world.update_voice(moderator, suppress=False)
    await world.update_voice(dev, suppress=False)

    started = await fran.run("/meeting start", voice=True, in_channel=channel)
    assert "The meeting has started" in started.text
    assert "brought on stage" in started.text
    await wait_for(lambda: room.stage_instance is not None)
    assert room.stage_instance is not None
    assert (room.stage_instance.topic, room.stage_instance.privacy_level) == ("Set A", 2)
    card = _card(channel)
    for person in (bob, cleo):
        await person.join_voice(room)  # joining the meeting's Stage counts as Here
    await wait_for(lambda: all(p.mention in card.text.split("Present: ")[-1] for p in (alice, bob, cleo, dev)))
    await _on_stage_are(world, room, {fran, moderator, dev})
    assert {int(r.path.rsplit("/", 1)[1]) for r in world.voice_edits()} == {fran.id}, "only the facilitator, at once"

    # The catch-up: the speaker and the facilitator on stage, everyone else present in the audience.
    await fran.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card))
    present = {alice, bob, cleo, dev}
    by_id = {p.id: p for p in people}
    speaker = by_id[speaker_on(card) or 0]
    await _on_stage_are(world, room, {speaker, fran, moderator})
    ping = f"{speaker.mention}, you have the floor"
    await wait_for(lambda: any(ping in m.text for m in channel.live_messages))
    assert "accept the invitation" in channel.message_containing(ping).text
    await speaker.accept_speak_invite()  # a real speaker accepts; the floor does not depend on it
    turn = 0
    while "Catch-up" in _phase(card):
        speaker = by_id[speaker_on(card) or 0]
        if turn == 0:
            await eve.join_voice(room)  # a late joiner: present by joining, already in the audience: not touched
            present.add(eve)
            await wait_for(lambda: eve.mention in card.text.split("Present: ")[-1])
            assert "accept the invitation" in card.text, "the card redrawn by an edit still says how to come on stage"
            await _on_stage_are(world, room, {speaker, fran, moderator})
            assert _suppressions(world, eve) == []
        elif turn == 1:
            # A listener leaves the Stage; at a break nobody is held: each goes back to their own state.
            away = next(p for p in (alice, bob, cleo, eve) if p is not speaker)
            made = len(_suppressions(world, away))
            await away.leave_voice()
            await fran.run("/meeting break", minutes=10, in_channel=channel)
            await _on_stage_are(world, room, {fran, moderator, dev})
            await away.join_voice(room)
            await world.settle()
            assert len(_suppressions(world, away)) == made, "the leaver's state ended with the call: nothing to undo"
            await fran.run("/meeting resume", in_channel=channel)
            await _on_stage_are(world, room, {speaker, fran, moderator})
        elif turn == 2:
            # kill -9 with members in the audience by the bot, then a restart: the same floor, nothing else.
            on_stage = _on_stage(room)
            await bot.kill()
            await bot.start()
            await _on_stage_are(world, room, on_stage)
        turn += 1
        following, before = await hand_over(world, card, speaker)
        if following is None:
            break
        await _on_stage_are(world, room, {by_id[following], fran, moderator})
        touched = touched_since(world, before)
        assert touched == {speaker.id, following}, "only the two whose state changed: never the facilitator"
    assert turn == len(present), "each present member, the late joiner too, had one turn"
    assert world.voice_edits(moderator) == [], "the moderator's own state is left alone"

    # The end: the facilitator back to the audience they joined in, Dev (a speaker before) back on stage.
    if "ended" not in card.text:
        await fran.run("/meeting end", in_channel=channel)
    await _on_stage_are(world, room, {moderator, dev})
    await wait_for(lambda: room.stage_instance is None)
    await bot.kill()
    await bot.start()
    await world.settle()
    assert _on_stage(room) == {moderator, dev}, "nothing at start-up moves anyone again"
    assert room.stage_instance is None


async def _stage_meeting(world: FakeDiscord) -> tuple[Member, Channel, Channel]:
    """A Stage meeting of Set A started by Fran, with Alice present: Fran, the text channel, the Stage."""
    fran, (alice, *_) = await _group_of(world, 2, voice="stage")
    channel, room = world.guild.channel_named("set-a"), world.guild.channel_named("Set A")
    for person in (fran, alice):
        await person.join_voice(room)
    started = await fran.run("/meeting start", voice=True, in_channel=channel)
    assert "The meeting has started" in started.text
    return fran, channel, room


async def test_a_stage_left_open_by_a_crash_after_the_end_is_closed_at_the_next_start(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, channel, room = await _stage_meeting(world)
    await wait_for(lambda: room.stage_instance is not None)
    world.faults.server_error("DELETE /stage-instances/*", count=100)
    await fran.run("/meeting end", in_channel=channel)
    await wait_for(lambda: bool(world.requests_to("DELETE /stage-instances/{channel_id}")))
    await bot.kill()  # killed while Discord refuses to close the Stage
    assert room.stage_instance is not None
    world.faults.clear()
    await bot.start()
    await wait_for(lambda: room.stage_instance is None)


async def test_a_stage_someone_else_opened_is_neither_taken_nor_closed(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    fran, _ = await _group_of(world, 2, voice="stage")
    channel, room = guild.channel_named("set-a"), guild.channel_named("Set A")
    theirs = StageInstance(snowflake(), guild.id, room.id, "Town hall")
    guild.stage_instances[room.id] = theirs
    await fran.run("/meeting start", voice=True, in_channel=channel)
    await world.settle()
    await fran.run("/meeting end", in_channel=channel)
    await world.settle()
    assert room.stage_instance is theirs
    assert world.requests_to("DELETE /stage-instances/{channel_id}") == []


async def test_without_move_members_a_stage_meeting_names_it_and_keeps_the_floor_in_text(
    world: FakeDiscord, bot: BotProcess
) -> None:
    guild = world.guild
    fran, (alice, *_) = await _group_of(world, 2, voice="stage")
    (role,) = guild.me.roles
    guild.set_role_permissions(role, Permissions(BOT_PERMISSIONS.value & ~Permissions(move_members=True).value))
    channel, room = guild.channel_named("set-a"), guild.channel_named("Set A")
    for person in (fran, alice):
        await person.join_voice(room)
    started = await fran.run("/meeting start", voice=True, in_channel=channel)
    assert started.ephemeral
    assert "I lack the Move Members permission" in started.text
    assert "text only" in started.text
    card = _card(channel)
    await fran.click(card, "Next")
    await world.settle()
    assert world.voice_edits() == []
    assert room.stage_instance is None
