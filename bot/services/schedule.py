"""A group's meeting schedule as stored: the next meeting its rule gives, and the Discord event that shows it.

Functions over a stored group, so that group set-up and the meeting's end share them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.db.models import Group
from bot.domain.cadence import Cadence, describe, from_dict, next_after, to_dict
from bot.domain.effects import Effect, EventPlan, MeetingEvent, SyncMeetingEvent
from bot.domain.groups import GroupStatus, VoiceKind
from bot.domain.text import msg

MEETING_LENGTH = timedelta(hours=2)
"""How long a meeting's Discord event says it lasts (Discord requires an end for an event outside a voice channel)."""


def cadence_of(group: Group) -> Cadence | None:
    """The group's stored cadence, if it has a schedule."""
    return from_dict(group.schedule) if group.schedule is not None else None


def store_schedule(group: Group, cadence: Cadence | None, now: datetime) -> list[Effect]:
    """Keep the rule (not an offset) and the next meeting after `now`; the group's event follows."""
    group.schedule = None if cadence is None else to_dict(cadence)
    group.next_meeting_at = None if cadence is None else next_after(cadence, now)
    return sync_event(group)


def advance_schedule(group: Group, now: datetime) -> list[Effect]:
    """A meeting ended: the next one is the rule's next after now, and its event replaces the one of the meeting held.

    A meeting held off the schedule, before the next scheduled one, leaves that meeting and its event as they are.
    """
    cadence = cadence_of(group)
    following = next_after(cadence, now) if cadence is not None else None
    if cadence is None or following == group.next_meeting_at:
        return []
    retired, group.event_id = group.event_id, None
    group.next_meeting_at = following
    return [SyncMeetingEvent(group.id, retired)]


def sync_event(group: Group) -> list[Effect]:
    """Bring the group's event into line (nothing for a group that has neither a schedule nor an event)."""
    if group.schedule is None and group.event_id is None:
        return []
    return [SyncMeetingEvent(group.id)]


def event_plan(group: Group, now: datetime) -> EventPlan:
    """The event the group should have now: its next meeting's, or none (no schedule, archived, nothing to come).

    Its name and description are in the language being read when it is drawn: the applier draws it in the group's.
    """
    cadence = cadence_of(group)
    start = group.next_meeting_at
    if cadence is not None and (start is None or start <= now):
        start = next_after(cadence, now)  # the meeting day passed without /meeting end: the rule's next one
    if cadence is None or start is None or group.status != GroupStatus.ACTIVE or group.text_channel_id is None:
        return EventPlan(group.guild_id, group.event_id, None)
    voice = group.voice_channel_id if group.voice_kind != VoiceKind.NONE else None
    wanted = MeetingEvent(
        name=str(msg("{group} meeting", group=group.name))[:100],
        description=str(
            msg(
                "{schedule}. Only members of {group} can join the meeting.",
                schedule=describe(cadence),
                group=group.name,
            )
        )[:1000],
        start=start,
        end=start + MEETING_LENGTH,
        text_channel_id=group.text_channel_id,
        voice_channel_id=voice,
        stage=voice is not None and group.voice_kind == VoiceKind.STAGE,
    )
    return EventPlan(group.guild_id, group.event_id, wanted)
