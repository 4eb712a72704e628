"""The fake Discord world: users, guilds, roles, channels, overwrites, members, messages, voice, Stages, events."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from tests.fakediscord.ids import iso_now, snowflake
from tests.fakediscord.perms import (
    DEFAULT_EVERYONE,
    PermLike,
    base_permissions,
    channel_permissions,
    flag,
    perm_value,
)

if TYPE_CHECKING:
    from tests.fakediscord.interactions import InteractionRecord, Reply
    from tests.fakediscord.server import FakeDiscord

Json = dict[str, Any]

TEXT, DM, VOICE, CATEGORY, STAGE = 0, 1, 2, 4, 13
EPHEMERAL_FLAG = 64
LOADING_FLAG = 128
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class RefusedError(Exception):
    """Raised by test-side actions that Discord would refuse (mirrors a REST 403/400 with a JSON error code)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} (code {code}): {message}")
        self.status = status
        self.code = code
        self.message = message


def flatten_components(components: Iterable[Json]) -> Iterator[Json]:
    """Yield every component in a (possibly nested, components v2) component tree."""
    for component in components:
        yield component
        children = list(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            children.append(component["component"])
        if isinstance(component.get("accessory"), dict):
            children.append(component["accessory"])
        yield from flatten_components(children)


def embed_text(embed: Json) -> list[str]:
    """Return the human-readable strings of an embed (title, description, fields, footer, author)."""
    parts: list[str] = []
    for key in ("title", "description"):
        if embed.get(key):
            parts.append(str(embed[key]))
    if isinstance(embed.get("author"), dict) and embed["author"].get("name"):
        parts.append(str(embed["author"]["name"]))
    for fld in embed.get("fields") or []:
        parts.append(f"{fld.get('name', '')}: {fld.get('value', '')}")
    if isinstance(embed.get("footer"), dict) and embed["footer"].get("text"):
        parts.append(str(embed["footer"]["text"]))
    return parts


@dataclass(eq=False)
class User:
    """A Discord user (a human or the bot)."""

    id: int
    username: str
    bot: bool = False
    dms_open: bool = True
    locale: str = "en-US"
    """The language of their Discord client, which each interaction they make carries (Discord's `locale`)."""

    @property
    def mention(self) -> str:
        """The ``<@id>`` mention string."""
        return f"<@{self.id}>"

    def payload(self) -> Json:
        """The user object as Discord sends it."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": None if self.bot else self.username,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass(eq=False)
class Role:
    """A guild role."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 1
    managed: bool = False
    bot_id: int | None = None
    mentionable: bool = False

    @property
    def mention(self) -> str:
        """The ``<@&id>`` mention string."""
        return f"<@&{self.id}>"

    def payload(self) -> Json:
        """The role object as Discord sends it."""
        data: Json = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Overwrite:
    """A channel permission overwrite (type 0 = role, 1 = member)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def allows(self, name: str) -> bool:
        """Whether the overwrite explicitly allows the named permission."""
        return bool(self.allow & flag(name))

    def denies(self, name: str) -> bool:
        """Whether the overwrite explicitly denies the named permission."""
        return bool(self.deny & flag(name))

    def payload(self) -> Json:
        """The overwrite object as Discord sends it."""
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class Message:
    """A message in a channel (or an ephemeral interaction message visible to one user)."""

    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: Json | None = None
    attachments: list[Json] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # what each attachment held, by file name (for tests)
    type: int = 0
    interaction: InteractionRecord | None = None
    webhook_id: int | None = None
    created_at: str = field(default_factory=iso_now)
    edited_at: str | None = None
    deleted: bool = False
    tts: bool = False
    history: list[Json] = field(default_factory=list)
    posted_pings: set[int] | None = None  # who the post notified, kept at its first edit (an edit pings nobody)
    deleted_by: User | None = None
    deleted_at: str | None = None

    @property
    def ephemeral(self) -> bool:
        """Whether the message is ephemeral (flag 64)."""
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def loading(self) -> bool:
        """Whether the message is a deferred "thinking" placeholder."""
        return bool(self.flags & LOADING_FLAG)

    @property
    def mention_ids(self) -> list[int]:
        """User ids mentioned in the content."""
        return [int(x) for x in _USER_MENTION.findall(self.content)]

    @property
    def role_mention_ids(self) -> list[int]:
        """Role ids mentioned in the content."""
        return [int(x) for x in _ROLE_MENTION.findall(self.content)]

    @property
    def mentions_everyone(self) -> bool:
        """Whether the content contains @everyone or @here."""
        return "@everyone" in self.content or "@here" in self.content

    @property
    def pinged_user_ids(self) -> set[int]:
        """User ids that would actually be notified, honouring ``allowed_mentions`` as sent."""
        mentioned = set(self.mention_ids)
        allowed = self.allowed_mentions
        if allowed is None:
            return mentioned
        parse = allowed.get("parse") or []
        if "users" in parse:
            return mentioned
        return mentioned & {int(x) for x in allowed.get("users") or []}

    @property
    def pinged_when_posted(self) -> set[int]:
        """User ids notified when the message was posted: Discord pings on a post, never on a later edit."""
        return self.pinged_user_ids if self.posted_pings is None else self.posted_pings

    @property
    def pinged_role_ids(self) -> set[int]:
        """Role ids whose members would be notified, as Discord decides it.

        A role mention pings when the role exists in the guild, it is mentionable or the author may mention
        everyone in the channel, and ``allowed_mentions`` (parsing everything when absent) lets it through.
        """
        guild = self.channel.guild
        if guild is None:
            return set()
        author = guild.members.get(self.author.id)
        may_mention_any = author is not None and author.can("mention_everyone", self.channel)
        mentioned = {
            rid
            for rid in self.role_mention_ids
            if rid in guild.roles and rid != guild.id and (guild.roles[rid].mentionable or may_mention_any)
        }
        allowed = self.allowed_mentions
        if allowed is None or "roles" in (allowed.get("parse") or []):
            return mentioned
        return mentioned & {int(x) for x in allowed.get("roles") or []}

    @property
    def pings_everyone(self) -> bool:
        """Whether @everyone/@here would notify, honouring ``allowed_mentions`` as sent."""
        if not self.mentions_everyone:
            return False
        guild = self.channel.guild
        if guild is not None:
            author = guild.members.get(self.author.id)
            if author is None or not author.can("mention_everyone", self.channel):
                return False
        return self.allowed_mentions is None or "everyone" in (self.allowed_mentions.get("parse") or [])

    @property
    def all_components(self) -> list[Json]:
        """Every component, flattened out of action rows and containers."""
        return list(flatten_components(self.components))

    @property
    def buttons(self) -> list[str]:
        """Labels of all buttons on the message."""
        return [str(c.get("label") or "") for c in self.all_components if c.get("type") == 2]

    @property
    def text(self) -> str:
        """Content plus embed titles/descriptions/fields and v2 text displays, newline-joined."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            parts.extend(embed_text(embed))
        for component in self.all_components:
            if component.get("type") == 10 and component.get("content"):
                parts.append(str(component["content"]))
        return "\n".join(parts)

    def find_component(self, label: str | None = None, custom_id: str | None = None, ctype: int | None = None) -> Json:
        """Find a component by label/placeholder, custom_id and/or type; raise with the available ones."""
        for component in self.all_components:
            if ctype is not None and component.get("type") != ctype:
                continue
            if custom_id is not None and component.get("custom_id") != custom_id:
                continue
            if label is not None and label not in (component.get("label"), component.get("placeholder")):
                continue
            if "custom_id" in component:
                return component
        available = [
            (c.get("type"), c.get("label") or c.get("placeholder"), c.get("custom_id")) for c in self.all_components
        ]
        raise LookupError(f"no component label={label!r} custom_id={custom_id!r} type={ctype!r}; have {available}")

    def payload(self) -> Json:
        """The message object as Discord sends it."""
        guild = self.channel.guild
        data: Json = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.created_at,
            "edited_timestamp": self.edited_at,
            "tts": self.tts,
            "mention_everyone": self.pings_everyone,
            "mentions": [u.payload() for u in self._mentioned_users()],
            "mention_roles": [str(r) for r in self.role_mention_ids],
            "attachments": self.attachments,
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
        }
        if guild is not None:
            data["guild_id"] = str(guild.id)
            member = guild.members.get(self.author.id)
            if member is not None and self.webhook_id is None:
                partial = member.payload()
                partial.pop("user")
                data["member"] = partial
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        record = self.interaction
        if record is not None:
            user = record.member.user.payload()
            data["interaction"] = {"id": str(record.id), "type": record.type, "name": record.command_name, "user": user}
            metadata: Json = {
                "id": str(record.id),
                "type": record.type,
                "user": user,
                "authorizing_integration_owners": {"0": str(guild.id) if guild else "0"},
            }
            if record.source_message is not None:
                metadata["interacted_message_id"] = str(record.source_message.id)
            if record.type == 5 and record.source_message is not None:
                metadata["triggering_interaction_metadata"] = {
                    "id": str(record.id),
                    "type": 3,
                    "user": user,
                    "authorizing_integration_owners": {},
                }
            data["interaction_metadata"] = metadata
        return data

    def _mentioned_users(self) -> list[User]:
        world = self.channel.world
        return [world.users[uid] for uid in dict.fromkeys(self.mention_ids) if uid in world.users]


