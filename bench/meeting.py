"""Benchmark 5: the meeting's hand-over, from a speaker's Done click to the next speaker being able to post.

200 meetings of 7 run at once on SQLite: each is started with /meeting start, its members press Here and its
facilitator Next, through the fake Discord; then, in each of six waves, the speaker of every meeting presses Done
at the same moment. "Able to post" is the fake answering the bot's overwrite PUT for the next speaker (the moment
Discord would let them post), timed on the same clock as the click. REST calls per hand-over are the calls on the
meeting's channel between the click and the wave settling (overwrites, the new card that is the ping, the old card's
edit to a line without buttons), apart from the
interaction's own answer. The floor is the echo bot's Ping button (a click answered at once, no database, no REST
write) pressed by 200 people at once, in the same run.

Then one meeting of 7 runs from start to close (catch-up, a round with its clarifying questions and input, the
facilitator, the commitments), each press made the moment the last was answered and the card shows the button,
with the fake's observed rate limits on at Discord's own pace, once with the buckets announced in the headers and
once without: 429s met; hand-overs carried out and coalesced (faster than Discord lets a channel's overwrites
change, the floor lags and only the final one is carried out); how long after the last press everyone can post.
Run: .venv/bin/python -m bench meeting

`python -m bench meeting --postgresql` measures only the hand-over at 20 presses a second, once on SQLite and once on
PostgreSQL (SETKEEPER_TEST_POSTGRES_URL), and prints them in one table; BENCH_MEETINGS sets the number of meetings.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from bench._world import (
    ECHO_BOT,
    SETKEEPER,
    SeededGroup,
    database_url,
    fake_discord,
    median,
    open_database,
    percentile,
    running_bot,
    seed_bids,
    seed_groups,
    table,
)
from bot.bootstrap import build_services
from bot.domain.clock import FixedClock
from bot.domain.meeting import Phase
from bot.services.meetings import MeetingService, MeetingView
from bot.ui.pacing import OBSERVED_LIMITS
from tests.fakediscord import Channel, FakeDiscord, InteractionRecord, Member, Message, RequestRecord
from tests.fakediscord.floor import FloorWatch

GROUPS = int(os.environ.get("BENCH_MEETINGS", "200"))
MEMBERS = 7
WAVES = MEMBERS - 1  # the last Done of the catch-up ends it: no next speaker to time
FLOOR_WAVES = 6


def ms(values: list[float]) -> str:
    """p50 / p99 in milliseconds."""
    return f"{median(values) * 1000:.1f} / {percentile(values, 0.99) * 1000:.1f} ms"


async def answered(world: FakeDiscord, records: list[InteractionRecord], within: float = 120.0) -> None:
    """Wait until every interaction is answered (and its deferred reply filled in)."""
    for reply in await asyncio.gather(*(world.interactions.wait(record, within) for record in records)):
        if not reply.text and reply.modal is None:
            raise RuntimeError(f"an interaction got no answer: {reply!r}")


async def floor(rate: float | None) -> list[float]:
    """The echo bot's Ping button, pressed by 200 people as the meetings' speakers press Done: seconds to its answer."""
    async with fake_discord() as world, database_url("sqlite") as url, running_bot(world, ECHO_BOT, url):
        panel = (await world.guild.owner.run("/panel")).message
        if panel is None:
            raise RuntimeError("the echo bot posted no panel")
        people = [world.guild.add_member(f"Echo{n}") for n in range(GROUPS)]
        await world.settle()
        seconds: list[float] = []
        for number in range(FLOOR_WAVES + 1):
            clicks = await clicks_paced(world, [(p, panel, "Ping") for p in people], rate)
            await answered(world, clicks)
            if number:  # the first wave warms up
                seconds += [record.latency for record in clicks if record.latency is not None]
            await world.settle(quiet=0.05, within=30.0)
        return seconds


async def clicks_paced(
    world: FakeDiscord, presses: list[tuple[Member, Message, str]], rate: float | None
) -> list[InteractionRecord]:
    """Press every button, all at the same moment (`rate` None) or spread evenly at `rate` presses a second."""
    engine = world.interactions
    if rate is None:
        return list(await asyncio.gather(*(engine.send_click(p, m, label) for p, m, label in presses)))

    async def later(number: int, press: tuple[Member, Message, str]) -> InteractionRecord:
        await asyncio.sleep(number / rate)
        return await engine.send_click(*press)

    return list(await asyncio.gather(*(later(n, press) for n, press in enumerate(presses))))


def channel_of(world: FakeDiscord, group: SeededGroup) -> Channel:
    found = world.find_channel(group.channel_id)
    if found is None:
        raise RuntimeError(f"no channel for group {group.id}")
    return found


async def cards_in(channels: list[Channel], within: float = 60.0) -> list[Message]:
    """Each channel's meeting card, waiting up to `within` seconds for the last.

    With 200 meetings started at once the bot's paced posts can pause longer than the fake's quiet time, so a quiet
    moment does not mean every card is out.
    """
    deadline = time.monotonic() + within
    while True:
        missing = [channel for channel in channels if not any("Meeting of " in m.text for m in channel.live_messages)]
        if not missing or time.monotonic() > deadline:
            return [channel.message_containing("Meeting of ") for channel in channels]
        await asyncio.sleep(0.1)


async def to_catch_up(world: FakeDiscord, groups: list[SeededGroup]) -> list[Message]:
    """Start every group's meeting, mark everyone present and begin the catch-up, through the fake; the cards."""
    channels = [channel_of(world, group) for group in groups]
    starts = await asyncio.gather(
        *(
            world.interactions.send_command(group.facilitator, "meeting start", {}, channel)
            for group, channel in zip(groups, channels, strict=True)
        )
    )
    await answered(world, list(starts))
    await world.settle(quiet=0.1, within=60.0)
    cards = await cards_in(channels)
    for number in range(MEMBERS):
        here = await asyncio.gather(
            *(
                world.interactions.send_click(group.members[number], card, "Here")
                for group, card in zip(groups, cards, strict=True)
            )
        )
        await answered(world, list(here))
    first = len(world.requests)
    nexts = await asyncio.gather(
        *(world.interactions.send_click(g.facilitator, card, "Next") for g, card in zip(groups, cards, strict=True))
    )
    await answered(world, list(nexts))
    # Every listener's posting taken (the pacer may hold some back for seconds, with the bot quiet meanwhile).
    deadline = time.monotonic() + 120.0
    while any(
        sum(1 for r in calls_on(world.requests[first:], channel.id) if "/permissions/" in r.path) < MEMBERS - 1
        for channel in channels
    ):
        if time.monotonic() > deadline:
            raise RuntimeError("the catch-up's overwrites never all went out")
        await asyncio.sleep(0.02)
    await world.settle(quiet=0.2, within=60.0)
    # The catch-up's start took posting from six people in each channel: Discord's window for a channel's
    # overwrites passes before the first speaker is done, as it would in a meeting (a turn takes minutes).
    await asyncio.sleep(OBSERVED_LIMITS["overwrite"].per)
    return cards


