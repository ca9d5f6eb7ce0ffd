from __future__ import annotations

import pytest

from registration_fsm import (
    RegistrationStatus,
    UnknownStatusError,
    VersionStatus,
    can_create_version,
    derive_registration_status,
)

V = VersionStatus
R = RegistrationStatus


@pytest.mark.parametrize("status", list(VersionStatus))
def test_a_new_version_waits_until_the_latest_is_approved_or_finished(status: V) -> None:
    expected = status is V.APPROVED or status.is_terminal
    assert can_create_version(status) is expected


def test_can_create_version_refuses_an_unknown_status() -> None:
    with pytest.raises(UnknownStatusError):
        can_create_version("PENDING")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([V.DRAFT], R.CREATED),
        ([V.SUBMITTED], R.SUBMITTED),
        ([V.AWS_REVIEWING], R.AWS_REVIEWING),
        ([V.REVIEWING], R.REVIEWING),
        ([V.REQUIRES_OFFLINE_REVIEW], R.REVIEWING),
        ([V.REQUIRES_AUTHENTICATION], R.REQUIRES_AUTHENTICATION),
        ([V.APPROVED], R.COMPLETE),
        ([V.DENIED], R.REQUIRES_UPDATES),
        ([V.REVOKED], R.REQUIRES_UPDATES),
        ([V.DISCARDED], R.REQUIRES_UPDATES),
        ([V.APPROVED, V.DISCARDED], R.COMPLETE),
        ([V.APPROVED, V.DISCARDED, V.DISCARDED], R.COMPLETE),
        ([V.APPROVED, V.DENIED], R.REQUIRES_UPDATES),
        ([V.ARCHIVED, V.APPROVED, V.SUBMITTED], R.SUBMITTED),
        ([V.DENIED, V.DRAFT], R.CREATED),
    ],
)
def test_the_registration_follows_its_latest_version_not_discarded(
    statuses: list[V], expected: R
) -> None:
    assert derive_registration_status(statuses) is expected
