"""Actions and reminders in German: what a German group reads together and what a German member is told privately.

The reminder, the bid nudge and the facilitator's digest are drawn in the group's language (they go out with nobody's
interaction behind them); a member's replies about their own actions follow their own Discord language. Every text
drawn here has its German words: `bot.i18n.MISSING` gains nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from bot.app import Setkeeper
from bot.domain.actions import ActionStatus
from bot.domain.ledger import FOLLOW_THROUGH, MemberLedger, StatusCounts, member_record
from bot.domain.reminder_notices import BidNudge, GroupReminder, MemberReminder, ReportDigest
from bot.domain.reminders import QuietHours
from bot.i18n import render, speaking
from bot.services.groups import Actor
from bot.ui.effects.base import Post, Renderers
from tests.cogs.fakes import group_with, guild, interaction, member, sent

GUILD = 4343
FACILITATOR = 2
CHANNEL = 5101
MEETING = int(datetime(2026, 12, 12, 18, 0, tzinfo=UTC).timestamp())


pytestmark = pytest.mark.usefixtures("nothing_missing")
"""Whatever these tests draw in German has its German words (tests/cogs/conftest.py)."""


def _cog(bot: Setkeeper, name: str) -> Any:
    cog = bot.get_cog(name)
    assert cog is not None
    return cog


async def _group(bot: Setkeeper, language: str, *members: int) -> int:
    group_id = await group_with(bot, GUILD, CHANNEL, FACILITATOR, *members)
    await bot.services.groups.update_settings(GUILD, Actor(FACILITATOR), group_id, {"language": language})
    return group_id


def _asked_by(bot: Setkeeper, user_id: int) -> Any:
    fake = interaction(member(user_id), guild(GUILD), channel_id=CHANNEL)
    fake.client = bot
    return fake


def _labels(post: Post) -> list[str]:
    assert post.view is not None
    return [str(getattr(item, "item", item).label) for item in post.view.children]


async def _posted(bot: Setkeeper, notice: Any, group_id: int) -> Post:
    """The scheduled post as the applier draws it: in the group's language, whoever is reading now."""
    renderers = Renderers(bot.services.groups.language_of)
    renderers.add_live((GroupReminder, MemberReminder, BidNudge, ReportDigest), _cog(bot, "Reminders")._render_live)
    with speaking("en"):  # the process's own language: not what the group reads
        post = await renderers.render(notice, group_id)
    assert post is not None
    assert post.content is not None
    return post


async def test_a_german_groups_reminder_nudge_and_digest_read_german(bot: Setkeeper) -> None:
    group_id = await _group(bot, "de", 21, 22)
    await bot.services.actions.add(GUILD, 21, "Mit meiner Chefin sprechen", group_id)
    await bot.services.actions.add(GUILD, 22, "Den Dienstplan klären", group_id)

    reminder = await _posted(bot, GroupReminder(group_id, (21, 22), MEETING), group_id)
    assert reminder.content is not None
    assert reminder.content.startswith(f"**Zeit zu berichten, Set A**: Euer nächstes Treffen ist am <t:{MEETING}:F>")
    assert (
        "Jede/r von euch: Wähle unten, wie es mit deinen eigenen Vorhaben lief, oder drücke **Mehr erzählen**"
        in reminder.content
    )
    assert _labels(reminder) == ["Erledigt", "Teilweise erledigt", "Noch nicht", "Aufgegeben", "Mehr erzählen"]
    assert "Time to report back" not in reminder.content

    direct = await _posted(bot, MemberReminder(group_id, 21, None), group_id)
    assert direct.content is not None
    assert direct.content.startswith("<@21> **Zeit zu berichten, Set A**: Euer letztes Treffen ist einen Monat her.")
    assert "Wähle unten, wie es lief, oder drücke **Mehr erzählen**" in direct.content
    assert "1. Mit meiner Chefin sprechen" in direct.content

    nudge = await _posted(bot, BidNudge(group_id, MEETING), group_id)
    assert nudge.content == (
        f"**Set A trifft sich am <t:{MEETING}:F> (<t:{MEETING}:R>).** Hast du ein Anliegen, bei dem dir die Gruppe "
        "helfen soll? Melde es vor dem Treffen mit `/bid add` an; die Gruppe stimmt ab, welche Anliegen eine Runde "
        "bekommen. Es gibt noch keine Anmeldungen."
    )

    digest = await _posted(bot, ReportDigest(group_id, MEETING), group_id)
    assert digest.content == (
        f"**Vor dem Treffen von Set A am <t:{MEETING}:F> (<t:{MEETING}:R>)**\n"
        "Noch nicht berichtet: <@21> (1 Vorhaben), <@22> (1 Vorhaben)"
    )


async def test_an_english_groups_reminder_stays_english_for_a_german_reader(bot: Setkeeper) -> None:
    group_id = await _group(bot, "en", 21)
    await bot.services.actions.add(GUILD, 21, "Ask my manager about the rota", group_id)
    with speaking("de"):
        renderers = Renderers(bot.services.groups.language_of)
        renderers.add_live((GroupReminder,), _cog(bot, "Reminders")._render_live)
        post = await renderers.render(GroupReminder(group_id, (21,), MEETING), group_id)
    assert post is not None
    assert post.content is not None
    assert post.content.startswith("**Time to report back, Set A**: your next meeting is")
    assert _labels(post)[-1] == "Tell more"