async def views(meetings: MeetingService, world: FakeDiscord, groups: list[SeededGroup]) -> list[MeetingView]:
    """Every group's meeting as stored now."""
    return [await meetings.view(world.guild.id, group.facilitator.id, channel_id=group.channel_id) for group in groups]


def member(group: SeededGroup, user_id: int | None) -> Member:
    for person in [*group.members, group.facilitator]:
        if person.id == user_id:
            return person
    raise RuntimeError(f"{user_id} is nobody in group {group.id}")


def calls_on(requests: list[RequestRecord], channel_id: int) -> list[RequestRecord]:
    return [r for r in requests if r.path.startswith(f"/channels/{channel_id}/")]


def kind(record: RequestRecord) -> str:
    """What a call on the meeting's channel did."""
    if "/permissions/" in record.path:
        return "overwrite"
    if record.method == "PATCH":
        return "old card's edit"
    if record.method == "POST" and record.path.endswith("/messages"):
        return "new card (the ping)"
    return f"{record.method} {record.route}"


async def many(
    rate: float | None, backend: str = "sqlite"
) -> tuple[list[float], list[int], Counter[str], int, list[float]]:
    """200 meetings at once: click-to-able-to-post seconds, channel calls per hand-over, their kinds, 429s, overlaps.

    The overlaps are the seconds at each hand-over in which two members could post at once. In each wave every
    meeting's speaker presses Done: all at the same moment (`rate` None), or spread evenly at `rate` presses a second.
    `backend` is the bot's database (sqlite or postgresql).
    """
    async with fake_discord() as world, database_url(backend) as url:
        groups = await seed_groups(world, url, GROUPS, members=MEMBERS)
        database = open_database(url)
        meetings = build_services(database, FixedClock(datetime.now(UTC)), instance_id="bench-read").meetings
        try:
            async with running_bot(world, SETKEEPER, url):
                cards = await to_catch_up(world, groups)
                seconds: list[float] = []
                per_handover: list[int] = []
                kinds: Counter[str] = Counter()
                overlaps: list[float] = []
                for _ in range(WAVES):
                    now = await views(meetings, world, groups)
                    if any(v.phase is not Phase.CATCH_UP or v.up_next is None for v in now):
                        raise RuntimeError("a meeting is not in its catch-up with someone up next")
                    first = len(world.requests)
                    watches = [FloorWatch.start(world, channel_of(world, g), g.members) for g in groups]
                    cards = [live_card(channel_of(world, g)) for g in groups]  # each hand-over posts it anew
                    presses = [
                        (member(g, v.speaker), card, "Done") for g, v, card in zip(groups, now, cards, strict=True)
                    ]
                    clicks = await clicks_paced(world, presses, rate)
                    await answered(world, clicks)
                    # Done until every next speaker may post: a quiet moment alone can be the pacer waiting for
                    # room in a channel's window, with the overwrites still to come.
                    await until_granted(world, groups, now, first)
                    await world.settle(quiet=0.2, within=60.0)
                    wave = world.requests[first:]
                    overlaps += [sum(watch.overlaps()) for watch in watches]
                    for group, view, click in zip(groups, now, clicks, strict=True):
                        mine = calls_on(wave, group.channel_id)
                        per_handover.append(len(mine))
                        kinds.update(kind(r) for r in mine)
                        granted = [
                            r for r in mine if r.path.endswith(f"/permissions/{view.up_next}") and r.status < 300
                        ]
                        if len(granted) != 1:
                            raise RuntimeError(f"the next speaker's overwrite was set {len(granted)} times")
                        seconds.append(world.answered_at(granted[0]) - click.dispatched_at)
                return seconds, per_handover, kinds, len(world.rate_limited), overlaps
        finally:
            await database.dispose()


