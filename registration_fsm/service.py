"""RegistrationService: registrations kept in a store, moved through a backend, exactly once.

The facade a backend service calls. Every operation loads the registration from the store,
checks locally, claims an intent, calls the backend, and saves the answer with its journal
entries, releasing the intent, in one transaction: a second worker asking meanwhile gets
:class:`~registration_fsm.errors.OperationInProgress`, never a second call to AWS, and a
worker that dies in between leaves an intent that :meth:`RegistrationService.recover` (or the
next call on that registration, once its lease ran out) resolves by reading the versions back.
The decisions live in :mod:`registration_fsm._service_core`; this module performs them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from ._service_core import (
    Call,
    Claim,
    Describe,
    Effect,
    Flow,
    Intents,
    Load,
    Operation,
    Release,
    Save,
    Step,
    TakeOver,
    create_flow,
    operation_flow,
    reconcile_flow,
    settle_flow,
)
from .backends.base import Backend
from .errors import (
    IntentLostError,
    InvalidValueError,
    OperationInProgress,
    RegistrationFsmError,
)
from .registration import Registration
from .statuses import VersionStatus
from .store._journal import JournalEntry
from .store._protocol import Intent, Loaded, Store
from .values import validate_registration_id, validate_registration_type

__all__ = ["DEFAULT_LEASE", "RegistrationService"]

DEFAULT_LEASE = timedelta(minutes=5)
"""How long a claimed intent keeps other workers off an operation; longer than botocore's
retries of one call take, so a live call is not mistaken for a dead worker's."""

_OPERATIONS = frozenset({"submit", "discard", "create_version", "create_registration"})


