"""Benchmark 7: how long set-up's replies take, from the press to the answer, under Discord's own rate limits.

A server manager makes a group of 7 (a facilitator and six members) with /groupadmin create; its facilitator adds
the six one after the other with /group add, each the moment the last was answered (faster than a person types);
each member presses **I accept the ground rules** the moment their welcome shows in the channel, while the
facilitator is still adding. The fake Discord applies Discord's observed rate limits at Discord's own pace
(5 posts per 5 s in a channel, 10 permission changes per 15 s in a channel), announced in the headers as Discord
does. For every reply: the seconds from the press until the person sees the whole answer (a deferred reply filled
in), and whether it says the rest follows; then the max, the p95 and their ratio to the manual's 2 s; and how long
after the last answer every change was on Discord (each member able to post).
Run: .venv/bin/python -m bench setup
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from discord import Permissions

from bench._world import SETKEEPER, database_url, fake_discord, percentile, running_bot, table
from cogs.groups._views import PACED_NOTE
from tests.fakediscord import Channel, FakeDiscord, Member, Reply

MEMBERS = 6
PROMISE = 2.0
"""Seconds the manual promises for a reply."""
NAMES = ["Alice", "Bob", "Cleo", "Dev", "Eve", "Finn"]


@dataclass
class Timed:
    """One reply: what was pressed, by whom, how long until it was shown, whether it said the rest follows."""

    what: str
    who: str
    seconds: float
    follows: bool


def timed(what: str, who: Member, reply: Reply) -> Timed:
    """The press-to-answer time of a reply, as the member saw it."""
    shown = reply.record.shown_after
    if shown is None:
        raise RuntimeError(f"{what} by {who.name} was never answered")
    return Timed(what, who.name, shown, str(PACED_NOTE).strip() in reply.text)


async def accept_when_welcomed(channel: Channel, person: Member) -> Timed:
    """The member presses the accept button as soon as their welcome is in the channel."""
    while True:
        try:
            welcome = channel.message_containing(f"{person.mention}, welcome to")
        except LookupError:
            await asyncio.sleep(0.01)
            continue
        accepted = await person.click(welcome, "I accept the ground rules", within=60.0)
        if "You have accepted the ground rules" not in accepted.text:
            raise RuntimeError(f"{person.name}'s accept was answered {accepted.text!r}")
        return timed("ground-rules accept", person, accepted)


def all_can_post(channel: Channel, members: list[Member]) -> bool:
    """Whether Discord lets every member post in the group's channel."""
    return all((found := channel.overwrite_for(m)) is not None and found.allows("send_messages") for m in members)


async def set_up(world: FakeDiscord) -> tuple[list[Timed], float, float]:
    """One group of 7 set up as fast as people press.

    Returns the replies, and the seconds from the first press and from the last answer until all is on Discord.
    """
    guild = world.guild
    admin = guild.add_member("Ada", permissions=Permissions(manage_guild=True))
    fran = guild.add_member("Fran")
    members = [guild.add_member(name) for name in NAMES[:MEMBERS]]
    created = await admin.run("/groupadmin create", name="Set A", facilitator=fran, within=60.0)
    if "Created **Set A**" not in created.text:
        raise RuntimeError(f"the group was not made: {created.text!r}")
    replies = [timed("/groupadmin create", admin, created)]
    channel = guild.channel_named("set-a")
    accepts = [asyncio.ensure_future(accept_when_welcomed(channel, person)) for person in members]
    for person in members:
        added = await fran.run("/group add", member=person, in_channel=channel, within=60.0)
        if f"Added {person.mention}" not in added.text:
            raise RuntimeError(f"{person.name} was not added: {added.text!r}")
        replies.append(timed(f"/group add {person.name}", fran, added))
    replies += await asyncio.gather(*accepts)
    last_answer = time.monotonic()
    while True:  # the changes that replies said would follow
        now = time.monotonic()
        if all_can_post(channel, members):
            return replies, now - created.record.dispatched_at, now - last_answer
        await asyncio.sleep(0.02)


async def main() -> None:
    """Run the set-up once under Discord's rate limits and print each reply's time, the max, the p95."""
    async with fake_discord() as world, database_url("sqlite") as url, running_bot(world, SETKEEPER, url):
        world.faults.realistic_rate_limits(time_scale=1.0, announced=True)
        replies, whole, after = await set_up(world)
        limited = len(world.rate_limited)
    rows = [[r.what, r.who, f"{r.seconds:.2f} s", "yes" if r.follows else ""] for r in replies]
    print(table(["reply", "pressed by", "press -> answer", "says the rest follows"], rows))
    seconds = [r.seconds for r in replies]
    worst, p95 = max(seconds), percentile(seconds, 0.95)
    print(
        f"\n{len(replies)} replies: max {worst:.2f} s, p95 {p95:.2f} s; "
        f"ratio to the manual's {PROMISE:.0f} s: max x{worst / PROMISE:.2f}, p95 x{p95 / PROMISE:.2f}"
    )
    print(
        f"every change on Discord (each member able to post) {whole:.2f} s after the first press, "
        f"{after:.2f} s after the last answer; 429s met: {limited}"
    )


if __name__ == "__main__":
    asyncio.run(main())
