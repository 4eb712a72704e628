"""Actions between meetings: a member sets one for themselves, lists theirs or a fellow member's, and reports back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.models import Action, ActionReport, Group
from bot.db.uow import UnitOfWork, UnitOfWorkFactory
from bot.domain.actions import (
    ActionNotFoundError,
    ActionStatus,
    Report,
    action_text,
    repeats,
    report_of,
)
from bot.domain.clock import Clock
from bot.domain.groups import GroupStatus
from bot.domain.meeting import MeetingRuleError, from_json
from bot.domain.text import msg
from bot.services.eligibility import require_eligible
from bot.services.groups._guards import open_group
from bot.services.groups._views import GroupKey, Outcome

RECENT = 10
"""Actions no longer to do that a list still shows, newest first."""
CHOICES = 25
"""Discord's autocomplete offers at most this many."""


@dataclass(frozen=True)
class ActionView:
    """An action as its owner and fellow members see it, with its reports, oldest first."""

    id: int
    group_id: int
    group_name: str
    owner_id: int
    text: str
    status: ActionStatus
    created_at: datetime
    from_meeting: bool
    reports: list[Report]


class ActionService:
    """Each use case is one method and one unit of work."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def add(
        self, guild_id: int, user_id: int, text: str, which: GroupKey = None, channel_id: int | None = None
    ) -> Outcome[ActionView]:
        """A member sets themselves an action between meetings (in a round, the holder records theirs in the form)."""
        cleaned = action_text(text)
        now = self._clock.now()
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, which, channel_id=channel_id)
            await require_eligible(uow, group, user_id, doing=msg("set an action"))  # words: the refusal takes them
            await _not_a_holder_in_the_meeting(uow, group, user_id)
            action = Action(
                group_id=group.id,
                meeting_id=None,
                round_index=None,
                owner_id=user_id,
                text=cleaned,
                status=ActionStatus.OPEN.value,
                created_at=now,
                updated_at=now,
            )
            await uow.meetings.add_action(action)
            uow.emit(guild_id)
            await uow.commit()
            return Outcome(_view(action, group, []), uow.committed)

    async def listing(self, guild_id: int, viewer_id: int, owner_id: int | None = None) -> list[ActionView]:
        """The owner's actions still to do and the most recent others, in groups the viewer shares with them."""
        owner_id = viewer_id if owner_id is None else owner_id
        async with self._uow(write=False) as uow:
            groups = await _shared(uow, guild_id, viewer_id, owner_id)
            if not groups:
                return []
            actions = await uow.actions.of_owner(owner_id, list(groups))
            views = await views_of(uow, actions, groups)
        to_do = [view for view in views if view.status.still_to_do]
        others = [view for view in views if not view.status.still_to_do][:RECENT]
        return [*reversed(to_do), *others]

    async def choices(self, guild_id: int, user_id: int, typed: str) -> list[tuple[int, str]]:
        """The member's own actions matching what they typed, still to do first: (id, label) for autocomplete."""
        views = await self.listing(guild_id, user_id)
        wanted = typed.casefold().strip()
        found = [view for view in views if wanted in view.text.casefold() or wanted in view.group_name.casefold()]
        return [(view.id, f"{view.text[:60]} ({view.status.label}, {view.group_name})"[:100]) for view in found][
            :CHOICES
        ]

    async def to_report(self, guild_id: int, user_id: int, group_id: int) -> list[ActionView]:
        """The member's actions in one group that the catch-up still asks about, oldest first."""
        return [
            view
            for view in await self.listing(guild_id, user_id)
            if view.status.still_to_do and view.group_id == group_id
        ]

    async def mine(self, guild_id: int | None, user_id: int, action_id: int) -> ActionView:
        """One of the member's own actions (to report on): refused when it is not theirs or not in this server."""
        async with self._uow(write=False) as uow:
            action, group = await _own(uow, guild_id, user_id, action_id)
            return (await views_of(uow, [action], {group.id: group}))[0]

    async def report(
        self, guild_id: int | None, user_id: int, action_id: int, status: str, happened: str, learnt: str
    ) -> Outcome[ActionView]:
        """The owner says how the action went; the same report sent twice in a row is recorded once."""
        report = report_of(status, happened, learnt, self._clock.now())
        async with self._uow() as uow:
            action, group = await _own(uow, guild_id, user_id, action_id, lock=True)
            earlier = [_report(row) for row in await uow.actions.reports_of([action.id])]
            if not repeats(report, earlier[-1] if earlier else None):
                await uow.actions.add_report(
                    ActionReport(
                        action_id=action.id,
                        status=report.status.value,
                        happened=report.happened,
                        learnt=report.learnt,
                        reported_at=report.at,
                    )
                )
                action.status, action.updated_at = report.status.value, report.at
                earlier.append(report)
            uow.emit(group.guild_id)
            await uow.commit()
            return Outcome(_view(action, group, earlier), uow.committed)


