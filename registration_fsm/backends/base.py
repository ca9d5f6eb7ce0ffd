"""The backend protocol: the customer-side operations of the registration API.

The values a backend returns (:class:`VersionInfo`, :class:`RegistrationInfo`,
:class:`DeniedReason`) live in the model, :mod:`registration_fsm.values`, below both the
versions that adopt them and the backends that make them; they are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ..values import (
    DeniedReason,
    RegistrationInfo,
    VersionInfo,
    validate_registration_type,
)

__all__ = [
    "AsyncBackend",
    "Backend",
    "DeniedReason",
    "RegistrationInfo",
    "VersionInfo",
    "validate_registration_type",
]


@runtime_checkable
class Backend(Protocol):
    """The customer-side operations of the registration API.

    Every method returns the service's view, parsed into library values, and raises a
    :class:`~registration_fsm.errors.BackendError` subclass on failure. Submit and Discard act
    on the latest version of the registration, as the API does.
    """

    def create_registration(self, registration_type: str) -> RegistrationInfo:
        """CreateRegistration: a new registration whose version 1 is a DRAFT."""
        ...

    def create_version(self, registration_id: str) -> VersionInfo:
        """CreateRegistrationVersion: a new DRAFT version; the previous one becomes read-only."""
        ...

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        """SubmitRegistrationVersion on the latest version."""
        ...

    def discard(self, registration_id: str) -> VersionInfo:
        """DiscardRegistrationVersion on the latest version."""
        ...

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        """DescribeRegistrationVersions, every page, oldest version first."""
        ...

    def describe_registration(self, registration_id: str) -> RegistrationInfo:
        """DescribeRegistrations for one registration."""
        ...


@runtime_checkable
class AsyncBackend(Protocol):
    """The async twin of :class:`Backend`: the same operations, as coroutines."""

    async def create_registration(self, registration_type: str) -> RegistrationInfo:
        """CreateRegistration: a new registration whose version 1 is a DRAFT."""
        ...

    async def create_version(self, registration_id: str) -> VersionInfo:
        """CreateRegistrationVersion: a new DRAFT version."""
        ...

    async def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        """SubmitRegistrationVersion on the latest version."""
        ...

    async def discard(self, registration_id: str) -> VersionInfo:
        """DiscardRegistrationVersion on the latest version."""
        ...

    async def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        """DescribeRegistrationVersions, every page, oldest version first."""
        ...

    async def describe_registration(self, registration_id: str) -> RegistrationInfo:
        """DescribeRegistrations for one registration."""
        ...
