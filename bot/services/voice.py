"""The meeting's voice floor: the ledger of mutes and Stage states the bot owns, and what each floor change implies.

A server mute outlives the call and is one flag per person and guild that follows them from channel to channel
(FACTS §1j). So every mute the bot makes is written here, in the transaction that decided it, before it is made; the
applier reads the ledger and the floors afresh when it carries a `SetMute` out, undoes only what the ledger says the
bot made, and a row goes only once its meeting no longer wants it. Whatever fails (a crash, a member gone from
voice), the row is still there to undo it later.

A person may be in two meetings at once (listening in one group's voice channel, marked Here in another's). Each
meeting owns its own rows (per group and voice channel), so one meeting's floor never settles what another's wants;
and the mute a person should have is decided by the channel they are in now: muted while a meeting held there wants
them muted, whatever any other meeting wants of them elsewhere.

On a Stage the floor is kept by speaker state instead (`wants_suppress`): the same ledger, with rows of kind
"stage", records each person's own state on that Stage before the bot first changed it, and that state is what an
undo restores. A speaker state belongs to one Stage and ends with the call, so each Stage's row is settled alone.
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
from bot.domain.meeting import MeetingState, Phase, floor_of, from_json

MUTE = "mute"
STAGE = "stage"


def wants_mute(state: MeetingState, user_id: int) -> bool:
    """Whether the voice floor keeps this person muted: a listener while someone else has the floor.

    The facilitator is never muted; nobody is muted in the opening, a pause or a break (`floor_of`). Through the
    vote the floor stays closed, as in text: ballots are buttons, and the facilitator may speak.
    """
    return user_id != state.facilitator_id and floor_of(state, user_id) is Floor.LISTENING


def wants_suppress(state: MeetingState, user_id: int) -> bool | None:
    """Where the Stage floor wants this person: in the audience (True), on stage (False), or left alone (None).

    While the floor is kept, the speaker is on stage and every other member present in the audience; the
    facilitator is a speaker from the start of the meeting to its end. In the opening, a pause, a break and after
    the end the floor forces nobody else, and what the bot changed is undone: each person goes back to the state they
    had before the bot first changed it (a speaker the bot brought on stage returns to the audience, someone the bot
    sent to the audience is invited back on stage). On a Stage that is the honest reading of "everyone may talk":
    nobody is held in the audience by the bot, and anyone may raise a hand as usual. A state the bot did not make
    is never undone, and someone who left the Stage has no state left to undo (a rejoin is in the audience).
    """
    if state.phase is Phase.CLOSED:
        return None
    if user_id == state.facilitator_id:
        return False
    match floor_of(state, user_id):
        case Floor.SPEAKING:
            return False
        case Floor.LISTENING:
            return True
        case _:
            return None


def forced(meeting: Meeting, state: MeetingState, user_id: int) -> bool:
    """Whether the meeting's voice floor wants something of this person now (a mute, or a Stage state)."""
    if meeting.voice_channel_id is None or meeting.status != "open":
        return False
    return wants_suppress(state, user_id) is not None if meeting.stage else wants_mute(state, user_id)


async def own(uow: UnitOfWork, group: Group, meeting: Meeting, channel_id: int, user_id: int, now: datetime) -> None:
    """Record that the bot is about to mute (or set the Stage state of) this person for the meeting in its channel."""
    kind = STAGE if meeting.stage else MUTE
    if await uow.voice_mutes.get(group.guild_id, user_id, group.id, channel_id, kind=kind, lock=True) is None:
        row = VoiceMute(guild_id=group.guild_id, user_id=user_id, group_id=group.id, written_at=now)
        row.kind, row.channel_id = kind, channel_id
        await uow.voice_mutes.add(row)


