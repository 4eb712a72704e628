"""The `/action` commands: set yourself an action, list actions, report how one went (a form)."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.actions import REPORT_MAX, REPORTED, STATUS_LABELS, ActionStatus
from bot.domain.errors import UserFacingError
from bot.domain.words import person
from bot.i18n import render, t
from bot.services.actions import ActionView
from bot.ui.replies import defer, reply
from cogs._feature import FeatureCog
from cogs.actions._views import ActionButton, report_panel
from cogs.groups._views import guarded
from cogs.votes._render import echo
from cogs.votes._views import submitted

if TYPE_CHECKING:
    from bot.app import Setkeeper

ACTION = app_commands.Group(name="action", description="Your actions between meetings", guild_only=True)
REPORT_FORM = re.compile(r"setkeeper:report:(?P<action>[0-9]{1,12}):(?P<status>[a-z_]{1,16})")
STATUS_CHOICES = [
    app_commands.Choice(name=render(STATUS_LABELS[status], "en"), value=status.value) for status in REPORTED
]
MAX_ID = 2**31 - 1
"""Action ids are 32-bit: anything larger was typed, not picked."""


class Actions(FeatureCog):
    """What members committed to, between meetings."""

    action = ACTION

    def __init__(self, bot: Setkeeper) -> None:
        super().__init__(bot)
        self.actions = bot.services.actions

    async def cog_load(self) -> None:
        """Register the report buttons, so those already shown work after a restart."""
        self.bot.add_dynamic_items(ActionButton)

    async def status_pressed(self, interaction: discord.Interaction[Any], action_id: int, status: ActionStatus) -> None:
        """A report button: the action's status, in one click (only its owner's click counts)."""
        await defer(interaction)
        outcome = await self.actions.report(interaction.guild_id, interaction.user.id, action_id, status.value, "", "")
        view = outcome.value
        await self._finish(
            interaction,
            outcome.effects,
            t(
                "Recorded: {action} is **{status}**. Add what happened with /action report.",
                action=echo(view.text),
                status=view.status.label,
            ),
        )

    async def panel(self, interaction: discord.Interaction[Any], group_id: int) -> None:
        """The member's own actions in the group with a row of report buttons each (from the floor card)."""
        views = await self.actions.to_report(interaction.guild_id or 0, interaction.user.id, group_id)
        text, buttons = report_panel(views)
        await reply(interaction, text, view=buttons)

    @ACTION.command(name="add", description="Set yourself an action in your group, between meetings")
    @app_commands.describe(text="What you will do", group="The group (default: this channel's)")
    @app_commands.autocomplete(group=FeatureCog.group_autocomplete)
    async def add(
        self,
        interaction: discord.Interaction[Any],
        text: app_commands.Range[str, 1, 300],
        group: str | None = None,
    ) -> None:
        """Record an action the member sets themselves."""
        await defer(interaction)
        try:
            outcome = await self.actions.add(
                interaction.guild_id or 0, interaction.user.id, text, group, interaction.channel_id
            )
        except UserFacingError as exc:
            kept = t("{refusal}\n\nWhat you wrote, to keep: {text}", refusal=exc.message, text=echo(text))
            await reply(interaction, kept[:2000], settles=False)
            return
        view = outcome.value
        await self._finish(
            interaction,
            outcome.effects,
            t(
                "Your action in {group} is recorded: {action}\n"
                "Report how it went with /action report; the next catch-up asks about it.",
                group=echo(view.group_name),
                action=echo(view.text),
            ),
        )

    @ACTION.command(name="list", description="Your actions, or a fellow member's in a group you share")
    @app_commands.describe(member="Whose actions (defaults to yours)")
    async def list_(self, interaction: discord.Interaction[Any], member: discord.Member | None = None) -> None:
        """Actions still to do, then the most recent others, with their last report."""
        await defer(interaction)
        owner = member.id if member is not None else interaction.user.id
        views = await self.actions.listing(interaction.guild_id or 0, interaction.user.id, owner)
        yours = owner == interaction.user.id
        if not views:
            empty = (
                t("You have no actions here yet.")
                if yours
                else t(
                    "{member}'s actions are not in any group you share with them, or they have none.",
                    member=person(owner),
                )
            )
            await reply(interaction, empty)
            return
        heading = t("**Your actions**") if yours else t("**{member}'s actions**", member=person(owner))
        await reply(interaction, listing(heading, views))

    @ACTION.command(name="report", description="Say how one of your actions went")
    @app_commands.describe(action="One of your actions", status="How it went")
    @app_commands.choices(status=STATUS_CHOICES)
    async def report(
        self, interaction: discord.Interaction[Any], action: str, status: app_commands.Choice[str]
    ) -> None:
        """Open the report form for the chosen action."""
        if not (action.isascii() and action.isdigit()) or int(action) > MAX_ID:
            await reply(
                interaction, t("Pick one of your actions from the list as you type (use /action list to see them).")
            )
            return
        try:
            view = await self.actions.mine(interaction.guild_id, interaction.user.id, int(action))
        except UserFacingError as exc:
            await reply(interaction, exc.message, settles=False)
            return
        await interaction.response.send_modal(report_form(view, ActionStatus(status.value)))

    @report.autocomplete("action")
    async def _action_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        found = await self.actions.choices(interaction.guild_id or 0, interaction.user.id, current)
        return [app_commands.Choice(name=label, value=str(action_id)) for action_id, label in found]

    async def _reported(self, interaction: discord.Interaction[Any], action_id: int, status: str) -> None:
        values = submitted(cast("dict[str, Any]", interaction.data or {}))
        happened, learnt = str(values.get("happened") or ""), str(values.get("learnt") or "")
        await defer(interaction)
        try:
            outcome = await self.actions.report(
                interaction.guild_id, interaction.user.id, action_id, status, happened, learnt
            )
        except UserFacingError as exc:
            # What they wrote is not lost: it comes back with the refusal, whole, as a file.
            kept = discord.File(io.BytesIO(f"{happened}\n\n{learnt}\n".encode()), filename="your-report.txt")
            await reply(interaction, exc.message, file=kept, settles=False)
            return
        view = outcome.value
        await self._finish(
            interaction,
            outcome.effects,
            t("Thank you: {action} is now **{status}**.", action=echo(view.text), status=view.status.label),
        )

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """The report form is answered by its custom id, so one opened before a restart is answered after it."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = cast("dict[str, Any]", interaction.data or {})
        found = REPORT_FORM.fullmatch(str(data.get("custom_id", "")))
        if found is not None:
            action_id, status = int(found["action"]), found["status"]
            await guarded(interaction, lambda: self._reported(interaction, action_id, status))


def report_form(view: ActionView, status: ActionStatus) -> discord.ui.Modal:
    """What happened and what was learnt, for one action and the status chosen."""
    form = discord.ui.Modal(
        title=t("{status}: your report", status=status.label)[:45],
        custom_id=f"setkeeper:report:{view.id}:{status.value}",
        timeout=None,
    )
    for custom_id, label, hint in (
        ("happened", t("What happened?"), view.text),
        ("learnt", t("What did you learn?"), t("Optional")),
    ):
        form.add_item(
            discord.ui.Label(
                text=label,
                description=hint[:100],
                component=discord.ui.TextInput(
                    custom_id=custom_id, style=discord.TextStyle.paragraph, required=False, max_length=REPORT_MAX
                ),
            )
        )
    return form


def listing(heading: str, views: list[ActionView]) -> str:
    """The list under its heading: each action with its group, status and when it was set, and its last report."""
    lines = [heading]
    for view in views:
        set_at = f"<t:{int(view.created_at.timestamp())}:d>"
        lines.append(
            "- "
            + t(
                "**{status}**: {action} ({group}, set {when})",
                status=view.status.label,
                action=echo(view.text),
                group=echo(view.group_name),
                when=set_at,
            )
        )
        if view.reports:
            last = view.reports[-1]
            said = f": {echo(last.happened)}" if last.happened else ""
            at = f"<t:{int(last.at.timestamp())}:R>"
            reported = t("reported {when}", when=at)
            lines.append(f"  - {reported}{said}"[:300])
    text = "\n".join(lines)
    if len(text) <= 2000:
        return text
    return text[: text.rfind("\n", 0, 1950)] + "\n" + t("(more: the list is cut here)")
