"""The facilitator's `/group schedule ...`: when the group meets, and the Discord event for its next meeting.

One subcommand per kind of rule, each asking only for what its rule needs: the common cases (monthly on the nth
weekday, every N weeks) are a few choices to pick, and the picker itself shows which kinds there are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict, TypeVar, Unpack

import discord
from discord import app_commands

from bot.domain.cadence import CadenceKind, Ordinal, Weekday, zones_matching
from bot.services.groups.scheduling import NO_SCHEDULE
from bot.ui.replies import defer
from cogs.groups._base import GROUP, GroupsBase
from cogs.groups._render import no_events_note, schedule_reply
from cogs.groups._views import actor_of


class Rule(TypedDict, total=False):
    """What one kind of rule was given: the time and zone, and the rule's own options."""

    at: str
    zone: str
    weekday: str
    ordinal: str
    day: int
    weeks: int
    on: str


SCHEDULE = app_commands.Group(
    name="schedule", description="When a group meets, shown as a Discord event (facilitator)", parent=GROUP
)
T = TypeVar("T")


def describe(**own: str) -> Callable[[T], T]:
    """`app_commands.describe` with the options every kind of rule shares: the time, the zone, the cycle, the group."""
    return app_commands.describe(
        **own,
        time="Local time, HH:MM (24-hour clock)",
        zone="Time zone, e.g. Europe/London",
        cycle="Meetings per cycle, 4 to 6 (default: as it was)",
        group="The group (default: this channel's)",
    )


WEEKDAYS = [app_commands.Choice(name=day.label, value=day.label) for day in Weekday]
ORDINALS = [app_commands.Choice(name=ordinal.label, value=ordinal.label) for ordinal in Ordinal]


class ScheduleCommands(GroupsBase):
    """When a group meets."""

    @SCHEDULE.command(name="monthly", description="Meet monthly on a weekday, e.g. the first Tuesday (facilitator)")
    @describe(which="Which one in the month", weekday="Day of the week")
    @app_commands.choices(which=ORDINALS, weekday=WEEKDAYS)
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def monthly(
        self,
        interaction: discord.Interaction[Any],
        which: str,
        weekday: str,
        time: str,
        zone: str,
        cycle: int | None = None,
        group: str | None = None,
    ) -> None:
        """Monthly on the nth (or last) weekday."""
        await self._set(
            interaction, CadenceKind.MONTHLY_WEEKDAY, group, cycle, at=time, zone=zone, ordinal=which, weekday=weekday
        )

    @SCHEDULE.command(name="weekly", description="Meet every week, or every few weeks, from a first date (facilitator)")
    @describe(weeks="Weeks between meetings: 1 every week, 2 every other week", first="First meeting: YYYY-MM-DD")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def weekly(
        self,
        interaction: discord.Interaction[Any],
        weeks: app_commands.Range[int, 1, 12],
        first: str,
        time: str,
        zone: str,
        cycle: int | None = None,
        group: str | None = None,
    ) -> None:
        """Every N weeks; the first date fixes the weekday and which weeks."""
        await self._set(interaction, CadenceKind.WEEKS, group, cycle, at=time, zone=zone, weeks=weeks, on=first)

    @SCHEDULE.command(name="monthly-day", description="Meet monthly on a day of the month, e.g. the 15th (facilitator)")
    @describe(day="Day of the month (31: the month's last day)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def monthly_day(
        self,
        interaction: discord.Interaction[Any],
        day: app_commands.Range[int, 1, 31],
        time: str,
        zone: str,
        cycle: int | None = None,
        group: str | None = None,
    ) -> None:
        """Monthly on a day of the month."""
        await self._set(interaction, CadenceKind.MONTHLY_DAY, group, cycle, at=time, zone=zone, day=day)

    @SCHEDULE.command(name="once", description="Meet once, on one date (facilitator)")
    @describe(date="The meeting's date: YYYY-MM-DD")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def once(
        self,
        interaction: discord.Interaction[Any],
        date: str,
        time: str,
        zone: str,
        cycle: int | None = None,
        group: str | None = None,
    ) -> None:
        """A single meeting."""
        await self._set(interaction, CadenceKind.ONCE, group, cycle, at=time, zone=zone, on=date)

    @SCHEDULE.command(name="clear", description="No schedule: remove the next meeting's Discord event (facilitator)")
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def clear(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Clear the schedule."""
        await self._set(interaction, NO_SCHEDULE, group, None)

    async def _set(
        self,
        interaction: discord.Interaction[Any],
        kind: str,
        group: str | None,
        cycle: int | None,
        **rule: Unpack[Rule],
    ) -> None:
        """Set, change or clear the schedule; the reply shows the next meeting in everyone's own time zone."""
        await defer(interaction)
        outcome = await self.groups.set_schedule(
            interaction.guild_id or 0,
            actor_of(interaction),
            group,
            kind,
            channel_id=interaction.channel_id,
            cycle=cycle,
            **rule,
        )
        message = schedule_reply(outcome.value)
        if outcome.value.schedule is not None and not self._guild(interaction).me.guild_permissions.manage_events:
            ran = (interaction.command or self.monthly).qualified_name
            message += no_events_note(ran)
        await self._finish(interaction, outcome.effects, message)

    @monthly.autocomplete("zone")
    @weekly.autocomplete("zone")
    @monthly_day.autocomplete("zone")
    @once.autocomplete("zone")
    async def zone_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """IANA zones whose name matches what was typed."""
        return [app_commands.Choice(name=name, value=name) for name in zones_matching(current)]
