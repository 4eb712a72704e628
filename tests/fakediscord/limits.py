"""Discord's limits on what a bot sends (400 / 50035 Invalid Form Body), and commands listed in the reader's language.

Refused: application commands and their localizations that break Discord's naming and length rules, and embeds
and components past their lengths. A `GET` of all commands answers in the requester's language. From Discord's API
docs: `interactions/application-commands.mdx` (naming, the command, option and choice structures, "Localization",
"Retrieving localized commands"), `reference.mdx` ("Locales"), `resources/message.mdx` ("Embed Limits") and
`components/reference.mdx` (each component's fields).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from tests.fakediscord.errors import invalid_form

Json = dict[str, Any]
Path = tuple[str | int, ...]

LOCALES = frozenset(
    {
        "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl",
        "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW",
        "ko",
    }
)  # fmt: skip
"""Discord's available locales: the only keys a localization dictionary may have."""
FALLBACK = {"en-US": "en-GB", "en-GB": "en-US", "es-419": "es-ES"}
"""Where a command's text is looked up when the reader's own locale has none ("Locale fallbacks")."""
DEFAULT_LOCALE = "en-US"
"""The bot user's settings locale: what a `GET` is answered in without `X-Discord-Locale` or `Accept-Language`."""

CHAT_INPUT, USER, MESSAGE = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
NAME_PUNCTUATION = frozenset("-_'")


class _Errors:
    """Discord's nested error object: each refused field under its path, with `_errors` at the leaf."""

    def __init__(self) -> None:
        self.tree: Json = {}

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def length(self, path: Path, value: object, low: int, high: int) -> None:
        """`value` (a string) must be `low` to `high` characters long."""
        size = len(value) if isinstance(value, str) else -1
        if not low <= size <= high:
            if low == 0:
                self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")
            else:
                self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def most(self, path: Path, items: list[Any], high: int) -> None:
        if len(items) > high:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")

    def raise_any(self) -> None:
        if self.tree:
            raise invalid_form("Invalid Form Body", self.tree)


# ----- application commands ----------------------------------------------------------------------------------


def _name_ok(name: object, *, chat_input: bool) -> bool:
    r"""A `CHAT_INPUT` command's or option's name: 1 to 32 letters, digits, `-`, `_` or `'`, lower-case where cased.

    Discord's regex is ``^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$``; a `USER` or `MESSAGE` command's name may
    be mixed case and hold spaces.
    """
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    if not chat_input:
        return True
    return all((c.isalnum() or c in NAME_PUNCTUATION) and c == c.lower() for c in name)


