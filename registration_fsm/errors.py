"""The exceptions of registration_fsm.

Every error the library raises derives from :class:`RegistrationFsmError`, so a service can
catch the library's failures in one place. Each error keeps its context as attributes, so
callers never parse messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .statuses import VersionStatus

__all__ = [
    "AccessDeniedError",
    "AuditInputError",
    "AwsReviewNotApplied",
    "BackendError",
    "ConcurrentUpdateError",
    "ConflictError",
    "GraphvizError",
    "IllegalRemoteTransition",
    "IntentLostError",
    "InternalServerError",
    "InvalidDefinition",
    "InvalidHistory",
    "InvalidRegistrationId",
    "InvalidTimestamp",
    "InvalidTransition",
    "InvalidValueError",
    "InvalidVersionNumber",
    "JournalDerivationError",
    "MalformedDataError",
    "MalformedEventError",
    "MissingDependencyError",
    "OperationInProgress",
    "RegistrationFsmError",
    "RegistrationNotStored",
    "RegistrationRuleError",
    "ResourceNotFoundError",
    "SchemaVersionError",
    "ServiceQuotaExceededError",
    "ServiceUnavailableError",
    "StampOrderError",
    "StoreError",
    "ThrottlingError",
    "UnexpectedAnswerError",
    "UnknownHistoryKey",
    "UnknownStatusError",
    "UnknownTriggerError",
    "UnknownVersionError",
    "UnreadableInputError",
    "UnsafeHostError",
    "UnsupportedStoreUrl",
    "ValidationError",
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


class MalformedEventError(MalformedDataError):
    """An EventBridge event that is not a well-formed ``Registration Status Change``.

    ``path`` names the offending part as a dotted path into the event (for example
    ``detail.registrationDetails.currentStatus``) and ``value`` holds what was found there.
    """

    def __init__(self, path: str, value: object, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"not a registration status event: {reason} (got {_short(value)})",
            path=path,
            value=value,
        )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class UnknownHistoryKey(MalformedDataError):
    """A RegistrationVersionStatusHistory key this library does not know.

    A stamp the library cannot place proves nothing, so it is refused rather than ignored:
    AWS adds statuses with their stamps, and ``registration-fsm check-drift`` reports them.
    """

    def __init__(self, key: object, known: Sequence[str]) -> None:
        self.key = key
        self.known = tuple(known)
        super().__init__(
            f"unknown history key {key!r}; known keys: {', '.join(self.known)} (if AWS added "
            "a status, upgrade registration_fsm; check-drift compares with botocore's model)",
            path=f"RegistrationVersionStatusHistory.{key}",
            value=key,
        )


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


class IllegalRemoteTransition(RegistrationFsmError):
    """The service reports a move that no legal path through the lifecycle explains.

    The local version is unchanged (in strict mode). ``stamps`` is the remote history in
    AWS's shape, so the report shows what the service claimed.
    """

    def __init__(
        self,
        registration_id: str,
        version_number: int,
        from_status: VersionStatus,
        to_status: VersionStatus,
        stamps: Mapping[str, datetime],
        reasons: Sequence[str] = (),
    ) -> None:
        self.registration_id = registration_id
        self.version_number = version_number
        self.from_status = from_status
        self.to_status = to_status
        self.stamps = dict(stamps)
        self.reasons = tuple(reasons)
        """Why the remote stamps prove no legal path (the evidence's problems, as text)."""
        shown = ", ".join(f"{k}={v.isoformat()}" for k, v in self.stamps.items())
        why = f": {'; '.join(self.reasons)}" if self.reasons else ""
        super().__init__(
            f"{registration_id} version {version_number}: no legal path from "
            f"{from_status.value} to {to_status.value} fits the remote history ({shown}){why}"
        )


class RegistrationRuleError(RegistrationFsmError):
    """A move or a state that the registration's rules forbid.

    The version's own lifecycle may allow the move; the registration does not (only its latest
    version changes, at most one version is APPROVED, and so on). ``reason`` says which rule:
    one of the class constants below, the first of which is AWS's own ConflictException reason.
    Whatever raised it is unchanged.
    """

    CREATE_VERSION_NOT_ALLOWED = "CREATE_REGISTRATION_VERSION_NOT_ALLOWED"
    """A new version while the latest one is still a draft or under review."""
    VERSION_READ_ONLY = "VERSION_READ_ONLY"
    """A move of a version other than the latest (only its approval can still be revoked)."""
    ARCHIVED_BY_APPROVAL_ONLY = "ARCHIVED_BY_APPROVAL_ONLY"
    """An archive fired by itself: a version is archived when a newer one is approved."""
    MULTIPLE_APPROVED = "MULTIPLE_APPROVED"
    """Two APPROVED versions in one registration."""
    OLDER_VERSION_IN_FLIGHT = "OLDER_VERSION_IN_FLIGHT"
    """A version other than the latest that is neither APPROVED nor finished."""
    DRAFTED_TOO_EARLY = "DRAFTED_TOO_EARLY"
    """A version drafted before the version before it settled (was APPROVED or finished)."""

    def __init__(
        self,
        registration_id: str,
        reason: str,
        detail: str,
        *,
        version_number: int | None = None,
        status: VersionStatus | None = None,
    ) -> None:
        self.registration_id = registration_id
        self.reason = reason
        self.detail = detail
        self.version_number = version_number
        self.status = status
        super().__init__(f"{registration_id}: {detail} ({reason})")


class UnknownVersionError(InvalidValueError):
    """A version number the registration does not hold."""

    def __init__(self, registration_id: str, version_number: object, known: Sequence[int]):
        self.registration_id = registration_id
        self.version_number = version_number
        self.known: tuple[int, ...] = tuple(known)
        held = ", ".join(str(n) for n in self.known)
        super().__init__(
            f"{registration_id} has no version {version_number!r}; it holds versions {held}"
        )


class AuditInputError(RegistrationFsmError):
    """Input the audit cannot read at all: not a file, too big, not UTF-8, not JSON, too
    deeply nested, or not an export of DescribeRegistrationVersions or DescribeRegistrations.

    ``source`` names the file (or ``<data>``); ``detail`` says what is wrong with it.
    """

    def __init__(self, source: str, detail: str) -> None:
        self.source = source
        self.detail = detail
        super().__init__(f"{source}: {detail}")


class BackendError(RegistrationFsmError):
    """A backend call failed. Subclasses mirror the errors the AWS API raises.

    ``code`` and ``message`` are AWS's; ``request_id`` is the AWS request id when known;
    ``retryable`` says whether trying again later could succeed.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.message = message
        self.code = code if code is not None else type(self).__name__
        self.request_id = request_id
        self.operation = operation
        where = f" in {operation}" if operation else ""
        super().__init__(f"{self.code}{where}: {message}")


class ThrottlingError(BackendError):
    """ThrottlingException: too many requests; botocore's retries did not get through."""

    retryable = True


class AccessDeniedError(BackendError):
    """AccessDeniedException: the caller's IAM policy does not allow the action."""

    def __init__(self, message: str, *, reason: str | None = None, **context: str | None) -> None:
        self.reason = reason
        super().__init__(message, **context)


class ResourceNotFoundError(BackendError):
    """ResourceNotFoundException: no registration (or version) with that id."""

    def __init__(
        self,
        message: str,
        *,
        resource_type: str | None = None,
        resource_id: str | None = None,
        **context: str | None,
    ) -> None:
        self.resource_type = resource_type
        self.resource_id = resource_id
        super().__init__(message, **context)


class ValidationError(BackendError):
    """ValidationException: the service refused the request's shape; ``fields`` says where."""

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        fields: Sequence[Mapping[str, str]] = (),
        **context: str | None,
    ) -> None:
        self.reason = reason
        self.fields: tuple[Mapping[str, str], ...] = tuple(fields)
        super().__init__(message, **context)


