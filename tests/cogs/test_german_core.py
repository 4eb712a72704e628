"""The core's words in German: a schedule and its errors, the history files and chart, error replies, privacy.

A German reader (or a German group) meets no English sentence of these, and every message drawn has its German in
the catalog: `bot.i18n.MISSING` gains nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from discord import app_commands

from bot.app import Setkeeper
from bot.domain.cadence import (
    CLOCK_CHANGE_RULE,
    CadenceInvalidError,
    EveryNWeeks,
    MonthlyOnDay,
    MonthlyOnWeekday,
    Ordinal,
    SingleDate,
    Weekday,
    describe,
    parse_cadence,
)
from bot.domain.words import FORMER_MEMBER, person
from bot.i18n import render, speaking
from bot.services.groups import Actor
from bot.services.privacy import ForgetReport, _markdown, what_changed
from bot.ui.errors import APOLOGY, BotMissingPermissionsError, handle_interaction_error, message_for
from bot.ui.replies import BUTTON_PRESS
from cogs.groups._history_chart import chart_data
from cogs.groups._history_files import markdown, table
from cogs.privacy._cog import confirmed, forget_form, forgotten, info_embed
from tests.cogs.chart_data import NAMES, planted
from tests.cogs.fakes import group_with, guild, interaction, member, sent

NOW = datetime(2026, 1, 1, tzinfo=UTC)
GUILD = 4343
A = 21


def _refusal(**options: Any) -> str:
    with pytest.raises(CadenceInvalidError) as refused:
        parse_cadence(at="18:30", zone="Europe/Berlin", now=NOW, **options)
    return refused.value.message


@pytest.mark.usefixtures("nothing_missing")
def test_a_schedule_reads_in_german_with_babels_weekdays_and_months() -> None:
    with speaking("de"):
        first = describe(
            MonthlyOnWeekday(ordinal=Ordinal.FIRST, weekday=Weekday.TUESDAY, at=time(18, 30), zone="Europe/Berlin")
        )
        assert str(first) == "Monatlich am ersten Dienstag um 18:30 Uhr, Europe/Berlin"
        every = EveryNWeeks(weeks=6, first=date(2026, 1, 6), at=time(18, 30), zone="Europe/Berlin")
        assert str(describe(every)) == "Alle 6 Wochen am Dienstag, ab dem 6. Januar 2026 um 18:30 Uhr, Europe/Berlin"
        weekly = EveryNWeeks(weeks=1, first=date(2026, 1, 7), at=time(18, 30), zone="Europe/Berlin")
        assert str(describe(weekly)).startswith("Jeden Mittwoch, ab dem 7. Januar 2026")
        once = SingleDate(on=date(2028, 2, 29), at=time(12), zone="Europe/Vienna")
        assert str(describe(once)) == "Einmalig am Dienstag, 29. Februar 2028 um 12:00 Uhr, Europe/Vienna"
        last_day = MonthlyOnDay(day=31, at=time(9), zone="UTC")
        assert str(describe(last_day)).startswith("Monatlich am 31. (oder am letzten Tag des Monats")
        assert "Uhren" in str(CLOCK_CHANGE_RULE)
    # The same values read in English by an English reader: the words are chosen when drawn, not when made.
    assert str(describe(every)) == "Every 6 weeks on Tuesdays, from 6 January 2026 at 18:30, Europe/Berlin"


@pytest.mark.usefixtures("nothing_missing")
def test_a_cadence_error_reads_in_german() -> None:
    with speaking("de"):
        assert _refusal(kind="monthly_weekday", weekday="tue", ordinal="fifth") == (
            "Nicht jeder Monat hat einen fünften Dienstag, die Gruppe würde sich also manche Monate nicht treffen. "
            "Wähle stattdessen letzter: Dann trifft sie sich am letzten Dienstag jedes Monats."
        )
        assert _refusal(kind="monthly_weekday") == (
            "Ein Zeitplan monatlich an einem Wochentag braucht den wievielten im Monat (erster, zweiter, dritter, "
            "vierter oder letzter) und den Wochentag (Montag bis Sonntag)."
        )
        assert "ist schon vorbei" in _refusal(kind="once", on="2025-12-01")
        assert "Montag, 1. Dezember 2025, 18:30 Uhr" in _refusal(kind="once", on="2025-12-01")
        assert _refusal(kind="weeks", weeks=13, on="2026-01-06").startswith("Treffen können alle 1 bis 12 Wochen")
        with pytest.raises(CadenceInvalidError) as unknown:
            parse_cadence("monthly_day", at="18:30", zone="Europe/Berln", now=NOW, day=3)
        assert "Meintest du Europe/Berlin" in unknown.value.message
        assert "Europe/Dublin oder" in unknown.value.message


@pytest.mark.usefixtures("nothing_missing")
def test_a_former_member_is_named_in_the_readers_language() -> None:
    with speaking("de"):
        assert person(-5) == "ein ehemaliges Mitglied"
    assert person(-5) == "a former member" == str(FORMER_MEMBER)


def test_the_history_files_are_in_german_for_a_german_group() -> None:
    with speaking("de"):
        text = markdown(planted(), NAMES)
        rows = list(csv.reader(io.StringIO(table(planted(), NAMES))))
        data = chart_data(planted(), NAMES)
        notes = [bar.note for bar in data.members]  # drawn when the chart is drawn: in the group's language
    assert text.startswith("# Verlauf von Leaders' set\n")
    assert "## Treffen\n" in text
    assert "## Vorhaben\n" in text
    assert "Anwesend: " in text
    assert "02.03.2026, 18:00 UTC" in text, "dates as German readers write them"
    assert "(Umsetzung: Von den Vorhaben mit Bericht zählen erledigte voll" in text, "the rule, in German too"
    assert "Followed through" not in text
    assert rows[0] == [
        "eintrag",
        "treffen",
        "vorhaben_id",
        "mitglied",
        "mitglied_id",
        "datum",
        "status",
        "modus",
        "text",
        "gelernt",
    ]
    kinds = {row[0] for row in rows[1:]}
    assert kinds <= {"treffen", "anwesenheit", "runde", "vorhaben", "bericht"}
    assert any(row[5].startswith("2026-") for row in rows[1:]), "the CSV's dates stay sortable"
    assert data.title == "Umsetzung in Leaders' set"
    assert data.subtitle.endswith("Treffen abgehalten")
    assert [point.name for point in data.points][:2] == ["Treffen 5", "Treffen 6"]
    assert (notes[0], notes[-1]) == ("100 % von 2 mit Bericht", "noch kein Bericht")


async def test_the_history_command_draws_the_files_in_the_groups_language_and_replies_in_the_readers(
    bot: Setkeeper,
) -> None:
    group_id = await group_with(bot, GUILD, 5001, 2, A)
    await bot.services.groups.update_settings(GUILD, Actor(2), group_id, {"language": "de"})
    await bot.services.actions.add(GUILD, A, "Frag nach dem Budget", group_id)
    cog: Any = bot.get_cog("Groups")
    server = guild(GUILD)
    server.get_member.side_effect = lambda user_id: None
    server.fetch_member.side_effect = _named
    fake = interaction(member(2), server, channel_id=5001)
    await cog.history.callback(cog, fake)  # the facilitator's own Discord is in English here
    (answer,) = sent(fake)
    assert answer["content"].startswith("The history of **Set A**")
    written = answer["files"][0].fp.read().decode()
    assert written.startswith("# Verlauf von Set A")
    assert "Frag nach dem Budget" in written


@pytest.mark.usefixtures("nothing_missing")
async def test_error_replies_are_in_the_readers_german() -> None:
    fake = interaction(member(5), guild(1))
    with speaking("de"):
        await handle_interaction_error(fake, app_commands.MissingPermissions(["manage_guild"]))
        await handle_interaction_error(fake, app_commands.NoPrivateMessage())
        await handle_interaction_error(
            fake, app_commands.CommandInvokeError(_PROBE, BotMissingPermissionsError(["manage_roles"]))
        )
        missing = message_for(app_commands.BotMissingPermissions(["manage_channels", "manage_roles", "view_channel"]))
        blocked = BotMissingPermissionsError(["view_channel"], where="in <#5>").message
        apology = render(APOLOGY)
        lost = render(BUTTON_PRESS)
    said = [answer["content"] for answer in sent(fake)]
    assert said[0] == "Für diesen Befehl fehlt dir eine Berechtigung: Server verwalten."
    assert said[1] == "Dieser Befehl funktioniert in einem Kanal eines Servers, nicht in Direktnachrichten."
    assert said[2].startswith("Dafür fehlt mir auf diesem Server eine Berechtigung: Rollen verwalten.")
    assert missing is not None
    assert missing.startswith(
        "Dafür fehlen mir auf diesem Server Berechtigungen: Kanäle verwalten, Rollen verwalten und Kanäle ansehen."
    )
    assert blocked.startswith("Dafür fehlt mir in <#5> eine Berechtigung: Kanäle ansehen.")
    assert apology.startswith("Entschuldige")
    assert lost == "Klick auf den Button"


def _named(user_id: int) -> Any:
    found = member(user_id)
    found.display_name = f"Person {user_id}"
    return found


async def _probe(interaction: Any) -> None:
    """A command for errors to come from."""


_PROBE = app_commands.Command(name="probe", description="probe", callback=_probe)


@pytest.mark.usefixtures("nothing_missing")
def test_privacy_in_german_says_what_was_done_and_fits_discords_limits() -> None:
    report = ForgetReport(erased={"bids": 2}, stand_ins=1, groups_left=1, posts_dropped=0, mentions_replaced=1)
    with speaking("de"):
        said = forgotten(report)
        embed = info_embed()
        form = forget_form()
        exported = _markdown(
            {
                "exported_at": "2026-11-23T09:00:00+00:00",
                "user_id": 21,
                "guild_id": 5,
                "groups": {"1": "Set A"},
                "tables": {"memberships": [{"group_id": 1, "user_id": "you", "left_at": None}]},
            }
        )
        assert confirmed("löschen")
        assert confirmed("forget")
        assert not confirmed("nein")
        changed = str(what_changed(report, "you"))
    assert said.splitlines() == [
        "Erledigt: Was du auf diesem Server geschrieben hast, ist gelöscht.",
        "Gelöscht: 2 Anmeldungen.",
        "Du hast 1 Gruppe verlassen; 0 offene Anmeldungen zurückgezogen; " + changed + ".",
    ]
    assert "„@ein ehemaliges Mitglied“" in changed
    assert embed.title == "Deine Daten"
    assert len(embed) <= 6000
    for item in embed.fields:
        assert item.name is not None
        assert item.value is not None
        assert 0 < len(item.name) <= 256
        assert 0 < len(item.value) <= 1024
        assert "Wer es sieht: " in item.value or item.name == "Ansehen, exportieren, löschen"
    assert len(form.title) <= 45
    assert all(len(item.text) <= 45 for item in form.children if hasattr(item, "text"))
    assert "# Deine Daten auf diesem Server" in exported
    assert "Exportiert am 23. November 2026, 09:00 UTC" in exported
    assert "user id: du" in exported