async def until_granted(
    world: FakeDiscord, groups: list[SeededGroup], views: list[MeetingView], first: int, within: float = 60.0
) -> None:
    """Wait until each meeting's next speaker has been let post (an overwrite Discord accepted since `first`)."""
    paths = {f"/channels/{g.channel_id}/permissions/{v.up_next}" for g, v in zip(groups, views, strict=True)}
    deadline = time.monotonic() + within
    while not paths <= {r.path for r in world.requests[first:] if r.status < 300}:
        if time.monotonic() > deadline:
            raise RuntimeError("a next speaker was never let post")
        await asyncio.sleep(0.02)


@dataclass
class Paced:
    """One meeting run against the observed rate limits."""

    limited: Counter[str]
    turns: int
    took: float
    handovers: list[float]
    coalesced: int
    unlocked: float
    overlap: list[float]
    """Seconds at each hand-over in which two members could post at once."""

    def row(self, mode: str) -> list[object]:
        """Its line in the table."""
        return [
            mode,
            self.turns,
            f"{self.took:.1f} s",
            f"{len(self.handovers)} / {self.coalesced}",
            ms(self.handovers),
            f"{max(self.handovers) * 1000:.0f} ms",
            f"{self.unlocked:.1f} s",
            f"{max(self.overlap, default=0.0) * 1000:.0f} ms / {sum(self.overlap) * 1000:.0f} ms",
            sum(self.limited.values()),
            ", ".join(f"{bucket}: {n}" for bucket, n in self.limited.items()) or "-",
        ]


def live_card(channel: Channel) -> Message:
    """The meeting's live card: the newest card in the channel (each hand-over posts it anew)."""
    return channel.message_containing("Meeting of ")


