"""The meeting: start it, move it on with the facilitator's and members' events, record actions, end it.

Each use case is one unit of work that locks the group, then the meeting, applies the domain's state machine and
stores the state with its effects before anything is announced (`bot.services.floor`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db.models import Action, Contribution, Group, Meeting, RoundNote
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.actions import ACTION_MAX, REPORT_MAX, ActionTextInvalidError
from bot.domain.bids import BidStatus, VoteStatus
from bot.domain.clock import Clock
from bot.domain.effects import DirectNotice, Effect, Notice, SyncStage
from bot.domain.errors import NotEligibleError, UserFacingError
from bot.domain.groups import CrossTalk, GroupStatus, MembershipStatus, VoiceKind
from bot.domain.meeting import (
    Arrive,
    Break,
    Committed,
    Done,
    End,
    Event,
    Extend,
    MeetingRuleError,
    MeetingState,
    Mode,
    Next,
    Pause,
    Phase,
    Resume,
    SetMode,
    Skip,
    Step,
    TimeUp,
    Voted,
    from_json,
    speaker,
    start,
    to_json,
    up_next,
)
from bot.domain.meeting.rounds import corrected, last_to_run, round_to_correct
from bot.domain.meeting_notices import (
    DressRehearsalInput,
    FloorCard,
    NotAQuestion,
    OffTurnReminder,
    OffTurnRemoved,
)
from bot.domain.text import Text, msg
from bot.domain.words import person
from bot.i18n import render
from bot.services.access import set_access
from bot.services.actions import ActionView, views_of
from bot.services.due import DueItem
from bot.services.effects import QueuedEffect
from bot.services.eligibility import require_eligible
from bot.services.floor import MeetingStatus, advance, meeting_of, refresh_card, spend_card, store, timing_of
from bot.services.groups._effects import post
from bot.services.groups._guards import get_group, open_group, require_facilitator
from bot.services.groups._views import Actor, GroupKey, Outcome
from bot.services.voice import STAGE, mute_changes, reconcile_row
from bot.services.votes._shared import open_on_bids, settle, waiting_rounds

FACILITATOR_EVENTS = (Next, Skip, Extend, Pause, Resume, Break, End)
UNSEEN_FOR = timedelta(seconds=1)
"""How long after a press moved the turn on (by Discord's clock) a `/meeting next` counts as sent for the turn
before it: the card takes a moment to show the change, and reading it and sending the command longer."""
LEARNT_MAX = REPORT_MAX


def turn_mark(state: MeetingState) -> str:
    """A short mark of where the meeting stands: phase, round, which turn (every turn its own), held or not.

    A card's Next carries it, so that two presses of one card's Next (or Next racing a Done) move the meeting once;
    the turn's number tells apart two turns of one member in one phase (a raised hand's, then their own).
    """
    where = (
        f"{state.phase.value}:{state.round_index}:{state.queue[:1]}:{len(state.had_turn)}:{state.turn_number}:"
        f"{state.held}"
    )
    return hashlib.blake2s(where.encode(), digest_size=4).hexdigest()


class MeetingNotFoundError(UserFacingError):
    """No meeting under way where one was expected."""


class MeetingUnderWayError(UserFacingError):
    """The group already has a meeting under way."""


class NoVoiceChannelError(UserFacingError):
    """A meeting in voice was asked of a group without a voice channel."""


@dataclass(frozen=True)
class RoundView:
    """A round as the card and the summary show it."""

    holder_id: int
    title: str | None
    mode: Mode
    actions: list[str]
    learnt: str | None
    inputs: list[int]
    passes: list[int]
    said: list[tuple[int, str, str]]
    """What peers said, where it could be read: (author, phase, text), in order."""
    ran: bool
    cut_short: bool = False  # the holder left the group during it


@dataclass(frozen=True)
class CommitDraft:
    """What the holder's actions form opens with: its round, what is recorded, and whether sending is final."""

    round_index: int
    actions: list[str]
    learnt: str
    changing: bool  # the round has ended: the form changes what it recorded
    final: bool  # sending ends the meeting, so nothing can change after it


