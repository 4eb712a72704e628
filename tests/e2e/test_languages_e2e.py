"""Who reads which language, end to end: the real bot, a German and an English client, a German and an English group.

- The commands Discord holds after the bot syncs: German descriptions (and choices) under "de", English names.
- A new group speaks the server's language on a Community server, else English; `/group settings language:` changes it.
- A private reply follows the reader's Discord language; what the group reads together follows the group's.

The bot runs through `tests/fakediscord/catalog_bot.py`, which writes down every message it drew without a
translation (`bot.i18n.MISSING`, in the bot's own process): `untranslated_by_the_bot` reads it. The module's
helpers (the words that give English away, pressing a button by its custom id, a group joined without reading a
word) serve `test_german_e2e.py` too.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.ui.access import BOT_PERMISSIONS
from tests.e2e.conftest import REPO_ROOT
from tests.e2e.test_groups_e2e import wait_for
from tests.e2e.test_groups_e2e import world as invited_world
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Guild, Member, Message, Reply
from tests.fakediscord.catalog_bot import UNTRANSLATED_FILE, untranslated

pytestmark = pytest.mark.e2e

world = invited_world  # the README's invite permissions
CATALOG_BOT = REPO_ROOT / "tests" / "fakediscord" / "catalog_bot.py"
OWN_NAMES = {"language"}
"""Options whose choices are each language's own name ("English", "Deutsch"): the same words for every reader."""


@pytest.fixture
def bot_command() -> list[str]:
    """The real bot, writing down each message it draws without a translation."""
    return [sys.executable, str(CATALOG_BOT)]


@pytest.fixture
def untranslated_file(tmp_path: Path) -> Path:
    """Where the bot writes down what it drew untranslated."""
    return tmp_path / "untranslated.jsonl"


@pytest.fixture
def bot_env(bot_env: dict[str, str], untranslated_file: Path) -> dict[str, str]:
    """The e2e bot's environment, with the file for what it drew untranslated."""
    return {**bot_env, UNTRANSLATED_FILE: str(untranslated_file)}


def untranslated_by_the_bot(path: Path) -> list[tuple[str, ...]]:
    """(language, key) of every message the bot drew with no words in that language: `bot.i18n.MISSING`."""
    return sorted(untranslated(path))


# ----- the words that give a language away ---------------------------------------------------------------------

ENGLISH_WORDS = frozenset(
    {
        "the", "you", "your", "yours", "and", "is", "are", "to", "of", "with", "press", "has", "have", "meeting",
        "this", "that", "for", "it", "on", "at", "be", "by", "or", "can", "could", "here", "done", "next", "when",
        "what", "who", "how", "please", "only", "their", "they", "there", "been", "from", "would", "should", "vote",
        "votes", "voted", "round", "member", "members", "group", "action", "actions", "bid", "bids", "issue", "turn",
        "floor", "reminder", "holder", "facilitator", "summary",
    }
)  # fmt: skip
"""Words of the bot's English that no German sentence has (German shares "in", "an", "so", "was", "will", "die")."""
GERMAN_WORDS = frozenset(
    {
        "und", "der", "die", "das", "ist", "nicht", "du", "dich", "dir", "dein", "deine", "deinen", "deiner", "mit",
        "für", "wurde", "wurden", "hat", "hast", "bist", "kannst", "noch", "auf", "jetzt", "bitte", "ein", "eine",
        "einen", "einer", "dem", "den", "des", "sie", "wird", "sind", "zum", "zur", "über", "im", "vom", "beim",
        "nach", "bis", "auch", "nur", "kein", "keine", "diese", "dieser", "dieses", "ihr", "ihre", "dass", "oder",
        "wenn", "hier", "wie", "willkommen", "danke", "von", "dann", "niemand", "zu", "um", "aus", "bei", "gibt",
    }
)  # fmt: skip
"""Words of German that none of the bot's English sentences has ("die" and "hat" are English too, not the bot's)."""
_CODE = re.compile(r"<[@#:&!t][^>]*>|https?://\S+|\b\w+_\w+\b")  # mentions, timestamps, links, option names
_COMMAND = re.compile(r"/[a-z][a-z-]*(?: [a-z][a-z_-]*:?)*")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
"""A word, a hyphenated compound whole ("Action-Learning-Gruppe" is German)."""


