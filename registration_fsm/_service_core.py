"""The service's decisions, free of I/O: what to ask the store and the backend, and in what order.

Each operation of :class:`~registration_fsm.service.RegistrationService` is a generator that
yields *effects* (load this registration, claim that intent, call the backend, save this)
and is sent back their results, or has their errors thrown in. A driver performs the effects;
the sync service is one driver, and an asyncio one can be another, so the checks, the
claim/answer/save sequence, the read-back rules and the journal entries are written once,
here, as h11 keeps HTTP's rules apart from sockets.

The sequence for a call to AWS (submit, discard, create_version):

1. load the registration; settle its intents: an unexpired one means another worker's call is
   in flight (``OperationInProgress``, nothing is sent); an expired one is the trace of a
   worker that died between its call and its save, resolved by reading the versions back (the
   truth decides whether it took effect), never by sending again;
2. check locally (``Registration.check``): a refused move raises before anything is sent;
3. claim the intent for (registration, version, operation), then load and check again: a
   worker that saved (and so released its intent) since the first load has done the move;
4. call the backend. A definite refusal releases the intent and raises; a failure that may
   hide an effect (no answer, a 5xx, botocore's retries) keeps the intent, for the read-back;
5. adopt the answer and save it with its journal entries, releasing the intent, in one
   transaction; a concurrent save (another worker's reconcile) is met by loading again and
   adopting the same answer onto what is stored.
"""

from __future__ import annotations

import copy
from collections.abc import Generator, Sequence
from datetime import datetime
from typing import Any, Literal

import attrs

from .errors import (
    AwsReviewNotApplied,
    ConcurrentUpdateError,
    IntentLostError,
    InternalServerError,
    InvalidValueError,
    OperationInProgress,
    RegistrationNotStored,
    ServiceUnavailableError,
    UnexpectedAnswerError,
)
from .events import RegistrationStatusEvent, parse_registration_event
from .registration import Registration
from .store._journal import JournalMove, JournalSource, journal_moves
from .store._protocol import Intent, Loaded
from .values import (
    RegistrationInfo,
    VersionInfo,
    validate_registration_id,
    validate_registration_type,
)

__all__ = [
    "Call",
    "Claim",
    "Describe",
    "Effect",
    "EventOutcome",
    "EventsSeen",
    "Expired",
    "Intents",
    "Load",
    "RecordEvent",
    "Release",
    "Save",
    "Step",
    "TakeOver",
    "create_flow",
    "event_flow",
    "operation_flow",
    "reconcile_flow",
    "recover_flow",
    "settle_flow",
]

Operation = Literal["submit", "discard", "create_version"]
_SAVE_ATTEMPTS = 5


@attrs.frozen
class Load:
    registration_id: str


@attrs.frozen
class Intents:
    registration_id: str


@attrs.frozen
class Expired:
    """The intents whose lease ran out at ``at``, of every registration."""

    at: datetime


@attrs.frozen
class Claim:
    registration_id: str
    version_number: int
    operation: str


@attrs.frozen
class TakeOver:
    intent: Intent


@attrs.frozen
class Release:
    intent: Intent


@attrs.frozen
class Call:
    """A call to the backend: ``operation`` with ``arguments`` (keyword arguments)."""

    operation: str
    arguments: tuple[tuple[str, Any], ...]


@attrs.frozen
class Describe:
    registration_id: str


@attrs.frozen
class Save:
    registration: Registration = attrs.field(eq=False)
    expected_revision: int | None
    moves: tuple[JournalMove, ...]
    release: Intent | None = None


@attrs.frozen
class EventsSeen:
    """The ids of the events recorded as handled for a registration."""

    registration_id: str


@attrs.frozen
class RecordEvent:
    event_id: str
    registration_id: str


@attrs.frozen
class Step:
    """A step boundary, for tests that stop a worker dead there; performs nothing."""

    name: str


_STEPS = {name: Step(name) for name in ("claimed", "answered", "before_save", "saved")}
"""The step boundaries a flow passes, made once (a Step holds nothing but its name)."""

Effect = (
    Load
    | Intents
    | Expired
    | Claim
    | TakeOver
    | Release
    | Call
    | Describe
    | Save
    | EventsSeen
    | RecordEvent
    | Step
)
Flow = Generator[Effect, Any, Any]


