"""The `/meeting` commands, `/done`, `/pass`, `/hand`, the floor card's buttons and the meeting's forms."""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.effects import Notice, Notify
from bot.domain.errors import UserFacingError
from bot.domain.meeting import (
    MODE_NAMES,
    Arrive,
    Break,
    Done,
    End,
    Event,
    Extend,
    LowerHand,
    Mode,
    Next,
    Pass,
    Pause,
    RaiseHand,
    Resume,
    SetMode,
    Skip,
)
from bot.domain.meeting_notices import (
    LIVE_MEETING_NOTICES,
    MEETING_NOTICES,
    FloorCard,
    FloorTo,
    MeetingSummary,
    RoundDigest,
)
from bot.services.meetings import MeetingView, VoicePlace
from bot.ui.applier import Post
from bot.ui.replies import defer, reply
from cogs._feature import FeatureCog
from cogs.groups._views import actor_of, guarded
from cogs.meetings._render import digest, floor_card, on_stage, render_notice, summary
from cogs.meetings._views import COMMIT_FORM, REHEARSAL_FORM, FloorButton, card_buttons, commit_form, rehearsal_form
from cogs.votes._views import submitted

if TYPE_CHECKING:
    from bot.app import Setkeeper

MEETING = app_commands.Group(name="meeting", description="Run an action learning meeting", guild_only=True)
SAID = {
    "here": "You are marked present.",
    "done": "Your turn is over. Thank you.",
    "pass": "You passed this turn.",
    "hand": "Your hand is raised: you are in the queue.",
    "lower": "Your hand is lowered.",
    "next": "Moved on.",
    "pause": "Paused: everyone can post until you resume.",
    "resume": "Resumed.",
}


VOICE_NEEDS = {"mute_members": "Mute Members"}
STAGE_NEEDS = {**VOICE_NEEDS, "move_members": "Move Members", "manage_channels": "Manage Channels"}
"""Mute Members, Move Members and Manage Channels in a Stage make the bot a Stage moderator (FACTS §1j)."""


def missing_for_voice(guild: discord.Guild | None, place: VoicePlace | None) -> list[str]:
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


def text_only(missing: list[str], place: VoicePlace) -> str:
    """Why the floor stays in text only, and what to do about it."""
    names = " and ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
    plural = "s" if len(missing) > 1 else ""
    where = f"<#{place.channel_id}>"
    stage = " (together they make me a Stage moderator)" if place.stage else ""
    return (
        f"The floor is kept in text only: I lack the {names} permission{plural} in {where}{stage}, so I cannot keep "
        f"it in voice. Give my role {names} there and start the next meeting with voice again."
    )


