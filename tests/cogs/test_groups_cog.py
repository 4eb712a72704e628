"""The /group cog on real services with spec'd Discord fakes: what the member sees and what is stored."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.app import Setkeeper
from bot.domain.errors import GroupNotFoundError, UserFacingError
from bot.domain.group_notices import JoinRequest
from bot.domain.groups import GroupStatus
from bot.services.groups import Actor
from bot.ui.applier import Progress
from bot.ui.errors import BotMissingPermissionsError
from cogs.groups._views import PACED_NOTE, AcceptRulesButton, JoinAnswerButton
from tests.cogs.fakes import group_with, guild, interaction, member, sent, text_channel

GUILD = 4242


def _cog(bot: Setkeeper) -> Any:
    # discord.py re-imports an extension's modules on every load, so compare by name, not by class identity.
    cog = bot.get_cog("Groups")
    assert type(cog).__name__ == "Groups"
    return cog


def _without(name: str) -> discord.Permissions:
    permissions = discord.Permissions.all()
    setattr(permissions, name, False)
    return permissions


async def test_create_makes_a_private_channel_and_an_active_group(bot: Setkeeper) -> None:
    server = guild(GUILD)
    server.create_text_channel.return_value = text_channel(5001)
    admin, facilitator = member(1, manage_guild=True), member(2)
    fake = interaction(admin, server, manage_guild=True)
    await _cog(bot).create.callback(_cog(bot), fake, name="Set A", facilitator=facilitator)  # type: ignore[arg-type]

    fake.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    (call,) = server.create_text_channel.await_args_list
    assert call.args == ("set-a",)
    overwrites = call.kwargs["overwrites"]
    assert overwrites[server.default_role].view_channel is False
    (facilitator_target,) = [target for target in overwrites if isinstance(target, discord.Object)]
    assert facilitator_target.id == 2
    assert overwrites[facilitator_target].send_messages is True
    group = await bot.services.groups.resolve(GUILD, "Set A", None)
    assert (group.status, group.text_channel_id, group.facilitator_id) == (GroupStatus.ACTIVE, 5001, 2)
    assert "Created **Set A** with the private channel <#5001>" in sent(fake)[0]["content"]
    bot.applier.carried_out_within.assert_awaited()  # type: ignore[attr-defined]


async def test_create_without_manage_channels_names_it_and_makes_nothing(bot: Setkeeper) -> None:
    server = guild(GUILD, bot_permissions=_without("manage_channels"))
    fake = interaction(member(1, manage_guild=True), server, manage_guild=True)
    with pytest.raises(BotMissingPermissionsError, match="Manage Channels permission"):
        await _cog(bot).create.callback(_cog(bot), fake, name="Set A", facilitator=member(2))  # type: ignore[arg-type]
    server.create_text_channel.assert_not_awaited()
    with pytest.raises(GroupNotFoundError):
        await bot.services.groups.resolve(GUILD, "Set A", None)


async def test_when_discord_refuses_the_channel_the_group_is_undone(bot: Setkeeper) -> None:
    server = guild(GUILD)
    server.create_text_channel.side_effect = discord.Forbidden(
        type("R", (), {"status": 403, "reason": "Forbidden"})(), {"code": 50013, "message": "Missing Permissions"}
    )
    fake = interaction(member(1, manage_guild=True), server, manage_guild=True)
    with pytest.raises(Exception, match="Discord refused to create the channel"):
        await _cog(bot).create.callback(_cog(bot), fake, name="Set A", facilitator=member(2))  # type: ignore[arg-type]
    assert await bot.services.groups.names(GUILD) == []
    reserved = await bot.services.groups.begin_creation(GUILD, _admin(), "Set A", 2)
    assert reserved.name == "Set A"


async def test_a_bot_cannot_be_made_facilitator(bot: Setkeeper) -> None:
    server = guild(GUILD)
    fake = interaction(member(1, manage_guild=True), server, manage_guild=True)
    with pytest.raises(UserFacingError, match="is a bot"):
        await _cog(bot).create.callback(_cog(bot), fake, name="Set A", facilitator=member(3, bot=True))  # type: ignore[arg-type]
    server.create_text_channel.assert_not_awaited()


async def test_add_in_the_group_channel_needs_no_group_option(bot: Setkeeper) -> None:
    server = guild(GUILD)
    server.create_text_channel.return_value = text_channel(5001)
    admin = member(1, manage_guild=True)
    await _cog(bot).create.callback(
        _cog(bot), interaction(admin, server, manage_guild=True), name="Set A", facilitator=member(2)
    )  # type: ignore[arg-type]
    fake = interaction(member(2), server, channel_id=5001)
    await _cog(bot).add.callback(_cog(bot), fake, member=member(20))  # type: ignore[arg-type]
    assert sent(fake)[0]["content"] == ("Added <@20> to **Set A**. They will be asked to accept the ground rules.")
    info = await bot.services.groups.info(GUILD, _admin(), (await bot.services.groups.resolve(GUILD, "Set A", None)).id)
    assert [m.user_id for m in info.members] == [20]


async def test_autocomplete_lists_this_servers_groups_only(bot: Setkeeper) -> None:
    server = guild(GUILD)
    server.create_text_channel.return_value = text_channel(5001)
    await _cog(bot).create.callback(
        _cog(bot),
        interaction(member(1, manage_guild=True), server, manage_guild=True),
        name="Set A",
        facilitator=member(2),
    )  # type: ignore[arg-type]
    mine = await _cog(bot).group_autocomplete(interaction(member(7), server), "set")
    theirs = await _cog(bot).group_autocomplete(interaction(member(7), guild(GUILD + 1)), "set")
    assert [choice.name for choice in mine] == ["Set A"]
    assert theirs == []


async def test_the_ground_rules_accept_answers_within_two_seconds_and_says_the_rest_follows(bot: Setkeeper) -> None:
    # Discord paces a channel's posts and permission changes: the last accepts of a set-up waited up to 4.9 s on them.
    group_id = await group_with(bot, GUILD, 5001, 2)
    await bot.services.groups.add_member(GUILD, _admin(), group_id, 20)
    bot.applier.carried_out_within.return_value = Progress([], pending=True)  # type: ignore[attr-defined]
    press = interaction(member(20), guild(GUILD), channel_id=5001)
    press.client = bot

    await AcceptRulesButton(group_id).callback(press)

    (answer,) = sent(press)
    assert answer["content"] == (
        "Thank you. You have accepted the ground rules and can now post in this channel.\n" + str(PACED_NOTE)
    )
    (call,) = bot.applier.carried_out_within.await_args_list  # type: ignore[attr-defined]
    assert call.args[1] <= 1.5  # with the reply's own work and trip, within the manual's 2 s


async def test_approving_a_join_request_answers_within_two_seconds_and_says_the_rest_follows(bot: Setkeeper) -> None:
    group_id = await group_with(bot, GUILD, 5001, 2)
    asked = await bot.services.groups.request_to_join(GUILD, 30, f"id:{group_id}")
    (request,) = [q.effect.notice for q in asked.effects if isinstance(getattr(q.effect, "notice", None), JoinRequest)]
    bot.applier.carried_out_within.return_value = Progress([], pending=True)  # type: ignore[attr-defined]
    press = interaction(member(2), guild(GUILD), channel_id=5001)
    press.client, press.message = bot, None

    await JoinAnswerButton(request.membership_id, approve=True).callback(press)

    (answer,) = sent(press)
    assert answer["content"] == "You approved <@30>'s request.\n" + str(PACED_NOTE)
    (call,) = bot.applier.carried_out_within.await_args_list  # type: ignore[attr-defined]
    assert call.args[1] <= 1.5


def _admin() -> Actor:
    return Actor(1, manages_server=True)