async def shown(channel: Channel, label: str, within: float = 60.0) -> Message:
    """Wait until the live card shows a button (a person cannot press what is not there yet); that card."""
    deadline = time.monotonic() + within
    while label not in live_card(channel).buttons:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the card never showed {label!r}")
        await asyncio.sleep(0.01)
    return live_card(channel)


async def end_turn(person: Member, channel: Channel, phase: Phase) -> None:
    """The speaker ends their turn with what the card shows them, once it shows it (its edits are paced too)."""
    if phase is Phase.COMMIT:
        card = await shown(channel, "Record my actions")
        form = await person.click(card, "Record my actions", within=120.0)
        await person.submit_modal(form, {"action:1": "Try it"}, within=120.0)
        return
    label = "Next" if phase is Phase.FACILITATOR else "Done"
    card = await shown(channel, label)
    await person.click(card, label, within=120.0)


async def as_fast_as_people_click(announced: bool) -> Paced:
    """One meeting of 7, start to close, with Discord's observed rate limits, each press made once the last is answered.

    Returns the 429s met, by bucket; the turns; how long it took; each click to the next speaker able to post.
    """
    async with fake_discord() as world, database_url("sqlite") as url:
        (group,) = await seed_groups(world, url, 1, members=MEMBERS)
        await seed_bids(world, url, [group], per_group=1)  # one bid: the vote chooses it at once
        database = open_database(url)
        meetings = build_services(database, FixedClock(datetime.now(UTC)), instance_id="bench-read").meetings
        try:
            async with running_bot(world, SETKEEPER, url):
                world.faults.realistic_rate_limits(time_scale=1.0, announced=announced)
                began = time.monotonic()
                await to_catch_up(world, [group])
                channel = channel_of(world, group)
                watch = FloorWatch.start(world, channel, group.members)
                last_press = time.monotonic()
                turns = 0
                timed: list[tuple[float, int]] = []
                deadline = time.monotonic() + 600
                (started,) = await views(meetings, world, [group])
                while time.monotonic() < deadline:
                    view = await meetings.view(world.guild.id, group.facilitator.id, meeting_id=started.id)
                    if view.phase is Phase.CLOSED:
                        break
                    if view.speaker is None:  # the vote being settled: nobody has the floor for a moment
                        await asyncio.sleep(0.01)
                        continue
                    person = member(group, view.speaker)
                    if view.up_next is not None and view.up_next != group.facilitator.id:
                        timed.append((time.monotonic(), view.up_next))
                    last_press = time.monotonic()
                    await end_turn(person, channel, view.phase)
                    turns += 1
                took = time.monotonic() - began
                # Paced writes wait in silence: the end is when everyone can post again, not when the fake is quiet.
                everyone = [group.facilitator, *group.members]
                while not all(world.guild.can(person, "send_messages", channel) for person in everyone):
                    if time.monotonic() > deadline:
                        raise RuntimeError("someone was left unable to post after the meeting")
                    await asyncio.sleep(0.05)
                unlocked = time.monotonic() - began - took
                handovers = []
                coalesced = 0
                for clicked, following in timed:
                    granted = [
                        world.answered_at(r)
                        for r in world.requests_to(OVERWRITES)
                        if r.path.endswith(f"/permissions/{following}")
                        and r.status < 300
                        and world.answered_at(r) > clicked
                    ]
                    # The floor moved past them before Discord's limit let their turn be carried out: only the
                    # final floor is, and their turn never reached Discord (it is no hand-over to time).
                    if not granted or min(granted) > took + began:
                        coalesced += 1
                        continue
                    handovers.append(min(granted) - clicked)
                limited = Counter(str(r.bucket) for r in world.rate_limited)
                await world.settle(quiet=0.5, within=60.0)
                overlap = watch.overlaps(until=last_press)  # the last press closes the meeting: everyone may post
                return Paced(limited, turns, took, handovers, coalesced, unlocked, overlap)
        finally:
            await database.dispose()


LIMIT_MODES = ((True, "buckets announced"), (False, "buckets unannounced"))
OVERWRITES = "PUT /channels/*/permissions/*"
PACE = 20.0
"""Presses a second when spread: 200 meetings each handing over every 10 s (people take minutes per turn)."""


