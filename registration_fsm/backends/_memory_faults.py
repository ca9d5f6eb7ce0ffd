"""The simulator's logs and injected faults (a private part of :class:`InMemoryBackend`)."""

from __future__ import annotations

import enum
from collections import deque
from typing import TYPE_CHECKING, TypeVar

import attrs

from ..errors import (
    InternalServerError,
    InvalidValueError,
    ServiceUnavailableError,
    ThrottlingError,
)

if TYPE_CHECKING:
    from ._memory_events import SimulatorLock

_T = TypeVar("_T")

OPERATIONS: tuple[str, ...] = (
    "create_registration",
    "create_version",
    "submit",
    "discard",
    "describe_versions",
    "describe_registration",
    "describe_registrations",
    "create_association",
    "create_attachment",
    "delete_attachment",
    "delete_field_value",
    "delete_registration",
    "describe_attachments",
    "describe_field_definitions",
    "describe_field_values",
    "describe_section_definitions",
    "describe_type_definitions",
    "list_associations",
    "put_field_value",
)
"""The customer operations of the simulator: the names :meth:`InMemoryBackend.inject` takes."""


class FaultKind(enum.Enum):
    """A failure the simulator can inject into its next call(s)."""

    THROTTLING = "throttling"
    """ThrottlingException; nothing happens. botocore retries it."""
    INTERNAL_ERROR = "internal_error"
    """InternalServerException (HTTP 500); nothing happens."""
    TIMEOUT = "timeout"
    """The request never reaches the service: no effect, and no answer
    (ServiceUnavailableError)."""
    LOST_ANSWER = "lost_answer"
    """The request takes effect, then its answer is lost (ServiceUnavailableError)."""


@attrs.frozen
class _Fault:
    kind: FaultKind
    operation: str | None
    remaining: int


class FaultsMixin:
    """Logs of calls and effects, and faults injected into the next calls."""

    _lock: SimulatorLock
    _faults: list[_Fault]
    _applied: deque[tuple[str, str, int]]
    _calls: deque[tuple[str, str | None]]

    @property
    def applied(self) -> tuple[tuple[str, str, int], ...]:
        """Every effect applied, in order: (operation or AWS trigger, registration id, version).

        A submit that took effect appears once as ``("submit", id, n)``; with AwsReview it is
        followed by ``("begin_aws_review", id, n)``. Tests read this to prove that no request
        was applied twice.
        """
        with self._lock:
            return tuple(self._applied)

    @property
    def calls(self) -> tuple[tuple[str, str | None], ...]:
        """Every customer call received, in order: (operation, registration id or None).

        Calls that failed, injected faults included, are listed too; client-side validation
        errors (raised before anything would be sent) are not.
        """
        with self._lock:
            return tuple(self._calls)

    @property
    def log_limit(self) -> int | None:
        """How many entries :attr:`calls` and :attr:`applied` keep each (the latest ones)."""
        return self._calls.maxlen

    def clear_logs(self) -> None:
        """Empty :attr:`calls` and :attr:`applied`."""
        with self._lock:
            self._calls.clear()
            self._applied.clear()

    @property
    def pending_faults(self) -> tuple[tuple[FaultKind, str | None, int], ...]:
        """The faults still to be injected: (kind, operation or None, calls left)."""
        with self._lock:
            return tuple((f.kind, f.operation, f.remaining) for f in self._faults)

    # -- fault injection ----------------------------------------------------------------------

    def inject(self, kind: FaultKind, *, operation: str | None = None, count: int = 1) -> None:
        """Make the next ``count`` calls of ``operation`` (None: of any operation) fail.

        ``operation`` is a method name of the Backend protocol ("submit", "discard",
        "create_version", ...). Faults are used in the order they were injected. THROTTLING,
        INTERNAL_ERROR and TIMEOUT fail without effect; LOST_ANSWER applies the request, then
        raises ServiceUnavailableError as if the answer had been lost on the way back.
        """
        if not isinstance(kind, FaultKind):
            raise InvalidValueError(f"invalid fault {kind!r}: expected a FaultKind")
        if operation is not None and operation not in OPERATIONS:
            raise InvalidValueError(
                f"unknown operation {operation!r}; known: {', '.join(OPERATIONS)}"
            )
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidValueError(f"invalid count {count!r}: expected an integer >= 1")
        with self._lock:
            self._faults.append(_Fault(kind, operation, count))

    def clear_faults(self) -> None:
        """Forget every fault not yet injected."""
        with self._lock:
            self._faults.clear()

    def _take_fault(self, operation: str) -> FaultKind | None:
        for index, fault in enumerate(self._faults):
            if fault.operation is None or fault.operation == operation:
                if fault.remaining == 1:
                    del self._faults[index]
                else:
                    self._faults[index] = attrs.evolve(fault, remaining=fault.remaining - 1)
                return fault.kind
        return None

    def _enter(self, operation: str, registration_id: str | None) -> FaultKind | None:
        """Log the call and raise the fault that fails it before any effect, if one is due."""
        self._calls.append((operation, registration_id))
        fault = self._take_fault(operation)
        if fault is FaultKind.THROTTLING:
            raise ThrottlingError(
                "Rate exceeded (injected)", code="ThrottlingException", operation=operation
            )
        if fault is FaultKind.INTERNAL_ERROR:
            raise InternalServerError(
                "Internal server error (injected)",
                code="InternalServerException",
                operation=operation,
            )
        if fault is FaultKind.TIMEOUT:
            raise _lost(operation, "the request timed out before reaching the service")
        return fault

    def _answer(self, fault: FaultKind | None, operation: str, answer: _T) -> _T:
        if fault is FaultKind.LOST_ANSWER:
            raise _lost(operation, "the request took effect, but its answer was lost")
        return answer


def _lost(operation: str, what: str) -> ServiceUnavailableError:
    return ServiceUnavailableError(
        f"No answer (injected): {what}", code="RequestTimeout", operation=operation
    )
