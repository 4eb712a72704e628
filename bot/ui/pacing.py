"""Pacing for Discord's per-channel and per-guild limits that it does not always announce.

discord.py waits out a bucket it learns of from response headers, but several of the limits the meeting meets are
sub-limits Discord keeps out of the headers (FACTS §1j): the client only learns of them from a 429. The bot paces
itself within the observed numbers instead, so a meeting driven as fast as people click never meets one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limit:
    """At most `calls` in any `per` seconds."""

    calls: int
    per: float


OBSERVED_LIMITS: dict[str, Limit] = {
    # Read off response headers and library source by others, not documented by Discord (FACTS §1j, §1b).
    "overwrite": Limit(10, 15.0),  # PUT and DELETE of a channel's permission overwrites, per channel
    "message_create": Limit(5, 5.0),  # per channel
    "message_edit": Limit(5, 5.0),  # per channel
    "member_edit": Limit(10, 10.0),  # server mute, deafen and move, per guild
    # Documented (topics/rate-limits.mdx): 50 requests per second per bot, across every route. Announced with a
    # 429 when met, which discord.py waits out, but a burst of scheduled posts should never meet it.
    "global": Limit(50, 1.0),
    "voice_state": Limit(5, 5.0),  # Stage suppress of others, for the whole bot (hata GROUP_VOICE_STATE_ACTION)
}
GLOBAL = "global"


@dataclass
class Slot:
    """One call's turn: whether it had to wait for room, and whether a call was made after all."""

    waited: bool = False
    used: bool = field(default=True)

    def unused(self) -> None:
        """Nothing was sent (it would have changed nothing): the slot does not count against the limit."""
        self.used = False


HOLD = 35.0
"""Seconds one call may hold its slot: discord.py waits out a 429 for up to 30 s (`max_ratelimit_timeout`)."""


def scaled(scale: float) -> dict[str, Limit]:
    """The observed limits with every window shrunk by `scale` (a fake Discord's realistic mode, in tests)."""
    return {kind: Limit(limit.calls, limit.per * scale) for kind, limit in OBSERVED_LIMITS.items()}


def global_share(limits: dict[str, Limit], served: int, shard_count: int) -> dict[str, Limit]:
    """The limits of a process serving `served` of `shard_count` shards: its share of the bot's global budget.

    Discord counts the 50 requests a second once for the whole bot, whichever process sends them; dividing it by
    shards keeps every process within its share with no traffic between them (at least one request a second each).
    """
    budget = limits.get(GLOBAL)
    if budget is None or served >= shard_count:
        return limits
    share = Limit(max(1, budget.calls * served // shard_count), budget.per)
    return {**limits, GLOBAL: share}


class Pacer:
    """Keeps each key's calls within its limit, one call at a time per key, in the order they asked.

    A sliding log rather than a leaky bucket: Discord counts in fixed windows that start with a call, and a bucket
    that refills steadily would let an eleventh call into a window of ten. A call counts from the moment its answer
    came back, which is no earlier than Discord counted it, so clocks on either side never disagree about a window.
    """

    def __init__(self, limits: dict[str, Limit] | None = None, *, hold: float = HOLD) -> None:
        self._limits = OBSERVED_LIMITS if limits is None else limits
        self._hold = hold
        self._clock = time.monotonic
        self._done: dict[tuple[str, Hashable], deque[float]] = {}
        self._locks: dict[tuple[str, Hashable], asyncio.Lock] = {}
        self._sent: deque[float] = deque()
        self._in_flight = 0
        self._room = asyncio.Condition()

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """Wait until one more request fits the bot's global limit; unlike `slot`, many may be in flight at once.

        A request in flight holds its place in the window, and counts from the moment its answer came back (no
        earlier than Discord counted it), so however the network delays them, Discord never sees one too many.
        """
        limit = self._limits.get(GLOBAL)
        if limit is None:
            yield
            return
        async with self._room:
            while True:
                now = self._clock()
                while self._sent and self._sent[0] + limit.per <= now:
                    self._sent.popleft()
                if len(self._sent) + self._in_flight < limit.calls:
                    self._in_flight += 1
                    break
                wait = self._sent[0] + limit.per - now if self._sent else None
                with contextlib.suppress(TimeoutError):  # the oldest request left the window: look again
                    await asyncio.wait_for(self._room.wait(), wait)
        try:
            yield
        finally:
            async with self._room:
                self._in_flight -= 1
                self._sent.append(self._clock())
                self._room.notify_all()

    @asynccontextmanager
    async def slot(self, kind: str, scope: Hashable) -> AsyncIterator[Slot]:
        """Wait until a call of `kind` (for this channel or guild) fits its limit, then hold the slot while it runs."""
        slot = Slot()
        limit = self._limits.get(kind)
        if limit is None:
            yield slot
            return
        key = (kind, scope)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            done = self._done.setdefault(key, deque())
            while done and done[0] + limit.per <= self._clock():
                done.popleft()  # out of every window that matters now: at most `calls` are kept per key
            if len(done) >= limit.calls:
                slot.waited = True
                await asyncio.sleep(done[0] + limit.per - self._clock())
                done.popleft()
            try:
                # A call that hangs must not hold up the channel's floor: it fails, and is retried as due work.
                async with asyncio.timeout(self._hold):
                    yield slot
            finally:
                if slot.used:
                    done.append(self._clock())
