"""Group set-up: one service whose parts sit in modules by concern.

The parts: lookups, creation, channels, membership, facilitation, lifecycle, scheduling, history; `_guards` holds
the checks that the meeting's services share.
"""

from __future__ import annotations

from bot.services.groups._effects import FloorReader, no_meeting
from bot.services.groups._views import (
    Actor,
    Departure,
    GroupChannelMissingError,
    GroupInfo,
    GroupKey,
    GroupView,
    JoinRequestView,
    MemberView,
    Outcome,
    Removal,
    Repair,
)
from bot.services.groups.channels import Channels
from bot.services.groups.creation import Creation
from bot.services.groups.facilitation import Facilitation
from bot.services.groups.history import Histories
from bot.services.groups.lifecycle import Lifecycle
from bot.services.groups.lookups import Lookups
from bot.services.groups.membership import Memberships
from bot.services.groups.scheduling import Scheduling

__all__ = [
    "Actor",
    "Departure",
    "FloorReader",
    "GroupChannelMissingError",
    "GroupInfo",
    "GroupKey",
    "GroupService",
    "GroupView",
    "JoinRequestView",
    "MemberView",
    "Outcome",
    "Removal",
    "Repair",
    "no_meeting",
]


class GroupService(Lookups, Creation, Channels, Memberships, Facilitation, Lifecycle, Scheduling, Histories):
    """Every use case of group set-up. Each method is one unit of work."""