class ConflictError(BackendError):
    """ConflictException: the request conflicts with the registration's state.

    ``reason`` is AWS's code, e.g. SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED. ``current`` is
    the service's latest version as read back after the conflict (a
    :class:`~registration_fsm.backends.VersionInfo`), or None when it could not be read: a
    conflict with no failure of this call's own is somebody else's move, which the caller may
    adopt knowingly (``reconcile``).
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        resource_type: str | None = None,
        resource_id: str | None = None,
        current: object = None,
        **context: str | None,
    ) -> None:
        self.reason = reason
        self.resource_type = resource_type
        self.resource_id = resource_id
        self.current = current
        super().__init__(message, **context)


class ServiceQuotaExceededError(BackendError):
    """ServiceQuotaExceededException, e.g. REGISTRATION_VERSIONS_CREATED_PER_DAY."""

    def __init__(self, message: str, *, reason: str | None = None, **context: str | None) -> None:
        self.reason = reason
        super().__init__(message, **context)


class InternalServerError(BackendError):
    """InternalServerException: a fault on the service's side."""

    retryable = True


class ServiceUnavailableError(BackendError):
    """No answer: a timeout, a dropped connection or a 5xx after botocore's retries.

    The request may or may not have taken effect; for Create, Submit and Discard, which carry
    no idempotency token, only reading the versions back tells.
    """

    retryable = True


