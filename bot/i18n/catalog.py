"""The catalogs kept in step with the code: extract every message, merge it into each language, check them.

`python -m bot.i18n extract` writes the template `bot/locales/messages.pot` from the code (every `msg`, `msgn`, `t`
and `tn`) and from the command tree (each command's and option's description and each choice's name, which
Discord shows in the reader's language through `bot.ui.translator`). `python -m bot.i18n update` also merges the
template into each language's catalog, keeping what is translated and marking new entries empty; translate those,
then `python -m bot.i18n check` lists what is still wrong (the tests run the same checks).
"""

from __future__ import annotations

import asyncio
import string
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, LOCALES, catalog_path, keyed

ROOT = LOCALES.parent.parent
TEMPLATE = LOCALES / f"{DOMAIN}.pot"
KEYWORDS: dict[str, Any] = {
    "msg": None,
    "t": None,
    "msgn": (1, 2),
    "tn": (1, 2),
    "msgc": ((1, "c"), 2),
    "tc": ((1, "c"), 2),
}
"""The markers: `msg`/`t` take the message as their first argument, `msgn`/`tn` the singular and the plural."""
SOURCES = ("bot", "cogs")
TREE = "discord-command-tree"
"""The location given to the command tree's texts in the template."""
DISCORD_LIMIT = 100
"""Discord's limit on a command's or option's description and on a choice's name, in every language."""
_STAMP = datetime(2026, 12, 6, tzinfo=UTC)


def _new_catalog(locale: str | None = None) -> Catalog:
    """A catalog with Setkeeper's header and a fixed date, so the files change only when their messages do."""
    return Catalog(
        locale=locale,
        domain=DOMAIN,
        project="Setkeeper",
        version="1",
        copyright_holder="Setkeeper's authors",
        header_comment="# What Setkeeper says to people. Keep the method's words as bot/locales/GLOSSARY.md has them.",
        creation_date=_STAMP,
        revision_date=_STAMP,
        fuzzy=False,
    )


def code_messages() -> list[tuple[str | tuple[str, str], str, list[str], str | None]]:
    """Every message the code marks: (the message or its singular and plural, where, comments, its context)."""
    found: list[tuple[str | tuple[str, str], str, list[str], str | None]] = []
    for folder in SOURCES:
        for filename, _line, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("Translators:",)
        ):
            where = f"{folder}/{filename}"
            if isinstance(message, tuple):
                singular, plural = message[0], message[1]
                if singular and plural:
                    found.append(((singular, plural), where, list(comments), context))
            elif message:
                found.append((message, where, list(comments), context))
    return found


def tree_messages(payload: Sequence[dict[str, Any]]) -> list[str]:
    """The texts of the command tree a German (or any) client shows translated: descriptions and choice names."""
    texts: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("description"):
            texts.append(node["description"])
        for choice in node.get("choices", []) or []:
            texts.append(choice["name"])
        for option in node.get("options", []) or []:
            walk(option)

    for command in payload:
        walk(command)
    return texts


async def _payload() -> list[dict[str, Any]]:
    from bot.docs import synced_payload

    return await synced_payload()


def template(payload: Sequence[dict[str, Any]] | None = None) -> Catalog:
    """The template: every message of the code and of the command tree, each once."""
    catalog = _new_catalog()
    for message, where, comments, context in code_messages():
        catalog.add(message, locations=[(where, 0)], auto_comments=comments, context=context)
    for text in tree_messages(payload if payload is not None else asyncio.run(_payload())):
        catalog.add(text, locations=[(TREE, 0)])
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    """A catalog as it is written to disk: sorted, locations without line numbers, so diffs show what changed."""
    out = BytesIO()
    write_po(out, catalog, width=120, sort_output=True, include_lineno=False, ignore_obsolete=True)
    return out.getvalue()


def read(path: Path, locale: str | None = None) -> Catalog:
    """A catalog from disk."""
    with path.open("rb") as source:
        return read_po(source, locale=locale, domain=DOMAIN)


