"""A fake Discord server (REST v10 + gateway) that the real discord.py client connects to, for end-to-end tests."""

from tests.fakediscord.ids import make_token
from tests.fakediscord.interactions import InteractionRecord, Reply
from tests.fakediscord.perms import DEFAULT_BOT, DEFAULT_EVERYONE
from tests.fakediscord.process import BotProcess
from tests.fakediscord.server import FakeDiscord, RequestRecord
from tests.fakediscord.world import (
    CATEGORY,
    STAGE,
    TEXT,
    VOICE,
    Channel,
    Guild,
    Member,
    Message,
    Overwrite,
    RefusedError,
    Role,
    ScheduledEvent,
    StageInstance,
    User,
    VoiceState,
    future_iso,
)

__all__ = [
    "CATEGORY",
    "DEFAULT_BOT",
    "DEFAULT_EVERYONE",
    "STAGE",
    "TEXT",
    "VOICE",
    "BotProcess",
    "Channel",
    "FakeDiscord",
    "Guild",
    "InteractionRecord",
    "Member",
    "Message",
    "Overwrite",
    "RefusedError",
    "Reply",
    "RequestRecord",
    "Role",
    "ScheduledEvent",
    "StageInstance",
    "User",
    "VoiceState",
    "future_iso",
    "make_token",
]