@dataclass(eq=False)
class Channel:
    """A guild channel (text 0, voice 2, category 4, stage 13) or a DM channel (1)."""

    id: int
    world: FakeDiscord
    guild: Guild | None
    name: str
    type: int = TEXT
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    recipient: User | None = None
    user_limit: int = 0
    bitrate: int = 64000
    nsfw: bool = False
    deleted: bool = False
    extra: Json = field(default_factory=dict)

    @property
    def mention(self) -> str:
        """The ``<#id>`` mention string."""
        return f"<#{self.id}>"

    @property
    def live_messages(self) -> list[Message]:
        """Messages not deleted, oldest first."""
        return [m for m in self.messages if not m.deleted]

    @property
    def last_message(self) -> Message | None:
        """The newest non-deleted message, if any."""
        live = self.live_messages
        return live[-1] if live else None

    @property
    def deleted_messages(self) -> list[Message]:
        """Messages deleted from this channel, oldest first (``deleted_by`` says who deleted each)."""
        return [m for m in self.messages if m.deleted]

    def messages_by(self, user: User | Member) -> list[Message]:
        """Non-deleted messages authored by a user or member."""
        uid = user.id
        return [m for m in self.live_messages if m.author.id == uid]

    def message_containing(self, text: str) -> Message:
        """The newest non-deleted message whose text contains ``text``."""
        for message in reversed(self.live_messages):
            if text in message.text:
                return message
        raise LookupError(f"no message containing {text!r} in #{self.name}: {[m.text for m in self.live_messages]}")

    def overwrite_for(self, target: Member | Role | User | int) -> Overwrite | None:
        """The overwrite for a member, role or id, if any."""
        key = target if isinstance(target, int) else target.id
        return self.overwrites.get(key)

    @property
    def voice_members(self) -> list[Member]:
        """Members connected to this voice or Stage channel, in the guild's member order."""
        if self.guild is None:
            return []
        return [m for m in self.guild.members.values() if m.voice is not None and m.voice.channel_id == self.id]

    @property
    def speakers(self) -> list[Member]:
        """On a Stage: the members who may speak (not suppressed, no pending request or invitation)."""
        return [m for m in self.voice_members if m.voice is not None and m.voice.speaking]

    @property
    def audience(self) -> list[Member]:
        """On a Stage: the suppressed members (hands raised or not)."""
        return [m for m in self.voice_members if m.voice is not None and m.voice.suppress]

    @property
    def requesting_to_speak(self) -> list[Member]:
        """On a Stage: members of the audience with a raised hand, oldest request first."""
        raised = [m for m in self.audience if m.voice is not None and m.voice.request_to_speak_timestamp]
        return sorted(raised, key=lambda m: str(m.voice.request_to_speak_timestamp if m.voice else ""))

    @property
    def invited_to_speak(self) -> list[Member]:
        """On a Stage: members a moderator invited to speak who have not yet accepted or declined."""
        return [
            m
            for m in self.voice_members
            if m.voice is not None and not m.voice.suppress and m.voice.request_to_speak_timestamp
        ]

    @property
    def stage_instance(self) -> StageInstance | None:
        """The live Stage instance on this channel, if any."""
        return self.guild.stage_instances.get(self.id) if self.guild is not None else None

    def payload(self) -> Json:
        """The channel object as Discord sends it."""
        if self.type == DM:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": DM,
                "last_message_id": None,
                "recipients": [self.recipient.payload()],
                "flags": 0,
            }
        assert self.guild is not None
        data: Json = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites.values()],
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "nsfw": self.nsfw,
            "flags": 0,
        }
        if self.type in (TEXT, 5):
            data.update(
                topic=self.topic, last_message_id=None, rate_limit_per_user=0, default_auto_archive_duration=1440
            )
        if self.type in (VOICE, STAGE):
            data.update(bitrate=self.bitrate, user_limit=self.user_limit, rtc_region=None, video_quality_mode=1)
            data.update(last_message_id=None, rate_limit_per_user=0)
            if self.type == STAGE:
                data["topic"] = self.topic
        data.update(self.extra)
        return data


