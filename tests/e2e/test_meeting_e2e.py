"""A whole meeting end to end: attendance, the catch-up, the vote, two rounds, a kill in the input, the summary."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.e2e.conftest import LIMITS_SCALE
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_votes_e2e import pings_everyone, put_in, vote
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Message, RefusedError

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(discord_world: FakeDiscord) -> FakeDiscord:
    """The README's invite permissions plus Mention Everyone: only what the bot sends keeps its pings to one person."""
    (role,) = discord_world.guild.me.roles
    discord_world.guild.set_role_permissions(
        role, Permissions(BOT_PERMISSIONS.value | Permissions(mention_everyone=True).value)
    )
    return discord_world


OVERWRITES = "PUT /channels/*/permissions/*"
SPEAKER = re.compile(r"^Has the floor: <@(\d+)>", re.MULTILINE)


class LiveCard:
    """The meeting's card as a member finds it: the newest card in the channel (each hand-over posts it anew).

    Read-only: every attribute is the newest card's at the moment it is read.
    """

    def __init__(self, channel: Channel, title: str) -> None:
        self._channel, self._title = channel, title

    def now(self) -> Message:
        """The card message that is live at this moment."""
        return self._channel.message_containing(self._title)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.now(), name)


def live_card(channel: Channel, title: str = "Meeting of Set A") -> Message:
    """The live card, followed as it moves: each hand-over posts it anew as the newest message."""
    return cast("Message", LiveCard(channel, title))


def _card(channel: Channel) -> Message:
    return live_card(channel)


def speaker_on(card: Message) -> int | None:
    """Who the floor card says has the floor."""
    found = SPEAKER.search(card.text)
    return int(found[1]) if found else None


def _phase(card: Message) -> str:
    """The card's title: the meeting's phase (and round)."""
    return next((line for line in card.text.splitlines() if line.startswith("Meeting of ")), "")


def _overwrites_on(world: FakeDiscord, channel: Channel) -> int:
    return len(_overwritten(world, channel))


def _overwritten(world: FakeDiscord, channel: Channel, since: int = 0) -> list[int]:
    """Whose overwrite on the channel the bot set, in order, from the `since`-th such call on."""
    calls = [r for r in world.requests_to(OVERWRITES) if r.path.startswith(f"/channels/{channel.id}/")]
    return [int(r.path.rsplit("/", 1)[1]) for r in calls[since:]]


async def _can_post(person: Member, channel: Channel, text: str) -> Message:
    """`person` posts; the post is returned at once, for `_still_there` once the bot has gone quiet."""
    return await person.post(channel, text, settle=False)


def _still_there(channel: Channel, posts: list[Message]) -> None:
    """Posts made with the floor (checked once the bot is quiet): the bot removed none of them."""
    removed = [post.text for post in posts if post not in channel.live_messages]
    assert not removed, f"posts made with the floor were removed: {removed}"


async def _refused(person: Member, channel: Channel) -> None:
    with pytest.raises(RefusedError) as refused:
        await person.post(channel, "may I just say")
    assert refused.value.status == 403, refused.value


async def assert_floor(
    world: FakeDiscord, channel: Channel, card: Message, speaker: Member, people: list[Member], fran: Member
) -> list[Message]:
    """Only the speaker, the facilitator (and the bot, and an administrator) can post; the card names the speaker.

    Returns the posts that went through: the caller checks with `_still_there` once the bot has gone quiet.
    """
    guild = world.guild
    await wait_for(lambda: speaker_on(card) == speaker.id and guild.can(speaker, "send_messages", channel))
    for person in people:
        if person is not speaker and not person.can("administrator"):
            assert not guild.can(person, "send_messages", channel), f"{person.name} can post out of turn"
            assert guild.can(person, "view_channel", channel), f"{person.name} no longer sees the meeting"
    posted = [await _can_post(speaker, channel, f"{speaker.name} speaking?")]
    listener = next(p for p in people if p is not speaker and not p.can("administrator"))
    await _refused(listener, channel)
    posted.append(await _can_post(fran, channel, "(facilitator) thank you"))
    return posted


async def _crosstalk_by_an_administrator(world: FakeDiscord, channel: Channel, author: Member, speaker: Member) -> None:
    """An administrator's post gets through the overwrites: the bot removes it and tells its author why."""
    told = len(author.dms)
    post = await author.post(channel, "Sorry to butt in, but")
    await wait_for(lambda: post.deleted and len(author.dms) > told)
    assert post in world.deleted_by_bot
    (note,) = author.dms[told:]
    assert f"Your post in Set A was removed: {speaker.mention} has the floor" in note.text
    assert "butt in" not in note.text, "without the message-content intent the bot never read it"


