"""Group set-up in German: a German member's replies, a German group's posts, and the setting that chooses them.

A private reply is drawn in the language of the person who acted (the bot sets it around each interaction, as
`speaking` does here); what the group reads together (the welcome, the ground rules, the notices) and a direct message
sent outside an interaction follow the group's `language` setting.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock

import discord
import pytest
from discord import app_commands

from bot.app import Setkeeper
from bot.domain.effects import Notice, Notify
from bot.domain.errors import UserFacingError
from bot.domain.group_notices import GROUP_NOTICES, Archived, JoinDeclined, RulesPrompt, Welcome
from bot.i18n import speaking
from bot.services.effects import QueuedEffect
from bot.services.groups import Actor
from bot.ui.effects.base import Renderers
from bot.ui.translator import CatalogTranslator
from cogs.groups._cog import render as render_group_notice
from cogs.groups._render import settings_text
from cogs.groups._views import AcceptRulesButton
from tests.cogs.fakes import group_with, guild, interaction, member, sent, text_channel

GUILD = 4343
ADMIN = Actor(1, manages_server=True)
FACILITATOR = Actor(2)


pytestmark = pytest.mark.usefixtures("nothing_missing")
"""Whatever these tests draw in German has its German words (tests/cogs/conftest.py)."""


def _cog(bot: Setkeeper) -> Any:
    cog = bot.get_cog("Groups")
    assert type(cog).__name__ == "Groups"
    return cog


def _notices(effects: list[QueuedEffect]) -> list[Notice]:
    return [queued.effect.notice for queued in effects if isinstance(queued.effect, Notify)]


def _renderers(bot: Setkeeper) -> Renderers:
    """How the applier draws group notices: in the language the group reads, asked of the group service."""
    renderers = Renderers(bot.services.groups.language_of)
    renderers.add(GROUP_NOTICES, render_group_notice)
    return renderers


async def test_a_german_members_replies_to_group_commands_are_german(bot: Setkeeper) -> None:
    group_id = await group_with(bot, GUILD, 5001, 2, 20)
    server = guild(GUILD)
    added = interaction(member(2), server, channel_id=5001)
    info = interaction(member(20), server, channel_id=5001)
    with speaking("de"):
        await _cog(bot).add.callback(_cog(bot), added, member=member(21))
        await _cog(bot).info.callback(_cog(bot), info)
        with pytest.raises(UserFacingError) as refused:
            await bot.services.groups.request_to_join(GUILD, 20, f"id:{group_id}")
        refusal = refused.value.message

    assert sent(added)[0]["content"] == (
        "<@21> wurde zu **Set A** hinzugefügt und wird gebeten, die Grundregeln zu akzeptieren."
    )
    embed: discord.Embed = sent(info)[0]["embed"]
    fields = {field.name: field.value for field in embed.fields}
    assert embed.description == "Status: aktiv"
    assert fields["Moderation"] == "<@2>"
    assert "Mitglieder: 2 (die Gruppe nimmt 2 bis 7 auf)" in fields
    assert fields["Nächstes Treffen"].startswith("Noch kein Zeitplan (`/group schedule monthly` oder")
    assert "Größe: 2 bis 7 Mitglieder" in fields["Einstellungen"]
    assert "<@21> (hat die Grundregeln noch nicht akzeptiert)" in "\n".join(fields.values())
    assert refusal == "Du bist schon Mitglied von Set A."


async def test_a_german_member_is_told_in_german_what_is_wrong_with_a_setting(bot: Setkeeper) -> None:
    await group_with(bot, GUILD, 5001, 2)
    fake = interaction(member(2), guild(GUILD), channel_id=5001)
    with speaking("de"), pytest.raises(UserFacingError) as refused:
        await _cog(bot).settings.callback(_cog(bot), fake, turn_minutes=40)
    with speaking("de"):
        assert refused.value.message == "Redezeit in Minuten: Erlaubt sind 1 bis 15 Minuten; du hast 40 angegeben."
    assert refused.value.message == "Turn minutes must be between 1 and 15 minutes; you gave 40."


async def test_the_language_setting_changes_what_the_group_reads(bot: Setkeeper) -> None:
    group_id = await group_with(bot, GUILD, 5001, 2)
    renderers = _renderers(bot)
    welcome = Welcome("Set A", 2)

    english = await renderers.render(welcome, group_id)
    fake = interaction(member(2), guild(GUILD), channel_id=5001)
    await _cog(bot).settings.callback(_cog(bot), fake, language="de")
    german = await renderers.render(welcome, group_id)

    assert english is not None
    assert english.embed is not None
    assert german is not None
    assert german.embed is not None
    assert english.embed.title == "Ground rules of Set A"
    assert german.embed.title == "Grundregeln von Set A"
    assert german.embed.description is not None
    assert german.embed.description.startswith(
        "Dies ist der private Kanal von **Set A**, einer Action-Learning-Gruppe."
    )
    assert [field.name for field in german.embed.fields] == [
        "1. Verbindlichkeit",
        "2. Ausgewogene Rollen",
        "3. Sich verletzlich zeigen",
        "4. Vertraulichkeit",
    ]
    # The facilitator who changed it reads their own reply in their own language (English here).
    assert sent(fake)[0]["content"].startswith("Settings saved for **Set A**:")
    assert "Language of what the group reads together: Deutsch" in sent(fake)[0]["content"]


async def test_a_german_groups_notices_are_german_whoever_caused_them(bot: Setkeeper) -> None:
    group_id = await group_with(bot, GUILD, 5001, 2, 20)
    await bot.services.groups.update_settings(GUILD, FACILITATOR, group_id, {"language": "de"})
    renderers = _renderers(bot)
    with speaking("en"):  # an English member pressed the button: the group still reads German
        added = await bot.services.groups.add_member(GUILD, ADMIN, group_id, 21)
        (prompt,) = [notice for notice in _notices(added.effects) if isinstance(notice, RulesPrompt)]
        post = await renderers.render(prompt, group_id)
        archived = await renderers.render(Archived("Set A", 2), group_id)
        declined = await renderers.render(JoinDeclined("Set A"), group_id)

    assert post is not None
    assert post.view is not None
    assert post.content == (
        "<@21>, willkommen in **Set A**. Bitte lies die Grundregeln und akzeptiere sie, um mitzumachen."
    )
    (button,) = post.view.children
    assert isinstance(button, AcceptRulesButton)
    assert button.item.label == "Ich akzeptiere die Grundregeln"
    assert archived is not None
    assert archived.content is not None
    assert archived.content.startswith("**Set A** hat ihren Zyklus beendet und ist archiviert (von <@2>).")
    assert declined is not None
    assert declined.content is not None
    assert declined.content.startswith("Deine Beitrittsanfrage für **Set A** ist geschlossen:")


async def test_a_german_groups_settings_read_german_and_an_english_members_own_reply_stays_english(
    bot: Setkeeper,
) -> None:
    group_id = await group_with(bot, GUILD, 5001, 2, 20)
    updated = await bot.services.groups.update_settings(GUILD, FACILITATOR, group_id, {"language": "de"})
    with speaking(await bot.services.groups.language_of(group_id)):
        german = settings_text(updated)
    fake = interaction(member(20), guild(GUILD), channel_id=5001)
    await _cog(bot).info.callback(_cog(bot), fake)  # an English member's own reply: English

    size, rounds, minutes, voting, crosstalk, reminders, kept, language = german.splitlines()
    assert size == "Größe: 2 bis 7 Mitglieder"
    assert rounds == "Runden pro Treffen: 2"
    assert minutes == "Vorstellen: 5 Min.; je Redezeit: 3 Min."
    assert voting == (
        "Abstimmung: Zustimmung: für beliebig viele stimmen; Mitglieder dürfen für ihre eigene Anmeldung stimmen"
    )
    assert crosstalk == (
        "Dazwischenreden: Nur wer das Wort hat, kann schreiben; "
        "wenn die Zeit um ist: Wer spricht, bekommt einen Hinweis"
    )
    assert reminders.startswith(
        "Erinnerung zum Berichten: 72 Std. vor einem Treffen; Erinnerung an Anmeldungen: 24 Std."
    )
    assert reminders.endswith(
        "(UTC, bis ein Zeitplan der Gruppe ihre Zeitzone gibt); Erinnerungen als Nachricht im Kanal "
        "(siehe /reminder settings)"
    )
    assert kept == "Nach dem Archivieren bleiben die Texte der Mitglieder 180 Tage erhalten, dann werden sie gelöscht"
    assert language == "Sprache dessen, was die Gruppe gemeinsam liest: Deutsch"
    embed: discord.Embed = sent(fake)[0]["embed"]
    assert "Language of what the group reads together: Deutsch" in {f.name: f.value for f in embed.fields}["Settings"]


async def test_a_community_servers_german_group_is_welcomed_in_german_while_its_creator_reads_their_own(
    bot: Setkeeper,
) -> None:
    server = guild(GUILD)
    server.features = ["COMMUNITY"]
    server.preferred_locale = discord.Locale.german
    server.create_text_channel.return_value = text_channel(5001)
    fake = interaction(member(1, manage_guild=True), server, manage_guild=True)
    await _cog(bot).create.callback(_cog(bot), fake, name="Set A", facilitator=member(2))

    group = await bot.services.groups.resolve(GUILD, "Set A", None)
    assert group.settings.language == "de"
    assert sent(fake)[0]["content"].startswith("Created **Set A** with the private channel <#5001>.")
    assert server.create_text_channel.await_args.kwargs["topic"] == (
        "Privater Kanal einer Action-Learning-Gruppe, verwaltet von Setkeeper."
    )
    welcome = await _renderers(bot).render(Welcome("Set A", 2), group.id)
    assert welcome is not None
    assert welcome.embed is not None
    assert welcome.embed.title == "Grundregeln von Set A"


async def test_the_facilitator_of_a_german_group_is_told_of_a_lost_channel_in_german(bot: Setkeeper) -> None:
    group_id = await group_with(bot, GUILD, 5001, 2)
    await bot.services.groups.update_settings(GUILD, FACILITATOR, group_id, {"language": "de"})
    group = await bot.services.groups.lose_channel(GUILD, 5001)
    assert group is not None
    dm = AsyncMock()
    bot.create_dm = AsyncMock(return_value=dm)  # type: ignore[method-assign]
    server = guild(GUILD)
    server.name = "Werkstatt"

    await _cog(bot).keeper.tell(server, group)

    (call,) = dm.send.await_args_list
    assert call.args[0].startswith("Der private Kanal von **Set A** auf dem Server **Werkstatt** wurde gelöscht.")


async def test_a_german_client_sees_the_group_commands_described_in_german() -> None:
    translator = CatalogTranslator()

    async def german(text: str, where: app_commands.TranslationContextLocation) -> str | None:
        context = app_commands.TranslationContext(where, None)
        return await translator.translate(app_commands.locale_str(text), discord.Locale.german, context)

    describe = app_commands.TranslationContextLocation.parameter_description
    choice = app_commands.TranslationContextLocation.choice_name
    assert await german("Set up and look after action learning sets", describe) == (
        "Action-Learning-Gruppen einrichten und betreuen"
    )
    assert await german("The language of what the group reads together: cards, summaries, reminders, history", describe)
    assert await german("Only the speaker can post", choice) == "Nur wer das Wort hat, kann schreiben"
    assert await german("Tuesday", choice) == "Dienstag"
    assert await german("Deutsch", choice) == "Deutsch"
