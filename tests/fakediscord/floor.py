"""Who could post in a channel, moment by moment, read back from the overwrites the bot wrote (for floor tests)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakediscord.perms import flag
from tests.fakediscord.server import FakeDiscord, RequestRecord
from tests.fakediscord.world import Channel, Member

SEND = flag("send_messages")


def overwrite_writes(world: FakeDiscord, channel: Channel, since: int = 0) -> list[RequestRecord]:
    """Every overwrite PUT or DELETE on the channel from the `since`-th logged request on (refused ones too)."""
    return [
        r
        for r in world.requests[since:]
        if r.method in ("PUT", "DELETE") and r.path.startswith(f"/channels/{channel.id}/permissions/")
    ]


@dataclass
class FloorWatch:
    """Who of `people` can post in the channel from now on, replayed from the overwrites Discord accepted.

    Start it while nothing is in flight (who can post then is read off the fake); a member's own overwrite decides
    (the bot allows or denies Send Messages in it; without one they are not in the group).
    """

    world: FakeDiscord
    channel: Channel
    people: list[Member]
    since: int
    posting: frozenset[int]

    @classmethod
    def start(cls, world: FakeDiscord, channel: Channel, people: list[Member]) -> FloorWatch:
        """Watch from now on."""
        posting = frozenset(p.id for p in people if world.guild.can(p, "send_messages", channel))
        return cls(world, channel, people, len(world.requests), posting)

    def overlaps(self, until: float | None = None) -> list[float]:
        """Seconds of each stretch in which two or more of the people could post at once (call once quiet).

        `until` (on the fake's clock) leaves out the writes answered after it: a meeting's close opens the floor.
        """
        ids = {person.id for person in self.people}
        posting = set(self.posting)
        writes = [
            r
            for r in overwrite_writes(self.world, self.channel, self.since)
            if r.status < 300 and (until is None or self.world.answered_at(r) <= until)
        ]
        spans: list[float] = []
        opened: float | None = None
        for record in sorted(writes, key=self.world.answered_at):
            person_id = int(record.path.rsplit("/", 1)[1])
            if person_id not in ids:
                continue
            allowed = record.method == "PUT" and bool(int((record.body or {}).get("allow", "0")) & SEND)
            (posting.add if allowed else posting.discard)(person_id)
            at = self.world.answered_at(record)
            if len(posting) >= 2 and opened is None:
                opened = at
            elif len(posting) < 2 and opened is not None:
                spans.append(at - opened)
                opened = None
        if opened is not None:
            raise AssertionError(f"two or more can still post: {sorted(posting)}")
        return spans