def _check_localizations(errors: _Errors, path: Path, field: str, entry: Json, check: Any) -> dict[str, str] | None:
    """A `*_localizations` dictionary: keys among Discord's locales, each value as the default's rules say."""
    localizations = entry.get(field)
    if localizations is None:
        return None
    if not isinstance(localizations, dict):
        errors.add((*path, field), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return None
    for locale, value in localizations.items():
        if locale not in LOCALES:
            errors.add((*path, field, locale), "BASE_TYPE_CHOICES", f"Value must be one of {sorted(LOCALES)}.")
        elif value is not None:
            check((*path, field, locale), value)
    return {str(k): v for k, v in localizations.items() if v is not None}


def _name_checker(errors: _Errors, *, chat_input: bool) -> Any:
    def check(path: Path, value: object) -> None:
        if not _name_ok(value, chat_input=chat_input):
            errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {value!r}")

    return check


def _length_checker(errors: _Errors, low: int, high: int) -> Any:
    def check(path: Path, value: object) -> None:
        errors.length(path, value, low, high)

    return check


def _check_named(errors: _Errors, path: Path, entry: Json, *, chat_input: bool, described: bool) -> None:
    """A command's or an option's name and description, and their localizations."""
    name_check = _name_checker(errors, chat_input=chat_input)
    name_check((*path, "name"), entry.get("name"))
    _check_localizations(errors, path, "name_localizations", entry, name_check)
    if described:
        describe = _length_checker(errors, 1, 100)
        describe((*path, "description"), entry.get("description"))
        _check_localizations(errors, path, "description_localizations", entry, describe)


def _check_options(errors: _Errors, path: Path, options: list[Json]) -> None:
    errors.most(path, options, 25)
    defaults = [str(o.get("name")) for o in options]
    for index, option in enumerate(options):
        here = (*path, index)
        _check_named(errors, here, option, chat_input=True, described=True)
        # A localized option name may be no other option's default name, nor another's name in the same locale.
        others = set(defaults) - {str(option.get("name"))}
        for locale, value in (option.get("name_localizations") or {}).items():
            same_locale = {(o.get("name_localizations") or {}).get(locale) for o in options if o is not option} - {None}
            if value in others or value in same_locale:
                errors.add(
                    (*here, "name_localizations", locale),
                    "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                    "Application command option names must be unique",
                )
        choices = list(option.get("choices") or [])
        errors.most((*here, "choices"), choices, 25)
        for number, choice in enumerate(choices):
            at = (*here, "choices", number)
            name_length = _length_checker(errors, 1, 100)
            name_length((*at, "name"), choice.get("name"))
            _check_localizations(errors, at, "name_localizations", choice, name_length)
            if isinstance(choice.get("value"), str):
                errors.length((*at, "value"), choice["value"], 1, 100)
        if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            _check_options(errors, (*here, "options"), list(option.get("options") or []))


def validate_commands(commands: Iterable[Json], *, indexed: bool = True) -> None:
    """Refuse, as Discord does, commands whose names, descriptions, options, choices or localizations break its rules.

    `indexed`: the body is a list (a bulk overwrite), so each error sits under the command's index.
    """
    errors = _Errors()
    for index, command in enumerate(commands):
        path: Path = (index,) if indexed else ()
        kind = int(command.get("type", CHAT_INPUT))
        _check_named(errors, path, command, chat_input=kind == CHAT_INPUT, described=kind == CHAT_INPUT)
        if kind == CHAT_INPUT:
            _check_options(errors, (*path, "options"), list(command.get("options") or []))
    errors.raise_any()


def _without_defaults(entry: Json) -> None:
    """Discord ignores localized values identical to the default ("Localization"): it keeps none of them."""
    for field, default in (("name_localizations", "name"), ("description_localizations", "description")):
        localizations = entry.get(field)
        if isinstance(localizations, dict):
            entry[field] = {k: v for k, v in localizations.items() if v is not None and v != entry.get(default)}


def stored_localizations(command: Json) -> Json:
    """The command as Discord keeps it: its localizations, the options' and the choices', minus the ignored ones."""
    kept = copy.deepcopy(command)
    for entry in _named_entries(kept):
        _without_defaults(entry)
    return kept


def _named_entries(command: Json) -> list[Json]:
    """The command, each option (subcommands' too) and each choice: every object with a name of its own."""
    found = [command]
    for option in command.get("options") or []:
        found += [option, *(option.get("choices") or [])]
        if option.get("options"):
            found += _named_entries(option)[1:]
    return found


def requester_locale(headers: dict[str, str]) -> str:
    """The locale a `GET` is answered in: `X-Discord-Locale`, then `Accept-Language`, then the user's settings."""
    wanted = headers.get("x-discord-locale")
    if wanted in LOCALES:
        return str(wanted)
    accepted = headers.get("accept-language", "")
    first = accepted.split(",")[0].split(";")[0].strip()
    if first in LOCALES:
        return first
    if first.split("-")[0] in LOCALES:
        return first.split("-")[0]
    return DEFAULT_LOCALE


def as_listed(commands: list[Json], headers: dict[str, str], query: dict[str, str]) -> list[Json]:
    """A `GET` of all commands: the full dictionaries only with `with_localizations`, else the reader's own words.

    Without it each object loses `name_localizations` and `description_localizations` and gains `name_localized` /
    `description_localized` where the requester's locale (or its fallback) has words ("Retrieving localized
    commands").
    """
    if query.get("with_localizations", "false").lower() in ("true", "1"):
        return commands
    locale = requester_locale(headers)
    listed = copy.deepcopy(commands)
    for command in listed:
        for entry in _named_entries(command):
            for field in ("name", "description"):
                localizations = entry.pop(f"{field}_localizations", None) or {}
                words = localizations.get(locale) or localizations.get(FALLBACK.get(locale, ""))
                if words:
                    entry[f"{field}_localized"] = words
    return listed


# ----- messages: embeds and components -----------------------------------------------------------------------

EMBED_TOTAL = 6000
BUTTON, STRING_SELECT, TEXT_INPUT, TEXT_DISPLAY, LABEL = 2, 3, 4, 10, 18
SELECTS = frozenset({STRING_SELECT, 5, 6, 7, 8})


def check_embeds(errors: _Errors, embeds: list[Json]) -> None:
    """Embed limits: title 256, description 4096, 25 fields (name 256, value 1024), footer 2048, author 256.

    And 6000 characters in all the message's embeds together.
    """
    total = 0
    for index, embed in enumerate(embeds):
        at: Path = ("embeds", index)
        for key, high in (("title", 256), ("description", 4096)):
            if embed.get(key) is not None:
                errors.length((*at, key), str(embed[key]), 0, high)
                total += len(str(embed[key]))
        fields = list(embed.get("fields") or [])
        errors.most((*at, "fields"), fields, 25)
        for number, fld in enumerate(fields):
            errors.length((*at, "fields", number, "name"), str(fld.get("name", "")), 1, 256)
            errors.length((*at, "fields", number, "value"), str(fld.get("value", "")), 1, 1024)
            total += len(str(fld.get("name", ""))) + len(str(fld.get("value", "")))
        for key, inner, high in (("footer", "text", 2048), ("author", "name", 256)):
            part = embed.get(key)
            if isinstance(part, dict) and part.get(inner) is not None:
                errors.length((*at, key, inner), str(part[inner]), 0, high)
                total += len(str(part[inner]))
    if total > EMBED_TOTAL:
        errors.add(("embeds",), "BASE_TYPE_MAX_LENGTH", f"Embed size exceeds maximum size of {EMBED_TOTAL}")


def check_components(errors: _Errors, components: list[Json], path: Path = ("components",)) -> None:
    """Each component's texts, nested ones too, within Discord's lengths.

    A button's label 80; a select's placeholder 150 and its options' label, value and description 100; a text input's
    label 45 and placeholder 100; a label's label 45 and description 100; a text display's content 4000.
    """
    for index, component in enumerate(components):
        at = (*path, index)
        kind = component.get("type")
        if kind == BUTTON and component.get("label") is not None:
            errors.length((*at, "label"), str(component["label"]), 0, 80)
        elif kind in SELECTS:
            if component.get("placeholder") is not None:
                errors.length((*at, "placeholder"), str(component["placeholder"]), 0, 150)
            options = list(component.get("options") or [])
            errors.most((*at, "options"), options, 25)
            for number, option in enumerate(options):
                errors.length((*at, "options", number, "label"), str(option.get("label", "")), 1, 100)
                errors.length((*at, "options", number, "value"), str(option.get("value", "")), 1, 100)
                if option.get("description") is not None:
                    errors.length((*at, "options", number, "description"), str(option["description"]), 0, 100)
        elif kind == TEXT_INPUT:
            if component.get("label") is not None:
                errors.length((*at, "label"), str(component["label"]), 1, 45)
            if component.get("placeholder") is not None:
                errors.length((*at, "placeholder"), str(component["placeholder"]), 0, 100)
        elif kind == LABEL:
            errors.length((*at, "label"), str(component.get("label", "")), 1, 45)
            if component.get("description") is not None:
                errors.length((*at, "description"), str(component["description"]), 0, 100)
        elif kind == TEXT_DISPLAY:
            errors.length((*at, "content"), str(component.get("content", "")), 1, 4000)
        if component.get("components"):
            check_components(errors, list(component["components"]), (*at, "components"))
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                check_components(errors, [component[key]], (*at, key))


def validate_texts(body: Json, *, modal: bool = False) -> None:
    """Refuse a message body (or a modal) whose embeds or components are past Discord's lengths."""
    errors = _Errors()
    if modal:
        errors.length(("title",), str(body.get("title", "")), 1, 45)
    check_embeds(errors, list(body.get("embeds") or []))
    check_components(errors, list(body.get("components") or []))
    errors.raise_any()


def validate_choices(choices: list[Json]) -> None:
    """Refuse autocomplete choices past Discord's lengths: a name of 1 to 100 characters, a string value up to 100."""
    errors = _Errors()
    errors.most(("choices",), choices, 25)
    for index, choice in enumerate(choices):
        errors.length(("choices", index, "name"), choice.get("name"), 1, 100)
        if isinstance(choice.get("value"), str):
            errors.length(("choices", index, "value"), choice["value"], 0, 100)
    errors.raise_any()
