"""The only place that carries out queued effects on Discord; each effect is safe to carry out twice, in any order."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import io
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Hashable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, assert_never

import discord

from bot.domain.effects import (
    Answer,
    DirectNotice,
    EventPlan,
    MeetingEvent,
    Notice,
    Notify,
    SetAccess,
    SetMute,
    SyncMeetingEvent,
    SyncStage,
)
from bot.domain.groups import Access
from bot.services.due import DueItem
from bot.services.effects import EffectService, QueuedEffect, effect_of
from bot.services.voice import STAGE, MuteTarget, VoiceFloorService
from bot.ui.access import overwrite_for
from bot.ui.pacing import Pacer

log = logging.getLogger(__name__)

MEMBER_OVERWRITE: Literal[1] = 1
UNKNOWN_OVERWRITE = 10009
UNKNOWN_CHANNEL = 10003
CANNOT_DM = 50007
UNKNOWN_MESSAGE = 10008
NOT_IN_VOICE = 40032
UNKNOWN_VOICE_STATE = 10065
UNKNOWN_STAGE_INSTANCE = 10067
STAGE_ALREADY_OPEN = 150006
STAGE_GUILD_ONLY = 2  # a Stage instance's privacy level: members of the server only
UNKNOWN_EVENT = 10070
GUILD_ONLY = 2  # a scheduled event's only privacy level
EVENT_STAGE, EVENT_VOICE, EVENT_EXTERNAL = 1, 2, 3
TOKEN_LIFETIME = timedelta(minutes=15)
LOST_ANSWER = "I could not answer you at the time (I may have restarted), but your {command} went through."


@dataclass(frozen=True)
class Post:
    """A rendered notice: what to send, with whom it may ping."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)
    attachment: tuple[str, str] | None = None  # (file name, text): the whole of what the content had to cut short


Renderer = Callable[[Notice], Post]
LiveRenderer = Callable[[Notice], Awaitable[Post | None]]
"""Draws a notice from the database as it is when carried out (None: its subject is gone, nothing to post)."""
Posted = Callable[[Notify, int], Awaitable[None]]
AccessOf = Callable[[int, int], Awaitable[Access | None]]
Wake = Callable[[datetime | None], None]
EventPlanOf = Callable[[int], Awaitable[EventPlan | None]]
"""What a group's Discord scheduled event should be, drawn from the database when carried out (None: group gone)."""
EventMade = Callable[[int, int | None], Awaitable[None]]
"""Remember the group's scheduled event id (None: it was deleted)."""
OverwriteOf = Callable[[int], tuple[discord.Permissions, discord.Permissions]]
"""A member's overwrite in a channel as Discord last showed it, as (allow, deny); both empty when there is none."""
KEEP_RESULTS = 60.0
"""Seconds a carried-out batch's result waits for the command that committed it to ask."""
LAG_AFTER = 1.0
"""Seconds a voice edit may take (waiting for room, or discord.py retrying a 429 or 5xx) before the floor lags."""
LagChanged = Callable[[int], Coroutine[Any, Any, None]]
"""Told a group's id when its voice floor starts or stops lagging (to redraw its card)."""


@dataclass(frozen=True)
class Progress:
    """How far a command's effects got: those that failed, and whether some were still being carried out."""

    failed: list[QueuedEffect]
    pending: bool = False


class Turns:
    """One at a time per key, in order; whoever gets a turn learns whether anyone is still waiting behind them.

    Effects that are drawn from the database when carried out (access, a live card) need only the last turn:
    three hand-overs in a second become one change on Discord, never every step in between.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: defaultdict[Hashable, int] = defaultdict(int)

    @asynccontextmanager
    async def take(self, key: Hashable) -> AsyncIterator[bool]:
        """Wait for the key's turn; yields True when nobody is waiting behind (this turn is the last so far)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] += 1
        counted = True
        try:
            async with lock:
                self._waiting[key] -= 1
                counted = False
                yield self._waiting[key] == 0
        finally:
            if counted:
                self._waiting[key] -= 1
            if self._waiting[key] == 0 and not lock.locked():
                self._waiting.pop(key, None)
                self._locks.pop(key, None)

    def behind(self, key: Hashable) -> bool:
        """Whether anyone is waiting for the key's next turn (asked while holding a turn)."""
        return self._waiting.get(key, 0) > 0


