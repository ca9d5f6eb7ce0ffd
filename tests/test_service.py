"""RegistrationService: stored registrations, exactly-once calls, crashes resolved by read-back.

Every test runs twice: against RegistrationService, and against AsyncRegistrationService (over
ThreadedAsyncStore and AsyncInMemoryBackend, each call run to completion on an event loop of
its own), which must make the same decisions because both drive one core.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from registration_fsm import (
    ConflictError,
    FaultKind,
    InMemoryBackend,
    InvalidTransition,
    InvalidValueError,
    OperationInProgress,
    Registration,
    RegistrationFsmError,
    RegistrationNotStored,
    RegistrationRuleError,
    ServiceUnavailableError,
    VersionStatus,
)
from registration_fsm.backends import AsyncInMemoryBackend
from registration_fsm.service import AsyncRegistrationService, RegistrationService
from registration_fsm.store import (
    DynamoDbStore,
    SqliteStore,
    Store,
    ThreadedAsyncStore,
    verify_journal,
)

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
BRAND = "US_TEN_DLC_BRAND_REGISTRATION"
LEASE = timedelta(minutes=5)


class Clock:
    """One clock for the store, the services and the simulator, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def jump(self, delta: timedelta) -> None:
        self.now += delta


class Crash(BaseException):
    """The worker stops dead here (not an Exception: nothing in the library catches it)."""


