"""`python -m bot.i18n extract | update | check`: keep the catalogs in step with the code (see bot/i18n/catalog.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bot.i18n.catalog import TEMPLATE, languages, merged, po_bytes, problems, template, template_problems


def main(argv: Sequence[str] | None = None) -> int:
    """Run one of the three verbs; `check` exits 1 with a line per problem."""
    args = list(sys.argv[1:] if argv is None else argv)
    verb = args[0] if args else "check"
    if verb not in ("extract", "update", "check"):
        print("usage: python -m bot.i18n extract | update | check", file=sys.stderr)  # noqa: T201
        return 2
    fresh = template()
    if verb in ("extract", "update"):
        TEMPLATE.write_bytes(po_bytes(fresh))
    if verb == "update":
        from bot.i18n import catalog_path

        for language in languages():
            path = catalog_path(language)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(po_bytes(merged(language, fresh)))
    if verb == "check":
        found = template_problems(fresh) + [line for language in languages() for line in problems(language, fresh)]
        for line in found:
            print(line)  # noqa: T201
        print(f"{len(found)} problems" if found else "the catalogs are complete")  # noqa: T201
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
