"""The statuses AWS defines for registrations and their versions.

The enum values are the exact strings of the ``pinpoint-sms-voice-v2`` API, so a member
compares equal to what boto3 returns. AWS grows these enums from time to time; a value the
library does not know raises :class:`~registration_fsm.errors.UnknownStatusError` instead of
being accepted silently.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from .errors import UnknownStatusError

__all__ = ["RegistrationStatus", "VersionStatus"]


class _StatusInfo(NamedTuple):
    description: str
    core: bool
    terminal: bool
    history_key: str | None
    field: str | None


class VersionStatus(str, enum.Enum):
    """The status of one registration version (AWS's ``RegistrationVersionStatus``)."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    AWS_REVIEWING = "AWS_REVIEWING"
    REVIEWING = "REVIEWING"
    REQUIRES_AUTHENTICATION = "REQUIRES_AUTHENTICATION"
    REQUIRES_OFFLINE_REVIEW = "REQUIRES_OFFLINE_REVIEW"
    APPROVED = "APPROVED"
    DISCARDED = "DISCARDED"
    DENIED = "DENIED"
    REVOKED = "REVOKED"
    ARCHIVED = "ARCHIVED"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> VersionStatus:
        raise UnknownStatusError(value, "RegistrationVersionStatus")

    @classmethod
    def parse(cls, value: object) -> VersionStatus:
        """Return the member for an AWS string; raise UnknownStatusError for anything else."""
        try:
            return _VERSION_BY_VALUE[value]  # type: ignore[index]
        except (KeyError, TypeError):
            raise UnknownStatusError(value, "RegistrationVersionStatus") from None

    @property
    def description(self) -> str:
        """One line on what the status means for the sender."""
        return _VERSION_INFO[self].description

    @property
    def is_core(self) -> bool:
        """True for the nine statuses of the original API, False for the two added later."""
        return _VERSION_INFO[self].core

    @property
    def is_terminal(self) -> bool:
        """True when no trigger leads out of the status (the version is finished)."""
        return _VERSION_INFO[self].terminal

    @property
    def history_key(self) -> str | None:
        """The key of this status in AWS's RegistrationVersionStatusHistory, if it has one.

        REQUIRES_OFFLINE_REVIEW has none: AWS's model defines no timestamp for it.
        """
        return _VERSION_INFO[self].history_key

    @property
    def history_field(self) -> str | None:
        """The attribute of :class:`~registration_fsm.StatusHistory` that stamps this status."""
        return _VERSION_INFO[self].field


_VERSION_INFO: dict[VersionStatus, _StatusInfo] = {
    VersionStatus.DRAFT: _StatusInfo(
        "Created and editable; not yet sent for review.", True, False, "DraftTimestamp", "draft"
    ),
    VersionStatus.SUBMITTED: _StatusInfo(
        "Sent for review; waiting for the review to start.",
        True,
        False,
        "SubmittedTimestamp",
        "submitted",
    ),
    VersionStatus.AWS_REVIEWING: _StatusInfo(
        "AWS pre-reviews the version before it goes on to the full review.",
        False,
        False,
        "AwsReviewingTimestamp",
        "aws_reviewing",
    ),
    VersionStatus.REVIEWING: _StatusInfo(
        "Accepted and under review by AWS or a third party.",
        True,
        False,
        "ReviewingTimestamp",
        "reviewing",
    ),
    VersionStatus.REQUIRES_AUTHENTICATION: _StatusInfo(
        "Waiting for the brand contact to confirm by email.",
        True,
        False,
        "RequiresAuthenticationTimestamp",
        "requires_authentication",
    ),
    VersionStatus.REQUIRES_OFFLINE_REVIEW: _StatusInfo(
        "Held for a review outside the automated flow; AWS records no timestamp for it.",
        False,
        False,
        None,
        None,
    ),
    VersionStatus.APPROVED: _StatusInfo(
        "Approved; the registration can be used.", True, False, "ApprovedTimestamp", "approved"
    ),
    VersionStatus.DISCARDED: _StatusInfo(
        "Abandoned by the sender; a new version starts over.",
        True,
        True,
        "DiscardedTimestamp",
        "discarded",
    ),
    VersionStatus.DENIED: _StatusInfo(
        "Refused; the fix is a new version, resubmitted.", True, True, "DeniedTimestamp", "denied"
    ),
    VersionStatus.REVOKED: _StatusInfo(
        "A previous approval was withdrawn.", True, True, "RevokedTimestamp", "revoked"
    ),
    VersionStatus.ARCHIVED: _StatusInfo(
        "A formerly approved version, replaced by a newer approved one.",
        True,
        True,
        "ArchivedTimestamp",
        "archived",
    ),
}

_VERSION_BY_VALUE: dict[str, VersionStatus] = {m.value: m for m in VersionStatus}


class RegistrationStatus(str, enum.Enum):
    """The status of a registration as a whole (AWS's ``RegistrationStatus``)."""

    CREATED = "CREATED"
    SUBMITTED = "SUBMITTED"
    AWS_REVIEWING = "AWS_REVIEWING"
    REVIEWING = "REVIEWING"
    REQUIRES_AUTHENTICATION = "REQUIRES_AUTHENTICATION"
    PROVISIONING = "PROVISIONING"
    COMPLETE = "COMPLETE"
    REQUIRES_UPDATES = "REQUIRES_UPDATES"
    CLOSED = "CLOSED"
    DELETED = "DELETED"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> RegistrationStatus:
        raise UnknownStatusError(value, "RegistrationStatus")

    @classmethod
    def parse(cls, value: object) -> RegistrationStatus:
        """Return the member for an AWS string; raise UnknownStatusError for anything else."""
        try:
            return _REGISTRATION_BY_VALUE[value]  # type: ignore[index]
        except (KeyError, TypeError):
            raise UnknownStatusError(value, "RegistrationStatus") from None

    @property
    def description(self) -> str:
        """One line on what the status means for the sender."""
        return _REGISTRATION_DESCRIPTIONS[self]


_REGISTRATION_DESCRIPTIONS: dict[RegistrationStatus, str] = {
    RegistrationStatus.CREATED: "Created; its current version is a draft.",
    RegistrationStatus.SUBMITTED: "Its current version has been submitted.",
    RegistrationStatus.AWS_REVIEWING: "AWS is pre-reviewing the current version.",
    RegistrationStatus.REVIEWING: "The current version is under review.",
    RegistrationStatus.REQUIRES_AUTHENTICATION: "Waiting for the brand's email confirmation.",
    RegistrationStatus.PROVISIONING: "Approved; AWS is setting up what was registered.",
    RegistrationStatus.COMPLETE: "Approved and provisioned; ready to use.",
    RegistrationStatus.REQUIRES_UPDATES: "Denied; a new version must fix it.",
    RegistrationStatus.CLOSED: "Closed after its origination identity was released.",
    RegistrationStatus.DELETED: "Deleted.",
}

_REGISTRATION_BY_VALUE: dict[str, RegistrationStatus] = {m.value: m for m in RegistrationStatus}