def merged(language: str, fresh: Catalog) -> Catalog:
    """`language`'s catalog brought in line with the template: new messages empty, gone ones dropped."""
    path = catalog_path(language)
    catalog = read(path, language) if path.exists() else _new_catalog(language)
    catalog.update(fresh, no_fuzzy_matching=True, update_creation_date=False)
    catalog.revision_date = _STAMP
    return catalog


def _fields(text: str) -> set[str]:
    """The named placeholders of a message."""
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as error:
        return {f"<unreadable: {error}>"}


def _tree_texts(catalog: Catalog) -> set[str]:
    return {
        message.id
        for message in catalog
        if isinstance(message.id, str) and any(where == TREE for where, _ in message.locations)
    }


def _key(message: Message) -> str:
    """A message's key with its context, as the runtime looks it up."""
    return keyed(message.id if isinstance(message.id, str) else message.id[0], message.context)


def problems(language: str, fresh: Catalog) -> list[str]:
    """What is wrong with `language`'s catalog against the template, each as one line (none: complete)."""
    path = catalog_path(language)
    if not path.exists():
        return [f"{path} is missing: run `python -m bot.i18n update`"]
    catalog = read(path, language)
    found: list[str] = []
    wanted = {_key(message): message for message in fresh if message.id}
    have = {_key(message): message for message in catalog if message.id}
    tree = _tree_texts(fresh)
    for key in sorted(set(wanted) - set(have)):
        found.append(f"{language}: not in the catalog: {key!r}")
    for key in sorted(set(have) - set(wanted)):
        found.append(f"{language}: no longer in the code: {key!r}")
    for key in sorted(set(wanted) & set(have)):
        message = have[key]
        source = wanted[key]
        if message.fuzzy:
            found.append(f"{language}: marked fuzzy (check it, then remove the mark): {key!r}")
        if isinstance(source.id, tuple) != isinstance(message.id, tuple):
            found.append(f"{language}: plural in one and not the other: {key!r}")
            continue
        raw = message.string if isinstance(message.string, tuple | list) else (message.string,)
        forms = [str(form or "") for form in raw]
        if not all(forms):
            found.append(f"{language}: not translated: {key!r}")
            continue
        if isinstance(source.id, tuple):
            if len(forms) != catalog.num_plurals:
                found.append(f"{language}: {len(forms)} plural forms, the language has {catalog.num_plurals}: {key!r}")
            singular, plural = _fields(source.id[0]), _fields(source.id[1])
            if not _fields(forms[0]) <= singular | plural or not (plural - {"n"}) <= _fields(forms[0]) | {"n"}:
                found.append(f"{language}: the singular's placeholders differ: {key!r}")
            for form in forms[1:]:
                if _fields(form) != plural:
                    found.append(f"{language}: a plural form's placeholders differ: {key!r}")
        elif isinstance(source.id, str) and _fields(forms[0]) != _fields(source.id):
            found.append(
                f"{language}: placeholders {sorted(_fields(forms[0]))}, not {sorted(_fields(str(source.id)))}: {key!r}"
            )
        if key in tree and any(len(form) > DISCORD_LIMIT for form in forms):
            found.append(f"{language}: over Discord's {DISCORD_LIMIT} characters for a command's text: {key!r}")
    for message, errors in catalog.check():
        found.extend(f"{language}: {error}: {message.id!r}" for error in errors)
    return found


def template_problems(fresh: Catalog) -> list[str]:
    """What is wrong with the code's messages themselves: an unreadable placeholder, a tree text over the limit."""
    found: list[str] = []
    if not TEMPLATE.exists() or TEMPLATE.read_bytes() != po_bytes(fresh):
        found.append(f"{TEMPLATE.relative_to(ROOT)} is stale: run `python -m bot.i18n update`")
    for message in fresh:
        for text in (message.id,) if isinstance(message.id, str) else message.id:
            if any(name.startswith("<unreadable") or not name.isidentifier() for name in _fields(text)):
                found.append(f"placeholders must be plain names in braces: {text!r}")
    return found


def languages() -> Iterable[str]:
    """The languages with a catalog of their own (English is the code's own text)."""
    return [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
