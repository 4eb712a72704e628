"""A group's channels after creation: noticing one was deleted, and repairing the group."""

from __future__ import annotations

from bot.db.models import Group
from bot.db.uow import UnitOfWork
from bot.domain.errors import GroupArchivedError, GroupNotFoundError
from bot.domain.group_notices import JoinRequest, RulesPrompt, Welcome
from bot.domain.groups import GroupStatus, MembershipStatus
from bot.domain.text import msg
from bot.services.access import set_access
from bot.services.groups._base import GroupServiceBase
from bot.services.groups._effects import post
from bot.services.groups._guards import find_group, require_facilitator
from bot.services.groups._views import Actor, GroupView, Outcome, Repair, view_of


class Channels(GroupServiceBase):
    """Lost channels are noticed once and told once; repair makes the group whole again."""

    async def active_groups(self, guild_id: int) -> list[GroupView]:
        """The guild's active groups, whose channels start-up checks are still there."""
        async with self._uow(write=False) as uow:
            return [view_of(group) for group in await uow.groups.in_status(guild_id, GroupStatus.ACTIVE)]

    async def lose_channel(self, guild_id: int, channel_id: int) -> GroupView | None:
        """A channel was deleted: if an active group used it, refuse the group's changes until it is repaired.

        Returns the group if its facilitator has not been told yet (the caller tells them, then calls `loss_told`).
        """
        async with self._uow() as uow:
            group = await uow.groups.by_channel(guild_id, channel_id, lock=True)
            if group is None or group.status != GroupStatus.ACTIVE:
                return None
            if group.channel_lost_at is None:
                group.channel_lost_at = self._clock.now()
                await uow.commit()
            return view_of(group) if group.channel_loss_told_at is None else None

    async def untold_losses(self, guild_id: int) -> list[GroupView]:
        """Active groups with a lost channel whose facilitator was not told yet (a restart came in between)."""
        async with self._uow(write=False) as uow:
            groups = await uow.groups.in_status(guild_id, GroupStatus.ACTIVE)
            return [view_of(g) for g in groups if g.channel_lost_at is not None and g.channel_loss_told_at is None]

    async def loss_told(self, guild_id: int, group_id: int) -> None:
        """The facilitator has been told (or cannot be, their direct messages being closed): not again."""
        async with self._uow() as uow:
            group = await uow.groups.get(guild_id, group_id, lock=True)
            if group is not None and group.channel_lost_at is not None:
                group.channel_loss_told_at = self._clock.now()
                await uow.commit()

    async def begin_repair(
        self, guild_id: int, actor: Actor, which: str | None, channel_id: int | None = None
    ) -> GroupView:
        """The group to repair, once it is sure the actor may (facilitator or Manage Server) and it is not archived."""
        async with self._uow(write=False) as uow:
            group = await find_group(uow, guild_id, which, channel_id)
            if group.status == GroupStatus.ARCHIVED:
                raise GroupArchivedError(
                    msg("{group} is archived: its cycle has ended and there is nothing to repair.", group=group.name)
                )
            require_facilitator(group, actor)
            return view_of(group)

    async def replace_channel(
        self, guild_id: int, actor: Actor, group_id: int, channel_id: int, *, voice: bool
    ) -> None:
        """Store a channel that repair made again, the moment Discord made it (after a crash, repair finds it)."""
        async with self._uow() as uow:
            group = await self._repairable(uow, guild_id, actor, group_id)
            if voice:
                group.voice_channel_id = channel_id
            else:
                group.text_channel_id = channel_id
            await uow.commit()

    async def complete_repair(self, guild_id: int, actor: Actor, group_id: int) -> Outcome[Repair]:
        """The group's channels are all there again: allow changes and give everyone their access afresh.

        The welcome, the ground-rules prompts not yet answered and the open join requests are posted again.
        """
        async with self._uow() as uow:
            group = await self._repairable(uow, guild_id, actor, group_id)
            group.channel_lost_at, group.channel_loss_told_at = None, None
            # Queued changes to the deleted channel can never succeed; the access set below replaces them.
            await uow.effects.remove_channel_effects(group.id)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            people = [group.facilitator_id] + [m.user_id for m in active if m.user_id != group.facilitator_id]
            for person in people:
                uow.emit(guild_id, set_access(group, person, await uow.memberships.get(group.id, person)))
            uow.emit(guild_id, post(group, Welcome(group.name, group.facilitator_id)))
            unanswered = [m for m in active if m.rules_accepted_at is None]
            uow.emit(guild_id, *(post(group, RulesPrompt(group.id, group.name, m.user_id)) for m in unanswered))
            requests = await uow.memberships.with_status(group.id, MembershipStatus.REQUESTED)
            uow.emit(
                guild_id,
                *(post(group, JoinRequest(group.name, m.user_id, m.id, group.facilitator_id)) for m in requests),
            )
            await uow.commit()
            return Outcome(Repair(view_of(group), len(active), len(unanswered), len(requests)), uow.committed)

    async def _repairable(self, uow: UnitOfWork, guild_id: int, actor: Actor, group_id: int) -> Group:
        group = await uow.groups.get(guild_id, group_id, lock=True)
        if group is None or group.status != GroupStatus.ACTIVE:
            raise GroupNotFoundError(msg("That group is no longer active, so there is nothing to repair."))
        require_facilitator(group, actor)
        return group
