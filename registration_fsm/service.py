"""RegistrationService and AsyncRegistrationService: registrations kept in a store, moved
through a backend, exactly once.

The facade a backend service calls. Every operation loads the registration from the store,
checks locally, claims an intent, calls the backend, and saves the answer with its journal
entries, releasing the intent, in one transaction: a second worker asking meanwhile gets
:class:`~registration_fsm.errors.OperationInProgress`, never a second call to AWS, and a
worker that dies in between leaves an intent that :meth:`RegistrationService.recover` (or the
next call on that registration, once its lease ran out) resolves by reading the versions back.
The decisions live in :mod:`registration_fsm._service_core`; the two classes here only
perform them, one with plain calls and one awaiting an :class:`~registration_fsm.store.AsyncStore`
and an :class:`~registration_fsm.backends.AsyncBackend`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Generic, TypeVar

from ._listeners import Listener, Listeners, Subscription, logger
from ._service_core import (
    Call,
    Claim,
    Describe,
    Effect,
    EventOutcome,
    EventsSeen,
    Expired,
    Flow,
    Intents,
    Load,
    Operation,
    RecordEvent,
    Release,
    Save,
    Step,
    TakeOver,
    create_flow,
    event_flow,
    operation_flow,
    reconcile_flow,
    recover_flow,
)
from .backends.base import AsyncBackend, Backend
from .clock import peek
from .errors import IllegalRemoteTransition, InvalidValueError, RegistrationFsmError
from .events import TransitionEvent
from .registration import Registration
from .schedule import DEFAULT_SCHEDULE, Schedule
from .statuses import VersionStatus
from .store._async import AsyncStore
from .store._journal import JournalEntry
from .store._protocol import Intent, Loaded, Store
from .values import validate_registration_id

__all__ = [
    "DEFAULT_LEASE",
    "AsyncRegistrationService",
    "EventOutcome",
    "RegistrationService",
    "Subscription",
]

DEFAULT_LEASE = timedelta(minutes=5)
"""How long a claimed intent keeps other workers off an operation; longer than botocore's
retries of one call take, so a live call is not mistaken for a dead worker's."""

_OPERATIONS = frozenset({"submit", "discard", "create_version", "create_registration"})
_STORE_METHODS = ("load", "save", "claim_intent", "intents", "journal", "expired_intents")
_STRIPES = 64
_BACKEND_METHODS = ("submit", "discard", "create_version", "describe_versions")


def _check_parts(store: object, backend: object, *, asynchronous: bool) -> None:
    """Refuse a store or backend that is not one, or of the other kind (sync/async)."""
    service = "AsyncRegistrationService" if asynchronous else "RegistrationService"
    for part, names, protocol in (
        (store, _STORE_METHODS, "registration_fsm.store.Store"),
        (backend, _BACKEND_METHODS, "registration_fsm.backends.Backend"),
    ):
        kind = type(part).__name__
        for name in names:
            method = getattr(part, name, None)
            if not callable(method):
                raise InvalidValueError(f"{kind} is not a {protocol} (no {name}())")
            if inspect.iscoroutinefunction(method) != asynchronous:
                wanted = (
                    "AsyncStore (e.g. AsyncSqliteStore), AsyncBackend (e.g. AsyncAwsBackend)"
                    if asynchronous
                    else "Store (e.g. SqliteStore), Backend (e.g. AwsBackend)"
                )
                other = "RegistrationService" if asynchronous else "AsyncRegistrationService"
                raise InvalidValueError(
                    f"{kind}.{name}() is {'not ' if asynchronous else ''}a coroutine "
                    f"function: {service} takes a {wanted}; use {other} for this one"
                )


_StoreT = TypeVar("_StoreT")
_BackendT = TypeVar("_BackendT")


