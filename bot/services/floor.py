"""The meeting's floor as stored: who may post, and what each change of the meeting implies on Discord.

Group set-up asks it where a member stands (`meeting_floor`), and bids and votes hand it the vote's result; it imports
neither, so that both can import it.
"""

from __future__ import annotations

from datetime import datetime

from bot.db.models import Group, Meeting
from bot.db.uow import UnitOfWork
from bot.domain.bids import BidStatus
from bot.domain.due import DueKey
from bot.domain.effects import DirectNotice, Effect, Notify, SyncStage
from bot.domain.groups import Floor
from bot.domain.meeting import (
    End,
    Event,
    FloorTo,
    Leave,
    MeetingState,
    Phase,
    Step,
    TimeUpNote,
    Timing,
    Warned,
    apply,
    deadlines,
    floor_of,
    from_json,
    to_json,
)
from bot.domain.meeting_notices import FloorCard, MeetingSummary, RoundDigest, SpentCard, TurnOver, TurnWarning
from bot.services.access import set_access
from bot.services.due import schedule_in
from bot.services.reminder_plan import plan_reminders
from bot.services.schedule import advance_schedule
from bot.services.voice import mute_changes

MEETING_DUE = "meeting_due"
"""Due work of a meeting: a turn's warning, its end, a break's end (the domain tells them apart by time)."""


class MeetingStatus:
    """A meeting is open until it closes."""

    OPEN = "open"
    CLOSED = "closed"


async def meeting_floor(uow: UnitOfWork, group_id: int, user_id: int) -> Floor:
    """Where a person stands with the group's floor now (the access every channel change is worked out from)."""
    meeting = await uow.meetings.open_in(group_id)
    if meeting is None:
        return Floor.NO_MEETING
    return floor_of(from_json(meeting.state), user_id)


def timing_of(group: Group) -> Timing:
    """The turn lengths and time-up rule from the group's settings."""
    return Timing(
        present_minutes=group.presentation_minutes, turn_minutes=group.turn_minutes, auto_advance=group.auto_advance
    )


def meeting_subject(meeting: Meeting) -> str:
    """The due-work subject of a meeting's deadlines."""
    return f"meeting:{meeting.id}"


def meeting_of(subject: str) -> int:
    """The meeting a deadline's subject names."""
    return int(subject.removeprefix("meeting:"))


def hand_over_card(group: Group, meeting: Meeting, user_id: int) -> list[Effect]:
    """The floor passes to `user_id`: the card is posted anew as their ping, and the card before it is spent.

    Two calls, as the ping and the card's edit were: the live card stays the newest post in the channel, and the old
    one keeps no buttons. The new card's message is recorded once posted (`MeetingService.record_card`).
    """
    if group.text_channel_id is None:
        return []
    effects: list[Effect] = [Notify(group.id, group.text_channel_id, FloorCard(meeting.id, ping=user_id))]
    if meeting.card_message_id is not None:
        effects += spend_card(group, meeting, meeting.card_message_id)
        meeting.card_message_id = None
    return effects


def spend_card(group: Group, meeting: Meeting, message_id: int) -> list[Effect]:
    """A card the meeting has moved on from: shrunk to a line without buttons."""
    if group.text_channel_id is None:
        return []
    return [Notify(group.id, group.text_channel_id, SpentCard(meeting.id), edit_message_id=message_id)]


def refresh_card(group: Group, meeting: Meeting) -> list[Effect]:
    """Bring the floor card up to date (drawn fresh when carried out); nothing until the card is posted."""
    if meeting.card_message_id is None or group.text_channel_id is None:
        return []
    return [Notify(group.id, group.text_channel_id, FloorCard(meeting.id), edit_message_id=meeting.card_message_id)]


async def advance(uow: UnitOfWork, group: Group, meeting: Meeting, event: Event, now: datetime) -> list[Effect]:
    """Apply one event to a locked meeting and store the result; returns what it implies on Discord."""
    before = from_json(meeting.state)
    return await store(uow, group, meeting, before, apply(before, event, timing=timing_of(group), now=now), now)


