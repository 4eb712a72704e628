"""The fake Discord server: REST v10 and the JSON gateway (zlib-stream), on 127.0.0.1, with switchable faults."""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import fnmatch
import hashlib
import json
import logging
import math
import re
import secrets
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord.errors import ApiError
from tests.fakediscord.ids import (
    dumps,
    fake_time,
    iso_now,
    make_token,
    set_clock_offset,
    snowflake,
    user_id_from_token,
)
from tests.fakediscord.intents import as_received
from tests.fakediscord.interactions import InteractionEngine
from tests.fakediscord.perms import DEFAULT_BOT, PermLike, perm_value
from tests.fakediscord.ratelimits import RateLimiter, Verdict
from tests.fakediscord.shards import AUTHENTICATION_FAILED, ShardRules, guild_of, shard_for, snowflake_on_shard
from tests.fakediscord.world import (
    STAGE,
    VOICE,
    Channel,
    Guild,
    Json,
    Member,
    Message,
    RefusedError,
    User,
    VoiceState,
)

log = logging.getLogger("fakediscord")
NONCE_MEMORY = datetime.timedelta(minutes=3)
"""How long the fake remembers a post's nonce by default; Discord documents only "the past few minutes"."""

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"


@dataclass
class ApiRequest:
    """A parsed REST request handed to a route handler."""

    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    token: str | None
    headers: dict[str, str] = field(default_factory=dict)
    """The request's headers by lower-case name (e.g. ``x-discord-locale``)."""


@dataclass
class RequestRecord:
    """One REST call the client made: method, concrete path, route template, status and timing."""

    method: str
    path: str
    route: str
    status: int
    at: float
    duration: float
    body: Any = None
    response: Any = None
    bucket: str | None = None

    @property
    def rate_limited(self) -> bool:
        """Whether the call was answered 429."""
        return self.status == 429

    @property
    def key(self) -> str:
        """``"METHOD /route/{template}"``."""
        return f"{self.method} {self.route}"


@dataclass
class _Fault:
    method: str | None
    pattern: str
    remaining: int
    status: int
    retry_after: float = 0.0
    is_global: bool = False

    def matches(self, method: str, route: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return fnmatch.fnmatchcase(route, self.pattern) or fnmatch.fnmatchcase(path, self.pattern)


@dataclass(eq=False)
class Hold:
    """A request the fake carries out and then does not answer until released (a bot killed at that moment)."""

    method: str | None
    pattern: str
    containing: str | None
    remaining: int = 1
    accepted: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, method: str, route: str, path: str, body: Any) -> bool:
        if self.remaining <= 0 or (self.method is not None and self.method != method):
            return False
        if not (fnmatch.fnmatchcase(route, self.pattern) or fnmatch.fnmatchcase(path, self.pattern)):
            return False
        return self.containing is None or self.containing in json.dumps(body, default=str)

    def release(self) -> None:
        """Send the held answer (to nobody, if the client is gone)."""
        self.released.set()


def _parse_route_spec(spec: str) -> tuple[str | None, str]:
    parts = spec.strip().split(" ", 1)
    if len(parts) == 2 and parts[0].isupper():
        return parts[0], parts[1]
    return None, spec.strip()


