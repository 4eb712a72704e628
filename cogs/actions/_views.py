"""Report buttons: one row per action, one click per status; kept in custom ids, so they work after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.domain.actions import REPORTED, ActionStatus
from bot.i18n import t
from bot.services.actions import ActionView
from cogs.groups._views import guarded
from cogs.votes._render import echo

if TYPE_CHECKING:
    from bot.app import Setkeeper
    from cogs.actions._cog import Actions

ROWS = 5
"""A message holds five rows of buttons: the first five actions get theirs."""


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"setkeeper:act:(?P<action>[0-9]{1,12}):(?P<status>done|partly|not_yet|dropped)",
):
    """Say how one action went, in one click (what happened can be added with /action report)."""

    def __init__(self, action_id: int, number: int, status: ActionStatus) -> None:
        style = discord.ButtonStyle.success if status is ActionStatus.DONE else discord.ButtonStyle.secondary
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=f"{number}. {status.label}", style=style, custom_id=f"setkeeper:act:{action_id}:{status.value}"
        )
        super().__init__(button)
        self.action_id, self.status = action_id, status

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        """Rebuild the button from its custom id (its number only labels it)."""
        return cls(int(match["action"]), 0, ActionStatus(match["status"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press to the cog."""
        cog = cast("Actions", cast("Setkeeper", interaction.client).get_cog("Actions"))
        await guarded(interaction, lambda: cog.status_pressed(interaction, self.action_id, self.status))


def so_far(status: ActionStatus) -> str:
    """After an action still to do: nothing while open, else what its last report said ("partly done")."""
    if status is ActionStatus.OPEN:
        return ""
    return " " + t("(last report: {status})", status=status.label.lower())


def report_panel(views: list[ActionView]) -> tuple[str, discord.ui.View | None]:
    """The member's actions still to do, numbered, with a row of status buttons for each of the first five."""
    if not views:
        return t("You have no actions to report on in this group."), None
    lines = [t("**Your actions: how did each go?** (one click records it; add what happened with /action report)")]
    panel = discord.ui.View(timeout=None)
    for number, view in enumerate(views, start=1):
        lines.append(f"{number}. {echo(view.text)}{so_far(view.status)}")
        if number <= ROWS:
            for status in REPORTED:
                item = ActionButton(view.id, number, status)
                item.item.row = number - 1
                panel.add_item(item)
    return "\n".join(lines)[:2000], panel
