"""Bids and the vote in German: the card and notices in a German group's words, a German member's replies in theirs.

No message of the votes is drawn without a translation (`bot.i18n.MISSING` gains nothing).

These read the German catalog (`bot/locales/de/LC_MESSAGES/messages.po`) as it is built from every part.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.app import Setkeeper
from bot.domain.bids import BidStatus, CloseReason, VoteStatus
from bot.domain.groups import VotingMethod
from bot.domain.vote_notices import BallotChanged, BidPutIn, BidWithdrawn, NothingToVoteOn, VoteCard, VoteResult
from bot.domain.votes import ClosingTimeInvalidError, closing_time
from bot.i18n import speaking
from bot.services.groups import Actor
from bot.services.votes import BallotForm, BidBoard, BidView, Count, OnBallot, VoteState
from bot.services.votes._views import Placing, TieNote
from bot.ui.effects.base import Renderers
from cogs.votes._render import board_embed, render_notice, vote_card, vote_result
from cogs.votes._views import ballot_form, bid_form
from tests.cogs.fakes import guild, interaction, member, sent

GUILD = 4343
FACILITATOR = 2
CHANNEL = 5101
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("nothing_missing")
"""Whatever these tests draw in German has its German words (tests/cogs/conftest.py)."""


def _state(status: VoteStatus = VoteStatus.OPEN, count: Count | None = None, **changes: Any) -> VoteState:
    fields: dict[str, Any] = {
        "id": 7,
        "group_id": 1,
        "group_name": "Kollegiale Beratung",
        "status": status,
        "method": VotingMethod.APPROVAL,
        "seats": 2,
        "own_bid_votes": False,
        "bids": [OnBallot(1, 21, "Nein sagen", False), OnBallot(2, 22, "Feedback", False), OnBallot(3, 23, "X", True)],
        "voted": 2,
        "electorate": 5,
        "closes_at": NOW,
        "close_reason": None if status is VoteStatus.OPEN else CloseReason.FACILITATOR,
        "closed_by": None if status is VoteStatus.OPEN else 10,
        "count": count,
    }
    return VoteState(**{**fields, **changes})


def _words(embed: discord.Embed) -> str:
    return "\n".join([embed.title or "", embed.description or "", *(f"{f.name}\n{f.value}" for f in embed.fields)])


def test_the_open_vote_card_reads_german() -> None:
    with speaking("de"):
        post = vote_card(_state(), discord.ui.View())
    assert post.embed is not None
    text = _words(post.embed)
    assert "Abstimmung in Kollegiale Beratung: Welche Anliegen bekommen eine Runde?" in text
    assert "1. **Nein sagen** von <@21>" in text
    assert "~~3. **X** von <@23>~~ (zurückgezogen)" in text
    assert "Zu vergeben\n2 Runden (Zustimmung: jedes unterstützte Anliegen anhaken)" in text
    assert "So stimmst du ab\nDrücke **Abstimmen**" in text
    assert "Für deine eigene Anmeldung kannst du nicht stimmen." in text
    assert "Abgestimmt\n2 von 5. Die Ergebnisse bleiben verborgen" in text
    assert f"<t:{int(NOW.timestamp())}:R>" in text


def test_a_closed_and_a_cancelled_card_read_german() -> None:
    with speaking("de"):
        closed = vote_card(_state(VoteStatus.CLOSED, seats=1), None)
        cancelled = vote_card(_state(VoteStatus.CANCELLED, close_reason=CloseReason.ARCHIVED), None)
    assert closed.embed is not None
    assert cancelled.embed is not None
    assert "Geschlossen\nDiese Abstimmung wurde von <@10> geschlossen. 2 von 5 haben abgestimmt." in _words(
        closed.embed
    )
    assert "Das Ergebnis steht unten." in _words(closed.embed)
    assert "eine Runde" in _words(closed.embed)
    assert "Abgebrochen\nDiese Abstimmung wurde abgebrochen: Der Zyklus" in _words(cancelled.embed)


def test_the_result_reads_german_with_its_counts_and_ties() -> None:
    count = Count(
        ballots=3,
        placings=[Placing(2, 4, 2, 1), Placing(1, 4, 3, 2), Placing(9, 1, 1, 3)],
        winners=[2],
        ties=[TieNote(2, 1, 4, "fewer_rounds", 0, 1)],
    )
    with speaking("de"):
        ranked = vote_result(_state(VoteStatus.CLOSED, count, method=VotingMethod.RANKED))
    assert ranked is not None
    content = ranked.content or ""
    assert content.startswith("**Abstimmungsergebnis in Kollegiale Beratung** (3 Stimmzettel; Rangfolge:")
    assert "Für eine Runde gewählt, in dieser Reihenfolge:\n1. **Feedback** von <@22>" in content
    assert "Die Auszählung:\n- Feedback: 4 Punkte (2 Stimmzettel)" in content
    assert "- (eine zurückgezogene Anmeldung): 1 Punkt (1 Stimmzettel)" in content
    assert "Gleichstand (4 Punkte): **Feedback** kam vor **Nein sagen**, weil die anmeldende Person" in content


def test_every_vote_notice_reads_german() -> None:
    notices = [
        BidPutIn(21, "Nein sagen"),
        BidPutIn(21, "Nein sagen", replaced=True),
        BidWithdrawn(21, "Nein sagen"),
        BidWithdrawn(21, "Nein sagen", struck_from_vote=True),
        BidWithdrawn(21, "Nein sagen", left=True),
        BidWithdrawn(21, "Nein sagen", left=True, struck_from_vote=True),
        BidWithdrawn(21, "Nein sagen", released_by=FACILITATOR),
        NothingToVoteOn(FACILITATOR),
        BallotChanged("Set", "Nein sagen", emptied=True),
        BallotChanged("Set", "Nein sagen", emptied=False),
        BallotChanged("Set", "Nein sagen", emptied=True, vote=VoteStatus.CLOSED),
        BallotChanged("Set", "Nein sagen", emptied=True, vote=VoteStatus.CANCELLED),
    ]
    with speaking("de"):
        posts = [render_notice(notice).content or "" for notice in notices]
    expected = [
        "<@21> hat ein Anliegen angemeldet: **Nein sagen**. Alle offenen Anmeldungen siehst du mit /bid list.",
        "<@21> hat die eigene Anmeldung durch **Nein sagen** ersetzt.",
        "<@21> hat die Anmeldung **Nein sagen** zurückgezogen.",
        "zurückgezogen. Sie ist aus der laufenden Abstimmung gestrichen.",
        "<@21> hat die Gruppe verlassen, daher ist die Anmeldung **Nein sagen** zurückgezogen.",
        "verlassen, daher ist die Anmeldung **Nein sagen** zurückgezogen. Sie ist aus",
        "<@2> hat die gewählte Anmeldung **Nein sagen** von <@21> freigegeben",
        "<@2> wollte eine Abstimmung starten, aber es gibt keine offenen Anmeldungen.",
        "Das war deine einzige Wahl: Drücke auf der Karte Abstimmen",
        "Der Rest deines Stimmzettels bleibt bestehen",
        "daher ist die Abstimmung geschlossen: Jede bekommt eine.",
        "daher wurde sie abgebrochen.",
    ]
    for post, words in zip(posts, expected, strict=True):
        assert words in post
    assert all(post.startswith("In Set wurde die Anmeldung") for post in posts[-4:])


def test_the_bid_list_reads_german() -> None:
    group = SimpleNamespace(name="Set")  # all the list shows of its group
    bid = BidView(1, 1, 21, "Nein sagen", "Wie?", BidStatus.OPEN, NOW)
    with speaking("de"):
        embed = board_embed(BidBoard(group, [bid], 7, [bid]))  # type: ignore[arg-type]
    assert embed.title == "Offene Anmeldungen in Set"
    assert embed.fields[0].name == "Gewählt, Runde steht noch aus"
    assert "Die Moderation kann eine mit /bid release freigeben." in str(embed.fields[0].value)
    assert (embed.description or "").startswith(f"1. **Nein sagen** von <@21>, <t:{int(NOW.timestamp())}:R>")
    assert embed.footer.text == "Eine Abstimmung läuft: Was jetzt angemeldet wird, wartet auf die nächste."


def test_the_german_forms_keep_to_discords_limits() -> None:
    with speaking("de"):
        forms = [
            bid_form(1, "Set A" * 30),
            *(
                ballot_form(
                    BallotForm(
                        7, "Set", method, 4, [OnBallot(n, 20 + n, f"Anliegen {n}", False) for n in range(6)], [], True
                    )
                )
                for method in VotingMethod
            ),
        ]
    assert [form.title for form in forms] == [
        "Anliegen anmelden",
        "Dein Stimmzettel",
        "Dein Stimmzettel",
        "Dein Stimmzettel",
    ]
    labels = [item for form in forms for item in form.children if isinstance(item, discord.ui.Label)]
    assert {label.text for label in labels} >= {"Titel", "Welche Hilfe wünschst du dir?", "1. Wahl", "Deine Wahl"}
    assert all(len(label.text) <= 45 for label in labels)
    assert all(len(label.description or "") <= 100 for label in labels)
    assert "Deine eigene Anmeldung ist hier nicht wählbar." in "\n".join(label.description or "" for label in labels)


def test_a_closing_time_may_be_written_in_german_units() -> None:
    assert closing_time("2 Stunden", NOW) == NOW + timedelta(hours=2)
    assert closing_time("1 Tag 30 Minuten", NOW) == NOW + timedelta(days=1, minutes=30)
    assert closing_time("3 Tage 4 Std", NOW) == NOW + timedelta(days=3, hours=4)
    with speaking("de"), pytest.raises(ClosingTimeInvalidError, match="Gib die Zeit in Minuten, Stunden oder Tagen an"):
        closing_time("2 Wochen", NOW)


# ---- drawn by the cog, with a German group and German members


async def _german_group(bot: Setkeeper, *members: int) -> int:
    groups = bot.services.groups
    admin = Actor(1, manages_server=True)
    reserved = await groups.begin_creation(GUILD, admin, "Set A", FACILITATOR, language="de")
    group = (await groups.complete_creation(GUILD, reserved.id, CHANNEL, None)).value
    for user_id in members:
        await groups.add_member(GUILD, admin, group.id, user_id)
        await groups.accept_ground_rules(GUILD, user_id, group.id)
    return group.id


def _cog(bot: Setkeeper) -> Any:
    return bot.get_cog("Votes")


def _form(bot: Setkeeper, data: dict[str, Any], user: int, *, modal_id: str) -> Any:
    fake = interaction(member(user), guild(GUILD), channel_id=CHANNEL)
    fake.client = bot
    fake.type = discord.InteractionType.modal_submit
    fake.data = {"custom_id": modal_id, **data}
    return fake


async def test_the_card_and_result_the_cog_draws_follow_the_groups_language_not_the_readers(bot: Setkeeper) -> None:
    group_id = await _german_group(bot, 21, 22, 23)
    votes = bot.services.votes
    await votes.put_in(GUILD, 21, group_id, "Nein sagen", "")
    await votes.put_in(GUILD, 22, group_id, "Feedback", "")
    vote = (await votes.open_vote(GUILD, Actor(FACILITATOR), group_id, None, seats=1)).value.vote
    assert vote is not None
    with speaking("en"):  # whoever pressed something reads English; the group reads German
        card = await _cog(bot)._render_live(VoteCard(vote.id))
    assert card.embed.title == "Abstimmung in Set A: Welche Anliegen bekommen eine Runde?"
    assert [item.item.label for item in card.view.children] == ["Abstimmen", "Abstimmung schließen"]
    await votes.close_vote(GUILD, Actor(FACILITATOR), group_id, None)
    with speaking("en"):
        result = await _cog(bot)._render_live(VoteResult(vote.id))
    assert result.content.startswith(
        "**Abstimmungsergebnis in Set A** (0 Stimmzettel; Zustimmung: jedes unterstützte Anliegen anhaken"
    )


async def test_notices_carried_out_for_a_german_group_read_german(bot: Setkeeper) -> None:
    group_id = await _german_group(bot, 21)
    renderers = Renderers(bot.services.groups.language_of)
    renderers.add([BidPutIn, BidWithdrawn, NothingToVoteOn, BallotChanged], render_notice)
    with speaking("en"):
        post = await renderers.render(BidPutIn(21, "Nein sagen"), group_id)
    assert post is not None
    assert (post.content or "").startswith("<@21> hat ein Anliegen angemeldet: **Nein sagen**.")


async def test_a_german_members_bid_replies_are_german(bot: Setkeeper) -> None:
    group_id = await _german_group(bot, 21)
    with speaking("de"):
        fresh = interaction(member(21), guild(GUILD), channel_id=CHANNEL)
        await _cog(bot).bid_add.callback(_cog(bot), fresh)
        (form,) = fresh.response.send_modal.await_args_list
        assert form.args[0].title == "Anliegen anmelden"
        fields = {
            "components": [
                {"type": 18, "component": {"type": 4, "custom_id": "title", "value": "Nein sagen"}},
                {"type": 18, "component": {"type": 4, "custom_id": "help", "value": ""}},
            ]
        }
        submitted = _form(bot, fields, 21, modal_id=f"setkeeper:bid:{group_id}:0")
        await _cog(bot).on_interaction(submitted)
        again = interaction(member(21), guild(GUILD), channel_id=CHANNEL)
        await _cog(bot).bid_add.callback(_cog(bot), again)
        listing = interaction(member(21), guild(GUILD), channel_id=CHANNEL)
        await _cog(bot).bid_list.callback(_cog(bot), listing)
        (bid,) = await bot.services.votes.own_open_bids(GUILD, 21)
        withdrawing = interaction(member(21), guild(GUILD), channel_id=CHANNEL)
        await _cog(bot).bid_withdraw.callback(_cog(bot), withdrawing, f"bid:{bid[0].id}")
    assert sent(submitted)[0]["content"] == "Dein Anliegen **Nein sagen** ist für Set A angemeldet."
    offer = sent(again)[0]
    assert offer["content"].startswith("Du hast hier schon eine offene Anmeldung: **Nein sagen**.")
    assert [item.item.label for item in offer["view"].children] == ["Ersetzen"]
    assert sent(listing)[0]["embed"].title == "Offene Anmeldungen in Set A"
    assert sent(withdrawing)[0]["content"] == "Du hast deine Anmeldung **Nein sagen** zurückgezogen."


async def test_a_german_members_ballot_replies_are_german(bot: Setkeeper) -> None:
    group_id = await _german_group(bot, 21, 22, 23)
    votes = bot.services.votes
    first = (await votes.put_in(GUILD, 21, group_id, "Nein sagen", "")).value.bid
    await votes.put_in(GUILD, 22, group_id, "Feedback", "")
    vote = (await votes.open_vote(GUILD, Actor(FACILITATOR), group_id, None, seats=1)).value.vote
    assert vote is not None
    choice = {
        "components": [{"type": 18, "component": {"type": 3, "custom_id": "choice:0", "values": [str(first.id)]}}]
    }
    forged = {"components": [{"type": 18, "component": {"type": 3, "custom_id": "choice:0", "values": ["x1"]}}]}
    with speaking("de"):
        pressing = interaction(member(23), guild(GUILD), channel_id=CHANNEL)
        await _cog(bot).open_ballot(pressing, vote.id)
        (ballot,) = pressing.response.send_modal.await_args_list
        cast = _form(bot, choice, 23, modal_id=f"setkeeper:ballot:{vote.id}")
        await _cog(bot).on_interaction(cast)
        refused = _form(bot, forged, 23, modal_id=f"setkeeper:ballot:{vote.id}")
        await _cog(bot).on_interaction(refused)
        closing = interaction(member(FACILITATOR), guild(GUILD), channel_id=CHANNEL)
        await _cog(bot).vote_close.callback(_cog(bot), closing)
    assert ballot.args[0].title == "Dein Stimmzettel"
    assert sent(cast)[0]["content"] == (
        "Dein Stimmzettel ist abgegeben:\n- Nein sagen\n"
        "Niemand sieht, wie du abgestimmt hast. Bis die Abstimmung schließt, kannst du das ändern: "
        "Drücke noch einmal Abstimmen."
    )
    assert "Diese Anmeldung ist nicht mehr in dieser Abstimmung" in sent(refused)[0]["content"]
    assert sent(closing)[0]["content"] == "Die Abstimmung ist geschlossen; das Ergebnis steht im Kanal."