Turn = Callable[[Member], Awaitable[int | None]]


@dataclass
class Scene:
    """The meeting under way, as the test sees it; `floors` is everyone who had the floor, in order."""

    world: FakeDiscord
    card: Message
    people: list[Member]
    fran: Member
    floors: list[Member] = field(default_factory=list)


async def take_turns(scene: Scene, phase: str, act: Turn) -> list[Member]:
    """Everyone with a turn in `phase`, in order: the floor checked, then `act` ends the turn; who spoke.

    At each hand-over inside the phase, the overwrites set are those of the two people whose floor changed. An
    `act` that sets overwrites of its own before ending the turn (a restart) returns how many there were by then.
    """
    world, card, people, fran = scene.world, scene.card, scene.people, scene.fran
    channel = world.guild.channel_named("set-a")
    spoke: list[Member] = []
    while phase in _phase(card):
        holder = speaker_on(card)
        speaker = next(p for p in [*people, fran] if p.id == holder)
        spoke.append(speaker)
        posted = await assert_floor(world, channel, card, speaker, people, fran)
        before = _overwrites_on(world, channel)  # a post with the floor changes no overwrite
        baseline = await act(speaker)
        await world.settle()
        _still_there(channel, posted)
        changed = _overwritten(world, channel, before if baseline is None else baseline)
        if phase in _phase(card):
            following = speaker_on(card)
            assert following != speaker.id, "the floor moved on"
            assert sorted(changed) == sorted({speaker.id, following} - {fran.id}), "only the two whose floor changed"
    scene.floors += spoke
    return spoke


async def done(person: Member) -> int | None:
    """Press Done on the card."""
    pressed = await person.click(_card(person.guild.channel_named("set-a")), "Done")
    assert "Your turn is over" in pressed.text, pressed
    return None


