"""Discord's observed REST rate limits as fixed-window buckets, for the opt-in realistic mode of the fake.

The numbers are the ones in the design notes (FACTS.md §1b and §1j): Discord does not document them, others
read them from response headers, so they are a model to plan with, not a promise.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BucketRule:
    """Requests to ``routes`` share ``limit`` per ``per`` seconds for each value of the ``scope`` route parameter.

    An empty ``scope`` makes one window for the whole bot, whatever the guild or channel.
    """

    name: str
    routes: frozenset[tuple[str, str]]
    limit: int
    per: float
    scope: str

    @property
    def hash(self) -> str:
        """The ``X-RateLimit-Bucket`` value: one per rule, whatever the channel or guild, as Discord's are."""
        return hashlib.sha256(self.name.encode()).hexdigest()[:32]


def _rule(name: str, limit: int, per: float, scope: str, *routes: str) -> BucketRule:
    pairs = frozenset((r.split(" ", 1)[0], r.split(" ", 1)[1]) for r in routes)
    return BucketRule(name, pairs, limit, per, scope)


OBSERVED_RULES: tuple[BucketRule, ...] = (
    # PUT and DELETE share one bucket (hata GROUP_PERMISSION_OVERWRITE_MODIFY; discord-api-docs#2190).
    _rule(
        "permission_overwrite",
        10,
        15.0,
        "channel_id",
        "PUT /channels/{channel_id}/permissions/{overwrite_id}",
        "DELETE /channels/{channel_id}/permissions/{overwrite_id}",
    ),
    _rule("message_create", 5, 5.0, "channel_id", "POST /channels/{channel_id}/messages"),
    _rule("message_edit", 5, 5.0, "channel_id", "PATCH /channels/{channel_id}/messages/{message_id}"),
    # The bucket for messages under 10 s old, which a 404 also uses (discord-api-docs#8330).
    _rule("message_delete", 5, 1.0, "channel_id", "DELETE /channels/{channel_id}/messages/{message_id}"),
    # Mute, deafen and move share it (hata GROUP_USER_MODIFY; discord-api-docs#2204).
    _rule("member_modify", 10, 10.0, "guild_id", "PATCH /guilds/{guild_id}/members/{user_id}"),
    # Stage suppress is not a member edit: hata (hata/discord/http/rate_limit_groups.py, GROUP_VOICE_STATE_ACTION)
    # puts the voice-state routes, one's own and another's, in one group of their own with a bot-wide limiter,
    # 15 per 5 s for the group but 5 per 5 s observed on editing another's; the stricter number is kept here.
    _rule(
        "voice_state",
        5,
        5.0,
        "",
        "PATCH /guilds/{guild_id}/voice-states/{user_id}",
        "PATCH /guilds/{guild_id}/voice-states/@me",
    ),
    _rule(
        "member_role",
        10,
        10.0,
        "guild_id",
        "PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}",
        "DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}",
    ),
)
GLOBAL_LIMIT = 50
GLOBAL_PER = 1.0
# Interaction callbacks and follow-ups do not count against the global limit (topics/rate-limits.mdx).
GLOBAL_EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")


@dataclass
class _Window:
    count: int = 0
    resets_at: float = 0.0


@dataclass
class Verdict:
    """What the limiter decided for one request: the bucket it fell in, its headers, and whether it is refused."""

    bucket: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float = 0.0
    refused: bool = False
    is_global: bool = False

    def body(self) -> dict[str, object]:
        """Discord's 429 body."""
        return {"message": "You are being rate limited.", "retry_after": self.retry_after, "global": self.is_global}


class RateLimiter:
    """Counts requests per bucket and refuses those over the limit, with Discord's headers.

    ``time_scale`` shrinks every window (0.1 makes 10 per 15 s into 10 per 1.5 s) so a test runs in seconds.
    ``announced=False`` keeps a bucket's limit out of the headers, as Discord does for its sub-limits
    (discord-api-docs#1900, #2190): the client then learns of it only from the 429.
    """

    def __init__(self, *, time_scale: float = 1.0, announced: bool = True) -> None:
        self.time_scale = time_scale
        self.announced = announced
        self._windows: dict[tuple[str, str], _Window] = {}
        self._global = _Window()

    def _take(self, window: _Window, limit: int, per: float, now: float) -> tuple[bool, float]:
        if now >= window.resets_at:
            window.count = 0
            window.resets_at = now + per * self.time_scale
        if window.count >= limit:
            return False, window.resets_at - now
        window.count += 1
        return True, window.resets_at - now

    def check(self, method: str, route: str, params: dict[str, str]) -> Verdict:
        """Count one request; the verdict says whether it is refused and which headers to answer with."""
        now = time.monotonic()
        if not route.startswith(GLOBAL_EXEMPT_PREFIXES):
            allowed, wait = self._take(self._global, GLOBAL_LIMIT, GLOBAL_PER, now)
            if not allowed:
                return self._global_refusal(wait)
        rule = next((r for r in OBSERVED_RULES if (method, route) in r.routes), None)
        if rule is None:
            return Verdict()
        window = self._windows.setdefault((rule.name, params.get(rule.scope, "")), _Window())
        allowed, wait = self._take(window, rule.limit, rule.per, now)
        headers = {"X-RateLimit-Bucket": rule.hash}
        if self.announced:
            headers.update(
                {
                    "X-RateLimit-Limit": str(rule.limit),
                    "X-RateLimit-Remaining": str(rule.limit - window.count),
                    "X-RateLimit-Reset": f"{time.time() + wait:.3f}",
                    "X-RateLimit-Reset-After": f"{wait:.3f}",
                }
            )
        if allowed:
            return Verdict(rule.name, headers)
        headers.update({"Retry-After": str(max(1, math.ceil(wait))), "X-RateLimit-Scope": "user"})
        return Verdict(rule.name, headers, _seconds(wait), refused=True)

    def _global_refusal(self, wait: float) -> Verdict:
        headers = {
            "Retry-After": str(max(1, math.ceil(wait))),
            "X-RateLimit-Global": "true",
            "X-RateLimit-Scope": "global",
        }
        return Verdict("global", headers, _seconds(wait), refused=True, is_global=True)


def _seconds(wait: float) -> float:
    """``retry_after`` as Discord writes it: a float in seconds, never zero."""
    return max(0.001, round(wait, 3))