async def mute_changes(
    uow: UnitOfWork, group: Group, meeting: Meeting, user_ids: Iterable[int], now: datetime
) -> list[Effect]:
    """These people's floor changed in a meeting: a new listener's mute (or Stage state) is recorded, each reconciled.

    Someone the floor no longer forces is reconciled only if the bot owns a row for them for this meeting: another
    meeting's rows are that meeting's to settle, and a meeting in text only has none.
    """
    channel_id = meeting.voice_channel_id
    if channel_id is None:
        return []
    state = from_json(meeting.state)
    kind = STAGE if meeting.stage else MUTE
    effects: list[Effect] = []
    for user_id in user_ids:
        if forced(meeting, state, user_id):
            await own(uow, group, meeting, channel_id, user_id, now)
        elif await uow.voice_mutes.get(group.guild_id, user_id, group.id, channel_id, kind=kind) is None:
            continue  # not this meeting's mute (or none at all): nothing of its own to undo
        effects.append(SetMute(group.id, group.guild_id, user_id, stage=meeting.stage))
    return effects


def reconcile_row(row: VoiceMute) -> SetMute:
    """The effect that reconciles one ledger row (with every other row of its kind for the person)."""
    return SetMute(row.group_id, row.guild_id, row.user_id, stage=row.kind == STAGE)


@dataclass(frozen=True)
class MuteTarget:
    """What the applier should make of someone's server mute, read when it carries a `SetMute` out.

    `owned`: the ledger has a row of theirs (only then is anything done); `theirs`: whether they were muted already
    (by someone else) before the bot came to mute them, None if not known yet; `channels`: the voice channels where a
    meeting wants them muted now. The mute follows them, so it is wanted exactly while they sit in one of these.
    """

    owned: bool
    theirs: bool | None = None
    channels: frozenset[int] = frozenset()


@dataclass(frozen=True)
class StageTarget:
    """What the applier should make of someone's speaker state on one Stage, for one meeting's row.

    `channel_id`: the Stage; `theirs`: their own state there before the bot came to change it (True: in the
    audience), None if not known yet; `suppress`: what that meeting's floor wants (`wants_suppress`); `changed`: the
    bot has changed their state from `theirs`.
    """

    group_id: int
    channel_id: int | None
    theirs: bool | None = None
    suppress: bool | None = None
    changed: bool = False


@dataclass(frozen=True)
class StagePlan:
    """A Stage meeting's instance as the database says now: wanted (the meeting is open) and the one the bot opened."""

    guild_id: int
    channel_id: int
    topic: str
    wanted: bool
    instance_id: int | None


