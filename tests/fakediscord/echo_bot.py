"""A tiny discord.py bot for the harness self-test (and the no-op latency floor), configured like the real bot."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

import discord
import yarl
from discord import app_commands

log = logging.getLogger("echo_bot")


class NameModal(discord.ui.Modal, title="Introduce yourself"):
    """A modal with one text input."""

    name: discord.ui.TextInput[NameModal] = discord.ui.TextInput(label="Your name", custom_id="name", max_length=40)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Greet the submitted name."""
        await interaction.response.send_message(f"hello {self.name.value}", ephemeral=True)


class Panel(discord.ui.View):
    """A view with a button, a string select and a user select."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Ping", custom_id="panel:ping")
    async def ping(self, interaction: discord.Interaction, button: discord.ui.Button[Panel]) -> None:
        """Answer pong ephemerally."""
        await interaction.response.send_message("pong", ephemeral=True)

    @discord.ui.button(label="Form", custom_id="panel:form")
    async def form(self, interaction: discord.Interaction, button: discord.ui.Button[Panel]) -> None:
        """Open the modal."""
        await interaction.response.send_modal(NameModal())

    @discord.ui.button(label="Bump", custom_id="panel:bump")
    async def bump(self, interaction: discord.Interaction, button: discord.ui.Button[Panel]) -> None:
        """Edit the panel message in place."""
        await interaction.response.edit_message(content="bumped", view=self)

    @discord.ui.select(
        placeholder="Pick a fruit",
        custom_id="panel:fruit",
        options=[discord.SelectOption(label="Apple", value="apple"), discord.SelectOption(label="Pear", value="pear")],
    )
    async def fruit(self, interaction: discord.Interaction, select: discord.ui.Select[Panel]) -> None:
        """Echo the chosen fruit."""
        await interaction.response.send_message(f"fruit {select.values[0]}", ephemeral=True)

    @discord.ui.select(cls=discord.ui.UserSelect, placeholder="Pick a person", custom_id="panel:person")
    async def person(self, interaction: discord.Interaction, select: discord.ui.UserSelect[Panel]) -> None:
        """Echo the chosen user."""
        await interaction.response.send_message(f"person {select.values[0].name}", ephemeral=True)


class EchoBot(discord.Client):
    """The self-test bot."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(intents=intents, guild_ready_timeout=float(os.environ.get("GUILD_READY_TIMEOUT", "0.2")))
        self.tree = app_commands.CommandTree(self)
        self._ready_logged = False

    async def setup_hook(self) -> None:
        """Register the persistent view and sync commands only if they changed."""
        self.add_view(Panel())
        build_commands(self.tree)
        remote = await self.tree.fetch_commands()
        local = {c.name for c in self.tree.get_commands()}
        if {c.name for c in remote} != local:
            await self.tree.sync()
            log.info("synced %d commands", len(local))

    async def on_ready(self) -> None:
        """Log the ready marker once per process."""
        if not self._ready_logged:
            self._ready_logged = True
            log.info("bot ready as %s", self.user)


def build_commands(tree: app_commands.CommandTree[EchoBot]) -> None:
    """Define the self-test slash commands."""

    @tree.command(name="echo", description="Echo text")
    async def echo(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text)

    @tree.command(name="panel", description="Post a panel")
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("panel", view=Panel())

    @tree.command(name="form", description="Open a form")
    async def form(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(NameModal())

    @tree.command(name="slow", description="Defer then follow up")
    async def slow(interaction: discord.Interaction, ephemeral: bool = False) -> None:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        await asyncio.sleep(0.2)
        await interaction.followup.send("done slowly")

    @tree.command(name="late", description="Answer after a delay")
    async def late(interaction: discord.Interaction, seconds: float) -> None:
        await asyncio.sleep(seconds)
        try:
            await interaction.response.send_message("finally")
        except discord.NotFound as exc:
            log.warning("late answer refused: %s", exc.code)

    @tree.command(name="dm", description="DM a member")
    async def dm(interaction: discord.Interaction, member: discord.Member) -> None:
        try:
            await member.send("a private word")
        except discord.Forbidden as exc:
            await interaction.response.send_message(f"cannot dm ({exc.code})", ephemeral=True)
            return
        await interaction.response.send_message("sent", ephemeral=True)

    @tree.command(name="say", description="Post in a channel via REST")
    async def say(interaction: discord.Interaction, channel: discord.TextChannel, text: str) -> None:
        target = interaction.client.get_channel(channel.id)
        assert isinstance(target, discord.TextChannel)
        try:
            await target.send(text)
        except discord.Forbidden as exc:
            await interaction.response.send_message(f"forbidden ({exc.code})", ephemeral=True)
            return
        await interaction.response.send_message("said", ephemeral=True)

    fruits = ["Apple", "Apricot", "Banana", "Pear"]

    @tree.command(name="fruit", description="Pick a fruit")
    async def fruit(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(f"you picked {name}")

    @fruit.autocomplete("name")
    async def fruit_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f, value=f) for f in fruits if f.lower().startswith(current.lower())]

    group = app_commands.Group(name="admin", description="Admin commands")
    sub = app_commands.Group(name="set", description="Set things", parent=group)

    @sub.command(name="pick", description="Pick member, channel and role")
    async def pick(
        interaction: discord.Interaction, member: discord.Member, channel: discord.abc.GuildChannel, role: discord.Role
    ) -> None:
        await interaction.response.send_message(
            f"picked {member.name} in #{channel.name} as {role.name}", ephemeral=True
        )

    @group.command(name="private", description="Create a private channel")
    async def private(interaction: discord.Interaction, name: str, member: discord.Member) -> None:
        guild = interaction.guild
        assert guild is not None
        overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            member: discord.PermissionOverwrite(view_channel=True, send_messages=True),
            guild.me: discord.PermissionOverwrite(view_channel=True, send_messages=True),
        }
        try:
            channel = await guild.create_text_channel(name, overwrites=overwrites)
        except discord.Forbidden as exc:
            await interaction.response.send_message(f"cannot create ({exc.code})", ephemeral=True)
            return
        await interaction.response.send_message(f"created {channel.mention}", ephemeral=True)

    tree.add_command(group)


def main() -> None:
    """Point discord.py at the fake from the environment and run."""
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), stream=sys.stderr)
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    EchoBot().run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
