"""The floor in voice: the permissions it needs, those already in the voice channel, and who joins or leaves."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.i18n import Text, msg, render, t, tn
from bot.services.meetings import MeetingView, VoicePlace
from cogs.meetings._base import MeetingsBase

VOICE_NEEDS = {"mute_members": msg("Mute Members")}
STAGE_NEEDS = {**VOICE_NEEDS, "move_members": msg("Move Members"), "manage_channels": msg("Manage Channels")}
"""Mute Members, Move Members and Manage Channels in a Stage make the bot a Stage moderator (FACTS §1j).

Each by the name Discord's own settings give it, in the reader's language."""


def missing_for_voice(guild: discord.Guild | None, place: VoicePlace | None) -> list[Text]:
    """The permissions the bot lacks to keep the floor in the group's voice channel or Stage, by their Discord names.

    Read in that channel, where a channel's overwrites can take them away; a channel not cached reads the server's.
    """
    if guild is None or place is None:
        return []
    channel = guild.get_channel(place.channel_id)
    have = channel.permissions_for(guild.me) if isinstance(channel, discord.abc.GuildChannel) else None
    have = have if have is not None else guild.me.guild_permissions
    needs = STAGE_NEEDS if place.stage else VOICE_NEEDS
    return [name for flag, name in needs.items() if not getattr(have, flag)]


def text_only(missing: list[Text], place: VoicePlace) -> str:
    """Why the floor stays in text only, and what to do about it."""
    shown = [render(name) for name in missing]
    names = t("{first} and {last}", first=", ".join(shown[:-1]), last=shown[-1]) if len(shown) > 1 else shown[0]
    where = f"<#{place.channel_id}>"
    if place.stage:
        where = t("{channel} (together they make me a Stage moderator)", channel=where)
    return tn(
        "The floor is kept in text only: I lack the {names} permission in {where}, so I cannot keep it in voice. "
        "Give my role {names} there and start the next meeting with voice again.",
        "The floor is kept in text only: I lack the {names} permissions in {where}, so I cannot keep it in voice. "
        "Give my role {names} there and start the next meeting with voice again.",
        len(shown),
        names=names,
        where=where,
    )


class VoiceFloor(MeetingsBase):
    """Who is in the meeting's voice channel or Stage, as Discord tells it."""

    async def _present_in_voice(self, guild: discord.Guild | None, view: MeetingView) -> None:
        """Those already in the meeting's voice channel when it starts are there, as if they had just joined."""
        if guild is None or view.voice_channel_id is None:
            return
        channel = guild.get_channel(view.voice_channel_id)
        if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
            return
        for person in channel.members:
            if not person.bot:
                await self.bot.applier.carried_out(await self.meetings.joined_voice(guild.id, person.id, channel.id))

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        """Someone joined, moved or left voice: the bot's mutes and Stage states for them are reconciled.

        A mute the bot owes is undone, a meeting's listener muted or sent to the audience, and a Stage state the bot
        kept for someone who left is forgotten (it ended with their call).
        """
        if before.channel == after.channel or member.bot:
            return
        if before.channel is not None:
            await self.bot.applier.carried_out(await self.meetings.left_voice(member.guild.id, member.id))
        if after.channel is not None:
            await self.bot.applier.carried_out(
                await self.meetings.joined_voice(member.guild.id, member.id, after.channel.id)
            )
