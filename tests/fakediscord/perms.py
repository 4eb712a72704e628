"""Permission bits and Discord's permission computation (roles, then channel overwrites)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from tests.fakediscord.world import Channel, Guild, Member

ALL_PERMISSIONS: int = discord.Permissions.all().value
ADMINISTRATOR: int = discord.Permissions(administrator=True).value
VIEW_CHANNEL: int = discord.Permissions(view_channel=True).value
# As a new server's @everyone has them, REQUEST_TO_SPEAK included (its value 1071698660929 less a few we leave out).
DEFAULT_EVERYONE: int = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_application_commands=True,
    connect=True,
    speak=True,
    use_voice_activation=True,
    create_instant_invite=True,
    change_nickname=True,
    request_to_speak=True,
).value
DEFAULT_BOT: int = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
    manage_channels=True,
    manage_roles=True,
    manage_messages=True,
    manage_events=True,
    create_events=True,
    mute_members=True,
    deafen_members=True,
    move_members=True,
    connect=True,
    speak=True,
).value

# A Stage moderator has all three in the Stage channel (resources/stage-instance.mdx, "Definitions").
STAGE_MODERATOR: tuple[str, ...] = ("manage_channels", "mute_members", "move_members")

PermLike = discord.Permissions | int | None


def perm_value(value: PermLike) -> int:
    """Normalise a ``discord.Permissions``, int or None to an int bitfield."""
    if value is None:
        return 0
    if isinstance(value, discord.Permissions):
        return value.value
    return int(value)


def flag(name: str) -> int:
    """Return the bit of a permission by its discord.py name (e.g. ``send_messages``)."""
    if name not in discord.Permissions.VALID_FLAGS:
        raise KeyError(f"unknown permission {name!r}")
    return int(discord.Permissions.VALID_FLAGS[name])


def base_permissions(guild: Guild, member: Member) -> int:
    """Guild-level permissions: owner and ADMINISTRATOR get all, else @everyone | member roles."""
    if member.id == guild.owner_id:
        return ALL_PERMISSIONS
    value = guild.everyone.permissions
    for role_id in member.role_ids:
        role = guild.roles.get(role_id)
        if role is not None:
            value |= role.permissions
    if value & ADMINISTRATOR:
        return ALL_PERMISSIONS
    return value


def top_position(guild: Guild, member: Member) -> int:
    """The position of the member's highest role (0, @everyone's, when they have none)."""
    return max((guild.roles[r].position for r in member.role_ids if r in guild.roles), default=0)


def outranks(guild: Guild, actor: Member, target: Member) -> bool:
    """Discord's hierarchy for kick, ban, nickname and timeout: the owner is out of reach, else the higher role wins.

    Server mute, deafen and move do not obey it (topics/permissions.mdx, "Permission Hierarchy").
    """
    if target.id == guild.owner_id:
        return False
    return actor.id == guild.owner_id or top_position(guild, actor) > top_position(guild, target)


def channel_permissions(guild: Guild, member: Member, channel: Channel) -> int:
    """Permissions in a channel: base, then @everyone, role and member overwrites; no VIEW_CHANNEL means 0."""
    value = base_permissions(guild, member)
    if value & ADMINISTRATOR:
        return ALL_PERMISSIONS
    everyone = channel.overwrites.get(guild.id)
    if everyone is not None:
        value &= ~everyone.deny
        value |= everyone.allow
    allow = 0
    deny = 0
    for role_id in member.role_ids:
        overwrite = channel.overwrites.get(role_id)
        if overwrite is not None and overwrite.type == 0:
            allow |= overwrite.allow
            deny |= overwrite.deny
    value &= ~deny
    value |= allow
    own = channel.overwrites.get(member.id)
    if own is not None and own.type == 1:
        value &= ~own.deny
        value |= own.allow
    if not value & VIEW_CHANNEL:
        return 0
    return value
