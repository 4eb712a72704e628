"""Group names end to end: a lookalike of a group's name is refused, typed options are parsed strictly."""

from __future__ import annotations

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.fakediscord import BotProcess, FakeDiscord

pytestmark = pytest.mark.e2e

NO_SUCH_GROUP = "There is no group by that name in this server"


@pytest.fixture
def world(discord_world: FakeDiscord) -> FakeDiscord:
    """The fake Discord with the bot's role holding exactly the README's invite permissions."""
    (role,) = discord_world.guild.me.roles
    discord_world.guild.set_role_permissions(role, BOT_PERMISSIONS)
    return discord_world


async def test_a_name_that_looks_like_an_existing_group_is_refused(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    created = await admin.run("/groupadmin create", name="Set A", facilitator=fran)
    assert "Created **Set A**" in created.text

    for lookalike in ["\uff33\uff45\uff54 \uff21", "S\u0435t A", "Set-A", "set_a", "SET  A"]:
        refused = await admin.run("/groupadmin create", name=lookalike, facilitator=fran)
        assert refused.ephemeral
        assert "There is already a group called" in refused.text
        assert "Choose another name" in refused.text
    blank = await admin.run("/groupadmin create", name="\u3164", facilitator=fran)
    assert "invisible, blank-looking or control characters" in blank.text
    pill = await admin.run("/groupadmin create", name="<@&123456789012345678> fans", facilitator=fran)
    assert "mention syntax" in pill.text
    assert [channel.name for channel in guild.channels.values() if channel.name.startswith("set")] == ["set-a"]


@pytest.mark.parametrize("typed", ["id:\u00b2", "id:\u0661", "Set\x00A"])
async def test_a_strange_typed_group_option_gets_the_no_such_group_reply(
    world: FakeDiscord, bot: BotProcess, typed: str
) -> None:
    guild = world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    created = await admin.run("/groupadmin create", name="Set A", facilitator=fran)
    assert "Created **Set A**" in created.text
    olga = guild.add_member("Olga")

    info = await olga.run("/group info", group=typed)
    assert NO_SUCH_GROUP in info.text
    assert "Set A" not in info.text
    joined = await olga.run("/group join", group=typed)
    assert NO_SUCH_GROUP in joined.text
    assert "Traceback" not in bot.output
