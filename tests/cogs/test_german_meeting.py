"""A meeting in German: the group's card, pings and summary in the group's language, each reply in the reader's own.

These read the German catalog as built from every area's translations (`bot/locales/de/LC_MESSAGES/messages.po`).
"""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.app import Setkeeper
from bot.domain.meeting import Arrive, Done, End, MeetingRuleError, Next
from bot.domain.meeting_notices import (
    DressRehearsalInput,
    FloorCard,
    FloorTo,
    MeetingSummary,
    NotAQuestion,
    OffTurnReminder,
    OffTurnRemoved,
    RoundDigest,
    SpentCard,
    TurnOver,
    TurnWarning,
)
from bot.i18n import speaking
from bot.services.groups import Actor
from bot.ui.applier import Post
from bot.ui.effects.base import Renderers
from cogs.meetings._render import render_notice
from tests.cogs.fakes import guild, interaction, member, sent

GUILD = 4343
FACILITATOR = 2
CHANNEL = 6001
BEA, CAL = 21, 22


pytestmark = pytest.mark.usefixtures("nothing_missing")
"""Whatever these tests draw in German has its German words (tests/cogs/conftest.py)."""


def _cog(bot: Setkeeper) -> Any:
    return bot.get_cog("Meetings")


async def _group(bot: Setkeeper, language: str) -> int:
    """A group reading `language`, with Bea and Cal as members who accepted the ground rules."""
    groups = bot.services.groups
    admin = Actor(1, manages_server=True)
    reserved = await groups.begin_creation(GUILD, admin, "Set A", FACILITATOR, language=language)
    group = (await groups.complete_creation(GUILD, reserved.id, CHANNEL, None)).value
    for user_id in (BEA, CAL):
        await groups.add_member(GUILD, admin, group.id, user_id)
        await groups.accept_ground_rules(GUILD, user_id, group.id)
    return group.id


async def _in_catch_up(bot: Setkeeper, language: str) -> tuple[int, int]:
    """A meeting of the group, everyone here and the catch-up under way: its group, its meeting."""
    group_id = await _group(bot, language)
    meetings = bot.services.meetings
    meeting_id = (await meetings.start(GUILD, Actor(FACILITATOR), group_id, None)).value.id
    for user_id in (BEA, CAL):
        await meetings.act(GUILD, Actor(user_id), Arrive(user_id), meeting_id=meeting_id)
    await meetings.act(GUILD, Actor(FACILITATOR), Next(), meeting_id=meeting_id)
    return group_id, meeting_id


def _words(post: Post | None) -> str:
    """Everything a post shows: its text, its embed and its buttons' labels."""
    assert post is not None
    parts = [post.content or ""]
    if post.embed is not None:
        parts += [post.embed.title or "", post.embed.description or ""]
        parts += [f"{field.name}: {field.value}" for field in post.embed.fields]
    if post.view is not None:
        parts += [str(getattr(getattr(item, "item", item), "label", "")) for item in post.view.children]
    return "\n".join(parts)


def _within_discords_limits(post: Post) -> None:
    assert len(post.content or "") <= 2000
    if post.embed is not None:
        assert len(post.embed.title or "") <= 256
        assert all(len(field.name or "") <= 256 and len(field.value or "") <= 1024 for field in post.embed.fields)
    if post.view is not None:
        labels = [getattr(getattr(item, "item", item), "label", None) for item in post.view.children]
        assert all(len(label) <= 80 for label in labels if label)


async def test_a_german_groups_card_ping_and_spent_card_are_german_whoever_moved_the_meeting(bot: Setkeeper) -> None:
    _, meeting_id = await _in_catch_up(bot, "de")
    speaker = (await bot.services.meetings.drawn(meeting_id)).speaker  # type: ignore[union-attr]
    assert speaker is not None
    with speaking("en"):  # drawn after an English-speaking member's press: the group's language all the same
        card = await _cog(bot)._render_live(FloorCard(meeting_id, ping=speaker))
        ping = await _cog(bot)._render_live(FloorTo(meeting_id, speaker, "catch_up"))
        spent = await _cog(bot)._render_live(SpentCard(meeting_id))
    shown = _words(card)
    assert card.content.startswith(f"<@{speaker}>, du hast das Wort: Rückblick auf die Vorhaben vom letzten Mal.")
    assert "Erzähl der Gruppe, wie es mit deinen Vorhaben lief, und drücke dann Fertig." in card.content
    assert "Treffen von Set A: Rückblick auf die Vorhaben vom letzten Mal" in shown
    assert f"Hat das Wort: <@{speaker}>, Redezeit endet <t:" in shown
    assert "Anwesend: " in shown
    for label in ("Fertig", "Passen", "Hand heben", "Meine Vorhaben", "Moderation:", "Weiter", "Pause"):
        assert label in shown.splitlines(), label
    assert "has the floor" not in shown
    assert "Done" not in shown
    _within_discords_limits(card)
    assert _words(ping) == f"<@{speaker}>, du hast das Wort."
    assert _words(spent).startswith("-# Frühere Karte des Treffens von Set A: Die aktuelle Karte ist")