async def _shared(uow: UnitOfWork, guild_id: int, viewer_id: int, owner_id: int) -> dict[int, Group]:
    """Groups of this server that both belong to (all of the owner's when they are the same person), by id."""
    owners = {group.id: group for group in await uow.groups.of_person(guild_id, owner_id)}
    if viewer_id == owner_id:
        return owners
    viewers = {group.id for group in await uow.groups.of_person(guild_id, viewer_id)}
    return {group_id: group for group_id, group in owners.items() if group_id in viewers}


async def _own(
    uow: UnitOfWork, guild_id: int | None, user_id: int, action_id: int, *, lock: bool = False
) -> tuple[Action, Group]:
    """One of the person's own actions; `guild_id` None for a press in a direct message (the owner alone counts)."""
    action = await uow.actions.get(action_id, lock=lock)
    group = None
    if action is not None:
        group = await (
            uow.groups.by_id(action.group_id) if guild_id is None else uow.groups.get(guild_id, action.group_id)
        )
    if action is None or group is None or action.owner_id != user_id:
        raise ActionNotFoundError(msg("That is not one of your actions here. Pick one from the list as you type."))
    if group.status != GroupStatus.ACTIVE:
        raise ActionNotFoundError(
            msg("{group} has been archived, so its actions can no longer be reported on.", group=group.name)
        )
    return action, group


async def views_of(uow: UnitOfWork, actions: Sequence[Action], groups: dict[int, Group]) -> list[ActionView]:
    """The actions as members see them, each with its reports (`groups` holds each action's group by id)."""
    reports: dict[int, list[Report]] = {}
    for row in await uow.actions.reports_of([action.id for action in actions]):
        reports.setdefault(row.action_id, []).append(_report(row))
    return [_view(action, groups[action.group_id], reports.get(action.id, [])) for action in actions]


def _report(row: ActionReport) -> Report:
    return Report(ActionStatus(row.status), row.happened, row.learnt, row.reported_at)


def _view(action: Action, group: Group, reports: list[Report]) -> ActionView:
    return ActionView(
        id=action.id,
        group_id=group.id,
        group_name=group.name,
        owner_id=action.owner_id,
        text=action.text,
        status=ActionStatus(action.status),
        created_at=action.created_at,
        from_meeting=action.meeting_id is not None,
        reports=list(reports),
    )


async def _not_a_holder_in_the_meeting(uow: UnitOfWork, group: Group, user_id: int) -> None:
    """A round's actions are its holder's three, recorded in the meeting: no fourth by /action add while it lasts."""
    meeting = await uow.meetings.open_in(group.id)
    state = from_json(meeting.state) if meeting is not None else None
    # Their round has run, or is still to come with them here (one they missed waits for another meeting).
    if state is None or not any(
        item.holder_id == user_id and (item.ran or (index >= state.round_index and user_id in state.present))
        for index, item in enumerate(state.rounds)
    ):
        return
    raise MeetingRuleError(
        msg(
            "You hold a round in the meeting of {group} under way: its actions (up to three) are the ones you "
            "record with {button}, and you can change them until the meeting ends. Add other actions with "
            "/action add after the meeting.",
            group=group.name,
            button=msg("Record my actions"),  # the card's button, in the same words as the card
        )
    )
