"""Backends: where customer operations on registrations are carried out.

:class:`Backend` is the protocol; :class:`InMemoryBackend` simulates the service and is the
embedded default; :class:`AwsBackend` calls the real API through an injected boto3 client
(boto3 itself is never imported here). :class:`AsyncBackend` and :class:`AsyncAwsBackend`
(over an aiobotocore client) are their async twins, driving the same decisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._catalogue import SAMPLE_CATALOGUE, Catalogue
from .aio import AsyncAwsBackend, AsyncInMemoryBackend
from .aws import AwsBackend
from .base import (
    AsyncBackend,
    Backend,
    DeniedReason,
    RegistrationInfo,
    VersionInfo,
    validate_registration_type,
)
from .memory import EventKnobs, FaultKind, InMemoryBackend

__all__ = [
    "AsyncAwsBackend",
    "AsyncBackend",
    "AsyncInMemoryBackend",
    "AwsBackend",
    "Backend",
    "Catalogue",
    "DeniedReason",
    "EventKnobs",
    "FaultKind",
    "InMemoryBackend",
    "RegistrationInfo",
    "SAMPLE_CATALOGUE",
    "VersionInfo",
    "validate_registration_type",
]

if TYPE_CHECKING:

    def _conforms(memory: InMemoryBackend, aws: AwsBackend) -> tuple[Backend, Backend]:
        """Lets mypy prove that both backends implement the protocol."""
        return memory, aws

    def _conforms_async(
        aio: AsyncAwsBackend, memory: AsyncInMemoryBackend
    ) -> tuple[AsyncBackend, AsyncBackend]:
        return aio, memory
