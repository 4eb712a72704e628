"""Hostile tests of the German/English split: each demonstrates a text a German reader gets in the wrong language."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import bot.app as app
from bot import i18n
from bot.app import Setkeeper


def _component_payload(locale: str) -> dict[str, Any]:
    """INTERACTION_CREATE for a press on a button no handler knows (a short-lived view from before a restart)."""
    return {
        "id": "1300000000000000001",
        "application_id": "1200000000000000001",
        "type": 3,
        "token": "tok",
        "version": 1,
        "channel_id": "5001",
        "data": {"custom_id": "an-old-panel:confirm", "component_type": 2},
        "user": {"id": "20", "username": "bea", "discriminator": "0", "avatar": None, "global_name": "Bea"},
        "locale": locale,
        "app_permissions": "0",
        "attachment_size_limit": 10_000_000,
        "entitlements": [],
        "authorizing_integration_owners": {},
    }


async def test_an_expired_button_is_answered_in_the_pressers_language(
    bot: Setkeeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[tuple[str | None, str]] = []

    async def reply(interaction: Any, content: str | None = None, **_: Any) -> None:
        told.append((content, i18n.reading()))

    monkeypatch.setattr(app, "reply", reply)
    monkeypatch.setattr(app, "UNHANDLED_AFTER", 0.0)
    await bot._async_setup_hook()  # the loop discord.py dispatches on, as logging in sets it
    # As Discord's gateway hands it over: the bot's own parser wrapper sets the presser's language.
    bot._connection.parsers["INTERACTION_CREATE"](_component_payload("de"))
    for _ in range(20):
        await asyncio.sleep(0.01)
        if told:
            break
    assert told, "the unclaimed press was not answered"
    content, reading = told[0]
    assert reading == "de"  # the wrapper works: the handler reads German ...
    # ... but the words are a plain English constant (bot/app.py EXPIRED), outside the catalog and its lint
    assert content != app.EXPIRED, f"a German member is told in English: {content!r}"


async def _lost_answer_words(bot: Setkeeper, monkeypatch: pytest.MonkeyPatch, answer: Any) -> str:
    """What the lost-answer effect says when the applier finally sends it (the webhook edit's content)."""
    import discord

    from bot.ui.effects.answers import Answers
    from bot.ui.effects.base import Kit, Renderers, Turns
    from bot.ui.pacing import Pacer

    said: list[str] = []

    class Hook:
        async def edit_message(self, _message: str, *, content: str, **_: Any) -> None:
            said.append(content)

    monkeypatch.setattr(discord.Webhook, "partial", lambda *a, **k: Hook())

    class Client:
        application_id = 1

    kit = Kit(Client(), Pacer(), Turns(), Renderers(bot.services.groups.language_of))  # type: ignore[arg-type]
    await Answers(kit).apply(answer)
    return said[0]


async def test_a_lost_answer_to_a_german_member_of_a_german_group_is_german(
    bot: Setkeeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.domain.effects import Answer
    from bot.services.groups import Actor
    from tests.cogs.fakes import group_with, guild, interaction, member

    group_id = await group_with(bot, 4343, 5001, 2)
    await bot.services.groups.update_settings(4343, Actor(2), group_id, {"language": "de"})
    cog: Any = bot.get_cog("Groups")
    fake = interaction(member(2), guild(4343), channel_id=5001)
    with i18n.speaking("de"):  # a German facilitator, in a German group
        await cog.settings.callback(cog, fake, turn_minutes=4)
    (answer,) = [
        queued.effect
        for call in bot.applier.submit.call_args_list  # type: ignore[attr-defined]
        for queued in call.args[0]
        if isinstance(queued.effect, Answer)
    ]
    # The decision emitted nothing on Discord, so the stored answer names no group (bot/db/outbox.py:46) ...
    assert answer.group_id is None
    # ... and, should the reply be lost (a restart), it is drawn in the member's language, kept with the answer (it
    # was drawn in English, neither the member's language nor the group's, before the language was kept).
    words = await _lost_answer_words(bot, monkeypatch, answer)
    assert words.startswith("Ich konnte dir vorhin nicht antworten"), words


async def test_a_forgotten_members_words_read_as_erased_in_the_groups_german(bot: Setkeeper) -> None:
    from bot.services.groups import Actor
    from tests.cogs.fakes import group_with, guild, interaction, member, sent

    alice = 20
    group_id = await group_with(bot, 4343, 5001, 2, alice)
    await bot.services.groups.update_settings(4343, Actor(2), group_id, {"language": "de"})
    await bot.services.actions.add(4343, alice, "Frag nach dem Budget", group_id)
    await bot.services.privacy.forget(4343, alice)  # /privacy forget: her words become the erased marker
    cog: Any = bot.get_cog("Groups")
    server = guild(4343)
    server.get_member.side_effect = lambda user_id: None

    def named(user_id: int) -> Any:
        found = member(user_id)
        found.display_name = f"Person {user_id}"
        return found

    server.fetch_member.side_effect = named
    fake = interaction(member(2), server, channel_id=5001)
    await cog.history.callback(cog, fake)
    written = sent(fake)[0]["files"][0].fp.read().decode()
    assert written.startswith("# Verlauf von Set A")
    assert "Frag nach dem Budget" not in written
    # The marker stored in the database (bot/services/privacy.py:53, bot/db/crypto.py:30) is shown as it is stored:
    # English words in a German group's files (and cards, results and summaries that quote it).
    assert "(erased)" not in written, [line for line in written.splitlines() if "(erased)" in line]


async def test_a_german_groups_channel_is_made_with_its_audit_log_reason_in_the_groups_language(
    bot: Setkeeper,
) -> None:
    from dataclasses import replace

    from bot.services.groups import Actor
    from cogs.groups import _channels
    from tests.cogs.fakes import group_with, guild, text_channel

    group_id = await group_with(bot, 4343, 5001, 2)
    view = await bot.services.groups.update_settings(4343, Actor(2), group_id, {"language": "de"})
    server = guild(4343)
    server.create_text_channel.return_value = text_channel(6001)
    with i18n.speaking("en"):  # an English-speaking admin runs /group repair (or makes the group)
        await _channels.make_text(server, replace(view))
    options = server.create_text_channel.await_args.kwargs
    assert options["topic"].startswith("Privater Kanal")  # the topic follows the group ...
    # ... the audit log's reason follows the acting person (cogs/groups/_channels.py:58), unlike every other reason
    # the bot writes (overwrites, mutes, the Stage, the event: Renderers.words, "in the group's language")
    assert options["reason"] == i18n.render(i18n.msg("Setkeeper: channels of group {id}", id=group_id), "de")