class MissingDependencyError(RegistrationFsmError):
    """An optional tool the call needs is not installed (botocore, Graphviz's ``dot``).

    The core never needs one; only the extras (SVG diagrams, ``check-drift``) do, so the
    error names what to install instead of failing on import.
    """

    def __init__(self, dependency: str, hint: str) -> None:
        self.dependency = dependency
        self.hint = hint
        super().__init__(f"{dependency} is not available: {hint}")


class GraphvizError(RegistrationFsmError):
    """Graphviz's ``dot`` ran but did not produce a drawing; ``stderr`` is what it said."""

    def __init__(self, message: str, *, stderr: str = "") -> None:
        self.stderr = stderr
        detail = f": {stderr.strip()}" if stderr.strip() else ""
        super().__init__(f"{message}{detail}")


class UnexpectedAnswerError(RegistrationFsmError):
    """The service answered for another registration or version than the one asked about.

    Submit and Discard act on the latest version of a registration, so this happens when a
    newer version was created since the local one was read: the service acted on that newer
    version. The local version is unchanged; ``answer`` is what the service returned (a
    :class:`~registration_fsm.backends.VersionInfo`), so the caller can see what was changed.
    """

    def __init__(
        self, registration_id: str, version_number: int, answer: object, detail: str
    ) -> None:
        self.registration_id = registration_id
        self.version_number = version_number
        self.answer = answer
        self.detail = detail
        super().__init__(
            f"the service answered for {detail}, not for {registration_id} "
            f"version {version_number}; the local version is unchanged"
        )


class AwsReviewNotApplied(RegistrationFsmError):
    """A submit asked for AwsReview, and the service's truth shows it was not applied.

    The version may well be submitted (``current`` is the service's view of it, a
    :class:`~registration_fsm.backends.VersionInfo`), but not with the pre-review that was
    asked for; the model is left as it was, so that the caller decides (``reconcile`` adopts
    the service's state).
    """

    def __init__(self, registration_id: str, current: object, detail: str) -> None:
        self.registration_id = registration_id
        self.current = current
        self.detail = detail
        super().__init__(
            f"{registration_id}: AwsReview=True was asked for but not applied: {detail}"
        )


class UnsafeHostError(InvalidValueError):
    """An emulator asked to listen beyond loopback (127.0.0.0/8, ::1) without accepting the
    risk: it authenticates nobody, so anyone who reaches it could use it.

    ``host`` is the address given.
    """

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(
            f"refusing to listen on {host!r}: the emulator authenticates nobody, so it binds "
            "only loopback addresses (127.0.0.0/8, ::1, localhost); pass "
            "allow_non_loopback=True (command line: --allow-non-loopback) to accept the risk"
        )


class StoreError(RegistrationFsmError):
    """A store could not do what was asked; the subclasses say why. Nothing was changed.

    Raised as itself when the database failed underneath (``cause`` is the driver's error):
    the transaction was rolled back, so the store holds what it held before the call.
    """

    def __init__(self, message: str, *, cause: BaseException | None = None) -> None:
        self.cause = cause
        super().__init__(message)