class _Driver(Generic[_StoreT, _BackendT]):
    """What both services share: their settings, and which call performs which effect."""

    _ASYNCHRONOUS: ClassVar[bool]

    def __init__(
        self,
        store: _StoreT,
        backend: _BackendT,
        *,
        worker_id: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        clock: Callable[[], datetime] | None = None,
        on_step: Callable[[str], None] | None = None,
        schedule: Schedule | None = None,
    ) -> None:
        _check_parts(store, backend, asynchronous=self._ASYNCHRONOUS)
        if schedule is not None and not isinstance(schedule, Schedule):
            raise InvalidValueError(f"schedule must be a Schedule, got {schedule!r}")
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
        self._schedule = schedule if schedule is not None else DEFAULT_SCHEDULE
        self._listeners = Listeners()
        # What orders the commits of one registration: threads' locks, or each loop's.
        self._thread_stripes = [threading.Lock() for _ in range(_STRIPES)]
        self._loop_stripes: dict[tuple[int, int], asyncio.Lock] = {}

    @property
    def worker_id(self) -> str:
        """The name this worker gives itself in the journal and on its intents."""
        return self._worker_id

    @property
    def store(self) -> _StoreT:
        return self._store

    @property
    def backend(self) -> _BackendT:
        return self._backend

    @property
    def schedule(self) -> Schedule:
        """When a saved registration is next due for a check (:mod:`~registration_fsm.sync`)."""
        return self._schedule

    def subscribe(
        self,
        callback: Listener,
        *,
        statuses: Any = None,
        triggers: Any = None,
    ) -> Subscription:
        """Call ``callback`` with a :class:`~registration_fsm.events.TransitionEvent` once per
        move this service commits, into one of ``statuses`` and along one of ``triggers`` (None:
        any), after the store's transaction, outside every lock, in commit order per
        registration. A listener that raises is logged; the move stays, the others still run.
        Moves other workers commit reach their own listeners, not these."""
        return self._listeners.subscribe(callback, statuses=statuses, triggers=triggers)

    def _committed(self, effect: Save) -> None:
        listeners = self._listeners
        if listeners.active or logger.isEnabledFor(logging.INFO):
            events = [TransitionEvent.from_journal(move) for move in effect.moves]
            listeners.committed(events, self._worker_id)

    def _refused(self, error: RegistrationFsmError) -> None:
        if isinstance(error, IllegalRemoteTransition):
            logger.warning(
                "a remote state was refused: %s",
                error,
                extra={"registration_id": getattr(error, "registration_id", None)},
            )

    def _call_for(
        self, effect: Effect
    ) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
        """The store or backend call that performs ``effect``."""
        store: Any = self._store
        backend: Any = self._backend
        # The effects of an operation, the most frequent first.
        if isinstance(effect, Load):
            return store.load, (effect.registration_id,), {}
        if isinstance(effect, Save):
            keywords: dict[str, Any] = {
                "expected_revision": effect.expected_revision,
                "journal_entries": effect.moves,
                "release": effect.release,
            }
            keywords["next_check_at"] = self._schedule.next_check(
                effect.registration, peek(self._clock)
            )
            return store.save, (effect.registration,), keywords
        if isinstance(effect, Claim):
            arguments = (effect.registration_id, effect.version_number, effect.operation)
            return store.claim_intent, (*arguments, self._worker_id, self._lease), {}
        if isinstance(effect, Call):
            if effect.operation not in _OPERATIONS:
                raise InvalidValueError(f"unknown backend operation {effect.operation!r}")
            return getattr(backend, effect.operation), (), dict(effect.arguments)
        if isinstance(effect, Intents):
            return store.intents, (effect.registration_id,), {}
        if isinstance(effect, Release):
            return store.release_intent, (effect.intent,), {}
        if isinstance(effect, Describe):
            return backend.describe_versions, (effect.registration_id,), {}
        if isinstance(effect, TakeOver):
            return store.take_over_intent, (effect.intent, self._worker_id, self._lease), {}
        if isinstance(effect, Expired):
            return store.expired_intents, (effect.at,), {}
        if isinstance(effect, EventsSeen):
            return store.events_seen, (effect.registration_id,), {}
        if isinstance(effect, RecordEvent):
            return store.record_event, (effect.event_id, effect.registration_id), {}
        raise AssertionError(f"unknown effect {effect!r}")  # pragma: no cover

    def _step(self, effect: Step) -> None:
        if self._on_step is not None:
            self._on_step(effect.name)

    def _operation_flow(
        self, registration_id: str, operation: Operation, aws_review: object
    ) -> Flow:
        return operation_flow(
            registration_id,
            operation,
            aws_review=aws_review,  # type: ignore[arg-type]  # checked by the flow
            now=self._clock(),
            worker_id=self._worker_id,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} worker {self._worker_id} on {type(self._store).__name__}>"


