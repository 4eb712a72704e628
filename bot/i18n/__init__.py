"""The words a person reads, in their language: one gettext catalog per language, read with Babel.

Who reads which language (the manual's docs/facilitators/languages.md):
- a private reply follows the person's own Discord language (`interaction.locale`): every interaction's handlers
  run with it set (`reading_interaction`, called by the bot as each interaction arrives);
- what the group reads together (cards, the vote card, summaries, reminders, history files, the chart) and a
  direct message sent outside an interaction follow the group's language: drawn inside `speaking(group.language)`.

Messages are written as English text with named `{placeholders}`; `t`, `tn` and `render` choose the words when the
edge draws a reply or a post. The catalogs are `bot/locales/<language>/LC_MESSAGES/messages.po`, compiled in memory
by Babel when first used (`load()` at start-up, so a broken catalog stops the bot with one line); untranslated or
fuzzy entries fall back to English. `python -m bot.i18n` extracts, updates and checks them.
"""

from __future__ import annotations

import gettext
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date, format_datetime, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.domain.text import LANGUAGE_CODES, Day, DayOfWeek, Param, Text, Words, choose_words_with, msg, msgc, msgn

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Text",
    "date_words",
    "fingerprint",
    "language_of",
    "load",
    "msg",
    "msgc",
    "msgn",
    "number",
    "reading",
    "render",
    "speaking",
    "start_reading",
    "stop_reading",
    "t",
    "tc",
    "tn",
]

_NAMES = {"en": "English", "de": "Deutsch"}
LANGUAGES: dict[str, str] = {code: _NAMES[code] for code in LANGUAGE_CODES}
"""The languages Setkeeper speaks, by their code (Discord's locale without its region), with their own names."""

DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

_reading: ContextVar[str] = ContextVar("setkeeper_reading", default=DEFAULT_LANGUAGE)


def language_of(locale: object) -> str:
    """The language Setkeeper speaks for a Discord locale ("de", "en-GB", `discord.Locale.german`), else English."""
    value = getattr(locale, "value", locale)
    if not isinstance(value, str):
        return DEFAULT_LANGUAGE
    base = value.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def server_language(features: object, preferred_locale: object) -> str:
    """A new group's language: the server's preferred one on a Community server, else English.

    Only a Community server's admins can set its language in Discord; any other server reports "en-US".
    """
    community = isinstance(features, list | tuple | set | frozenset) and "COMMUNITY" in features
    return language_of(preferred_locale) if community else DEFAULT_LANGUAGE


def reading() -> str:
    """The language of whoever reads what is being drawn now."""
    return _reading.get()


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Draw everything inside in `language` (a group's posts: the group's language)."""
    token = _reading.set(language_of(language))
    try:
        yield
    finally:
        _reading.reset(token)


def start_reading(locale: object) -> Token[str]:
    """From here on (and in every task started from here) draw in `locale`'s language; `stop_reading` undoes it."""
    return _reading.set(language_of(locale))


def stop_reading(token: Token[str]) -> None:
    """Undo `start_reading`."""
    _reading.reset(token)


def catalog_path(language: str) -> Path:
    """Where a language's catalog lives."""
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(language: str) -> tuple[gettext.NullTranslations, frozenset[str]]:
    """A language's catalog compiled in memory by Babel, and the keys it translates (fuzzy ones left out)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations(), frozenset()
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    known = frozenset(
        keyed(message.id if isinstance(message.id, str) else message.id[0], message.context)
        for message in catalog
        if message.id and message.string and not message.fuzzy and all(message.string)
    )
    return gettext.GNUTranslations(compiled), known


def keyed(key: str, context: str | None) -> str:
    """A message's key with its context, as gettext joins them."""
    return key if context is None else f"{context}\x04{key}"


def load() -> None:
    """Compile every catalog now (at start-up), so a broken one stops the bot before it serves anyone."""
    for language in LANGUAGES:
        _translations(language)


def fingerprint() -> str:
    """A digest of every catalog's file: it changes when any translation does."""
    digest = hashlib.sha256()
    for language in sorted(LANGUAGES):
        path = catalog_path(language)
        if path.exists():
            digest.update(language.encode() + path.read_bytes())
    return digest.hexdigest()


def translates(key: str, language: str, context: str | None = None) -> bool:
    """Whether `language`'s catalog has words for `key` (English always has: the key is its text)."""
    return language == DEFAULT_LANGUAGE or keyed(key, context) in _translations(language)[1]


MISSING: set[tuple[str, str]] = set()
"""(language, key) of every message drawn without a translation since start: the tests assert it stays empty."""


def render(text: Words | str, language: str | None = None) -> str:
    """The words of `text` for its reader: in `language`, or in the language being read now."""
    if isinstance(text, str):
        return text
    language = language or reading()
    if isinstance(text, Day):
        return _date_in(text.day, text.form, language)
    if isinstance(text, DayOfWeek):
        return str(get_day_names("wide", locale=_babel_locale(language))[text.index])
    translations, known = _translations(language)
    if language != DEFAULT_LANGUAGE and keyed(text.key, text.context) not in known:
        MISSING.add((language, keyed(text.key, text.context)))
    count = text.n if text.n is not None else 0
    if text.context is not None:
        words = (
            translations.pgettext(text.context, text.key)
            if text.plural is None
            else translations.npgettext(text.context, text.key, text.plural, count)
        )
    elif text.plural is None:
        words = translations.gettext(text.key)
    else:
        words = translations.ngettext(text.key, text.plural, count)
    params = {
        name: render(value, language) if isinstance(value, Text | Day | DayOfWeek) else value
        for name, value in text.params
    }
    return words.format(**params)


def t(key: str, /, **params: Param) -> str:
    """A message's words for whoever is reading now: `t("No group called {name} here.", name=name)`."""
    return render(msg(key, **params))


def tc(context: str, key: str, /, **params: Param) -> str:
    """Words whose English is used elsewhere with another meaning, for whoever is reading now: `tc("card", "Next")`."""
    return render(msgc(context, key, **params))


def tn(singular: str, plural: str, n: int, /, **params: Param) -> str:
    """A counted message's words for whoever is reading now: `tn("{n} vote", "{n} votes", count)`."""
    return render(msgn(singular, plural, n, **params))


def number(value: float) -> str:
    """A number as the reader writes it ("1,250.5" in English, "1.250,5" in German)."""
    return format_decimal(value, locale=reading())


def _babel_locale(language: str) -> str:
    """Babel's locale for a language: English dates as Britain writes them (day before month), else the language."""
    return "en_GB" if language == DEFAULT_LANGUAGE else language


def _date_in(moment: date | datetime, form: str, language: str) -> str:
    if isinstance(moment, datetime):
        return format_datetime(moment, format=form, locale=_babel_locale(language))
    return format_date(moment, format=form, locale=_babel_locale(language))


def date_words(moment: date | datetime, form: str = "medium") -> str:
    """A date as the reader writes it ("6 Dec 2026" / "06.12.2026"; `form` is Babel's: short, medium, long)."""
    return _date_in(moment, form, reading())


choose_words_with(render)
