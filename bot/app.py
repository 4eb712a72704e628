"""The Bot: holds the services built in `main`, loads the cogs, syncs commands only when they changed."""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import discord
from discord.ext import commands

from bot import i18n
from bot.db.identify_lock import IdentifyTurns
from bot.db.uow import UnitOfWorkFactory
from bot.domain.reminders import ReminderKind
from bot.domain.shards import ALL_SHARDS, Shards
from bot.domain.text import msg
from bot.domain.words import plural
from bot.scheduling.runtime import DueRuntime
from bot.services.actions import ActionService
from bot.services.due import DueItem, DueWorkService
from bot.services.effects import EFFECT_RETRY, EffectService
from bot.services.floor import MEETING_DUE
from bot.services.groups import GroupService
from bot.services.ledger import LedgerService
from bot.services.meetings import MeetingService
from bot.services.privacy import PrivacyService
from bot.services.reminder_plan import ROLL
from bot.services.reminders import ReminderService
from bot.services.retention import ARCHIVED_WORDS, FORGET_SERVER, OPERATOR_GUILD, RetentionService
from bot.services.state import BotStateService
from bot.services.voice import VoiceFloorService
from bot.services.votes import VOTE_DEADLINE, VoteService
from bot.ui.access import BOT_PERMISSIONS
from bot.ui.applier import EffectApplier
from bot.ui.discord_clock import DiscordClock
from bot.ui.errors import SetkeeperTree
from bot.ui.pacing import Pacer
from bot.ui.replies import reply
from bot.ui.translator import CatalogTranslator

log = logging.getLogger("setkeeper")

EXTENSIONS = ("cogs.groups", "cogs.votes", "cogs.meetings", "cogs.actions", "cogs.reminders", "cogs.privacy")
GUILD_READY_TIMEOUT = 0.5
UNHANDLED_AFTER = 2.0
SWEEP_EVERY = 60.0
EXPIRED = msg("This button has expired (I may have restarted since it was shown). Please run the command again.")


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current moment in UTC."""
        return datetime.now(UTC)


class MovedClock:
    """The real clock moved on by the seconds a file holds (the test setting TEST_CLOCK_FILE; tests move it).

    The file is read at start and whenever the process is told the clock moved (SIGUSR1), never on each reading.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self.offset = timedelta(0)
        self.reread()

    def reread(self) -> datetime:
        """Read the offset again; returns the moved time. A missing or empty file moves nothing."""
        text = self._path.read_text().strip() if self._path.exists() else ""
        self.offset = timedelta(seconds=float(text or 0))
        return self.now()

    def now(self) -> datetime:
        """The real time plus the offset, in UTC."""
        return datetime.now(UTC) + self.offset


@dataclass(frozen=True)
class Services:
    """Every service the cogs may call, built once at start-up."""

    groups: GroupService
    effects: EffectService
    state: BotStateService
    due: DueWorkService
    votes: VoteService
    meetings: MeetingService
    actions: ActionService
    voice: VoiceFloorService
    reminders: ReminderService
    units: UnitOfWorkFactory
    """The units of work every service shares (the bot listens on it for new due work)."""
    ledger: LedgerService
    privacy: PrivacyService
    retention: RetentionService


def where_i_am(application_id: int | None, servers: list[str], *, shown: int = 10) -> str:
    """One line for whoever runs the bot: the servers it is in, or, in none yet, the exact link that invites it."""
    if not servers:
        if application_id is None:
            return "I am in no server yet: invite me with the link in the README"
        link = discord.utils.oauth_url(
            application_id, permissions=BOT_PERMISSIONS, scopes=("bot", "applications.commands")
        )
        return f"I am in no server yet: invite me with {link}"
    names = ", ".join(sorted(servers, key=str.casefold)[:shown])
    more = f" and {len(servers) - shown} more" if len(servers) > shown else ""
    return f"I am in {plural(len(servers), 'server')}: {names}{more}"


@runtime_checkable
class StartupTask(Protocol):
    """A cog with work to do once the guilds are known, before the bot says it is ready."""

    async def on_startup(self, guild_ids: list[int]) -> None:
        """Reconcile what an earlier process left behind."""


@runtime_checkable
class ClosingTask(Protocol):
    """A cog with background work of its own to stop when the bot stops."""

    async def on_close(self) -> None:
        """Stop it; what is left undone is done at the next start."""


def sharding(shards: Shards) -> dict[str, Any]:
    """What discord.py's sharded client is told: nothing for a bot that is not sharded (one connection, no shard)."""
    return {"shard_count": shards.count, "shard_ids": list(shards.ids)} if shards.sharded else {}