async def test_a_whole_meeting_of_five_and_a_facilitator(world: FakeDiscord, bot: BotProcess) -> None:
    fran, people = await _group_of(world, 5)
    alice, bob, cleo, dev, eve = people
    guild, channel = world.guild, world.guild.channel_named("set-a")
    # Eve is also a server administrator: Discord lets her post whatever the overwrites say.
    eve_admin = guild.add_role("Admins", Permissions(administrator=True))
    guild.members[eve.id].role_ids.append(eve_admin.id)

    await fran.run("/group settings", rounds_per_meeting=2, in_channel=channel)
    # Members act at the same time, as people do: three bids, then five "Here"s, then five ballots at once.
    await asyncio.gather(
        *(
            put_in(person, channel, title, "Ideas, please")
            for person, title in ((alice, "Managing up"), (bob, "Hiring a lead"), (cleo, "Remote team"))
        )
    )

    started = await fran.run("/meeting start", in_channel=channel)
    assert "The meeting has started" in started.text
    assert started.ephemeral
    card = _card(channel)
    first_card = channel.message_containing("Meeting of Set A")
    assert card.buttons == ["Here", "Facilitator:", "Next", "End meeting"]
    before = _overwrites_on(world, channel)
    for here in await asyncio.gather(*(person.click(card, "Here") for person in people)):
        assert "You are marked present" in here.text
        assert here.ephemeral
    await wait_for(lambda: all(p.mention in card.text.split("Present: ")[-1] for p in people))
    await wait_for(lambda: card.buttons == ["Facilitator:", "Next", "End meeting"])  # everyone is here: no Here
    assert _overwrites_on(world, channel) == before, "attendance changes nobody's posting"
    posted = [await _can_post(person, channel, "hello all") for person in people]
    await world.settle()
    _still_there(channel, posted)

    # The catch-up: each present member in turn, the floor moving with Done; an administrator talks out of turn.
    mode = await fran.run("/meeting mode", mode="questioning", in_channel=channel)
    assert "Mode: Questioning" in mode.text
    await world.settle()
    before = _overwrites_on(world, channel)
    await fran.click(card, "Next")
    await world.settle()
    assert "Catch-up" in _phase(card)
    first = speaker_on(card)
    assert sorted(_overwritten(world, channel, before)) == sorted(p.id for p in people if p.id != first), (
        "each listener's posting was taken once; the first speaker's overwrite already let them post"
    )

    scene = Scene(world, card, people, fran)

    async def catch_up(speaker: Member) -> int | None:
        if speaker is not eve and not eve.dms:
            await _crosstalk_by_an_administrator(world, channel, eve, speaker)
        return await done(speaker)

    spoke = await take_turns(scene, "Catch-up", catch_up)
    assert sorted(p.id for p in spoke) == sorted(p.id for p in people), "each present member had one turn"
    assert eve.dms, "the administrator's post out of turn was caught"

    # The vote: the floor stays closed while it runs (ballots are buttons), so nobody is let in and shut out again
    # within seconds; all five vote and it closes by itself.
    await wait_for(lambda: "Vote on the bids" in _phase(card))
    await world.settle()
    for person in people:
        if person is not eve:  # an administrator can always post
            assert not guild.can(person, "send_messages", channel), f"{person.name} may post during the vote"
    please = await _can_post(fran, channel, "(facilitator) please vote")
    at_vote = _overwrites_on(world, channel)
    ballot = channel.message_containing("Vote in Set A")
    # The card and the vote card point to each other: one click from one to the other.
    link = f"https://discord.com/channels/{world.guild.id}/{channel.id}"
    await wait_for(lambda: f"[Open the vote card]({link}/{ballot.id})" in card.text)
    assert f"The vote: [Open the vote card]({link}/{ballot.id}) to vote on the bids." in card.text
    assert f"The meeting: [Back to the meeting's card]({link}/{card.id})" in ballot.text
    await asyncio.gather(
        *(
            vote(
                person,
                ballot,
                ["Managing up", "Hiring a lead"] if person is not cleo else ["Managing up", "Remote team"],
            )
            for person in people
        )
    )
    await wait_for(lambda: "The issue holder presents" in _phase(card))
    _still_there(channel, [please])
    assert "(round 1 of 2)" in _phase(card)
    assert "Mode: Questioning" in card.text
    assert "**Managing up** by " + alice.mention in card.text
    await world.settle()
    assert _overwritten(world, channel, at_vote) == [alice.id], "from the vote to the round, only the holder's floor"

    # Round 1, Questioning: Alice presents, her peers ask, then give input; one passes; a kill -9 mid-input.
    assert await take_turns(scene, "presents", done) == [alice]
    clarifiers = await take_turns(scene, "Clarifying", done)
    assert sorted(p.id for p in clarifiers) == sorted(p.id for p in people if p is not alice), "peers only"
    later = await fran.run("/meeting mode", mode="dress_rehearsal", in_channel=channel)
    assert "Mode: Dress Rehearsal" in later.text
    killed = False

    async def give_input(speaker: Member) -> int | None:
        nonlocal killed
        if speaker is cleo:
            passed = await speaker.click(card, "Pass")
            assert "You passed this turn" in passed.text
            return None
        baseline = None
        if not killed:
            killed = True
            await bot.kill()
            await bot.start()
            await world.settle()
            assert "Input" in _phase(card)
            assert speaker_on(card) == speaker.id, "the same speaker after the restart"
            posted = await assert_floor(world, channel, card, speaker, people, fran)
            baseline = _overwrites_on(world, channel)
            await done(speaker)
            _still_there(channel, posted)
            return baseline
        await done(speaker)
        return None

    inputs = await take_turns(scene, "Input", give_input)
    assert killed
    assert [p.id for p in inputs] == [p.id for p in clarifiers], "the same order, unbroken by the restart"

    async def facilitator_next(speaker: Member) -> int | None:
        moved = await speaker.click(card, "Next")
        assert "Moved on" in moved.text
        return None

    assert await take_turns(scene, "facilitator", facilitator_next) == [fran]

    async def commit_two(speaker: Member) -> int | None:
        form = await speaker.click(card, "Record my actions")
        assert form.modal_title == "Your learning and actions"
        recorded = await speaker.submit_modal(
            form,
            {
                "action:1": "Ask my manager for a weekly hour",
                "action:2": "Write down what I need",
                "learnt": "Ask early",
            },
        )
        assert "Your learning and actions are recorded" in recorded.text
        return None

    assert await take_turns(scene, "Learning and actions", commit_two) == [alice]

    # Round 2, Dress Rehearsal: Bob presents and rehearses; each peer's input comes through the form.
    await wait_for(lambda: "(round 2 of 2)" in _phase(card))
    assert "Mode: Dress Rehearsal" in card.text
    assert await take_turns(scene, "presents", done) == [bob]
    await take_turns(scene, "Clarifying", done)
    assert "Give my input" in card.buttons

    async def rehearse(speaker: Member) -> int | None:
        form = await speaker.click(card, "Give my input")
        assert form.modal_title == "Your Dress Rehearsal input"
        given = await speaker.submit_modal(
            form,
            {
                "criticism": f"{speaker.name}: slow down",
                "positive:1": "clear",
                "positive:2": "calm",
                "positive:3": "kind",
            },
        )
        assert "Your input is posted" in given.text
        return None

    rehearsers = await take_turns(scene, "Input", rehearse)
    for person in rehearsers:
        posted = channel.message_containing(f"{person.mention}'s input (Dress Rehearsal)")
        assert f"One constructive criticism: {person.name}: slow down" in posted.text
    await take_turns(scene, "facilitator", facilitator_next)

    async def commit_three(speaker: Member) -> int | None:
        form = await speaker.click(card, "Record my actions")
        recorded = await speaker.submit_modal(
            form, {"action:1": "Post the role", "action:2": "Ask Dana", "action:3": "Draft questions", "learnt": ""}
        )
        assert "recorded" in recorded.text
        return None

    assert await take_turns(scene, "Learning and actions", commit_three) == [bob]

    # The close: the summary, each holder's digest, nobody left quiet.
    summary = await _wait_message(channel, "Summary of the meeting of Set A")
    assert f"1. {alice.mention}: **Managing up** (Questioning)" in summary.text
    assert "   - action: Ask my manager for a weekly hour\n   - action: Write down what I need" in summary.text
    assert f"2. {bob.mention}: **Hiring a lead** (Dress Rehearsal)" in summary.text
    assert "Remote team" not in summary.text
    assert summary.pinged_user_ids == set(), "the summary names people without pinging them"
    pinged = [(m.pinged_when_posted, m.content) for m in channel.messages[channel.messages.index(first_card) :]]
    assert [ids for ids, text in pinged if ids and "Vote result" not in text] == [{p.id} for p in scene.floors], (
        "each speaker, and only they, was pinged once as their turn began, and nobody else was pinged"
    )
    assert [ids for ids, text in pinged if "Vote result" in text] == [{alice.id, bob.id}]
    assert pings_everyone(world) == []
    await wait_for(lambda: _digest(alice) is not None and _digest(bob) is not None)
    mine = _digest(alice)
    assert mine is not None
    assert "Mode: Questioning" in mine.text
    assert f"Passed: {cleo.mention}" in mine.text
    assert "What you learnt: Ask early" in mine.text
    assert cleo.mention not in mine.text.split("Input, in order: ")[1].splitlines()[0], "a pass is no input"
    theirs = _digest(bob)
    assert theirs is not None
    assert "Mode: Dress Rehearsal" in theirs.text
    assert "- action: Draft questions" in theirs.text
    for person in (cleo, dev, eve):
        assert _digest(person) is None, "only holders get a digest"
    assert card.buttons == []
    await world.settle()
    thanks = []
    for person in [*people, fran]:
        overwrite = channel.overwrite_for(person)
        assert overwrite is None or not overwrite.denies("send_messages"), f"{person.name} is left quiet"
        thanks.append(await _can_post(person, channel, "thank you all"))
    await world.settle()
    _still_there(channel, thanks)


