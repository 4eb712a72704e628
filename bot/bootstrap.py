"""Wiring: the one place that builds the services and the bot, for `python -m bot`, the tests and the benchmarks."""

from __future__ import annotations

import discord
import yarl

from bot.app import Services, Setkeeper, bot_class
from bot.config import Settings
from bot.db.engine import Database
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.shards import ALL_SHARDS, Shards
from bot.services.actions import ActionService
from bot.services.due import DEFAULT_OWNER, DueWorkService
from bot.services.effects import EffectService
from bot.services.floor import meeting_floor
from bot.services.groups import GroupService
from bot.services.ledger import LedgerService
from bot.services.meetings import MeetingService
from bot.services.privacy import PrivacyService
from bot.services.reminders import ReminderService
from bot.services.retention import RetentionService
from bot.services.state import BotStateService
from bot.services.voice import VoiceFloorService
from bot.services.votes import VoteService
from bot.ui.pacing import Pacer, global_share, scaled


def build_services(
    database: Database,
    clock: Clock,
    instance_id: str,
    *,
    uow: UnitOfWorkFactory | None = None,
    owner: str = DEFAULT_OWNER,
    shards: Shards = ALL_SHARDS,
) -> Services:
    """Every service on one unit-of-work factory, so that this process's SQLite writers queue on one lock.

    `instance_id` names this life of the process: what it left half-done, and the due work it holds, are told apart
    from another process's by it. `owner` is the process's name across restarts: due work its killed life held is
    taken back at once by the next life under the same name. `shards`: the shards this process serves; due work
    and effects are claimed only for their guilds. `uow` shares the caller's units of work on `database`
    (tests read and write beside the services); without it one is made here. Connects to nothing.
    """
    if uow is None:
        uow = UnitOfWorkFactory(database, clock)
    elif uow.database is not database:
        raise ValueError("uow must work on the database given")
    uow.shards = shards
    uow.notify = shards.sharded and not database.sqlite
    return Services(
        groups=GroupService(uow, clock, instance_id, floor=meeting_floor),
        effects=EffectService(uow, clock, shards),
        state=BotStateService(uow, clock),
        due=DueWorkService(uow, clock, instance_id, owner, shards),
        votes=VoteService(uow, clock),
        meetings=MeetingService(uow, clock),
        actions=ActionService(uow, clock),
        voice=VoiceFloorService(uow, clock),
        reminders=ReminderService(uow, clock, instance_id),
        units=uow,
        ledger=LedgerService(uow, clock),
        privacy=PrivacyService(uow, clock),
        retention=RetentionService(uow, clock, instance_id, shards),
    )


def build_bot(settings: Settings, services: Services) -> Setkeeper:
    """The bot on these services, with discord.py pointed where the settings say. Connects to nothing."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    # Setkeeper never joins voice itself: discord.py's "voice will NOT be supported" warnings would only confuse.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    shards = settings.shards()
    limits = global_share(scaled(settings.discord_limits_scale), len(shards.ids), shards.count)
    return bot_class(shards)(
        services,
        sync_guild_id=settings.sync_guild_id,
        message_content=settings.message_content_intent,
        pacer=Pacer(limits),
        guild_ready_timeout=settings.discord_guild_ready_timeout,
        shards=shards,
    )