@dataclass(eq=False)
class VoiceState:
    """A member's voice connection; ``suppress`` and ``request_to_speak_timestamp`` are the Stage's speaker state.

    On a Stage, a speaker is neither suppressed nor has a timestamp; the audience is suppressed (with a timestamp
    when their hand is raised); a member invited to speak is unsuppressed with a timestamp until they accept
    (``resources/voice.mdx``, ``resources/stage-instance.mdx`` "Speakers").
    """

    channel_id: int
    session_id: str
    self_mute: bool = False
    self_deaf: bool = False
    suppress: bool = False
    request_to_speak_timestamp: str | None = None

    @property
    def speaking(self) -> bool:
        """Whether the member may speak: not suppressed and no pending request or invitation."""
        return not self.suppress and self.request_to_speak_timestamp is None


@dataclass(eq=False)
class StageInstance:
    """A live Stage: the instance on a Stage channel (one per channel), with its topic."""

    id: int
    guild_id: int
    channel_id: int
    topic: str
    privacy_level: int = 2
    scheduled_event_id: int | None = None

    def payload(self) -> Json:
        """The Stage instance object as Discord sends it."""
        return {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id),
            "topic": self.topic,
            "privacy_level": self.privacy_level,
            "discoverable_disabled": False,
            "guild_scheduled_event_id": str(self.scheduled_event_id) if self.scheduled_event_id else None,
        }


