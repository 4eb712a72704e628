"""The meeting's voice floor: the ledger of server mutes the bot owns, and what each change of the floor implies.

A server mute outlives the call and is one flag per person and guild (FACTS §1j). So every mute the bot makes is
written here, in the transaction that decided it, before it is made; the applier reads the ledger and the floor
afresh when it carries a `SetMute` out, undoes only what the ledger says the bot made, and the row goes only once
the mute is undone. Whatever fails (a crash, a member gone from voice), the row is still there to undo it later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.db.models import Group, Meeting, VoiceMute
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.clock import Clock
from bot.domain.effects import Effect, SetMute
from bot.domain.groups import Floor
from bot.domain.meeting import MeetingState, floor_of, from_json


def wants_mute(state: MeetingState, user_id: int) -> bool:
    """Whether the voice floor keeps this person muted: a listener while someone else has the floor.

    The facilitator is never muted; nobody is muted in the opening, a pause or a break (`floor_of`). Through the
    vote the floor stays closed, as in text: ballots are buttons, and the facilitator may speak.
    """
    return user_id != state.facilitator_id and floor_of(state, user_id) is Floor.LISTENING


async def own(uow: UnitOfWork, group: Group, user_id: int, now: datetime) -> None:
    """Record that the bot is about to mute this person for the group's meeting (before the mute is made)."""
    row = await uow.voice_mutes.get(group.guild_id, user_id, lock=True)
    if row is None:
        row = VoiceMute(guild_id=group.guild_id, user_id=user_id, group_id=group.id, written_at=now)
        await uow.voice_mutes.add(row)
    elif row.group_id != group.id:
        row.group_id = group.id  # one mute per guild: the meeting that wants it now answers for it


async def mute_changes(
    uow: UnitOfWork, group: Group, meeting: Meeting, user_ids: Iterable[int], now: datetime
) -> list[Effect]:
    """These people's floor changed in a meeting: a new listener's mute is recorded, and each mute reconciled.

    Someone the floor no longer keeps muted is reconciled only if the bot owns their mute (a ledger row).
    """
    state = from_json(meeting.state)
    effects: list[Effect] = []
    for user_id in user_ids:
        if meeting.voice_channel_id is not None and meeting.status == "open" and wants_mute(state, user_id):
            await own(uow, group, user_id, now)
        elif await uow.voice_mutes.get(group.guild_id, user_id) is None:
            continue  # not the bot's mute (or none at all): nothing to undo
        effects.append(SetMute(group.id, group.guild_id, user_id))
    return effects


@dataclass(frozen=True)
class MuteTarget:
    """What the applier should make of someone's server mute, read when it carries a `SetMute` out.

    `owned`: the ledger has a row (only then is anything done); `theirs`: someone else had muted them before the bot
    came to (True), the bot made the mute (False), or not known yet (None); `channel_id`: the voice channel where the
    floor wants them muted, None when it wants them unmuted.
    """

    owned: bool
    theirs: bool | None = None
    channel_id: int | None = None


class VoiceFloorService:
    """The ledger as the applier reads and settles it. Each method is one unit of work."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def target(self, guild_id: int, user_id: int) -> MuteTarget:
        """The person's mute as the ledger and the floor say now."""
        async with self._uow(write=False) as uow:
            row = await uow.voice_mutes.get(guild_id, user_id)
            if row is None:
                return MuteTarget(owned=False)
            return MuteTarget(True, row.theirs, await _wanted_in(uow, row))

    async def noted(self, guild_id: int, user_id: int, *, theirs: bool) -> None:
        """Just before the bot first mutes them: were they already muted by someone else? Written before the mute."""
        async with self._uow() as uow:
            row = await uow.voice_mutes.get(guild_id, user_id, lock=True)
            if row is not None and row.theirs is None:
                row.theirs = theirs
            await uow.commit()

    async def undone(self, guild_id: int, user_id: int) -> None:
        """The bot's mute is undone (or was never the bot's): the row goes, unless the floor wants them muted again."""
        async with self._uow() as uow:
            row = await uow.voice_mutes.get(guild_id, user_id, lock=True)
            if row is not None and await _wanted_in(uow, row) is None:
                await uow.voice_mutes.remove(row)
            await uow.commit()


async def _wanted_in(uow: UnitOfWork, row: VoiceMute) -> int | None:
    """The voice channel where the row's meeting wants the person muted now, or None."""
    meeting = await uow.meetings.open_in(row.group_id)
    if meeting is None or meeting.voice_channel_id is None or not wants_mute(from_json(meeting.state), row.user_id):
        return None
    return meeting.voice_channel_id