class VoiceFloorService:
    """The ledger as the applier reads and settles it. Each method is one unit of work."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def target(self, guild_id: int, user_id: int) -> MuteTarget:
        """The person's server mute as the ledger and every meeting's floor say now."""
        async with self._uow(write=False) as uow:
            rows = await uow.voice_mutes.of_kind(guild_id, user_id)
            if not rows:
                return MuteTarget(owned=False)
            wanted = [await _wanted_in(uow, row) for row in rows]
            return MuteTarget(True, _theirs(rows), frozenset(channel for channel in wanted if channel is not None))

    async def stage_targets(self, guild_id: int, user_id: int) -> list[StageTarget]:
        """The person's speaker state as each Stage meeting that owns a row of theirs wants it now."""
        async with self._uow(write=False) as uow:
            return [
                StageTarget(row.group_id, row.channel_id, row.theirs, await _stage_wants(uow, row), row.changed)
                for row in await uow.voice_mutes.of_kind(guild_id, user_id, kind=STAGE)
            ]

    async def noted(self, guild_id: int, user_id: int, *, theirs: bool) -> None:
        """Just before the bot first mutes them: whether they were muted already. Written before the mute is made.

        Every row of theirs learns it (the mute is one flag), and a later look (after the bot's own mute) changes
        nothing.
        """
        async with self._uow() as uow:
            rows = await uow.voice_mutes.of_kind(guild_id, user_id, lock=True)
            known = _theirs(rows)
            for row in rows:
                row.theirs = theirs if known is None else known
            await uow.commit()

    async def undone(self, guild_id: int, user_id: int) -> None:
        """The bot's mute is undone (or was never the bot's, or not wanted where they are): rows no meeting wants go.

        A row whose meeting still wants them muted in its channel stays, for when they are there again.
        """
        async with self._uow() as uow:
            for row in await uow.voice_mutes.of_kind(guild_id, user_id, lock=True):
                if await _wanted_in(uow, row) is None:
                    await uow.voice_mutes.remove(row)
            await uow.commit()

    async def stage_noted(
        self, target: StageTarget, guild_id: int, user_id: int, *, theirs: bool, changing: bool
    ) -> None:
        """Just before the bot first changes them on a Stage: their own state there, and whether it is to change."""
        async with self._uow() as uow:
            row = await _stage_row(uow, target, guild_id, user_id)
            if row is not None:
                if row.theirs is None:
                    row.theirs = theirs
                row.changed = row.changed or changing
            await uow.commit()

    async def stage_undone(self, target: StageTarget, guild_id: int, user_id: int) -> None:
        """The bot's change on a Stage is undone (or was never made): the row goes, unless its floor still wants it.

        A row still wanted is kept but forgets the state it knew: this is also how a person who left the Stage is
        settled, and their suppression ended with their call.
        """
        async with self._uow() as uow:
            row = await _stage_row(uow, target, guild_id, user_id)
            if row is not None:
                if await _stage_wants(uow, row) is None:
                    await uow.voice_mutes.remove(row)
                else:
                    row.theirs, row.changed = None, False
            await uow.commit()

    async def stage_plan(self, meeting_id: int) -> StagePlan | None:
        """A Stage meeting's instance as it should be now (None: not a Stage meeting, or gone)."""
        async with self._uow(write=False) as uow:
            meeting = await uow.meetings.get(meeting_id)
            if meeting is None or not meeting.stage or meeting.voice_channel_id is None:
                return None
            group = await uow.groups.by_id(meeting.group_id)
            if group is None:
                return None
            wanted = meeting.status == "open"
            return StagePlan(group.guild_id, meeting.voice_channel_id, group.name, wanted, meeting.stage_instance_id)

    async def stage_opened(self, meeting_id: int, instance_id: int | None) -> None:
        """Remember the Stage instance the bot opened for the meeting (None: it is closed)."""
        async with self._uow() as uow:
            meeting = await uow.meetings.get(meeting_id, lock=True)
            if meeting is not None:
                meeting.stage_instance_id = instance_id
            await uow.commit()


def _theirs(rows: Iterable[VoiceMute]) -> bool | None:
    """What a person's mute rows know of their own mute (they never disagree; a row written later may not know yet)."""
    return next((row.theirs for row in rows if row.theirs is not None), None)


async def _stage_row(uow: UnitOfWork, target: StageTarget, guild_id: int, user_id: int) -> VoiceMute | None:
    """The Stage row a `StageTarget` was read from, locked (None: it went meanwhile)."""
    return await uow.voice_mutes.get(guild_id, user_id, target.group_id, target.channel_id, kind=STAGE, lock=True)


async def _meeting_of(uow: UnitOfWork, row: VoiceMute) -> tuple[Meeting, MeetingState] | None:
    """The row's meeting, if it is under way in the row's voice channel or Stage."""
    meeting = await uow.meetings.open_in(row.group_id)
    if meeting is None or meeting.voice_channel_id is None or meeting.voice_channel_id != row.channel_id:
        return None
    return meeting, from_json(meeting.state)


async def _wanted_in(uow: UnitOfWork, row: VoiceMute) -> int | None:
    """The voice channel where the row's meeting wants the person muted now, or None."""
    found = await _meeting_of(uow, row)
    if found is None or found[0].stage or not wants_mute(found[1], row.user_id):
        return None
    return found[0].voice_channel_id


async def _stage_wants(uow: UnitOfWork, row: VoiceMute) -> bool | None:
    """What the row's Stage meeting wants of the person now (`wants_suppress`), or None if it wants nothing."""
    found = await _meeting_of(uow, row)
    if found is None or not found[0].stage:
        return None
    return wants_suppress(found[1], row.user_id)
