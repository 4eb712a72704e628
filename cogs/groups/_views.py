"""Buttons and selects of group set-up; persistent buttons keep their state in the custom id to survive restarts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.domain.words import person
from bot.i18n import msg, render, t
from bot.services.effects import QueuedEffect
from bot.services.groups import Actor
from bot.ui.errors import handle_interaction_error
from bot.ui.replies import defer, reply
from cogs.groups._render import RETRY_NOTE

if TYPE_CHECKING:
    from bot.app import Setkeeper


REPLY_PATIENCE = 1.5
"""Seconds a reply waits for its changes on Discord before saying they will follow (Discord paces some of them).

The manual promises an answer within 2 s of the press: this wait, plus the reply's own work and its trip to Discord.
Discord's limits (5 posts per 5 s in a channel, 10 permission changes per 15 s) held the fifth /group add's answer
4.2 s, and the last ground-rules accept's 4.9 s, before there was a limit (`python -m bench setup` measures it).
"""
PACED_NOTE = msg("(Some of it may take a few more seconds to show.)")
"""What a reply adds, on a line of its own, when some of its changes are still on their way to Discord."""


def note(failed: list[Any]) -> str:
    """What to add to a reply when Discord did not take every change yet."""
    return "\n" + render(RETRY_NOTE) if failed else ""


def progress_note(pending: bool, failed: list[Any]) -> str:
    """What to add to a reply whose changes are still on their way (`pending`) or were not all taken (`failed`)."""
    return "\n" + render(PACED_NOTE) if pending else note(failed)


async def answer_when_carried_out(
    bot: Setkeeper, interaction: discord.Interaction[Any], effects: list[QueuedEffect], message: str
) -> None:
    """Reply once Discord has taken the effects, or after `REPLY_PATIENCE` saying that the rest follows.

    Every command and button that changes something on Discord answers through this one rule.
    """
    progress = await bot.applier.carried_out_within(effects, REPLY_PATIENCE)
    await reply(interaction, message + progress_note(progress.pending, progress.failed))


def _bot(interaction: discord.Interaction[Any]) -> Setkeeper:
    return cast("Setkeeper", interaction.client)


def actor_of(interaction: discord.Interaction[Any]) -> Actor:
    """The person acting, with whether Discord grants them Manage Server here."""
    return Actor(interaction.user.id, bool(interaction.permissions.manage_guild))


async def guarded(interaction: discord.Interaction[Any], work: Callable[[], Awaitable[None]]) -> None:
    """Run a component callback so that any error becomes the one standard reply."""
    _bot(interaction).claim(interaction)
    try:
        await work()
    except Exception as exc:  # every failure must reach the member as a reply, never as silence
        await handle_interaction_error(interaction, exc)


class AcceptRulesButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"setkeeper:rules:(?P<group>[0-9]{1,12})"
):
    """The member accepts the ground rules of a group."""

    def __init__(self, group_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("I accept the ground rules"),
                style=discord.ButtonStyle.success,
                custom_id=f"setkeeper:rules:{group_id}",
            )
        )
        self.group_id = group_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AcceptRulesButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["group"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the acceptance and open the channel to the member."""
        await guarded(interaction, lambda: self._accept(interaction))

    async def _accept(self, interaction: discord.Interaction[Any]) -> None:
        await defer(interaction)
        bot = _bot(interaction)
        guild_id = interaction.guild_id or 0
        outcome = await bot.services.groups.accept_ground_rules(guild_id, interaction.user.id, self.group_id)
        message = (
            t("Thank you. You have accepted the ground rules and can now post in this channel.")
            if outcome.value
            else t("You have already accepted these ground rules. You are all set.")
        )
        await answer_when_carried_out(bot, interaction, outcome.effects, message)


class JoinAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"setkeeper:join:(?P<request>[0-9]{1,12}):(?P<answer>yes|no)",
):
    """The facilitator approves or declines a join request."""

    def __init__(self, membership_id: int, approve: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=t("Approve") if approve else t("Decline"),
                style=discord.ButtonStyle.success if approve else discord.ButtonStyle.secondary,
                custom_id=f"setkeeper:join:{membership_id}:{'yes' if approve else 'no'}",
            )
        )
        self.membership_id = membership_id
        self.approve = approve

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> JoinAnswerButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["request"]), match["answer"] == "yes")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Answer the request; the post then says the answer, without its buttons."""
        await guarded(interaction, lambda: self._answer(interaction))

    async def _answer(self, interaction: discord.Interaction[Any]) -> None:
        await defer(interaction)
        bot = _bot(interaction)
        outcome = await bot.services.groups.answer_join_request(
            interaction.guild_id or 0,
            actor_of(interaction),
            self.membership_id,
            approve=self.approve,
            message_id=interaction.message.id if interaction.message is not None else None,
        )
        who = person(outcome.value.user_id)
        message = (
            t("You approved {person}'s request.", person=who)
            if self.approve
            else t("You declined {person}'s request.", person=who)
        )
        await answer_when_carried_out(bot, interaction, outcome.effects, message)


def single_item_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A persistent view holding the given dynamic items."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


class GuardedView(discord.ui.View):
    """A short-lived panel, answered only by the person who ran the command; its errors get the standard reply.

    A refusal leaves the panel usable (the person can choose again); once its work is done, a further press says so.
    """

    def __init__(self, owner_id: int, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.finished: str | None = None
        self._busy = asyncio.Lock()

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Claim the click; only the person who ran the command may answer."""
        _bot(interaction).claim(interaction)
        if interaction.user.id != self.owner_id:
            await reply(interaction, t("Only the person who ran the command can answer this."))
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        """Any error in a callback becomes the one standard reply."""
        await handle_interaction_error(interaction, error)

    async def run_once(self, interaction: discord.Interaction[Any], work: Callable[[], Awaitable[str]]) -> None:
        """Do the panel's work unless it is done already; `work` returns what a later press is told."""
        async with self._busy:  # a double click waits here, then hears that the work is done
            if self.finished is not None:
                await reply(interaction, self.finished)
                return
            await defer(interaction)
            self.finished = await work()


class ConfirmView(GuardedView):
    """Ask the person who ran a command to confirm; only they can answer."""

    def __init__(self, owner_id: int, label: str, action: Callable[[discord.Interaction[Any]], Awaitable[str]]) -> None:
        super().__init__(owner_id, timeout=300)
        self.action = action
        self.confirm.label = label
        self.cancel.label = t("Cancel")

    @discord.ui.button(style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Do it (once)."""
        await self.run_once(interaction, lambda: self.action(interaction))

    @discord.ui.button(style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Do nothing."""
        if self.finished is not None:
            await reply(interaction, self.finished)
            return
        self.stop()
        await interaction.response.edit_message(content=t("Cancelled; nothing was changed."), view=None)


class SplitView(GuardedView):
    """The facilitator picks who moves to the new group, then confirms."""

    def __init__(self, owner_id: int, action: Callable[[discord.Interaction[Any], list[int]], Awaitable[str]]) -> None:
        super().__init__(owner_id, timeout=600)
        self.action = action
        self.chosen: list[int] = []
        self.pick.placeholder = t("Members who move to the new group")
        self.confirm.label = t("Split the group")

    @discord.ui.select(cls=discord.ui.UserSelect, min_values=1, max_values=12)
    async def pick(self, interaction: discord.Interaction[Any], select: discord.ui.UserSelect[Any]) -> None:
        """Remember the choice."""
        self.chosen = [user.id for user in select.values]
        await interaction.response.defer()

    @discord.ui.button(style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        """Create the new group and move the chosen members (once)."""
        if not self.chosen and self.finished is None:
            await reply(interaction, t("Pick the members who move to the new group first, then press the button."))
            return
        await self.run_once(interaction, lambda: self.action(interaction, list(self.chosen)))