class Blocking:
    """An AsyncRegistrationService called like a RegistrationService: each call runs on a new
    event loop in a thread of its own (so a call from inside another call's step works)."""

    def __init__(self, service: AsyncRegistrationService) -> None:
        self._service = service

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._service, name)
        if not asyncio.iscoroutinefunction(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            with ThreadPoolExecutor(1) as thread:
                return thread.submit(asyncio.run, method(*args, **kwargs)).result()

        return call


class World(tuple):  # type: ignore[type-arg]
    """(clock, store, backend), and which service the test makes over them."""

    kind: str
    aio_store: ThreadedAsyncStore | None = None


def _make(kind: str, clock: Clock, store: Store, backend: InMemoryBackend, **kwargs: Any) -> Any:
    if kind == "sync":
        return RegistrationService(store, backend, clock=clock, lease=LEASE, **kwargs)
    return Blocking(
        AsyncRegistrationService(
            ThreadedAsyncStore(store),
            AsyncInMemoryBackend(backend),
            clock=clock,
            lease=LEASE,
            **kwargs,
        )
    )


@pytest.fixture(params=["sync", "async", "sync-dynamodb", "async-dynamodb"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    """The service over SQLite, or over DynamoDB (moto's server), sync or async."""
    clock = Clock()
    kind, _, where = str(request.param).partition("-")
    store: Store
    if where == "dynamodb":
        client = request.getfixturevalue("make_dynamodb_client")()
        store = DynamoDbStore(f"rfsm-{uuid.uuid4().hex}", client, clock=clock)
    else:
        store = SqliteStore(":memory:", clock=clock)
    made = World((clock, store, InMemoryBackend(clock=clock)))
    made.kind = kind
    yield made
    store.close()


def _service(world: World, name: str = "w1", **kwargs: Any) -> Any:
    clock, store, backend = world
    return _make(world.kind, clock, store, backend, worker_id=name, **kwargs)


def _truth(backend: InMemoryBackend, rid: str) -> list[tuple[S, dict[str, datetime]]]:
    return [(i.status, i.history.to_aws()) for i in backend.peek(rid)]


def _model(registration: Registration) -> list[tuple[S, dict[str, datetime]]]:
    return [(v.status, v.history.to_aws()) for v in registration.versions]


def _applied(backend: InMemoryBackend, trigger: str, rid: str) -> list[int]:
    return [n for t, r, n in backend.applied if t == trigger and r == rid]


def test_a_registration_lives_in_the_store_across_service_objects(world: Any) -> None:
    service = _service(world)
    registration = service.create(BRAND)
    rid = registration.registration_id
    assert service.submit(rid) is S.SUBMITTED
    del service
    again = _service(world, "w2")  # a restart: a new object, the same store
    assert again.get(rid).latest.status is S.SUBMITTED
    _, _, backend = world
    backend.play_aws(rid, "begin_review")
    backend.play_aws(rid, "approve")
    assert again.reconcile(rid).latest.status is S.APPROVED
    assert again.create_version(rid) is S.DRAFT
    assert _model(again.get(rid)) == _truth(backend, rid)
    journal = again.journal(rid)
    assert [(e.trigger, e.source.value, e.worker_id) for e in journal] == [
        ("create", "answer", "w1"),
        ("submit", "answer", "w1"),
        ("begin_review", "reconcile", "w2"),
        ("approve", "reconcile", "w2"),
        ("create", "answer", "w2"),
    ]
    assert verify_journal(journal, again.get(rid)).ok


def test_a_refused_move_sends_nothing(world: Any) -> None:
    service = _service(world)
    _, _, backend = world
    rid = service.create(BRAND).registration_id
    service.submit(rid)
    calls = len(backend.calls)
    with pytest.raises(InvalidTransition):
        service.submit(rid)
    with pytest.raises(RegistrationRuleError):
        service.create_version(rid)
    assert len(backend.calls) == calls  # refused locally: nothing was sent
    assert _applied(backend, "submit", rid) == [1]
    with pytest.raises(RegistrationNotStored):
        service.submit("registration-00000000000000000000000000000000")


def test_a_second_worker_while_a_call_is_in_flight_gets_operation_in_progress(
    world: Any,
) -> None:
    _, _, backend = world
    first = _service(world, "w1")
    rid = first.create(BRAND).registration_id
    seen: list[BaseException] = []

    def meanwhile(step: str) -> None:
        if step == "claimed":
            other = _service(world, "w2")
            try:
                other.submit(rid)
            except OperationInProgress as error:
                seen.append(error)
            try:
                other.discard(rid)
            except OperationInProgress as error:
                seen.append(error)

    busy = _service(world, "w1", on_step=meanwhile)
    assert busy.submit(rid) is S.SUBMITTED
    assert len(seen) == 2
    assert _applied(backend, "submit", rid) == [1]
    assert busy.intents(rid) == ()


@pytest.mark.parametrize("step", ["claimed", "answered", "before_save", "saved"])
@pytest.mark.parametrize("operation", ["submit", "discard"])
def test_a_worker_that_stops_dead_at_any_step_is_resolved_by_reading_back(
    world: Any, step: str, operation: str
) -> None:
    clock, _, backend = world
    rid = _service(world).create(BRAND).registration_id

    def die(at: str) -> None:
        if at == step:
            raise Crash(at)

    with pytest.raises(Crash):
        getattr(_service(world, "dying", on_step=die), operation)(rid)
    survivor = _service(world, "w2")
    if step != "saved":
        with pytest.raises(OperationInProgress):  # the lease has not run out
            getattr(survivor, operation)(rid)
    clock.jump(LEASE * 2)
    assert survivor.recover() == ([rid] if step != "saved" else [])
    stored = survivor.get(rid)
    assert _model(stored) == _truth(backend, rid)
    assert len(_applied(backend, operation, rid)) == (0 if step == "claimed" else 1)
    assert survivor.intents(rid) == ()
    assert verify_journal(survivor.journal(rid), stored).ok


def test_a_lost_answer_keeps_the_intent_and_the_next_call_reads_back(world: Any) -> None:
    clock, _, backend = world
    service = _service(world)
    rid = service.create(BRAND).registration_id
    backend.inject(FaultKind.LOST_ANSWER, operation="submit")
    with pytest.raises(ServiceUnavailableError):
        service.submit(rid)
    assert len(service.intents(rid)) == 1
    clock.jump(LEASE * 2)
    with pytest.raises(InvalidTransition):  # read back: it took effect, so no second submit
        service.submit(rid)
    assert _applied(backend, "submit", rid) == [1]
    assert service.get(rid).latest.status is S.SUBMITTED


def test_a_definite_refusal_releases_the_intent(world: Any) -> None:
    _, _, backend = world
    service = _service(world)
    rid = service.create(BRAND).registration_id
    backend.submit(rid)  # somebody outside the store submitted
    with pytest.raises(ConflictError) as caught:
        service.submit(rid)
    assert caught.value.current is not None
    assert service.intents(rid) == ()
    assert service.reconcile(rid).latest.status is S.SUBMITTED


def test_the_same_client_token_returns_the_first_registration(world: Any) -> None:
    service = _service(world)
    first = service.create(BRAND, client_token="token-1")
    again = service.create(BRAND, client_token="token-1")
    assert again.registration_id == first.registration_id
    assert len(service.journal(first.registration_id)) == 1


def test_bad_arguments_are_refused(world: Any) -> None:
    _, store, backend = world
    if world.kind == "async":
        with pytest.raises(InvalidValueError, match="use RegistrationService"):
            AsyncRegistrationService(store, AsyncInMemoryBackend(backend))  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="use RegistrationService"):
            AsyncRegistrationService(ThreadedAsyncStore(store), backend)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="use AsyncRegistrationService"):
            RegistrationService(ThreadedAsyncStore(store), backend)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="use AsyncRegistrationService"):
            RegistrationService(store, AsyncInMemoryBackend(backend))  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        RegistrationService(object(), backend)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        RegistrationService(store, object())  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        RegistrationService(store, backend, lease=timedelta(0))
    with pytest.raises(InvalidValueError):
        _service(world).submit("registration-1", aws_review="yes")  # type: ignore[arg-type]


