"""Backends: where customer operations on registrations are carried out.

:class:`Backend` is the protocol; :class:`InMemoryBackend` simulates the service and is the
embedded default; :class:`AwsBackend` calls the real API through an injected boto3 client
(boto3 itself is never imported here).
"""

from __future__ import annotations

from .aws import AwsBackend
from .base import (
    Backend,
    DeniedReason,
    RegistrationInfo,
    VersionInfo,
    validate_registration_type,
)
from .memory import FaultKind, InMemoryBackend

__all__ = [
    "AwsBackend",
    "Backend",
    "DeniedReason",
    "FaultKind",
    "InMemoryBackend",
    "RegistrationInfo",
    "VersionInfo",
    "validate_registration_type",
]
