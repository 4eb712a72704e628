"""REST v10 route handlers of the fake Discord server, permission-checked like Discord."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from tests.fakediscord.errors import ApiError, invalid_form, missing_access, missing_permissions
from tests.fakediscord.ids import iso_now, snowflake, snowflake_time
from tests.fakediscord.limits import as_listed, stored_localizations, validate_commands, validate_texts
from tests.fakediscord.perms import (
    ADMINISTRATOR,
    STAGE_MODERATOR,
    base_permissions,
    channel_permissions,
    flag,
    outranks,
    top_position,
)
from tests.fakediscord.world import (
    DM,
    STAGE,
    TEXT,
    VOICE,
    Channel,
    Guild,
    Json,
    Member,
    Message,
    Overwrite,
    ScheduledEvent,
    StageInstance,
    User,
)

if TYPE_CHECKING:
    from tests.fakediscord.server import ApiRequest, FakeDiscord

Result = tuple[int, Any]
GUILD_CHANNEL_TYPES = {TEXT, VOICE, 4, 5, STAGE, 15, 16}
MANAGE_ROLES = flag("manage_roles")


def api_error(status: int, code: int, message: str) -> Exception:
    """Build an ApiError (late import to avoid a cycle)."""
    return ApiError(status, code, message)


def forbidden() -> Exception:
    """403 / 50013."""
    return missing_permissions()


def invalid(field: str, message: str) -> Exception:
    """400 / 50035 with a field error."""
    return invalid_form("Invalid Form Body", {field: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}})


def validate_message_body(body: Json, *, editing: bool = False) -> None:
    """Discord's message body rules: non-empty, content <= 2000, <= 10 embeds, <= 5 action rows."""
    content = body.get("content")
    if content is not None and len(str(content)) > 2000:
        raise invalid("content", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise invalid("embeds", "Must be 10 or fewer in length.")
    components = body.get("components") or []
    if len(components) > 5 and not int(body.get("flags") or 0) & (1 << 15):
        raise invalid("components", "Must be 5 or fewer in length.")
    if not editing and not (content or embeds or components or body.get("_files") or body.get("sticker_ids")):
        raise api_error(400, 50006, "Cannot send an empty message")
    validate_texts(body)


def new_message(channel: Channel, author: User, body: Json, **extra: Any) -> Message:
    """Build a Message from a REST body (content, embeds, components, flags, allowed_mentions)."""
    attachments = _uploaded(body)
    return Message(
        snowflake(),
        channel,
        author,
        content=str(body.get("content") or ""),
        embeds=list(body.get("embeds") or []),
        components=list(body.get("components") or []),
        flags=int(body.get("flags") or 0),
        allowed_mentions=body.get("allowed_mentions"),
        attachments=attachments,
        files={str(f.get("filename") or "file"): f.get("data", b"") for f in body.get("_files") or []},
        tts=bool(body.get("tts", False)),
        **extra,
    )


def _uploaded(body: Json) -> list[Json]:
    """The attachments that the files uploaded with a body become."""
    return [
        {
            "id": str(snowflake()),
            "filename": f.get("filename") or "file",
            "size": f.get("size", 0),
            "url": "",
            "proxy_url": "",
        }
        for f in body.get("_files") or []
    ]


def apply_edit(message: Message, body: Json) -> None:
    """Apply a PATCH body to a message, keeping its ephemeral flag."""
    validate_message_body(body, editing=True)
    if message.posted_pings is None:
        message.posted_pings = message.pinged_user_ids
    message.history.append(message.payload())
    if "content" in body:
        message.content = str(body["content"] or "")
    if "embeds" in body:
        message.embeds = list(body["embeds"] or [])
    if "components" in body:
        message.components = list(body["components"] or [])
    if "allowed_mentions" in body:
        message.allowed_mentions = body["allowed_mentions"]
    elif "content" in body:
        # Discord parses edited content with default allowances, whatever the message was created with.
        message.allowed_mentions = None
    if "flags" in body and body["flags"] is not None:
        message.flags = (int(body["flags"]) & ~64 & ~128) | (message.flags & 64)
    else:
        message.flags &= ~128
    if "attachments" in body and body["attachments"] is not None:
        keep = {str(a.get("id")) for a in body["attachments"]}
        message.attachments = [a for a in message.attachments if a["id"] in keep]
        kept = {a["filename"] for a in message.attachments}
        message.files = {name: data for name, data in message.files.items() if name in kept}
    # As in Discord, files uploaded with an edit (or with the follow-up that fills a deferred reply) are added.
    message.attachments += _uploaded(body)
    message.files.update({str(f.get("filename") or "file"): f.get("data", b"") for f in body.get("_files") or []})
    message.edited_at = iso_now()


def register(fake: FakeDiscord) -> None:
    """Register every implemented route on ``fake``."""
    route = fake._route

    def guild_of(request: ApiRequest) -> Guild:
        guild = fake.guilds.get(int(request.params["guild_id"]))
        if guild is None:
            if int(request.params["guild_id"]) in fake.departed:
                raise missing_access()  # the guild exists; the bot is no longer in it
            raise api_error(404, 10004, "Unknown Guild")
        return guild

    def channel_of(request: ApiRequest) -> Channel:
        channel_id = int(request.params["channel_id"])
        channel = fake.find_channel(channel_id)
        if channel is None:
            if any(channel_id in guild.channels for guild in fake.departed.values()):
                raise missing_access()
            raise api_error(404, 10003, "Unknown Channel")
        return channel

    def bot_perms(channel: Channel) -> int:
        assert channel.guild is not None
        return channel_permissions(channel.guild, channel.guild.me, channel)

    def require(channel: Channel, *names: str) -> None:
        if channel.guild is None:
            return
        value = bot_perms(channel)
        if not value & flag("view_channel"):
            raise missing_access()
        for name in names:
            if not value & flag(name):
                raise forbidden()

    def require_guild(guild: Guild, *names: str, any_of: bool = False) -> None:
        value = base_permissions(guild, guild.me)
        checks = [bool(value & flag(n)) for n in names]
        if not (any(checks) if any_of else all(checks)):
            raise forbidden()

    def member_of(guild: Guild, user_id: str) -> Member:
        member = guild.members.get(int(user_id))
        if member is None:
            raise api_error(404, 10007, "Unknown Member")
        return member

    def check_overwrite_bits(guild: Guild, allow: int, deny: int, channel: Channel | None = None) -> None:
        mine = base_permissions(guild, guild.me)
        if mine & ADMINISTRATOR:
            return
        if channel is not None:
            own = [channel.overwrites.get(guild.me.id)] + [channel.overwrites.get(r) for r in guild.me.role_ids]
            if any(o is not None and o.allow & MANAGE_ROLES for o in own):
                return
        if (allow | deny) & MANAGE_ROLES:
            raise forbidden()
        if (allow | deny) & ~mine:
            raise forbidden()

    def parse_overwrites(guild: Guild, raw: list[Json], channel: Channel | None = None) -> dict[int, Overwrite]:
        result: dict[int, Overwrite] = {}
        for item in raw:
            target = int(item["id"])
            kind = int(item.get("type", 0))
            if kind == 0 and target not in guild.roles:
                raise invalid("permission_overwrites", f"Unknown role {target}")
            if kind == 1 and target not in fake.users:
                raise invalid("permission_overwrites", f"Unknown user {target}")
            allow, deny = int(item.get("allow") or 0), int(item.get("deny") or 0)
            old = channel.overwrites.get(target) if channel else None
            if old is None or (old.allow, old.deny) != (allow, deny):
                check_overwrite_bits(guild, allow, deny, channel)
            result[target] = Overwrite(target, kind, allow, deny)
        return result

    def ok(data: Any = None, status: int = 200) -> Result:
        return (status, data) if data is not None else (204, None)

    # ----- users, login, gateway ----------------------------------------------------------------------------

    @route("GET", "/users/@me")
    async def me(request: ApiRequest) -> Result:
        return ok({**fake.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})

    @route("POST", "/users/@me/channels")
    async def open_dm(request: ApiRequest) -> Result:
        user = fake.users.get(int(request.body.get("recipient_id", 0)))
        if user is None:
            raise api_error(400, 50035, "Invalid Form Body")
        channel = fake.dm_channels.get(user.id)
        if channel is None:
            channel = Channel(snowflake(), fake, None, "", DM, recipient=user)
            fake.dm_channels[user.id] = channel
        return ok(channel.payload())

    @route("DELETE", "/users/@me/guilds/{guild_id}")
    async def leave_guild(request: ApiRequest) -> Result:
        guild = fake.guilds.get(int(request.params["guild_id"]))
        if guild is None:
            raise api_error(404, 10004, "Unknown Guild")
        await fake.remove_bot(guild)
        return ok()

    @route("GET", "/users/{user_id}")
    async def get_user(request: ApiRequest) -> Result:
        user = fake.users.get(int(request.params["user_id"]))
        if user is None:
            raise api_error(404, 10013, "Unknown User")
        return ok(user.payload())

    @route("GET", "/gateway")
    async def gateway(request: ApiRequest) -> Result:
        return ok({"url": fake.gateway_url})

    @route("GET", "/gateway/bot")
    async def gateway_bot(request: ApiRequest) -> Result:
        shards = fake.sharding.recommended(len(fake.guilds))
        limit = fake.sharding.session_start_limit()
        return ok({"url": fake.gateway_url, "shards": shards, "session_start_limit": limit})

    def app_info() -> Json:
        return {
            "id": str(fake.application_id),
            "name": fake.bot_user.username,
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": fake.bot_user.payload(),
            "owner": fake.owner.payload(),
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "flags": 1 << 19 | 1 << 15 | 1 << 13,
            "tags": [],
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "approximate_guild_count": len(fake.guilds),
        }

    @route("GET", "/oauth2/applications/@me")
    async def oauth_app(request: ApiRequest) -> Result:
        return ok(app_info())

    @route("GET", "/applications/@me")
    async def app(request: ApiRequest) -> Result:
        return ok(app_info())

    # ----- application commands -------------------------------------------------------------------------------

    def store_commands(
        existing: list[Json], incoming: list[Json], guild_id: int | None, *, indexed: bool = True
    ) -> list[Json]:
        """Validate, then keep the commands as Discord does, localizations included; the same id for the same name.

        The localizations of the commands, their options and choices are kept, less those equal to the default.
        """
        validate_commands(incoming, indexed=indexed)
        by_key = {(c["name"], c.get("type", 1)): c for c in existing}
        names: set[tuple[str, int]] = set()
        result: list[Json] = []
        for raw in incoming:
            key = (raw["name"], int(raw.get("type", 1)))
            if key in names:
                raise invalid("name", f"Application command names must be unique: {raw['name']}")
            names.add(key)
            old = by_key.get(key)
            command = {
                **stored_localizations(raw),
                "id": old["id"] if old else str(snowflake()),
                "application_id": str(fake.application_id),
                "version": str(snowflake()),
                "type": key[1],
                "description": raw.get("description", ""),
                "options": raw.get("options") or [],
                "default_member_permissions": raw.get("default_member_permissions"),
                "dm_permission": raw.get("dm_permission", True),
                "nsfw": raw.get("nsfw", False),
            }
            if guild_id is not None:
                command["guild_id"] = str(guild_id)
            result.append(command)
        return result

    @route("GET", "/applications/{application_id}/commands")
    async def get_commands(request: ApiRequest) -> Result:
        return ok(as_listed(fake.global_commands, request.headers, request.query))

    @route("PUT", "/applications/{application_id}/commands")
    async def put_commands(request: ApiRequest) -> Result:
        fake.global_commands = store_commands(fake.global_commands, list(request.body or []), None)
        return ok(fake.global_commands)

    @route("POST", "/applications/{application_id}/commands")
    async def post_command(request: ApiRequest) -> Result:
        stored = store_commands(fake.global_commands, [request.body], None, indexed=False)[0]
        fake.global_commands = [c for c in fake.global_commands if c["name"] != stored["name"]] + [stored]
        return ok(stored, 201)

    @route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def get_guild_commands(request: ApiRequest) -> Result:
        commands = fake.guild_commands.get(int(request.params["guild_id"]), [])
        return ok(as_listed(commands, request.headers, request.query))

    @route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def put_guild_commands(request: ApiRequest) -> Result:
        guild = guild_of(request)
        stored = store_commands(fake.guild_commands.get(guild.id, []), list(request.body or []), guild.id)
        fake.guild_commands[guild.id] = stored
        return ok(stored)

    # ----- interactions & webhooks ---------------------------------------------------------------------------

    @route("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
    async def callback(request: ApiRequest) -> Result:
        engine = fake.interactions
        return await engine.handle_callback(
            request.params["interaction_id"], request.params["interaction_token"], request.body
        )

    @route("POST", "/webhooks/{webhook_id}/{webhook_token}")
    async def followup(request: ApiRequest) -> Result:
        wait = request.query.get("wait", "false").lower() in ("true", "1")
        status, data = await fake.interactions.handle_followup(request.params["webhook_token"], request.body)
        return (status, data) if wait else (204, None)

    @route("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
    async def get_webhook_message(request: ApiRequest) -> Result:
        message = fake.interactions.webhook_message(request.params["webhook_token"], request.params["message_id"])
        return ok(message.payload())

    @route("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
    async def edit_webhook_message(request: ApiRequest) -> Result:
        engine = fake.interactions
        return await engine.edit_webhook_message(
            request.params["webhook_token"], request.params["message_id"], request.body
        )

    @route("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
    async def delete_webhook_message(request: ApiRequest) -> Result:
        await fake.interactions.delete_webhook_message(request.params["webhook_token"], request.params["message_id"])
        return ok()

    # ----- channels -----------------------------------------------------------------------------------------------

    @route("GET", "/channels/{channel_id}")
    async def get_channel(request: ApiRequest) -> Result:
        channel = channel_of(request)
        require(channel)
        return ok(channel.payload())

    @route("PATCH", "/channels/{channel_id}")
    async def edit_channel(request: ApiRequest) -> Result:
        channel = channel_of(request)
        require(channel, "manage_channels")
        assert channel.guild is not None
        body: Json = request.body or {}
        if "permission_overwrites" in body:
            require(channel, "manage_roles")
            channel.overwrites = parse_overwrites(channel.guild, body["permission_overwrites"] or [], channel)
        for key in ("name", "topic", "position", "nsfw", "user_limit", "bitrate"):
            if key in body:
                setattr(channel, key, body[key])
        if "parent_id" in body:
            channel.parent_id = int(body["parent_id"]) if body["parent_id"] else None
        await fake.dispatch("CHANNEL_UPDATE", channel.payload())
        return ok(channel.payload())

    @route("DELETE", "/channels/{channel_id}")
    async def delete_channel(request: ApiRequest) -> Result:
        channel = channel_of(request)
        if channel.type == DM:
            return ok(channel.payload())
        require(channel, "manage_channels")
        channel.deleted = True
        await fake.dispatch("CHANNEL_DELETE", channel.payload())
        fake.empty_channel(channel)
        return ok(channel.payload())

    @route("PUT", "/channels/{channel_id}/permissions/{overwrite_id}")
    async def put_overwrite(request: ApiRequest) -> Result:
        channel = channel_of(request)
        require(channel, "manage_roles")
        assert channel.guild is not None
        body: Json = request.body or {}
        target = int(request.params["overwrite_id"])
        parsed = parse_overwrites(channel.guild, [{**body, "id": target}], channel)
        channel.overwrites[target] = parsed[target]
        await fake.dispatch("CHANNEL_UPDATE", channel.payload())
        return ok()

    @route("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}")
    async def delete_overwrite(request: ApiRequest) -> Result:
        channel = channel_of(request)
        require(channel, "manage_roles")
        channel.overwrites.pop(int(request.params["overwrite_id"]), None)
        await fake.dispatch("CHANNEL_UPDATE", channel.payload())
        return ok()

    @route("POST", "/channels/{channel_id}/typing")
    async def typing(request: ApiRequest) -> Result:
        channel = channel_of(request)
        require(channel, "send_messages")
        return ok()

    # ----- messages --------------------------------------------------------------------------------------------

    def message_of(channel: Channel, request: ApiRequest) -> Message:
        wanted = int(request.params["message_id"])
        for message in channel.messages:
            if message.id == wanted and not message.deleted:
                return message
        raise api_error(404, 10008, "Unknown Message")

    @route("GET", "/channels/{channel_id}/messages")
    async def history(request: ApiRequest) -> Result:
        channel = channel_of(request)
        require(channel, "read_message_history")
        limit = int(request.query.get("limit", 50))
        messages = list(reversed(channel.live_messages))
        if "before" in request.query:
            messages = [m for m in messages if m.id < int(request.query["before"])]
        if "after" in request.query:
            messages = [m for m in messages if m.id > int(request.query["after"])]
            messages = list(reversed(list(reversed(messages))[:limit]))
        return ok([m.payload() for m in messages[:limit]])

    @route("GET", "/channels/{channel_id}/messages/{message_id}")
    async def get_message(request: ApiRequest) -> Result:
        channel = channel_of(request)
        require(channel, "read_message_history")
        return ok(message_of(channel, request).payload())

    @route("POST", "/channels/{channel_id}/messages")
    async def send_message(request: ApiRequest) -> Result:
        channel = channel_of(request)
        body: Json = request.body or {}
        if channel.type == DM:
            assert channel.recipient is not None
            if not channel.recipient.dms_open or channel.recipient.bot:
                raise api_error(403, 50007, "Cannot send messages to this user")
        else:
            require(channel, "send_messages")
        validate_message_body(body)
        nonce = str(body["nonce"]) if body.get("nonce") is not None else None
        if nonce is not None and len(nonce) > 25:
            raise invalid("nonce", "Must be 25 or fewer in length.")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord returns the post made with this nonce "in the past few minutes" instead of making another.
            earlier = fake.remembered_post(fake.bot_user, nonce)
            if earlier is not None:
                return ok({**earlier.payload(), "nonce": nonce})
        message = new_message(channel, fake.bot_user, body)
        if body.get("message_reference"):
            message.type = 19
        channel.messages.append(message)
        if nonce is not None:
            fake.remember_post(fake.bot_user, nonce, message)
        # The nonce comes back in the answer and in MESSAGE_CREATE only: Discord does not keep it with the message,
        # so a message read later (GET) has none (discord.py#2451).
        created = {**message.payload(), "nonce": nonce} if nonce is not None else message.payload()
        await fake.dispatch("MESSAGE_CREATE", created)
        return ok(created)

    @route("PATCH", "/channels/{channel_id}/messages/{message_id}")
    async def edit_message(request: ApiRequest) -> Result:
        channel = channel_of(request)
        require(channel)
        message = message_of(channel, request)
        if message.author.id != fake.bot_user.id:
            raise api_error(403, 50005, "Cannot edit a message authored by another user")
        apply_edit(message, request.body or {})
        await fake.dispatch("MESSAGE_UPDATE", message.payload())
        return ok(message.payload())

    @route("DELETE", "/channels/{channel_id}/messages/{message_id}")
    async def delete_message(request: ApiRequest) -> Result:
        channel = channel_of(request)
        require(channel)
        message = message_of(channel, request)
        if message.author.id != fake.bot_user.id:
            if channel.type == DM:
                raise api_error(403, 50003, "Cannot execute action on a DM channel")
            require(channel, "manage_messages")
        fake.record_deletion(message, fake.bot_user)
        data: Json = {"id": str(message.id), "channel_id": str(channel.id)}
        if channel.guild is not None:
            data["guild_id"] = str(channel.guild.id)
        await fake.dispatch("MESSAGE_DELETE", data)
        return ok()

    @route("POST", "/channels/{channel_id}/messages/bulk-delete")
    async def bulk_delete(request: ApiRequest) -> Result:
        channel = channel_of(request)
        if channel.type == DM:
            raise api_error(403, 50003, "Cannot execute action on a DM channel")
        require(channel, "manage_messages")
        ids = [int(x) for x in (request.body or {}).get("messages", [])]
        # Unknown ids count towards the 2 to 100 and are skipped (resources/message.mdx, Bulk Delete Messages).
        if not 2 <= len(ids) <= 100:
            raise api_error(
                400,
                50016,
                "Provided too few or too many messages to delete. Must provide at least 2 and at most 100 messages "
                "to delete.",
            )
        if len(set(ids)) != len(ids):
            raise invalid("messages", "Duplicate message ids.")
        two_weeks_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=14)
        if any(snowflake_time(i) < two_weeks_ago for i in ids):
            raise api_error(400, 50034, "You can only bulk delete messages that are under 14 days old.")
        wanted = set(ids)
        for message in channel.messages:
            if message.id in wanted and not message.deleted:
                fake.record_deletion(message, fake.bot_user)
        data: Json = {"ids": [str(i) for i in ids], "channel_id": str(channel.id)}
        if channel.guild is not None:
            data["guild_id"] = str(channel.guild.id)
        await fake.dispatch("MESSAGE_DELETE_BULK", data)
        return ok()

    # ----- guilds, channels in guilds -------------------------------------------------------------------------

    @route("GET", "/guilds/{guild_id}")
    async def get_guild(request: ApiRequest) -> Result:
        data = guild_of(request).payload()
        for key in ("members", "channels", "threads", "presences", "voice_states", "guild_scheduled_events"):
            data.pop(key, None)
        return ok(data)

    @route("GET", "/guilds/{guild_id}/channels")
    async def guild_channels(request: ApiRequest) -> Result:
        guild = guild_of(request)
        return ok([c.payload() for c in guild.channels.values() if not c.deleted])

    @route("POST", "/guilds/{guild_id}/channels")
    async def create_channel(request: ApiRequest) -> Result:
        guild = guild_of(request)
        require_guild(guild, "manage_channels")
        body: Json = request.body or {}
        kind = int(body.get("type") or TEXT)
        if kind not in GUILD_CHANNEL_TYPES:
            raise invalid("type", "Value must be one of the guild channel types.")
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise invalid("name", "Must be between 1 and 100 in length.")
        if kind in (TEXT, 5):
            name = name.lower().replace(" ", "-")
        overwrites = parse_overwrites(guild, body.get("permission_overwrites") or [])
        parent_id = int(body["parent_id"]) if body.get("parent_id") else None
        channel = Channel(
            snowflake(),
            fake,
            guild,
            name,
            kind,
            position=int(body.get("position") or len(guild.channels)),
            parent_id=parent_id,
            topic=body.get("topic"),
            overwrites=overwrites,
            user_limit=int(body.get("user_limit") or 0),
            bitrate=int(body.get("bitrate") or 64000),
            nsfw=bool(body.get("nsfw", False)),
        )
        guild.channels[channel.id] = channel
        await fake.dispatch("CHANNEL_CREATE", channel.payload())
        return ok(channel.payload(), 201)

    @route("GET", "/guilds/{guild_id}/roles")
    async def guild_roles(request: ApiRequest) -> Result:
        return ok([r.payload() for r in guild_of(request).roles.values()])

    @route("GET", "/guilds/{guild_id}/members")
    async def list_members(request: ApiRequest) -> Result:
        guild = guild_of(request)
        limit = int(request.query.get("limit", 1))
        after = int(request.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return ok([m.payload() for m in members[:limit]])

    @route("GET", "/guilds/{guild_id}/members/{user_id}")
    async def get_member(request: ApiRequest) -> Result:
        guild = guild_of(request)
        return ok(member_of(guild, request.params["user_id"]).payload())

    def require_in_voice(guild: Guild, member: Member, name: str) -> None:
        # Voice moderation is checked where the member is connected, so a channel overwrite can grant or deny it.
        channel = member.voice_channel
        value = channel_permissions(guild, guild.me, channel) if channel else base_permissions(guild, guild.me)
        if not value & flag(name):
            raise forbidden()
        if member.voice is None:
            raise api_error(400, 40032, "Target user is not connected to voice.")

    def move_target(guild: Guild, member: Member, raw: Any) -> Channel | None:
        require_in_voice(guild, member, "move_members")
        if not raw:
            return None
        target = guild.channels.get(int(raw))
        if target is None or target.deleted:
            raise api_error(404, 10003, "Unknown Channel")
        if target.type not in (VOICE, STAGE):
            raise api_error(400, 50024, "Cannot execute action on this channel type")
        require(target, "connect")
        return target

    def check_member_edit(guild: Guild, member: Member, body: Json) -> None:
        """Every check of a member edit, made before any change so that a refusal changes nothing."""
        for key, perm in (("mute", "mute_members"), ("deaf", "deafen_members")):
            if key in body:
                require_in_voice(guild, member, perm)
        if "channel_id" in body:
            move_target(guild, member, body["channel_id"])
        if "nick" in body:
            require_guild(guild, "manage_nicknames")
            if not outranks(guild, guild.me, member):
                raise forbidden()
        if "roles" in body:
            require_guild(guild, "manage_roles")
            changed = set(member.role_ids) ^ {int(r) for r in body["roles"] or []}
            top = top_position(guild, guild.me)
            for role_id in changed:
                role = guild.roles.get(role_id)
                if role is None:
                    raise invalid("roles", f"Unknown role {role_id}")
                if role.managed or (role.position >= top and guild.owner_id != fake.bot_user.id):
                    raise forbidden()
        if "communication_disabled_until" in body:
            require_guild(guild, "moderate_members")
            if not outranks(guild, guild.me, member) or base_permissions(guild, member) & ADMINISTRATOR:
                raise forbidden()

    def member_edit(request: ApiRequest) -> tuple[Guild, Member, Json]:
        guild = guild_of(request)
        return guild, member_of(guild, request.params["user_id"]), request.body or {}

    @route("PATCH", "/guilds/{guild_id}/members/{user_id}")
    async def edit_member(request: ApiRequest) -> Result:
        guild, member, body = member_edit(request)
        check_member_edit(guild, member, body)
        voice_changed = False
        for key in ("mute", "deaf"):
            if key in body:
                setattr(member, key, bool(body[key]))
                voice_changed = True
        if "channel_id" in body:
            target = move_target(guild, member, body["channel_id"])
            if target is None or member.voice is None or target.id != member.voice.channel_id:
                fake.place_in_voice(member, target)
            voice_changed = True
        if "nick" in body:
            member.nick = body["nick"]
        if "roles" in body:
            member.role_ids = [int(r) for r in body["roles"] or []]
        if "communication_disabled_until" in body:
            member.timeout_until = body["communication_disabled_until"]
        await fake.dispatch("GUILD_MEMBER_UPDATE", {"guild_id": str(guild.id), **member.payload()})
        if voice_changed:
            await fake.dispatch("VOICE_STATE_UPDATE", fake.voice_state_payload(member))
        return ok(member.payload())

    # ----- voice states on Stages ---------------------------------------------------------------------------------

    def stage_of(guild: Guild, member: Member, body: Json) -> Channel:
        """The Stage named by ``channel_id``, which must be the one the member is in (resources/voice.mdx)."""
        if not body.get("channel_id"):
            raise invalid("channel_id", "This field is required")
        channel = guild.channels.get(int(body["channel_id"]))
        if channel is None or channel.deleted:
            raise api_error(404, 10003, "Unknown Channel")
        if channel.type != STAGE:
            raise api_error(400, 50024, "Cannot execute action on this channel type")
        if member.voice is None:
            raise api_error(404, 10065, "Unknown Voice State")
        if member.voice.channel_id != channel.id:
            raise invalid("channel_id", "The user is not connected to this channel.")
        return channel

    def voice_state_of(guild: Guild, member: Member) -> Json:
        if member.voice is None:
            raise api_error(404, 10065, "Unknown Voice State")
        channel = member.voice_channel
        if channel is not None and member is not guild.me:
            require(channel, "connect")
        return fake.voice_state_payload(member)

    @route("GET", "/guilds/{guild_id}/voice-states/@me")
    async def get_my_voice_state(request: ApiRequest) -> Result:
        guild = guild_of(request)
        return ok(voice_state_of(guild, guild.me))

    @route("GET", "/guilds/{guild_id}/voice-states/{user_id}")
    async def get_voice_state(request: ApiRequest) -> Result:
        guild = guild_of(request)
        return ok(voice_state_of(guild, member_of(guild, request.params["user_id"])))

    @route("PATCH", "/guilds/{guild_id}/voice-states/@me")
    async def edit_my_voice_state(request: ApiRequest) -> Result:
        guild = guild_of(request)
        me = guild.me
        body: Json = request.body or {}
        channel = stage_of(guild, me, body)
        assert me.voice is not None
        # Unsuppressing oneself needs MUTE_MEMBERS and raising a hand REQUEST_TO_SPEAK; suppressing oneself and
        # lowering one's hand are always allowed.
        if body.get("suppress") is False:
            require(channel, "mute_members")
        requested = body.get("request_to_speak_timestamp")
        if requested:
            require(channel, "request_to_speak")
            moment = datetime.datetime.fromisoformat(str(requested))
            now = datetime.datetime.now(datetime.UTC)
            if moment.tzinfo is None or moment < now - datetime.timedelta(seconds=5):
                raise invalid("request_to_speak_timestamp", "Must be the present or a future time.")
        if "suppress" in body:
            me.voice.suppress = bool(body["suppress"])
        if "request_to_speak_timestamp" in body:
            me.voice.request_to_speak_timestamp = requested or None
        await fake.dispatch("VOICE_STATE_UPDATE", fake.voice_state_payload(me))
        return ok()

    @route("PATCH", "/guilds/{guild_id}/voice-states/{user_id}")
    async def edit_voice_state(request: ApiRequest) -> Result:
        guild, member, body = member_edit(request)
        channel = stage_of(guild, member, body)
        voice = member.voice
        assert voice is not None
        # Only suppress is editable; discord.py also sends request_to_speak_timestamp, which is not a field here.
        if "suppress" in body:
            require(channel, "mute_members")
            if body["suppress"]:
                voice.suppress, voice.request_to_speak_timestamp = True, None
            elif not voice.speaking:
                # A human is invited (a timestamp, until they accept); a bot becomes a speaker at once.
                voice.suppress = False
                voice.request_to_speak_timestamp = None if member.user.bot else iso_now()
        await fake.dispatch("VOICE_STATE_UPDATE", fake.voice_state_payload(member))
        return ok()

    # ----- Stage instances ------------------------------------------------------------------------------------------

    def stage_channel(channel_id: Any) -> Channel:
        channel = fake.find_channel(int(channel_id or 0))
        if channel is None:
            raise api_error(404, 10003, "Unknown Channel")
        if channel.type != STAGE:
            raise api_error(400, 50024, "Cannot execute action on this channel type")
        return channel

    def instance_of(channel: Channel) -> StageInstance:
        instance = channel.stage_instance
        if instance is None:
            raise api_error(404, 10067, "Unknown Stage Instance")
        return instance

    def check_instance_body(body: Json) -> None:
        if "topic" in body and not 1 <= len(str(body["topic"] or "")) <= 120:
            raise invalid("topic", "Must be between 1 and 120 in length.")
        if "privacy_level" in body and body["privacy_level"] not in (1, 2):
            raise invalid("privacy_level", "Value must be one of {1, 2}.")

    @route("POST", "/stage-instances")
    async def create_stage_instance(request: ApiRequest) -> Result:
        body: Json = request.body or {}
        channel = stage_channel(body.get("channel_id"))
        require(channel, *STAGE_MODERATOR)
        guild = channel.guild
        assert guild is not None
        if "topic" not in body:
            raise invalid("topic", "This field is required")
        check_instance_body(body)
        event_id = int(body["guild_scheduled_event_id"]) if body.get("guild_scheduled_event_id") else None
        if event_id is not None and event_id not in guild.events:
            raise invalid("guild_scheduled_event_id", "Unknown guild scheduled event.")
        if channel.stage_instance is not None:
            raise api_error(400, 150006, "The Stage is already open")
        instance = StageInstance(
            snowflake(), guild.id, channel.id, str(body["topic"]), int(body.get("privacy_level") or 2), event_id
        )
        guild.stage_instances[channel.id] = instance
        await fake.dispatch("STAGE_INSTANCE_CREATE", instance.payload())
        return ok(instance.payload())

    @route("GET", "/stage-instances/{channel_id}")
    async def get_stage_instance(request: ApiRequest) -> Result:
        channel = stage_channel(request.params["channel_id"])
        require(channel)
        return ok(instance_of(channel).payload())

    @route("PATCH", "/stage-instances/{channel_id}")
    async def edit_stage_instance(request: ApiRequest) -> Result:
        channel = stage_channel(request.params["channel_id"])
        require(channel, *STAGE_MODERATOR)
        instance = instance_of(channel)
        body: Json = request.body or {}
        check_instance_body(body)
        if "topic" in body:
            instance.topic = str(body["topic"])
        if "privacy_level" in body:
            instance.privacy_level = int(body["privacy_level"])
        await fake.dispatch("STAGE_INSTANCE_UPDATE", instance.payload())
        return ok(instance.payload())

    @route("DELETE", "/stage-instances/{channel_id}")
    async def delete_stage_instance(request: ApiRequest) -> Result:
        channel = stage_channel(request.params["channel_id"])
        require(channel, *STAGE_MODERATOR)
        instance = instance_of(channel)
        assert channel.guild is not None
        del channel.guild.stage_instances[channel.id]
        await fake.dispatch("STAGE_INSTANCE_DELETE", instance.payload())
        return ok()

    def role_change(request: ApiRequest) -> tuple[Guild, Member, int]:
        guild = guild_of(request)
        require_guild(guild, "manage_roles")
        member = member_of(guild, request.params["user_id"])
        role = guild.roles.get(int(request.params["role_id"]))
        if role is None:
            raise api_error(404, 10011, "Unknown Role")
        if role.managed or (role.position >= top_position(guild, guild.me) and guild.owner_id != fake.bot_user.id):
            raise forbidden()
        return guild, member, role.id

    @route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
    async def add_role(request: ApiRequest) -> Result:
        guild, member, role_id = role_change(request)
        if role_id not in member.role_ids:
            member.role_ids.append(role_id)
        await fake.dispatch("GUILD_MEMBER_UPDATE", {"guild_id": str(guild.id), **member.payload()})
        return ok()

    @route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
    async def remove_role(request: ApiRequest) -> Result:
        guild, member, role_id = role_change(request)
        if role_id in member.role_ids:
            member.role_ids.remove(role_id)
        await fake.dispatch("GUILD_MEMBER_UPDATE", {"guild_id": str(guild.id), **member.payload()})
        return ok()

    # ----- scheduled events ---------------------------------------------------------------------------------------

    def event_of(guild: Guild, request: ApiRequest) -> ScheduledEvent:
        event = guild.events.get(int(request.params["event_id"]))
        if event is None:
            raise api_error(404, 10070, "Unknown Guild Scheduled Event")
        return event

    def check_event_body(guild: Guild, data: Json) -> None:
        kind = int(data.get("entity_type") or 0)
        if kind not in (1, 2, 3):
            raise invalid("entity_type", "Value must be one of {1, 2, 3}.")
        if kind in (1, 2):
            channel = guild.channels.get(int(data.get("channel_id") or 0))
            if channel is None or channel.type != (STAGE if kind == 1 else VOICE):
                raise invalid("channel_id", "A voice or stage channel matching entity_type is required.")
        else:
            if not (data.get("entity_metadata") or {}).get("location"):
                raise invalid("entity_metadata.location", "This field is required")
            if not data.get("scheduled_end_time"):
                raise invalid("scheduled_end_time", "This field is required")
        start = datetime.datetime.fromisoformat(str(data["scheduled_start_time"]))
        if data.get("status", 1) == 1 and start < datetime.datetime.now(datetime.UTC):
            raise invalid("scheduled_start_time", "Cannot schedule event in the past.")

    def require_events(guild: Guild, data: Json, event: ScheduledEvent | None = None) -> None:
        channel = guild.channels.get(int(data.get("channel_id") or 0))
        value = channel_permissions(guild, guild.me, channel) if channel else base_permissions(guild, guild.me)
        if value & flag("manage_events"):
            return
        creator_ok = event is None or event.data.get("creator_id") == str(fake.bot_user.id)
        if value & flag("create_events") and creator_ok:
            return
        raise forbidden()

    @route("GET", "/guilds/{guild_id}/scheduled-events")
    async def list_events(request: ApiRequest) -> Result:
        return ok([e.payload() for e in guild_of(request).events.values()])

    @route("POST", "/guilds/{guild_id}/scheduled-events")
    async def create_event(request: ApiRequest) -> Result:
        guild = guild_of(request)
        body: Json = dict(request.body or {})
        require_events(guild, body)
        if not body.get("name") or not body.get("scheduled_start_time"):
            raise invalid("name", "This field is required")
        check_event_body(guild, body)
        event_id = snowflake()
        data: Json = {
            "id": str(event_id),
            "guild_id": str(guild.id),
            "channel_id": str(body["channel_id"]) if body.get("channel_id") else None,
            "creator_id": str(fake.bot_user.id),
            "creator": fake.bot_user.payload(),
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": int(body.get("privacy_level") or 2),
            "status": 1,
            "entity_type": int(body["entity_type"]),
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "user_count": 0,
            "image": None,
            "recurrence_rule": body.get("recurrence_rule"),
        }
        event = ScheduledEvent(event_id, guild.id, data)
        guild.events[event_id] = event
        await fake.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event.payload())
        return ok(event.payload())

    @route("GET", "/guilds/{guild_id}/scheduled-events/{event_id}")
    async def get_event(request: ApiRequest) -> Result:
        guild = guild_of(request)
        return ok(event_of(guild, request).payload())

    @route("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}")
    async def edit_event(request: ApiRequest) -> Result:
        guild = guild_of(request)
        event = event_of(guild, request)
        body: Json = dict(request.body or {})
        require_events(guild, {**event.data, **body}, event)
        merged = {**event.data, **body}
        if "status" in body:
            old, new = event.status, int(body["status"])
            allowed = {1: {2, 4}, 2: {3}}
            if new != old and new not in allowed.get(old, set()):
                raise invalid("status", f"Cannot change status from {old} to {new}.")
        if "scheduled_start_time" in body or "entity_type" in body or "channel_id" in body:
            check_event_body(guild, merged)
        for key in ("channel_id",):
            if merged.get(key) is not None:
                merged[key] = str(merged[key])
        event.data = merged
        await fake.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event.payload())
        return ok(event.payload())

    @route("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}")
    async def delete_event(request: ApiRequest) -> Result:
        guild = guild_of(request)
        event = event_of(guild, request)
        require_events(guild, event.data, event)
        del guild.events[event.id]
        await fake.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event.payload())
        return ok()
