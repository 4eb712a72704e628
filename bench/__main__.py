"""`python -m bench [name ...]`: run the named benchmarks (all of them by default), one after the other."""

from __future__ import annotations

import asyncio
import importlib
import sys

BENCHMARKS = ("latency", "startup", "concurrency", "vote", "meeting", "teststart", "setup")
ON_REQUEST = ("mutation", "reminders", "pictures")  # slow, or not a measurement: only when named


def main(names: list[str]) -> int:
    """Run each benchmark's `main()`; later features add their module's name to BENCHMARKS."""
    if names == ["meeting", "--voice"]:  # the voice floor: one meeting in a voice channel
        asyncio.run(importlib.import_module("bench.meeting").voice_main())
        return 0
    if names == ["meeting", "--postgresql"]:  # the hand-over on SQLite beside PostgreSQL
        asyncio.run(importlib.import_module("bench.meeting").databases_main())
        return 0
    if names[:1] == ["pictures"]:  # the manual's pictures (--check: CI's quick proof that the script still runs)
        asyncio.run(importlib.import_module("bench.pictures").main(names[1:]))
        return 0
    if names[:1] == ["reminders"]:  # 10,000 groups at once (--groups N for fewer, --postgresql, --processes N)
        asyncio.run(importlib.import_module("bench.reminders").main(names[1:]))
        return 0
    unknown = [name for name in names if name not in BENCHMARKS + ON_REQUEST]
    if unknown:
        choices = ", ".join(BENCHMARKS + ON_REQUEST)
        sys.stderr.write(f"unknown benchmark {', '.join(unknown)}; choose from {choices}\n")
        return 2
    for name in names or BENCHMARKS:
        sys.stdout.write(f"\n## {name}\n\n")
        sys.stdout.flush()
        asyncio.run(importlib.import_module(f"bench.{name}").main())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
