"""Privacy end to end: a member exports their data as two private files, erases it after typing the word, reads why."""

from __future__ import annotations

import json

import pytest

from bot.db.privacy import statement_rows
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_meeting_e2e import _phase, live_card, speaker_on, world
from tests.e2e.test_voice_floor_e2e import _muted_are, voice_group
from tests.e2e.test_votes_e2e import put_in
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Reply

__all__ = ["world"]  # the fake with the README's invite permissions

pytestmark = pytest.mark.e2e

ALICE_BID, ALICE_ACTION = "Quagga budget at work", "Ask the Wombat team"
BOB_BID = "Tapir hiring plan"


def _files(answer: Reply) -> dict[str, str]:
    return {name: data.decode() for m in answer.messages for name, data in m.files.items()}


async def _forget(member: Member, word: str) -> Reply:
    form = await member.run("/privacy forget")
    assert form.modal_title == "Erase your data in this server", form
    return await member.submit_modal(form, {"word": word})


async def _alice_and_bob_write(world: FakeDiscord) -> tuple[Member, Member, Channel]:
    """Set A: Alice puts in a bid and sets an action, Bob puts in a bid."""
    _, (alice, bob) = await _group_of(world, 2)
    channel = world.guild.channel_named("set-a")
    await put_in(alice, channel, ALICE_BID, "Any advice")
    await put_in(bob, channel, BOB_BID, "Ideas")
    await alice.run("/action add", text=ALICE_ACTION, in_channel=channel)
    return alice, bob, channel


async def test_a_member_exports_their_data_as_two_private_files_with_nobody_elses_words(
    world: FakeDiscord, bot: BotProcess
) -> None:
    alice, bob, _ = await _alice_and_bob_write(world)

    answer = await alice.run("/privacy export")
    assert answer.ephemeral
    assert "Everything stored about you in this server:" in answer.text
    assert "Only you can see this." in answer.text
    files = _files(answer)
    assert sorted(name.rsplit(".", 1)[1] for name in files) == ["json", "md"]
    for text in files.values():
        assert ALICE_BID in text
        assert ALICE_ACTION in text
        assert BOB_BID not in text
        assert str(bob.id) not in text
    (data,) = [json.loads(text) for name, text in files.items() if name.endswith(".json")]
    assert data["format"] == "setkeeper-export/1"
    assert [m["user_id"] for m in data["tables"]["memberships"]] == ["you"]
    assert data["groups"] == {str(data["tables"]["memberships"][0]["group_id"]): "Set A"}


async def test_forget_needs_the_typed_word_then_erases_and_says_what_in_numbers(
    world: FakeDiscord, bot: BotProcess
) -> None:
    alice, bob, channel = await _alice_and_bob_write(world)

    wrong = await _forget(alice, "yes")
    assert wrong.ephemeral
    assert "You typed 'yes', not FORGET, so nothing was erased." in wrong.text
    assert ALICE_BID in "".join(_files(await alice.run("/privacy export")).values())

    done = await _forget(alice, "FORGET")
    assert done.ephemeral
    assert "Done: what you wrote in this server is erased." in done.text
    assert "Erased: 1 bid, 1 action." in done.text
    assert "You left 1 group; 1 open bid withdrawn;" in done.text
    await world.settle()
    assert any(f"{alice.mention} has left the group." in m.text for m in channel.messages)
    withdrawn = [m.text for m in channel.messages if "withdr" in m.text]
    assert withdrawn, "the leave withdrew the open bid"
    assert all(ALICE_BID not in text for text in withdrawn), "the withdrawal never quotes the erased bid"
    export = _files(await alice.run("/privacy export"))
    assert all(ALICE_BID not in text and ALICE_ACTION not in text for text in export.values())
    listed = await bob.run("/bid list", in_channel=channel)
    assert ALICE_BID not in listed.text

    again = await _forget(alice, "forget")
    assert "There was nothing of yours left to erase in this server." in again.text


async def test_privacy_info_says_what_is_kept_why_who_sees_it_and_how_long(world: FakeDiscord, bot: BotProcess) -> None:
    person = world.guild.add_member("Olga")
    answer = await person.run("/privacy info")
    assert answer.ephemeral
    for what, _, who, kept in statement_rows():
        assert f"{what}: " in answer.text
        assert f"Who sees it: {who}.\nHow long it is kept: {kept}." in answer.text
    assert "/privacy export" in answer.text
    assert "/privacy forget" in answer.text


async def test_forgetting_yourself_while_you_have_the_floor_hands_it_on_and_leaves_nobody_muted(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, people, channel, room = await voice_group(world, "voice")
    for person in (fran, *people[:3]):
        await person.join_voice(room)
    started = await fran.run("/meeting start", voice=True, in_channel=channel)
    assert "The meeting has started" in started.text
    card = live_card(channel)
    await wait_for(lambda: all(p.mention in card.text.split("Present: ")[-1] for p in people[:3]))
    await fran.click(card, "Next")
    await wait_for(lambda: "Catch-up" in _phase(card))
    by_id = {p.id: p for p in people}
    speaker = by_id[speaker_on(card) or 0]
    await _muted_are(world, set(people[:3]) - {speaker})

    done = await _forget(speaker, "FORGET")
    assert "Done: what you wrote in this server is erased." in done.text
    await wait_for(lambda: speaker_on(card) not in (None, speaker.id))
    following = by_id[speaker_on(card) or 0]
    assert following in people[:3]
    assert following is not speaker
    await _muted_are(world, set(people[:3]) - {speaker, following})
    assert speaker.mention not in card.text.split("Present: ")[-1], "they left the meeting with the group"
    await fran.run("/meeting end", in_channel=channel)
    await _muted_are(world, set())
