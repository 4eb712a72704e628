"""Pacing within Discord's unannounced limits: never more calls in a window than the limit, unused slots free."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.ui.pacing import OBSERVED_LIMITS, Limit, Pacer, scaled

pytestmark = pytest.mark.alone  # each test asserts how long the pacer made calls wait
WINDOW = 0.3


async def _calls(pacer: Pacer, count: int, *, use: bool = True) -> list[float]:
    started: list[float] = []

    async def call() -> None:
        async with pacer.slot("overwrite", 1) as slot:
            started.append(time.monotonic())
            if not use:
                slot.unused()

    await asyncio.gather(*(call() for _ in range(count)))
    return started


async def test_calls_beyond_the_limit_wait_for_the_window_to_pass() -> None:
    started = await _calls(Pacer({"overwrite": Limit(3, WINDOW)}), 5)
    assert started[3] - started[0] >= WINDOW
    assert started[2] - started[0] < WINDOW, "the first three go at once"
    for first, fourth in zip(started, started[3:], strict=False):
        assert fourth - first >= WINDOW, "never four in one window"


async def test_a_slot_that_sent_nothing_does_not_count() -> None:
    pacer = Pacer({"overwrite": Limit(2, WINDOW)})
    began = time.monotonic()
    await _calls(pacer, 6, use=False)
    await _calls(pacer, 2)
    assert time.monotonic() - began < WINDOW


async def test_other_channels_and_kinds_have_their_own_room() -> None:
    pacer = Pacer({"overwrite": Limit(1, WINDOW)})
    began = time.monotonic()
    for scope in (1, 2, 3):
        async with pacer.slot("overwrite", scope):
            pass
    async with pacer.slot("not limited", 1):
        pass
    assert time.monotonic() - began < WINDOW


def test_scaling_shrinks_every_window_and_keeps_the_counts() -> None:
    shrunk = scaled(0.1)
    assert {kind: (limit.calls, round(limit.per * 10, 6)) for kind, limit in shrunk.items()} == {
        kind: (limit.calls, limit.per) for kind, limit in OBSERVED_LIMITS.items()
    }
    assert OBSERVED_LIMITS["overwrite"] == Limit(10, 15.0)


async def test_a_call_that_hangs_gives_its_slot_back() -> None:
    pacer = Pacer({"overwrite": Limit(10, WINDOW)}, hold=0.05)
    with pytest.raises(TimeoutError):
        async with pacer.slot("overwrite", 1):
            await asyncio.sleep(5)
    began = time.monotonic()
    async with pacer.slot("overwrite", 1):
        pass
    assert time.monotonic() - began < WINDOW, "the channel is free again"


async def test_the_global_limit_lets_calls_overlap_but_never_more_than_its_count_in_a_window() -> None:
    pacer = Pacer({"global": Limit(4, WINDOW)})
    spans: list[tuple[float, float]] = []

    async def call() -> None:
        async with pacer.admit():
            began = time.monotonic()
            await asyncio.sleep(0.05)
            spans.append((began, time.monotonic()))

    first = time.monotonic()
    await asyncio.gather(*(call() for _ in range(10)))
    starts = sorted(start for start, _ in spans)
    assert starts[3] - first < 0.05, "the first four go at once, in flight together"
    for start, _ in spans:
        # Discord counts a call no later than its answer: those answered within the window before this one began,
        # and those still in flight, take room; with this one they never make more than four.
        counted = [other for other in spans if other[0] < start and start - WINDOW < other[1]]
        assert len(counted) <= 3
    first_end = min(end for _, end in spans)
    assert starts[4] >= first_end + WINDOW - 0.01, "the fifth waits for the first answer's window to pass"


async def test_without_a_global_limit_nothing_waits() -> None:
    pacer = Pacer({})
    began = time.monotonic()
    for _ in range(100):
        async with pacer.admit():
            pass
    assert time.monotonic() - began < 0.1