def _may_hide_effect(error: BaseException) -> bool:
    """True when a failed call may still have taken effect: only a read-back can tell."""
    return isinstance(error, (ServiceUnavailableError, InternalServerError))


def settle_flow(loaded: Loaded, now: datetime, worker_id: str) -> Flow:
    """Resolve the registration's intents; returns the registration as stored after that.

    An unexpired intent raises OperationInProgress (another worker's call is in flight); an
    expired one is taken over and resolved by reading the versions back.
    """
    rid = loaded.registration_id
    intents: Sequence[Intent] = yield Intents(rid)
    for intent in intents:
        if not intent.expired(now):
            raise OperationInProgress(intent, expired=False)
    for intent in intents:
        taken: Intent = yield TakeOver(intent)
        loaded = yield from _read_back(rid, worker_id, release=taken)
    return loaded


def _saved(loaded: Loaded, registration: Registration, revision: int) -> Loaded:
    """``loaded`` after its registration was saved as ``registration`` at ``revision``."""
    return Loaded(registration, revision, loaded.next_check_at, loaded.journal_head)


def _read_back(
    rid: str,
    worker_id: str,
    *,
    release: Intent | None,
    source: JournalSource = JournalSource.RECONCILE,
) -> Flow:
    """Reconcile the stored registration with the service's versions and save it."""
    for _ in range(_SAVE_ATTEMPTS):
        loaded: Loaded = yield Load(rid)
        infos: Sequence[VersionInfo] = yield Describe(rid)
        trial = copy.copy(loaded.registration)
        trial.reconcile_versions(infos)
        moves = journal_moves(loaded.registration, trial, source=source, worker_id=worker_id)
        try:
            revision = yield Save(trial, loaded.revision, moves, release)
        except ConcurrentUpdateError:
            continue
        return _saved(loaded, trial, revision)
    raise ConcurrentUpdateError(rid, None, None)


def operation_flow(
    registration_id: str,
    operation: Operation,
    *,
    aws_review: bool,
    now: datetime,
    worker_id: str,
) -> Flow:
    """Submit, discard or create a version, exactly once across workers and crashes; returns
    the stored registration and the status of the version it acted on.

    Only exceptions (``RegistrationFsmError`` thrown in by the driver) release a claimed
    intent: a ``BaseException`` (a cancelled task, an interrupt) leaves it, like a worker that
    died, to be resolved by a read-back once its lease runs out.
    """
    rid = validate_registration_id(registration_id)
    if not isinstance(aws_review, bool):
        raise InvalidValueError(f"aws_review must be a bool, got {aws_review!r}")
    loaded: Loaded = yield Load(rid)
    loaded = yield from settle_flow(loaded, now, worker_id)
    number = loaded.registration.check(operation)
    intent: Intent = yield Claim(rid, number, operation)
    # Read again under the claim: a worker that saved and released its intent since the first
    # load made this call unnecessary, or a call for another version; nothing is sent then.
    loaded = yield Load(rid)
    try:
        if loaded.registration.check(operation) != number:
            raise ConcurrentUpdateError(rid, loaded.revision, loaded.revision)
    except Exception:
        yield Release(intent)
        raise
    yield _STEPS["claimed"]
    arguments: tuple[tuple[str, Any], ...] = (("registration_id", rid),)
    if aws_review:
        arguments += (("aws_review", True),)
    try:
        answer: VersionInfo = yield Call(operation, arguments)
    except Exception as error:
        if not _may_hide_effect(error):
            yield Release(intent)
        raise
    yield _STEPS["answered"]
    for _ in range(_SAVE_ATTEMPTS):
        trial = loaded.registration.__copy__()
        try:
            status = trial.adopt_answer(operation, answer, aws_review=aws_review)
        except AwsReviewNotApplied:
            # Submitted, but without the pre-review asked for: the truth is stored, then said.
            yield from _read_back(rid, worker_id, release=intent)
            raise
        except UnexpectedAnswerError:
            # What is stored moved on under us (a reconcile adopted a newer version): the
            # answer is for the version we claimed; reconcile with the truth instead.
            infos: Sequence[VersionInfo] = yield Describe(rid)
            trial = copy.copy(loaded.registration)
            trial.reconcile_versions(infos)
            status = trial.latest.status
        moves = journal_moves(
            loaded.registration, trial, source=JournalSource.ANSWER, worker_id=worker_id
        )
        yield _STEPS["before_save"]
        try:
            revision = yield Save(trial, loaded.revision, moves, intent)
        except ConcurrentUpdateError:
            loaded = yield Load(rid)
            continue
        yield _STEPS["saved"]
        return _saved(loaded, trial, revision), status
    raise ConcurrentUpdateError(rid, loaded.revision, None)


