"""The only place that carries out queued effects on Discord; each effect is safe to carry out twice, in any order."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, assert_never

import discord

from bot.domain.due import FIRST_RETRY
from bot.domain.effects import (
    Answer,
    DirectNotice,
    Notice,
    Notify,
    SetAccess,
    SetMute,
    SyncMeetingEvent,
    SyncStage,
)
from bot.services.due import DueItem
from bot.services.effects import EffectService, QueuedEffect, effect_of
from bot.services.voice import VoiceFloorService
from bot.ui.discord_clock import DiscordClock
from bot.ui.effects.answers import Answers
from bot.ui.effects.base import Kit, LanguageOf, LiveRenderer, Post, Renderer, Renderers, Turns
from bot.ui.effects.direct import DirectMessages
from bot.ui.effects.edits import Edits
from bot.ui.effects.events import EventMade, EventPlanOf, ScheduledEvents
from bot.ui.effects.mutes import Mutes
from bot.ui.effects.overwrites import AccessOf, OverwriteOf, Overwrites
from bot.ui.effects.posts import Posted, Posts
from bot.ui.effects.stage_instance import StageInstances
from bot.ui.effects.suppress import Suppress
from bot.ui.pacing import Pacer

__all__ = ["EffectApplier", "Post", "Progress", "Turns"]

log = logging.getLogger(__name__)

Wake = Callable[[datetime | None], None]
KEEP_RESULTS = 60.0
"""Seconds a carried-out batch's result waits for the command that committed it to ask."""
LagChanged = Callable[[int], Coroutine[Any, Any, None]]
"""Told a group's id when its voice floor starts or stops lagging (to redraw its card)."""


FLOOR_RETRY = timedelta(seconds=2)
"""A failed access change (the floor a meeting waits on) is tried again after 2 s, doubling: seconds, not a minute."""


class FloorPendingError(Exception):
    """A group's live notice waits: an access change of the group failed and is being tried again."""


