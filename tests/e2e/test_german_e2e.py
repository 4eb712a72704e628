"""A whole cycle in German: a German server, a German group, everyone's Discord in German; not one English sentence.

Modelled on `test_meeting_e2e.py::test_a_whole_meeting_of_five_and_a_facilitator`, smaller: three members and a
facilitator join (the welcome, the ground rules), set actions and put in bids, meet (attendance, the catch-up, the
vote, one round from presenting to recording actions, a pass), get the summary and the holder's digest, then the
report-back reminder falls due (in the channel, by direct message, the bid nudge, the facilitator's digest) and is
answered. Everything is pressed by its custom id, never by its words, so the test reads the same whatever German the
catalog holds. Then every text the bot produced is read:

(i) not one English word (member texts are German; command and option names stay English by design),
(ii) the bot drew nothing without its German words (`bot.i18n.MISSING`, written down by the bot's process),
(iii) Discord's lengths held (German runs about a third longer than English),
(iv) a hostile action and bid ("@everyone", a role's and an outsider's mention) pinged nobody they should not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.e2e.test_groups_e2e import wait_for
from tests.e2e.test_languages_e2e import (
    add_and_accept,
    bot_command,
    bot_env,
    command_words,
    create_group,
    english_in,
    has_component,
    press,
    reads_german,
    untranslated_by_the_bot,
    untranslated_file,
    words_of,
)
from tests.e2e.test_votes_e2e import pings_everyone
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Message, Reply
from tests.fakediscord.world import flatten_components

pytestmark = pytest.mark.e2e
__all__ = ["bot_command", "bot_env", "untranslated_file"]  # the fixtures: the bot writes down what it left English

BERLIN = ZoneInfo("Europe/Berlin")
CARD = r"setkeeper:meet:\d+:(?P<action>[a-z]+)(?::[0-9a-f]{8})?"
VOTE = r"setkeeper:vote:\d+"
REMIND = r"setkeeper:remind:\d+:(done|partly|not_yet|dropped|more)"
FIRST_MENTION = re.compile(r"<@!?(\d+)>")


@pytest.fixture
def world(discord_world: FakeDiscord) -> FakeDiscord:
    """A German Community server; the bot holds the README's permissions and Mention Everyone.

    With Mention Everyone, only what the bot sends (escaped text, `allowed_mentions`) stands between a hostile text
    and a ping to everyone or a role.
    """
    guild = discord_world.guild
    (role,) = guild.me.roles
    guild.set_role_permissions(role, Permissions(BOT_PERMISSIONS.value | Permissions(mention_everyone=True).value))
    guild.make_community("de")
    return discord_world


def _refused(world: FakeDiscord) -> list[str]:
    """What Discord refused of what the bot sent (400 Invalid Form Body), with the fields it named."""
    return [f"{r.method} {r.route}: {r.response.get('errors')}" for r in world.refused_as_invalid]


async def _until(world: FakeDiscord, condition: Callable[[], bool]) -> None:
    """Wait until `condition()` holds; if it never does, say what Discord refused of the bot's (the likely cause)."""
    try:
        await wait_for(condition)
    except AssertionError:
        refused = "\n".join(_refused(world)) or "nothing"
        raise AssertionError(f"condition not met in time; Discord refused: {refused}") from None


def _in_german(*people: Member) -> None:
    for person in people:
        person.user.locale = "de"


def _actions_on(message: Message) -> list[str]:
    """The floor card's buttons, by what they do (their custom id), whatever they say."""
    found = []
    for component in message.all_components:
        matched = re.fullmatch(CARD, str(component.get("custom_id") or ""))
        if matched and matched["action"] != "heading":
            found.append(matched["action"])
    return found


def _card(channel: Channel) -> Message | None:
    """The live floor card: the newest message carrying the meeting's buttons (None once the meeting is over)."""
    cards = [m for m in channel.live_messages if _actions_on(m)]
    return cards[-1] if cards else None


def _speaker(card: Message) -> int | None:
    """Who has the floor: the card's first line names (and pings) them."""
    found = FIRST_MENTION.search(card.content)
    return int(found[1]) if found else None


def _state(channel: Channel) -> tuple[int | None, str, tuple[str, ...]]:
    card = _card(channel)
    return (None, "", ()) if card is None else (card.id, card.content, tuple(_actions_on(card)))


