"""Gateway intents: which events reach the bot, and whether a message's text does, as Discord decides it."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

GUILDS = 1 << 0
GUILD_VOICE_STATES = 1 << 7
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15

MESSAGE_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"})
# Events sent only to a bot that identified with the intent (events/gateway.mdx, "List of Intents"). Without
# GUILD_VOICE_STATES not even the bot's own voice state arrives (discord-api-docs#1724).
EVENT_INTENTS: dict[str, int] = {
    "VOICE_STATE_UPDATE": GUILD_VOICE_STATES,
    "STAGE_INSTANCE_CREATE": GUILDS,
    "STAGE_INSTANCE_UPDATE": GUILDS,
    "STAGE_INSTANCE_DELETE": GUILDS,
}
# Without MESSAGE_CONTENT, Discord empties every field that exposes what was written (events/gateway.mdx).
_CONTENT_FIELDS: Json = {"content": "", "embeds": [], "attachments": [], "components": []}


def _content_visible(data: Json, bot_id: int) -> bool:
    """The exceptions to MESSAGE_CONTENT: the bot's own messages, DMs, and messages that mention the bot."""
    author = data.get("author") or {}
    if str(author.get("id")) == str(bot_id) or not data.get("guild_id"):
        return True
    return any(str(user.get("id")) == str(bot_id) for user in data.get("mentions") or [])


def as_received(event: str, data: Json, intents: int, bot_id: int) -> Json | None:
    """The event as a bot that identified with ``intents`` receives it, or None if it is not sent at all."""
    needed = EVENT_INTENTS.get(event)
    if needed is not None:
        return data if intents & needed else None
    if event == "GUILD_CREATE" and not intents & GUILD_VOICE_STATES and data.get("voice_states"):
        # Who is in voice comes with the voice-states intent only, in GUILD_CREATE as in the updates.
        return {**data, "voice_states": []}
    if event not in MESSAGE_EVENTS:
        return data
    needed = GUILD_MESSAGES if data.get("guild_id") else DIRECT_MESSAGES
    if not intents & needed:
        return None
    text_hidden = not intents & MESSAGE_CONTENT and not _content_visible(data, bot_id)
    if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and text_hidden:
        stripped = {**data, **_CONTENT_FIELDS}
        stripped.pop("poll", None)
        return stripped
    return data