async def test_a_german_members_action_replies_are_german(bot: Setkeeper) -> None:
    group_id = await _group(bot, "en", 21)
    cog = _cog(bot, "Actions")
    with speaking("de"):  # as the bot sets it for each interaction, from the member's own Discord language
        added = _asked_by(bot, 21)
        await cog.add.callback(cog, added, "Ask my manager about the rota")
        assert sent(added)[-1]["content"] == (
            "Dein Vorhaben in Set A ist festgehalten: Ask my manager about the rota\n"
            "Berichte mit /action report, wie es lief; der nächste Rückblick fragt danach."
        )

        refused = _asked_by(bot, 21)
        await cog.add.callback(cog, refused, "   ")
        assert sent(refused)[-1]["content"].startswith(
            "Sag, was du vorhast: Das Vorhaben darf nicht leer sein.\n\nWas du geschrieben hast, zum Aufheben:"
        )

        listed = _asked_by(bot, 21)
        await cog.list_.callback(cog, listed)
        listing = sent(listed)[-1]["content"]
        assert listing.startswith(
            "**Deine Vorhaben**\n- **Offen**: Ask my manager about the rota (Set A, angelegt am <t:"
        )

        (action,) = await bot.services.actions.listing(GUILD, 21)
        form_asked = _asked_by(bot, 21)
        await cog.report.callback(
            cog, form_asked, str(action.id), discord.app_commands.Choice(name="x", value="partly")
        )
        (call,) = form_asked.response.send_modal.await_args_list
        form = call.args[0]
        assert form.title == "Teilweise erledigt: dein Bericht"
        labels = [child.text for child in form.children]
        assert labels == ["Was ist passiert?", "Was hast du gelernt?"]
        assert all(len(text) <= 45 for text in [form.title, *labels])

        pressed = _asked_by(bot, 21)
        await cog.status_pressed(pressed, action.id, ActionStatus.DONE)
        assert sent(pressed)[-1]["content"].startswith(
            "Festgehalten: Ask my manager about the rota steht auf **Erledigt**. Was passiert ist, ergänzt du mit "
        )

        nothing = _asked_by(bot, 21)
        await cog.panel(nothing, group_id)
        assert sent(nothing)[-1]["content"] == "Du hast in dieser Gruppe keine Vorhaben zum Berichten."

        stranger = _asked_by(bot, 21)
        await cog.report.callback(cog, stranger, "12", discord.app_commands.Choice(name="x", value="done"))
        assert sent(stranger)[-1]["content"] == (
            "Das ist keines deiner Vorhaben hier. Wähle beim Tippen eines aus der Liste."
        )


async def test_the_preview_frames_in_the_facilitators_language_and_shows_the_reminder_in_the_groups(
    bot: Setkeeper,
) -> None:
    group_id = await _group(bot, "de", 21)
    await bot.services.actions.add(GUILD, 21, "Mit meiner Chefin sprechen", group_id)
    cog = _cog(bot, "Reminders")
    asked = _asked_by(bot, FACILITATOR)
    with speaking("en"):
        await cog.preview_.callback(cog, asked)
    shown = sent(asked)[-1]["content"]
    assert shown.startswith("**Scheduled posts of Set A**")
    assert "**The report-back reminder, as it would be posted now:**\n**Zeit zu berichten, Set A**" in shown

    chosen = _asked_by(bot, 21)
    with speaking("de"):
        await cog.dm.callback(cog, chosen, discord.app_commands.Choice(name="x", value="channel"))
    assert sent(chosen)[-1]["content"] == "Du bekommst die Erinnerung zum Berichten von Set A im Kanal der Gruppe."


def test_the_ledger_counts_each_members_part_in_either_language() -> None:
    one = MemberLedger(21, True, attended=1, rounds=0, actions=StatusCounts(partly=1))
    assert render(member_record(one, 1), "en") == (
        "came to 1 of 1 meeting; 0 rounds for their issues; 1 action, 50 % followed through"
    )
    assert (
        render(member_record(one, 1), "de")
        == "bei 1 von 1 Treffen dabei; 0 Runden für eigene Anliegen; 1 Vorhaben, 50 % umgesetzt"
    )
    two = MemberLedger(22, True, attended=2, rounds=1, actions=StatusCounts(open=2))
    assert render(member_record(two, 3), "en") == "came to 2 of 3 meetings; 1 round for their issues; 2 actions"
    assert render(member_record(two, 3), "de") == "bei 2 von 3 Treffen dabei; 1 Runde für eigene Anliegen; 2 Vorhaben"
    assert render(FOLLOW_THROUGH, "de").startswith("(Umsetzung: ")
    assert render(QuietHours(22, 8).describe(), "de") == "22:00 bis 08:00"
    assert render(QuietHours(5, 5).describe(), "de") == "keine"