async def main() -> None:
    """Measure the floor and Setkeeper in one run and print the tables."""
    rows = []
    notes = []
    for rate in (None, PACE):
        floor_seconds = await floor(rate)
        seconds, per_handover, kinds, limited, overlaps = await many(rate)
        how = "all at the same moment" if rate is None else f"spread, {rate:.0f} a second"
        rows.append(
            [
                f"{GROUPS} meetings of {MEMBERS}, Done {how}",
                len(seconds),
                ms(floor_seconds),
                ms(seconds),
                f"x{median(seconds) / median(floor_seconds):.1f} / "
                f"x{percentile(seconds, 0.99) / percentile(floor_seconds, 0.99):.1f}",
            ]
        )
        spread = Counter(per_handover)
        notes.append(
            f"{how}: REST calls on the meeting's channel per hand-over: mean "
            f"{sum(per_handover) / len(per_handover):.2f}, max {max(per_handover)} (hand-overs by calls made: "
            f"{dict(sorted(spread.items()))}); by kind over all {len(per_handover)}: {dict(kinds)}; 429s met: {limited}"
            f"; floor overlap at a hand-over (two members able to post at once): max {max(overlaps) * 1000:.1f} ms, "
            f"in {sum(1 for o in overlaps if o)} of {len(overlaps)} hand-overs"
        )
    print("Done click to the next speaker able to post (the no-op floor: the echo bot's Ping, pressed the same way)")
    print(table(["scenario", "samples", "no-op p50 / p99", "Setkeeper p50 / p99", "ratio p50 / p99"], rows))
    print("\n" + "\n".join(notes))
    limits = [(await as_fast_as_people_click(announced)).row(mode) for announced, mode in LIMIT_MODES]
    heading = f"one meeting of {MEMBERS}, observed rate limits, each press at once"
    print()
    columns = [
        "turns",
        "took",
        "carried out / coalesced",
        "to able to post p50 / p99",
        "max",
        "all post again",
        "floor overlap max / total",
    ]
    print(table([heading, *columns, "429s", "by bucket"], limits))


async def databases_main() -> None:
    """The hand-over at 20 presses a second on SQLite and on PostgreSQL, in one run, beside the no-op floor."""
    floor_seconds = await floor(PACE)
    rows = [["no-op floor (echo bot)", len(floor_seconds), ms(floor_seconds), "", ""]]
    for backend in BACKENDS:
        seconds, per_handover, _, limited, _ = await many(PACE, backend)
        rows.append(
            [
                f"Setkeeper on {backend}",
                len(seconds),
                ms(seconds),
                f"{sum(per_handover) / len(per_handover):.2f}",
                limited,
            ]
        )
    print(
        f"Done click to the next speaker able to post: {GROUPS} meetings of {MEMBERS}, Done spread, {PACE:.0f} a second"
    )
    print(table(["database", "samples", "p50 / p99", "REST calls per hand-over", "429s"], rows))


BACKENDS = ("sqlite", "postgresql")


if __name__ == "__main__":
    asyncio.run(main())


VOICE_TURN = 3.0
"""Seconds each speaker holds the floor before pressing Done in the voice meeting: quick, but at human speed."""
MEMBER_EDITS = "PATCH /guilds/*/members/*"
STAGE_EDITS = "PATCH /guilds/*/voice-states/*"


@dataclass
class VoicePaced:
    """One voice meeting of 7 run against the observed rate limits."""

    edits: list[int]
    unmuted: list[float]
    able_to_post: list[float]
    limited: Counter[str]
    left_muted: int
    """Muted at the end (in voice); on a Stage, on stage though they joined the audience, and a Stage left open."""