async def _wait_message(channel: Channel, text: str) -> Message:
    await wait_for(lambda: any(text in m.text for m in channel.live_messages))
    return channel.message_containing(text)


def _digest(person: Member) -> Message | None:
    found = [m for m in person.dms if "Your round in Set A" in m.text]
    return found[-1] if found else None


async def test_a_catch_up_driven_as_fast_as_people_click_meets_no_rate_limit(
    world: FakeDiscord, bot: BotProcess
) -> None:
    """Seven people, Discord's observed limits kept out of the headers: the bot paces itself and is never refused."""
    fran, people = await _group_of(world, 6)
    channel = world.guild.channel_named("set-a")
    for person, title in zip(people, ("Managing up", "Hiring a lead", "Remote team"), strict=False):
        await put_in(person, channel, title, "Ideas, please")  # more bids than rounds: the vote waits for ballots
    await world.settle()
    world.faults.realistic_rate_limits(time_scale=LIMITS_SCALE, announced=False)
    await fran.run("/meeting start", in_channel=channel)
    card = _card(channel)
    for person in people:
        await person.click(card, "Here")
    await fran.click(card, "Next")
    spoke: list[int] = []
    while "Catch-up" in _phase(card):
        await wait_for(lambda: speaker_on(card) is not None and speaker_on(card) not in spoke)
        holder = speaker_on(card)
        assert holder is not None
        spoke.append(holder)
        speaker = next(p for p in people if p.id == holder)
        await speaker.click(card, "Done")  # answered before the next press, as fast as a person can be
        await wait_for(lambda gone=holder: "Catch-up" not in _phase(card) or speaker_on(card) != gone)
    await world.settle(quiet=0.5)
    assert "Vote on the bids" in _phase(card)
    assert sorted(spoke) == sorted(p.id for p in people)
    assert world.rate_limited == [], [r.bucket for r in world.rate_limited]
    for person in people:
        assert not world.guild.can(person, "send_messages", channel), "the vote keeps the floor closed"
    assert len(world.requests_to(OVERWRITES)) > 10, "more writes than one window holds: the pacing was needed"