@dataclass(frozen=True)
class Progress:
    """How far a command's effects got: those that failed, and whether some were still being carried out."""

    failed: list[QueuedEffect]
    pending: bool = False


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
        discord_clock: DiscordClock | None = None,
        language_of: LanguageOf | None = None,
    ) -> None:
        self._effects = effects
        self._renderers = Renderers(language_of)
        kit = Kit(client, pacer or Pacer(), Turns(), self._renderers, discord_clock)
        self._overwrites = Overwrites(kit, access_of)
        self._mutes = Mutes(kit, mutes, self._late_is)
        self._suppress = Suppress(kit, mutes, self._late_is)
        self._stage_instances = StageInstances(kit, mutes)
        self._posts = Posts(kit, effects)
        self._edits = Edits(kit)
        self._direct = DirectMessages(kit, effects)
        self._answers = Answers(kit)
        self._events = ScheduledEvents(kit)
        self._inflight: dict[tuple[int, ...], asyncio.Task[list[QueuedEffect]]] = {}
        self._attached = False
        self._wake: Wake = lambda at: None
        # Whose voice edit is late, by group: waiting longer than LAG_AFTER, or failed and waiting to be retried.
        self._late: defaultdict[int, set[int]] = defaultdict(set)
        self._lag_changed: LagChanged | None = None
        self._lag_tasks: set[asyncio.Task[None]] = set()
        # A group's live notices (its card, the ping) held while one of its overwrites failed and is tried again.
        self._held: defaultdict[int, list[QueuedEffect]] = defaultdict(list)

    def render_with(self, kinds: Iterable[type[Notice]], renderer: Renderer) -> None:
        """Register how a feature's notices look; each kind has exactly one renderer."""
        self._renderers.add(kinds, renderer)

    def render_live(self, kinds: Iterable[type[Notice]], renderer: LiveRenderer) -> None:
        """Register notices drawn fresh from the database when carried out, such as a card kept up to date.

        Edits of one post are made one at a time, and an edit that finds a later one waiting leaves the drawing to
        it: however late or out of order the effects are carried out, the post never goes back to an older state.
        """
        self._renderers.add_live(kinds, renderer)

    def when_posted(self, kind: type[Notice], remember: Posted) -> None:
        """Have `remember(effect, message_id)` called once a notice of this kind is posted (to edit it later)."""
        self._posts.when_posted(kind, remember)

    def when_gone(self, kind: type[Notice], hook: Posted) -> None:
        """Have `hook(effect, message_id)` called when an edit finds a notice of this kind deleted (to post it anew)."""
        self._edits.when_gone(kind, hook)

    def events_with(self, plan_of: EventPlanOf, made: EventMade) -> None:
        """Where meeting events are drawn from when carried out, and where the event made is remembered."""
        self._events.drawn_from(plan_of, made)

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
        others: list[QueuedEffect] = []
        for item in queued:
            if isinstance(item.effect, Answer) and not answers:
                continue
            if not self._owned(item):
                others.append(item)
                continue
            (done if await self._apply_one(item) else failed).append(item)
        await self._effects.done([item.id for item in done])
        for item in others:
            log.info(
                "effect left to the process that owns its guild",
                extra={"effect_id": item.id, "guild_id": item.guild_id, "kind": type(item.effect).__name__},
            )
        return failed

    def _owned(self, item: QueuedEffect) -> bool:
        """Whether this process may carry the effect out: its guild is one of this process's shards'.

        An answer is the exception: it replies to an interaction this process received (a click in a direct message
        reaches shard 0 whatever the group's guild), and only the interaction's token is needed. Any other effect was
        stored held by nobody and its owner woken (see `UnitOfWork`): nothing is left to free here.
        """
        return isinstance(item.effect, Answer) or self._effects.shards.owns(item.guild_id)

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

    async def _floor_carried_out(self, effect: SetAccess) -> None:
        """An access change went through: once none of the group's is failing, what waited for it goes at once."""
        if not self._overwrites.unsettled(effect.group_id) and effect.group_id in self._held:
            await self.apply(self._held.pop(effect.group_id))

    async def _apply_one(self, item: QueuedEffect) -> bool:
        effect = item.effect
        try:
            if (
                isinstance(effect, Notify)
                and self._renderers.is_live(effect.notice)
                and self._overwrites.unsettled(effect.group_id)
            ):
                raise FloorPendingError  # the card (or the ping) would name someone Discord does not let post yet
            match effect:
                case SetAccess():
                    await self._overwrites.apply(effect)
                case SetMute(stage=True):
                    await self._suppress.apply(effect)
                case SetMute():
                    await self._mutes.apply(effect)
                case Notify(edit_message_id=int() as message_id):
                    await self._edits.apply(effect, message_id)
                case Notify():
                    await self._posts.apply(effect, item)
                case DirectNotice():
                    await self._direct.apply(effect, item)
                case Answer():
                    await self._answers.apply(effect)
                case SyncMeetingEvent():
                    await self._events.apply(effect)
                case SyncStage():
                    await self._stage_instances.apply(effect)
                case _:
                    assert_never(effect)
            if isinstance(effect, SetMute):
                self._late_is(effect.group_id, effect.user_id, late=False)  # carried out: nothing of theirs is late
            if isinstance(effect, SetAccess):
                await self._floor_carried_out(effect)
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
            if isinstance(exc, FloorPendingError) and isinstance(effect, Notify):
                self._held[effect.group_id].append(item)
            urgent = isinstance(effect, SetAccess) or isinstance(exc, FloorPendingError)
            again = await self._effects.failed(item, FLOOR_RETRY if urgent else FIRST_RETRY)
            if isinstance(effect, SetAccess) and again is None:
                # Given up: the group's card no longer waits for it (what waited is tried again as due work).
                self._overwrites.give_up(effect.group_id, effect.user_id)
                self._held.pop(effect.group_id, None)
            self._wake(again)
            return False
        return True

    def forget_written(self) -> None:
        """Forget every overwrite this process wrote (after a re-identify, channel updates may have been missed)."""
        self._overwrites.forget()

    def overwrites_seen(self, channel_id: int, overwrite_of: OverwriteOf) -> None:
        """Discord showed a channel's overwrites (a channel update): forget what no longer matches them."""
        self._overwrites.seen(channel_id, overwrite_of)