def create_flow(registration_type: str, *, client_token: str | None, worker_id: str) -> Flow:
    """CreateRegistration, then the registration as the service holds it, stored."""
    validate_registration_type(registration_type)
    arguments: tuple[tuple[str, Any], ...] = (("registration_type", registration_type),)
    if client_token is not None:
        arguments += (("client_token", client_token),)
    info: RegistrationInfo = yield Call("create_registration", arguments)
    yield _STEPS["answered"]
    rid = info.registration_id
    infos: Sequence[VersionInfo] = yield Describe(rid)
    registration = Registration._from_infos(info, list(infos), None)
    moves = journal_moves(None, registration, source=JournalSource.ANSWER, worker_id=worker_id)
    try:
        revision = yield Save(registration, None, moves)
    except ConcurrentUpdateError:
        # The same ClientToken again: the registration was stored by the first call.
        existing: Loaded = yield Load(rid)
        return existing
    return Loaded(registration, revision)


def reconcile_flow(registration_id: str, *, now: datetime, worker_id: str) -> Flow:
    """Bring the stored registration to the service's truth, journaled as reconciled."""
    rid = validate_registration_id(registration_id)
    loaded: Loaded = yield Load(rid)
    yield from settle_flow(loaded, now, worker_id)
    return (yield from _read_back(rid, worker_id, release=None))


def recover_flow(*, now: datetime, worker_id: str) -> Flow:
    """Resolve every intent expired at ``now`` by reading the versions back; the ids resolved.

    An intent a live worker still holds is left alone, and so is one another worker resolves
    or takes meanwhile.
    """
    expired: Sequence[Intent] = yield Expired(now)
    resolved: set[str] = set()
    for intent in expired:
        rid = intent.registration_id
        try:
            loaded: Loaded = yield Load(rid)
            yield from settle_flow(loaded, now, worker_id)
        except (OperationInProgress, IntentLostError):
            continue
        resolved.add(rid)
    return sorted(resolved)


@attrs.frozen
class EventOutcome:
    """What :func:`event_flow` did with one event."""

    event: RegistrationStatusEvent
    handled: bool
    """False when nothing was done: the event was handled before, or its registration is not
    in the store (``registration`` is None then)."""
    registration: Registration | None = attrs.field(default=None, eq=False)

    @property
    def duplicate(self) -> bool:
        return not self.handled and self.registration is not None


def event_flow(event: object, *, now: datetime, worker_id: str) -> Flow:
    """Handle an EventBridge ``Registration Status Change`` event: a hint, never the truth.

    The registration is reconciled from the service (moves journaled with source ``event``),
    then the event id is recorded, so a repeated event changes nothing and costs one store
    read, and a late one cannot rewind anything (the service's truth decides). The id is
    recorded only after the reconcile is saved: an event whose handling failed is not marked
    handled, and its redelivery tries again.
    """
    parsed = parse_registration_event(event)
    rid = parsed.registration_id
    try:
        loaded: Loaded = yield Load(rid)
    except RegistrationNotStored:
        return EventOutcome(parsed, handled=False)
    seen: Sequence[str] = yield EventsSeen(rid)
    if parsed.event_id in seen:
        return EventOutcome(parsed, handled=False, registration=loaded.registration)
    yield from settle_flow(loaded, now, worker_id)
    after: Loaded = yield from _read_back(rid, worker_id, release=None, source=JournalSource.EVENT)
    yield RecordEvent(parsed.event_id, rid)
    return EventOutcome(parsed, handled=True, registration=after.registration)
