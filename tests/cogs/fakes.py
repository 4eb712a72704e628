"""Fakes built on the real discord.py classes' spec, so a misspelt attribute fails the test."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest.mock import AsyncMock, MagicMock, create_autospec

import discord

from bot.app import Services, Setkeeper
from bot.domain.groups import VoiceKind
from bot.services.groups import Actor
from bot.ui.applier import EffectApplier, Progress


def member(user_id: int, *, bot: bool = False, manage_guild: bool = False) -> Any:
    """A guild member."""
    fake = create_autospec(discord.Member, instance=True)
    fake.id = user_id
    fake.bot = bot
    fake.mention = f"<@{user_id}>"
    fake.guild_permissions = discord.Permissions(manage_guild=manage_guild)
    return fake


def guild(guild_id: int, *, bot_permissions: discord.Permissions | None = None) -> Any:
    """A guild whose bot member has the given permissions (all it needs, by default)."""
    fake = create_autospec(discord.Guild, instance=True)
    fake.id = guild_id
    fake.me = member(999)
    fake.me.guild_permissions = bot_permissions or discord.Permissions.all()
    fake.default_role = create_autospec(discord.Role, instance=True)
    fake.get_channel.return_value = None
    fake.channels = []
    return fake


def text_channel(channel_id: int) -> Any:
    """A text channel."""
    fake = create_autospec(discord.TextChannel, instance=True)
    fake.id = channel_id
    fake.mention = f"<#{channel_id}>"
    return fake


def interaction(user: Any, where: Any, *, channel_id: int = 1, manage_guild: bool = False) -> Any:
    """A slash-command interaction by `user` in guild `where`; records what the member would see."""
    fake = create_autospec(discord.Interaction, instance=True)
    fake.user = user
    fake.guild = where
    fake.guild_id = where.id
    fake.channel_id = channel_id
    fake.command = None
    fake.type = discord.InteractionType.application_command
    fake.data = {}
    fake.permissions = discord.Permissions(manage_guild=manage_guild)
    fake.token = "interaction-token"
    fake.created_at = datetime.now(UTC)
    fake.client = None  # tests that need the bot set it
    fake.is_expired.return_value = False
    fake.response = create_autospec(discord.InteractionResponse, instance=True)
    fake.response.is_done.side_effect = lambda: fake.response.defer.await_count > 0
    fake.followup = create_autospec(discord.Webhook, instance=True)
    return fake


def sent(fake_interaction: Any) -> list[dict[str, Any]]:
    """Everything the member was sent in answer, in order, as keyword arguments."""
    calls = fake_interaction.response.send_message.await_args_list + fake_interaction.followup.send.await_args_list
    return [dict(call.kwargs) for call in calls]


def bot_with(services: Services) -> Setkeeper:
    """A bot on real services whose effect applier is a fake that records what it was given."""
    bot = Setkeeper(services)
    applier = create_autospec(EffectApplier, instance=True)
    applier.apply = AsyncMock(return_value=[])
    applier.carried_out = AsyncMock(return_value=[])
    applier.carried_out_within = AsyncMock(return_value=Progress([]))
    applier.render_with = MagicMock()
    bot.applier = applier
    services.effects.on_commit(applier.submit)
    return bot


async def group_with(
    bot: Setkeeper, guild_id: int, channel_id: int, facilitator: int, *members: int, voice: VoiceKind = VoiceKind.NONE
) -> int:
    """An active group made through the real services, with members who accepted the ground rules; its id.

    With a `voice` kind, its voice (or Stage) channel is `channel_id + 1`.
    """
    groups = bot.services.groups
    admin = Actor(1, manages_server=True)
    reserved = await groups.begin_creation(guild_id, admin, "Set A", facilitator, voice=voice)
    voice_id = channel_id + 1 if voice is not VoiceKind.NONE else None
    group = (await groups.complete_creation(guild_id, reserved.id, channel_id, voice_id)).value
    for user_id in members:
        await groups.add_member(guild_id, admin, group.id, user_id)
        await groups.accept_ground_rules(guild_id, user_id, group.id)
    return group.id
