"""What the rules say to a person, as a value: a message's key and its parameters, never its words.

The domain and the services decide *what* to tell someone (an error, a notice, a mode's prompt) and hand back a
`Text`; the edge (the cogs' renderers, the error handler, the applier) chooses the words in the reader's language
when it draws the reply or the post (`bot.i18n.render`). The key is the English source text, as gettext has it, so
a reader of the code sees what is meant, and the catalog (`bot/locales/`) gives every other language.

`msg`, `msgc` and `msgn` are the markers the catalog's extraction looks for (`python -m bot.i18n extract`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Union

from babel.dates import format_date

LANGUAGE_CODES = ("en", "de")
"""The languages Setkeeper speaks (Discord's locale without its region); English is the code's own."""

Param = Union[str, int, float, "Text", "Day", "DayOfWeek"]
"""A message's parameter: a plain value, another message (a mode's name inside a sentence), or a date or a day of the
week, which the reader's language names."""


@dataclass(frozen=True, slots=True)
class Text:
    """A message to a person, language-free: the key (its English text), the plural key and count, the parameters.

    Placeholders are named and in braces ("No group called {name} here."); a plural message's count is `{n}`.
    """

    key: str
    params: tuple[tuple[str, Param], ...] = ()
    plural: str | None = None
    n: int | None = None
    context: str | None = None
    """Where a short key is used, when the same English words mean different things ("Next": a button, a field)."""

    def __str__(self) -> str:
        """The words in the language of whoever is reading now (set at the edge; English until the catalog loads)."""
        return _words(self)

    def with_params(self, **params: Param) -> Text:
        """The same message with more (or changed) parameters."""
        merged = {**dict(self.params), **params}
        return Text(self.key, tuple(merged.items()), self.plural, self.n, self.context)


@dataclass(frozen=True, slots=True)
class Day:
    """A date a message names, in the reader's words when drawn: "6 January 2026", "6. Januar 2026".

    `form` is Babel's: "short", "medium", "long", or a pattern such as "d MMM".
    """

    day: date
    form: str = "long"

    def __str__(self) -> str:
        return _words(self)


@dataclass(frozen=True, slots=True)
class DayOfWeek:
    """A day of the week a message names (0 is Monday, as `date.weekday()` counts): "Tuesday", "Dienstag"."""

    index: int

    def __str__(self) -> str:
        return _words(self)


Words = Text | Day | DayOfWeek
"""What the edge turns into words in the reader's language."""


def msg(key: str, /, **params: Param) -> Text:
    """A message to a person: its English text (the catalog key) with named `{placeholders}` and their values."""
    return Text(key, tuple(params.items()))


def msgc(context: str, key: str, /, **params: Param) -> Text:
    """A message whose English words are used elsewhere with another meaning: `msgc("action status", "Done")`."""
    return Text(key, tuple(params.items()), context=context)


def msgn(singular: str, plural: str, n: int, /, **params: Param) -> Text:
    """A message that depends on a count `{n}`: "{n} vote" / "{n} votes"; the reader's language picks the form."""
    return Text(singular, tuple({"n": n, **params}.items()), plural, n)


def english(text: Words) -> str:
    """The message in its own (English) words, for a process that has not loaded the catalog."""
    if isinstance(text, Day):
        return format_date(text.day, format=text.form, locale="en_GB")
    if isinstance(text, DayOfWeek):
        return calendar.day_name[text.index]
    key = text.plural if text.plural is not None and text.n != 1 else text.key
    return key.format(**{name: str(value) for name, value in text.params})


_words: Callable[[Words], str] = english


def choose_words_with(words: Callable[[Words], str]) -> None:
    """How every `Text` becomes words from now on: called once by `bot.i18n`, which knows the reader's language."""
    global _words
    _words = words
