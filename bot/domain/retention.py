"""How long what members wrote is kept: after a group is archived, and after the bot is removed from a server."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.due import DueKey

ARCHIVED_WORDS = "privacy.archived"
"""The due work that erases an archived group's words once its retention period is over (stored: never renamed)."""
FORGET_SERVER = "privacy.server"
"""The due work that erases a server's data once the grace period after the bot's removal is over."""
SERVER_GRACE = timedelta(days=30)
"""How long a server's data is kept after the bot is removed, in case it is invited back."""
_SERVER_PREFIX = "guild:"
_GROUP_PREFIX = "group:"


def server_subject(guild_id: int) -> str:
    """The due-work subject of what is done to a whole server."""
    return f"{_SERVER_PREFIX}{guild_id}"


def server_of(subject: str) -> int:
    """The server a due-work subject from `server_subject` names."""
    return int(subject.removeprefix(_SERVER_PREFIX))


def archived_words_key(group_id: int, archived_at: datetime, keep_days: int) -> DueKey:
    """When an archived group's words are erased: `keep_days` after it was archived."""
    return DueKey(f"{_GROUP_PREFIX}{group_id}", ARCHIVED_WORDS, archived_at + timedelta(days=keep_days))


def forget_server_key(guild_id: int, noticed_at: datetime) -> DueKey:
    """When a server's data is erased: the grace period after the bot's removal was first noticed."""
    return DueKey(server_subject(guild_id), FORGET_SERVER, noticed_at + SERVER_GRACE)