async def _moved_on(world: FakeDiscord, channel: Channel, before: tuple[int | None, str, tuple[str, ...]]) -> None:
    await _until(world, lambda: _state(channel) != before)


async def _put_in(member: Member, channel: Channel, title: str, help_wanted: str) -> Reply:
    form = await member.run("/bid add", in_channel=channel)
    assert form.modal is not None, form
    return await member.submit_modal(form, {"title": title, "help": help_wanted})


async def _vote_for(member: Member, card: Message, words: str) -> Reply:
    """Press Vote on the vote card and choose the bid whose title has `words`."""
    form = await press(member, card, VOTE)
    assert form.modal is not None, form
    options = [
        option
        for component in flatten_components(form.modal["components"])
        for option in component.get("options") or []
    ]
    (chosen,) = [option for option in options if words in str(option["label"])]
    return await member.submit_modal(form, {"choice:0": [str(chosen["value"])]})


# ----- reading everything the bot produced -------------------------------------------------------------------------


def _bot_messages(world: FakeDiscord) -> list[Message]:
    """Every message the bot posted: in channels, by direct message, and privately (ephemeral), deleted ones too."""
    messages: list[Message] = list(world.ephemeral_messages)
    for guild in world.guilds.values():
        for channel in guild.channels.values():
            messages += channel.messages
    for channel in world.dm_channels.values():
        messages += channel.messages
    return [m for m in messages if m.author.id == world.bot_user.id]


def _component_texts(components: list[dict[str, Any]]) -> list[str]:
    texts = []
    for component in flatten_components(components):
        for part in [component, *(component.get("options") or [])]:
            for key in ("label", "placeholder", "description", "content"):
                if part.get(key):
                    texts.append(str(part[key]))
    return texts


def _versions(message: Message) -> list[dict[str, Any]]:
    """The message as posted and as each edit left it: content, embeds and components."""
    return [*message.history, message.payload()]


def everything_the_bot_said(world: FakeDiscord) -> list[tuple[str, str]]:
    """(where, text) of each message's every version, its buttons' and selects' words, and each form it opened."""
    said = []
    for message in _bot_messages(world):
        where = "private reply" if message.ephemeral else f"#{message.channel.name}"
        for version in _versions(message):
            texts = [version.get("content") or ""]
            for embed in version.get("embeds") or []:
                texts += [str(embed.get(key) or "") for key in ("title", "description")]
                texts += [f"{f.get('name', '')}: {f.get('value', '')}" for f in embed.get("fields") or []]
                texts.append(str((embed.get("footer") or {}).get("text") or ""))
                texts.append(str((embed.get("author") or {}).get("name") or ""))
            texts += _component_texts(version.get("components") or [])
            said.append((where, "\n".join(text for text in texts if text)))
    for record in world.interactions.records:
        if record.modal is not None:
            said.append((f"form {record.modal.get('title')}", "\n".join(_component_texts(record.modal["components"]))))
            said.append(("form title", str(record.modal.get("title") or "")))
    return said


def _limits_broken(world: FakeDiscord) -> list[str]:
    """Each of Discord's lengths a message, an embed, a button, a select or a form went past."""
    broken = []

    def over(where: str, text: object, limit: int) -> None:
        if len(str(text or "")) > limit:
            broken.append(f"{where} ({len(str(text))} > {limit}): {str(text)[:80]!r}")

    for message in _bot_messages(world):
        for version in _versions(message):
            over("content", version.get("content"), 2000)
            total = 0
            for embed in version.get("embeds") or []:
                over("embed title", embed.get("title"), 256)
                over("embed description", embed.get("description"), 4096)
                if len(embed.get("fields") or []) > 25:
                    broken.append("more than 25 embed fields")
                for fld in embed.get("fields") or []:
                    over("field name", fld.get("name"), 256)
                    over("field value", fld.get("value"), 1024)
                    total += len(str(fld.get("name") or "")) + len(str(fld.get("value") or ""))
                over("footer", (embed.get("footer") or {}).get("text"), 2048)
                total += len(str(embed.get("title") or "")) + len(str(embed.get("description") or ""))
            if total > 6000:
                broken.append(f"embeds of {total} characters in all")
            for component in flatten_components(version.get("components") or []):
                if component.get("type") == 2:
                    over("button label", component.get("label"), 80)
                elif component.get("type") in (3, 5, 6, 7, 8):
                    over("select placeholder", component.get("placeholder"), 150)
                    for option in component.get("options") or []:
                        over("select option", option.get("label"), 100)
                        over("select option description", option.get("description"), 100)
    for record in world.interactions.records:
        if record.modal is None:
            continue
        over("form title", record.modal.get("title"), 45)
        for component in flatten_components(record.modal["components"]):
            if component.get("type") in (4, 18):
                over("form label", component.get("label"), 45)
                over("form placeholder", component.get("placeholder"), 100)
                over("form description", component.get("description"), 100)
    return broken


