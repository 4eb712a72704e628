"""The `/reminder` commands, the scheduled posts' look, and the reminder's buttons."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands

from bot.domain.actions import ActionStatus
from bot.domain.effects import Notice
from bot.domain.reminder_notices import BidNudge, GroupReminder, MemberReminder, ReportDigest
from bot.i18n import speaking, t
from bot.ui.applier import Post
from bot.ui.replies import defer, reply
from cogs._feature import FeatureCog
from cogs.actions._cog import Actions, report_form
from cogs.actions._views import report_panel
from cogs.groups._base import name_of
from cogs.groups._render import plain, settings_text
from cogs.groups._views import actor_of
from cogs.reminders._render import (
    already_recorded,
    digest,
    group_reminder,
    member_reminder,
    nothing_to_report,
    nudge,
    preview,
)
from cogs.reminders._views import MORE, ReminderButton, TellButton, reminder_buttons, tell_panel
from cogs.votes._render import echo

if TYPE_CHECKING:
    from bot.app import Setkeeper

log = logging.getLogger(__name__)
PLAN_AFTER = 30.0
"""Seconds after start-up that groups made before reminders existed get theirs planned (once per guild)."""
REMINDER = app_commands.Group(name="reminder", description="The posts between meetings", guild_only=True)
DM_CHOICES = [
    app_commands.Choice(name="By direct message", value="dm"),
    app_commands.Choice(name="In the group's channel", value="channel"),
    app_commands.Choice(name="As the group's setting says", value="group"),
]


class Reminders(FeatureCog):
    """The report-back reminder, the bid nudge, the facilitator's digest."""

    reminder = REMINDER

    def __init__(self, bot: Setkeeper) -> None:
        super().__init__(bot)
        self.reminders = bot.services.reminders
        self._planning: set[asyncio.Task[None]] = set()

    async def cog_load(self) -> None:
        """Register the buttons (so those already posted work after a restart) and how the posts look."""
        self.bot.add_dynamic_items(ReminderButton, TellButton)
        self.bot.applier.render_live((GroupReminder, MemberReminder, BidNudge, ReportDigest), self._render_live)

    async def on_startup(self, guild_ids: list[int]) -> None:
        """Groups made before reminders existed get theirs planned (once per guild, off the start-up's path)."""
        task = asyncio.get_running_loop().create_task(self._plan_all(guild_ids))
        self._planning.add(task)
        task.add_done_callback(self._planning.discard)

    async def on_close(self) -> None:
        """The bot is stopping: planning that has not begun waits for the next start (it is planned then)."""
        for task in list(self._planning):
            task.cancel()
        await asyncio.gather(*self._planning, return_exceptions=True)

    async def _plan_all(self, guild_ids: list[int]) -> None:
        await asyncio.sleep(PLAN_AFTER)  # start-up's own reconciling goes first: it holds the database's writer
        try:
            planned = await self.reminders.plan_all(guild_ids)
        except Exception:  # planned at the next start instead; meanwhile meetings and schedules plan their own
            log.exception("could not plan the reminders of existing groups")
            return
        if planned:
            log.info("reminders planned for existing groups", extra={"groups": planned})

    async def _render_live(self, notice: Notice) -> Post | None:
        match notice:
            case GroupReminder(group_id=group_id, user_ids=user_ids, meeting_at=meeting_at):
                view = await self.reminders.reminder(group_id, user_ids, meeting_at)
                return None if view is None else group_reminder(view, reminder_buttons(group_id))
            case MemberReminder(group_id=group_id, user_id=user_id, meeting_at=meeting_at):
                view = await self.reminders.reminder(group_id, [user_id], meeting_at)
                return None if view is None else member_reminder(view, reminder_buttons(group_id))
            case BidNudge(group_id=group_id, meeting_at=meeting_at):
                bids = await self.reminders.nudge(group_id, meeting_at)
                return None if bids is None else nudge(bids)
            case ReportDigest(group_id=group_id, meeting_at=meeting_at):
                found = await self.reminders.digest(group_id, meeting_at)
                return None if found is None else digest(found)
        raise TypeError(f"{type(notice).__qualname__} is not a scheduled post")

    async def pressed(self, interaction: discord.Interaction[Any], group_id: int, choice: str) -> None:
        """A reminder's button: one action is recorded at once; with several, the member picks which."""
        found = await self.reminders.to_report(group_id, interaction.user.id)
        if found is None or not found.to_do:
            await reply(interaction, nothing_to_report(found))
            return
        views = found.to_do
        if choice == MORE:
            lines = [
                t(
                    "**Your actions in {group}**: pick one and how it went, then say what happened.",
                    group=plain(found.group_name),
                )
            ]
            lines += [f"{number}. {echo(view.text)}" for number, view in enumerate(views, 1)]
            await reply(interaction, "\n".join(lines)[:2000], view=tell_panel([view.id for view in views]))
            return
        if len(views) > 1:
            text, buttons = report_panel(views)
            await reply(interaction, text, view=buttons)
            return
        if any(view.id == views[0].id and view.status.value == choice for view in found.recorded):
            await reply(interaction, already_recorded([views[0]]))
            return
        actions = cast(Actions, self.bot.get_cog("Actions"))
        await actions.status_pressed(interaction, views[0].id, ActionStatus(choice))

    async def tell(self, interaction: discord.Interaction[Any], action_id: int, status: ActionStatus) -> None:
        """Open the report form for one of the member's actions."""
        view = await self.bot.services.actions.mine(interaction.guild_id, interaction.user.id, action_id)
        await interaction.response.send_modal(report_form(view, status))

    @REMINDER.command(
        name="preview", description="The group's coming posts, and the reminder as it would read (facilitator)"
    )
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=FeatureCog.group_autocomplete)
    async def preview_(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """When each post goes, and the report-back reminder as it would be posted now (nobody is pinged)."""
        await defer(interaction)
        view = await self.reminders.preview(
            interaction.guild_id or 0, actor_of(interaction), group, interaction.channel_id
        )
        found = await self.reminders.reminder(view.group_id, view.in_channel, view.meeting_at)
        # The reminder as the group will read it (in its language); the rest in the facilitator's own.
        with speaking(await self.bot.services.groups.language_of(view.group_id)):
            post = None if found is None else group_reminder(found, reminder_buttons(view.group_id))
        await reply(interaction, preview(view, post))

    @REMINDER.command(name="settings", description="When reminders go, quiet hours, and DMs or channel (facilitator)")
    @app_commands.describe(
        group="The group (default: this channel's)",
        report_back_hours="Hours before a meeting to ask everyone to report back on their actions",
        bid_nudge_hours="Hours before a meeting to nudge for bids (and send you the digest)",
        quiet_from="Quiet hours begin at this hour (0-23, the group's time zone; UTC while it has no schedule)",
        quiet_until="Quiet hours end at this hour (0-23; the same as quiet_from: no quiet hours)",
        late_hours="A post the bot could not make on time still goes up to this many hours late",
        dms="Send members the report-back reminder by direct message (each can choose with /reminder dm)",
    )
    @app_commands.autocomplete(group=FeatureCog.group_autocomplete)
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        group: str | None = None,
        report_back_hours: int | None = None,
        bid_nudge_hours: int | None = None,
        quiet_from: app_commands.Range[int, 0, 23] | None = None,
        quiet_until: app_commands.Range[int, 0, 23] | None = None,
        late_hours: int | None = None,
        dms: bool | None = None,
    ) -> None:
        """Change the reminder settings (checked with the group's others) and show what comes next."""
        await defer(interaction)
        given = {
            "report_back_lead_hours": report_back_hours,
            "bid_nudge_lead_hours": bid_nudge_hours,
            "quiet_start_hour": quiet_from,
            "quiet_end_hour": quiet_until,
            "reminder_late_hours": late_hours,
            "reminder_dms": dms,
        }
        changes = {key: value for key, value in given.items() if value is not None}
        updated = await self.bot.services.groups.update_settings(
            interaction.guild_id or 0, actor_of(interaction), group, changes, interaction.channel_id
        )
        view = await self.reminders.preview(interaction.guild_id or 0, actor_of(interaction), updated.id, None)
        heading = (
            t("Settings saved for {group}:", group=name_of(updated))
            if changes
            else t("Current settings for {group}:", group=name_of(updated))
        )
        coming = preview(view, None, with_reminder=False)
        await reply(interaction, f"{heading}\n{settings_text(updated)}\n\n{coming}"[:2000])

    @REMINDER.command(name="dm", description="Get the report-back reminder by direct message, or in the channel")
    @app_commands.describe(where="Where you get it", group="The group (default: this channel's)")
    @app_commands.choices(where=DM_CHOICES)
    @app_commands.autocomplete(group=FeatureCog.group_autocomplete)
    async def dm(
        self, interaction: discord.Interaction[Any], where: app_commands.Choice[str], group: str | None = None
    ) -> None:
        """A member's own choice; with DMs closed, the reminder still comes, in the channel."""
        await defer(interaction)
        choice = {"dm": True, "channel": False}.get(where.value)
        name, by_dm = await self.reminders.choose_dm(
            interaction.guild_id or 0, interaction.user.id, group, interaction.channel_id, choice
        )
        chosen = (
            t(
                "You will get {group}'s report-back reminder by direct message (if your DMs are closed, it comes in "
                "the group's channel instead).",
                group=plain(name),
            )
            if by_dm
            else t("You will get {group}'s report-back reminder in the group's channel.", group=plain(name))
        )
        await reply(interaction, chosen)
