"""Learning what AWS did: listeners, log records, EventBridge events handled by the service, and
the syncer polling what is due."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from registration_fsm import (
    FaultKind,
    InMemoryBackend,
    InvalidTransition,
    InvalidValueError,
    MalformedEventError,
    OperationInProgress,
    ThrottlingError,
    UnknownStatusError,
    UnknownTriggerError,
    VersionStatus,
)
from registration_fsm.events import TransitionEvent
from registration_fsm.schedule import DEFAULT_SCHEDULE, Schedule
from registration_fsm.service import RegistrationService
from registration_fsm.store import SqliteStore, verify_journal
from registration_fsm.sync import Syncer

S = VersionStatus
BRAND = "US_TEN_DLC_BRAND_REGISTRATION"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A shared clock that moves only when the test says."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def peek(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def world() -> Iterator[tuple[Clock, SqliteStore, InMemoryBackend, RegistrationService]]:
    clock = Clock()
    store = SqliteStore(":memory:", clock=clock)
    backend = InMemoryBackend(clock=clock)
    service = RegistrationService(store, backend, worker_id="w1", clock=clock)
    yield clock, store, backend, service
    store.close()


def _key(event: TransitionEvent) -> tuple[Any, ...]:
    return (event.registration_id, event.version_number, event.edge, event.to_status, event.stamp)


def test_listeners_hear_each_committed_move_once_with_filters(world: Any) -> None:
    clock, _, backend, service = world
    every: list[TransitionEvent] = []
    decided: list[TransitionEvent] = []
    service.subscribe(every.append)
    service.subscribe(decided.append, statuses=["APPROVED", S.DENIED])
    submits: list[TransitionEvent] = []
    subscription = service.subscribe(submits.append, triggers="submit")
    rid = service.create(BRAND).registration_id
    service.submit(rid)
    clock.advance(timedelta(hours=1))
    backend.play_aws(rid, "begin_review")
    backend.play_aws(rid, "approve")
    service.reconcile(rid)
    service.reconcile(rid)  # nothing new: nothing told
    subscription.cancel()
    service.create_version(rid)
    service.submit(rid)
    assert [(e.edge, e.to_status, e.source) for e in every] == [
        ("create", S.DRAFT, "answer"),
        ("submit", S.SUBMITTED, "answer"),
        ("begin_review", S.REVIEWING, "reconcile"),
        ("approve", S.APPROVED, "reconcile"),
        ("create", S.DRAFT, "answer"),
        ("submit", S.SUBMITTED, "answer"),
    ]
    assert [e.to_status for e in decided] == [S.APPROVED]
    assert [e.version_number for e in submits] == [1]
    journal = service.journal(rid)
    assert [_key(TransitionEvent.from_journal(e)) for e in journal] == [_key(e) for e in every]
    assert every[3].stamp == backend.peek(rid)[0].history.approved


def test_a_listener_that_raises_is_logged_and_changes_nothing(
    world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _, _, _, service = world
    heard: list[str] = []

    def broken(event: TransitionEvent) -> None:
        raise RuntimeError("listener bug")

    service.subscribe(broken)
    service.subscribe(lambda event: heard.append(event.edge))
    with caplog.at_level(logging.INFO, logger="registration_fsm"):
        rid = service.create(BRAND).registration_id
        assert service.submit(rid) is S.SUBMITTED
    assert heard == ["create", "submit"]
    assert service.get(rid).latest.status is S.SUBMITTED
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 2
    assert all("listener" in r.getMessage() for r in failures)
    moves = [
        r for r in caplog.records if r.levelno == logging.INFO and r.name == "registration_fsm"
    ]
    assert [(r.trigger, r.to_status, r.source, r.worker_id) for r in moves] == [
        ("create", "DRAFT", "answer", "w1"),
        ("submit", "SUBMITTED", "answer", "w1"),
    ]
    assert moves[1].registration_id == rid
    assert moves[1].version_number == 1


def test_a_listener_may_call_the_service_and_order_is_kept(world: Any) -> None:
    _, _, _, service = world
    heard: list[tuple[str, S]] = []

    def chain(event: TransitionEvent) -> None:
        heard.append((event.edge, event.to_status))
        if event.edge == "create" and event.version_number == 1:
            service.submit(event.registration_id)  # re-entrant: delivered after this one

    service.subscribe(chain)
    service.create(BRAND)
    assert heard == [("create", S.DRAFT), ("submit", S.SUBMITTED)]


def test_threads_tell_each_registration_in_commit_order(world: Any) -> None:
    service = world[3]
    rids = [service.create(BRAND).registration_id for _ in range(10)]
    heard: list[TransitionEvent] = []
    lock = threading.Lock()

    def record(event: TransitionEvent) -> None:
        with lock:
            heard.append(event)

    service.subscribe(record)

    def worker() -> None:
        for rid in rids:
            with contextlib.suppress(OperationInProgress, InvalidTransition):
                service.submit(rid)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert Counter(e.registration_id for e in heard) == Counter(rids)
    for rid in rids:
        journal = service.journal(rid)
        mine = [_key(e) for e in heard if e.registration_id == rid]
        assert mine == [_key(TransitionEvent.from_journal(e)) for e in journal[1:]]


def test_subscribe_refuses_what_it_cannot_filter(world: Any) -> None:
    _, _, _, service = world
    with pytest.raises(InvalidValueError):
        service.subscribe("not callable")  # type: ignore[arg-type]
    with pytest.raises(UnknownStatusError):
        service.subscribe(print, statuses=["APPROVED", "FINISHED"])
    with pytest.raises(UnknownTriggerError):
        service.subscribe(print, triggers=["submit", "launch"])


# -- EventBridge events -------------------------------------------------------------------------


def test_an_event_reconciles_once_and_a_repeat_changes_nothing(world: Any) -> None:
    clock, _, backend, service = world
    rid = service.create(BRAND).registration_id
    service.submit(rid)
    backend.drain_events()
    clock.advance(timedelta(minutes=3))
    backend.play_aws(rid, "begin_review")
    (event,) = backend.drain_events()
    describes = sum(1 for op, r in backend.calls if op == "describe_versions" and r == rid)
    first = service.handle_event(event)
    assert first.handled
    assert first.registration is not None
    assert first.registration.latest.status is S.REVIEWING
    assert service.journal(rid)[-1].source.value == "event"
    again = service.handle_event(event)
    assert (again.handled, again.duplicate) == (False, True)
    after = sum(1 for op, r in backend.calls if op == "describe_versions" and r == rid)
    assert after == describes + 1  # the repeat sent nothing
    assert verify_journal(service.journal(rid), service.get(rid)).ok


def test_a_late_event_cannot_rewind_and_an_unknown_registration_is_ignored(world: Any) -> None:
    _, _, backend, service = world
    rid = service.create(BRAND).registration_id
    service.submit(rid)
    backend.play_aws(rid, "begin_review")
    early = backend.drain_events()
    backend.play_aws(rid, "deny")
    service.reconcile(rid)
    for event in early:  # SUBMITTED, then REVIEWING: both arrive after the denial
        outcome = service.handle_event(event)
        assert outcome.handled
    assert service.get(rid).latest.status is S.DENIED
    stranger = InMemoryBackend(id_seed=7)
    other = stranger.create_registration(BRAND).registration_id
    stranger.submit(other)
    foreign = stranger.drain_events()[-1]
    outcome = service.handle_event(foreign)
    assert (outcome.handled, outcome.duplicate, outcome.registration) == (False, False, None)
    with pytest.raises(MalformedEventError):
        service.handle_event({"detail-type": "Registration Status Change"})


def test_a_failed_reconcile_does_not_mark_the_event_handled(world: Any) -> None:
    _, store, backend, service = world
    rid = service.create(BRAND).registration_id
    service.submit(rid)
    (event,) = [e for e in backend.drain_events() if "SUBMITTED" in str(e)][-1:]
    backend.inject(FaultKind.THROTTLING, operation="describe_versions")
    with pytest.raises(ThrottlingError):
        service.handle_event(event)
    assert store.events_seen(rid) == ()
    assert service.handle_event(event).handled  # the redelivery tries again


# -- schedule and syncer --------------------------------------------------------------------------


def test_saves_carry_the_next_check_from_the_schedule(world: Any) -> None:
    clock, store, backend, service = world
    rid = service.create(BRAND).registration_id
    assert store.load(rid).next_check_at is None  # a DRAFT cannot move by itself
    service.submit(rid)
    due = store.load(rid).next_check_at
    assert due is not None
    assert timedelta(minutes=4.5) <= due - clock.now <= timedelta(minutes=5.5)
    backend.play_aws(rid, "begin_review")
    backend.play_aws(rid, "deny")
    service.reconcile(rid)
    assert store.load(rid).next_check_at is None  # DENIED is final


def test_the_schedule_refuses_nonsense() -> None:
    with pytest.raises(InvalidValueError):
        Schedule(intervals={"DRAFT": timedelta(minutes=1)})
    with pytest.raises(InvalidValueError):
        Schedule(intervals={"SUBMITTED": timedelta(0)})
    with pytest.raises(InvalidValueError):
        Schedule(intervals={"NOPE": timedelta(minutes=1)})
    with pytest.raises(InvalidValueError):
        Schedule(jitter=1.5)
    quiet = Schedule(intervals={"REVIEWING": timedelta(hours=1)}, jitter=0)
    assert quiet.intervals == {S.REVIEWING: timedelta(hours=1)}
    assert DEFAULT_SCHEDULE.intervals[S.SUBMITTED] == timedelta(minutes=5)


def test_the_syncer_checks_what_is_due_and_nothing_else(world: Any) -> None:
    clock, _, backend, service = world
    rids = [service.create(BRAND).registration_id for _ in range(6)]
    for rid in rids[:4]:
        service.submit(rid)
    setup_calls = len(backend.calls)
    sleeps: list[float] = []
    elapsed = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        elapsed[0] += seconds

    syncer = Syncer(
        service, batch=10, max_calls_per_second=2, sleep=sleep, monotonic=lambda: elapsed[0]
    )
    assert syncer.run_once().claimed == 0  # nothing is due yet
    backend.play_aws(rids[0], "begin_review")
    clock.advance(timedelta(minutes=6))
    report = syncer.run_once()
    assert (report.checked, report.changed, report.deferred) == (4, 1, ())
    assert service.get(rids[0]).latest.status is S.REVIEWING
    assert sleeps == [0.5, 0.5, 0.5]  # four checks, two a second, spread evenly
    assert syncer.run_once().claimed == 0  # checked ones are due again in 5 minutes or later
    polled = [r for op, r in backend.calls[setup_calls:] if op == "describe_versions"]
    assert sorted(polled) == sorted(rids[:4])  # once each; the DRAFTs are never polled


def test_throttling_defers_a_registration_until_its_lease_runs_out(world: Any) -> None:
    clock, _, backend, service = world
    rid = service.create(BRAND).registration_id
    service.submit(rid)
    clock.advance(timedelta(minutes=6))
    syncer = Syncer(service, lease=timedelta(minutes=10), max_calls_per_second=None)
    backend.inject(FaultKind.THROTTLING, operation="describe_versions")
    assert syncer.run_once().deferred == ((rid, "ThrottlingError"),)
    assert syncer.run_once().claimed == 0  # leased: not retried in a hot loop
    clock.advance(timedelta(minutes=11))
    assert syncer.run_once().checked == 1


def test_run_forever_stops_when_asked(world: Any) -> None:
    _, _, _, service = world
    stop = threading.Event()
    rounds: list[int] = []

    def on_round(report: Any) -> None:
        rounds.append(report.claimed)
        if len(rounds) == 3:
            stop.set()

    Syncer(service).run_forever(stop, idle=0.01, on_round=on_round)
    assert rounds == [0, 0, 0]
    with pytest.raises(InvalidValueError):
        Syncer(service, batch=0)
    with pytest.raises(InvalidValueError):
        Syncer(object())  # type: ignore[arg-type]


def test_each_backend_call_is_logged_at_debug_with_its_request_id(
    make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from registration_fsm import AwsBackend, ConflictError

    backend = AwsBackend(make_client(attempts=1))
    with caplog.at_level(logging.DEBUG, logger="registration_fsm.backends"):
        rid = backend.create_registration(BRAND).registration_id
        backend.submit(rid)
        with pytest.raises(ConflictError):
            backend.submit(rid)
    calls = [r for r in caplog.records if r.name == "registration_fsm.backends"]
    assert [(r.operation, r.http_status, r.error) for r in calls] == [
        ("CreateRegistration", 200, None),
        ("SubmitRegistrationVersion", 200, None),
        ("SubmitRegistrationVersion", 400, "ConflictException"),
        ("DescribeRegistrationVersions", 200, None),  # the conflict's current version
    ]
    assert all(r.request_id for r in calls)
    assert len({r.request_id for r in calls}) == 4


class _Tampered(InMemoryBackend):
    """Once ``tampered``, describes the latest version as APPROVED with no approval stamp."""

    tampered = False

    def describe_versions(self, registration_id: str, version_numbers: Any = None) -> Any:
        import attrs

        infos = super().describe_versions(registration_id, version_numbers)
        if not self.tampered:
            return infos
        return (*infos[:-1], attrs.evolve(infos[-1], status=S.APPROVED))


def test_a_refused_remote_state_is_logged_as_a_warning_and_changes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from registration_fsm import IllegalRemoteTransition

    clock = Clock()
    store = SqliteStore(":memory:", clock=clock)
    backend = _Tampered(clock=clock)
    service = RegistrationService(store, backend, worker_id="w1", clock=clock)
    heard: list[TransitionEvent] = []
    rid = service.create(BRAND).registration_id
    service.submit(rid)
    service.subscribe(heard.append)
    backend.tampered = True
    revision = store.load(rid).revision
    with (
        caplog.at_level(logging.WARNING, logger="registration_fsm"),
        pytest.raises(IllegalRemoteTransition),
    ):
        service.reconcile(rid)
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert record.registration_id == rid
    assert "refused" in record.getMessage()
    assert (store.load(rid).revision, heard) == (revision, [])
    store.close()


def test_no_record_holds_a_field_value_or_a_credential(
    boto3_session: Any, emulator: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Every record the library writes in a whole flow through AwsBackend, DEBUG included, is
    searched for the client's credentials and for a field value the registration holds."""
    import boto3

    from registration_fsm import AwsBackend

    key, secret = "AKIAEXAMPLELOGCHECK1", "log-check-secret-0123456789abcdef"
    client = boto3.session.Session(
        aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1"
    ).client("pinpoint-sms-voice-v2", endpoint_url=emulator.endpoint_url)
    assert boto3_session is not None  # its isolation of the environment holds for this client
    store = SqliteStore(str(tmp_path / "s.db"))
    service = RegistrationService(store, AwsBackend(client), worker_id="w1")
    value = "Field value that must never be logged 42"
    with caplog.at_level(logging.DEBUG, logger="registration_fsm"):
        rid = service.create(BRAND).registration_id
        fields = client.describe_registration_field_definitions(RegistrationType=BRAND)
        path = next(
            f["FieldPath"]
            for f in fields["RegistrationFieldDefinitions"]
            if f["FieldType"] == "TEXT"
        )
        client.put_registration_field_value(RegistrationId=rid, FieldPath=path, TextValue=value)
        service.submit(rid)
        service.reconcile(rid)
    ours = [r for r in caplog.records if r.name.startswith("registration_fsm")]
    assert {r.levelname for r in ours} >= {"DEBUG", "INFO"}
    for record in ours:
        text = record.getMessage() + " " + " ".join(str(v) for v in vars(record).values())
        for secret_text in (key, secret, value):
            assert secret_text not in text, (record.name, record.getMessage())
    store.close()