@dataclass(frozen=True)
class MeetingView:
    """Everything the floor card, `/meeting status`, the summary and the digests show, read fresh."""

    id: int
    group_id: int
    group_name: str
    open: bool
    state: MeetingState
    speaker: int | None
    up_next: int | None
    rounds: list[RoundView]
    speaker_actions: list[ActionView]
    started_at: datetime
    ended_at: datetime | None
    voice_channel_id: int | None = None
    """The voice channel whose floor the meeting keeps by server mute (None: text only)."""
    next_meeting_at: datetime | None = None
    """The group's next scheduled meeting (None: it has no schedule)."""
    stage: bool = False
    """The voice channel is a Stage: the floor is kept by speaker state."""
    guild_id: int = 0
    text_channel_id: int | None = None
    card_message_id: int | None = None
    """The live card's message (None: not posted, or a new one on its way)."""
    vote_card_message_id: int | None = None
    """The message of the meeting's vote card, in the group's channel, once posted."""
    can_arrive: bool = True
    """Some member of the group is not present yet (the card offers Here while so)."""

    @property
    def phase(self) -> Phase:
        """The meeting's phase."""
        return self.state.phase


@dataclass(frozen=True)
class VoicePlace:
    """Where a group's meeting would keep its voice floor: the channel, and whether it is a Stage."""

    channel_id: int
    stage: bool


