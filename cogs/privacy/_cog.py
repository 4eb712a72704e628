"""The `/privacy` commands: a member's export, their erasure (confirmed by a typed word), and what is kept and why."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.text import msg
from bot.i18n import render, t, tn
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
CONFIRM_WORD = msg("FORGET")
"""What the member types to confirm: the word in their language, or the English one."""
ERASED_NOUNS: dict[str, Callable[[int], str]] = {
    "bids": lambda n: tn("{n} bid", "{n} bids", n),
    "actions": lambda n: tn("{n} action", "{n} actions", n),
    "action_reports": lambda n: tn("{n} action report", "{n} action reports", n),
    "round_notes": lambda n: tn("{n} note of what you learnt", "{n} notes of what you learnt", n),
    "contributions": lambda n: tn("{n} thing you said in a round", "{n} things you said in rounds", n),
}
"""How the reply names what was erased, by table, with its count."""


def forget_form() -> discord.ui.Modal:
    """The confirmation: nothing happens unless the member types the word."""
    word = render(CONFIRM_WORD)
    form = discord.ui.Modal(title=t("Erase your data in this server"), custom_id=FORGET_FORM, timeout=None)
    form.add_item(
        discord.ui.Label(
            text=t("Type {word} to erase everything of yours", word=word),
            description=t("Your words are erased and you leave your groups here. This cannot be undone."),
            component=discord.ui.TextInput(custom_id="word", max_length=20, placeholder=word),
        )
    )
    return form


def confirmed(typed: str) -> bool:
    """Whether the member typed the word: as their language has it, or the English one, in any case."""
    return typed.upper() in {CONFIRM_WORD.key, render(CONFIRM_WORD).upper()}


def forgotten(report: ForgetReport) -> str:
    """What the reply says was done, in numbers."""
    if not report.anything:
        return t("There was nothing of yours left to erase in this server.")
    erased = [
        ERASED_NOUNS[table](count) if table in ERASED_NOUNS else f"{count} {table}"
        for table, count in report.erased.items()
        if count
    ]
    lines = [t("Done: what you wrote in this server is erased.")]
    lines.append(
        t("Erased: {things}.", things=", ".join(erased)) if erased else t("Erased: nothing you wrote was stored.")
    )
    lines.append(
        t(
            "You left {groups}; {bids}; {changes}.",
            groups=tn("{n} group", "{n} groups", report.groups_left),
            bids=tn("{n} open bid withdrawn", "{n} open bids withdrawn", report.bids_withdrawn),
            changes=what_changed(report, "you"),
        )
    )
    return "\n".join(lines)


def info_embed() -> discord.Embed:
    """The privacy statement as one embed: what is stored, then one field per kind of record, then your rights."""
    embed = discord.Embed(title=t("Your data"), description=render(STATEMENT_INTRO))
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
            t(
                "Everything stored about you in this server: {records}, as JSON (for programs) and Markdown (to "
                "read). Only you can see this.",
                records=tn("{n} record", "{n} records", found.rows),
            ),
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
        if not confirmed(typed):
            word = render(CONFIRM_WORD)
            said = (
                t(
                    "You typed '{typed}', not {word}, so nothing was erased. Run /privacy forget again if you meant "
                    "to.",
                    typed=echo(typed),
                    word=word,
                )
                if typed
                else t(
                    "You typed nothing, not {word}, so nothing was erased. Run /privacy forget again if you meant to.",
                    word=word,
                )
            )
            await reply(interaction, said)
            return
        await defer(interaction)
        report = await self.service.forget(interaction.guild_id or 0, interaction.user.id)
        await self._finish(interaction, report.effects, forgotten(report))
