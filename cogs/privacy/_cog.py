"""The `/privacy` commands: a member's export, their erasure (confirmed by a typed word), and what is kept and why."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.words import plural
from bot.services.privacy import STATEMENT_INTRO, ForgetReport, statement_fields, what_changed
from bot.ui.replies import defer, reply
from cogs._feature import FeatureCog
from cogs.groups._views import guarded
from cogs.votes._render import echo
from cogs.votes._views import submitted

if TYPE_CHECKING:
    from bot.app import Setkeeper

PRIVACY = app_commands.Group(name="privacy", description="Your data in this server: see it, export it, erase it")
FORGET_FORM = "setkeeper:privacy:forget"
CONFIRM_WORD = "FORGET"
ERASED_NOUNS: dict[str, tuple[str, str]] = {
    "bids": ("bid", "bids"),
    "actions": ("action", "actions"),
    "action_reports": ("action report", "action reports"),
    "round_notes": ("note of what you learnt", "notes of what you learnt"),
    "contributions": ("thing you said in a round", "things you said in rounds"),
}
"""How the reply names what was erased, by table (singular and plural)."""


def forget_form() -> discord.ui.Modal:
    """The confirmation: nothing happens unless the member types the word."""
    form = discord.ui.Modal(title="Erase your data in this server", custom_id=FORGET_FORM, timeout=None)
    form.add_item(
        discord.ui.Label(
            text=f"Type {CONFIRM_WORD} to erase everything of yours",
            description="Your words are erased and you leave your groups here. This cannot be undone.",
            component=discord.ui.TextInput(custom_id="word", max_length=20, placeholder=CONFIRM_WORD),
        )
    )
    return form


def forgotten(report: ForgetReport) -> str:
    """What the reply says was done, in numbers."""
    if not report.anything:
        return "There was nothing of yours left to erase in this server."
    erased = [
        plural(count, *ERASED_NOUNS.get(table, (table, table))) for table, count in report.erased.items() if count
    ]
    lines = ["Done: what you wrote in this server is erased."]
    lines.append(f"Erased: {', '.join(erased)}." if erased else "Erased: nothing you wrote was stored.")
    lines.append(
        f"You left {plural(report.groups_left, 'group')}; {plural(report.bids_withdrawn, 'open bid')} withdrawn; "
        f"{what_changed(report, 'you')}."
    )
    return "\n".join(lines)


def info_embed() -> discord.Embed:
    """The privacy statement as one embed: what is stored, then one field per kind of record, then your rights."""
    embed = discord.Embed(title="Your data", description=STATEMENT_INTRO)
    for name, text in statement_fields():
        embed.add_field(name=name, value=text, inline=False)
    return embed


class Privacy(FeatureCog):
    """A member's own data: export it, erase it, and read what is kept and why."""

    privacy = PRIVACY

    def __init__(self, bot: Setkeeper) -> None:
        super().__init__(bot)
        self.service = bot.services.privacy

    @PRIVACY.command(name="export", description="Get everything stored about you in this server, as files")
    @app_commands.guild_only()
    async def export(self, interaction: discord.Interaction[Any]) -> None:
        """Privately, the member's data as JSON and Markdown files (files, so nothing is ever cut)."""
        await defer(interaction)
        guild_id = interaction.guild_id or 0
        found = await self.service.export(guild_id, interaction.user.id)
        stem = f"setkeeper-{guild_id}-{interaction.user.id}"
        files = [
            discord.File(io.BytesIO(found.json.encode()), filename=f"{stem}.json"),
            discord.File(io.BytesIO(found.markdown.encode()), filename=f"{stem}.md"),
        ]
        await reply(
            interaction,
            f"Everything stored about you in this server: {plural(found.rows, 'record')}, as JSON (for programs) "
            "and Markdown (to read). Only you can see this.",
            files=files,
        )

    @PRIVACY.command(name="forget", description="Erase what you wrote here and leave your groups (asks you first)")
    @app_commands.guild_only()
    async def forget(self, interaction: discord.Interaction[Any]) -> None:
        """Open the confirmation form."""
        await interaction.response.send_modal(forget_form())

    @PRIVACY.command(name="info", description="What is stored about you, why, who sees it and how long it is kept")
    @app_commands.guild_only()
    async def info(self, interaction: discord.Interaction[Any]) -> None:
        """The privacy statement, generated from the registry (docs/members/your-data.md holds the same)."""
        await reply(interaction, embed=info_embed())

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """The form is answered by its custom id, so one opened before a restart still works after it."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = cast("dict[str, Any]", interaction.data or {})
        if data.get("custom_id") == FORGET_FORM:
            await guarded(interaction, lambda: self._confirmed(interaction))

    async def _confirmed(self, interaction: discord.Interaction[Any]) -> None:
        typed = str(submitted(cast("dict[str, Any]", interaction.data or {})).get("word") or "").strip()
        if typed.upper() != CONFIRM_WORD:
            shown = f"'{echo(typed)}'" if typed else "nothing"
            await reply(
                interaction,
                f"You typed {shown}, not {CONFIRM_WORD}, so nothing was erased. Run /privacy forget again "
                "if you meant to.",
            )
            return
        await defer(interaction)
        report = await self.service.forget(interaction.guild_id or 0, interaction.user.id)
        await self._finish(interaction, report.effects, forgotten(report))