_OPS: tuple[str, ...] = ("submit", "discard", "create_version", "reconcile", "aws")
_STEPS = ("claimed", "answered", "before_save", "saved", None, None, None)
_FAULTS = (FaultKind.LOST_ANSWER, FaultKind.TIMEOUT, FaultKind.INTERNAL_ERROR, None, None)


def _schedule(seed: int, kind: str = "sync") -> tuple[int, int]:
    """One randomized run of workers, crashes and faults; returns (moves applied, crashes)."""
    rng = random.Random(seed)
    clock = Clock()
    store = SqliteStore(":memory:", clock=clock)
    backend = InMemoryBackend(clock=clock)
    setup = _make(kind, clock, store, backend, worker_id="setup")
    rids = [setup.create(BRAND).registration_id for _ in range(2)]
    crashes = 0
    for turn in range(12):
        rid = rng.choice(rids)
        op = rng.choice(_OPS)
        step = rng.choice(_STEPS)
        fault = rng.choice(_FAULTS)

        def die(at: str, step: str | None = step) -> None:
            if at == step:
                raise Crash(at)

        worker = _make(kind, clock, store, backend, worker_id=f"w{turn}", on_step=die)
        if op == "aws":
            trigger = rng.choice(("begin_review", "approve", "deny", "require_authentication"))
            with contextlib.suppress(RegistrationFsmError):
                backend.play_aws(rid, trigger)
            continue
        if fault is not None:
            backend.inject(fault, operation=op if op != "reconcile" else None)
        try:
            getattr(worker, op)(rid)
        except Crash:
            crashes += 1
        except RegistrationFsmError:
            pass
        backend.clear_faults()
        if rng.random() < 0.3:
            clock.jump(LEASE * 2)
    clock.jump(LEASE * 2)
    recoverer = _make(kind, clock, store, backend, worker_id="recover")
    recoverer.recover()
    for rid in rids:
        assert recoverer.intents(rid) == ()
        # After recover(), every customer call that took effect is stored (none lost, none
        # twice); AWS-side moves since may still be ahead, which a reconcile then takes.
        recovered = recoverer.get(rid)
        truth = backend.peek(rid)
        assert len(recovered.versions) == len(truth), seed
        for version, info in zip(recovered.versions, truth):
            for stamp in ("submitted", "discarded"):
                assert getattr(version.history, stamp) == getattr(info.history, stamp), seed
        stored = recoverer.reconcile(rid)
        assert _model(stored) == _truth(backend, rid), seed
        assert verify_journal(recoverer.journal(rid), stored).ok, seed
        for trigger in ("submit", "discard"):
            numbers = _applied(backend, trigger, rid)
            assert len(numbers) == len(set(numbers)), (seed, trigger, numbers)
    store.close()
    return len(backend.applied), crashes


@pytest.mark.parametrize(("kind", "schedules"), [("sync", 1000), ("async", 250)])
def test_a_thousand_randomized_schedules_of_crashes_and_faults(kind: str, schedules: int) -> None:
    moves = crashes = 0
    for seed in range(schedules):
        applied, died = _schedule(seed, kind)
        moves += applied
        crashes += died
    # Not vacuous: the schedules did move registrations, and workers did die mid-operation.
    assert moves > 3 * schedules
    assert crashes > schedules // 2


def test_eight_threads_on_one_store_send_each_submit_once(world: Any) -> None:
    import threading

    _, _, backend = world
    rids = [_service(world).create(BRAND).registration_id for _ in range(20)]
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        service = _service(world, f"t{number}")
        for rid in rids if number % 2 else rids[::-1]:
            try:
                service.submit(rid)
            except (OperationInProgress, InvalidTransition):
                pass
            except BaseException as error:  # the test asserts there is none
                errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    sent = [rid for operation, rid in backend.calls if operation == "submit"]
    assert sorted(sent) == sorted(rids)
    for rid in rids:
        assert _service(world).get(rid).latest.status is S.SUBMITTED


def test_recover_leaves_an_intent_another_worker_took_over(world: Any) -> None:
    clock, store, backend = world
    rid = _service(world).create(BRAND).registration_id

    def die(at: str) -> None:
        if at == "answered":
            raise Crash(at)

    with pytest.raises(Crash):
        _service(world, "dying", on_step=die).submit(rid)
    clock.jump(LEASE * 2)
    (stale,) = store.expired_intents(clock.now)
    store.take_over_intent(stale, "quick", LEASE)  # another worker got there first
    late = _service(world, "late")
    assert late.recover() == []  # nothing expired now: the other worker holds a fresh lease
    clock.jump(LEASE * 2)
    assert late.recover() == [rid]
    assert late.get(rid).latest.status is S.SUBMITTED
    assert _applied(backend, "submit", rid) == [1]
