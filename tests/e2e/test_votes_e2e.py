"""Bids and the vote end to end: members bid and vote through forms, the facilitator closes, all see the result."""

from __future__ import annotations

import re

import pytest
from discord import Permissions

from bot.ui.access import BOT_PERMISSIONS
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Message, Reply
from tests.fakediscord.world import embed_text, flatten_components

pytestmark = pytest.mark.e2e

HOSTILE = "@everyone <@&1> **x**"
COUNT = re.compile(r"\b\d+ (votes?|points?|ballots?)\b|The count")
"""What a count per bid looks like in anything the bot shows ("3 votes", "7 points", "The count:")."""


@pytest.fixture
def world(discord_world: FakeDiscord) -> FakeDiscord:
    """The README's invite permissions plus Mention Everyone, which a server may well give a bot.

    With it, only what the bot sends (escaped text, ``allowed_mentions``) stands between a hostile title and a
    ping to everyone; without it, Discord itself would drop the ping and the test would prove nothing.
    """
    (role,) = discord_world.guild.me.roles
    discord_world.guild.set_role_permissions(
        role, Permissions(BOT_PERMISSIONS.value | Permissions(mention_everyone=True).value)
    )
    return discord_world


def everything_seen(world: FakeDiscord) -> list[tuple[str, str]]:
    """(where, text) of every message anyone saw, every earlier version of an edited one, and every form opened."""
    messages: list[Message] = list(world.ephemeral_messages)
    for guild in world.guilds.values():
        for channel in guild.channels.values():
            messages += channel.messages
    for channel in world.dm_channels.values():
        messages += channel.messages
    seen = []
    for message in messages:
        seen.append((f"#{message.channel.name}", message.text))
        for version in message.history:
            texts = [version.get("content") or ""] + [t for e in version.get("embeds") or [] for t in embed_text(e)]
            seen.append((f"#{message.channel.name} (before an edit)", "\n".join(texts)))
    for record in world.interactions.records:
        if record.modal is not None:
            shown = [
                str(part.get(key) or "")
                for component in flatten_components(record.modal["components"])
                for part in [component, *(component.get("options") or [])]
                for key in ("label", "description", "placeholder")
            ]
            seen.append((f"form {record.modal.get('title')}", "\n".join(shown)))
    return seen


def pings_everyone(world: FakeDiscord) -> list[str]:
    """Messages (or earlier versions of them) that notified everyone, or a role, as Discord computes it."""
    messages: list[Message] = list(world.ephemeral_messages)
    for channel in [*(c for g in world.guilds.values() for c in g.channels.values()), *world.dm_channels.values()]:
        messages += channel.messages
    return [
        message.text
        for message in messages
        if message.pings_everyone
        or message.pinged_role_ids
        or any(version["mention_everyone"] for version in message.history)
    ]


def _title(label: object) -> str:
    """An option's bid title: options are numbered ("2. Budget cuts") so that equal titles can be told apart."""
    number, _, title = str(label).partition(". ")
    assert number.isdigit(), label
    return title


def options_of(form: Reply) -> dict[str, str]:
    """A ballot form's choices: bid title to option value (the bid's id)."""
    assert form.modal is not None, form
    return {
        _title(option["label"]): str(option["value"])
        for component in flatten_components(form.modal["components"])
        for option in component.get("options") or []
    }


def preselected(form: Reply) -> set[str]:
    """The titles a ballot form opens with already chosen (the member's current ballot)."""
    assert form.modal is not None
    return {
        _title(option["label"])
        for component in flatten_components(form.modal["components"])
        for option in component.get("options") or []
        if option.get("default")
    }


async def put_in(member: Member, channel: Channel, title: str, help_wanted: str = "") -> Reply:
    """`/bid add` in the group's channel, then the form, filled in and sent."""
    form = await member.run("/bid add", in_channel=channel)
    assert form.modal_title == "Put in a bid", form
    return await member.submit_modal(form, {"title": title, "help": help_wanted})


async def vote(member: Member, card: Message, titles: list[str]) -> Reply:
    """Press Vote on the card and send the ballot with these bids chosen."""
    form = await member.click(card, "Vote")
    choices = options_of(form)
    return await member.submit_modal(form, {"choice:0": [choices[title] for title in titles]})


