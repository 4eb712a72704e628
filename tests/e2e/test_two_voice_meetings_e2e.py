"""A member in two voice meetings at once: the channel they are in decides their server mute, never the other floor.

A server mute is one flag per person and server and follows them from channel to channel (FACTS §1j); what the bot
muted someone for in one meeting is not undone by another meeting's floor, and nobody is left muted after both end.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_meeting_e2e import _phase, live_card, speaker_on, world
from tests.e2e.test_stage_floor_e2e import _on_stage_are
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Message

pytestmark = pytest.mark.e2e
__all__ = ["world"]  # the meeting test's fixture: the README's invite permissions (Mute Members among them)


async def _set_b(world: FakeDiscord, alice: Member, kind: str) -> tuple[Member, Member, Channel, Channel]:
    """Set B in the same server, with its own voice channel (or Stage): Gwen facilitates, Alice and Hal are members.

    Returns Gwen, Hal, Set B's text channel and its voice channel.
    """
    guild = world.guild
    gwen, hal = guild.add_member("Gwen"), guild.add_member("Hal")
    created = await guild.member_named("Ada").run("/groupadmin create", name="Set B", facilitator=gwen, voice=kind)
    assert "Created **Set B**" in created.text
    channel = guild.channel_named("set-b")
    for person in (alice, hal):
        await gwen.run("/group add", member=person, in_channel=channel)
        prompt = channel.message_containing(f"{person.mention}, welcome to **Set B**")
        await person.click(prompt, "I accept the ground rules")
    return gwen, hal, channel, guild.channel_named("Set B")


def _card(channel: Channel, group: str) -> Message:
    return live_card(channel, f"Meeting of {group}")


def _present(card: Message, people: tuple[Member, ...]) -> bool:
    return all(p.mention in card.text.split("Present: ")[-1] for p in people)


async def _start(facilitator: Member, channel: Channel, group: str, present: tuple[Member, ...]) -> Message:
    """The facilitator starts the group's meeting in voice; once `present` are there, the catch-up begins."""
    started = await facilitator.run("/meeting start", voice=True, in_channel=channel)
    assert "The meeting has started" in started.text, started.text
    card = _card(channel, group)
    await wait_for(lambda: _present(card, present))
    await facilitator.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card))
    return card


async def _done(person: Member, card: Message) -> None:
    pressed = await person.click(card, "Done")
    assert "Your turn is over" in pressed.text, pressed


async def _muted_are(world: FakeDiscord, expected: set[Member]) -> None:
    await world.settle()
    try:
        await wait_for(lambda: set(world.guild.server_muted) == expected)
    except AssertionError as exc:
        names = sorted(m.name for m in world.guild.server_muted), sorted(m.name for m in expected)
        raise AssertionError("muted: {}, expected: {}".format(*names)) from exc


async def _set_a(world: FakeDiscord, kind: str) -> tuple[Member, Member, Channel, Message]:
    """Set A's meeting in voice (or on its Stage) in its catch-up, with Fran, Alice, Bob and Cleo in its channel.

    Returns Fran (facilitating), Alice, Set A's voice channel and its card.
    """
    fran, (alice, bob, cleo) = await _group_of(world, 3, voice=kind)
    room = world.guild.channel_named("Set A")
    for person in (fran, alice, bob, cleo):
        await person.join_voice(room)
    return fran, alice, room, await _start(fran, world.guild.channel_named("set-a"), "Set A", (alice, bob, cleo))


async def _set_a_held_by_another(world: FakeDiscord, kind: str) -> tuple[Member, Member, Member, Channel, Message]:
    """`_set_a`, Alice listening while Bob or Cleo speaks: Fran, Alice, the speaker, the channel and the card."""
    fran, alice, room, card = await _set_a(world, kind)
    if speaker_on(card) == alice.id:
        await _done(alice, card)
        await wait_for(lambda: speaker_on(card) not in (None, alice.id))
    speaker = world.guild.members[speaker_on(card) or 0]
    return fran, alice, speaker, room, card


async def _here_from_afar(
    world: FakeDiscord, alice: Member, kind: str
) -> tuple[Member, Member, Channel, Channel, Message]:
    """Set B meets in its own voice channel (or on its Stage); Alice, elsewhere, presses Here; the catch-up begins.

    Returns Gwen, Hal, Set B's text channel, its voice channel and its card.
    """
    gwen, hal, channel_b, room_b = await _set_b(world, alice, kind)
    for person in (gwen, hal):
        await person.join_voice(room_b)
    started = await gwen.run("/meeting start", voice=True, in_channel=channel_b)
    assert "The meeting has started" in started.text
    card_b = _card(channel_b, "Set B")
    await wait_for(lambda: _present(card_b, (hal,)))
    here = await alice.click(card_b, "Here")
    assert here.ephemeral
    await wait_for(lambda: _present(card_b, (alice, hal)))
    await gwen.click(card_b, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card_b))
    return gwen, hal, channel_b, room_b, card_b