@dataclass(eq=False)
class ScheduledEvent:
    """A guild scheduled event; ``data`` is the stored Discord payload."""

    id: int
    guild_id: int
    data: Json

    @property
    def name(self) -> str:
        """The event name."""
        return str(self.data.get("name", ""))

    @property
    def status(self) -> int:
        """1 scheduled, 2 active, 3 completed, 4 cancelled."""
        return int(self.data.get("status", 1))

    @property
    def channel_id(self) -> int | None:
        """The event's channel id (stage/voice events)."""
        value = self.data.get("channel_id")
        return int(value) if value else None

    def payload(self) -> Json:
        """The event object as Discord sends it."""
        return dict(self.data)


class Member:
    """A guild member: state plus the test-side actions a human can take."""

    def __init__(self, guild: Guild, user: User, role_ids: list[int] | None = None) -> None:
        self.guild = guild
        self.user = user
        self.role_ids: list[int] = list(role_ids or [])
        self.nick: str | None = None
        self.joined_at: str = iso_now()
        self.mute = False
        self.deaf = False
        self.voice: VoiceState | None = None
        self.timeout_until: str | None = None

    def __repr__(self) -> str:
        return f"<Member {self.user.username} id={self.id}>"

    @property
    def id(self) -> int:
        """The user id."""
        return self.user.id

    @property
    def name(self) -> str:
        """The username."""
        return self.user.username

    @property
    def mention(self) -> str:
        """The ``<@id>`` mention string."""
        return self.user.mention

    @property
    def world(self) -> FakeDiscord:
        """The fake Discord the member lives in."""
        return self.guild.world

    @property
    def roles(self) -> list[Role]:
        """The member's roles (without @everyone)."""
        return [self.guild.roles[r] for r in self.role_ids if r in self.guild.roles]

    @property
    def voice_channel(self) -> Channel | None:
        """The voice channel the member is connected to."""
        return self.guild.channels.get(self.voice.channel_id) if self.voice else None

    @property
    def dms_open(self) -> bool:
        """Whether the bot can DM this user (False makes DMs answer 403/50007)."""
        return self.user.dms_open

    @dms_open.setter
    def dms_open(self, value: bool) -> None:
        self.user.dms_open = value

    @property
    def dms(self) -> list[Message]:
        """Messages the bot sent this user by DM."""
        channel = self.world.dm_channels.get(self.id)
        return channel.live_messages if channel else []

    @property
    def ephemeral_messages(self) -> list[Message]:
        """Ephemeral interaction messages shown to this member, oldest first."""
        return [m for m in self.world.ephemeral_messages if m.interaction and m.interaction.member is self]

    def has_role(self, role: Role | str) -> bool:
        """Whether the member has a role (object or name)."""
        return any(r is role or r.name == role for r in self.roles)

    def payload(self) -> Json:
        """The guild member object as Discord sends it."""
        return {
            "user": self.user.payload(),
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.role_ids],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": self.deaf,
            "mute": self.mute,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": self.timeout_until,
        }

    # ----- actions -------------------------------------------------------------------------------------------

    async def run(
        self, command: str, /, *, in_channel: Channel | None = None, within: float = 10.0, **options: Any
    ) -> Reply:
        """Invoke a registered slash command like ``"/groupadmin create"`` with options by name; returns the reply."""
        return await self.world.interactions.slash(self, command, options, channel=in_channel, within=within)

    async def autocomplete(
        self, command: str, option: str, value: str, /, *, in_channel: Channel | None = None, **options: Any
    ) -> list[Json]:
        """Type ``value`` into ``option`` of a slash command (other options as keywords); returns the choices."""
        return await self.world.interactions.autocomplete(self, command, option, value, options, channel=in_channel)

    async def click(
        self, message: Message, label: str | None = None, *, custom_id: str | None = None, within: float = 10.0
    ) -> Reply:
        """Click a button of a message by label (or custom_id)."""
        return await self.world.interactions.click(self, message, label, custom_id=custom_id, within=within)

    async def select(
        self,
        message: Message,
        values: list[Any],
        placeholder: str | None = None,
        *,
        custom_id: str | None = None,
        within: float = 10.0,
    ) -> Reply:
        """Choose ``values`` in a string select (option values) or user/role/channel select (objects)."""
        return await self.world.interactions.select(
            self, message, values, placeholder, custom_id=custom_id, within=within
        )

    async def submit_modal(self, modal: Reply | Json, values: dict[str, Any], within: float = 10.0) -> Reply:
        """Submit a modal the bot opened; ``values`` maps field custom_id or label to the text entered."""
        return await self.world.interactions.submit_modal(self, modal, values, within=within)

    async def post(self, channel: Channel, content: str, *, age: float = 0.0, settle: bool = True) -> Message:
        """Post a message as this member; raises RefusedError (50013) without VIEW_CHANNEL+SEND_MESSAGES.

        The bot hears of it as MESSAGE_CREATE only with the GUILD_MESSAGES intent, and reads its text only with
        MESSAGE_CONTENT (or when it is mentioned). ``age`` backdates the message by that many seconds. With
        ``settle=False`` it returns once the bot was told, without waiting for the bot to go quiet (a test that
        posts several times checks what the bot did after one wait).
        """
        return await self.world.user_post(self, channel, content, age=age, settle=settle)

    async def delete(self, message: Message) -> None:
        """Delete a message: one's own always, another's with MANAGE_MESSAGES; the bot hears MESSAGE_DELETE."""
        await self.world.user_delete(self, message)

    async def join_voice(self, channel: Channel) -> None:
        """Connect to (or move to) a voice/Stage channel; needs VIEW_CHANNEL+CONNECT; dispatches VOICE_STATE_UPDATE.

        A server mute (and deafen) carries over from before. On a Stage the member joins the audience (suppressed);
        in a voice channel they are suppressed when they lack SPEAK there, worked out only now, as Discord does.
        """
        await self.world.set_voice(self, channel)

    async def leave_voice(self) -> None:
        """Disconnect from voice (a server mute stays on the member); dispatches VOICE_STATE_UPDATE."""
        await self.world.set_voice(self, None)

    async def request_to_speak(self) -> None:
        """Raise a hand on the Stage the member is in (needs REQUEST_TO_SPEAK there; RefusedError 403 otherwise)."""
        self.world.stage_voice(self)
        if not self.can("request_to_speak", self.voice_channel):
            raise RefusedError(403, 50013, "Missing Permissions")
        await self.world.update_voice(self, request_to_speak_timestamp=iso_now())

    async def lower_hand(self) -> None:
        """Withdraw a request to speak (always allowed)."""
        self.world.stage_voice(self)
        await self.world.update_voice(self, request_to_speak_timestamp=None)

    async def accept_speak_invite(self) -> None:
        """Accept a moderator's invitation to speak: the member becomes a speaker (LookupError if not invited)."""
        voice = self.world.stage_voice(self)
        if voice.suppress or voice.request_to_speak_timestamp is None:
            raise LookupError(f"{self.name} has no pending invitation to speak")
        await self.world.update_voice(self, request_to_speak_timestamp=None)

    async def decline_speak_invite(self) -> None:
        """Decline an invitation to speak, or step down as a speaker: back to the audience."""
        self.world.stage_voice(self)
        await self.world.update_voice(self, suppress=True, request_to_speak_timestamp=None)

    def can(self, permission: str, channel: Channel | None = None) -> bool:
        """Whether the member has a permission (guild-level, or in ``channel``)."""
        return self.guild.can(self, permission, channel)


