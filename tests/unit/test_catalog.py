"""Every word a member reads comes from the catalog, and every catalog says all of it.

The catalogs (`bot/locales`) are checked as `python -m bot.i18n check` does: the template is current, every key of
the English template is in German and the reverse, placeholders match, plural forms are complete (Babel's own
checkers too), and a command's translated text fits Discord's 100 characters. A lint over the string literals of the
code members read (cogs, renderers, services, domain) finds words written outside the catalog.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from bot import i18n
from bot.i18n.catalog import languages, problems, template, template_problems, tree_messages

ROOT = Path(__file__).resolve().parents[2]

MEMBER_FACING = ("cogs", "bot/ui", "bot/services", "bot/domain", "bot/app.py", "bot/db/uow.py")
"""Where the words members read are written (the operator's command line, settings and logs stay English)."""
OPERATOR_ONLY = {
    "bot/services/retention.py",  # log lines only
    "bot/domain/text.py",  # the message type itself
    "bot/ui/translator.py",
    "bot/ui/discord_clock.py",  # log lines for the operator
}
MARKERS = {"msg", "msgn", "t", "tn", "msgc", "tc"}
TREE_CALLS = {"describe", "command", "Group", "Choice", "group", "choices", "context_menu"}
NOT_TEXT_CALLS = {"cast", "TypeVar", "NewType", "getLogger", "getattr", "setattr", "hasattr", "get_cog"}
"""The command tree's texts: extracted from the tree itself (`tree_messages`), shown by Discord's translation."""
PROGRAMMER_ERRORS = {
    "ValueError",
    "TypeError",
    "RuntimeError",
    "KeyError",
    "AssertionError",
    "NotImplementedError",
    "LookupError",
    "AttributeError",
}
BODIES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
LOGGING = {"debug", "info", "warning", "error", "exception", "critical", "log"}
WORDS = re.compile(r"[A-Za-z]{2,}['\u2019]?[a-z]*[,.;:!?)]?\s+[(\"*_`]*[A-Za-z]{2,}")
LABEL = re.compile(r"^[A-Z][a-z]{2,}[.!?…]?$")
"""A one-word label a person reads ("Done", "Pass"): capitalised, as buttons and headings are."""

EXCEPTIONS: dict[str, set[str]] = {
    "cogs/groups/_history_chart.py": {"upper center", "offset points"},  # matplotlib's names for a place, not words
    "bot/domain/shards.py": {"shard  of ", "shards  of "},  # the operator's log line ("shards 0, 1 of 4")
    "bot/app.py": {  # `where_i_am`: the operator's log line at start-up
        "I am in no server yet: invite me with the link in the README",
        "I am in no server yet: invite me with ",
        " and  more",
        "I am in : ",
    },
    "bot/db/uow.py": {"SELECT pg_notify(:channel, :guild)"},  # SQL
}
"""Literals members may read that are not words of any language, by file (each with the reason beside it)."""


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _exempt(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether a literal is a catalog key, a log line, a programmer's error, the command tree's or a docstring."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Call):
            name = _call_name(parent)
            if name in MARKERS and parent.args and child is parent.args[0]:
                return True
            if name in {"msgn", "tn", "msgc", "tc"} and len(parent.args) > 1 and child is parent.args[1]:
                return True
            if name in LOGGING and isinstance(parent.func, ast.Attribute):
                return True
            if name in TREE_CALLS or name in PROGRAMMER_ERRORS or name in NOT_TEXT_CALLS:
                return True
        if (
            isinstance(parent, ast.Expr)
            and child is parent.value
            and isinstance(child, ast.Constant)
            and isinstance(parents.get(parent), ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        ):
            return True  # a docstring (of a module, class, function or attribute)
        if (
            isinstance(parent, ast.Compare | ast.Subscript | ast.arg | ast.keyword)
            and isinstance(parent, ast.keyword)
            and parent.arg in {"custom_id", "template", "extra", "emoji"}
        ):
            return True
        if isinstance(parent, ast.Compare | ast.Subscript):
            return True
        if isinstance(parent, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in parent.targets
        ):
            return True
        if isinstance(parent, ast.AnnAssign) and child is parent.annotation:
            return True
        child, parent = parent, parents.get(parent)
    return False


def _text_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value for part in node.values if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    return None


def loose_words() -> Iterator[tuple[str, int, str]]:
    """Each literal with words in it, outside the catalog: (file, line, the literal)."""
    for folder in MEMBER_FACING:
        where = ROOT / folder
        for path in [where] if where.is_file() else sorted(where.rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in OPERATOR_ONLY:
                continue
            tree = ast.parse(path.read_text())
            parents = _parents(tree)
            for node in ast.walk(tree):
                if isinstance(parents.get(node), ast.JoinedStr):
                    continue  # judged as part of its f-string
                text = _text_of(node)
                if text is None or not (WORDS.search(text) or LABEL.match(text.strip())):
                    continue
                if text in EXCEPTIONS.get(relative, set()) or _exempt(node, parents):
                    continue
                yield relative, getattr(node, "lineno", 0), text


def test_no_word_a_member_reads_is_written_outside_the_catalog() -> None:
    found = [f"{file}:{line}: {text[:70]!r}" for file, line, text in loose_words()]
    assert not found, f"{len(found)} literals members read are not in the catalog:\n" + "\n".join(found)


@pytest.fixture(scope="module")
def fresh() -> Catalog:
    return template()


def test_the_template_is_the_code_and_the_command_tree_now(fresh: Catalog) -> None:
    assert template_problems(fresh) == []


@pytest.mark.parametrize("language", list(languages()))
def test_every_key_is_in_each_language_and_the_reverse_with_its_placeholders_and_plurals(
    fresh: Catalog, language: str
) -> None:
    assert problems(language, fresh) == []


def test_a_translated_command_text_reaches_discord_and_a_name_stays_english() -> None:
    de = i18n.render(i18n.msg("See or change a group's settings (facilitator)"), "de")
    assert de != "See or change a group's settings (facilitator)"
    assert tree_messages(
        [
            {
                "name": "group",
                "description": "d",
                "options": [{"name": "x", "description": "o", "choices": [{"name": "c", "value": 1}]}],
            }
        ]
    ) == ["d", "o", "c"]


def test_the_checks_name_each_kind_of_fault_in_a_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from babel.messages.catalog import Catalog as BabelCatalog

    from bot.i18n import catalog as checks

    fresh = BabelCatalog(domain="messages")
    fresh.add("No group called {name} here.", locations=[("cogs/x.py", 0)])
    fresh.add(("{n} vote", "{n} votes"), locations=[("cogs/x.py", 0)])
    fresh.add("Choose a group", locations=[(checks.TREE, 0)])
    fresh.add("Gone from the German", locations=[("cogs/x.py", 0)])
    german = BabelCatalog(locale="de", domain="messages")
    german.add("No group called {name} here.", "Keine Gruppe namens {nom} hier.")  # a placeholder renamed
    german.add(("{n} vote", "{n} votes"), ("{n} Stimme", ""))  # a plural form left out
    german.add("Choose a group", "W" * 101)  # past Discord's 100 characters for a command's text
    german.add("Not in the code any more", "Nicht mehr im Code")
    path = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_bytes(checks.po_bytes(german))
    monkeypatch.setattr(checks, "catalog_path", lambda language: tmp_path / language / "LC_MESSAGES" / "messages.po")
    found = "\n".join(checks.problems("de", fresh))
    assert "placeholders ['nom'], not ['name']: 'No group called {name} here.'" in found
    assert "not translated: '{n} vote'" in found
    assert "over Discord's 100 characters for a command's text: 'Choose a group'" in found
    assert "not in the catalog: 'Gone from the German'" in found
    assert "no longer in the code: 'Not in the code any more'" in found