class EffectApplier:
    """The one place that carries out effects.

    Woken after each commit, it marks each effect done, and a failure becomes due work that tries it again later.
    An effect is held under a lease while it is carried out, so nothing is carried out twice at once.
    """

    def __init__(
        self,
        client: discord.Client,
        effects: EffectService,
        access_of: AccessOf,
        pacer: Pacer | None = None,
        mutes: VoiceFloorService | None = None,
    ) -> None:
        self._client = client
        self._mutes = mutes
        self._pacer = pacer or Pacer()
        # What this process last wrote to each (channel, member) overwrite, as (allow, deny), None for deleted: a
        # write that would change nothing is not sent. Forgotten when Discord shows something else (`overwrites_seen`).
        self._written: defaultdict[int, dict[int, tuple[int, int] | None]] = defaultdict(dict)
        self._effects = effects
        self._access_of = access_of
        self._renderers: dict[type[Notice], Renderer] = {}
        self._live: dict[type[Notice], LiveRenderer] = {}
        self._turns = Turns()
        self._posted: dict[type[Notice], Posted] = {}
        self._inflight: dict[tuple[int, ...], asyncio.Task[list[QueuedEffect]]] = {}
        self._attached = False
        self._wake: Wake = lambda at: None
        self._events: tuple[EventPlanOf, EventMade] | None = None
        # Whose voice edit is late, by group: waiting longer than LAG_AFTER, or failed and waiting to be retried.
        self._late: defaultdict[int, set[int]] = defaultdict(set)
        self._lag_changed: LagChanged | None = None
        self._lag_tasks: set[asyncio.Task[None]] = set()

    def render_with(self, kinds: Iterable[type[Notice]], renderer: Renderer) -> None:
        """Register how a feature's notices look; each kind has exactly one renderer."""
        for kind in kinds:
            if kind in self._renderers or kind in self._live:
                raise ValueError(f"notice {kind.__qualname__} already has a renderer")
            self._renderers[kind] = renderer

    def render_live(self, kinds: Iterable[type[Notice]], renderer: LiveRenderer) -> None:
        """Register notices drawn fresh from the database when carried out, such as a card kept up to date.

        Edits of one post are made one at a time, and an edit that finds a later one waiting leaves the drawing to
        it: however late or out of order the effects are carried out, the post never goes back to an older state.
        """
        for kind in kinds:
            if kind in self._renderers or kind in self._live:
                raise ValueError(f"notice {kind.__qualname__} already has a renderer")
            self._live[kind] = renderer

    def when_posted(self, kind: type[Notice], remember: Posted) -> None:
        """Have `remember(effect, message_id)` called once a notice of this kind is posted (to edit it later)."""
        if kind in self._posted:
            raise ValueError(f"notice {kind.__qualname__} already has a listener")
        self._posted[kind] = remember

    def events_with(self, plan_of: EventPlanOf, made: EventMade) -> None:
        """Where meeting events are drawn from when carried out, and where the event made is remembered."""
        self._events = (plan_of, made)

    def when_voice_lags(self, changed: LagChanged) -> None:
        """Have `changed(group_id)` called when a group's voice floor starts or stops lagging."""
        self._lag_changed = changed

    def voice_lagging(self, group_id: int) -> bool:
        """Whether a voice edit of the group's floor is late: held back by Discord's limits, or failed and retried."""
        return bool(self._late.get(group_id))

    def _late_is(self, group_id: int, user_id: int, *, late: bool) -> None:
        late_ones = self._late[group_id]
        was = bool(late_ones)
        (late_ones.add if late else late_ones.discard)(user_id)
        now = bool(late_ones)
        if not now:
            del self._late[group_id]
        if was != now and self._lag_changed is not None:
            task = asyncio.get_running_loop().create_task(self._lag_changed(group_id), context=contextvars.Context())
            self._lag_tasks.add(task)
            task.add_done_callback(self._lag_tasks.discard)

    def wake_for_retries(self, wake: Wake) -> None:
        """Who to tell when a failed effect falls due again (the due-work runtime)."""
        self._wake = wake

    def attach(self) -> None:
        """From now on, every committed batch reaches `submit`; commands only wait for theirs."""
        self._attached = True

    def submit(self, queued: list[QueuedEffect]) -> None:
        """A unit of work committed these effects: start carrying them out now."""
        key = tuple(item.id for item in queued)
        # A context of its own: the batch answers no interaction, even if a decision it leads to commits.
        task = asyncio.get_running_loop().create_task(self.apply(queued), context=contextvars.Context())
        self._inflight[key] = task
        task.add_done_callback(lambda _: asyncio.get_running_loop().call_later(KEEP_RESULTS, self._forget, key))

    def _forget(self, key: tuple[int, ...]) -> None:
        self._inflight.pop(key, None)

    async def carried_out(self, queued: Sequence[QueuedEffect]) -> list[QueuedEffect]:
        """Wait until the effects a command committed are carried out; returns those that failed."""
        key = tuple(item.id for item in queued)
        task = self._inflight.pop(key, None)
        if task is not None:
            return await task
        return [] if self._attached and queued else await self.apply(queued)

    async def carried_out_within(self, queued: Sequence[QueuedEffect], patience: float) -> Progress:
        """Like `carried_out`, but a command's reply waits at most `patience` seconds for Discord's pacing.

        The effects go on being carried out after that; the reply says they will follow.
        """
        task = asyncio.ensure_future(self.carried_out(queued))
        try:
            return Progress(await asyncio.wait_for(asyncio.shield(task), patience))
        except TimeoutError:
            return Progress([], pending=True)

    async def apply(self, queued: Sequence[QueuedEffect], *, answers: bool = False) -> list[QueuedEffect]:
        """Carry out the effects; returns those that failed (they are tried again later, as due work).

        A command's `Answer` is left queued unless `answers`: the command replies itself, and the reply settles it.
        """
        done: list[QueuedEffect] = []
        failed: list[QueuedEffect] = []
        for item in queued:
            if isinstance(item.effect, Answer) and not answers:
                continue
            (done if await self._apply_one(item) else failed).append(item)
        await self._effects.done([item.id for item in done])
        return failed

    async def replay(self, guild_ids: Sequence[int], started_at: datetime) -> int:
        """At start-up: carry out what an earlier (killed) process queued and did not finish; returns how many."""
        claimed = await self._effects.claim(guild_ids, created_before=started_at)
        failed = await self.apply(claimed, answers=True)
        return len(claimed) - len(failed)

    async def sweep(self, guild_ids: Sequence[int]) -> int:
        """Safety net: carry out what nobody holds any more (a lease ran out: a reply refused, a write that failed).

        A batch this process is still carrying out is left to it, however long Discord's pacing has made it take.
        """
        busy = [effect_id for key, task in self._inflight.items() if not task.done() for effect_id in key]
        claimed = await self._effects.claim(guild_ids, excluding=busy)
        failed = await self.apply(claimed, answers=True)
        return len(claimed) - len(failed)

    async def retry(self, item: DueItem) -> None:
        """Due work: try a failed effect again, if nobody holds it meanwhile (its failure schedules the next try)."""
        claimed = await self._effects.claim([item.guild_id], effect_ids=[effect_of(item.key.subject)])
        await self.apply(claimed, answers=True)

    async def _apply_one(self, item: QueuedEffect) -> bool:
        effect = item.effect
        try:
            match effect:
                case SetAccess():
                    await self._set_access(effect)
                case SetMute(stage=True):
                    await self._set_stage(effect)
                case SetMute():
                    await self._set_mute(effect)
                case Notify():
                    await self._post(effect, item.id)
                case DirectNotice():
                    await self._direct(effect, item.id)
                case Answer():
                    await self._answer(effect, item.created_at)
                case SyncMeetingEvent():
                    await self._sync_event(effect)
                case SyncStage():
                    await self._sync_stage(effect)
                case _:
                    assert_never(effect)
            if isinstance(effect, SetMute):
                self._late_is(effect.group_id, effect.user_id, late=False)  # carried out: nothing of theirs is late
        except Exception as exc:  # one effect's failure (HTTP, rate limit, network) must not stop the others
            if isinstance(effect, SetMute):
                self._late_is(effect.group_id, effect.user_id, late=True)  # until a later edit of theirs goes through
            log.warning(
                "effect failed",
                extra={
                    "effect_id": item.id,
                    "guild_id": item.guild_id,
                    "group_id": effect.group_id,
                    "error": type(exc).__name__,
                    "status": getattr(exc, "status", None),
                    "code": getattr(exc, "code", None),
                },
            )
            self._wake(await self._effects.failed(item))
            return False
        return True

    async def _set_access(self, effect: SetAccess) -> None:
        # The effect says whose access to bring into line, not what it was when queued: the database decides now,
        # so an older effect retried after a newer one can never give back access that was taken away.
        async with self._turns.take(("access", effect.group_id, effect.user_id)) as last:
            if not last:
                return  # a later effect for this person is waiting: only the final floor is carried out
            access = await self._access_of(effect.group_id, effect.user_id)
            targets: list[tuple[int, bool]] = [(effect.text_channel_id, False)]
            if effect.voice_channel_id is not None:
                targets.append((effect.voice_channel_id, True))
            for channel_id, voice in targets:
                async with self._pacer.slot("overwrite", channel_id) as slot:
                    if slot.waited:  # held back by the channel's limit: the floor may have moved on meanwhile
                        access = await self._access_of(effect.group_id, effect.user_id)
                    if access is None:
                        slot.unused()
                        return
                    if not await self._put_overwrite(channel_id, effect.user_id, overwrite_for(access, voice=voice)):
                        slot.unused()

    async def _set_mute(self, effect: SetMute) -> None:
        # Like access, the ledger and the floor decide when this is carried out; only the ledger's mutes are undone.
        async with self._turns.take(("mute", effect.guild_id, effect.user_id)) as last:
            if not last or self._mutes is None:
                return  # a later effect for this person is waiting: it reconciles them as things are then
            target = await self._mutes.target(effect.guild_id, effect.user_id)
            voice = self._voice_of(effect.guild_id, effect.user_id)
            if not target.owned or voice is None or voice.channel is None:
                return  # not the bot's mute, or not in voice: a mute waits for them to join, an unmute for a rejoin
            if target.channel_id == voice.channel.id:
                if target.theirs is None:
                    # Written before the mute is made: a mute already there (a moderator's) is never the bot's to undo.
                    await self._mutes.noted(effect.guild_id, effect.user_id, theirs=voice.mute)
                    if voice.mute:
                        return
                elif target.theirs:
                    return
                await self._edit_mute(effect, mute=True)
                return
            if target.theirs is False and not await self._edit_mute(effect, mute=False):
                return  # they left voice meanwhile: the row stays, and the mute is undone when they next join
            await self._mutes.undone(effect.guild_id, effect.user_id)

    def _voice_of(self, guild_id: int, user_id: int) -> discord.VoiceState | None:
        guild = self._client.get_guild(guild_id)
        member = guild.get_member(user_id) if guild is not None else None
        return member.voice if member is not None else None

    async def _set_stage(self, effect: SetMute) -> None:
        """Bring someone's Stage state into line with the floor, or back to their own (`wants_suppress`).

        Their own state is written to the ledger before the bot first changes it; an undo restores it only if the
        bot did change it and it is not already so, so a state someone else made is never undone.
        """
        key = (STAGE, effect.guild_id, effect.user_id)
        async with self._turns.take(key) as last:
            if not last or self._mutes is None:
                return
            target = await self._mutes.target(effect.guild_id, effect.user_id, kind=STAGE)
            if not target.owned:
                return
            voice = self._voice_of(effect.guild_id, effect.user_id)
            if voice is None or voice.channel is None or voice.channel.id != target.channel_id:
                # Not on the meeting's Stage: their speaker state there ended with their call (a rejoin is audience).
                if target.suppress is None or target.theirs is not None or target.changed:
                    await self._mutes.undone(effect.guild_id, effect.user_id, kind=STAGE)
                return
            wanted = self._stage_wanted(target, suppressed=voice.suppress)
            if target.suppress is not None:
                changing = wanted is not None
                if target.theirs is None or changing:
                    await self._mutes.noted(
                        effect.guild_id, effect.user_id, theirs=voice.suppress, kind=STAGE, changing=changing
                    )
                if wanted is not None:
                    await self._edit_suppress(effect, voice.channel.id, suppress=wanted)
                return
            if wanted is not None and not await self._edit_suppress(effect, voice.channel.id, suppress=wanted):
                return
            await self._mutes.undone(effect.guild_id, effect.user_id, kind=STAGE)

    @staticmethod
    def _stage_wanted(target: MuteTarget, *, suppressed: bool) -> bool | None:
        """The suppress to send, or None when nothing is to change: the floor's wish, else their own state back."""
        if target.suppress is not None:
            return target.suppress if suppressed != target.suppress else None
        if target.changed and target.theirs is not None and suppressed != target.theirs:
            return target.theirs
        return None

    async def _edit_mute(self, effect: SetMute, *, mute: bool) -> bool:
        """Server-mute or unmute, within the guild's member-edit limit; False if not made (not in voice: 40032)."""
        http = self._client.http
        edit = functools.partial(
            http.edit_member, effect.guild_id, effect.user_id, mute=mute, reason="Setkeeper: the floor"
        )
        return await self._voice_edit(effect, "member_edit", effect.guild_id, edit, NOT_IN_VOICE)

    async def _edit_suppress(self, effect: SetMute, channel_id: int, *, suppress: bool) -> bool:
        """Move someone to a Stage's audience or on stage; False if not made (no longer on the Stage)."""
        body = {"channel_id": channel_id, "suppress": suppress}
        edit = functools.partial(self._client.http.edit_voice_state, effect.guild_id, effect.user_id, body)
        return await self._voice_edit(effect, "voice_state", 0, edit, UNKNOWN_VOICE_STATE)

    async def _voice_edit(
        self, effect: SetMute, kind: str, scope: Hashable, edit: Callable[[], Awaitable[Any]], gone: int
    ) -> bool:
        """One voice edit within its limit; False if not made (the person is gone from voice: Discord's `gone`).

        An edit that had to wait for room is dropped when a later effect for the person came meanwhile: the floor
        moved on, and that effect decides (the ledger row stays until the change is undone). One that takes longer
        than LAG_AFTER (held back here, or retried by discord.py after a 429 or 5xx) makes the floor lag until an
        effect for the person is carried out; one that fails keeps it lagging until then (`_apply_one`).
        """
        key = (STAGE if effect.stage else "mute", effect.guild_id, effect.user_id)
        late = asyncio.get_running_loop().call_later(
            LAG_AFTER, functools.partial(self._late_is, effect.group_id, effect.user_id, late=True)
        )
        try:
            async with self._pacer.slot(kind, scope) as slot:
                if slot.waited and self._turns.behind(key):
                    slot.unused()
                    return False
                try:
                    await edit()
                except discord.HTTPException as exc:
                    if exc.code == gone:
                        return False
                    raise
        finally:
            late.cancel()
        return True

    async def _sync_stage(self, effect: SyncStage) -> None:
        """Open the meeting's Stage instance while it runs and close it after, as the database says now.

        Only an instance the bot opened is closed. One found already open with the group's name as its topic is
        taken as the bot's own (opened just before a crash, before it could be remembered); any other is left be.
        """
        if self._mutes is None:
            return
        async with self._turns.take(("stage_instance", effect.meeting_id)) as last:
            plan = await self._mutes.stage_plan(effect.meeting_id) if last else None
            if plan is None:
                return
            http = self._client.http
            reason = "Setkeeper: the meeting"
            if plan.wanted and plan.instance_id is None:
                try:
                    made = await http.create_stage_instance(
                        channel_id=plan.channel_id,
                        topic=plan.topic[:120],
                        privacy_level=STAGE_GUILD_ONLY,
                        reason=reason,
                    )
                except discord.HTTPException as exc:
                    if exc.code != STAGE_ALREADY_OPEN:
                        raise
                    made = await http.get_stage_instance(plan.channel_id)
                    if made["topic"] != plan.topic[:120]:
                        return  # someone else's Stage: the meeting runs without an instance of its own
                await self._mutes.stage_opened(effect.meeting_id, int(made["id"]))
            elif not plan.wanted and plan.instance_id is not None:
                try:
                    found = await http.get_stage_instance(plan.channel_id)
                    if int(found["id"]) == plan.instance_id:
                        await http.delete_stage_instance(plan.channel_id, reason=reason)
                except discord.NotFound as exc:
                    if exc.code not in (UNKNOWN_STAGE_INSTANCE, UNKNOWN_CHANNEL):
                        raise
                await self._mutes.stage_opened(effect.meeting_id, None)

    async def _put_overwrite(
        self, channel_id: int, user_id: int, overwrite: discord.PermissionOverwrite | None
    ) -> bool:
        """Write the member's overwrite unless this process already did; returns whether a call was made."""
        wanted = None if overwrite is None else (overwrite.pair()[0].value, overwrite.pair()[1].value)
        written = self._written[channel_id]
        if user_id in written and written[user_id] == wanted:
            return False
        written.pop(user_id, None)  # unknown until Discord answers
        http = self._client.http
        if overwrite is None:
            await self._ignore_missing(http.delete_channel_permissions(channel_id, user_id, reason="Setkeeper: access"))
        else:
            allow, deny = overwrite.pair()
            await http.edit_channel_permissions(
                channel_id, user_id, str(allow.value), str(deny.value), MEMBER_OVERWRITE, reason="Setkeeper: access"
            )
        written[user_id] = wanted
        return True

    def forget_written(self) -> None:
        """Forget every overwrite this process wrote (after a re-identify, channel updates may have been missed)."""
        self._written.clear()

    def overwrites_seen(self, channel_id: int, overwrite_of: OverwriteOf) -> None:
        """Discord showed a channel's overwrites (a channel update): forget what no longer matches them.

        Someone else (a moderator, another process) may have changed an overwrite: the next write is then sent
        whatever this process wrote last. A late echo of an older write of ours only costs one write. Only the
        members this process wrote for are looked up: resolving every overwrite of a busy channel costs more.
        """
        written = self._written.get(channel_id, {})
        for user_id in list(written):
            allow, deny = overwrite_of(user_id)
            seen = (allow.value, deny.value)
            if seen != (written[user_id] or (0, 0)):  # no overwrite at all reads as an empty one
                del written[user_id]

    async def _post(self, effect: Notify, effect_id: int) -> None:
        channel = self._client.get_partial_messageable(effect.channel_id)
        if effect.edit_message_id is not None:
            await self._edit(channel.get_partial_message(effect.edit_message_id), effect.notice)
            return
        post = await self._render(effect.notice)
        if post is None:
            return
        # The nonce lets Discord drop a repost of the same notice (a retry after a crash) for a few minutes.
        async with self._pacer.slot("message_create", effect.channel_id):
            message = await self._send(channel, post, nonce=f"setkeeper-{effect_id}")
        remember = self._posted.get(type(effect.notice))
        if remember is not None:
            await remember(effect, message.id)

    async def _edit(self, message: discord.PartialMessage, notice: Notice) -> None:
        live = type(notice) in self._live
        key = ("edit", message.id)
        async with self._turns.take(key) as last:
            if live and not last:
                return  # a later edit of this post is waiting, and it draws the post as it is then
            async with self._pacer.slot("message_edit", message.channel.id) as slot:
                if live and self._turns.behind(key):
                    slot.unused()  # a later edit came while this one waited for room: it draws the post
                    return
                post = await self._render(notice)
                if post is None:
                    slot.unused()
                    return
                await self._rewrite(message, post)

    async def _sync_event(self, effect: SyncMeetingEvent) -> None:
        """Make, move or delete the group's one scheduled event, as the database says now.

        The event made is remembered as soon as Discord answers, and a remembered event is moved, never made again,
        so carrying this out twice (or an old effect after a newer one) leaves one event at the latest meeting.
        """
        if self._events is None:
            raise RuntimeError("no reader registered for meeting events")
        plan_of, made = self._events
        reason = "Setkeeper: schedule"
        async with self._turns.take(("event", effect.group_id)) as last:
            plan = await plan_of(effect.group_id) if last or effect.retire_event_id is not None else None
            if plan is None:
                return
            http = self._client.http
            if effect.retire_event_id is not None and effect.retire_event_id != plan.event_id:
                # The meeting held: its event goes (deleting twice is harmless), the next meeting gets its own.
                await self._ignore_missing(
                    http.delete_scheduled_event(plan.guild_id, effect.retire_event_id, reason=reason)
                )
            if not last:
                return  # a later change of this group's schedule is waiting, and it draws the event as it is then
            if plan.wanted is None:
                if plan.event_id is not None:
                    await self._ignore_missing(http.delete_scheduled_event(plan.guild_id, plan.event_id, reason=reason))
                    await made(effect.group_id, None)
                return
            fields = self._event_fields(plan.wanted)
            if plan.event_id is not None:
                try:
                    await http.edit_scheduled_event(plan.guild_id, plan.event_id, reason=reason, **fields)
                    return
                except discord.NotFound as exc:
                    if exc.code != UNKNOWN_EVENT:
                        raise
                    # Deleted by someone on Discord: the meeting still needs its event, so a new one is made.
            event = await http.create_guild_scheduled_event(plan.guild_id, reason=reason, **fields)
            await made(effect.group_id, int(event["id"]))

    def _event_fields(self, wanted: MeetingEvent) -> dict[str, Any]:
        """The event's fields: in the group's voice or Stage channel, else "external" at its text channel."""
        fields: dict[str, Any] = {
            "name": wanted.name,
            "description": wanted.description,
            "privacy_level": GUILD_ONLY,
            "scheduled_start_time": wanted.start.isoformat(),
            "scheduled_end_time": wanted.end.isoformat(),
        }
        if wanted.voice_channel_id is not None:
            kind = EVENT_STAGE if wanted.stage else EVENT_VOICE
            return {**fields, "entity_type": kind, "channel_id": wanted.voice_channel_id, "entity_metadata": None}
        channel = self._client.get_channel(wanted.text_channel_id)
        location = f"#{channel.name}" if isinstance(channel, discord.abc.GuildChannel) else wanted.name
        return {**fields, "entity_type": EVENT_EXTERNAL, "channel_id": None, "entity_metadata": {"location": location}}

    async def _answer(self, effect: Answer, created_at: datetime | None) -> None:
        """Tell the person what their command did, in the reply it never got; past the token's life, nobody can."""
        application_id = self._client.application_id
        if application_id is None or created_at is None or self._effects.clock.now() - created_at > TOKEN_LIFETIME:
            return
        lines = [LOST_ANSWER.format(command=effect.command)]
        for notice in effect.done:
            post = await self._render(notice)
            if post is not None and post.content:
                lines.append(f"- {post.content}")
        webhook = discord.Webhook.partial(application_id, effect.token, client=self._client)
        try:
            await webhook.edit_message(  # type: ignore[call-overload]
                "@original",  # Discord's name for an interaction's first reply
                content="\n".join(lines)[:2000],
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.NotFound:
            log.info("a lost answer's interaction had expired", extra={"group_id": effect.group_id})

    @staticmethod
    async def _rewrite(message: discord.PartialMessage, post: Post) -> None:
        """Replace a post's text and buttons with the notice's (a notice without buttons takes them away).

        A post deleted meanwhile needs nothing more.
        """
        try:
            await message.edit(content=post.content, embed=post.embed, view=post.view, allowed_mentions=post.mentions)
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_MESSAGE:
                raise

    async def _direct(self, effect: DirectNotice, effect_id: int) -> None:
        """Send the notice by direct message; if the person's DMs are closed, post it in the fallback channel."""
        post = await self._render(effect.notice)
        if post is None:
            return
        nonce = f"setkeeper-{effect_id}"
        try:
            async with self._pacer.admit():
                channel = await self._client.create_dm(discord.Object(effect.user_id))
            await self._send(channel, post, nonce=nonce)
        except discord.Forbidden as exc:
            if exc.code != CANNOT_DM:
                raise
            where = effect.fallback_channel_id
            extra = {"group_id": effect.group_id, "user_id": effect.user_id, "fallback": where is not None}
            log.info("direct message refused", extra=extra)
            if where is None:
                return  # the person does not take direct messages, and the notice is for them alone
            async with self._pacer.slot("message_create", where):
                await self._send(self._client.get_partial_messageable(where), post, nonce=nonce)

    async def _render(self, notice: Notice) -> Post | None:
        live = self._live.get(type(notice))
        if live is not None:
            return await live(notice)
        renderer = self._renderers.get(type(notice))
        if renderer is None:
            raise RuntimeError(f"no renderer registered for notice {type(notice).__qualname__}")
        return renderer(notice)

    async def _send(self, channel: discord.abc.Messageable, post: Post, nonce: str | None = None) -> discord.Message:
        """Post within the bot's global limit (a burst of scheduled posts waits its turn rather than meeting a 429)."""
        options: dict[str, Any] = {"content": post.content, "allowed_mentions": post.mentions}
        if nonce is not None:
            options["nonce"] = nonce
        if post.embed is not None:
            options["embed"] = post.embed
        if post.view is not None:
            options["view"] = post.view
        if post.attachment is not None:
            name, text = post.attachment
            options["file"] = discord.File(io.BytesIO(text.encode()), filename=name)
        async with self._pacer.admit():
            return await channel.send(**options)

    @staticmethod
    async def _ignore_missing(call: Awaitable[Any]) -> None:
        try:
            await call
        except discord.NotFound as exc:
            if exc.code not in (UNKNOWN_OVERWRITE, UNKNOWN_CHANNEL, UNKNOWN_EVENT):
                raise