class Meetings(FeatureCog):
    """The meeting: one speaker at a time, in the method's order, with the floor kept in the group's channel."""

    meeting = MEETING

    def __init__(self, bot: Setkeeper) -> None:
        super().__init__(bot)
        self.meetings = bot.services.meetings

    async def cog_load(self) -> None:
        """Register the persistent buttons and how meeting notices look."""
        self.bot.add_dynamic_items(FloorButton)
        static = [kind for kind in MEETING_NOTICES if kind not in LIVE_MEETING_NOTICES]
        self.bot.applier.render_with(static, render_notice)
        self.bot.applier.render_live(LIVE_MEETING_NOTICES, self._render_live)
        self.bot.applier.when_posted(FloorCard, self._card_posted)
        self.bot.applier.when_voice_lags(self._voice_lag_changed)

    async def _voice_lag_changed(self, group_id: int) -> None:
        """The voice floor started or stopped lagging: the card says so."""
        await self.bot.applier.carried_out(await self.meetings.redraw_card(group_id))

    async def on_startup(self, guild_ids: list[int]) -> None:
        """Every meeting under way resumes: floors set again from the database, cards redrawn."""
        await self.bot.applier.carried_out(await self.meetings.resume(guild_ids))

    async def _render_live(self, notice: Notice) -> Post | None:
        if not isinstance(notice, FloorCard | MeetingSummary | RoundDigest | FloorTo):
            raise TypeError(f"{type(notice).__qualname__} is not drawn live")
        view = await self.meetings.drawn(notice.meeting_id)
        if view is None:
            return None
        if isinstance(notice, FloorTo):
            # Three quick passes ping once: only someone who still holds the floor when the ping goes out.
            if not view.open or view.speaker != notice.user_id:
                return None
            return (
                on_stage(render_notice(notice))
                if view.stage and view.voice_channel_id is not None
                else render_notice(notice)
            )
        if isinstance(notice, MeetingSummary):
            return summary(view, await self.bot.services.ledger.of_meeting(notice.meeting_id))
        if isinstance(notice, RoundDigest):
            return digest(view, notice.round_index)
        return floor_card(view, card_buttons(view), lagging=self.bot.applier.voice_lagging(view.group_id))

    async def _card_posted(self, effect: Notify, message_id: int) -> None:
        if isinstance(effect.notice, FloorCard):
            await self.bot.applier.carried_out(await self.meetings.record_card(effect.notice.meeting_id, message_id))

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

    async def _act(
        self,
        interaction: discord.Interaction[Any],
        event: Event,
        said: str,
        *,
        meeting_id: int | None = None,
        group: str | None = None,
        mark: str | None = None,
    ) -> MeetingView:
        await defer(interaction)
        outcome = await self.meetings.act(
            interaction.guild_id or 0,
            actor_of(interaction),
            event,
            meeting_id=meeting_id,
            which=group,
            channel_id=interaction.channel_id,
            mark=mark,
        )
        await self._finish(interaction, outcome.effects, said)
        return outcome.value

    # The facilitator's commands

    @MEETING.command(name="start", description="Start a meeting in the group's channel (facilitator)")
    @app_commands.describe(
        group="The group (defaults to this channel's group)",
        voice="Keep the floor in the group's voice channel or Stage too: listeners are muted or kept in the audience",
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
        said = "The meeting has started. Members press Here on the card; press Next to begin the catch-up."
        await self._present_in_voice(interaction.guild, outcome.value)
        if place is not None and missing:
            said += f" {text_only(missing, place)}"
        elif place is not None and place.stage:
            said += (
                " Joining the group's Stage counts as Here; the speaker is brought on stage and listeners stay in the"
                " audience while someone else speaks."
            )
        elif voice:
            said += " Joining the group's voice channel counts as Here; listeners are muted while someone else speaks."
        await self._finish(interaction, outcome.effects, said)

    @MEETING.command(name="next", description="End the current turn or phase and move on (facilitator)")
    async def next_(self, interaction: discord.Interaction[Any]) -> None:
        """Move the meeting on."""
        await self._act(interaction, Next(), SAID["next"])

    @MEETING.command(name="skip", description="Pass someone's turn (facilitator)")
    @app_commands.describe(member="Whose turn to pass")
    async def skip(self, interaction: discord.Interaction[Any], member: discord.User) -> None:
        """Pass someone's turn."""
        await self._act(interaction, Skip(member.id), f"Passed {member.mention}'s turn.")

    @MEETING.command(name="mode", description="The mode of the current or next round (facilitator or holder)")
    @app_commands.describe(mode="How peers give their input")
    @app_commands.choices(mode=[app_commands.Choice(name=MODE_NAMES[m], value=m.value) for m in Mode])
    async def mode(self, interaction: discord.Interaction[Any], mode: str) -> None:
        """Choose the round's mode."""
        chosen = Mode(mode)
        await self._act(interaction, SetMode(chosen), f"Mode: {MODE_NAMES[chosen]}.")

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
        await self._act(interaction, Break(minutes), f"A break of {minutes} minutes: everyone can post meanwhile.")

    @MEETING.command(name="extend", description="More time for the current turn (facilitator)")
    @app_commands.describe(minutes="How many more minutes")
    async def extend(self, interaction: discord.Interaction[Any], minutes: app_commands.Range[int, 1, 60]) -> None:
        """Extend the current turn."""
        await self._act(interaction, Extend(minutes), f"The turn has {minutes} more minutes.")

    @MEETING.command(name="end", description="End the meeting and post the summary (facilitator)")
    async def end(self, interaction: discord.Interaction[Any]) -> None:
        """End the meeting."""
        await self._act(interaction, End(), "The meeting has ended; the summary is posted and holders get a digest.")

    @MEETING.command(name="status", description="Phase, speaker, queue and time left")
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        """Show the meeting to a member, privately."""
        await defer(interaction)
        view = await self.meetings.view(
            interaction.guild_id or 0, interaction.user.id, channel_id=interaction.channel_id
        )
        post = floor_card(view, None)
        await reply(interaction, embed=post.embed)

    # Members' commands

    @app_commands.command(name="done", description="End your turn in the meeting")
    @app_commands.guild_only()
    async def done(self, interaction: discord.Interaction[Any]) -> None:
        """End your turn."""
        await self._act(interaction, Done(interaction.user.id), SAID["done"])

    @app_commands.command(name="pass", description="Pass your turn in the meeting")
    @app_commands.guild_only()
    async def pass_(self, interaction: discord.Interaction[Any]) -> None:
        """Abstain."""
        await self._act(interaction, Pass(interaction.user.id), SAID["pass"])

    @app_commands.command(name="hand", description="Raise (or lower) your hand to speak in the meeting")
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
            await interaction.response.send_modal(commit_form(meeting_id))
            return
        if action == "input":
            await interaction.response.send_modal(rehearsal_form(meeting_id))
            return
        if action == "report":
            await defer(interaction)
            meeting = await self.meetings.view(interaction.guild_id or 0, user_id, meeting_id=meeting_id)
            await self.bot.get_cog("Actions").panel(interaction, meeting.group_id)  # type: ignore[union-attr]
            return
        events: dict[str, Event] = {
            "here": Arrive(user_id),
            "done": Done(user_id),
            "pass": Pass(user_id),
            "hand": RaiseHand(user_id),
            "next": Next(),
            "pause": Pause(),
            "resume": Resume(),
        }
        await self._act(interaction, events[action], SAID[action], meeting_id=meeting_id, mark=mark)

    async def _committed(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        values = submitted(cast("dict[str, Any]", interaction.data or {}))
        actions = [str(values.get(f"action:{n}") or "") for n in range(1, 4)]
        learnt = str(values.get("learnt") or "")
        await defer(interaction)
        try:
            outcome = await self.meetings.commit_actions(
                interaction.guild_id or 0, interaction.user.id, meeting_id, actions, learnt
            )
        except UserFacingError as exc:
            await _refused_with_text(interaction, exc, [*actions, learnt])
            return
        await self._finish(interaction, outcome.effects, "Your learning and actions are recorded. Thank you.")

    async def _rehearsed(self, interaction: discord.Interaction[Any], meeting_id: int) -> None:
        values = submitted(cast("dict[str, Any]", interaction.data or {}))
        criticism = str(values.get("criticism") or "")
        positives = [str(values.get(f"positive:{n}") or "") for n in range(1, 4)]
        await defer(interaction)
        try:
            outcome = await self.meetings.dress_rehearsal(
                interaction.guild_id or 0, interaction.user.id, meeting_id, criticism, positives
            )
        except UserFacingError as exc:
            await _refused_with_text(interaction, exc, [criticism, *positives])
            return
        await self._finish(interaction, outcome.effects, "Your input is posted, and your turn is over. Thank you.")

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A post made out of turn in a meeting: removed (its author told why) or a reminder, as the group chose."""
        if message.guild is None or message.author.bot:
            return
        readable = message.content if self.bot.intents.message_content else None
        check = await self.meetings.check_post(message.guild.id, message.channel.id, message.author.id, readable)
        if check.remove:
            # Already gone, or Manage Messages withheld (the README asks for it): the author is told either way.
            with contextlib.suppress(discord.NotFound, discord.Forbidden):
                await message.delete()
        await self.bot.applier.carried_out(check.effects)

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

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Forms are answered by their custom id, so one opened before a restart is answered after it."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = str(cast("dict[str, Any]", interaction.data or {}).get("custom_id", ""))
        commit = COMMIT_FORM.fullmatch(custom_id)
        rehearsal = REHEARSAL_FORM.fullmatch(custom_id)
        if commit is not None:
            meeting_id = int(commit["meeting"])
            await guarded(interaction, lambda: self._committed(interaction, meeting_id))
        elif rehearsal is not None:
            meeting_id = int(rehearsal["meeting"])
            await guarded(interaction, lambda: self._rehearsed(interaction, meeting_id))


async def _refused_with_text(interaction: discord.Interaction[Any], error: UserFacingError, texts: list[str]) -> None:
    """A refused form: the reason, and what the member wrote, exactly, in a file to copy from."""
    kept = discord.File(io.BytesIO(("\n\n".join(t for t in texts if t) + "\n").encode()), filename="what-you-wrote.txt")
    await reply(interaction, error.message + "\nWhat you wrote is attached, to keep.", file=kept, settles=False)