class RegistrationService(_Driver[Store, Backend]):
    """Registrations in ``store``, moved through ``backend``; one per worker, or shared.

    ``worker_id`` names this worker in the journal and on its intents (default: host and
    process). ``lease`` is how long an intent holds. ``clock`` tells the time for leases;
    ``on_step`` is called at each step boundary ("claimed", "answered", "before_save",
    "saved"), for tests that stop a worker dead there; ``schedule`` sets when a saved
    registration is next due for a check.
    """

    _ASYNCHRONOUS = False

    def create(self, registration_type: str, *, client_token: str | None = None) -> Registration:
        """CreateRegistration, stored with its journal. The same ``client_token`` again
        returns the registration the first call made (CreateRegistration is idempotent)."""
        flow = create_flow(registration_type, client_token=client_token, worker_id=self._worker_id)
        loaded: Loaded = self._run(flow)
        return loaded.registration

    def get(self, registration_id: str) -> Registration:
        """The registration as stored (RegistrationNotStored when it is not)."""
        return self.store.load(validate_registration_id(registration_id)).registration

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionStatus:
        """SubmitRegistrationVersion on the latest version, exactly once across workers."""
        return self._status(self._operation_flow(registration_id, "submit", aws_review))

    def discard(self, registration_id: str) -> VersionStatus:
        """DiscardRegistrationVersion on the latest version, exactly once across workers."""
        return self._status(self._operation_flow(registration_id, "discard", False))

    def create_version(self, registration_id: str) -> VersionStatus:
        """CreateRegistrationVersion, exactly once across workers; the new version's status."""
        return self._status(self._operation_flow(registration_id, "create_version", False))

    def reconcile(self, registration_id: str) -> Registration:
        """Bring the stored registration to the service's truth (journaled as reconcile)."""
        flow = reconcile_flow(registration_id, now=self._clock(), worker_id=self._worker_id)
        after: Loaded = self._run(flow)
        return after.registration

    def journal(self, registration_id: str) -> tuple[JournalEntry, ...]:
        """The registration's journal, oldest entry first."""
        return self.store.journal(validate_registration_id(registration_id))

    def intents(self, registration_id: str) -> tuple[Intent, ...]:
        """The intents stored for the registration (calls in flight, or left by a crash)."""
        return self.store.intents(validate_registration_id(registration_id))

    def recover(self) -> list[str]:
        """Resolve every expired intent by reading the versions back; the ids resolved.

        An intent a live worker still holds is left alone (its lease has not run out).
        """
        resolved: list[str] = self._run(recover_flow(now=self._clock(), worker_id=self._worker_id))
        return resolved

    def _status(self, flow: Flow) -> VersionStatus:
        status: VersionStatus = self._run(flow)[1]
        return status

    def _run(self, flow: Flow) -> Any:
        """Drive ``flow``: perform each effect it yields, send back the result or throw in
        the error, until it returns."""
        send: Any = None
        error: RegistrationFsmError | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(send)
            except StopIteration as done:
                return done.value
            except RegistrationFsmError as refused:
                self._refused(refused)
                raise
            send, error = None, None
            if isinstance(effect, Step):
                self._step(effect)
                continue
            try:
                method, args, kwargs = self._call_for(effect)
                if isinstance(effect, Save):
                    # Commits of one registration are told in the order they were made.
                    rid = effect.registration.registration_id
                    stripe = self._thread_stripes[hash(rid) % _STRIPES]
                    with stripe:
                        send = method(*args, **kwargs)
                        self._committed(effect)
                    self._listeners.deliver()
                else:
                    send = method(*args, **kwargs)
            except RegistrationFsmError as raised:
                error = raised

    def handle_event(self, event: object) -> EventOutcome:
        """Handle an EventBridge ``Registration Status Change`` event (see
        :func:`~registration_fsm._service_core.event_flow`): the registration is reconciled
        from the service's truth, once per event id. ``MalformedEventError`` for anything that
        is not such an event; an event for a registration not in the store is not handled."""
        outcome: EventOutcome = self._run(
            event_flow(event, now=self._clock(), worker_id=self._worker_id)
        )
        return outcome


