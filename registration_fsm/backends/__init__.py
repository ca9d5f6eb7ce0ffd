"""Backends: where customer operations on registrations are carried out.

:class:`Backend` is the protocol; ``InMemoryBackend`` simulates the service and is the embedded
default; ``AwsBackend`` calls the real API through an injected boto3 client.
"""

from __future__ import annotations

from .base import Backend, DeniedReason, RegistrationInfo, VersionInfo

__all__ = ["Backend", "DeniedReason", "RegistrationInfo", "VersionInfo"]
