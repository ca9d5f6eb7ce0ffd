"""The sync worker: poll the registrations that are in flight and due, from the store's schedule.

Each stored registration carries when it is next due for a check (the service sets it on every
save, from its :class:`~registration_fsm.schedule.Schedule`: an interval per status, with
jitter; nothing that cannot move is ever due). :meth:`Syncer.run_once` leases up to ``batch``
due registrations from the store (``Store.claim_due``: in PostgreSQL with ``FOR UPDATE SKIP
LOCKED``, so several syncers on several hosts share the work and never check the same one at
once) and reconciles each through the service, which saves it with its next check.

A cap on calls per second keeps the account under its API rate. Throttling is botocore's to
retry; when its retries are spent, the registration is deferred, not retried here: it stays
leased until the lease runs out and is due again after that, so a throttled account is never
polled in a hot loop. A refused remote state (the evidence rule) is logged and deferred the
same way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs

from ._listeners import logger
from .errors import InvalidValueError, RegistrationFsmError, ThrottlingError
from .service import RegistrationService

__all__ = ["SyncReport", "Syncer"]


@attrs.frozen
class SyncReport:
    """What one :meth:`Syncer.run_once` did."""

    checked: int = 0
    """Registrations reconciled with the service's truth."""
    changed: int = 0
    """Of those, how many had moved on."""
    deferred: tuple[tuple[str, str], ...] = ()
    """(registration id, error type) of the checks that failed and wait for their lease."""

    @property
    def claimed(self) -> int:
        return self.checked + len(self.deferred)


class _RateLimit:
    """At most ``rate`` starts per second, spread evenly (no bursts)."""

    def __init__(
        self, rate: float | None, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self._gap = 0.0 if rate is None else 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = clock()

    def wait(self) -> None:
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self._gap


class Syncer:
    """Reconciles due registrations of ``service``'s store through its backend.

    ``batch`` registrations are leased per round for ``lease``; ``max_calls_per_second`` caps
    the checks started (None: no cap; each check is one DescribeRegistrationVersions call per
    page). ``sleep`` and ``monotonic`` are injectable for tests.
    """

    def __init__(
        self,
        service: RegistrationService,
        *,
        batch: int = 50,
        lease: timedelta = timedelta(minutes=5),
        max_calls_per_second: float | None = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(service, RegistrationService):
            raise InvalidValueError(f"Syncer needs a RegistrationService, got {service!r}")
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise InvalidValueError(f"batch must be a positive int, got {batch!r}")
        if not isinstance(lease, timedelta) or lease <= timedelta(0):
            raise InvalidValueError(f"lease must be a positive timedelta, got {lease!r}")
        if max_calls_per_second is not None and (
            isinstance(max_calls_per_second, bool)
            or not isinstance(max_calls_per_second, (int, float))
            or max_calls_per_second <= 0
        ):
            raise InvalidValueError(
                f"max_calls_per_second must be positive or None, got {max_calls_per_second!r}"
            )
        self._service = service
        self._batch = batch
        self._lease = lease
        self._limit = _RateLimit(max_calls_per_second, monotonic, sleep)
        self._sleep = sleep

    @property
    def service(self) -> RegistrationService:
        return self._service

    def run_once(self) -> SyncReport:
        """Check every registration due now, up to ``batch``; what happened."""
        due = self._service.store.claim_due(self._batch, self._service.worker_id, self._lease)
        checked = changed = 0
        deferred: list[tuple[str, str]] = []
        for loaded in due:
            rid = loaded.registration_id
            self._limit.wait()
            try:
                after = self._service.reconcile(rid)
            except RegistrationFsmError as error:
                level = "throttled" if isinstance(error, ThrottlingError) else "failed"
                logger.warning(
                    "check of %s %s (%s); deferred until its lease runs out",
                    rid,
                    level,
                    type(error).__name__,
                    extra={"registration_id": rid, "error": type(error).__name__},
                )
                deferred.append((rid, type(error).__name__))
                continue
            checked += 1
            if _shape(after) != _shape(loaded.registration):
                changed += 1
        return SyncReport(checked, changed, tuple(deferred))

    def run_forever(
        self,
        stop: threading.Event | Callable[[], bool],
        *,
        idle: float = 30.0,
        on_round: Callable[[SyncReport], object] | None = None,
    ) -> None:
        """:meth:`run_once` until ``stop`` is set (an Event, or a callable returning True),
        waiting ``idle`` seconds after a round that found nothing due."""
        stopped = stop.is_set if isinstance(stop, threading.Event) else stop
        while not stopped():
            report = self.run_once()
            if on_round is not None:
                on_round(report)
            if report.claimed == 0 and not stopped():
                if isinstance(stop, threading.Event):
                    stop.wait(idle)
                else:
                    self._sleep(idle)

    def __repr__(self) -> str:
        return f"<Syncer of {self._service!r}, batch {self._batch}>"


def _shape(registration: Any) -> list[tuple[Any, Any]]:
    return [(v.status, v.history) for v in registration.versions]
