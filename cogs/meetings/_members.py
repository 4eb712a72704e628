"""What a member does in a meeting: `/done`, `/pass`, `/hand`, the floor card's buttons and the forms."""

from __future__ import annotations

import asyncio
import io
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import UserFacingError
from bot.domain.meeting import Arrive, Done, End, Event, LowerHand, Next, Pass, Pause, RaiseHand, Resume
from bot.domain.meeting.rounds import may_press
from bot.i18n import render, t
from bot.ui.replies import defer, reply
from cogs.actions._cog import Actions
from cogs.groups._views import guarded
from cogs.meetings._base import END_ASKED, END_REFUSED, SAID, MeetingsBase
from cogs.meetings._views import COMMIT_FORM, REHEARSAL_FORM, commit_form, end_confirmation, rehearsal_form
from cogs.votes._bid_lists import BEFORE_FORM
from cogs.votes._views import submitted


class MemberCommands(MeetingsBase):
    """A member's turn, hand and forms; the card's buttons, the facilitator's Next among them."""

    @app_commands.command(name="done", description="Setkeeper meeting: end your turn")
    @app_commands.guild_only()
    async def done(self, interaction: discord.Interaction[Any]) -> None:
        """End your turn."""
        await self._act(interaction, Done(interaction.user.id), SAID["done"])

    @app_commands.command(name="pass", description="Setkeeper meeting: pass your turn")
    @app_commands.guild_only()
    async def pass_(self, interaction: discord.Interaction[Any]) -> None:
        """Abstain."""
        await self._act(interaction, Pass(interaction.user.id), SAID["pass"])

    @app_commands.command(name="hand", description="Setkeeper meeting: raise or lower your hand to speak")
    @app_commands.guild_only()
    async def hand(self, interaction: discord.Interaction[Any]) -> None:
        """Raise your hand, or lower it if raised."""
        view = await self.meetings.view(
            interaction.guild_id or 0, interaction.user.id, channel_id=interaction.channel_id
        )
        raised = interaction.user.id in view.state.hands
        event: Event = LowerHand(interaction.user.id) if raised else RaiseHand(interaction.user.id)
        await self._act(interaction, event, SAID["lower" if raised else "hand"])

    # The card's buttons and the forms

    async def pressed(
        self, interaction: discord.Interaction[Any], meeting_id: int, action: str, mark: str | None = None
    ) -> None:
        """A button on the floor card."""
        user_id = interaction.user.id
        if action == "commit":
            await self._open_commit_form(interaction, meeting_id)
            return
        if action == "input":
            await interaction.response.send_modal(rehearsal_form(meeting_id))
            return
        if action == "end":
            await self._confirm_end(interaction, meeting_id)
            return
        if action == "hand":
            # The same button lowers a hand that is up, as /hand does: a member presses where they raised it.
            meeting = await self.meetings.view(interaction.guild_id or 0, user_id, meeting_id=meeting_id)
            raised = user_id in meeting.state.hands
            event: Event = LowerHand(user_id) if raised else RaiseHand(user_id)
            await self._act(interaction, event, SAID["lower" if raised else "hand"], meeting_id=meeting_id, mark=mark)
            return
        if action == "report":
            await defer(interaction)
            meeting = await self.meetings.view(interaction.guild_id or 0, user_id, meeting_id=meeting_id)
            await cast(Actions, self.bot.get_cog(Actions.__cog_name__)).panel(interaction, meeting.group_id)
            return
        events: dict[str, Event] = {
            "here": Arrive(user_id),
            "done": Done(user_id),
            "pass": Pass(user_id),
            "next": Next(),
            "pause": Pause(),
            "resume": Resume(),
            "endnow": End(),
        }
        await self._act(interaction, events[action], SAID[action], meeting_id=meeting_id, mark=mark)

    async def _confirm_end(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        """End asks first, in a reply only the facilitator sees: ending is final."""
        await defer(interaction)
        meeting = await self.meetings.view(interaction.guild_id or 0, interaction.user.id, meeting_id=meeting_id)
        if "endnow" not in may_press(meeting.state, interaction.user.id):
            await reply(interaction, render(END_REFUSED))
            return
        await reply(interaction, render(END_ASKED), view=end_confirmation(meeting_id))

    async def _open_commit_form(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        """The holder's form, empty in their commit step, or with what their ended round recorded, to change."""
        draft = self.meetings.commit_draft(interaction.guild_id or 0, interaction.user.id, meeting_id)
        try:
            found = await asyncio.wait_for(draft, BEFORE_FORM)
        except TimeoutError:
            found = None  # a slow database: the empty form, which the submission checks all the same
        except UserFacingError as exc:
            await reply(interaction, exc.message)
            return
        await interaction.response.send_modal(commit_form(meeting_id, found))

    async def _committed(self, interaction: discord.Interaction[Any], meeting_id: int, round_index: int | None) -> None:
        values = submitted(cast("dict[str, Any]", interaction.data or {}))
        actions = [str(values.get(f"action:{n}") or "") for n in range(1, 4)]
        learnt = str(values.get("learnt") or "")
        await defer(interaction)
        try:
            async with self.floor(interaction.channel_id):
                outcome = await self.meetings.commit_actions(
                    interaction.guild_id or 0, interaction.user.id, meeting_id, actions, learnt, round_index=round_index
                )
        except UserFacingError as exc:
            await _refused_with_text(interaction, exc, [*actions, learnt])
            return
        said = (
            t(
                "Your learning and actions are recorded. Thank you. Until the meeting ends you can change them: press "
                "Record my actions again (it is under /meeting status too)."
            )
            if outcome.value.open
            else t(
                "Your learning and actions are recorded. Thank you. That was the meeting's last round: it has ended, "
                "and the summary is posted."
            )
        )
        await self._finish(interaction, outcome.effects, said)

    async def _rehearsed(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        values = submitted(cast("dict[str, Any]", interaction.data or {}))
        criticism = str(values.get("criticism") or "")
        positives = [str(values.get(f"positive:{n}") or "") for n in range(1, 4)]
        await defer(interaction)
        try:
            async with self.floor(interaction.channel_id):
                outcome = await self.meetings.dress_rehearsal(
                    interaction.guild_id or 0, interaction.user.id, meeting_id, criticism, positives
                )
        except UserFacingError as exc:
            await _refused_with_text(interaction, exc, [criticism, *positives])
            return
        await self._finish(interaction, outcome.effects, t("Your input is posted, and your turn is over. Thank you."))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Forms are answered by their custom id, so one opened before a restart is answered after it."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = str(cast("dict[str, Any]", interaction.data or {}).get("custom_id", ""))
        commit = COMMIT_FORM.fullmatch(custom_id)
        rehearsal = REHEARSAL_FORM.fullmatch(custom_id)
        if commit is not None:
            meeting_id, round_index = int(commit["meeting"]), commit["round"]
            await guarded(
                interaction,
                lambda: self._committed(interaction, meeting_id, int(round_index) if round_index else None),
            )
        elif rehearsal is not None:
            meeting_id = int(rehearsal["meeting"])
            await guarded(interaction, lambda: self._rehearsed(interaction, meeting_id))


async def _refused_with_text(interaction: discord.Interaction[Any], error: UserFacingError, texts: list[str]) -> None:
    """A refused form: the reason, and what the member wrote, exactly, in a file to copy from."""
    kept = discord.File(
        io.BytesIO(("\n\n".join(text for text in texts if text) + "\n").encode()), filename="what-you-wrote.txt"
    )
    said = error.message + "\n" + t("What you wrote is attached, to keep.")
    await reply(interaction, said, file=kept, settles=False)
