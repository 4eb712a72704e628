"""Mutation testing of bot/domain and bot/services with mutmut: how many deliberate breakages the fast tests catch.

Run by hand, never in CI (about half an hour on two cores): `python -m bench mutation`. The configuration is
`[tool.mutmut]` in pyproject.toml: mutants of bot/domain and bot/services, killed by tests/unit, tests/service and
tests/cogs on SQLite. mutmut keeps its work in mutants/ and reuses results for code that did not change; delete
that folder for a clean run. `mutmut results` then lists the survivors and `mutmut show NAME` shows one.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.85


def _mutmut() -> str:
    found = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or shutil.which("mutmut")
    if found is None:
        raise SystemExit("mutmut is not installed: pip install -e '.[dev]'")
    return found


def score(stats: dict[str, int]) -> tuple[int, int]:
    """Killed and counted mutants; a timeout or crash counts as killed (the tests noticed)."""
    killed = stats.get("killed", 0) + stats.get("timeout", 0) + stats.get("segfault", 0)
    counted = killed + stats.get("survived", 0) + stats.get("no_tests", 0) + stats.get("suspicious", 0)
    return killed, counted


async def main() -> None:
    """Run mutmut on SQLite over both cores, then print the score and the survivors."""
    await asyncio.to_thread(run)


def run() -> None:
    """The whole run, blocking: mutmut's own progress line, then the survivors, the score and the time taken."""
    mutmut = _mutmut()
    env = {**os.environ, "SETKEEPER_TEST_DB": "sqlite"}
    started = time.monotonic()
    children = str(os.cpu_count() or 2)
    subprocess.run([mutmut, "run", "--max-children", children], cwd=ROOT, env=env, check=False)
    minutes = (time.monotonic() - started) / 60
    subprocess.run([mutmut, "export-cicd-stats"], cwd=ROOT, env=env, check=True, capture_output=True)
    stats = json.loads((ROOT / "mutants" / "mutmut-cicd-stats.json").read_text())
    killed, counted = score(stats)
    survivors = subprocess.run([mutmut, "results"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    print(survivors.stdout.rstrip())
    print(f"\nmutation score: {killed}/{counted} killed ({killed / max(counted, 1):.1%}, target {TARGET:.0%})")
    print(f"details: {json.dumps(stats, sort_keys=True)}")
    print(f"run time: {minutes:.1f} min")
