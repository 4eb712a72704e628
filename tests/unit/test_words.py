"""Plural nouns read right everywhere, and a mention typed into member text is shown, not escaped into a number."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from bot.domain.words import cut, mentioned, plural, with_people

ROOT = Path(__file__).resolve().parents[2]
COUNTED = re.compile(
    r"\{(?P<count>[^{}]+)\} (?:votes|rounds|actions|bids|members|meetings|ballots|points|minutes|hours|days|weeks"
    r"|servers|requests|people)\b"
)
HAND_MADE = re.compile(r"""['"]s['"] if [^'"]*!= ?1|\w\(s\)""")
"""A plural made by hand ("s" if n != 1, "member(s)"): `plural` says it once."""
NEVER_ONE = {
    "MIN_WEEKS",
    "MAX_WEEKS",
    "CYCLE_MIN",
    "CYCLE_MAX",
    "MAX_ACTIONS",
    "MAX_EXTEND_MINUTES",
    "MAX_BREAK_MINUTES",
    "ledger.length",  # a cycle is 4 to 8 meetings
    "group.cycle_length",
    "min_size",  # a group's size is 2 to 7: "2 to 7 members"
    "s.max_size",
    "group.max_size",
    "self.max_size",
    "member_count",  # only said when above the maximum
    "self.weeks",  # "Weekly" when it is one
    "state.seats",  # "a round" when it is one
    "view.open_bids",  # "One bid is in so far" when it is one
    "whose",  # "Your actions", "<@id>'s actions": not a count
    "SERVER_GRACE.days",  # 30
    "KEEP_DAYS_DEFAULT",  # 180
}
"""Counts read before a plural noun that are never 1 (a bound, or said otherwise when 1)."""


def test_plural_says_one_thing_or_many() -> None:
    assert plural(1, "vote") == "1 vote"
    assert plural(0, "round") == "0 rounds"
    assert plural(2, "action") == "2 actions"
    assert plural(3, "person", "people") == "3 people"


def _sources() -> Iterator[tuple[str, str]]:
    """Each module of the bot and the cogs, by its path, with its text."""
    for path in sorted([*ROOT.glob("bot/**/*.py"), *ROOT.glob("cogs/**/*.py")]):
        yield path.relative_to(ROOT).as_posix(), path.read_text()


def test_no_count_reads_1_votes_anywhere_members_read() -> None:
    found = []
    for relative, source in _sources():
        for number, line in enumerate(source.splitlines(), start=1):
            found += [
                f"{relative}:{number}: {line.strip()}"
                for match in COUNTED.finditer(line)
                if match["count"].strip() not in NEVER_ONE and match["count"].strip() != "n"
            ]
            if HAND_MADE.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    # `{n}` is a counted message's own count (`tn`, `msgn`): the reader's language picks its form.
    assert found == [], "say the count with tn/msgn (a counted message):\n" + "\n".join(found)


def test_a_mention_typed_into_text_is_shown_by_whoever_draws_it() -> None:
    text = "Talk to <@157812345678901234> and <@!157812345678901235> about *it*"
    names = {157812345678901234: "Ann Lee"}

    def person(user_id: int) -> str:
        return "@" + names.get(user_id, "someone who left")

    assert mentioned(text) == {157812345678901234, 157812345678901235}
    shown = with_people(text, person, lambda part: part.replace("*", "\\*"))
    assert shown == "Talk to @Ann Lee and @someone who left about \\*it\\*"


def test_a_cut_never_ends_inside_a_mention() -> None:
    text = "Ask <@157812345678901234> for feedback"
    assert cut(text, 100) == text
    assert cut(text, 12) == "Ask…"
    assert cut(text, 30) == "Ask <@157812345678901234> for…"


BARE_HOLDER = re.compile(r"(?<!issue )(?<!issue's )\bholders?\b")
"""'The holder' on its own is our shorthand; members read 'the issue holder', as the method says."""


def _said(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string a module shows, without docstrings."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_members_read_issue_holder_never_holder_alone() -> None:
    found = []
    for relative, source in _sources():
        found += [
            f"{relative}:{line}: {text}"
            for line, text in _said(ast.parse(source))
            if BARE_HOLDER.search(text) and " " in text
        ]
    assert found == [], "\n".join(found)
