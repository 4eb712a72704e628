"""What each level of access means as a Discord permission overwrite, for text and for voice channels."""

from __future__ import annotations

import discord

from bot.domain.groups import Access

_READ = {"view_channel": True, "read_message_history": True}
_QUIET = {
    "send_messages": False,
    "add_reactions": False,
    "create_public_threads": False,
    "send_messages_in_threads": False,
}
_TALK = {"send_messages": True, "embed_links": True, "attach_files": True, "add_reactions": True}


def overwrite_for(access: Access, *, voice: bool) -> discord.PermissionOverwrite | None:
    """The overwrite for a person at this access level; None means no overwrite at all."""
    if access is Access.NONE:
        return None
    if voice:
        # A listener is in the call but does not speak; the meeting's voice floor mutes those already connected.
        connected = access in (Access.MEMBER, Access.FACILITATOR, Access.LISTENER)
        speaking = access in (Access.MEMBER, Access.FACILITATOR)
        return discord.PermissionOverwrite(view_channel=True, connect=connected, speak=speaking)
    if access in (Access.READ, Access.PENDING, Access.LISTENER):
        return discord.PermissionOverwrite(**_READ, **_QUIET)
    return discord.PermissionOverwrite(**_READ, **_TALK)


def hidden_from_everyone(*, voice: bool) -> discord.PermissionOverwrite:
    """The @everyone overwrite of a private group channel."""
    if voice:
        return discord.PermissionOverwrite(view_channel=False, connect=False)
    return discord.PermissionOverwrite(view_channel=False)


def for_the_bot(*, voice: bool) -> discord.PermissionOverwrite:
    """The bot's own overwrite: it must always see, post in and manage the channel."""
    if voice:
        return discord.PermissionOverwrite(view_channel=True, connect=True, manage_channels=True)
    return discord.PermissionOverwrite(**_READ, **_TALK, manage_channels=True)


BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    manage_channels=True,
    manage_roles=True,
    manage_messages=True,
    create_public_threads=True,
    create_private_threads=True,
    send_messages_in_threads=True,
    connect=True,
    speak=True,
    mute_members=True,
    move_members=True,
    manage_events=True,
)
"""What the bot's role needs (the README's invite link carries exactly this): Discord lets a bot allow or deny
in an overwrite only what it has itself."""

_VOICE_ONLY = {"connect", "speak"}
_NOT_FOR_CHANNELS = {"mute_members", "move_members", "manage_events"}
"""Not needed to make a group's channels: Mute Members (and on a Stage Move Members) is checked when a meeting starts
in voice (`/meeting start voice:true`), Manage Events when a schedule makes the meeting's scheduled event."""


def required_to_create(*, voice: bool) -> list[str]:
    """Guild permissions the bot needs to make a private group channel."""
    return [
        name
        for name, granted in BOT_PERMISSIONS
        if granted and name not in _NOT_FOR_CHANNELS and (voice or name not in _VOICE_ONLY)
    ]
