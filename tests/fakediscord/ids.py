"""Snowflakes, bot tokens, timestamps and JSON helpers shared by the fake Discord server."""

from __future__ import annotations

import base64
import datetime
import itertools
import json
import secrets
import threading
import time
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
_lock = threading.Lock()
_counter = itertools.count(1)
_clock_offset = 0.0


def set_clock_offset(seconds: float) -> None:
    """Set how far the fake Discord's clock is from the real one (its snowflakes, timestamps and ``Date``)."""
    global _clock_offset  # one fake Discord per test process at a time, as the snowflake counter is global too
    _clock_offset = seconds


def fake_time() -> float:
    """The fake Discord's time in Unix seconds: the real time moved by its clock offset (tests set it)."""
    return time.time() + _clock_offset


def snowflake(at: float | None = None) -> int:
    """Return a new unique snowflake for the fake's current time, or for ``at`` (Unix seconds) if given."""
    with _lock:
        increment = next(_counter) & 0xFFF
    millis = int((fake_time() if at is None else at) * 1000) - DISCORD_EPOCH_MS
    return (millis << 22) | (1 << 17) | increment


def snowflake_time(value: int) -> datetime.datetime:
    """Return the creation time encoded in a snowflake."""
    millis = (value >> 22) + DISCORD_EPOCH_MS
    return datetime.datetime.fromtimestamp(millis / 1000, datetime.UTC)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def make_token(user_id: int) -> str:
    """Build a token shaped like a real bot token whose first part decodes to ``user_id``."""
    return f"{_b64(str(user_id).encode())}.{_b64(secrets.token_bytes(5))[:6]}.{_b64(secrets.token_bytes(27))}"


def user_id_from_token(token: str) -> int | None:
    """Decode the user id from a token made by :func:`make_token`, or None if it is malformed."""
    first = token.split(".")[0]
    try:
        decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None


def iso_now() -> str:
    """Return the fake's current UTC time formatted the way Discord formats timestamps."""
    return datetime.datetime.fromtimestamp(fake_time(), datetime.UTC).isoformat()


def dumps(data: Any) -> str:
    """Serialise a payload to compact JSON."""
    return json.dumps(data, separators=(",", ":"))