class Faults:
    """Switchable production behaviours: interaction deadline, 429s, 5xx bursts, Discord's observed rate limits."""

    def __init__(self) -> None:
        self.interaction_deadline: float = 3.0
        self.fail_on_late_callback: bool = True
        self.limiter: RateLimiter | None = None
        self._faults: list[_Fault] = []
        self.holds: list[Hold] = []

    def realistic_rate_limits(self, *, time_scale: float = 1.0, announced: bool = True) -> RateLimiter:
        """Apply Discord's observed per-route buckets and the global 50 per second from now on (off by default).

        Overwrites 10 per 15 s per channel (PUT and DELETE together), message create and edit 5 per 5 s per
        channel, message delete 5 per 1 s per channel, member modify (mute, deafen, move) and member roles 10 per
        10 s per guild, Stage voice-state edits 5 per 5 s for the whole bot.
        ``time_scale`` shrinks every window so a test runs in seconds; ``announced=False`` leaves the buckets out
        of the headers, so the client meets them only as 429s. ``faults.limiter = None`` turns them off again.
        """
        self.limiter = RateLimiter(time_scale=time_scale, announced=announced)
        return self.limiter

    def rate_limit(
        self, route: str = "*", count: int = 1, retry_after: float = 0.2, *, is_global: bool = False
    ) -> None:
        """Answer the next ``count`` matching requests with 429 (``route`` like ``"POST /channels/*/messages"``)."""
        method, pattern = _parse_route_spec(route)
        self._faults.append(_Fault(method, pattern, count, 429, retry_after, is_global))

    def server_error(self, route: str = "*", count: int = 1, status: int = 500) -> None:
        """Answer the next ``count`` matching requests with a 5xx (discord.py sleeps 1, 3, 5 s between retries)."""
        method, pattern = _parse_route_spec(route)
        self._faults.append(_Fault(method, pattern, count, status))

    def hold_answer(self, route: str = "*", *, containing: str | None = None) -> Hold:
        """Carry out the next matching request (its body holding `containing`, if given), then keep its answer back.

        `hold.accepted` is set once the fake has done what was asked (a post made, its MESSAGE_CREATE sent); the
        answer goes when `hold.release()` is called. A test kills the bot in between: Discord accepted, the bot never
        heard.
        """
        method, pattern = _parse_route_spec(route)
        hold = Hold(method, pattern, containing)
        self.holds.append(hold)
        return hold

    def held(self, method: str, route: str, path: str, body: Any) -> Hold | None:
        """Take the hold that matches a request, if any."""
        for hold in self.holds:
            if hold.matches(method, route, path, body):
                hold.remaining -= 1
                return hold
        return None

    def clear(self) -> None:
        """Remove all pending 429/5xx faults."""
        self._faults.clear()

    def take(self, method: str, route: str, path: str) -> _Fault | None:
        """Consume one matching fault, if any."""
        for fault in self._faults:
            if fault.remaining > 0 and fault.matches(method, route, path):
                fault.remaining -= 1
                return fault
        return None


@dataclass(eq=False)
class GatewaySession:
    """A gateway session: sequence numbers and the dispatch buffer used for RESUME."""

    session_id: str
    seq: int = 0
    buffer: list[tuple[int, str]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    outbox: asyncio.Queue[str | None] | None = None
    alive: bool = True
    compressor: Any = None
    resumes: int = 0
    intents: int = 0
    shard: tuple[int, int] = (0, 1)

    def owns(self, guild_id: int | None) -> bool:
        """Whether this session receives a guild's events (``guild_id`` None: DMs and the like, shard 0's)."""
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else shard_for(guild_id, count))


Handler = Callable[[ApiRequest], Awaitable[tuple[int, Any]]]