class AsyncRegistrationService(_Driver[AsyncStore, AsyncBackend]):
    """The async twin of :class:`RegistrationService`, on one event loop.

    It takes an :class:`~registration_fsm.store.AsyncStore` (``AsyncSqliteStore``,
    ``AsyncPostgresStore``) and an :class:`~registration_fsm.backends.AsyncBackend`
    (``AsyncAwsBackend``), and makes the same decisions in the same order, because both
    services drive the one core in :mod:`registration_fsm._service_core`. A task cancelled
    after its claim leaves the intent behind, like a worker that died: it is resolved by a
    read-back (``recover()``, or the next call once the lease ran out), never by sending again.
    The settings are :class:`RegistrationService`'s.
    """

    _ASYNCHRONOUS = True

    async def create(
        self, registration_type: str, *, client_token: str | None = None
    ) -> Registration:
        """CreateRegistration, stored with its journal (see :meth:`RegistrationService.create`)."""
        flow = create_flow(registration_type, client_token=client_token, worker_id=self._worker_id)
        loaded: Loaded = await self._run(flow)
        return loaded.registration

    async def get(self, registration_id: str) -> Registration:
        """The registration as stored (RegistrationNotStored when it is not)."""
        loaded = await self.store.load(validate_registration_id(registration_id))
        return loaded.registration

    async def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionStatus:
        """SubmitRegistrationVersion on the latest version, exactly once across workers."""
        return await self._status(self._operation_flow(registration_id, "submit", aws_review))

    async def discard(self, registration_id: str) -> VersionStatus:
        """DiscardRegistrationVersion on the latest version, exactly once across workers."""
        return await self._status(self._operation_flow(registration_id, "discard", False))

    async def create_version(self, registration_id: str) -> VersionStatus:
        """CreateRegistrationVersion, exactly once across workers; the new version's status."""
        return await self._status(self._operation_flow(registration_id, "create_version", False))

    async def reconcile(self, registration_id: str) -> Registration:
        """Bring the stored registration to the service's truth (journaled as reconcile)."""
        flow = reconcile_flow(registration_id, now=self._clock(), worker_id=self._worker_id)
        after: Loaded = await self._run(flow)
        return after.registration

    async def journal(self, registration_id: str) -> tuple[JournalEntry, ...]:
        """The registration's journal, oldest entry first."""
        return await self.store.journal(validate_registration_id(registration_id))

    async def intents(self, registration_id: str) -> tuple[Intent, ...]:
        """The intents stored for the registration (calls in flight, or left by a crash)."""
        return await self.store.intents(validate_registration_id(registration_id))

    async def recover(self) -> list[str]:
        """Resolve every expired intent by reading the versions back; the ids resolved."""
        flow = recover_flow(now=self._clock(), worker_id=self._worker_id)
        resolved: list[str] = await self._run(flow)
        return resolved

    async def _status(self, flow: Flow) -> VersionStatus:
        status: VersionStatus = (await self._run(flow))[1]
        return status

    async def _run(self, flow: Flow) -> Any:
        """Drive ``flow`` as :meth:`RegistrationService._run` does, awaiting each call."""
        send: Any = None
        error: RegistrationFsmError | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(send)
            except StopIteration as done:
                return done.value
            except RegistrationFsmError as refused:
                self._refused(refused)
                raise
            send, error = None, None
            if isinstance(effect, Step):
                self._step(effect)
                continue
            try:
                method, args, kwargs = self._call_for(effect)
                if isinstance(effect, Save):
                    async with self._stripe(effect.registration.registration_id):
                        send = await method(*args, **kwargs)
                        self._committed(effect)
                    self._listeners.deliver()
                else:
                    send = await method(*args, **kwargs)
            except RegistrationFsmError as raised:
                error = raised

    def _stripe(self, registration_id: str) -> asyncio.Lock:
        """The lock that orders this loop's commits of one registration (one set per loop)."""
        key = (id(asyncio.get_running_loop()), hash(registration_id) % _STRIPES)
        lock = self._loop_stripes.get(key)
        if lock is None:
            lock = self._loop_stripes[key] = asyncio.Lock()
        return lock

    async def handle_event(self, event: object) -> EventOutcome:
        """:meth:`RegistrationService.handle_event`, awaited."""
        outcome: EventOutcome = await self._run(
            event_flow(event, now=self._clock(), worker_id=self._worker_id)
        )
        return outcome
