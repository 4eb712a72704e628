"""Errors a member or facilitator is meant to read: each says what was wrong and what to do instead.

An error carries its message as a `Text` (its key and parameters), never as words: the edge shows it in the
language of the person who acted (`bot.ui.errors`).
"""

from __future__ import annotations

from bot.domain.text import Text


class UserFacingError(Exception):
    """Base of every error whose message is shown to the person who acted."""

    def __init__(self, text: Text | str) -> None:
        super().__init__(text.key if isinstance(text, Text) else text)
        self.text = text

    @property
    def message(self) -> str:
        """The message in the language of whoever reads it now."""
        return str(self.text)

    def __str__(self) -> str:
        return self.message


class GroupNotFoundError(UserFacingError):
    """No such group in this server."""


class GroupNameInvalidError(UserFacingError):
    """A proposed group name cannot be used."""


class GroupNameTakenError(UserFacingError):
    """Another group in this server already has the name."""


class GroupArchivedError(UserFacingError):
    """The group has ended its cycle and is read-only."""


class GroupFullError(UserFacingError):
    """Adding someone would pass the group's maximum size."""


class GroupChoiceNeededError(UserFacingError):
    """The command needs a group and none could be inferred."""


class NotFacilitatorError(UserFacingError):
    """Only the group's facilitator (or someone with Manage Server) may do this."""


class NotMemberError(UserFacingError):
    """The person is not a member of the group."""


class AlreadyMemberError(UserFacingError):
    """The person is already in the group (or has asked to join)."""


class JoinRequestNotFoundError(UserFacingError):
    """The join request was already answered or withdrawn."""


class JoinRequestTooSoonError(UserFacingError):
    """A declined or withdrawn request cannot be repeated at once."""


class SettingInvalidError(UserFacingError):
    """A group setting is out of range or inconsistent."""


class SplitInvalidError(UserFacingError):
    """The proposed split of a group is not possible."""


class FacilitatorChangeError(UserFacingError):
    """The facilitator cannot be changed that way."""


class StorageUnavailableError(UserFacingError):
    """The database could not be used just now; nothing was changed."""


class BidNotFoundError(UserFacingError):
    """No such open bid of this member's."""


class BidExistsError(UserFacingError):
    """The member already has an open bid in the group."""


class NotEligibleError(UserFacingError):
    """The person may not bid or vote in this group (not a member, or the ground rules not yet accepted)."""


class VoteNotFoundError(UserFacingError):
    """No such vote in this server (a forged or stale button)."""


class VoteClosedError(UserFacingError):
    """The vote is closed or cancelled: no more ballots."""


class VoteAlreadyOpenError(UserFacingError):
    """The group already has an open vote."""