def command_words(world: FakeDiscord) -> frozenset[str]:
    """Every command's, subcommand's and option's name: English in every language, as `/group settings language:`."""
    names: set[str] = set()

    def collect(entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            names.add(str(entry["name"]))
            collect(list(entry.get("options") or []))

    collect([*world.global_commands, *(c for cs in world.guild_commands.values() for c in cs)])
    return frozenset(names)


def words_of(text: str, commands: frozenset[str] = frozenset()) -> list[str]:
    """The words a person reads in `text`: without mentions, timestamps, links and command or option names."""

    def prose_after(command: re.Match[str]) -> str:
        tokens = command.group(0)[1:].split(" ")
        while tokens and tokens[0].rstrip(":") in commands:
            tokens.pop(0)
        return " " + " ".join(tokens)

    text = _COMMAND.sub(prose_after, _CODE.sub(" ", text))
    return _WORD.findall(text)


def english_in(text: str, commands: frozenset[str] = frozenset()) -> list[str]:
    """The English words in `text` (none in German)."""
    return [word for word in words_of(text, commands) if word.lower() in ENGLISH_WORDS]


def reads_german(text: str, commands: frozenset[str] = frozenset()) -> bool:
    """German: not one English word, and some German one (or a word with an umlaut or ß)."""
    found = words_of(text, commands)
    german = any(word.lower() in GERMAN_WORDS or set(word) & set("äöüÄÖÜß") for word in found)
    return not english_in(text, commands) and german


def reads_english(text: str, commands: frozenset[str] = frozenset()) -> bool:
    """English: English words, and not one German one."""
    found = words_of(text, commands)
    return bool(english_in(text, commands)) and not any(word.lower() in GERMAN_WORDS for word in found)


def test_the_words_tell_german_from_english() -> None:
    german = "<@12>, du hast das Wort: Rückblick. Erzähl der Gruppe, wie es lief, dann drück **Fertig**."
    english = "<@12>, you have the floor: Catch-up. Tell the group how your actions went, then press Done."
    assert reads_german(german)
    assert not reads_english(german)
    assert reads_english(english)
    assert not reads_german(english)
    assert english_in("Nutze `/group settings language:` oder /bid add", frozenset({"group", "settings", "bid"})) == []
    assert english_in("Nutze /group settings, the end", frozenset({"group", "settings"})) == ["the"]
    assert reads_german("<@12> hat die Grundregeln akzeptiert. Willkommen!")
    assert reads_german("Treffen von Kreis Nord: Eröffnung\nAnwesend: niemand\nWeiter")
    assert english_in("Dies ist eine Action-Learning-Gruppe.") == []


# ----- pressing what a member sees, whatever its words -------------------------------------------------------------


def custom_id_of(message: Message, pattern: str) -> str:
    """The custom id, matching `pattern` in full, of one of the message's buttons or selects."""
    for component in message.all_components:
        custom_id = str(component.get("custom_id") or "")
        if re.fullmatch(pattern, custom_id):
            return custom_id
    have = [c.get("custom_id") for c in message.all_components if c.get("custom_id")]
    raise LookupError(f"no component matching {pattern!r}; have {have}")


def has_component(message: Message, pattern: str) -> bool:
    """Whether the message offers a button or select whose custom id matches `pattern` in full."""
    return any(re.fullmatch(pattern, str(c.get("custom_id") or "")) for c in message.all_components)


async def press(member: Member, message: Message, pattern: str) -> Reply:
    """`member` presses the message's button whose custom id matches `pattern`, whatever its label says."""
    return await member.click(message, custom_id=custom_id_of(message, pattern))


RULES = r"setkeeper:rules:\d+"


async def add_and_accept(fran: Member, channel: Channel, person: Member) -> tuple[Message, Reply]:
    """Fran adds `person`, who accepts the ground rules: the welcome posted in the channel, and their private reply."""
    await fran.run("/group add", member=person, in_channel=channel)

    def welcomes() -> list[Message]:
        return [m for m in channel.live_messages if person.mention in m.content and has_component(m, RULES)]

    await wait_for(lambda: bool(welcomes()))
    (welcome,) = welcomes()
    return welcome, await press(person, welcome, RULES)


async def create_group(guild: Guild, admin: Member, name: str, facilitator: Member, **options: Any) -> Channel:
    """The admin creates a group; its channel (the name in lower case, spaces as hyphens)."""
    created = await admin.run(
        "/groupadmin create", name=name, facilitator=facilitator, in_channel=guild.channel_named("general"), **options
    )
    assert name in created.text, created.text
    slug = name.lower().replace(" ", "-")
    await wait_for(lambda: guild.has_channel(slug))
    return guild.channel_named(slug)


async def _told_the_group(channel: Channel, person: Member, welcome: Message) -> Message:
    """What the bot posted in the channel once `person` accepted the ground rules (their welcome aside)."""

    def told() -> list[Message]:
        return [
            m
            for m in channel.live_messages
            if m is not welcome and m.author.bot and person.mention in m.content and not m.all_components
        ]

    await wait_for(lambda: bool(told()))
    return told()[-1]


# ----- (a) the commands as Discord holds them ------------------------------------------------------------------


def _localized(entries: list[dict[str, Any]], where: str = "") -> Iterator[tuple[str, dict[str, Any], str]]:
    """(where, object, kind) of every command, subcommand, option ("option") and choice ("choice")."""
    for entry in entries:
        here = f"{where} {entry['name']}".strip()
        yield here, entry, "command" if not where else "option"
        for choice in entry.get("choices") or []:
            yield f"{here} = {choice['name']}", choice, "choice"
        yield from _localized(list(entry.get("options") or []), here)


async def test_the_commands_discord_holds_have_german_descriptions_and_english_names(
    world: FakeDiscord, bot: BotProcess
) -> None:
    """After the sync every description and choice has German under "de" (at most 100 characters), no other name.

    Names stay English in every language: bot/ui/translator.py says why.
    """
    commands = world.global_commands + [c for cs in world.guild_commands.values() for c in cs]
    assert commands, "the bot synced its commands"
    renamed, untranslated_texts, too_long = [], [], []
    for where, entry, kind in _localized(commands):
        if kind != "choice" and entry.get("name_localizations"):
            renamed.append(f"{where}: {entry['name_localizations']}")
        localizations = entry.get("name_localizations" if kind == "choice" else "description_localizations") or {}
        german = localizations.get("de")
        if german is None:
            if not (kind == "choice" and where.split(" = ")[0].split()[-1] in OWN_NAMES):
                untranslated_texts.append(where)
        elif len(german) > 100:
            too_long.append(f"{where}: {german!r} ({len(german)})")
    assert renamed == [], "names stay English"
    assert too_long == [], "Discord takes at most 100 characters"
    assert untranslated_texts == [], "every description and choice has German (waits for the catalog's German)"


# ----- (b), (c) a group's language: the server's, changed by the facilitator ------------------------------------


async def test_a_new_group_speaks_a_community_servers_language_else_english_until_its_facilitator_changes_it(
    world: FakeDiscord, bot: BotProcess, untranslated_file: Path
) -> None:
    guild = world.guild
    ada = guild.add_member("Ada", permissions=discord.Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    english = await create_group(guild, ada, "Set A", fran)
    shown = await fran.run("/group settings", in_channel=english)
    assert shown.ephemeral
    assert "Language of what the group reads together: English" in shown.text, "not a Community server: English"

    guild.make_community("de")  # the server's admins make it a Community server speaking German
    await world.settle()
    german = await create_group(guild, ada, "Set B", fran)
    shown = await fran.run("/group settings", in_channel=german)
    assert "Language of what the group reads together: Deutsch" in shown.text, "the server's language"
    shown = await fran.run("/group settings", in_channel=english)
    assert "Language of what the group reads together: English" in shown.text, "a group keeps the language it has"

    changed = await fran.run("/group settings", language="de", in_channel=english)
    assert changed.text.startswith("Settings saved for **Set A**"), changed.text
    assert "Language of what the group reads together: Deutsch" in changed.text
    back = await fran.run("/group settings", language="en", in_channel=german)
    assert "Language of what the group reads together: English" in back.text

    # A server that left the Community programme keeps its language in Discord, but may no longer choose one.
    other = world.create_guild("Elsewhere", bot_permissions=BOT_PERMISSIONS)
    other.preferred_locale = "de"
    world.dispatch_soon("GUILD_UPDATE", other.update_payload())
    boss = other.add_member("Boss", permissions=discord.Permissions(manage_guild=True))
    facilitator = other.add_member("Fay")
    await world.settle()
    elsewhere = await create_group(other, boss, "Set C", facilitator)
    shown = await facilitator.run("/group settings", in_channel=elsewhere)
    assert "Language of what the group reads together: English" in shown.text, "not a Community server: English"
    # Whoever creates a group may choose its language there, so even its welcome is in it.
    chosen = await create_group(other, boss, "Set D", facilitator, language="de")
    shown = await facilitator.run("/group settings", in_channel=chosen)
    assert "Language of what the group reads together: Deutsch" in shown.text, "chosen at creation"
    await wait_for(lambda: any(m.author.bot and "Grundregeln" in m.text for m in chosen.live_messages))
    assert untranslated_by_the_bot(untranslated_file) == [], "English needs no translation"


# ----- (d) who reads which language ------------------------------------------------------------------------------


async def test_private_replies_follow_the_readers_language_and_the_channel_the_groups(
    world: FakeDiscord, bot: BotProcess, untranslated_file: Path
) -> None:
    """An English client in a German group reads English privately, German in the channel; and the other way round."""
    guild = world.guild
    guild.make_community("de")
    ada = guild.add_member("Ada", permissions=discord.Permissions(manage_guild=True))
    fran, alice, bea = guild.add_member("Fran"), guild.add_member("Alice"), guild.add_member("Bea")
    bea.user.locale = "de"  # Bea uses Discord in German; Alice, Fran and Ada in English (en-US)
    german_group = await create_group(guild, ada, "Set B", fran)
    english_group = await create_group(guild, ada, "Set A", fran)
    switched = await fran.run("/group settings", language="en", in_channel=english_group)
    assert "Language of what the group reads together: English" in switched.text
    commands = command_words(world)

    # Alice (English client) in the German group.
    welcome, accepted = await add_and_accept(fran, german_group, alice)
    assert accepted.ephemeral
    assert accepted.text == "Thank you. You have accepted the ground rules and can now post in this channel."
    info = await alice.run("/group info", in_channel=german_group)
    assert info.ephemeral
    assert reads_english(info.text, commands), info.text
    assert reads_german(welcome.text, commands), f"the group's channel speaks German: {welcome.text!r}"
    told = await _told_the_group(german_group, alice, welcome)
    assert reads_german(told.text, commands), f"the group's channel speaks German: {told.text!r}"

    # Bea (German client) in the English group.
    welcome, accepted = await add_and_accept(fran, english_group, bea)
    assert welcome.content.startswith(f"{bea.mention}, welcome to **Set A**"), welcome.content
    assert reads_english(welcome.text, commands)
    told = await _told_the_group(english_group, bea, welcome)
    assert told.content == f"{bea.mention} has accepted the ground rules. Welcome!"
    assert accepted.ephemeral
    info = await bea.run("/group info", in_channel=english_group)
    assert reads_german(info.text, commands), f"Bea reads her replies in German: {info.text!r}"
    assert reads_german(accepted.text, commands), f"Bea reads her replies in German: {accepted.text!r}"

    await world.settle()
    assert untranslated_by_the_bot(untranslated_file) == [], "every German text the bot drew had its words"


def test_the_bots_untranslated_messages_are_written_down_where_the_test_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`catalog_bot.py` swaps `bot.i18n.MISSING` for a set that writes each new entry down: `render` fills it."""
    import bot.i18n
    from bot.domain.text import msg
    from tests.fakediscord.catalog_bot import WrittenDown

    path = tmp_path / "untranslated.jsonl"
    monkeypatch.setattr(bot.i18n, "MISSING", WrittenDown(path))
    assert untranslated_by_the_bot(path) == []
    key = "A sentence no catalog will ever translate, {name}."
    assert bot.i18n.render(msg(key, name="Bea"), "de") == "A sentence no catalog will ever translate, Bea."
    bot.i18n.render(msg(key, name="Cleo"), "de")
    bot.i18n.render(msg(key, name="Bea"), "en")
    assert untranslated_by_the_bot(path) == [("de", key)], "once, and only for a language that needs a translation"