async def test_another_meetings_floor_never_unmutes_a_listener_in_the_channel_they_are_in(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, alice, speaker_a, room_a, card_a = await _set_a_held_by_another(world, "voice")
    listeners_a = {m for m in world.guild.members.values() if m.voice is not None and m.voice.channel_id == room_a.id}
    listeners_a -= {fran, speaker_a, world.guild.me}
    await _muted_are(world, listeners_a)
    assert alice in listeners_a

    # Set B meets in its own voice channel; Alice, still listening in Set A's, presses Here in Set B's meeting.
    gwen, hal, channel_b, room_b, card_b = await _here_from_afar(world, alice, "voice")

    # Set B's floor moves on, Alice speaking in it or listening: in Set A's channel she stays muted. Hal, listening
    # in Set B's channel while she speaks, is muted there.
    while speaker_on(card_b) != alice.id:
        await _muted_are(world, listeners_a)
        await _done(hal, card_b)
        await wait_for(lambda: speaker_on(card_b) != hal.id)
    await _muted_are(world, listeners_a | {hal})

    # She moves to Set B's channel, where she has the floor: unmuted; back in Set A's, where Bob or Cleo has it: muted.
    await alice.join_voice(room_b)
    await _muted_are(world, (listeners_a - {alice}) | {hal})
    await alice.join_voice(room_a)
    await _muted_are(world, listeners_a | {hal})

    # kill -9 and a restart in the middle: the same mutes, nobody unmuted by start-up.
    await bot.kill()
    await bot.start()
    await _muted_are(world, listeners_a | {hal})

    # Alice ends her turn in Set B from Set A's channel, and Set B's catch-up comes to its end: she stays muted.
    await _done(alice, card_b)
    if speaker_on(card_b) == hal.id:
        await _muted_are(world, listeners_a)
        await _done(hal, card_b)
    await wait_for(lambda: speaker_on(card_b) is None)
    if "ended" not in card_b.text:
        await gwen.run("/meeting end", in_channel=channel_b)
    await _muted_are(world, listeners_a)

    # Set A ends: nobody is left muted by the bot, also after another restart.
    await fran.run("/meeting end", in_channel=world.guild.channel_named("set-a"))
    await _muted_are(world, set())
    await bot.kill()
    await bot.start()
    await world.settle()
    assert world.guild.server_muted == []
    assert card_a.text


async def test_a_meeting_that_ends_while_a_member_sits_in_the_others_channel_leaves_the_others_mute(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, alice, speaker_a, room_a, _card_a = await _set_a_held_by_another(world, "voice")
    gwen, hal, channel_b, room_b = await _set_b(world, alice, "voice")
    for person in (gwen, hal):
        await person.join_voice(room_b)
    card_b = await _start(gwen, channel_b, "Set B", (hal,))
    assert speaker_on(card_b) == hal.id

    # Alice moves from Set A's channel to Set B's, where Hal has the floor: muted there; then Set A ends.
    await alice.join_voice(room_b)
    await wait_for(lambda: _present(card_b, (alice, hal)))
    await world.settle()
    await fran.run("/meeting end", in_channel=world.guild.channel_named("set-a"))
    await _muted_are(world, {alice})
    assert speaker_a not in world.guild.server_muted

    # Back in Set A's channel (its meeting over), nothing keeps her muted; in Set B's again, Hal's floor does.
    await alice.join_voice(room_a)
    await _muted_are(world, set())
    await alice.join_voice(room_b)
    await _muted_are(world, {alice})
    await gwen.run("/meeting end", in_channel=channel_b)
    await _muted_are(world, set())


async def test_two_stage_meetings_each_keep_their_own_stage_and_restore_what_was_there(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, alice, room_a, card_a = await _set_a(world, "stage")
    while speaker_on(card_a) != alice.id:  # Set A's floor comes round to Alice: the bot brings her on stage
        holder = world.guild.members[speaker_on(card_a) or 0]
        await _done(holder, card_a)
        await wait_for(lambda h=holder: speaker_on(card_a) != h.id)  # type: ignore[misc]
    await _on_stage_are(world, room_a, {fran, alice})

    # Set B on its own Stage: Alice, speaking on Set A's, presses Here there; Set B's floor moves on around her.
    gwen, hal, channel_b, room_b, card_b = await _here_from_afar(world, alice, "stage")
    while speaker_on(card_b) != alice.id:
        await _on_stage_are(world, room_b, {gwen, hal})
        await _done(hal, card_b)
        await wait_for(lambda: speaker_on(card_b) != hal.id)
    await _on_stage_are(world, room_a, {fran, alice})

    # She goes to Set B's Stage, where she has the floor: on stage there; back on Set A's, where she has it too.
    await alice.join_voice(room_b)
    await _on_stage_are(world, room_b, {gwen, alice})
    await alice.join_voice(room_a)
    await _on_stage_are(world, room_a, {fran, alice})
    await _on_stage_are(world, room_b, {gwen})
    await _done(alice, card_b)  # from Set A's Stage: Set B's floor moves on from her
    await _on_stage_are(world, room_a, {fran, alice})
    await bot.kill()
    await bot.start()
    await _on_stage_are(world, room_a, {fran, alice})

    # Set A's floor moves on from Alice: back to the audience; both meetings end: everyone back as they were.
    await _done(alice, card_a)
    await wait_for(lambda: speaker_on(card_a) != alice.id)
    await world.settle()
    assert alice.voice is not None
    assert alice.voice.suppress
    for channel, card, facilitator in ((channel_b, card_b, gwen), (world.guild.channel_named("set-a"), card_a, fran)):
        if "ended" not in card.text:
            await facilitator.run("/meeting end", in_channel=channel)
    await _on_stage_are(world, room_a, set())
    await _on_stage_are(world, room_b, set())
    assert world.guild.server_muted == []
