"""Finding groups and reading them: what a command names, who may see what, what access someone has now."""

from __future__ import annotations

import time

from bot.domain.errors import NotMemberError
from bot.domain.groups import Access, GroupStatus, MembershipStatus
from bot.domain.text import msg
from bot.services.access import access_of
from bot.services.cycle import read_cycle
from bot.services.groups._base import GroupServiceBase
from bot.services.groups._guards import find_group, get_group, open_group, require_facilitator
from bot.services.groups._views import Actor, GroupInfo, GroupKey, GroupView, MemberView, view_of

DEFAULT_GROUP_LANGUAGE = "en"
LANGUAGE_FRESH_FOR = 30.0
"""Seconds a group's language is taken as read before it is read again (another process may have changed it)."""


class Lookups(GroupServiceBase):
    """Reads; nothing here changes a group."""

    async def resolve(self, guild_id: int, ref: str | None, channel_id: int | None) -> GroupView:
        """The group the command names (by id from autocomplete, or by name), else the one whose channel it is."""
        async with self._uow(write=False) as uow:
            return view_of(await find_group(uow, guild_id, ref, channel_id))

    async def facilitated(
        self, guild_id: int, actor: Actor, ref: str | None, channel_id: int | None = None
    ) -> GroupView:
        """The open group a command names, once the actor is known to facilitate it: checked before a panel shows."""
        async with self._uow(write=False) as uow:
            group = await open_group(uow, guild_id, ref, channel_id=channel_id, lock=False)
            require_facilitator(group, actor)
            return view_of(group)

    async def current_access(self, group_id: int, user_id: int) -> Access | None:
        """What the person may do in the group's channels now, floor included (None if the group is gone).

        Effects defer to this when they are carried out, so an old effect never hands back what was taken.
        """
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_id(group_id)
            if group is None or group.status == GroupStatus.CREATING:
                return None
            membership = await uow.memberships.get(group.id, user_id)
            return access_of(group, user_id, membership, await self._floor(uow, group.id, user_id))

    async def language_of(self, group_id: int | None) -> str:
        """The language of what the group reads together: its posts, cards, reminders, history.

        Read at most every `LANGUAGE_FRESH_FOR` seconds per group (every post and card asks): a change made in this
        process shows at once, one made by another process within that time.
        """
        if group_id is None:
            return DEFAULT_GROUP_LANGUAGE
        known = self._languages.get(group_id)
        now = time.monotonic()
        if known is not None and now - known[0] < LANGUAGE_FRESH_FOR:
            return known[1]
        changes = self._language_changes
        async with self._uow(write=False) as uow:
            group = await uow.groups.by_id(group_id)
        language = group.language if group is not None else DEFAULT_GROUP_LANGUAGE
        if changes == self._language_changes:  # a change committed meanwhile may have been read before it: not kept
            self._languages[group_id] = (now, language)
        return language

    async def names(self, guild_id: int) -> list[tuple[int, str]]:
        """Ids and names of the guild's active groups, in name order: what autocomplete offers."""
        async with self._uow(write=False) as uow:
            return await uow.groups.names(guild_id, [GroupStatus.ACTIVE])

    async def info(self, guild_id: int, viewer: Actor, which: GroupKey, channel_id: int | None = None) -> GroupInfo:
        """Members, facilitator and settings; only for the group's members, its facilitator and server managers."""
        async with self._uow(write=False) as uow:
            group = await get_group(uow, guild_id, which, channel_id=channel_id)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            member_ids = {membership.user_id for membership in active}
            if (
                viewer.user_id not in member_ids
                and viewer.user_id != group.facilitator_id
                and not viewer.manages_server
            ):
                raise NotMemberError(
                    msg(
                        "Only members of {group} can see its details. Use /group join to ask to join it.",
                        group=group.name,
                    )
                )
            requested = await uow.memberships.with_status(group.id, MembershipStatus.REQUESTED)
            return GroupInfo(
                group=view_of(group),
                members=[MemberView(m.user_id, m.joined_at, m.rules_accepted_at) for m in active],
                requests=[membership.user_id for membership in requested],
                cycle=await read_cycle(uow, group),
            )