class MeetingService:
    """Every use case of the meeting. Each method is one unit of work."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def start(
        self, guild_id: int, actor: Actor, which: GroupKey, channel_id: int | None, *, voice: bool = False
    ) -> Outcome[MeetingView]:
        """The facilitator starts a meeting: the card goes up in the opening, taking attendance (Here).

        With `voice`, the floor is kept in the group's voice channel too: by server mute, or on a Stage by speaker
        state, with a Stage instance opened for the meeting (topic: the group's name) and closed at its end.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, which, channel_id=channel_id)
            require_facilitator(group, actor)
            if voice and (group.voice_channel_id is None or group.voice_kind == VoiceKind.NONE):
                raise NoVoiceChannelError(
                    msg(
                        "{group} has no voice or Stage channel the floor can be kept in. "
                        "Start the meeting without voice, or give the group a voice channel first.",
                        group=group.name,
                    )
                )
            if await uow.meetings.open_in(group.id) is not None:
                raise MeetingUnderWayError(
                    msg(
                        "{group} already has a meeting under way. End it with /meeting end before starting another.",
                        group=group.name,
                    )
                )
            held_before = await uow.meetings.count_in(group.id)
            state = start(
                group.facilitator_id,
                present=(),
                rotation=held_before,
                timing=timing_of(group),
                voted=None,  # the vote phase decides, once it knows who is here (`_after`)
                now=now,
            )
            meeting = await uow.meetings.add(
                Meeting(
                    group_id=group.id,
                    status=MeetingStatus.OPEN,
                    number=held_before,
                    state=to_json(state),
                    started_by=actor.user_id,
                    started_at=now,
                    voice_channel_id=group.voice_channel_id if voice else None,
                    stage=voice and group.voice_kind == VoiceKind.STAGE,
                )
            )
            uow.emit(guild_id, post(group, FloorCard(meeting.id)))
            if meeting.stage:
                uow.emit(guild_id, SyncStage(group.id, meeting.id))
                uow.emit(guild_id, *await mute_changes(uow, group, meeting, [group.facilitator_id], now))
            view = await _view(uow, group, meeting)
            await uow.commit()
            return Outcome(view, uow.committed)

    async def voice_place(self, guild_id: int, which: GroupKey, channel_id: int | None) -> VoicePlace | None:
        """The group's voice or Stage channel, where `/meeting start voice:true` would keep the floor (None: none)."""
        async with self._uow(write=False) as uow:
            group = await open_group(uow, guild_id, which, channel_id=channel_id)
            if group.voice_channel_id is None or group.voice_kind == VoiceKind.NONE:
                return None
            return VoicePlace(group.voice_channel_id, stage=group.voice_kind == VoiceKind.STAGE)

    async def act(
        self,
        guild_id: int,
        actor: Actor,
        event: Event,
        *,
        meeting_id: int | None = None,
        which: GroupKey = None,
        channel_id: int | None = None,
        mark: str | None = None,
        command: bool = False,
        sent_at: datetime | None = None,
    ) -> Outcome[MeetingView]:
        """Apply one event from a command or a card button, by `actor`, to the meeting (by id, or the group's).

        `mark` is the `turn_mark` the pressed card was drawn with (or, with `command`, the one `turn_seen` read when
        the command arrived): if the meeting has moved on since, nothing happens. `sent_at` is when the person sent
        it, by Discord's clock (the interaction's own time): a `/meeting next` sent within moments of the press that
        moved the turn on was meant for the turn before, whichever reached the bot first.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            group, meeting = await _open_meeting(uow, guild_id, meeting_id, which, channel_id)
            await _authorise(uow, group, meeting, actor, event)
            state = from_json(meeting.state)
            if mark is not None and mark != turn_mark(state):
                raise MeetingRuleError(_moved_on(state, command=command))
            moved = meeting.turn_moved_at
            if command and isinstance(event, Next) and sent_at and moved and sent_at < moved + UNSEEN_FOR:
                raise MeetingRuleError(_moved_on(state, command=True))
            effects = await advance(uow, group, meeting, event, now)
            if sent_at is not None and turn_mark(from_json(meeting.state)) != turn_mark(state):
                meeting.turn_moved_at = sent_at
            effects += await _after(uow, group, meeting, now)
            uow.emit(guild_id, *effects)
            await uow.commit()
            committed = uow.committed
        # Drawn once the write lock is given back: the next click does not wait for what this one reads.
        async with self._uow(write=False) as uow:
            return Outcome(await _view(uow, group, meeting), committed)

    async def turn_seen(self, guild_id: int, *, which: GroupKey = None, channel_id: int | None = None) -> str | None:
        """The `turn_mark` of the group's meeting as it stands now; None when it has no meeting under way.

        `/meeting next` reads it first, the moment the command reaches the bot, before it answers Discord or waits
        for the group's lock: the turn the facilitator saw when they sent it. A Done sent at the same moment and
        handled first moves the meeting on, and the Next then finds its turn gone instead of ending the next one.
        """
        async with self._uow(write=False) as uow:
            group = await get_group(uow, guild_id, which, channel_id=channel_id)
            found = await uow.meetings.open_in(group.id)
            return None if found is None else turn_mark(from_json(found.state))

    async def commit_actions(
        self,
        guild_id: int,
        user_id: int,
        meeting_id: int,
        actions: list[str],
        learnt: str,
        *,
        round_index: int | None = None,
    ) -> Outcome[MeetingView]:
        """The holder records up to three actions and what they learnt; their round then ends.

        `round_index` is the round the form was opened for (None: a form from before forms carried it). Sent for a
        round that has ended (until the meeting ends), the form replaces what that round recorded.
        """
        cleaned = [" ".join(text.split()) for text in actions if text.strip()]
        learnt = learnt.strip()
        if any(len(text) > ACTION_MAX for text in cleaned):
            raise ActionTextInvalidError(
                msg("An action can be at most {most} characters: shorten it.", most=ACTION_MAX)
            )
        if len(learnt) > LEARNT_MAX:
            raise ActionTextInvalidError(
                msg("What you learnt can be at most {most} characters: shorten it.", most=LEARNT_MAX)
            )
        now = self._clock.now()
        async with self._uow() as uow:
            group, meeting = await _open_meeting(uow, guild_id, meeting_id, None, None)
            await _holder_may_write(uow, group, user_id)
            before = from_json(meeting.state)
            if _committing(before, user_id) and round_index in (None, before.round_index):
                index = before.round_index
                effects = await advance(uow, group, meeting, Committed(user_id, len(cleaned)), now)
            else:
                # A second form (a stale button, the form opened twice): until the meeting ends the holder may
                # change the actions of the round it was opened for; the three-per-round rule holds.
                index = round_to_correct(before, user_id, round_index)
                step = Step(corrected(before, index, len(cleaned)), ())
                effects = await store(uow, group, meeting, before, step, now)
            kept = list(await uow.meetings.actions_of_round(meeting.id, index))
            for action, text in zip(kept, cleaned, strict=False):
                action.text, action.updated_at = text, now
            for action in kept[len(cleaned) :]:
                await uow.meetings.remove_action(action)
            for text in cleaned[len(kept) :]:
                await uow.meetings.add_action(
                    Action(
                        group_id=group.id,
                        meeting_id=meeting.id,
                        round_index=index,
                        owner_id=user_id,
                        text=text,
                        status="open",
                        created_at=now,
                        updated_at=now,
                    )
                )
            if learnt or kept:
                await uow.meetings.put_note(
                    RoundNote(
                        meeting_id=meeting.id, round_index=index, holder_id=user_id, learnt=learnt, written_at=now
                    )
                )
            effects += await _after(uow, group, meeting, now)
            uow.emit(guild_id, *effects)
            view = await _view(uow, group, meeting)
            await uow.commit()
            return Outcome(view, uow.committed)

    async def commit_draft(self, guild_id: int, user_id: int, meeting_id: int) -> CommitDraft:
        """Before the holder's form opens: the round it is for, and what that round recorded if it has ended.

        In their commit step the form is for the round under way (empty; `final` when sending it ends the meeting);
        after it, for their latest ended round, to change until the meeting ends. For anyone else, a
        `MeetingRuleError` says what is true for them.
        """
        async with self._uow(write=False) as uow:
            group, meeting = await _open_meeting(uow, guild_id, meeting_id, None, None)
            await _holder_may_write(uow, group, user_id)
            state = from_json(meeting.state)
            if _committing(state, user_id):
                return CommitDraft(state.round_index, [], "", changing=False, final=last_to_run(state))
            index = round_to_correct(state, user_id)
            note = await uow.meetings.note_of(meeting.id, index)
            texts = [action.text for action in await uow.meetings.actions_of_round(meeting.id, index)]
            return CommitDraft(index, texts, note.learnt if note is not None else "", changing=True, final=False)

    async def dress_rehearsal(
        self, guild_id: int, user_id: int, meeting_id: int, criticism: str, positives: list[str]
    ) -> Outcome[MeetingView]:
        """A peer's Dress Rehearsal input through its form: posted for them, and their turn ends."""
        texts = [" ".join(text.split()) for text in (criticism, *positives)]
        if len(texts) != 4 or not all(texts):
            raise ActionTextInvalidError(
                msg("Give one constructive criticism and three positive statements: all four.")
            )
        now = self._clock.now()
        async with self._uow() as uow:
            group, meeting = await _open_meeting(uow, guild_id, meeting_id, None, None)
            state = from_json(meeting.state)
            current = state.round
            if state.phase is not Phase.INPUT or current is None or current.mode is not Mode.DRESS_REHEARSAL:
                raise MeetingRuleError(msg("This form is for input in a Dress Rehearsal round."))
            effects = await advance(uow, group, meeting, Done(user_id), now)
            notice = DressRehearsalInput(user_id, texts[0], (texts[1], texts[2], texts[3]))
            # Kept as the holder's digest shows it later, in the words of the group's language.
            kept = render(
                msg(
                    "Criticism: {criticism} / Positives: {first}; {second}; {third}",
                    criticism=texts[0],
                    first=texts[1],
                    second=texts[2],
                    third=texts[3],
                ),
                group.language,
            )
            await uow.meetings.add_contribution(
                Contribution(
                    meeting_id=meeting.id,
                    round_index=state.round_index,
                    phase=Phase.INPUT.value,
                    author_id=user_id,
                    text=kept,
                    posted_at=now,
                )
            )
            uow.emit(guild_id, post(group, notice), *effects, *await _after(uow, group, meeting, now))
            view = await _view(uow, group, meeting)
            await uow.commit()
            return Outcome(view, uow.committed)

    async def view(
        self,
        guild_id: int,
        user_id: int,
        *,
        meeting_id: int | None = None,
        which: GroupKey = None,
        channel_id: int | None = None,
    ) -> MeetingView:
        """The meeting as a member sees it (`/meeting status`)."""
        async with self._uow(write=False) as uow:
            if meeting_id is None:
                group = await get_group(uow, guild_id, which, channel_id=channel_id)
                found = await uow.meetings.open_in(group.id)
                if found is None:
                    raise MeetingNotFoundError(msg("{group} has no meeting under way.", group=group.name))
                meeting = found
            else:
                by_id = await uow.meetings.get(meeting_id)
                owner = await uow.groups.get(guild_id, by_id.group_id) if by_id is not None else None
                if by_id is None or owner is None:
                    raise MeetingNotFoundError(msg("That meeting does not exist in this server."))
                group, meeting = owner, by_id
            if user_id != group.facilitator_id:
                await require_eligible(uow, group, user_id, doing=msg("follow the meeting"))
            return await _view(uow, group, meeting)

    async def drawn(self, meeting_id: int) -> MeetingView | None:
        """The meeting as its card, summary and digests draw it now (None if it is gone)."""
        async with self._uow(write=False) as uow:
            meeting = await uow.meetings.get(meeting_id)
            group = await uow.groups.by_id(meeting.group_id) if meeting is not None else None
            if meeting is None or group is None:
                return None
            return await _view(uow, group, meeting)

    async def redraw_card(self, group_id: int) -> list[QueuedEffect]:
        """Draw the card of the group's meeting under way again (something it shows changed outside the database)."""
        async with self._uow() as uow:
            meeting = await uow.meetings.open_in(group_id)
            group = await uow.groups.by_id(group_id) if meeting is not None else None
            if meeting is None or group is None:
                return []
            uow.emit(group.guild_id, *refresh_card(group, meeting))
            await uow.commit()
            return uow.committed

    async def card_gone(self, meeting_id: int, message_id: int) -> list[QueuedEffect]:
        """The card of a meeting under way was deleted (by anyone): it is posted anew, once, and its buttons with it."""
        async with self._uow() as uow:
            group, meeting = await _locked(uow, meeting_id)
            if group is None or meeting is None or meeting.status != MeetingStatus.OPEN:
                return []  # the meeting has ended
            if meeting.card_message_id != message_id:
                return []  # the card is already back
            meeting.card_message_id = None
            uow.emit(group.guild_id, post(group, FloorCard(meeting.id)))
            await uow.commit()
            return uow.committed

    async def card_deleted(self, guild_id: int, channel_id: int, message_id: int) -> list[QueuedEffect]:
        """A message was deleted in a channel: if it was the card of the group's meeting under way, it comes back."""
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_channel(guild_id, channel_id)
            meeting = await uow.meetings.open_in(group.id) if group is not None else None
            if meeting is None or meeting.card_message_id != message_id:
                return []
            meeting_id = meeting.id
        return await self.card_gone(meeting_id, message_id)

    async def record_card(
        self, meeting_id: int, message_id: int, drawn: MeetingState | None = None
    ) -> list[QueuedEffect]:
        """Remember the card's message so that it is kept up to date; of two cards, the older is spent.

        `drawn` is the state the card was drawn from: when the meeting has not moved since, the card needs no second
        drawing (a hand-over stays at four calls); otherwise, or not known, it is drawn again at once.
        """
        async with self._uow() as uow:
            group, meeting = await _locked(uow, meeting_id)
            if group is None or meeting is None:
                return []
            current = meeting.card_message_id
            if current is not None and current > message_id:
                # A later card is already recorded (two hand-overs in a moment): this older one keeps no buttons.
                uow.emit(group.guild_id, *spend_card(group, meeting, message_id))
            else:
                if current is not None and current != message_id:
                    uow.emit(group.guild_id, *spend_card(group, meeting, current))
                meeting.card_message_id = message_id
                if drawn is None or from_json(meeting.state) != drawn or meeting.status != MeetingStatus.OPEN:
                    uow.emit(group.guild_id, *refresh_card(group, meeting))
            await uow.commit()
            return uow.committed

    async def on_due(self, item: DueItem) -> list[QueuedEffect]:
        """Due work: a turn's warning, a turn's end or a break's end; a stale one changes nothing."""
        async with self._uow() as uow:
            found = await uow.meetings.get(meeting_of(item.key.subject))
            locked = await uow.groups.get(item.guild_id, found.group_id, lock=True) if found is not None else None
            meeting = await uow.meetings.get(found.id, lock=True) if found is not None else None
            if locked is None or meeting is None or meeting.status != MeetingStatus.OPEN:
                return []
            if locked.status == GroupStatus.ARCHIVED or locked.channel_lost_at is not None:
                return []  # an archived group's meeting has ended; a lost channel's waits for /group repair
            group = locked
            now = self._clock.now()
            effects = await advance(uow, group, meeting, TimeUp(item.key.due_at), now)
            uow.emit(item.guild_id, *effects, *await _after(uow, group, meeting, now))
            await uow.commit()
            return uow.committed

    async def check_post(self, guild_id: int, channel_id: int, author_id: int, text: str | None) -> PostCheck:
        """A post in a group's channel: one made out of turn is handled as the group's cross-talk setting says.

        `text` is None without the message-content intent. The speaker's post in a clarify phase, or in a
        Questioning round's input, that is not a question gets a gentle private reminder (when it can be read).
        """
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_channel(guild_id, channel_id)
            meeting = await uow.meetings.open_in(group.id) if group is not None else None
            if group is None or meeting is None:
                return PostCheck(False, [])
            state = from_json(meeting.state)
            membership = await uow.memberships.get(group.id, author_id)
        member = membership is not None and membership.status == MembershipStatus.ACTIVE
        holder = speaker(state)
        if holder is None or author_id == group.facilitator_id:
            return PostCheck(False, [])
        notice: Notice | None = None
        remove = False
        keep = False
        if author_id == holder:
            questions_only = state.phase is Phase.CLARIFY or (
                state.phase is Phase.INPUT and state.round is not None and state.round.mode is Mode.QUESTIONING
            )
            if questions_only and text is not None and "?" not in text:
                notice = NotAQuestion(group.name)
            # What a peer says in the holder's round goes into the holder's digest, where it can be read.
            keep = bool(text) and state.phase in (Phase.CLARIFY, Phase.INPUT)
        elif group.crosstalk in (CrossTalk.LOCK, CrossTalk.DELETE):
            remove, notice = True, OffTurnRemoved(group.name, holder, text, member=member)
        elif group.crosstalk == CrossTalk.REMIND:
            notice = OffTurnReminder(group.name, holder, member=member)
        if notice is None and not keep:
            return PostCheck(remove, [])
        async with self._uow() as uow:
            if keep and text:
                await uow.meetings.add_contribution(
                    Contribution(
                        meeting_id=meeting.id,
                        round_index=state.round_index,
                        phase=state.phase.value,
                        author_id=author_id,
                        text=text,  # whole: with Nitro a post can hold 4,000 characters
                        posted_at=self._clock.now(),
                    )
                )
            if notice is not None:
                uow.emit(guild_id, DirectNotice(group.id, author_id, notice))
            await uow.commit()
            return PostCheck(remove, uow.committed)

    async def resume(self, guild_ids: list[int]) -> list[QueuedEffect]:
        """At start-up: every meeting under way gets its floor set again from the database, and its card redrawn."""
        async with self._uow() as uow:
            for meeting, group in await uow.meetings.open_in_guilds(guild_ids):
                state = from_json(meeting.state)
                for user_id in state.present:
                    membership = await uow.memberships.get(group.id, user_id)
                    if group.text_channel_id is not None:
                        uow.emit(group.guild_id, set_access(group, user_id, membership))
                uow.emit(group.guild_id, *refresh_card(group, meeting))
            await _reconcile_voice(uow, guild_ids, self._clock.now())
            await uow.commit()
            return uow.committed

    async def recheck_voice(self, guild_ids: list[int]) -> list[QueuedEffect]:
        """After a gateway re-identify: every mute, Stage state and Stage instance the bot owns is reconciled again.

        Discord sent every voice state afresh in the new GUILD_CREATE; what changed while the bot was away is caught up.
        """
        async with self._uow() as uow:
            await _reconcile_voice(uow, guild_ids, self._clock.now())
            await uow.commit()
            return uow.committed

    async def joined_voice(self, guild_id: int, user_id: int, channel_id: int) -> list[QueuedEffect]:
        """Someone joined (or moved to) a voice channel of the guild.

        A mute the bot owns is reconciled (one it could not undo while they were away is undone now). Joining the
        voice channel of a meeting under way counts as pressing Here for a member who may take part; a listener is
        muted on arrival.
        """
        now = self._clock.now()
        async with self._uow(write=False) as uow:
            # Most joins anywhere in a server concern no meeting and no mute: they never take the single writer.
            concerned = bool(await uow.voice_mutes.of_person(guild_id, user_id))
            concerned = concerned or await uow.meetings.open_in_voice(guild_id, channel_id) is not None
        if not concerned:
            return []
        async with self._uow() as uow:
            for row in await uow.voice_mutes.of_person(guild_id, user_id):
                uow.emit(guild_id, reconcile_row(row))
            found = await uow.meetings.open_in_voice(guild_id, channel_id)
            group = await uow.groups.get(guild_id, found.group_id, lock=True) if found is not None else None
            meeting = await uow.meetings.get(found.id, lock=True) if found is not None else None
            if group is not None and meeting is not None and meeting.status == MeetingStatus.OPEN:
                uow.emit(guild_id, *await self._arrived_by_voice(uow, group, meeting, user_id, now))
            await uow.commit()
            return uow.committed

    async def left_voice(self, guild_id: int, user_id: int) -> list[QueuedEffect]:
        """Someone left (or moved from) a voice channel: a Stage state the bot keeps for them is reconciled.

        Their speaker state ended with their call, so the ledger forgets it; a server mute outlives the call and
        waits for them to join again.
        """
        async with self._uow(write=False) as uow:
            if not await uow.voice_mutes.of_kind(guild_id, user_id, kind=STAGE):
                return []
        async with self._uow() as uow:
            for row in await uow.voice_mutes.of_kind(guild_id, user_id, kind=STAGE):
                uow.emit(guild_id, reconcile_row(row))
            await uow.commit()
            return uow.committed

    @staticmethod
    async def _arrived_by_voice(
        uow: UnitOfWork, group: Group, meeting: Meeting, user_id: int, now: datetime
    ) -> list[Effect]:
        state = from_json(meeting.state)
        if user_id == state.facilitator_id:
            return await mute_changes(uow, group, meeting, [user_id], now) if meeting.stage else []
        if user_id in state.present:
            return await mute_changes(uow, group, meeting, [user_id], now)
        try:
            await require_eligible(uow, group, user_id, doing=msg("take part in the meeting"))
        except NotEligibleError:
            return []  # a visitor in the channel: the bot leaves them be
        return await advance(uow, group, meeting, Arrive(user_id), now)


async def _reconcile_voice(uow: UnitOfWork, guild_ids: list[int], now: datetime) -> None:
    """Every meeting's voice floor set again, every ledger row reconciled, every Stage instance brought into line."""
    for meeting, group in await uow.meetings.open_in_guilds(guild_ids):
        state = from_json(meeting.state)
        everyone = dict.fromkeys((state.facilitator_id, *state.present))
        uow.emit(group.guild_id, *await mute_changes(uow, group, meeting, everyone, now))
    # Every row the bot owns is reconciled: one whose meeting is no longer running is undone.
    for row in await uow.voice_mutes.in_guilds(guild_ids):
        uow.emit(row.guild_id, reconcile_row(row))
    # A Stage instance opened for a meeting is opened (if a crash came first) or closed (if the meeting ended).
    for meeting, group in await uow.meetings.on_stage(guild_ids):
        uow.emit(group.guild_id, SyncStage(group.id, meeting.id))


def _moved_on(state: MeetingState, *, command: bool) -> Text:
    """Why a Next meant for a turn that has ended changed nothing, in the words of how it was sent."""
    if not command:
        return msg(
            "The meeting moved on while you pressed that, so nothing changed: look at the card and press again if "
            "you still mean it."
        )
    holder = speaker(state)
    if holder is None:
        return msg(
            "The turn had already moved on when your /meeting next arrived, so nothing changed. Send it again "
            "if you mean to move on from here."
        )
    return msg(
        "The turn had already moved on when your /meeting next arrived, so nothing changed. {speaker} has the floor "
        "now. Send it again if you mean to move on from here.",
        speaker=person(holder),
    )


@dataclass(frozen=True)
class PostCheck:
    """What to do with a post in a meeting's channel: leave it, remove it (and tell its author), or remind them."""

    remove: bool
    effects: list[QueuedEffect]


async def _open_meeting(
    uow: UnitOfWork, guild_id: int, meeting_id: int | None, which: GroupKey, channel_id: int | None
) -> tuple[Group, Meeting]:
    """The meeting under way, locked after its group (by id from a card, or the group's from a command)."""
    if meeting_id is not None:
        found = await uow.meetings.get(meeting_id)
        if found is None:
            raise MeetingNotFoundError(msg("That meeting does not exist in this server."))
        group = await open_group(uow, guild_id, found.group_id)
    else:
        group = await open_group(uow, guild_id, which, channel_id=channel_id)
        found = await uow.meetings.open_in(group.id)
        if found is None:
            raise MeetingNotFoundError(
                msg(
                    "{group} has no meeting under way. The facilitator starts one with /meeting start.",
                    group=group.name,
                )
            )
    meeting = await uow.meetings.get(found.id, lock=True)
    if meeting is None or meeting.status != MeetingStatus.OPEN:
        raise MeetingNotFoundError(msg("That meeting has ended. Its summary is in the group's channel."))
    return group, meeting


async def _authorise(uow: UnitOfWork, group: Group, meeting: Meeting, actor: Actor, event: Event) -> None:
    """The facilitator's events need the facilitator; a member's own events need a member who accepted the rules."""
    if isinstance(event, FACILITATOR_EVENTS):
        require_facilitator(group, actor)
        return
    if isinstance(event, SetMode):
        state = from_json(meeting.state)
        # The mode applies to the current round until its input starts, then to the next round: its holder, and
        # only its holder (or the facilitator), chooses it.
        own_round = state.round is not None and state.phase in (Phase.PRESENT, Phase.CLARIFY)
        if not own_round or state.round is None or actor.user_id != state.round.holder_id:
            require_facilitator(group, actor)
        return
    user_id = getattr(event, "user_id", None)
    if user_id != actor.user_id:
        raise MeetingRuleError(msg("You can only do that for yourself."))
    if actor.user_id != group.facilitator_id:
        await require_eligible(uow, group, actor.user_id, doing=msg("take part in the meeting"))


async def _after(uow: UnitOfWork, group: Group, meeting: Meeting, now: datetime) -> list[Effect]:
    """What the meeting needs once it has moved: entering the vote opens one (or adopts the one already open)."""
    state = from_json(meeting.state)
    if state.phase is not Phase.VOTE or meeting.vote_id is not None:
        return []
    # Rounds a vote chose earlier go first if their holders are here. When the group voted for this meeting (since
    # the last one ended), that vote chose its rounds; rounds carried from before take seats and the vote fills the
    # rest. A chosen round whose holder is away waits for a meeting they come to, and takes no seat.
    carried = await waiting_rounds(uow, group, present=state)
    seats = group.rounds_per_meeting - len(carried)
    vote = await uow.votes.open_in(group.id)
    if carried and vote is None and (seats <= 0 or await _voted_for_this_meeting(uow, group)):
        return await advance(uow, group, meeting, Voted(tuple(carried)), now)
    effects: list[Effect] = []
    if vote is None:
        vote, effects = await open_on_bids(uow, group, state.facilitator_id, now, seats=seats, closes_at=None)
    if vote is None:
        # Nothing (more) to vote on: the rounds carried over, if any (then no need to say so); the meeting goes on.
        return (effects if not carried else []) + await advance(uow, group, meeting, Voted(tuple(carried)), now)
    meeting.vote_id = vote.id
    if vote.status == VoteStatus.OPEN:
        effects += await settle(uow, group, vote, now)
    return effects


async def _locked(uow: UnitOfWork, meeting_id: int) -> tuple[Group | None, Meeting | None]:
    """A meeting and its group, locked as every writer locks them: the group first, then the meeting."""
    found = await uow.meetings.get(meeting_id)
    group = await uow.groups.by_id(found.group_id) if found is not None else None
    if group is None:
        return None, None
    await uow.groups.get(group.guild_id, group.id, lock=True)
    return group, await uow.meetings.get(meeting_id, lock=True)


def _committing(state: MeetingState, user_id: int) -> bool:
    """Whether `user_id` is the holder in their round's commit step just now."""
    current = state.round
    return state.phase is Phase.COMMIT and current is not None and current.holder_id == user_id


async def _holder_may_write(uow: UnitOfWork, group: Group, user_id: int) -> None:
    """A holder records or changes their actions only while a member (the facilitator may hold a round too)."""
    if user_id != group.facilitator_id:
        await require_eligible(uow, group, user_id, doing=msg("record actions"))


async def _voted_for_this_meeting(uow: UnitOfWork, group: Group) -> bool:
    """Whether a vote that closed since the group's last meeting ended chose bids still waiting for their round."""
    since = await uow.meetings.last_ended(group.id)
    for bid in await uow.bids.in_status(group.id, BidStatus.CHOSEN):
        vote = await uow.votes.get(bid.chosen_by_vote_id) if bid.chosen_by_vote_id is not None else None
        if vote is not None and vote.closed_at is not None and (since is None or vote.closed_at > since):
            return True
    return False


async def _view(uow: UnitOfWork, group: Group, meeting: Meeting) -> MeetingView:
    state = from_json(meeting.state)
    rounds = []
    for index, round_ in enumerate(state.rounds):
        bid = await uow.bids.get(round_.bid_id) if round_.bid_id is not None else None
        note = await uow.meetings.note_of(meeting.id, index)
        actions = [action.text for action in await uow.meetings.actions_of_round(meeting.id, index)]
        said = [(c.author_id, c.phase, c.text) for c in await uow.meetings.contributions_of_round(meeting.id, index)]
        rounds.append(
            RoundView(
                holder_id=round_.holder_id,
                title=bid.title if bid is not None else None,
                mode=round_.mode,
                actions=actions,
                learnt=note.learnt if note is not None else None,
                inputs=list(round_.inputs),
                passes=list(round_.passes),
                said=said,
                ran=round_.ran,
                cut_short=round_.cut_short,
            )
        )
    holder = speaker(state)
    speaker_actions: list[ActionView] = []
    if state.phase is Phase.CATCH_UP and holder is not None:
        speaker_actions = await _from_last_time(uow, group, meeting, holder)
    return MeetingView(
        id=meeting.id,
        group_id=group.id,
        group_name=group.name,
        open=meeting.status == MeetingStatus.OPEN,
        state=state,
        speaker=holder,
        up_next=up_next(state),
        rounds=rounds,
        speaker_actions=speaker_actions,
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        voice_channel_id=meeting.voice_channel_id,
        next_meeting_at=group.next_meeting_at if group.schedule is not None else None,
        stage=meeting.stage,
        guild_id=group.guild_id,
        text_channel_id=group.text_channel_id,
        card_message_id=meeting.card_message_id,
        vote_card_message_id=await _vote_card(uow, meeting),
        can_arrive=any(
            membership.user_id not in state.present
            for membership in await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            if membership.user_id != state.facilitator_id
        ),
    )


async def _vote_card(uow: UnitOfWork, meeting: Meeting) -> int | None:
    """The message of the meeting's vote card, once it is posted."""
    vote = await uow.votes.get(meeting.vote_id) if meeting.vote_id is not None else None
    return None if vote is None else vote.card_message_id


async def _from_last_time(uow: UnitOfWork, group: Group, meeting: Meeting, holder: int) -> list[ActionView]:
    """The catch-up speaker's actions from before this meeting, each with its reports, oldest first.

    Those still to do, and those reported on since the last meeting (done or dropped in between).
    """
    since = await uow.meetings.last_ended(group.id)
    owned = [a for a in await uow.actions.of_owners(group.id, [holder]) if a.meeting_id != meeting.id]
    views = await views_of(uow, owned, {group.id: group})
    return [
        view
        for view in views
        if view.status.still_to_do or any(since is None or report.at > since for report in view.reports)
    ]
