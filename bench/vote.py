"""Benchmark 4: the vote, from a member's Vote click to their ballot (a form) shown, and from sending it to the reply.

A group of 7 (all seven press Vote at once, six send a ballot: the seventh would close the vote), then 200 groups of
7 voting at once (in each wave one member of every group presses Vote, then all 200 send their ballots). The floor is
the fake Discord's echo bot doing the same through the same fake in the same run: its Form button opens a form and
its form answers at once. Setkeeper's ballot is answered by a defer and then the reply, so its second figure runs
to the reply being shown, not to the defer.
Run: .venv/bin/python -m bench vote
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bench._world import (
    ECHO_BOT,
    SETKEEPER,
    SeededGroup,
    database_url,
    fake_discord,
    median,
    percentile,
    running_bot,
    seed_bids,
    seed_groups,
    table,
)
from tests.fakediscord import FakeDiscord, InteractionRecord, Member, Message, Reply
from tests.fakediscord.world import flatten_components

GROUPS = 200
MEMBERS = 7
BIDS = 4
ROUNDS_IN_ONE_GROUP = 20
WAVES = MEMBERS - 1  # a wave per member but the last: the seventh ballot of a group would close its vote
Voter = tuple[Member, Message]
Values = Callable[[Reply, int], dict[str, Any]]
Timings = tuple[list[float], list[float]]


def shown_ms(records: list[InteractionRecord]) -> list[float]:
    """Milliseconds from each dispatch until its answer was shown; every one must have been answered."""
    times = [record.shown_after * 1000 for record in records if record.shown_after is not None]
    if len(times) != len(records):
        raise RuntimeError(f"{len(records) - len(times)} interactions were not answered")
    return times


BUSY: list[int] = [0]
"""Vote clicks answered "my database is slow right now" (the check before the form took over its 2 s) this run."""


async def wave(
    world: FakeDiscord, voters: list[Voter], label: str, values: Values, number: int, sending: int
) -> Timings:
    """All press the button at once, then the first `sending` send the form at once; ms to the form, to the reply.

    A member who got a refusal instead of the form (the bot's "too slow, try again") sends nothing; `BUSY` counts them.
    """
    engine = world.interactions
    clicks = await asyncio.gather(*(engine.send_click(member, card, label) for member, card in voters))
    forms = await asyncio.gather(*(engine.wait(record, 60.0) for record in clicks))
    senders = [(member, form) for (member, _), form in zip(voters, forms, strict=True)][:sending]
    BUSY[0] += sum(form.modal is None for _, form in senders)
    sends = await asyncio.gather(
        *(engine.send_modal(member, form, values(form, number)) for member, form in senders if form.modal is not None)
    )
    for reply in await asyncio.gather(*(engine.wait(record, 60.0) for record in sends)):
        if not reply.text:
            raise RuntimeError(f"a form got no reply: {reply!r}")
    await world.settle(quiet=0.05, within=30.0)
    return shown_ms(list(clicks)), shown_ms(list(sends))


async def waves(world: FakeDiscord, voters: list[list[Voter]], label: str, values: Values, sending: int) -> Timings:
    """One wave per list of voters; the timings of all of them together."""
    shown: list[float] = []
    answered: list[float] = []
    for number, these in enumerate(voters):
        more = await wave(world, these, label, values, number, min(sending, len(these)))
        shown += more[0]
        answered += more[1]
    return shown, answered


def ballot(form: Reply, number: int) -> dict[str, Any]:
    """Two bids ticked, a different pair each wave, so every ballot after a member's first changes it."""
    if form.modal is None:
        raise RuntimeError(f"no ballot form: {form!r}")
    ids = [str(o["value"]) for c in flatten_components(form.modal["components"]) for o in c.get("options") or []]
    return {"choice:0": [ids[number % len(ids)], ids[(number + 1) % len(ids)]]}


def greeting(form: Reply, number: int) -> dict[str, Any]:
    """The echo bot's form: one name."""
    return {"name": f"n{number}"}


async def floor() -> tuple[Timings, Timings]:
    """The echo bot: seven people, then two hundred, pressing its Form button on one panel at once."""
    async with fake_discord() as world, database_url("sqlite") as url, running_bot(world, ECHO_BOT, url):
        panel = (await world.guild.owner.run("/panel")).message
        if panel is None:
            raise RuntimeError("the echo bot posted no panel")
        people = [(world.guild.add_member(f"Echo{n}"), panel) for n in range(GROUPS)]
        await world.settle()
        await waves(world, [people[:MEMBERS]] * 3, "Form", greeting, MEMBERS)  # warm up
        one = await waves(world, [people[:MEMBERS]] * ROUNDS_IN_ONE_GROUP, "Form", greeting, MEMBERS - 1)
        many = await waves(world, [people] * WAVES, "Form", greeting, GROUPS)
        return one, many


async def open_votes(world: FakeDiscord, groups: list[SeededGroup]) -> list[Message]:
    """Each facilitator opens the vote with /vote open; returns the cards."""
    cards = []
    for group in groups:
        channel = world.find_channel(group.channel_id)
        if channel is None:
            raise RuntimeError(f"no channel for group {group.id}")
        opened = await group.facilitator.run("/vote open", rounds=2, in_channel=channel, within=30.0)
        if "The vote is open" not in opened.text:
            raise RuntimeError(f"/vote open answered {opened.text!r}")
        cards.append(channel.message_containing("Vote in "))
    return cards


async def setkeeper() -> tuple[Timings, Timings]:
    """Setkeeper with 201 groups of seven: one measured alone, then 200 voting at once."""
    async with fake_discord() as world, database_url("sqlite") as url:
        groups = await seed_groups(world, url, GROUPS + 1, members=MEMBERS)
        await seed_bids(world, url, groups, per_group=BIDS)
        async with running_bot(world, SETKEEPER, url):
            cards = await open_votes(world, groups)
            alone = [(member, cards[0]) for member in groups[0].members]
            # All seven open their ballot at once; six send it (the seventh would close the vote).
            await waves(world, [alone] * 3, "Vote", ballot, MEMBERS - 1)  # warm up
            one = await waves(world, [alone] * ROUNDS_IN_ONE_GROUP, "Vote", ballot, MEMBERS - 1)
            at_once = [
                [(group.members[number], card) for group, card in zip(groups[1:], cards[1:], strict=True)]
                for number in range(WAVES)
            ]
            busy_alone = BUSY[0]
            many = await waves(world, at_once, "Vote", ballot, GROUPS)
            busy_many = BUSY[0] - busy_alone
            print(
                f"Vote clicks answered with a busy refusal instead of the ballot: {busy_alone} of "
                f"{len(one[0])} in one group, {busy_many} of {len(many[0])} with {GROUPS} groups at once"
            )
            return one, many


def row(label: str, step: str, floor_ms: list[float], mine: list[float]) -> list[object]:
    """One line of the table: both p50 and p99, and their ratios."""
    f50, f99, m50, m99 = median(floor_ms), percentile(floor_ms, 0.99), median(mine), percentile(mine, 0.99)
    return [
        label,
        step,
        len(mine),
        f"{f50:.2f} / {f99:.2f} ms",
        f"{m50:.2f} / {m99:.2f} ms",
        f"x{m50 / f50:.1f} / x{m99 / f99:.1f}",
    ]


async def main() -> None:
    """Measure the floor and Setkeeper in one run and print the table."""
    (floor_one, floor_many) = await floor()
    (mine_one, mine_many) = await setkeeper()
    rows = [
        row("one group of 7", "Vote click to ballot shown", floor_one[0], mine_one[0]),
        row("one group of 7", "ballot sent to reply shown", floor_one[1], mine_one[1]),
        row(f"{GROUPS} groups at once", "Vote click to ballot shown", floor_many[0], mine_many[0]),
        row(f"{GROUPS} groups at once", "ballot sent to reply shown", floor_many[1], mine_many[1]),
    ]
    print(table(["scenario", "step", "samples", "no-op p50 / p99", "Setkeeper p50 / p99", "ratio p50 / p99"], rows))


if __name__ == "__main__":
    asyncio.run(main())
