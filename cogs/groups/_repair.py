"""Groups whose channel was deleted: noticed, their facilitator told, and made whole by `/group repair`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.utils import escape_markdown

from bot.domain.errors import UserFacingError
from bot.domain.groups import GroupStatus, VoiceKind
from bot.i18n import msg, speaking, t, tn
from bot.services.groups import GroupChannelMissingError, GroupView
from cogs.groups import _channels
from cogs.groups._render import name
from cogs.groups._views import REPLY_PATIENCE, actor_of, progress_note

if TYPE_CHECKING:
    from bot.app import Setkeeper

log = logging.getLogger(__name__)

CANNOT_DM = 50007
DISCORD_REFUSED = msg(
    "Discord refused to create the channel. Make sure my role has Manage Channels and Manage Roles (and, for a Stage "
    "channel, that this is a Community server)."
)


def loss_message(guild: discord.Guild, group: GroupView) -> str:
    """The direct message that tells a facilitator their group's channel is gone and how to bring it back."""
    return t(
        "The private channel of {group} in the server **{server}** was deleted. Nothing stored about the group is "
        "lost (its members, their ground-rules acceptance, its settings), but the group cannot change until its "
        "channel is made again. In that server, run /group repair and pick {group}: I will make the channel again, "
        "give every member their access back and post the ground rules.",
        group=name(group.name),
        server=escape_markdown(guild.name),
    )


class ChannelKeeper:
    """Watches that every active group still has its channels, and repairs a group that lost one."""

    def __init__(self, bot: Setkeeper) -> None:
        self.bot = bot
        self.groups = bot.services.groups

    async def check_guild(self, guild: discord.Guild) -> None:
        """At start-up: mark every active group whose channel is gone, then tell the facilitators not yet told."""
        for group in await self.groups.active_groups(guild.id):
            for channel_id in await _channels.missing_channels(guild, group):
                await self.groups.lose_channel(guild.id, channel_id)
        for group in await self.groups.untold_losses(guild.id):
            await self.tell(guild, group)

    async def channel_deleted(self, guild: discord.Guild, channel_id: int) -> None:
        """A channel is gone: if it was a group's, that group waits for repair and its facilitator is told."""
        group = await self.groups.lose_channel(guild.id, channel_id)
        if group is not None:
            log.info("a group's channel was deleted", extra={"guild_id": guild.id, "group_id": group.id})
            await self.tell(guild, group)

    async def require_channels(self, guild: discord.Guild, group: GroupView) -> None:
        """Refuse, with the way to repair, a change to an active group whose channel is gone."""
        if group.status is not GroupStatus.ACTIVE:
            return
        gone = await _channels.missing_channels(guild, group)
        for channel_id in gone:
            await self.channel_deleted(guild, channel_id)
        if gone or group.channel_lost_at is not None:
            raise GroupChannelMissingError(group.name)

    async def tell(self, guild: discord.Guild, group: GroupView) -> None:
        """Direct-message the facilitator how to repair; closed direct messages count as told (and are logged)."""
        context = {"guild_id": guild.id, "group_id": group.id}
        try:
            channel = await self.bot.create_dm(discord.Object(group.facilitator_id))
            with speaking(await self.groups.language_of(group.id)):  # outside any reply: the group's language
                message = loss_message(guild, group)
            await channel.send(message, allowed_mentions=discord.AllowedMentions.none())
        except discord.Forbidden as exc:
            if exc.code != CANNOT_DM:
                log.warning("could not tell the facilitator about a deleted channel", extra=context)
                return
            log.info("the facilitator's direct messages are closed; told only when they use the group", extra=context)
        except discord.HTTPException as exc:
            # Left untold: the next start-up tries again.
            log.warning(
                "could not tell the facilitator about a deleted channel", extra={**context, "status": exc.status}
            )
            return
        await self.groups.loss_told(guild.id, group.id)

    async def repair(self, interaction: discord.Interaction[Any], guild: discord.Guild, ref: str | None) -> str:
        """Make the missing channels again (each recorded as made), restore access, post the rules; say what."""
        actor = actor_of(interaction)
        target = await self.groups.begin_repair(guild.id, actor, ref, interaction.channel_id)
        gone = await _channels.missing_channels(guild, target)
        if not gone and target.channel_lost_at is None:
            return t(
                "Nothing to repair: {group} has all its channels (<#{channel}>).",
                group=name(target.name),
                channel=target.text_channel_id or 0,
            )
        _channels.require_permissions(guild, target.voice_kind)
        made: list[str] = []
        if target.text_channel_id in gone or target.text_channel_id is None:
            made.append((await self._remake(interaction, guild, target, voice=False)).mention)
        if target.voice_kind is not VoiceKind.NONE and (target.voice_channel_id in gone or not target.voice_channel_id):
            made.append((await self._remake(interaction, guild, target, voice=True)).mention)
        outcome = await self.groups.complete_repair(guild.id, actor, target.id)
        progress = await self.bot.applier.carried_out_within(outcome.effects, REPLY_PATIENCE)
        done = outcome.value
        text_id = done.group.text_channel_id
        if len(made) == 2:
            what = t("made {text} and {voice} again with its private permissions", text=made[0], voice=made[1])
        elif made:
            what = t("made {channel} again with its private permissions", channel=made[0])
        else:
            what = t("found its channels")
        extra = ""
        if done.rules_prompts:
            extra += " " + tn(
                "{n} member who had not accepted the ground rules was asked again.",
                "{n} members who had not accepted the ground rules were asked again.",
                done.rules_prompts,
            )
        if done.join_requests:
            extra += " " + tn(
                "{n} open join request was posted again for the facilitator to answer.",
                "{n} open join requests were posted again for the facilitator to answer.",
                done.join_requests,
            )
        log.info("repaired a group's channels", extra={"guild_id": guild.id, "group_id": target.id, "made": len(made)})
        repaired = tn(
            "Repaired {group}: {what}, gave its {n} member and the facilitator their access back, and posted the "
            "welcome with the ground rules in <#{channel}>. The group can change again.",
            "Repaired {group}: {what}, gave its {n} members and the facilitator their access back, and posted the "
            "welcome with the ground rules in <#{channel}>. The group can change again.",
            done.members,
            group=name(target.name),
            what=what,
            channel=text_id or 0,
        )
        return repaired + extra + progress_note(progress.pending, progress.failed)

    async def _remake(
        self, interaction: discord.Interaction[Any], guild: discord.Guild, group: GroupView, *, voice: bool
    ) -> discord.abc.GuildChannel:
        try:
            channel: discord.abc.GuildChannel = await (
                _channels.make_spoken(guild, group) if voice else _channels.make_text(guild, group)
            )
        except discord.Forbidden as exc:
            raise UserFacingError(msg("{refused} Then run /group repair again.", refused=DISCORD_REFUSED)) from exc
        try:
            await self.groups.replace_channel(guild.id, actor_of(interaction), group.id, channel.id, voice=voice)
        except BaseException:
            await _channels.delete_quietly(channel)
            raise
        return channel
