"""The reader's language: how a Discord locale maps to one, how a message is drawn in it, and what falls back."""

from __future__ import annotations

import asyncio
from datetime import date

from bot import i18n
from bot.domain.errors import NotMemberError
from bot.domain.text import english, msg, msgn


def test_a_discord_locale_maps_to_the_language_setkeeper_speaks_else_english() -> None:
    assert i18n.language_of("de") == "de"
    assert i18n.language_of("en-GB") == "en"
    assert i18n.language_of("fr") == "en"
    assert i18n.language_of(None) == "en"


def test_a_new_groups_language_is_the_servers_only_on_a_community_server() -> None:
    assert i18n.server_language(["COMMUNITY"], "de") == "de"
    assert i18n.server_language([], "de") == "en"
    assert i18n.server_language(["COMMUNITY"], "ja") == "en"


def test_a_message_is_drawn_in_the_language_being_read_and_its_parameters_too() -> None:
    mode = msg("Supportive")
    text = msg("No group called {name} here.", name="Set A")
    assert i18n.render(text, "en") == "No group called Set A here."
    assert english(msgn("{n} vote", "{n} votes", 1)) == "1 vote"
    assert english(msgn("{n} vote", "{n} votes", 3)) == "3 votes"
    with i18n.speaking("de"):
        assert i18n.reading() == "de"
        # a Text inside a Text is drawn in the same language
        assert i18n.render(msg("{mode}", mode=mode)) == i18n.render(mode, "de")
    i18n.MISSING.difference_update({("de", "{mode}"), ("de", "Supportive")})
    assert i18n.reading() == "en"


def test_an_error_is_shown_in_the_language_of_whoever_reads_it() -> None:
    error = NotMemberError(msg("Only members of {group} can see its details.", group="Set A"))
    assert str(error) == "Only members of Set A can see its details."
    with i18n.speaking("de"):
        assert error.message == i18n.render(error.text, "de")
    i18n.MISSING.discard(("de", "Only members of {group} can see its details."))


def test_a_language_set_around_the_start_of_a_task_reaches_the_task() -> None:
    async def read_later() -> str:
        await asyncio.sleep(0)
        return i18n.reading()

    async def main() -> tuple[str, str]:
        token = i18n.start_reading("de")
        try:
            task = asyncio.create_task(read_later())
        finally:
            i18n.stop_reading(token)
        return await task, i18n.reading()

    assert asyncio.run(main()) == ("de", "en")


def test_a_message_without_words_in_a_language_falls_back_to_english_and_is_recorded() -> None:
    key = "A message no catalog has, {name}."
    i18n.MISSING.discard(("de", key))
    assert i18n.render(msg(key, name="Bea"), "de") == "A message no catalog has, Bea."
    assert ("de", key) in i18n.MISSING
    i18n.MISSING.discard(("de", key))


def test_dates_and_numbers_follow_the_reader() -> None:
    day = date(2026, 12, 6)
    assert i18n.date_words(day) == "6 Dec 2026"
    with i18n.speaking("de"):
        assert i18n.date_words(day) == "06.12.2026"
        assert i18n.number(1250.5) == "1.250,5"
    assert i18n.number(1250.5) == "1,250.5"