class RegistrationService:
    """Registrations in ``store``, moved through ``backend``; one per worker, or shared.

    ``worker_id`` names this worker in the journal and on its intents (default: host and
    process). ``lease`` is how long an intent holds. ``clock`` tells the time for leases;
    ``on_step`` is called at each step boundary ("claimed", "answered", "before_save",
    "saved"), for tests that stop a worker dead there.
    """

    def __init__(
        self,
        store: Store,
        backend: Backend,
        *,
        worker_id: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        clock: Callable[[], datetime] | None = None,
        on_step: Callable[[str], None] | None = None,
    ) -> None:
        for name in ("load", "save", "claim_intent", "intents", "journal"):
            if not callable(getattr(store, name, None)):
                raise InvalidValueError(
                    f"{type(store).__name__} is not a registration_fsm.store.Store (no {name}())"
                )
        for name in ("submit", "discard", "create_version", "describe_versions"):
            if not callable(getattr(backend, name, None)):
                raise InvalidValueError(
                    f"{type(backend).__name__} is not a registration_fsm.backends.Backend "
                    f"(no {name}())"
                )
        if not isinstance(lease, timedelta) or lease <= timedelta(0):
            raise InvalidValueError(f"lease must be a positive timedelta, got {lease!r}")
        if worker_id is not None and (not isinstance(worker_id, str) or not worker_id):
            raise InvalidValueError(f"worker_id must be a non-empty string, got {worker_id!r}")
        self._store = store
        self._backend = backend
        self._worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._lease = lease
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._on_step = on_step

    @property
    def worker_id(self) -> str:
        """The name this worker gives itself in the journal and on its intents."""
        return self._worker_id

    @property
    def store(self) -> Store:
        return self._store

    @property
    def backend(self) -> Backend:
        return self._backend

    # -- the operations -------------------------------------------------------------------------

    def create(self, registration_type: str, *, client_token: str | None = None) -> Registration:
        """CreateRegistration, stored with its journal. The same ``client_token`` again
        returns the registration the first call made (CreateRegistration is idempotent)."""
        validate_registration_type(registration_type)
        loaded: Loaded = self._run(
            create_flow(registration_type, client_token=client_token, worker_id=self._worker_id)
        )
        return loaded.registration

    def get(self, registration_id: str) -> Registration:
        """The registration as stored (RegistrationNotStored when it is not)."""
        return self._store.load(validate_registration_id(registration_id)).registration

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionStatus:
        """SubmitRegistrationVersion on the latest version, exactly once across workers."""
        if not isinstance(aws_review, bool):
            raise InvalidValueError(f"aws_review must be a bool, got {aws_review!r}")
        return self._operation(registration_id, "submit", aws_review)

    def discard(self, registration_id: str) -> VersionStatus:
        """DiscardRegistrationVersion on the latest version, exactly once across workers."""
        return self._operation(registration_id, "discard", False)

    def create_version(self, registration_id: str) -> VersionStatus:
        """CreateRegistrationVersion, exactly once across workers; the new version's status."""
        return self._operation(registration_id, "create_version", False)

    def reconcile(self, registration_id: str) -> Registration:
        """Bring the stored registration to the service's truth (journaled as reconcile)."""
        rid = validate_registration_id(registration_id)
        after: Loaded = self._run(
            reconcile_flow(rid, now=self._clock(), worker_id=self._worker_id)
        )
        return after.registration

    def journal(self, registration_id: str) -> tuple[JournalEntry, ...]:
        """The registration's journal, oldest entry first."""
        return self._store.journal(validate_registration_id(registration_id))

    def recover(self) -> list[str]:
        """Resolve every expired intent by reading the versions back; the ids resolved.

        An intent a live worker still holds is left alone (its lease has not run out).
        """
        resolved: list[str] = []
        for intent in self._store.expired_intents(self._clock()):
            rid = intent.registration_id
            try:
                loaded = self._store.load(rid)
                self._run(settle_flow(loaded, self._clock(), self._worker_id))
            except (OperationInProgress, IntentLostError):
                continue  # another worker resolved it, or holds it, meanwhile
            resolved.append(rid)
        return sorted(set(resolved))

    def _operation(
        self, registration_id: str, operation: Operation, aws_review: bool
    ) -> VersionStatus:
        rid = validate_registration_id(registration_id)
        _, status = self._run(
            operation_flow(
                rid,
                operation,
                aws_review=aws_review,
                now=self._clock(),
                worker_id=self._worker_id,
            )
        )
        result: VersionStatus = status
        return result

    # -- performing the effects -----------------------------------------------------------------

    def _run(self, flow: Flow) -> Any:
        """Drive ``flow``: perform each effect it yields, send back the result or throw in
        the error, until it returns."""
        send: Any = None
        error: BaseException | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(send)
            except StopIteration as done:
                return done.value
            send, error = None, None
            try:
                send = self._perform(effect)
            except RegistrationFsmError as raised:
                error = raised

    def _perform(self, effect: Effect) -> Any:
        store, backend = self._store, self._backend
        if isinstance(effect, Load):
            return store.load(effect.registration_id)
        if isinstance(effect, Intents):
            return store.intents(effect.registration_id)
        if isinstance(effect, Claim):
            return store.claim_intent(
                effect.registration_id,
                effect.version_number,
                effect.operation,
                self._worker_id,
                self._lease,
            )
        if isinstance(effect, TakeOver):
            return store.take_over_intent(effect.intent, self._worker_id, self._lease)
        if isinstance(effect, Release):
            store.release_intent(effect.intent)
            return None
        if isinstance(effect, Call):
            if effect.operation not in _OPERATIONS:
                raise InvalidValueError(f"unknown backend operation {effect.operation!r}")
            method = getattr(backend, effect.operation)
            return method(**dict(effect.arguments))
        if isinstance(effect, Describe):
            return backend.describe_versions(effect.registration_id)
        if isinstance(effect, Save):
            return store.save(
                effect.registration,
                expected_revision=effect.expected_revision,
                journal_entries=effect.moves,
                release=effect.release,
            )
        if isinstance(effect, Step):
            if self._on_step is not None:
                self._on_step(effect.name)
            return None
        raise AssertionError(f"unknown effect {effect!r}")  # pragma: no cover

    def intents(self, registration_id: str) -> tuple[Intent, ...]:
        """The intents stored for the registration (calls in flight, or left by a crash)."""
        return self._store.intents(validate_registration_id(registration_id))

    def __repr__(self) -> str:
        return f"<RegistrationService worker {self._worker_id} on {type(self._store).__name__}>"