async def test_an_english_groups_card_stays_english_when_a_german_member_moves_it(bot: Setkeeper) -> None:
    _, meeting_id = await _in_catch_up(bot, "en")
    with speaking("de"):
        card = await _cog(bot)._render_live(FloorCard(meeting_id))
    assert "you have the floor: Catch-up on last time's actions." in _words(card)


async def test_a_german_groups_summary_and_digest_are_german(bot: Setkeeper) -> None:
    _, meeting_id = await _in_catch_up(bot, "de")
    meetings = bot.services.meetings
    await meetings.act(GUILD, Actor(FACILITATOR), End(), meeting_id=meeting_id)
    summary = await _cog(bot)._render_live(MeetingSummary(meeting_id))
    shown = _words(summary)
    assert shown.startswith("**Zusammenfassung des Treffens von Set A**\nAnwesend: ")
    assert "Diesmal hatte kein Anliegen eine Runde." in shown
    assert "Nächstes Treffen: noch nicht festgelegt" in shown
    assert await _cog(bot)._render_live(RoundDigest(meeting_id, 0)) is None  # no round ran: no digest


async def test_the_meetings_notices_drawn_for_a_german_group_are_german(bot: Setkeeper) -> None:
    group_id = await _group(bot, "de")
    renderers = Renderers(bot.services.groups.language_of)
    renderers.add(
        [TurnWarning, TurnOver, OffTurnRemoved, OffTurnReminder, NotAQuestion, DressRehearsalInput], render_notice
    )
    expected = {
        TurnWarning("Set A"): "Noch eine Minute Redezeit in Set A.",
        TurnOver("Set A", True): "Deine Zeit in Set A ist um. Das Wort ist weitergegangen.",
        TurnOver("Set A", False): "Deine Zeit in Set A ist um. Bitte komm zum Schluss und drücke Fertig.",
        OffTurnRemoved("Set A", BEA, None): (
            f"Deine Nachricht in Set A wurde entfernt: <@{BEA}> hat das Wort. Heb die Hand, um zu sprechen."
        ),
        OffTurnReminder("Set A", None): (
            "Eine freundliche Erinnerung in Set A: jemand anderes hat das Wort, es spricht immer nur eine Person."
        ),
        NotAQuestion("Set A"): "In Set A ist dieser Teil der Runde nur für Fragen da.",
    }
    for notice, words in expected.items():
        post = await renderers.render(notice, group_id)
        assert post is not None
        assert post.content == words
    rehearsal = await renderers.render(DressRehearsalInput(CAL, "Slower", ("Clear", "Calm", "Kind")), group_id)
    assert _words(rehearsal).splitlines()[:3] == [
        f"Beitrag von <@{CAL}> (Generalprobe)",
        "Eine konstruktive Kritik: Slower",
        "Drei positive Punkte:",
    ]


async def test_a_german_members_replies_are_german_in_an_english_group(bot: Setkeeper) -> None:
    group_id = await _group(bot, "en")
    meetings = bot.services.meetings
    meeting_id = (await meetings.start(GUILD, Actor(FACILITATOR), group_id, None)).value.id
    pressed = interaction(member(BEA), guild(GUILD), channel_id=CHANNEL)
    pressed.client = bot
    pressed.type = discord.InteractionType.component
    asked = interaction(member(BEA), guild(GUILD), channel_id=CHANNEL)
    with speaking("de"):  # what the bot sets around each interaction of a member whose Discord speaks German
        await _cog(bot).pressed(pressed, meeting_id, "here")
        await _cog(bot).status.callback(_cog(bot), asked)
        with pytest.raises(MeetingRuleError) as refused:
            await meetings.act(GUILD, Actor(BEA), Done(BEA), meeting_id=meeting_id)
        why = refused.value.message
    assert sent(pressed)[0]["content"] == "Du bist als anwesend eingetragen."
    (status,) = sent(asked)
    assert status["ephemeral"] is True
    assert status["embed"].title == "Treffen von Set A: Eröffnung"
    assert status["embed"].description == "Grundregeln, dann Anwesenheit: Drücke Anwesend."
    assert why == "Gerade hat niemand das Wort: In diesem Teil des Treffens spricht man nicht reihum."