async def store(
    uow: UnitOfWork, group: Group, meeting: Meeting, before: MeetingState, step: Step, now: datetime
) -> list[Effect]:
    """Write the meeting's new state before anything is announced; then the floor, the pings, the card, the timers."""
    after = step.state
    if after == before and not step.notes:
        return []  # a stale timer or a repeat: nothing changed, nothing to redraw
    meeting.state = to_json(after)
    effects: list[Effect] = []
    # Only those whose floor changed: a hand-over is two overwrites (and in voice two mutes), never one per member.
    changed = [
        user_id
        for user_id in dict.fromkeys((*before.present, *after.present))
        if floor_of(before, user_id) != floor_of(after, user_id)
    ]
    standing = await uow.memberships.of_users(group.id, changed)
    effects += [set_access(group, user_id, standing.get(user_id)) for user_id in changed]
    handed_to = [note.user_id for note in step.notes if isinstance(note, FloorTo)]
    if handed_to:
        effects += hand_over_card(group, meeting, handed_to[-1])  # one step that passes the floor twice posts once
    for note in step.notes:
        match note:
            case Warned(user_id=user_id):
                effects.append(DirectNotice(group.id, user_id, TurnWarning(group.name)))
            case TimeUpNote(user_id=user_id, advanced=advanced):
                effects.append(DirectNotice(group.id, user_id, TurnOver(group.name, advanced)))
            case _:
                pass  # the card shows everything else
    effects += refresh_card(group, meeting)
    if after.phase is Phase.CLOSED and meeting.status == MeetingStatus.OPEN:
        effects += await _close(uow, group, meeting, now)
    # At the end the facilitator, whose floor may not change, leaves the stage the bot kept them on too.
    ended = [after.facilitator_id] if after.phase is Phase.CLOSED else []
    effects += await mute_changes(uow, group, meeting, dict.fromkeys((*changed, *ended)), now)
    due = [DueKey(meeting_subject(meeting), MEETING_DUE, at) for _, at in deadlines(after)]
    await schedule_in(uow, group.guild_id, *due)
    return effects


async def _close(uow: UnitOfWork, group: Group, meeting: Meeting, now: datetime) -> list[Effect]:
    """The meeting closed: the bids whose rounds ran are heard; the summary and each holder's digest go out.

    A round ran once its holder began presenting (one cut short by the end still gave them the floor); the rest
    wait, chosen, for the next meeting.
    """
    meeting.status, meeting.ended_at = MeetingStatus.CLOSED, now
    state = from_json(meeting.state)
    for round_ in state.rounds:
        if not round_.ran:
            continue
        bid = await uow.bids.get(round_.bid_id) if round_.bid_id is not None else None
        if bid is not None and bid.status == BidStatus.CHOSEN:
            bid.status = BidStatus.HEARD
    effects: list[Effect] = [SyncStage(group.id, meeting.id)] if meeting.stage else []
    if group.text_channel_id is not None:
        effects.append(Notify(group.id, group.text_channel_id, MeetingSummary(meeting.id)))
    effects += [
        DirectNotice(group.id, round_.holder_id, RoundDigest(meeting.id, index))
        for index, round_ in enumerate(state.rounds)
        if round_.ran
    ]
    effects += advance_schedule(group, now)
    await plan_reminders(uow, group, now)  # the next meeting's reminders (or, without a schedule, next month's)
    return effects


async def membership_changed(uow: UnitOfWork, group: Group) -> list[Effect]:
    """Someone joined or left the group: the card of its meeting under way is drawn again (who can still arrive)."""
    meeting = await uow.meetings.open_in(group.id)
    return refresh_card(group, meeting) if meeting is not None else []


async def left_meeting(uow: UnitOfWork, group: Group, user_id: int, now: datetime) -> list[Effect]:
    """Someone left the group: if they were at its meeting, they leave it too (a turn they held moves on)."""
    meeting = await uow.meetings.open_in(group.id, lock=True)
    if meeting is None or user_id not in from_json(meeting.state).present:
        return []
    return await advance(uow, group, meeting, Leave(user_id), now)


async def end_meeting(uow: UnitOfWork, group: Group, now: datetime) -> list[Effect]:
    """The group's cycle ended (archived) mid-meeting: the meeting ends too, with its summary."""
    meeting = await uow.meetings.open_in(group.id, lock=True)
    if meeting is None:
        return []
    return await advance(uow, group, meeting, End(), now)
