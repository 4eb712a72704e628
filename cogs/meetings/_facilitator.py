"""The facilitator's `/meeting` commands: start, next, skip, mode, pause, resume, break, extend, end, status."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.domain.meeting import MODE_NAMES, Break, End, Extend, Mode, Next, Pause, Resume, SetMode, Skip
from bot.i18n import render, t, tn
from bot.ui.replies import defer, reply
from cogs._feature import FeatureCog
from cogs.groups._views import actor_of
from cogs.meetings._base import MEETING, SAID
from cogs.meetings._render import floor_card
from cogs.meetings._views import own_buttons
from cogs.meetings._voice import VoiceFloor, missing_for_voice, text_only


class FacilitatorCommands(VoiceFloor):
    """Running the meeting; `/meeting status` answers anyone."""

    @MEETING.command(name="start", description="Start a meeting in the group's channel (facilitator)")
    @app_commands.describe(
        group="The group (default: this channel's)",
        voice="Keep the floor in the group's voice channel or Stage too: listeners are muted or in the audience",
    )
    @app_commands.autocomplete(group=FeatureCog.group_autocomplete)
    async def start(self, interaction: discord.Interaction[Any], group: str | None = None, voice: bool = False) -> None:
        """Post the floor card and take attendance."""
        await defer(interaction)
        guild_id = interaction.guild_id or 0
        place = await self.meetings.voice_place(guild_id, group, interaction.channel_id) if voice else None
        missing = missing_for_voice(interaction.guild, place)
        outcome = await self.meetings.start(
            guild_id, actor_of(interaction), group, interaction.channel_id, voice=voice and not missing
        )
        said = t("The meeting has started. Members press Here on the card; press Next to begin the catch-up.")
        await self._present_in_voice(interaction.guild, outcome.value)
        if place is not None and missing:
            said += f" {text_only(missing, place)}"
        elif place is not None and place.stage:
            said += " " + t(
                "Joining the group's Stage counts as Here; the speaker is brought on stage and listeners stay in the "
                "audience while someone else speaks."
            )
        elif voice:
            said += " " + t(
                "Joining the group's voice channel counts as Here; listeners are muted while someone else speaks."
            )
        await self._finish(interaction, outcome.effects, said)

    @MEETING.command(name="next", description="End the current turn or phase and move on (facilitator)")
    async def next_(self, interaction: discord.Interaction[Any]) -> None:
        """Move the meeting on from the turn as it stood when the command arrived, never from a later one."""
        seen = await self.meetings.turn_seen(interaction.guild_id or 0, channel_id=interaction.channel_id)
        await self._act(interaction, Next(), SAID["next"], mark=seen, command=True)

    @MEETING.command(name="skip", description="Pass someone's turn (facilitator)")
    @app_commands.describe(member="Whose turn to pass")
    async def skip(self, interaction: discord.Interaction[Any], member: discord.User) -> None:
        """Pass someone's turn."""
        await self._act(interaction, Skip(member.id), t("Passed {member}'s turn.", member=member.mention))

    @MEETING.command(name="mode", description="The mode of the current or next round (facilitator or the issue holder)")
    @app_commands.describe(mode="How peers give their input")
    @app_commands.choices(mode=[app_commands.Choice(name=render(MODE_NAMES[m], "en"), value=m.value) for m in Mode])
    async def mode(self, interaction: discord.Interaction[Any], mode: str) -> None:
        """Choose the round's mode."""
        chosen = Mode(mode)
        await self._act(interaction, SetMode(chosen), t("Mode: {mode}.", mode=MODE_NAMES[chosen]))

    @MEETING.command(name="pause", description="Pause the meeting: everyone can post (facilitator)")
    async def pause(self, interaction: discord.Interaction[Any]) -> None:
        """Pause."""
        await self._act(interaction, Pause(), SAID["pause"])

    @MEETING.command(name="resume", description="Resume the meeting (facilitator)")
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        """Resume."""
        await self._act(interaction, Resume(), SAID["resume"])

    @MEETING.command(name="break", description="A break of some minutes (facilitator)")
    @app_commands.describe(minutes="How long")
    async def break_(self, interaction: discord.Interaction[Any], minutes: app_commands.Range[int, 1, 120]) -> None:
        """Take a break; the meeting resumes by itself when it ends."""
        said = tn(
            "A break of {n} minute: everyone can post meanwhile.",
            "A break of {n} minutes: everyone can post meanwhile.",
            minutes,
        )
        await self._act(interaction, Break(minutes), said)

    @MEETING.command(name="extend", description="More time for the current turn (facilitator)")
    @app_commands.describe(minutes="How many more minutes")
    async def extend(self, interaction: discord.Interaction[Any], minutes: app_commands.Range[int, 1, 60]) -> None:
        """Extend the current turn."""
        said = tn("The turn has {n} more minute.", "The turn has {n} more minutes.", minutes)
        await self._act(interaction, Extend(minutes), said)

    @MEETING.command(name="end", description="End the meeting and post the summary (facilitator)")
    async def end(self, interaction: discord.Interaction[Any]) -> None:
        """End the meeting."""
        await self._act(interaction, End(), SAID["endnow"])

    @MEETING.command(name="status", description="Phase, speaker, queue and time left")
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        """Show the meeting to a member, privately."""
        await defer(interaction)
        view = await self.meetings.view(
            interaction.guild_id or 0, interaction.user.id, channel_id=interaction.channel_id
        )
        post = floor_card(view, None)
        await reply(interaction, embed=post.embed, view=own_buttons(view, interaction.user.id))
