"""The exceptions of registration_fsm.

Every error the library raises derives from :class:`RegistrationFsmError`, so a service can
catch the library's failures in one place. Each error keeps its context as attributes, so
callers never parse messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from .statuses import VersionStatus

__all__ = [
    "InvalidDefinition",
    "InvalidHistory",
    "InvalidRegistrationId",
    "InvalidTimestamp",
    "InvalidTransition",
    "InvalidValueError",
    "InvalidVersionNumber",
    "MalformedDataError",
    "RegistrationFsmError",
    "StampOrderError",
    "UnknownStatusError",
    "UnknownTriggerError",
]


class RegistrationFsmError(Exception):
    """The root of every error raised by registration_fsm."""


class InvalidDefinition(RegistrationFsmError):
    """A lifecycle definition is inconsistent; raised when it is built, never when it runs.

    ``faults`` lists every problem found, not only the first.
    """

    def __init__(self, faults: Sequence[str]) -> None:
        self.faults: tuple[str, ...] = tuple(faults)
        super().__init__("invalid lifecycle definition: " + "; ".join(self.faults))


class InvalidValueError(RegistrationFsmError, ValueError):
    """A value given to the library is not acceptable.

    It is also a :class:`ValueError`, so code that already catches those keeps working.
    """


class UnknownStatusError(InvalidValueError):
    """A status string the library does not know (AWS may have added one since)."""

    def __init__(self, value: object, kind: str = "RegistrationVersionStatus") -> None:
        self.value = value
        self.kind = kind
        super().__init__(
            f"unknown {kind} {value!r}: this version of registration_fsm does not know it; "
            "if AWS added it, upgrade registration_fsm (`registration-fsm check-drift` compares "
            "with the installed botocore model)"
        )


class UnknownTriggerError(InvalidValueError):
    """A trigger name that is not part of the lifecycle."""

    def __init__(self, trigger: object, known: Sequence[str]) -> None:
        self.trigger = trigger
        self.known: tuple[str, ...] = tuple(known)
        super().__init__(f"unknown trigger {trigger!r}; known triggers: {', '.join(self.known)}")


class InvalidRegistrationId(InvalidValueError):
    """A RegistrationId that the API's pattern ``[A-Za-z0-9_:/-]{1,256}`` refuses."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"invalid registration id {value!r}: {reason}")


class InvalidVersionNumber(InvalidValueError):
    """A version number outside AWS's range of 1 to 100000."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(f"invalid version number {value!r}: must be an integer from 1 to 100000")


class InvalidTimestamp(InvalidValueError):
    """A timestamp that cannot be taken as a point in UTC.

    A naive datetime is refused rather than assumed to be UTC: guessing the zone of a
    compliance record is how audit trails go wrong silently.
    """

    def __init__(self, value: object, reason: str, *, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        where = f" for {field}" if field else ""
        super().__init__(f"invalid timestamp{where} {value!r}: {reason}")


class MalformedDataError(InvalidValueError):
    """A snapshot or an AWS-shaped dict that does not have the expected structure.

    ``path`` locates the offending part (for example ``RegistrationVersionStatusHistory``).
    """

    def __init__(self, message: str, *, path: str = "", value: object = None) -> None:
        self.path = path
        self.value = value
        self.detail = message
        where = f" at {path}" if path else ""
        super().__init__(f"malformed data{where}: {message}")


class InvalidHistory(InvalidValueError):
    """A status and a history that contradict each other (a later stamp than the status's)."""

    def __init__(self, status: VersionStatus, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"history does not fit status {status.value}: {reason}")


class InvalidTransition(RegistrationFsmError):
    """A trigger that the lifecycle does not allow from the current status.

    The version it was fired at is unchanged.
    """

    def __init__(
        self,
        status: VersionStatus,
        trigger: str,
        allowed: Sequence[str],
        *,
        registration_id: str | None = None,
        version_number: int | None = None,
    ) -> None:
        self.status = status
        self.trigger = trigger
        self.allowed: tuple[str, ...] = tuple(allowed)
        self.registration_id = registration_id
        self.version_number = version_number
        who = ""
        if registration_id is not None:
            who = f" on {registration_id} version {version_number}"
        allowed_text = ", ".join(self.allowed) if self.allowed else "none (terminal status)"
        super().__init__(
            f"cannot {trigger}{who}: status is {status.value}; "
            f"allowed triggers from {status.value}: {allowed_text}"
        )


class StampOrderError(InvalidValueError):
    """A transition stamped earlier than the latest stamp in the history.

    Histories only move forward in time; an earlier stamp means a wrong clock or a
    replayed event, and accepting it would make the history contradict itself.
    """

    def __init__(self, at: datetime, latest: datetime, trigger: str) -> None:
        self.at = at
        self.latest = latest
        self.trigger = trigger
        super().__init__(
            f"cannot {trigger} at {at.isoformat()}: earlier than the latest stamp "
            f"{latest.isoformat()}"
        )
