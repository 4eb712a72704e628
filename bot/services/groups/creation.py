"""Creating a group: reserve the name, record each channel the moment it exists, then activate (or undo)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.db.models import Group
from bot.db.repositories import DuplicateNameError
from bot.db.uow import UnitOfWork
from bot.domain.errors import GroupNameTakenError, NotFacilitatorError
from bot.domain.group_notices import Welcome
from bot.domain.groups import GroupSettings, GroupStatus, MembershipStatus, VoiceKind, check_split, clean_name, name_key
from bot.domain.text import msg
from bot.services.groups._base import GroupServiceBase
from bot.services.groups._changes import activate
from bot.services.groups._effects import post
from bot.services.groups._guards import creating_group, open_group, require_facilitator
from bot.services.groups._views import Actor, GroupView, Outcome, settings_of, store_settings, view_of
from bot.services.reminder_plan import plan_reminders


class Creation(GroupServiceBase):
    """Groups come to be in three steps, so that a crash at any point leaves nothing half-made."""

    async def begin_creation(
        self,
        guild_id: int,
        actor: Actor,
        name: str,
        facilitator_id: int,
        *,
        max_size: int | None = None,
        voice: VoiceKind = VoiceKind.NONE,
        settings: GroupSettings | None = None,
        reply_token: str | None = None,
        language: str | None = None,
    ) -> GroupView:
        """Reserve the name and record the group as being created, before any channel exists.

        `language` is the server's own where Discord gives one (a Community server's), else the group speaks English.
        """
        if not actor.manages_server:
            raise NotFacilitatorError(msg("Creating a group needs the Manage Server permission."))
        base = settings or GroupSettings()
        chosen = base.changed(0, max_size=max_size) if max_size is not None else base
        if language is not None:
            chosen = chosen.changed(0, language=language)
        async with self._uow() as uow:
            group = await self._reserve(uow, guild_id, actor, name, facilitator_id, voice, chosen)
            group.creation_reply_token = reply_token
            await uow.commit()
            return view_of(group)

    async def begin_split(
        self,
        guild_id: int,
        actor: Actor,
        group_id: int,
        new_name: str,
        leaving: Sequence[int],
        reply_token: str | None = None,
    ) -> GroupView:
        """Check a split and reserve the new group (same facilitator, settings and voice) before its channels exist."""
        async with self._uow() as uow:
            group = await open_group(uow, guild_id, group_id)
            require_facilitator(group, actor)
            active = await uow.memberships.with_status(group.id, MembershipStatus.ACTIVE)
            check_split([membership.user_id for membership in active], leaving, group.min_size)
            voice = VoiceKind(group.voice_kind)
            new = await self._reserve(uow, guild_id, actor, new_name, group.facilitator_id, voice, settings_of(group))
            new.creation_reply_token = reply_token
            await uow.commit()
            return view_of(new)

    async def record_channel(self, guild_id: int, group_id: int, channel_id: int, *, voice: bool) -> None:
        """Store a channel of a group being created the moment Discord made it, before the next one is made.

        Start-up clean-up after a crash then deletes exactly the channels this group made, and nothing that only
        looks like them.
        """
        async with self._uow() as uow:
            group = await creating_group(uow, guild_id, group_id)
            if voice:
                group.voice_channel_id = channel_id
            else:
                group.text_channel_id = channel_id
            await uow.commit()

    async def complete_creation(
        self, guild_id: int, group_id: int, text_channel_id: int, voice_channel_id: int | None
    ) -> Outcome[GroupView]:
        """Record the group's channels and make it active; the welcome post follows."""
        async with self._uow() as uow:
            group = await creating_group(uow, guild_id, group_id)
            activate(group, (text_channel_id, voice_channel_id))
            uow.emit(guild_id, post(group, Welcome(group.name, group.facilitator_id)))
            await plan_reminders(uow, group, self._clock.now())  # without a schedule: monthly, from today
            await uow.commit()
            return Outcome(view_of(group), uow.committed)

    async def abandon_creation(self, guild_id: int, group_id: int) -> None:
        """Forget a group whose channels could not be made; its name is free again."""
        async with self._uow() as uow:
            group = await uow.groups.get(guild_id, group_id)
            if group is not None and group.status == GroupStatus.CREATING:
                await uow.effects.remove_for_group(group.id)
                await uow.groups.delete(group)
                await uow.commit()

    async def stale_creations(self, guild_id: int) -> list[GroupView]:
        """Groups left half-created by an earlier process (one that was killed mid-way)."""
        async with self._uow(write=False) as uow:
            groups = await uow.groups.in_status(guild_id, GroupStatus.CREATING)
            return [view_of(group) for group in groups if group.creator_instance != self._instance_id]

    async def _reserve(
        self,
        uow: UnitOfWork,
        guild_id: int,
        actor: Actor,
        name: str,
        facilitator_id: int,
        voice: VoiceKind,
        settings: GroupSettings,
    ) -> Group:
        clean = clean_name(name)
        taken = msg("There is already a group called {name} here. Choose another name.", name=clean)
        if await uow.groups.by_name_key(guild_id, name_key(clean)) is not None:
            raise GroupNameTakenError(taken)
        group = Group(
            guild_id=guild_id,
            name=clean,
            name_key=name_key(clean),
            status=GroupStatus.CREATING,
            facilitator_id=facilitator_id,
            voice_kind=voice,
            created_by=actor.user_id,
            created_at=self._clock.now(),
            creator_instance=self._instance_id,
        )
        store_settings(group, settings)
        try:
            return await uow.groups.add(group)
        except DuplicateNameError:
            raise GroupNameTakenError(taken) from None