class FakeDiscord:
    """The whole fake: world state, REST, gateway, faults, request log, failures; start with ``await start()``."""

    def __init__(
        self,
        *,
        bot_name: str = "Setkeeper",
        bot_permissions: PermLike = DEFAULT_BOT,
        clock_offset: datetime.timedelta = datetime.timedelta(0),
    ) -> None:
        # Discord's clock, which its snowflakes, timestamps and Date headers follow: tests may set it apart from the
        # bot's (clock skew) or move it on (time passing for Discord while the bot is down).
        self.clock_offset = clock_offset
        set_clock_offset(clock_offset.total_seconds())
        self.nonce_memory = NONCE_MEMORY
        """How long a post's nonce is remembered (``enforce_nonce``): Discord says "the past few minutes"."""
        self.nonces: dict[tuple[int, str], tuple[float, Message]] = {}
        self.bot_user = User(snowflake(), bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.token = make_token(self.bot_user.id)
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, Guild] = {}
        self.departed: dict[int, Guild] = {}
        """Guilds the bot was removed from (kicked, or it left): they go on without it until it is invited back."""
        self.dm_channels: dict[int, Channel] = {}
        self.ephemeral_messages: list[Message] = []
        self.global_commands: list[Json] = []
        self.guild_commands: dict[int, list[Json]] = {}
        self.faults = Faults()
        self.requests: list[RequestRecord] = []
        self.failures: list[str] = []
        self.dispatched: list[tuple[str, Json]] = []
        self.deletions: list[Message] = []
        self.sessions: list[GatewaySession] = []
        self.identify_count = 0
        self.sharding = ShardRules()
        """Shards Discord recommends or requires, the IDENTIFY budget and ``max_concurrency`` (see ``shards.py``)."""
        self.heartbeat_interval_ms = 41250
        self.interactions = InteractionEngine(self)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._inflight = 0
        self._last_activity = time.monotonic()
        self._t0 = time.monotonic()
        self._ready_waiters: list[asyncio.Future[None]] = []
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._register_routes()
        self.owner = self.add_user("Owner")
        self.guild = self.create_guild("Test Guild", owner=self.owner, bot_permissions=bot_permissions)

    # ----- Discord's clock -------------------------------------------------------------------------------------

    def now(self) -> datetime.datetime:
        """The time by Discord's clock (the real time moved by ``clock_offset``)."""
        return datetime.datetime.fromtimestamp(fake_time(), datetime.UTC)

    def move_clock(self, by: datetime.timedelta) -> None:
        """Time passes for Discord: its clock moves on by `by` (forward only, so snowflakes keep their order)."""
        if by < datetime.timedelta(0):
            raise ValueError("Discord's clock moves forward only")
        self.clock_offset += by
        set_clock_offset(self.clock_offset.total_seconds())

    def remembered_post(self, author: User, nonce: str) -> Message | None:
        """The post `author` made with `nonce`, if Discord still remembers the nonce (``enforce_nonce``)."""
        kept = self.nonces.get((author.id, nonce))
        if kept is None or fake_time() - kept[0] > self.nonce_memory.total_seconds():
            return None
        return kept[1]

    def remember_post(self, author: User, nonce: str, message: Message) -> None:
        """Remember a post's nonce, as Discord does for a few minutes."""
        self.nonces[(author.id, nonce)] = (fake_time(), message)

    # ----- world construction --------------------------------------------------------------------------------

    def add_user(self, name: str, *, bot: bool = False, dms_open: bool = True) -> User:
        """Create a user (not yet in any guild)."""
        user = User(snowflake(), name, bot=bot, dms_open=dms_open)
        self.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str = "Another Guild",
        *,
        owner: User | None = None,
        bot_permissions: PermLike = DEFAULT_BOT,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """Create a guild with an owner, @everyone, a #general channel and the bot (managed role with given perms).

        ``shard=(shard_id, shard_count)`` gives it an id that Discord's formula puts on that shard.
        """
        guild_id = None if shard is None else snowflake_on_shard(*shard)
        guild = Guild(self, name, owner or self.add_user(f"{name} owner"), bot_permissions, guild_id=guild_id)
        self.guilds[guild.id] = guild
        guild.add_channel("general")
        self.dispatch_soon("GUILD_CREATE", guild.payload(joined=True))
        return guild

    async def remove_bot(self, guild: Guild) -> None:
        """An administrator kicks the bot (or it left): GUILD_DELETE without ``unavailable``, then its REST is refused.

        From then on the guild is in :attr:`departed`: its routes answer 403 Missing Access, its events and
        interactions no longer reach the bot, and a new session's READY leaves it out.
        """
        if self.guilds.pop(guild.id, None) is None:
            raise RefusedError(404, 10004, "Unknown Guild")
        self.departed[guild.id] = guild
        await self.dispatch("GUILD_DELETE", {"id": str(guild.id)})
        await self.settle()

    async def invite_bot(self, guild: Guild) -> None:
        """Someone with Manage Server adds the bot back (an OAuth2 invite): GUILD_CREATE with the whole guild."""
        if self.departed.pop(guild.id, None) is None:
            raise RefusedError(400, 50035, f"the bot is already in {guild.name}")
        self.guilds[guild.id] = guild
        await self.dispatch("GUILD_CREATE", guild.payload(joined=True))
        await self.settle()

    def set_bot_permissions(self, permissions: PermLike, guild: Guild | None = None) -> None:
        """Change the bot's managed role permissions (default guild unless given)."""
        target = guild or self.guild
        target.set_role_permissions(target.bot_role, perm_value(permissions))

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The value for ``DISCORD_API_BASE`` / ``discord.http.Route.BASE``."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """The value for ``DISCORD_GATEWAY_URL`` / ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    def bot_env(self) -> dict[str, str]:
        """Environment variables pointing a bot process at this fake."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    def find_channel(self, channel_id: int) -> Channel | None:
        """Any live channel (guild or DM) by id."""
        for guild in self.guilds.values():
            channel = guild.channels.get(channel_id)
            if channel is not None:
                return channel if not channel.deleted else None
        for channel in self.dm_channels.values():
            if channel.id == channel_id:
                return channel
        return None

    def find_message(self, message_id: int) -> Message | None:
        """Any message (channel or ephemeral) by id."""
        for guild in self.guilds.values():
            for channel in guild.channels.values():
                for message in channel.messages:
                    if message.id == message_id:
                        return message
        for channel in self.dm_channels.values():
            for message in channel.messages:
                if message.id == message_id:
                    return message
        for message in self.ephemeral_messages:
            if message.id == message_id:
                return message
        return None

    @property
    def rate_limited(self) -> list[RequestRecord]:
        """Every REST call answered 429 (injected or by the realistic buckets); ``.bucket`` says which bucket."""
        return [r for r in self.requests if r.rate_limited]

    @property
    def deleted_by_bot(self) -> list[Message]:
        """Messages the bot deleted (one by one, in bulk or as an interaction's), in the order it deleted them."""
        return [m for m in self.deletions if m.deleted_by is self.bot_user]

    def record_deletion(self, message: Message, by: User) -> None:
        """Mark a message deleted by ``by`` now, and keep it in :attr:`deletions`."""
        message.deleted = True
        message.deleted_by = by
        message.deleted_at = iso_now()
        self.deletions.append(message)

    def answered_at(self, record: RequestRecord) -> float:
        """When the fake answered a REST call (its change made), on `time.monotonic()` as the interactions are."""
        return self._t0 + record.at + record.duration

    @property
    def refused_as_invalid(self) -> list[RequestRecord]:
        """Every REST call answered 400 Invalid Form Body (50035): what broke Discord's rules or went past its limits.

        Each record's ``response["errors"]`` says which field, as Discord does.
        """
        return [
            r
            for r in self.requests
            if r.status == 400 and isinstance(r.response, dict) and r.response.get("code") == 50035
        ]

    def requests_to(self, spec: str) -> list[RequestRecord]:
        """Logged REST calls matching ``"METHOD /route/template"`` or a glob on the route or path."""
        method, pattern = _parse_route_spec(spec)
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (fnmatch.fnmatchcase(r.route, pattern) or fnmatch.fnmatchcase(r.path, pattern))
        ]

    # ----- lifecycle ---------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind a free port on 127.0.0.1 and serve."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", GATEWAY_PATH, self._gateway)
        app.router.add_route("GET", GATEWAY_PATH + "/", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Close gateway connections and stop serving."""
        for session in self.sessions:
            if session.ws is not None and not session.ws.closed:
                await session.ws.close(code=1001)
        for hold in self.faults.holds:
            hold.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        set_clock_offset(0.0)

    def problems(self) -> list[str]:
        """Failures recorded so far plus interactions that never got a callback."""
        return self.failures + self.interactions.unanswered()

    async def settle(self, quiet: float = 0.15, within: float = 10.0) -> None:
        """Wait until no REST call is in flight and none was made (nor a dispatch sent) for ``quiet`` seconds."""
        await asyncio.sleep(0)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self._inflight == 0 and time.monotonic() - self._last_activity >= quiet:
                return
            await asyncio.sleep(0.02)

    async def wait_ready(self, within: float = 10.0, *, shards: int | None = None) -> None:
        """Wait until a gateway session has been sent READY (with ``shards``, one for each of shards 0 to n-1)."""
        if shards is not None:
            deadline = time.monotonic() + within
            while not all(self._connected(self.session_for(shard)) for shard in range(shards)):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"not every one of {shards} shards identified within {within}s")
                await asyncio.sleep(0.02)
            return
        if any(s.alive and s.ws is not None for s in self.sessions):
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._ready_waiters.append(future)
        await asyncio.wait_for(future, within)

    # ----- gateway -----------------------------------------------------------------------------------------------

    @staticmethod
    def _connected(session: GatewaySession | None) -> bool:
        return session is not None and session.ws is not None

    @property
    def session(self) -> GatewaySession | None:
        """The newest live gateway session, if any (with shards, :meth:`session_for` picks one)."""
        live = self.live_sessions
        return live[-1] if live else None

    @property
    def live_sessions(self) -> list[GatewaySession]:
        """Every session not ended (connected, or disconnected but resumable), oldest first."""
        return [s for s in self.sessions if s.alive]

    def session_for(self, shard_id: int) -> GatewaySession | None:
        """The newest live session identified as shard ``shard_id`` (of any count), if any."""
        live = [s for s in self.live_sessions if s.shard[0] == shard_id]
        return live[-1] if live else None

    def dispatch_soon(self, event: str, data: Json) -> None:
        """Send a DISPATCH to each live session whose shard owns the event (buffered for RESUME while away)."""
        self.dispatched.append((event, data))
        guild_id = guild_of(event, data)
        for session in self.live_sessions:
            if session.owns(guild_id):
                self._send_dispatch(session, event, data)

    async def dispatch(self, event: str, data: Json) -> None:
        """Like :meth:`dispatch_soon`, then yield once so the frame goes out."""
        self.dispatch_soon(event, data)
        await asyncio.sleep(0)

    def _send_dispatch(self, session: GatewaySession, event: str, data: Json) -> None:
        if isinstance(data, dict) and int(data.get("guild_id") or 0) in self.departed:
            return  # what happens in a guild the bot was removed from no longer reaches it
        received = as_received(event, data, session.intents, self.bot_user.id)
        if received is None:
            return
        data = received
        self._last_activity = time.monotonic()
        session.seq += 1
        frame = dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        session.buffer.append((session.seq, frame))
        if session.outbox is not None:
            session.outbox.put_nowait(frame)

    async def drop_gateway(self, *, resumable: bool = True, code: int = 4000, shard: int | None = None) -> None:
        """Close the bot's gateway socket; it reconnects and RESUMEs (or is sent INVALID_SESSION if not resumable).

        ``shard`` picks the session of that shard; by default the newest.
        """
        session = self.session if shard is None else self.session_for(shard)
        assert session is not None, "no live gateway session"
        if not resumable:
            session.alive = False
        ws = session.ws
        session.ws = None
        if session.outbox is not None:
            session.outbox.put_nowait(None)
        session.outbox = None
        if ws is not None:
            await ws.close(code=code)

    async def send_reconnect(self, *, shard: int | None = None) -> None:
        """Send op 7 RECONNECT (the client closes and resumes) to the newest session, or to ``shard``'s."""
        session = self.session if shard is None else self.session_for(shard)
        assert session is not None
        assert session.outbox is not None
        session.outbox.put_nowait(dumps({"op": 7, "d": None}))

    async def _writer(self, ws: web.WebSocketResponse, queue: asyncio.Queue[str | None], compress: Any) -> None:
        while True:
            frame = await queue.get()
            if frame is None or ws.closed:
                return
            try:
                if compress is not None:
                    await ws.send_bytes(compress.compress(frame.encode()) + compress.flush(zlib.Z_SYNC_FLUSH))
                else:
                    await ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        compression = request.query.get("compress")
        if compression not in (None, "zlib-stream"):
            self.failures.append(f"gateway asked for unsupported transport compression {compression!r}")
        if request.query.get("v") != "10" or request.query.get("encoding", "json") != "json":
            self.failures.append(
                f"gateway asked for v={request.query.get('v')} encoding={request.query.get('encoding')}"
            )
        compressor = zlib.compressobj() if compression == "zlib-stream" else None
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        writer = asyncio.create_task(self._writer(ws, queue, compressor))
        queue.put_nowait(dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}))
        session: GatewaySession | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    if msg.type == WSMsgType.BINARY:
                        self.failures.append("gateway got a binary frame from the client")
                    continue
                payload = json.loads(msg.data)
                op = payload.get("op")
                data = payload.get("d")
                if op == 1:
                    queue.put_nowait(dumps({"op": 11}))
                elif op == 2:
                    session = await self._identify(ws, queue, data)
                elif op == 6:
                    session = await self._resume(ws, queue, data)
                elif op == 8:
                    self._request_members(session, data)
                elif op in (3, 4):
                    if op == 4:
                        self._bot_voice_update(data)
                else:
                    self.failures.append(f"gateway got unknown op {op}")
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
                session.outbox = None
            queue.put_nowait(None)
            await writer
        return ws

    async def _identify(
        self, ws: web.WebSocketResponse, queue: asyncio.Queue[str | None], data: Json
    ) -> GatewaySession | None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        verdict = self.sharding.check(data.get("shard"), list(self.guilds))
        if not isinstance(verdict, tuple):
            if verdict.code == 9:
                queue.put_nowait(dumps({"op": 9, "d": False}))
                return None
            if verdict.code == AUTHENTICATION_FAILED:
                await self._reset_token()
            await ws.close(code=verdict.code, message=verdict.reason.encode())
            return None
        self.sharding.spend(verdict)
        for old in self.sessions:
            if old.shard == verdict:
                old.alive = False
        self.identify_count += 1
        intents = int(data.get("intents") or 0)
        session = GatewaySession(secrets.token_hex(16), ws=ws, outbox=queue, intents=intents, shard=verdict)
        self.sessions.append(session)
        owned = [g for g in self.guilds.values() if session.owns(g.id)]
        ready = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in owned],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "shard": list(session.shard),
            "application": {"id": str(self.application_id), "flags": 1 << 19 | 1 << 15 | 1 << 13},
            "_trace": ["fake-discord"],
        }
        self._send_dispatch(session, "READY", ready)
        for guild in owned:
            self._send_dispatch(session, "GUILD_CREATE", guild.payload())
        for waiter in self._ready_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._ready_waiters.clear()
        return session

    async def _resume(
        self, ws: web.WebSocketResponse, queue: asyncio.Queue[str | None], data: Json
    ) -> GatewaySession | None:
        target = next((s for s in self.sessions if s.session_id == data.get("session_id")), None)
        if target is None or not target.alive or data.get("token") != self.token:
            await asyncio.sleep(0.05)
            queue.put_nowait(dumps({"op": 9, "d": False}))
            return None
        target.ws = ws
        target.outbox = queue
        target.resumes += 1
        last_seq = int(data.get("seq") or 0)
        for seq, frame in target.buffer:
            if seq > last_seq:
                queue.put_nowait(frame)
        self._send_dispatch(target, "RESUMED", {"_trace": ["fake-discord"]})
        return target

    async def _reset_token(self) -> None:
        """The IDENTIFY budget is spent: Discord ends every active session and resets the bot's token."""
        self.failures.append(
            f"IDENTIFY budget spent ({self.sharding.total} a day): Discord ended every session and reset the token"
        )
        self.token = make_token(self.bot_user.id)
        for session in self.live_sessions:
            session.alive = False
            ws = session.ws
            session.ws = None
            if ws is not None and not ws.closed:
                await ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")

    def _request_members(self, session: GatewaySession | None, data: Json) -> None:
        guild = self.guilds.get(int(data.get("guild_id", 0)))
        if guild is None or session is None or not session.owns(guild.id):
            return
        chunk: Json = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in guild.members.values()],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _bot_voice_update(self, data: Json) -> None:
        guild = self.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        channel_id = data.get("channel_id")
        channel = guild.channels.get(int(channel_id)) if channel_id else None
        self.place_in_voice(guild.me, channel)
        if guild.me.voice is not None:
            guild.me.voice.self_mute = bool(data.get("self_mute"))
            guild.me.voice.self_deaf = bool(data.get("self_deaf"))
        self.dispatch_soon("VOICE_STATE_UPDATE", self.voice_state_payload(guild.me))

    # ----- test-side actions --------------------------------------------------------------------------------------

    def voice_state_payload(self, member: Member, *, include_member: bool = True) -> Json:
        """A voice state object for a member (channel_id null when disconnected)."""
        voice = member.voice
        data: Json = {
            "guild_id": str(member.guild.id),
            "channel_id": str(voice.channel_id) if voice else None,
            "user_id": str(member.id),
            "session_id": voice.session_id if voice else "",
            "deaf": member.deaf,
            "mute": member.mute,
            "self_deaf": voice.self_deaf if voice else False,
            "self_mute": voice.self_mute if voice else False,
            "self_stream": False,
            "self_video": False,
            "suppress": voice.suppress if voice else False,
            "request_to_speak_timestamp": voice.request_to_speak_timestamp if voice else None,
        }
        if include_member:
            data["member"] = member.payload()
        return data

    def place_in_voice(self, member: Member, channel: Channel | None) -> None:
        """Connect, move or disconnect a member, with no permission check and no dispatch.

        A move keeps the voice session and self mute; the server ``mute``/``deaf`` live on the member, so they
        outlive the call. Suppression is worked out on joining and never again (discord-api-docs#4032): the
        audience on a Stage, and in a voice channel whoever lacks SPEAK there (discord-api-docs#5216).
        """
        if channel is None:
            member.voice = None
            return
        if channel.type not in (VOICE, STAGE):
            raise ValueError(f"#{channel.name} is not a voice or stage channel")
        old = member.voice
        member.voice = VoiceState(channel.id, old.session_id if old else secrets.token_hex(8))
        if old is not None:
            member.voice.self_mute, member.voice.self_deaf = old.self_mute, old.self_deaf
        member.voice.suppress = channel.type == STAGE or not member.can("speak", channel)

    def empty_channel(self, channel: Channel) -> None:
        """What a deleted channel takes with it: its Stage instance ends and whoever was in it is disconnected."""
        guild = channel.guild
        if guild is None:
            return
        instance = guild.stage_instances.pop(channel.id, None)
        if instance is not None:
            self.dispatch_soon("STAGE_INSTANCE_DELETE", instance.payload())
        for member in channel.voice_members:
            member.voice = None
            self.dispatch_soon("VOICE_STATE_UPDATE", self.voice_state_payload(member))

    async def set_voice(self, member: Member, channel: Channel | None) -> None:
        """Connect/move/disconnect a member (needs VIEW_CHANNEL+CONNECT) and dispatch one VOICE_STATE_UPDATE."""
        if channel is not None and not (member.can("view_channel", channel) and member.can("connect", channel)):
            raise RefusedError(403, 50013, "Missing Permissions")
        self.place_in_voice(member, channel)
        await self.dispatch("VOICE_STATE_UPDATE", self.voice_state_payload(member))
        await self.settle()

    def stage_voice(self, member: Member) -> VoiceState:
        """The member's voice state on a Stage; RefusedError 400 when they are not on one."""
        channel = member.voice_channel
        if member.voice is None or channel is None or channel.type != STAGE:
            raise RefusedError(400, 50024, "Cannot execute action on this channel type")
        return member.voice

    async def update_voice(self, member: Member, **changes: Any) -> None:
        """A member changes their own Stage state (``suppress``, ``request_to_speak_timestamp``); dispatches."""
        voice = self.stage_voice(member)
        for key, value in changes.items():
            setattr(voice, key, value)
        await self.dispatch("VOICE_STATE_UPDATE", self.voice_state_payload(member))
        await self.settle()

    def voice_edits(self, member: Member | None = None) -> list[RequestRecord]:
        """Successful REST edits of voice: server mute/deafen/move and Stage suppress, oldest first.

        Each record has the ``body`` the bot sent and ``at``; ``member`` keeps those aimed at one member
        (``@me`` edits count as the bot's).
        """
        wanted = {
            "PATCH /guilds/{guild_id}/members/{user_id}",
            "PATCH /guilds/{guild_id}/voice-states/{user_id}",
            "PATCH /guilds/{guild_id}/voice-states/@me",
        }
        voice_keys = {"mute", "deaf", "channel_id", "suppress", "request_to_speak_timestamp"}
        edits = [
            r
            for r in self.requests
            if r.key in wanted and r.status < 300 and isinstance(r.body, dict) and voice_keys & set(r.body)
        ]
        if member is None:
            return edits
        targets = {str(member.id), "@me"} if member.id == self.bot_user.id else {str(member.id)}
        return [r for r in edits if r.path.rsplit("/", 1)[-1] in targets]

    async def user_post(
        self, member: Member, channel: Channel, content: str, *, age: float = 0.0, settle: bool = True
    ) -> Message:
        """A human posts in a channel (``age`` seconds ago, for old messages); Discord's permission rules apply."""
        if channel.guild is not None:
            if not member.can("view_channel", channel):
                raise RefusedError(403, 50001, "Missing Access")
            if not member.can("send_messages", channel):
                raise RefusedError(403, 50013, "Missing Permissions")
        at = fake_time() - age
        created = datetime.datetime.fromtimestamp(at, datetime.UTC).isoformat()
        message = Message(snowflake(at), channel, member.user, content, created_at=created)
        channel.messages.append(message)
        await self.dispatch("MESSAGE_CREATE", message.payload())
        if settle:
            await self.settle()
        return message

    async def user_delete(self, member: Member, message: Message) -> None:
        """A human deletes a message; others' messages need MANAGE_MESSAGES, as in Discord."""
        channel = message.channel
        if message.deleted:
            raise RefusedError(404, 10008, "Unknown Message")
        if message.author.id != member.id and not member.can("manage_messages", channel):
            raise RefusedError(403, 50013, "Missing Permissions")
        self.record_deletion(message, member.user)
        data: Json = {"id": str(message.id), "channel_id": str(channel.id)}
        if channel.guild is not None:
            data["guild_id"] = str(channel.guild.id)
        await self.dispatch("MESSAGE_DELETE", data)
        await self.settle()

    # ----- REST plumbing -------------------------------------------------------------------------------------------

    def _route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        pattern = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")

        def register(handler: Handler) -> Handler:
            self._routes.append((method, pattern, template, handler))
            return handler

        return register

    def _match(self, method: str, path: str) -> tuple[str, dict[str, str], Handler | None]:
        for route_method, pattern, template, handler in self._routes:
            found = pattern.match(path)
            if found and route_method == method:
                return template, found.groupdict(), handler
        return path, {}, None

    def _headers(self, route: str, status: int, fault: _Fault | None, verdict: Verdict) -> dict[str, str]:
        bucket = hashlib.sha256(route.encode()).hexdigest()[:16]
        headers = {
            "Content-Type": "application/json",
            "Date": email.utils.formatdate(fake_time(), usegmt=True),
            "Via": "1.1 google",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
        }
        if status == 429 and fault is not None:
            headers["Retry-After"] = str(max(1, math.ceil(fault.retry_after)))
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Reset-After"] = f"{fault.retry_after:.3f}"
            headers["X-RateLimit-Scope"] = "global" if fault.is_global else "user"
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
                for key in ("X-RateLimit-Bucket", "X-RateLimit-Limit", "X-RateLimit-Remaining"):
                    headers.pop(key)
                headers.pop("X-RateLimit-Reset")
                headers.pop("X-RateLimit-Reset-After")
        headers.update(verdict.headers)
        if verdict.is_global:
            for key in ("X-RateLimit-Bucket", "X-RateLimit-Limit", "X-RateLimit-Remaining"):
                headers.pop(key, None)
            headers.pop("X-RateLimit-Reset", None)
            headers.pop("X-RateLimit-Reset-After", None)
        return headers

    async def _read_body(self, request: web.Request) -> Any:
        if not request.body_exists:
            return None
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            body: Json = {}
            files: list[Json] = []
            reader = await request.multipart()
            async for part in reader:
                name = getattr(part, "name", None)
                raw = await part.read()  # type: ignore[union-attr]
                if name == "payload_json":
                    body.update(json.loads(raw.decode()))
                elif name is not None:
                    filename = getattr(part, "filename", None)
                    files.append({"name": name, "filename": filename, "size": len(raw), "data": bytes(raw)})
            if files:
                body["_files"] = files
            return body
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        self._inflight += 1
        self._last_activity = started
        method = request.method
        full_path = request.path
        path = full_path.removeprefix(API_PREFIX)
        route, params, handler = self._match(method, path)
        body: Any = None
        status = 500
        result: Any = None
        fault: _Fault | None = None
        verdict = Verdict()
        try:
            body = await self._read_body(request)
            if not full_path.startswith(API_PREFIX):
                handler = None
            fault = self.faults.take(method, route, path)
            if fault is None and handler is not None and self.faults.limiter is not None:
                verdict = self.faults.limiter.check(method, route, params)
            if verdict.refused:
                status, result = 429, verdict.body()
            elif fault is not None and fault.status == 429:
                status = 429
                result = {
                    "message": "You are being rate limited.",
                    "retry_after": fault.retry_after,
                    "global": fault.is_global,
                    "code": 0,
                }
            elif fault is not None:
                status = fault.status
                result = {"message": f"{status}: Internal Server Error", "code": 0}
            elif handler is None:
                status = 404
                result = {"message": "404: Not Found", "code": 0}
                self.failures.append(f"unimplemented route: {method} {full_path}")
            else:
                auth = request.headers.get("Authorization", "")
                token = auth[4:] if auth.startswith("Bot ") else None
                needs_auth = not route.startswith(("/interactions/", "/webhooks/"))
                if needs_auth and token != self.token:
                    raise ApiError(401, 0, "401: Unauthorized")
                if token is not None and user_id_from_token(token) != self.bot_user.id:
                    raise ApiError(401, 0, "401: Unauthorized")
                headers = {name.lower(): value for name, value in request.headers.items()}
                api_request = ApiRequest(method, path, route, params, dict(request.query), body, token, headers)
                status, result = await handler(api_request)
                hold = self.faults.held(method, route, path, body) if status < 300 else None
                if hold is not None:
                    hold.accepted.set()
                    await hold.released.wait()
        except ApiError as exc:
            status, result = exc.status, exc.body()
        except Exception as exc:
            log.exception("fake discord handler crashed")
            self.failures.append(f"fake server crashed on {method} {full_path}: {exc!r}")
            status, result = 500, {"message": "500: Internal Server Error", "code": 0}
        finally:
            self._inflight -= 1
            self._last_activity = time.monotonic()
        record = RequestRecord(
            method, path, route, status, started - self._t0, time.monotonic() - started, body, result
        )
        record.bucket = verdict.bucket or ("fault" if fault is not None and fault.status == 429 else None)
        self.requests.append(record)
        headers = self._headers(route, status, fault, verdict)
        if result is None:
            headers.pop("Content-Type")
            return web.Response(status=status, headers=headers)
        return web.Response(status=status, body=dumps(result).encode(), headers=headers)

    # ----- REST routes ------------------------------------------------------------------------------------------

    def _register_routes(self) -> None:
        from tests.fakediscord import routes

        routes.register(self)
