"""The facilitator's `/group history`: the group's history as Markdown and CSV, and a follow-through chart."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

import discord
from discord import app_commands

from bot.domain.words import mentioned
from bot.i18n import speaking, t
from bot.services.groups.history import History
from bot.ui.replies import defer, interaction_context, reply
from cogs.groups._base import GROUP, GroupsBase
from cogs.groups._history_chart import chart
from cogs.groups._history_files import markdown, table
from cogs.groups._render import name as bold_name
from cogs.groups._views import actor_of

log = logging.getLogger(__name__)


class HistoryCommands(GroupsBase):
    """What a group has done, for its facilitator."""

    @GROUP.command(name="history", description="History files and a follow-through chart (facilitator)")
    @app_commands.describe(group="The group (default: this channel's)")
    @app_commands.autocomplete(group=GroupsBase.group_autocomplete)
    async def history(self, interaction: discord.Interaction[Any], group: str | None = None) -> None:
        """Three files, in a reply only the facilitator sees: what members wrote never goes anywhere else."""
        await defer(interaction)
        found = await self.groups.history(
            interaction.guild_id or 0, actor_of(interaction), group, interaction.channel_id
        )
        names = await _names(self._guild(interaction), found)
        # The files are the group's to read: in its language (the reply is the facilitator's, in theirs).
        with speaking(await self.groups.language_of(found.cycle.group_id)):
            png = await asyncio.to_thread(chart, found, names)  # the thread draws in the same language
            written, sortable = markdown(found, names), table(found, names)
        stem = _file_stem(found.group_name)
        files = [
            discord.File(io.BytesIO(written.encode()), filename=f"{stem}-history.md"),
            discord.File(io.BytesIO(sortable.encode()), filename=f"{stem}-history.csv"),
            discord.File(io.BytesIO(png), filename=f"{stem}-follow-through.png"),
        ]
        log.info("history sent", extra={**interaction_context(interaction), "files": len(files)})
        await reply(
            interaction,
            t(
                "The history of {group}: to read (Markdown), to sort (CSV), and the follow-through chart. What "
                "members wrote is in them: keep them within the group.",
                group=bold_name(found.group_name),
            ),
            files=files,
        )


async def _names(guild: discord.Guild, history: History) -> dict[int, str]:
    """Everyone in the history by display name (asked of Discord for those not cached; a number if they are gone)."""
    people = {*history.members, *(a.owner_id for a in history.actions)}
    for meeting in history.meetings:
        people.update(meeting.attended, (r.holder_id for r in meeting.rounds))
        people.update(*(mentioned(r.title or "") for r in meeting.rounds))
    for action in history.actions:
        people.update(mentioned(action.text), *(mentioned(f"{r.happened} {r.learnt}") for r in action.reports))
    names: dict[int, str] = {}
    for user_id in sorted(people):
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.HTTPException:
                continue  # left the server: the files show their number
        names[user_id] = member.display_name
    return names


def _file_stem(group_name: str) -> str:
    """A file name from the group's name: letters, digits and dashes only."""
    stem = "".join(c if c.isascii() and c.isalnum() else "-" for c in group_name.lower()).strip("-")
    return "-".join(part for part in stem.split("-") if part)[:40] or "group"
