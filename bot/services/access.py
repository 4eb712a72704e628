"""A member's access to a group's channels, worked out from the database: membership, ground rules, the floor.

Outside the group service's package, so that the floor and the vote can use it without loading group set-up.
"""

from __future__ import annotations

from bot.db.models import Group, Membership
from bot.domain.effects import SetAccess
from bot.domain.groups import Access, Floor, GroupStatus, MembershipStatus, access_for


def access_of(group: Group, user_id: int, membership: Membership | None, floor: Floor = Floor.NO_MEETING) -> Access:
    """What the person may do in the group's channels, from where they stand and who has the floor."""
    active = membership is not None and membership.status == MembershipStatus.ACTIVE
    return access_for(
        is_active_member=active,
        rules_accepted=bool(membership and membership.rules_accepted_at),
        is_facilitator=group.facilitator_id == user_id,
        archived=group.status == GroupStatus.ARCHIVED,
        floor=floor,
    )


def set_access(group: Group, user_id: int, membership: Membership | None) -> SetAccess:
    """Bring the person's access into line (the applier asks the database, floor included, when it does)."""
    if group.text_channel_id is None:
        raise RuntimeError("a group without a channel has no access to set")
    return SetAccess(
        group.id, group.text_channel_id, group.voice_channel_id, user_id, access_of(group, user_id, membership)
    )
