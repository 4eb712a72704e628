"""The reminder's buttons: how it went (Done, Partly, Not yet, Dropped) and Tell more; kept in custom ids."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.domain.actions import REPORTED, ActionStatus
from bot.i18n import t
from cogs.groups._views import guarded

if TYPE_CHECKING:
    from bot.app import Setkeeper
    from cogs.reminders._cog import Reminders

MORE = "more"


class ReminderButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"setkeeper:remind:(?P<group>[0-9]{1,12}):(?P<choice>done|partly|not_yet|dropped|more)",
):
    """One of the reminder's five buttons; it works for whoever presses it, on their own actions in the group."""

    def __init__(self, group_id: int, choice: str) -> None:
        label = t("Tell more") if choice == MORE else ActionStatus(choice).label
        style = discord.ButtonStyle.success if choice == ActionStatus.DONE else discord.ButtonStyle.secondary
        if choice == MORE:
            style = discord.ButtonStyle.primary
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, style=style, custom_id=f"setkeeper:remind:{group_id}:{choice}"
        )
        super().__init__(button)
        self.group_id, self.choice = group_id, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ReminderButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["group"]), match["choice"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press to the cog."""
        cog = _cog(interaction)
        await guarded(interaction, lambda: cog.pressed(interaction, self.group_id, self.choice))


class TellButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"setkeeper:tell:(?P<action>[0-9]{1,12}):(?P<status>done|partly|not_yet|dropped)",
):
    """Open the report form for one action with this status (what happened, what was learnt)."""

    def __init__(self, action_id: int, number: int, status: ActionStatus) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=f"{number}. {status.label}…", custom_id=f"setkeeper:tell:{action_id}:{status.value}"
        )
        super().__init__(button)
        self.action_id, self.status = action_id, status

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TellButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["action"]), 0, ActionStatus(match["status"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press to the cog."""
        cog = _cog(interaction)
        await guarded(interaction, lambda: cog.tell(interaction, self.action_id, self.status))


def _cog(interaction: discord.Interaction[Any]) -> Reminders:
    return cast("Reminders", cast("Setkeeper", interaction.client).get_cog("Reminders"))


def reminder_buttons(group_id: int) -> discord.ui.View:
    """The reminder's one row: Done, Partly, Not yet, Dropped, Tell more."""
    view = discord.ui.View(timeout=None)
    for choice in (*(status.value for status in REPORTED), MORE):
        view.add_item(ReminderButton(group_id, choice))
    return view


def tell_panel(action_ids: list[int]) -> discord.ui.View:
    """For each action (up to five), a row of buttons that open the form with that status."""
    view = discord.ui.View(timeout=None)
    for number, action_id in enumerate(action_ids[:5], start=1):
        for status in REPORTED:
            item = TellButton(action_id, number, status)
            item.item.row = number - 1
            view.add_item(item)
    return view