async def voice_meeting(*, stage: bool = False) -> VoicePaced:
    """A meeting of 7 in a voice channel or on a Stage, start to close at human speed, with the observed limits on.

    Voice edits per hand-over; Done to the next speaker unmuted (or brought on stage), and to able to post (the text
    floor, same run).
    """
    route, lever = (STAGE_EDITS, "suppress") if stage else (MEMBER_EDITS, "mute")
    async with fake_discord() as world, database_url("sqlite") as url:
        (group,) = await seed_groups(world, url, 1, members=MEMBERS - 1, voice=True, stage=stage)
        await seed_bids(world, url, [group], per_group=1)
        room = world.guild.channels[group.voice_channel_id or 0]
        database = open_database(url)
        meetings = build_services(database, FixedClock(datetime.now(UTC)), instance_id="bench-read").meetings
        try:
            async with running_bot(world, SETKEEPER, url):
                for person in [group.facilitator, *group.members]:
                    await person.join_voice(room)
                await world.settle()
                world.faults.realistic_rate_limits(time_scale=1.0, announced=False)
                channel = channel_of(world, group)
                started = await world.interactions.send_command(
                    group.facilitator, "meeting start", {"voice": True}, channel
                )
                await answered(world, [started])
                await world.settle(quiet=0.2)
                if not any("Meeting of " in m.text for m in channel.live_messages):
                    raise RuntimeError(
                        f"the meeting did not start: {(await world.interactions.wait(started, 10)).text!r}"
                    )
                card = channel.message_containing("Meeting of ")
                await answered(world, [await world.interactions.send_click(group.facilitator, card, "Next")])
                timed: list[tuple[float, int]] = []
                (view,) = await views(meetings, world, [group])
                deadline = time.monotonic() + 600
                while view.phase is not Phase.CLOSED and time.monotonic() < deadline:
                    if view.speaker is None:
                        await asyncio.sleep(0.05)
                    else:
                        await asyncio.sleep(VOICE_TURN)
                        person = member(group, view.speaker)
                        if view.up_next is not None and view.up_next != group.facilitator.id:
                            timed.append((time.monotonic(), view.up_next))
                        await end_turn(person, channel, view.phase)
                    view = await meetings.view(world.guild.id, group.facilitator.id, meeting_id=view.id)
                await world.settle(quiet=1.0, within=60.0)
                edits, unmuted, able = [], [], []
                for (clicked, following), (until, _) in zip(timed, [*timed[1:], (math.inf, 0)], strict=True):
                    made = [r for r in world.requests_to(route) if clicked < world.answered_at(r) < until]
                    edits.append(len(made))
                    unmute = [
                        world.answered_at(r) - clicked
                        for r in made
                        if r.path.endswith(f"/{following}") and r.body.get(lever) is False
                    ]
                    unmuted += unmute[:1]
                    grant = [
                        world.answered_at(r) - clicked
                        for r in world.requests_to(OVERWRITES)
                        if r.path.endswith(f"/permissions/{following}") and clicked < world.answered_at(r) < until
                    ]
                    able += grant[:1]
                limited = Counter(str(r.bucket) for r in world.rate_limited)
                left = len(world.guild.server_muted)
                if stage:  # everyone joined the audience: anyone still on stage, or a Stage still open, is left over
                    left = sum(1 for m in room.voice_members if m.voice and not m.voice.suppress)
                    left += room.stage_instance is not None
                return VoicePaced(edits, unmuted, able, limited, left)
        finally:
            await database.dispose()


async def voice_main() -> None:
    """`python -m bench meeting --voice`: the voice floor beside the text floor, in one meeting; then on a Stage."""
    for stage in (False, True):
        run = await voice_meeting(stage=stage)
        where, edit, speaking = ("Stage", "Stage edits", "on stage") if stage else ("voice", "member edits", "unmuted")
        pace = f"each speaker pressing Done after {VOICE_TURN:.0f} s, observed limits on"
        print(f"\none {where} meeting of {MEMBERS}, {pace}")
        print(f"{edit} per hand-over, hand-overs by edits made: {dict(sorted(Counter(run.edits).items()))}")
        print(
            table(
                [
                    "hand-overs",
                    f"{edit} per hand-over (mean / max)",
                    f"Done to {speaking} p50 / p99",
                    "Done to able to post p50 / p99",
                    "429s",
                    "left muted at the end" if not stage else "left on stage, or the Stage open, at the end",
                ],
                [
                    [
                        len(run.edits),
                        f"{sum(run.edits) / max(1, len(run.edits)):.2f} / {max(run.edits, default=0)}",
                        ms(run.unmuted),
                        ms(run.able_to_post),
                        sum(run.limited.values()),
                        run.left_muted,
                    ]
                ],
            )
        )
