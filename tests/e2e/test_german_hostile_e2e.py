"""Hostile, end to end: a German Community server with one English member, as Discord and discord.py really run it."""

from __future__ import annotations

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.e2e.test_groups_e2e import wait_for
from tests.fakediscord import BotProcess, FakeDiscord

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(discord_world: FakeDiscord) -> FakeDiscord:
    """A German Community server (its groups speak German), the bot's role with the README's permissions."""
    (role,) = discord_world.guild.me.roles
    discord_world.guild.set_role_permissions(role, BOT_PERMISSIONS)
    discord_world.guild.preferred_locale = "de"
    discord_world.guild.features = ["COMMUNITY"]
    return discord_world


async def test_a_german_group_with_an_english_member(world: FakeDiscord, bot: BotProcess) -> None:
    guild = world.guild
    ada = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    anna = guild.add_member("Anna")
    eli = guild.add_member("Eli")
    for person in (ada, fran, anna):
        person.user.locale = "de"
    eli.user.locale = "en-GB"

    created = await ada.run("/groupadmin create", name="Set A", facilitator=fran)
    assert created.text.startswith("**Set A** ist angelegt"), created.text
    channel = guild.channel_named("set-a")
    for person in (anna, eli):
        await fran.run("/group add", member=person, in_channel=channel)
    for person in (anna, eli):
        prompt = channel.message_containing(f"{person.mention}, willkommen in **Set A**")
        accepted = await person.click(prompt, "Ich akzeptiere die Grundregeln")
        if person is eli:
            assert accepted.text.startswith("Thank you. You have accepted"), accepted.text
        else:
            assert accepted.text.startswith("Danke"), accepted.text

    started = await fran.run("/meeting start", in_channel=channel)
    assert started.ephemeral
    card = channel.message_containing("Treffen von Set A")
    here = await eli.click(card, "Anwesend")
    assert here.text == "You are marked present.", here.text
    here = await anna.click(card, "Anwesend")
    assert here.text == "Du bist als anwesend eingetragen.", here.text
    await wait_for(lambda: eli.mention in card.text and anna.mention in card.text)

    # The facilitator (German) opens a vote with the German abbreviation the bot itself writes ("72 Std." in
    # /group settings, "Min." for minutes): bot/domain/votes.py's parser knows "Std" but not "Std." nor "Min."
    answered = await fran.run("/vote open", closes_in="2 Std.", in_channel=channel)
    assert not answered.text.startswith("Gib die Zeit in Minuten, Stunden oder Tagen an"), answered.text
