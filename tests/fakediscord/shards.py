"""Discord's sharding as the fake gateway applies it: who gets which event, and which IDENTIFYs it refuses.

What Discord documents, and the fake follows (discord-api-docs, docs/events/gateway.mdx, sections "Sharding",
"Max Concurrency", "Identifying", "Rate Limiting", "Get Gateway Bot"; close codes in
docs/topics/opcodes-and-status-codes):

- An IDENTIFY may carry ``shard: [shard_id, num_shards]``; the guild events of guild ``g`` go to the sessions
  whose ``shard_id == (g >> 22) % num_shards``, and events without a ``guild_id`` (DMs among them) to shard 0
  only. An IDENTIFY without ``shard`` is shard ``[0, 1]``: it owns every guild.
- A shard that makes no sense (a negative id, an id not below the count, a count below 1) is closed with
  4010 *Invalid Shard*. A session that would handle more guilds than a shard may (2,500) is closed with
  4011 *Sharding Required*.
- ``GET /gateway/bot`` answers ``url``, the recommended ``shards`` and ``session_start_limit``
  ``{total, remaining, reset_after, max_concurrency}``: ``max_concurrency`` IDENTIFYs per 5 seconds, one for
  each rate-limit key ``shard_id % max_concurrency``. An IDENTIFY beyond that is answered with op 9 Invalid
  Session (the docs say so in both "Identifying" and "Rate Limiting"); the client waits and identifies again.
- ``total`` IDENTIFYs (1,000) a day, RESUMEs not counted. The docs say that on hitting the limit every active
  session is terminated and the bot's token is reset (the owner gets an email). They give no close code: the
  fake closes the sessions with 4004 *Authentication failed*, which is what the old token meets from then on,
  and makes a new token (``FakeDiscord.token``).

Where the fake chooses, since Discord does not say: an IDENTIFY refused with 4010, 4011 or op 9 spends
none of the budget nor the 5-second slot; the 5-second rule applies only to IDENTIFYs that carry ``shard`` (so
a single-process test may restart its bot at once, as before); and a new IDENTIFY ends an older session of the
very same ``[shard_id, num_shards]`` (Discord lets them live side by side until the older one's resume window
passes, but a dead predecessor receives nothing either way).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from tests.fakediscord.ids import fake_time, snowflake

Json = dict[str, Any]

IDENTIFY_INTERVAL = 5.0
"""Seconds in which each rate-limit key may IDENTIFY once (Discord's "per 5 seconds")."""
SESSION_STARTS = 1000
"""IDENTIFYs allowed in a budget window (Discord's daily 1,000 for a bot under large-bot sharding)."""
BUDGET_WINDOW = 24 * 60 * 60.0
"""The budget window in seconds (a day), by Discord's clock."""
MAX_GUILDS_PER_SHARD = 2500
"""Guilds one session may handle before Discord requires sharding."""
INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011
AUTHENTICATION_FAILED = 4004


def shard_for(guild_id: int, shard_count: int) -> int:
    """The shard that receives a guild's events: ``(guild_id >> 22) % shard_count``."""
    return (guild_id >> 22) % shard_count


def snowflake_on_shard(shard_id: int, shard_count: int) -> int:
    """A new snowflake, made a few milliseconds back if need be, whose guild would belong to ``shard_id``."""
    now = fake_time()
    for step in range(shard_count * 4):
        candidate = snowflake(now - step / 1000)
        if shard_for(candidate, shard_count) == shard_id:
            return candidate
    raise AssertionError(f"no snowflake for shard {shard_id} of {shard_count}")  # pragma: no cover


def guild_of(event: str, data: Any) -> int | None:
    """The guild an event belongs to (its ``guild_id``, or ``id`` for the guild events themselves), or None."""
    if not isinstance(data, dict):
        return None
    raw = data.get("id") if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE") else data.get("guild_id")
    return int(raw) if raw else None


def parse_shard(raw: Any) -> tuple[int, int] | None:
    """``[shard_id, num_shards]`` from an IDENTIFY as a pair, or None when it is not a valid one."""
    if raw is None:
        return (0, 1)
    if not isinstance(raw, list | tuple) or len(raw) != 2 or not all(isinstance(x, int) for x in raw):
        return None
    shard_id, count = int(raw[0]), int(raw[1])
    if count < 1 or not 0 <= shard_id < count:
        return None
    return shard_id, count


@dataclass
class IdentifyRefusal:
    """An IDENTIFY the fake turned down: the shard asked for, the close code (or 9 for op 9) and why."""

    shard: Any
    code: int
    reason: str


class ShardRules:
    """The gateway's sharding settings and its IDENTIFY budgets; tests change the attributes to shape Discord.

    ``recommended_shards`` is what ``GET /gateway/bot`` answers in ``shards`` (by default the fewest shards that
    satisfy ``required_shards`` and ``max_guilds_per_shard``, so 1); ``required_shards`` closes with 4011 an
    IDENTIFY with fewer shards; ``identify_interval`` shrinks Discord's 5 seconds so a test runs fast.
    """

    def __init__(self) -> None:
        self.recommended_shards: int | None = None
        self.required_shards = 1
        self.max_guilds_per_shard = MAX_GUILDS_PER_SHARD
        self.max_concurrency = 1
        self.identify_interval = IDENTIFY_INTERVAL
        self.total = SESSION_STARTS
        self.remaining = SESSION_STARTS
        self.budget_window = BUDGET_WINDOW
        self.refusals: list[IdentifyRefusal] = []
        self._window_started: float | None = None
        self._last_identify: dict[int, float] = {}

    def recommended(self, guild_count: int) -> int:
        """The ``shards`` field of ``GET /gateway/bot``."""
        if self.recommended_shards is not None:
            return self.recommended_shards
        return max(1, self.required_shards, math.ceil(guild_count / self.max_guilds_per_shard))

    def _refresh(self) -> None:
        started = self._window_started
        if started is not None and fake_time() - started >= self.budget_window:
            self.remaining = self.total
            self._window_started = None

    def session_start_limit(self) -> Json:
        """The ``session_start_limit`` object: ``reset_after`` in milliseconds, by Discord's clock."""
        self._refresh()
        started = self._window_started
        left = self.budget_window if started is None else self.budget_window - (fake_time() - started)
        return {
            "total": self.total,
            "remaining": self.remaining,
            "reset_after": max(0, int(left * 1000)),
            "max_concurrency": self.max_concurrency,
        }

    def refuse(self, shard: Any, code: int, reason: str) -> IdentifyRefusal:
        """Note a refused IDENTIFY and return it."""
        refusal = IdentifyRefusal(shard, code, reason)
        self.refusals.append(refusal)
        return refusal

    def check(self, raw_shard: Any, guilds: list[int]) -> IdentifyRefusal | tuple[int, int]:
        """Judge an IDENTIFY's ``shard`` against the world's guild ids: the shard to open, or why not.

        A spent budget is answered with code 4004 (the caller terminates every session and resets the token);
        a shard key that identified less than ``identify_interval`` seconds ago with code 9 (op 9).
        """
        shard = parse_shard(raw_shard)
        if shard is None:
            return self.refuse(raw_shard, INVALID_SHARD, "Invalid shard.")
        shard_id, count = shard
        handled = sum(1 for guild_id in guilds if shard_for(guild_id, count) == shard_id)
        if count < self.required_shards or handled > self.max_guilds_per_shard:
            return self.refuse(raw_shard, SHARDING_REQUIRED, "Sharding required.")
        self._refresh()
        if self.remaining <= 0:
            return self.refuse(raw_shard, AUTHENTICATION_FAILED, "session start limit spent: the token was reset")
        key = shard_id % self.max_concurrency
        last = self._last_identify.get(key)
        if raw_shard is not None and last is not None and time.monotonic() - last < self.identify_interval:
            return self.refuse(raw_shard, 9, f"rate-limit key {key} identified less than {self.identify_interval}s ago")
        return shard

    def spend(self, shard: tuple[int, int]) -> None:
        """Count an accepted IDENTIFY against the budget and its rate-limit key's slot."""
        if self._window_started is None:
            self._window_started = fake_time()
        self.remaining -= 1
        self._last_identify[shard[0] % self.max_concurrency] = time.monotonic()
