"""What every part of the meeting cog shares: the `/meeting` command group, what it says, and acting on a meeting."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.domain.meeting import Event
from bot.i18n import Text, msg, render
from bot.services.meetings import MeetingView
from bot.ui.replies import defer
from cogs._feature import FeatureCog
from cogs.groups._views import actor_of

if TYPE_CHECKING:
    from bot.app import Setkeeper

MEETING = app_commands.Group(name="meeting", description="Run an action learning meeting", guild_only=True)
SAID: dict[str, Text] = {
    "here": msg("You are marked present."),
    "done": msg("Your turn is over. Thank you."),
    "pass": msg("You passed this turn."),
    "hand": msg("Your hand is raised: you are in the queue."),
    "lower": msg("Your hand is lowered."),
    "next": msg("Moved on."),
    "pause": msg("Paused: everyone can post until you resume."),
    "resume": msg("Resumed."),
    "endnow": msg(
        "The meeting has ended; the summary is posted, and each issue holder has their round's notes by direct message."
    ),
}
"""What each press or command says back to the person, privately (drawn in their language when it answers)."""
END_ASKED = msg(
    "End the meeting for everyone now? This is final: the summary is posted, and the rounds not yet held wait for "
    "the next meeting. If you did not mean to, just dismiss this message."
)
END_REFUSED = msg("Only the facilitator can end the meeting. Your buttons are on the card's top row.")


class MeetingsBase(FeatureCog):
    """The meeting service and one way to act on a meeting; the parts are mixed into `Meetings`."""

    def __init__(self, bot: Setkeeper) -> None:
        super().__init__(bot)
        self.meetings = bot.services.meetings
        self._floors: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    def floor(self, channel_id: int | None) -> asyncio.Lock:
        """Held while a post in the channel is judged and while a turn there moves on, in the order Discord sent them.

        A speaker's post followed at once by their Done is judged by the floor as it was when the post came, not
        after the Done (each event is handled in its own task; the post's task, started first, takes this first).
        """
        return self._floors[channel_id or 0]

    async def _act(
        self,
        interaction: discord.Interaction[Any],
        event: Event,
        said: Text | str,
        *,
        meeting_id: int | None = None,
        group: str | None = None,
        mark: str | None = None,
        command: bool = False,
    ) -> MeetingView:
        await defer(interaction)
        async with self.floor(interaction.channel_id):
            outcome = await self.meetings.act(
                interaction.guild_id or 0,
                actor_of(interaction),
                event,
                meeting_id=meeting_id,
                which=group,
                channel_id=interaction.channel_id,
                mark=mark,
                command=command,
                sent_at=interaction.created_at,
            )
        await self._finish(interaction, outcome.effects, render(said))
        return outcome.value
