"""The real bot (`python -m bot`), also writing down each message it drew without a translation, as it draws it.

`bot.i18n.MISSING` collects (language, key) of every message drawn in a language whose catalog had no words for it;
the bot runs in its own process, so a test cannot read that set. Run as a script, this replaces the set with one
that also appends each new entry, as a line of JSON, to the file named by `SETKEEPER_UNTRANSLATED_FILE`, then starts
the bot exactly as `python -m bot` does. `untranslated(path)` reads the file back.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

UNTRANSLATED_FILE = "SETKEEPER_UNTRANSLATED_FILE"


class WrittenDown(set[tuple[str, ...]]):
    """A set of (language, key) that appends each new member to a file, so another process can read it."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def add(self, item: tuple[str, ...]) -> None:
        """Keep `item`, and write it down the first time it comes."""
        if item in self:
            return
        super().add(item)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(list(item), ensure_ascii=False) + "\n")


def untranslated(path: Path) -> set[tuple[str, ...]]:
    """(language, key) of each message the bot drew without a translation so far (as `bot.i18n.MISSING` has it)."""
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {tuple(str(part) for part in json.loads(line)) for line in lines if line}


def main() -> int:
    """Start the bot with its untranslated messages written down."""
    import bot.i18n
    from bot.__main__ import main as bot_main

    bot.i18n.MISSING = WrittenDown(Path(os.environ[UNTRANSLATED_FILE]))
    return bot_main([])


if __name__ == "__main__":
    # Run as a script, this folder heads sys.path: its modules (server, routes, ...) must not stand in for others.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    sys.exit(main())