async def test_five_bid_three_vote_one_changes_a_kill_and_the_right_two_win(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob, cleo, dev, eve) = await _group_of(world, 5)
    channel = world.guild.channel_named("set-a")
    titles = {alice: "Budget cuts", bob: "Hiring a lead", cleo: "Remote team", dev: "Career change", eve: HOSTILE}
    for person, title in titles.items():
        placed = await put_in(person, channel, title, "Some help, please")
        assert placed.ephemeral
        assert "is in for Set A" in placed.text

    opened = await fran.run("/vote open", rounds=2, in_channel=channel)
    assert "The vote is open in Set A: 5 bids" in opened.text
    card = channel.message_containing("Vote in Set A")
    assert card.buttons == ["Vote", "Close vote"]
    for person, title in list(titles.items())[:4]:
        assert f"**{title}** by {person.mention}" in card.text
    assert f"by {eve.mention}" in card.text
    assert "Voted: 0 of 5." in card.text

    await vote(alice, card, ["Budget cuts", "Hiring a lead"])
    await vote(bob, card, ["Budget cuts", "Remote team"])
    first = await vote(cleo, card, ["Hiring a lead", "Career change"])
    assert first.ephemeral
    assert "Your ballot is in:\n- Hiring a lead\n- Career change" in first.text
    again = await cleo.click(card, "Vote")
    assert preselected(again) == {"Hiring a lead", "Career change"}, "pressing Vote again shows your ballot"
    changed = await cleo.submit_modal(
        again, {"choice:0": [options_of(again)[t] for t in ("Budget cuts", "Remote team")]}
    )
    assert "Your ballot is changed:\n- Budget cuts\n- Remote team" in changed.text
    await wait_for(lambda: "Voted: 3 of 5." in card.text)

    counted = [(where, text) for where, text in everything_seen(world) if COUNT.search(text)]
    assert counted == [], "nobody sees a count per bid while the vote is open"

    await bot.kill()
    await bot.start()
    closed = await fran.click(card, "Close vote")
    assert "The vote is closed" in closed.text
    result = channel.message_containing("Vote result in Set A")
    assert "(3 ballots;" in result.text, "every ballot cast before the kill was counted"
    winners = result.text.split("Chosen for a round, in this order:\n")[1].split("\nThe count:")[0]
    assert winners == f"1. **Budget cuts** by {alice.mention}\n2. **Remote team** by {cleo.mention}"
    assert "- Budget cuts: 3 votes" in result.text
    assert result.pinged_user_ids == {alice.id, cleo.id}, "the result pings the winners and nobody else"
    assert card.buttons == []
    assert "Voted: 3 of 5" not in card.text
    assert "3 of 5 voted" in card.text
    assert pings_everyone(world) == [], "a hostile title never pings everyone or a role"


async def test_an_outsider_is_refused_and_a_withdrawn_bid_is_struck_and_its_voter_told(
    world: FakeDiscord, bot: BotProcess
) -> None:
    fran, (alice, bob, cleo) = await _group_of(world, 3)
    channel = world.guild.channel_named("set-a")
    for person, title in ((alice, "Budget cuts"), (bob, "Hiring a lead"), (cleo, "Remote team")):
        await put_in(person, channel, title)
    await fran.run("/vote open", rounds=1, in_channel=channel)
    card = channel.message_containing("Vote in Set A")

    # An administrator sees every channel, so can press the button, but is no member of the group.
    olga = world.guild.add_member("Olga", permissions=Permissions(administrator=True))
    refused = await olga.click(card, "Vote")
    assert refused.ephemeral
    assert refused.modal is None
    assert "Only members of Set A can vote there" in refused.text

    await vote(alice, card, ["Hiring a lead", "Remote team"])
    await vote(cleo, card, ["Remote team"])
    (choice,) = await bob.autocomplete("/bid withdraw", "bid", "Hir")
    withdrawn = await bob.run("/bid withdraw", bid=choice["value"])
    assert "You withdrew your bid **Hiring a lead**" in withdrawn.text
    assert "anyone whose ballot named it has been told privately" in withdrawn.text
    assert not any(char.isdigit() for char in withdrawn.text)  # never how many: that would be its count

    await wait_for(lambda: "(withdrawn)" in card.text)
    assert f"~~2. **Hiring a lead** by {bob.mention}~~ (withdrawn)" in card.text
    (dm,) = alice.dms
    assert "the bid **Hiring a lead** was withdrawn, so your ballot changed" in dm.text
    assert cleo.dms == [], "a voter who did not choose it is not told"
    form = await alice.click(card, "Vote")
    assert "Hiring a lead" not in options_of(form)
    assert preselected(form) == {"Remote team"}