def command_tree_digest(payload: list[dict[str, Any]]) -> str:
    """A stable fingerprint of the command tree as Discord would receive it."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class Setkeeper(commands.Bot):
    """The bot. Building it does no I/O; connecting happens in `start`."""

    def __init__(
        self,
        services: Services,
        *,
        sync_guild_id: int | None = None,
        message_content: bool = False,
        pacer: Pacer | None = None,
        guild_ready_timeout: float = GUILD_READY_TIMEOUT,
        shards: Shards = ALL_SHARDS,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        # Posts in a meeting's channel, to catch one made out of turn (author and channel suffice); their text only
        # with the privileged message-content intent, when the owner turns it on.
        intents.guild_messages = True
        intents.message_content = message_content
        # Who is in voice, for the meeting's voice floor: mutes go only to people connected (FACTS §1j).
        intents.voice_states = True
        # Only members in voice are cached (cheap, and what muting needs), never the whole member list.
        members = discord.MemberCacheFlags.none()
        members.voice = True
        # Every answer from Discord carries its Date: how far the local clock is from Discord's (see setup_hook).
        self.discord_clock = DiscordClock(services.units.clock)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=SetkeeperTree,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            member_cache_flags=members,
            max_messages=None,
            chunk_guilds_at_startup=False,
            max_ratelimit_timeout=30.0,
            # discord.py waits this long after the last GUILD_CREATE before on_ready (default 2 s); a guild
            # that arrives later is reconciled by on_guild_available instead.
            guild_ready_timeout=guild_ready_timeout,
            http_trace=self.discord_clock.trace(),
            **sharding(shards),
        )
        self._read_interactions_in_their_language()
        self.serving = shards
        """The shards this process serves (discord.py's own `shards`, on the sharded bot, are its connections)."""
        self.services = services
        self.applier = EffectApplier(
            self,
            services.effects,
            services.groups.current_access,
            pacer,
            services.voice,
            self.discord_clock,
            services.groups.language_of,
        )
        # Every committed batch of effects reaches the applier at once; what fails comes back as due work.
        services.effects.on_commit(self.applier.submit)
        self.applier.attach()
        # The bot's own work (erasing a server it was removed from) is served beside the guilds it is in, by the
        # process that serves shard 0 (guild 0's shard): one process does it, whoever else shares the database.
        self.due = DueRuntime(services.due, lambda: shards.owned([OPERATOR_GUILD, *sorted(self._reconciled)]))
        self.due.handle(EFFECT_RETRY, self.applier.retry)
        self.due.handle(VOTE_DEADLINE, self._close_vote_at_deadline)
        self.due.handle(MEETING_DUE, self._meeting_due)
        for kind in (*ReminderKind, ROLL):
            self.due.handle(kind, self._scheduled_post)
        self.due.handle(ARCHIVED_WORDS, services.retention.erase_archived_words)
        self.due.handle(FORGET_SERVER, services.retention.erase_server_when_due)
        # Work added by any decision (a schedule set, a meeting ended) wakes the scheduler in time for it.
        services.units.on_due = self.due.wake
        self.due.every(SWEEP_EVERY, lambda: self.applier.sweep(sorted(self._reconciled)))
        self.applier.wake_for_retries(self.due.wake)
        self.started_at = services.units.clock.now()  # effects are stamped by the services' clock
        self._sync_guild_id = sync_guild_id
        self._ready_once = False
        self._reconciled: set[int] = set()
        self._reconcile_lock = asyncio.Lock()
        self._claimed: set[int] = set()
        self._watching: set[asyncio.Task[Any]] = set()
        self._woken: set[int] = set()
        self._waking: asyncio.Task[None] | None = None

    def _read_interactions_in_their_language(self) -> None:
        """Every handler of an interaction draws its private replies in the person's own Discord language.

        discord.py starts each interaction's handlers (the command, a button, a form, an autocomplete) as tasks while
        it parses the event, and a task starts with the context of the code that made it: the person's language set
        around the parse reaches every one of them, whichever cog or view answers (`bot.i18n`).
        """
        parsers: dict[str, Callable[[dict[str, Any]], None]] = self._connection.parsers
        parse = parsers["INTERACTION_CREATE"]

        def parse_in_their_language(data: dict[str, Any]) -> None:
            token = i18n.start_reading(data.get("locale"))
            try:
                parse(data)
            finally:
                i18n.stop_reading(token)

        parsers["INTERACTION_CREATE"] = parse_in_their_language

    async def setup_hook(self) -> None:
        """Say whether the local clock agrees with Discord's, load the cogs, sync the command tree if it changed."""
        disagreement = self.discord_clock.disagreement()
        if disagreement is not None:  # Discord answered the login: its Date has been heard
            skew = self.discord_clock.skew
            log.warning(disagreement, extra={"skew_seconds": round(skew.total_seconds()) if skew else None})
        i18n.load()
        await self.tree.set_translator(CatalogTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands_if_changed()

    async def sync_commands_if_changed(self) -> bool:
        """Discord allows 200 command creations a day per guild: an unchanged tree is not sent again."""
        guild = discord.Object(self._sync_guild_id) if self._sync_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = self.command_payload(guild)
        # The translations are part of what Discord receives: a changed catalog syncs the tree again.
        digest = command_tree_digest([*payload, {"catalogs": i18n.fingerprint()}])
        scope = f"{self.application_id}:{self._sync_guild_id or 'global'}"
        if await self.services.state.last_synced(scope) == digest:
            log.info("command tree unchanged; not syncing", extra={"scope": scope})
            return False
        await self.tree.sync(guild=guild)
        await self.services.state.record_synced(scope, digest)
        log.info("command tree synced", extra={"scope": scope, "commands": len(payload)})
        return True

    def command_payload(self, guild: discord.abc.Snowflake | None = None) -> list[dict[str, Any]]:
        """The command tree as `sync` sends it to Discord (the manual's command reference is made from it too)."""
        return [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]

    async def on_ready(self) -> None:
        """Reconcile once per process (on_ready can fire many times), then say so."""
        if self._ready_once:
            # Channel updates missed while disconnected: what the bot last wrote may no longer be what Discord has.
            self.applier.forget_written()
            log.info("gateway session resumed or re-identified", extra={"guilds": len(self.guilds)})
            # Voice updates were missed too: the ledger is reconciled against the voice states just received.
            await self.applier.carried_out(await self.services.meetings.recheck_voice(sorted(self._reconciled)))
            return
        self._ready_once = True
        available = [guild.id for guild in self.guilds if not guild.unavailable]
        try:
            await self._notice_membership([guild.id for guild in self.guilds])
            replayed = await self.reconcile(available)
        finally:
            await self.due.start()  # retries, and whatever fell due while the bot was down, whatever start-up met
        log.info(where_i_am(self.application_id, [guild.name for guild in self.guilds]))
        shown = {"shards": self.serving.describe()} if self.serving.sharded else {}
        log.info("bot ready", extra={"guilds": len(self.guilds), "effects_replayed": replayed, **shown})

    async def clock_moved(self, now: datetime) -> None:
        """The clock was moved on to `now` (a test setting): what is due by then is done, then the log says so."""
        done = await self.due.clock_moved()
        log.info("clock moved", extra={"now": now.isoformat(), "due_work_done": done})

    async def _close_vote_at_deadline(self, item: DueItem) -> None:
        """A vote's closing time has come: close it and post its result."""
        await self.applier.carried_out(await self.services.votes.close_at_deadline(item))

    async def _meeting_due(self, item: DueItem) -> None:
        """A meeting's timer fell due: warn the speaker, end their turn, or end the break."""
        await self.applier.carried_out(await self.services.meetings.on_due(item))

    async def _scheduled_post(self, item: DueItem) -> bool:
        """A reminder, the bid nudge or the facilitator's digest fell due (or a meeting day passed): decide it once.

        The decision finished the due work in its own transaction (or found another process had it).
        """
        await self.applier.carried_out(await self.services.reminders.on_due(item))
        return True

    async def settle_answers(self, effect_ids: list[int]) -> None:
        """A command has replied: the answers stored in case its reply was lost are not needed."""
        self.services.effects.settle_soon(effect_ids)

    def claim(self, interaction: discord.Interaction[Any]) -> None:
        """A component handler says it is answering this click (see `on_interaction`)."""
        self._claimed.add(interaction.id)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A click that no handler claims (a short-lived view from before a restart) gets a reply, not a failure."""
        if interaction.type is not discord.InteractionType.component:
            return
        watching = asyncio.current_task()
        if watching is not None:  # a stopping bot cancels the wait rather than sit it out
            self._watching.add(watching)
            watching.add_done_callback(self._watching.discard)
        await asyncio.sleep(UNHANDLED_AFTER)
        try:
            if interaction.id not in self._claimed and not interaction.response.is_done():
                await reply(interaction, i18n.render(EXPIRED))
        finally:
            self._claimed.discard(interaction.id)

    async def on_guild_channel_update(self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel) -> None:
        """Discord shows a channel's overwrites: what the bot last wrote there is forgotten where they differ."""
        self.applier.overwrites_seen(after.id, lambda user_id: after.overwrites_for(discord.Object(user_id)).pair())

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """A guild that arrived after on_ready gets the same start-up work (once per process)."""
        if self._ready_once:
            await self.reconcile([guild.id])

    async def _notice_membership(self, guild_ids: list[int]) -> None:
        """At start-up: servers the bot is in call off any erasure; servers it left while it was down get one."""
        await self.services.retention.invited_back(guild_ids)
        await self.services.retention.notice_departures(guild_ids)
        await self.services.retention.plan_archived_groups()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot was removed from a server: its data is erased after the grace period, unless it is invited back."""
        self._reconciled.discard(guild.id)
        await self.services.retention.removed_from(guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """The bot was invited (back) to a server: a waiting erasure is called off, and the server is reconciled."""
        await self.services.retention.invited_back([guild.id])
        await self.reconcile([guild.id])

    async def reconcile(self, guild_ids: list[int]) -> int:
        """Undo what a killed process left half-done and carry out its queued effects, once per guild.

        Only guilds this process's shards own: floors, mutes, Stage instances, reminders and queued effects of
        another process's guilds are that process's to reconcile.
        """
        async with self._reconcile_lock:
            fresh = [guild_id for guild_id in self.serving.owned(guild_ids) if guild_id not in self._reconciled]
            self._reconciled.update(fresh)
            if not fresh:
                return 0
            for cog in self.cogs.values():
                if isinstance(cog, StartupTask):
                    await cog.on_startup(fresh)
            return await self.applier.replay(fresh, self.started_at)

    def woken_for(self, guild_id: int) -> None:
        """Another process queued work for this guild (PostgreSQL's NOTIFY): carry it out now, not at the next sweep.

        Only a guild this process serves and has reconciled: reconciling carries out whatever waits already.
        """
        if guild_id not in self._reconciled:
            return
        self.due.wake(self.services.units.clock.now())
        self._woken.add(guild_id)
        if self._waking is None or self._waking.done():
            # A context of its own: the sweep answers no interaction.
            self._waking = asyncio.get_running_loop().create_task(self._sweep_woken(), context=contextvars.Context())
            self._watching.add(self._waking)
            self._waking.add_done_callback(self._watching.discard)

    async def _sweep_woken(self) -> None:
        """Sweep the guilds woken for, as many rounds as wake-ups keep arriving meanwhile."""
        while self._woken:
            guild_ids = sorted(self._woken)
            self._woken.clear()
            try:
                await self.applier.sweep(guild_ids)
            except Exception:  # the minute's sweep is the safety net
                log.exception("carrying out work another process queued failed", extra={"guilds": guild_ids})

    async def close(self) -> None:
        """Stop waking for due work (a run in progress finishes), then disconnect."""
        await self.due.stop()
        for task in list(self._watching):
            task.cancel()
        for cog in self.cogs.values():
            if isinstance(cog, ClosingTask):
                await cog.on_close()
        await self.services.effects.flush()
        await super().close()


class ShardedSetkeeper(Setkeeper, commands.AutoShardedBot):
    """The bot over the shards SHARD_COUNT and SHARD_IDS name: discord.py's sharded client, one connection a shard."""

    identify_turns: IdentifyTurns | None = None
    """On PostgreSQL, the IDENTIFY turns every process of the bot shares; without, discord.py spaces its own shards."""
    identify_concurrency: int | None = None
    """Discord's `max_concurrency` (its IDENTIFY buckets), read from /gateway/bot when first needed."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for the shard's IDENTIFY bucket across every process, and hold it for Discord's window."""
        if self.identify_turns is None:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        if self.identify_concurrency is None:
            try:
                self.identify_concurrency = (await self.fetch_session_start_limits()).max_concurrency
            except (discord.HTTPException, discord.GatewayNotFound, OSError) as exc:
                log.warning("Discord's IDENTIFY concurrency is unknown: one shard at a time", exc_info=exc)
                self.identify_concurrency = 1
        await self.identify_turns.take(shard_id or 0, self.identify_concurrency)


def bot_class(shards: Shards) -> type[Setkeeper]:
    """The sharded bot when the settings shard it; otherwise the plain bot, exactly as a single process runs."""
    return ShardedSetkeeper if shards.sharded else Setkeeper