def _pinged(world: FakeDiscord) -> set[int]:
    """Everyone any version of any message notified."""
    pinged: set[int] = set()
    for message in _bot_messages(world):
        pinged |= message.pinged_when_posted
    return pinged


# ----- the cycle ---------------------------------------------------------------------------------------------------


async def test_a_whole_cycle_in_german_reads_german_throughout_within_discords_limits_and_pings_nobody_wrongly(
    world: FakeDiscord, bot: BotProcess, untranslated_file: Path
) -> None:
    guild = world.guild
    ada = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran, alice, bob, cleo = (guild.add_member(name) for name in ("Fran", "Alice", "Bob", "Cleo"))
    olga = guild.add_member("Olga")  # in the server, not in the group: nothing the group does may ping her
    team = guild.add_role("Team", mentionable=True)
    guild.members[olga.id].role_ids.append(team.id)
    _in_german(ada, fran, alice, bob, cleo, olga)
    hostile = f"@everyone {team.mention} {olga.mention}"
    people = [alice, bob, cleo]

    # The group: German by default on a German Community server; members join and accept the ground rules.
    channel = await create_group(guild, ada, "Kreis Nord", fran)
    settings = await fran.run("/group settings", rounds_per_meeting=1, in_channel=channel)
    assert "Deutsch" in settings.text, settings.text
    for person in people:
        await add_and_accept(fran, channel, person)

    # Between meetings: actions (one hostile), reminders by DM for Bob, two bids (one hostile).
    await alice.run("/action add", text=f"Mit dem Team reden {hostile}", in_channel=channel)
    await bob.run("/action add", text="Den Plan entwerfen", in_channel=channel)
    await bob.run("/reminder dm", where="dm", in_channel=channel)
    await _put_in(alice, channel, f"Budget kürzen {hostile}", "Ideen, bitte")
    await _put_in(bob, channel, "Neue Stelle besetzen", "Erfahrungen, bitte")

    # The meeting: attendance, then the facilitator moves on.
    await fran.run("/meeting start", in_channel=channel)
    await _until(world, lambda: _card(channel) is not None)
    card = _card(channel)
    assert card is not None
    for person in people:
        await press(person, card, CARD.replace("(?P<action>[a-z]+)", "here"))
    await _until(world, lambda: "here" not in _actions_on(_card(channel) or card))
    before = _state(channel)
    await press(fran, _card(channel) or card, CARD.replace("(?P<action>[a-z]+)", "next"))
    await _moved_on(world, channel, before)

    # The catch-up, the vote, the round: whoever the card names presses Done (Cleo passes once); each member votes
    # for Alice's bid; Alice records her actions. The card says nothing the test reads: its buttons say what to do.
    voted: set[int] = set()
    passed = False
    for _ in range(40):
        card = _card(channel)
        if card is None:
            break
        actions, speaker = _actions_on(card), _speaker(card)
        before = _state(channel)
        everyone = {person.id: person for person in [*people, fran]}
        if "commit" in actions:
            assert speaker == alice.id, "Alice holds the round"
            form = await press(alice, card, CARD.replace("(?P<action>[a-z]+)", "commit"))
            await alice.submit_modal(
                form,
                {
                    "action:1": f"Die Chefin um eine Stunde bitten {hostile}",
                    "action:2": "Aufschreiben, was ich brauche",
                    "learnt": "Früh fragen",
                },
            )
        elif "done" in actions and speaker is not None:
            who = everyone[speaker]
            if who is cleo and not passed and voted:
                passed = True
                await press(cleo, card, CARD.replace("(?P<action>[a-z]+)", "pass"))
            else:
                await press(who, card, CARD.replace("(?P<action>[a-z]+)", "done"))
        else:  # the vote: the card waits for the ballots
            await _until(world, lambda: any(has_component(m, VOTE) for m in channel.live_messages))
            (ballot,) = [m for m in channel.live_messages if has_component(m, VOTE)]
            for person in people:
                if person.id not in voted:
                    voted.add(person.id)
                    await _vote_for(person, ballot, "Budget kürzen")
        await _moved_on(world, channel, before)
    else:
        raise AssertionError("the meeting did not end")
    assert voted == {person.id for person in people}
    assert passed, "Cleo passed a turn"
    await _until(world, lambda: any("Früh fragen" in m.text for m in alice.dms))  # the holder's digest
    (summary,) = [m for m in channel.live_messages if "Aufschreiben, was ich brauche" in m.text and not m.buttons]
    assert summary.pinged_when_posted == set(), "the summary names people without pinging them"

    # The report-back reminder, an hour before the next meeting: in the channel, by DM to Bob, the facilitator's
    # digest; each answered with a press.
    due = bot.now().replace(second=0, microsecond=0) + timedelta(minutes=3)
    await fran.run(
        "/reminder settings",
        in_channel=channel,
        report_back_hours=1,
        bid_nudge_hours=1,
        quiet_from=0,
        quiet_until=0,
    )
    local = (due + timedelta(hours=1)).astimezone(BERLIN)
    await fran.run(
        "/group schedule once",
        in_channel=channel,
        date=local.date().isoformat(),
        time=local.strftime("%H:%M"),
        zone="Europe/Berlin",
    )
    await fran.run("/reminder preview", in_channel=channel)
    digests, posted = len(fran.dms), len(channel.messages)
    await bot.move_clock(to=due + timedelta(seconds=1))

    def reminders() -> list[Message]:
        return [m for m in channel.live_messages if has_component(m, REMIND)]

    def nudged() -> bool:  # the nudge to put in bids names the command, which stays English
        return any("/bid add" in m.text and not m.all_components for m in channel.messages[posted:])

    await _until(
        world,
        lambda: (
            bool(reminders())
            and any(has_component(m, REMIND) for m in bob.dms)
            and len(fran.dms) > digests
            and nudged()
        ),
    )
    (reminder,) = reminders()
    assert alice.id in reminder.pinged_when_posted
    await press(alice, reminder, r"setkeeper:remind:\d+:done")
    (bobs,) = [m for m in bob.dms if has_component(m, REMIND)]
    await press(bob, bobs, r"setkeeper:remind:\d+:not_yet")
    await world.settle()

    # (iv) The hostile texts pinged nobody: not everyone, not a role, not Olga; only the group's own people.
    assert any("Budget kürzen" in m.text for m in channel.messages), "the hostile bid was shown in the channel"
    assert pings_everyone(world) == [], "no post notified everyone or a role"
    assert olga.id not in _pinged(world), "nobody outside the group was pinged"
    assert _pinged(world) <= {person.id for person in [*people, fran]}
    # (iii) Discord's lengths held: nothing the bot sent was over one, and Discord (the fake) refused nothing.
    assert _limits_broken(world) == []
    assert _refused(world) == []
    # (ii) Every message the bot drew in German had its German words.
    assert untranslated_by_the_bot(untranslated_file) == [], "drawn without a translation (bot.i18n.MISSING)"
    # (i) Not one English word in anything the bot said, and every sentence German.
    commands = command_words(world)
    english = [
        f"{where}: {sorted(set(english_in(text, commands)))} in {text[:160]!r}"
        for where, text in everything_the_bot_said(world)
        if english_in(text, commands)
    ]
    assert english == [], "English words in what the bot said:\n" + "\n".join(english)
    not_german = [
        f"{where}: {text[:160]!r}"
        for where, text in everything_the_bot_said(world)
        if len(words_of(text, commands)) >= 8 and not reads_german(text, commands)
    ]
    assert not_german == [], "sentences that do not read as German:\n" + "\n".join(not_german)
