"""Which guilds a process serves: Discord's shard of a guild, and the shards this process was started for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SHARD_SHIFT = 22
"""A guild's shard is its id shifted right by this many bits (the timestamp part of the snowflake), modulo the count."""


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord delivers this guild's events to, among `shard_count` (guild 0, the bot's own work: shard 0)."""
    return (guild_id >> SHARD_SHIFT) % shard_count


def owns(guild_id: int, shard_count: int, shard_ids: Iterable[int]) -> bool:
    """Whether a process serving `shard_ids` of `shard_count` owns the guild (its due work, effects and start-up)."""
    return shard_of(guild_id, shard_count) in set(shard_ids)


@dataclass(frozen=True)
class Shards:
    """The shards this process serves, of how many; by default the one shard of a bot that is not sharded.

    `sharded` says whether the bot was told to shard (SHARD_COUNT or SHARD_IDS set): it then connects as Discord's
    sharded client and, on PostgreSQL, holds a lock per shard so that a second process for them stands by.
    """

    count: int = 1
    ids: tuple[int, ...] = (0,)
    sharded: bool = False

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a bot has at least one shard")
        if not self.ids or any(not 0 <= shard < self.count for shard in self.ids):
            raise ValueError(f"shard ids must be between 0 and {self.count - 1}")

    @property
    def everything(self) -> bool:
        """Whether this process serves every shard (it then owns every guild, and no filter is needed)."""
        return set(self.ids) == set(range(self.count))

    def owns(self, guild_id: int) -> bool:
        """Whether this process owns the guild."""
        return self.everything or owns(guild_id, self.count, self.ids)

    def owned(self, guild_ids: Iterable[int]) -> list[int]:
        """The guilds among `guild_ids` this process owns, in their order."""
        return [guild_id for guild_id in guild_ids if self.owns(guild_id)]

    def describe(self) -> str:
        """The shards in a person's words, for the log: "shards 0, 1 of 4"."""
        which = ", ".join(str(shard) for shard in self.ids)
        return f"shard {which} of {self.count}" if len(self.ids) == 1 else f"shards {which} of {self.count}"


ALL_SHARDS = Shards()
"""A bot that is not sharded: one process, every guild."""