class Guild:
    """A guild with @everyone, an owner, the bot member (with its managed role), channels and members."""

    def __init__(
        self, world: FakeDiscord, name: str, owner: User, bot_permissions: PermLike, *, guild_id: int | None = None
    ) -> None:
        self.world = world
        self.id = snowflake() if guild_id is None else guild_id
        self.name = name
        self.owner_id = owner.id
        self.roles: dict[int, Role] = {self.id: Role(self.id, self.id, "@everyone", DEFAULT_EVERYONE, position=0)}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        self.events: dict[int, ScheduledEvent] = {}
        self.stage_instances: dict[int, StageInstance] = {}
        self.preferred_locale = "en-US"
        """The server's language, as its settings give it (Discord reads it only for Community servers)."""
        self.features: list[str] = []
        """The server's features: "COMMUNITY" once it is a Community server."""
        self.members[owner.id] = Member(self, owner)
        bot_user = world.bot_user
        self.bot_role = Role(
            snowflake(),
            self.id,
            bot_user.username,
            perm_value(bot_permissions),
            position=10,
            managed=True,
            bot_id=bot_user.id,
        )
        self.roles[self.bot_role.id] = self.bot_role
        self.members[bot_user.id] = Member(self, bot_user, [self.bot_role.id])

    def __repr__(self) -> str:
        return f"<Guild {self.name} id={self.id}>"

    @property
    def everyone(self) -> Role:
        """The @everyone role (its id is the guild id)."""
        return self.roles[self.id]

    @property
    def owner(self) -> Member:
        """The guild owner."""
        return self.members[self.owner_id]

    @property
    def me(self) -> Member:
        """The bot's member."""
        return self.members[self.world.bot_user.id]

    @property
    def text_channels(self) -> list[Channel]:
        """Text channels, in creation order."""
        return [c for c in self.channels.values() if c.type == TEXT]

    def make_community(self, preferred_locale: str) -> None:
        """Make it a Community server speaking `preferred_locale` ("de"): GUILD_UPDATE goes to the bot.

        As its admins do in Server Settings (Enable Community, then the server's primary language). Only a Community
        server can choose its language; any other reports "en-US" whatever its members speak.
        """
        if "COMMUNITY" not in self.features:
            self.features.append("COMMUNITY")
        self.preferred_locale = preferred_locale
        self.world.dispatch_soon("GUILD_UPDATE", self.update_payload())

    def update_payload(self) -> Json:
        """The GUILD_UPDATE payload: the guild object without what only GUILD_CREATE carries (members, channels...)."""
        only_in_create = {
            "joined_at", "large", "unavailable", "member_count", "members", "channels", "threads", "presences",
            "voice_states", "stage_instances", "guild_scheduled_events", "soundboard_sounds",
        }  # fmt: skip
        return {key: value for key, value in self.payload().items() if key not in only_in_create}

    def add_role(self, name: str, permissions: PermLike = None, *, mentionable: bool = False) -> Role:
        """Create a role (dispatches GUILD_ROLE_CREATE if the bot is connected)."""
        position = max(r.position for r in self.roles.values() if not r.managed) + 1
        role = Role(snowflake(), self.id, name, perm_value(permissions), position=position, mentionable=mentionable)
        self.roles[role.id] = role
        self.world.dispatch_soon("GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.payload()})
        return role

    def set_role_permissions(self, role: Role, permissions: PermLike) -> None:
        """Change a role's permissions (e.g. the bot's), dispatching GUILD_ROLE_UPDATE."""
        role.permissions = perm_value(permissions)
        self.world.dispatch_soon("GUILD_ROLE_UPDATE", {"guild_id": str(self.id), "role": role.payload()})

    def add_member(
        self,
        name: str,
        permissions: PermLike = None,
        roles: Iterable[Role] = (),
        *,
        dms_open: bool = True,
        bot: bool = False,
    ) -> Member:
        """Add a member; ``permissions`` creates a personal role "<name> perms" carrying them."""
        user = self.world.add_user(name, bot=bot, dms_open=dms_open)
        role_ids = [r.id for r in roles]
        if permissions is not None:
            role_ids.append(self.add_role(f"{name} perms", permissions).id)
        member = Member(self, user, role_ids)
        self.members[user.id] = member
        self.world.dispatch_soon("GUILD_MEMBER_ADD", {"guild_id": str(self.id), **member.payload()})
        return member

    def add_channel(
        self,
        name: str,
        type: int = TEXT,
        *,
        overwrites: Iterable[Overwrite] = (),
        parent: Channel | None = None,
        topic: str | None = None,
    ) -> Channel:
        """Create a channel directly in the world (dispatches CHANNEL_CREATE if the bot is connected)."""
        channel = Channel(
            snowflake(),
            self.world,
            self,
            name,
            type,
            position=len(self.channels),
            parent_id=parent.id if parent else None,
            topic=topic,
        )
        channel.overwrites = {o.id: o for o in overwrites}
        self.channels[channel.id] = channel
        self.world.dispatch_soon("CHANNEL_CREATE", channel.payload())
        return channel

    def delete_channel(self, channel: Channel) -> None:
        """Delete a channel as an admin would in the Discord client: CHANNEL_DELETE goes to the bot (Guilds intent)."""
        channel.deleted = True
        self.world.dispatch_soon("CHANNEL_DELETE", channel.payload())
        self.world.empty_channel(channel)

    def channel_named(self, name: str) -> Channel:
        """The live channel with this name; raises LookupError listing the existing names."""
        for channel in self.channels.values():
            if channel.name == name and not channel.deleted:
                return channel
        raise LookupError(f"no channel {name!r}; have {[c.name for c in self.channels.values() if not c.deleted]}")

    def has_channel(self, name: str) -> bool:
        """Whether a live channel with this name exists."""
        return any(c.name == name and not c.deleted for c in self.channels.values())

    def member_named(self, name: str) -> Member:
        """The member with this username."""
        for member in self.members.values():
            if member.name == name:
                return member
        raise LookupError(f"no member {name!r}")

    def role_named(self, name: str) -> Role:
        """The role with this name."""
        for role in self.roles.values():
            if role.name == name:
                return role
        raise LookupError(f"no role {name!r}; have {[r.name for r in self.roles.values()]}")

    def permissions_for(self, member: Member, channel: Channel | None = None) -> discord.Permissions:
        """Computed permissions, guild-level or in a channel, exactly like Discord."""
        if channel is None:
            return discord.Permissions(base_permissions(self, member))
        return discord.Permissions(channel_permissions(self, member, channel))

    def can(self, member: Member, permission: str, channel: Channel | None = None) -> bool:
        """Whether a member has the named permission (guild-level or in ``channel``)."""
        return bool(self.permissions_for(member, channel).value & flag(permission))

    @property
    def server_muted(self) -> list[Member]:
        """Members server-muted now, in voice or not (a server mute outlives the call)."""
        return [m for m in self.members.values() if m.mute]

    @property
    def in_voice(self) -> list[Member]:
        """Members connected to any voice or Stage channel of the guild."""
        return [m for m in self.members.values() if m.voice is not None]

    def stage_topic(self, channel: Channel) -> str | None:
        """The topic of the live Stage instance on ``channel``, or None when the Stage is not live."""
        instance = self.stage_instances.get(channel.id)
        return instance.topic if instance is not None else None

    def start_stage(self, channel: Channel, topic: str) -> StageInstance:
        """Make a Stage live as a moderator would in the Discord client; dispatches STAGE_INSTANCE_CREATE."""
        if channel.type != STAGE or channel.id in self.stage_instances:
            raise ValueError(f"#{channel.name} is not a Stage, or is live already")
        instance = StageInstance(snowflake(), self.id, channel.id, topic)
        self.stage_instances[channel.id] = instance
        self.world.dispatch_soon("STAGE_INSTANCE_CREATE", instance.payload())
        return instance

    def auto_close_stage(self, channel: Channel) -> None:
        """End a Stage as Discord does minutes after its last speaker leaves: STAGE_INSTANCE_DELETE (Guilds intent)."""
        instance = self.stage_instances.pop(channel.id, None)
        if instance is None:
            raise LookupError(f"#{channel.name} has no live Stage instance")
        self.world.dispatch_soon("STAGE_INSTANCE_DELETE", instance.payload())

    @property
    def scheduled_events(self) -> list[ScheduledEvent]:
        """The guild's scheduled events."""
        return list(self.events.values())

    def payload(self, *, joined: bool = False) -> Json:
        """The GUILD_CREATE payload (member_count equals the members sent, so no chunking).

        `joined`: the bot has just been added to the guild, so the payload has no ``unavailable`` at all (discord.py
        then dispatches on_guild_join); a guild sent after READY has ``unavailable: false`` (on_guild_available).
        """
        voice_states = []
        for member in self.members.values():
            if member.voice is not None:
                voice_states.append(self.world.voice_state_payload(member, include_member=False))
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": list(self.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso_now(),
            "large": False,
            **({} if joined else {"unavailable": False}),
            "member_count": len(self.members),
            "members": [m.payload() for m in self.members.values()],
            "channels": [c.payload() for c in self.channels.values() if not c.deleted],
            "threads": [],
            "presences": [],
            "voice_states": voice_states,
            "stage_instances": [i.payload() for i in self.stage_instances.values()],
            "guild_scheduled_events": [e.payload() for e in self.events.values()],
            "soundboard_sounds": [],
        }


def future_iso(seconds: float) -> str:
    """An ISO timestamp ``seconds`` from now (handy for scheduled events)."""
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=seconds)
    return moment.isoformat()
