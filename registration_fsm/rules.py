"""Registration-level rules: what a registration allows, given the status of its versions.

The lifecycle says how one version moves; these rules say what a registration as a whole
allows. AWS documents only parts of them, so most are modelling decisions (marked
"decided" below). The in-memory simulator applies them, and so must any code that models
a registration locally, so that both refuse the same requests.
"""

from __future__ import annotations

from collections.abc import Sequence

from .statuses import RegistrationStatus, VersionStatus

__all__ = ["can_create_version", "derive_registration_status"]

_V = VersionStatus
_R = RegistrationStatus

# Decided: a new version may be created only once the latest one has finished its review
# (APPROVED) or can no longer move (DISCARDED, DENIED, REVOKED, ARCHIVED). While it is a DRAFT
# or anywhere in review, CreateRegistrationVersion is refused with
# CREATE_REGISTRATION_VERSION_NOT_ALLOWED: there is one version in flight at a time.
_CREATE_ALLOWED_AFTER = frozenset({_V.APPROVED, _V.DISCARDED, _V.DENIED, _V.REVOKED, _V.ARCHIVED})

# Decided: submitting while the latest version is somewhere in review is refused with
# REGISTRATION_ALREADY_SUBMITTED; from any other status but DRAFT, with
# SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED.
_IN_REVIEW = frozenset(
    {
        _V.SUBMITTED,
        _V.AWS_REVIEWING,
        _V.REVIEWING,
        _V.REQUIRES_AUTHENTICATION,
        _V.REQUIRES_OFFLINE_REVIEW,
    }
)

# Decided: the registration's status follows its latest version that was not discarded.
_FOLLOWS: dict[VersionStatus, RegistrationStatus] = {
    _V.DRAFT: _R.CREATED,
    _V.SUBMITTED: _R.SUBMITTED,
    _V.AWS_REVIEWING: _R.AWS_REVIEWING,
    _V.REVIEWING: _R.REVIEWING,
    _V.REQUIRES_OFFLINE_REVIEW: _R.REVIEWING,
    _V.REQUIRES_AUTHENTICATION: _R.REQUIRES_AUTHENTICATION,
    _V.APPROVED: _R.COMPLETE,
    _V.DENIED: _R.REQUIRES_UPDATES,
    _V.REVOKED: _R.REQUIRES_UPDATES,
    _V.ARCHIVED: _R.COMPLETE,
}


def can_create_version(latest_status: VersionStatus) -> bool:
    """True when CreateRegistrationVersion is allowed after a latest version in this status.

    Decided (AWS documents only the refusal's reason code): a new version is allowed once the
    latest version is APPROVED or finished (DISCARDED, DENIED, REVOKED, ARCHIVED); while the
    latest is a DRAFT or under any kind of review, it is refused.
    """
    return VersionStatus.parse(latest_status) in _CREATE_ALLOWED_AFTER


def derive_registration_status(version_statuses: Sequence[VersionStatus]) -> RegistrationStatus:
    """The registration's status, given its versions' statuses, oldest version first.

    Decided: it follows the latest version that was not discarded (DRAFT -> CREATED,
    DENIED or REVOKED -> REQUIRES_UPDATES, APPROVED -> COMPLETE, a version in review -> the
    matching review status); when every version was discarded, REQUIRES_UPDATES, since only
    a new version can go on. PROVISIONING, CLOSED and DELETED are never derived: they come
    from provisioning and from deleting resources, which no version status records.
    """
    for status in reversed(version_statuses):
        parsed = VersionStatus.parse(status)
        if parsed is not _V.DISCARDED:
            return _FOLLOWS[parsed]
    return _R.REQUIRES_UPDATES


def _submit_conflict_reason(latest_status: VersionStatus) -> str | None:
    """The ConflictException Reason a submit gets, or None when it is allowed."""
    if latest_status is _V.DRAFT:
        return None
    if latest_status in _IN_REVIEW:
        return "REGISTRATION_ALREADY_SUBMITTED"
    return "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"
