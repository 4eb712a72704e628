"""The facilitator's `/group schedule`: when the group meets, and the Discord event for its next meeting."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.domain.cadence import CadenceKind, Ordinal, Weekday, zones_matching
from bot.services.groups.scheduling import NO_SCHEDULE
from bot.ui.replies import defer
from cogs.groups._base import GROUP, GroupsBase
from cogs.groups._render import NO_EVENTS_NOTE, schedule_reply
from cogs.groups._views import actor_of

DESCRIPTION = "When a group meets, shown as a Discord event (facilitator)"
KIND_LABELS = {
    CadenceKind.MONTHLY_WEEKDAY.value: "Monthly on a weekday",
    CadenceKind.MONTHLY_DAY.value: "Monthly on a day",
    CadenceKind.WEEKS.value: "Every few weeks",
    CadenceKind.ONCE.value: "Once",
    NO_SCHEDULE: "No schedule (clear it)",
}


class ScheduleCommands(GroupsBase):
    """When a group meets."""

    @GROUP.command(name="schedule", description=DESCRIPTION)
    @app_commands.describe(
        kind="How often (No schedule clears it)",
        time="Local time, HH:MM",
        zone="Time zone, e.g. Europe/London",
        weekday="Day of the week",
        which="Which in the month: first to fourth, or last",
        day="Day of the month (31: the last day)",
        weeks="Weeks between meetings",
        date="First meeting, or the one date: YYYY-MM-DD",
        cycle="Meetings per cycle, 4 to 6",
        group="The group (default: this channel's)",
    )
    @app_commands.choices(
        kind=[app_commands.Choice(name=label, value=value) for value, label in KIND_LABELS.items()],
    )
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def schedule(
        self,
        interaction: discord.Interaction[Any],
        kind: str,
        time: str | None = None,
        zone: str | None = None,
        weekday: str | None = None,
        which: str | None = None,
        day: app_commands.Range[int, 1, 31] | None = None,
        weeks: app_commands.Range[int, 1, 12] | None = None,
        date: str | None = None,
        cycle: int | None = None,
        group: str | None = None,
    ) -> None:
        """Set, change or clear the schedule; the reply shows the next meeting in everyone's own time zone."""
        await defer(interaction)
        outcome = await self.groups.set_schedule(
            interaction.guild_id or 0,
            actor_of(interaction),
            group,
            kind,
            at=time,
            zone=zone,
            channel_id=interaction.channel_id,
            weekday=weekday,
            ordinal=which,
            day=day,
            weeks=weeks,
            on=date,
            cycle=cycle,
        )
        message = schedule_reply(outcome.value)
        if outcome.value.schedule is not None and not self._guild(interaction).me.guild_permissions.manage_events:
            message += NO_EVENTS_NOTE
        await self._finish(interaction, outcome.effects, message)

    @schedule.autocomplete("zone")
    async def zone_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """IANA zones whose name matches what was typed."""
        return _choices(zones_matching(current))

    @schedule.autocomplete("weekday")
    async def weekday_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """The days of the week (autocomplete rather than choices: the /group command's text has a limit)."""
        return _choices([day.label for day in Weekday], current)

    @schedule.autocomplete("which")
    async def which_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """First to fourth, or last."""
        return _choices([ordinal.label for ordinal in Ordinal], current)


def _choices(names: list[str], typed: str = "") -> list[app_commands.Choice[str]]:
    """Autocomplete choices, those that start with what was typed."""
    return [app_commands.Choice(name=name, value=name) for name in names if name.lower().startswith(typed.lower())]
