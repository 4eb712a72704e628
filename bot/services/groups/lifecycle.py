"""A group's life as a whole: splitting in two, its settings, and the end of its cycle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.group_notices import Archived, Split, Welcome
from bot.domain.groups import GroupStatus, MembershipStatus, check_split
from bot.services.access import set_access
from bot.services.floor import end_meeting
from bot.services.groups._base import GroupServiceBase
from bot.services.groups._changes import activate, admit, depart
from bot.services.groups._effects import close_request, declined, post
from bot.services.groups._guards import change_status, creating_group, open_group, require_facilitator
from bot.services.groups._views import Actor, GroupKey, GroupView, Outcome, settings_of, store_settings, view_of
from bot.services.reminder_plan import plan_reminders
from bot.services.retention import plan_archived_words
from bot.services.schedule import sync_event
from bot.services.votes._shared import end_cycle


class Lifecycle(GroupServiceBase):
    """Splits, settings and archive."""

    async def complete_split(
        self,
        guild_id: int,
        actor: Actor,
        group_id: int,
        new_group_id: int,
        channels: tuple[int, int | None],
        leaving: Sequence[int],
    ) -> Outcome[GroupView]:
        """Activate the new group made for a split and move the chosen members into it, in one transaction."""
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, group_id)
            require_facilitator(group, actor)
            new = await creating_group(uow, guild_id, new_group_id)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            check_split([membership.user_id for membership in active], leaving, group.min_size)
            activate(new, channels)
            now = self._clock.now()
            for membership in active:
                if membership.user_id in leaving:
                    accepted = membership.rules_accepted_at
                    await depart(uow, group, membership, MembershipStatus.MOVED, None, now)
                    await admit(uow, new, membership.user_id, None, now, rules_accepted_at=accepted)
            uow.emit(
                guild_id, post(group, Split(group.name, new.name)), post(new, Welcome(new.name, new.facilitator_id))
            )
            await uow.commit()
            return Outcome(view_of(new), uow.committed)

    async def update_settings(
        self, guild_id: int, actor: Actor, which: GroupKey, changes: dict[str, Any], channel_id: int | None = None
    ) -> GroupView:
        """Change some settings; the whole set is checked before anything is stored."""
        async with self._uow(write=bool(changes)) as uow:
            group = await open_group(uow, guild_id, which, channel_id=channel_id, lock=bool(changes))
            require_facilitator(group, actor)
            if changes:
                count = await uow.memberships.count_active(group.id)
                store_settings(group, settings_of(group).changed(count, **changes))
                await plan_reminders(uow, group, self._clock.now())  # lead times or quiet hours may have moved
                uow.emit(guild_id)  # nothing to do on Discord, but the command is answered even if its reply is lost
                await uow.commit()
                self.language_changed(group.id, group.language)
            return view_of(group)

    async def archive(self, guild_id: int, actor: Actor, group_id: int) -> Outcome[GroupView]:
        """End the cycle: channels become read-only for everyone, pending join requests are declined."""
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, group_id)
            require_facilitator(group, actor)
            group.status, group.archived_at = GroupStatus.ARCHIVED, self._clock.now()
            await plan_archived_words(uow, group)
            uow.emit(guild_id, *await end_meeting(uow, group, group.archived_at))
            uow.emit(guild_id, *await end_cycle(uow, group, group.archived_at))
            for membership in await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE):
                if membership.user_id != group.facilitator_id:
                    uow.emit(guild_id, set_access(group, membership.user_id, membership))
            for membership in await uow.memberships.with_status(group.id, MembershipStatus.REQUESTED):
                closed = close_request(group, membership, "archived")
                change_status(membership, MembershipStatus.DECLINED)
                uow.emit(guild_id, declined(group, membership.user_id, archived=True), *closed)
            facilitator = await uow.memberships.get(group.id, group.facilitator_id)
            uow.emit(
                guild_id,
                set_access(group, group.facilitator_id, facilitator),
                post(group, Archived(group.name, actor.user_id)),
                *sync_event(group),
            )
            await uow.commit()
            return Outcome(view_of(group), uow.committed)