class ConcurrentUpdateError(StoreError):
    """A compare-and-set save found another revision than the one it was given.

    Somebody else saved the registration since it was loaded (or, with ``expected_revision``
    None, it exists already). ``actual_revision`` is the stored one (None when absent); load
    it again and redo the change.
    """

    def __init__(
        self, registration_id: str, expected_revision: int | None, actual_revision: int | None
    ) -> None:
        self.registration_id = registration_id
        self.expected_revision = expected_revision
        self.actual_revision = actual_revision
        if expected_revision is None:
            detail = f"it exists already at revision {actual_revision}"
        elif actual_revision is None:
            detail = f"expected revision {expected_revision}, but it is not stored"
        else:
            detail = f"expected revision {expected_revision}, found {actual_revision}"
        super().__init__(f"{registration_id}: not saved, {detail}; nothing was changed")


class OperationInProgress(StoreError):
    """Another worker holds the intent for this operation on this version.

    ``intent`` is the holder's :class:`~registration_fsm.store.Intent`. When ``expired`` is
    True its lease ran out: the holder may have died between its call to AWS and its save, so
    only reading the versions back tells whether the operation took effect; take the intent
    over (``take_over_intent``) only after that read-back.
    """

    def __init__(self, intent: object, *, expired: bool) -> None:
        self.intent = intent
        self.expired = expired
        state = (
            "an expired intent (read the versions back, then take it over)"
            if expired
            else ("an unexpired intent")
        )
        super().__init__(f"{intent}: {state} is held")


class IntentLostError(StoreError):
    """The intent given is no longer the one stored: it was released or taken over.

    A save that carried it (``release=``) was rolled back: nothing was changed.
    """

    def __init__(self, intent: object) -> None:
        self.intent = intent
        super().__init__(f"{intent}: no longer held by this claim (released or taken over)")


class RegistrationNotStored(StoreError, InvalidValueError):
    """No registration with that id is in the store."""

    def __init__(self, registration_id: str) -> None:
        self.registration_id = registration_id
        super().__init__(f"{registration_id!r} is not in the store")


class SchemaVersionError(StoreError):
    """The store's schema is one this library cannot read safely (written by a newer one).

    ``found`` is the version recorded in the store, ``supported`` the newest this library
    knows; it refuses rather than misread the data.
    """

    def __init__(self, location: str, found: int, supported: int) -> None:
        self.location = location
        self.found = found
        self.supported = supported
        super().__init__(
            f"{location}: the store has schema version {found}, but this registration_fsm "
            f"reads versions up to {supported}; upgrade registration_fsm to open it"
        )


class UnsupportedStoreUrl(InvalidValueError):
    """``open_store`` was given a URL of a form it does not take; ``accepted`` lists those."""

    def __init__(self, url: object, accepted: Sequence[str]) -> None:
        self.url = url
        self.accepted: tuple[str, ...] = tuple(accepted)
        super().__init__(f"unsupported store URL {url!r}; use one of: {', '.join(self.accepted)}")


class JournalDerivationError(InvalidValueError):
    """No journal entries can be derived for a change: its stamps prove no legal path.

    ``problems`` are the evidence rule's reasons (:class:`~registration_fsm.evidence.Problem`).
    """

    def __init__(
        self, registration_id: str, version_number: int, detail: str, problems: Sequence[object]
    ) -> None:
        self.registration_id = registration_id
        self.version_number = version_number
        self.detail = detail
        self.problems: tuple[object, ...] = tuple(problems)
        super().__init__(f"{registration_id} version {version_number}: {detail}")


class UnreadableInputError(AuditInputError):
    """A file or standard input that cannot be read as one JSON document: not a regular file,
    larger than the limit, not UTF-8/16/32 text, not JSON, nested too deeply or holding a
    number too long to convert.

    Every command that reads a file raises it, not only the audit; it is an AuditInputError,
    so callers of :func:`~registration_fsm.audit.load_export` catch it as before. ``source``
    names the file (``<stdin>`` for standard input); ``detail`` says what is wrong.
    """
