"""The simulator's EventBridge events: one per status change, AWS's shape, seeded knobs."""

from __future__ import annotations

import json
import logging
import random
import threading
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from registration_fsm.backends import EventKnobs, FaultKind, InMemoryBackend
from registration_fsm.clock import SteppingClock
from registration_fsm.errors import (
    ConflictError,
    InvalidTransition,
    InvalidValueError,
    ServiceUnavailableError,
)
from registration_fsm.events import parse_registration_event
from registration_fsm.lifecycle import LIFECYCLE
from registration_fsm.statuses import RegistrationStatus

TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
R = RegistrationStatus


def _flow(backend: InMemoryBackend) -> list[tuple[str, R]]:
    """A played flow; returns each operation and the registration status it left."""
    seen: list[tuple[str, R]] = []

    def step(name: str, rid: str) -> None:
        seen.append((name, backend.describe_registration(rid).status))

    rid = backend.create_registration(TYPE).registration_id
    step("create", rid)
    backend.submit(rid)
    step("submit", rid)
    backend.play_aws(rid, "begin_review")
    step("begin_review", rid)
    backend.play_aws(rid, "require_authentication")
    step("require_authentication", rid)
    backend.play_aws(rid, "complete_authentication")
    step("complete_authentication", rid)
    backend.play_aws(rid, "approve")
    step("approve", rid)
    backend.create_version(rid)
    step("create_version", rid)
    backend.submit(rid, aws_review=True)
    step("submit_aws_review", rid)
    backend.play_aws(rid, "begin_review")
    step("end_aws_review", rid)
    backend.play_aws(rid, "deny")
    step("deny", rid)
    backend.create_version(rid)
    step("create_version", rid)
    backend.discard(rid)
    step("discard", rid)
    backend.delete_registration(rid)
    step("delete", rid)
    return seen


def _changes(seen: list[tuple[str, R]]) -> list[R]:
    out: list[R] = []
    for _, status in seen:
        if not out or out[-1] is not status:
            out.append(status)
    return out


def test_each_status_change_of_a_flow_is_one_parseable_event() -> None:
    backend = InMemoryBackend()
    got: list[dict[str, Any]] = []
    backend.subscribe_events(got.append)
    seen = _flow(backend)
    parsed = [parse_registration_event(e) for e in got]
    assert [p.current_status for p in parsed] == _changes(seen)
    assert [p.current_status for p in parsed] == [
        R.CREATED,
        R.SUBMITTED,
        R.REVIEWING,
        R.REQUIRES_AUTHENTICATION,
        R.REVIEWING,
        R.COMPLETE,
        R.CREATED,
        R.AWS_REVIEWING,
        R.REVIEWING,
        R.REQUIRES_UPDATES,
        R.CREATED,
        R.REQUIRES_UPDATES,
        R.DELETED,
    ]
    (rid,) = {p.registration_id for p in parsed}
    assert [p.version_number for p in parsed] == [1] * 6 + [2] * 4 + [3] * 3
    assert all(p.account == "123456789012" and p.region == "us-east-1" for p in parsed)
    assert all(p.registration_type == TYPE for p in parsed)
    assert all(p.resources == (p.registration_arn,) for p in parsed)
    assert len({p.event_id for p in parsed}) == len(parsed)
    # The stepping clock: each event carries the stamp of its change, in order.
    stamps = [p.changed_at for p in parsed]
    assert stamps == sorted(stamps)
    assert stamps[0] == datetime(2026, 1, 1, tzinfo=timezone.utc)
    history = backend.peek(rid)[0].history
    assert parsed[5].changed_at == history.approved
    assert backend.drain_events() == tuple(got)
    assert backend.drain_events() == ()
    assert backend.event_stats == {
        "produced": 13,
        "dropped": 0,
        "duplicated": 0,
        "released": 13,
    }


def test_the_ids_repeat_from_run_to_run_and_follow_id_seed() -> None:
    def ids(**options: Any) -> list[str]:
        backend = InMemoryBackend(**options)
        _flow(backend)
        return [e["id"] for e in backend.drain_events()]

    first = ids()
    assert ids() == first
    assert not set(ids(id_seed=1)) & set(first)


def test_a_random_walk_produces_one_event_per_status_change() -> None:
    backend = InMemoryBackend()
    got: list[dict[str, Any]] = []
    backend.subscribe_events(got.append)
    pick = random.Random(12)
    rids = [backend.create_registration(TYPE).registration_id for _ in range(5)]
    expected = 5
    for _ in range(400):
        rid = pick.choice(rids)
        before = backend.describe_registration(rid).status
        latest = backend.peek(rid)[-1].status
        options = [t for t in LIFECYCLE.allowed_triggers(latest) if t != "archive"]
        options += ["create_version"] if latest.is_terminal or latest.value == "APPROVED" else []
        if not options:
            continue
        trigger = pick.choice(options)
        if trigger == "create_version":
            backend.create_version(rid)
        elif trigger in LIFECYCLE.aws_triggers:
            backend.play_aws(rid, trigger)
        else:
            getattr(backend, trigger)(rid)
        expected += backend.describe_registration(rid).status is not before
    assert len(got) == expected
    assert expected > 100
    last: dict[str, R] = {}
    for event in got:
        parsed = parse_registration_event(event)
        assert last.get(parsed.registration_id) is not parsed.current_status
        last[parsed.registration_id] = parsed.current_status
    assert last == {rid: backend.describe_registration(rid).status for rid in rids}


def _many(backend: InMemoryBackend, count: int) -> list[str]:
    """``count`` status changes on one registration (submit/discard, then a new version)."""
    rid = backend.create_registration(TYPE).registration_id
    while backend.event_stats["produced"] < count:
        latest = backend.peek(rid)[-1].status.value
        if latest == "DRAFT":
            backend.submit(rid)
        elif latest == "SUBMITTED":
            backend.discard(rid)
        else:
            backend.create_version(rid)
    return [rid]


def _produced_ids(count: int) -> list[str]:
    reference = InMemoryBackend()
    _many(reference, count)
    ids = [e["id"] for e in reference.drain_events()]
    assert len(ids) == count
    return ids


def test_drop_rate_drops_that_share_with_a_fixed_seed() -> None:
    backend = InMemoryBackend()
    backend.configure_events(drop_rate=0.25, seed=3)
    _many(backend, 400)
    delivered = [e["id"] for e in backend.drain_events()]
    produced = _produced_ids(400)
    stats = backend.event_stats
    assert stats["produced"] == 400
    assert len(delivered) == 400 - stats["dropped"]
    assert 60 <= stats["dropped"] <= 140
    # What is left arrives in order, and nothing is invented.
    assert delivered == [i for i in produced if i in set(delivered)]
    again = InMemoryBackend()
    again.configure_events(drop_rate=0.25, seed=3)
    _many(again, 400)
    assert [e["id"] for e in again.drain_events()] == delivered
    other = InMemoryBackend()
    other.configure_events(drop_rate=0.25, seed=4)
    _many(other, 400)
    assert [e["id"] for e in other.drain_events()] != delivered


def test_duplicate_rate_repeats_events_with_their_id() -> None:
    backend = InMemoryBackend()
    backend.configure_events(EventKnobs(duplicate_rate=0.1, seed=5))
    _many(backend, 300)
    delivered = backend.drain_events()
    ids = [e["id"] for e in delivered]
    stats = backend.event_stats
    assert len(ids) == 300 + stats["duplicated"]
    assert 15 <= stats["duplicated"] <= 50
    repeated = [i for n, i in enumerate(ids) if n and ids[n - 1] == i]
    assert len(repeated) == stats["duplicated"]
    assert list(dict.fromkeys(ids)) == _produced_ids(300)
    first = {e["id"]: e for e in delivered}
    assert all(e == first[e["id"]] for e in delivered)


def test_reorder_moves_an_event_behind_the_next() -> None:
    backend = InMemoryBackend()
    backend.configure_events(reorder_rate=0.5, seed=1)
    _many(backend, 200)
    ids = [e["id"] for e in backend.drain_events(flush=True)]
    produced = _produced_ids(200)
    assert sorted(ids) == sorted(produced)
    position = {event_id: n for n, event_id in enumerate(produced)}
    shifts = [position[i] - n for n, i in enumerate(ids)]
    # Each moved event lands one place later: the one produced after it overtook it.
    assert set(shifts) == {-1, 0, 1}
    assert 30 <= shifts.count(1) <= 80
    assert shifts.count(1) == shifts.count(-1)
    again = InMemoryBackend()
    again.configure_events(reorder_rate=0.5, seed=1)
    _many(again, 200)
    assert [e["id"] for e in again.drain_events(flush=True)] == ids


def test_when_every_event_is_moved_back_the_order_holds() -> None:
    backend = InMemoryBackend()
    backend.configure_events(reorder_rate=1.0)
    _many(backend, 6)
    assert backend.pending_events == 1
    assert [e["id"] for e in backend.drain_events()] == _produced_ids(6)[:5]
    assert [e["id"] for e in backend.drain_events(flush=True)] == _produced_ids(6)[5:]
    assert backend.pending_events == 0


def test_hold_back_keeps_events_until_later_ones_came() -> None:
    backend = InMemoryBackend()
    got: list[dict[str, Any]] = []
    backend.subscribe_events(got.append)
    backend.configure_events(hold_back=3)
    _many(backend, 10)
    assert len(got) == 7
    assert backend.pending_events == 3
    assert [e["id"] for e in got] == _produced_ids(10)[:7]
    assert len(backend.drain_events()) == 7
    assert len(backend.drain_events(flush=True)) == 3
    assert len(got) == 10


def test_delay_holds_events_by_simulated_time() -> None:
    clock = SteppingClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    backend = InMemoryBackend(clock=clock)
    backend.configure_events(delay=timedelta(hours=1))
    rid = backend.create_registration(TYPE).registration_id
    backend.submit(rid)
    assert backend.drain_events() == ()
    assert backend.pending_events == 2
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    clock.advance(start + timedelta(minutes=59, seconds=59) - clock.peek())
    assert backend.drain_events() == ()
    clock.advance(timedelta(seconds=1))
    released = backend.drain_events()
    assert [parse_registration_event(e).current_status for e in released] == [R.CREATED]
    clock.advance(timedelta(seconds=1))
    assert [parse_registration_event(e).current_status for e in backend.drain_events()] == [
        R.SUBMITTED
    ]


def test_the_knobs_refuse_nonsense() -> None:
    backend = InMemoryBackend()
    for bad in (
        {"drop_rate": 1.5},
        {"drop_rate": float("nan")},
        {"duplicate_rate": True},
        {"hold_back": -1},
        {"delay": 5},
        {"seed": "x"},
        {"colour": "red"},
    ):
        with pytest.raises(InvalidValueError):
            backend.configure_events(**bad)
    with pytest.raises(InvalidValueError):
        backend.configure_events("loud")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        backend.subscribe_events("print")  # type: ignore[arg-type]
    assert backend.event_knobs == EventKnobs()


def test_a_raising_subscriber_is_logged_and_the_change_stands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = InMemoryBackend()
    got: list[dict[str, Any]] = []

    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    backend.subscribe_events(broken)
    unsubscribe = backend.subscribe_events(got.append)
    with caplog.at_level(logging.ERROR):
        rid = backend.create_registration(TYPE).registration_id
    assert backend.describe_registration(rid).status is R.CREATED
    assert len(got) == 1
    assert any("subscriber raised" in r.getMessage() for r in caplog.records)
    unsubscribe()
    backend.submit(rid)
    assert len(got) == 1
    assert len(backend.drain_events()) == 2


def test_previous_status_is_added_when_asked() -> None:
    backend = InMemoryBackend()
    backend.configure_events(previous_status=True)
    rid = backend.create_registration(TYPE).registration_id
    backend.submit(rid)
    first, second = (parse_registration_event(e) for e in backend.drain_events())
    assert first.previous_status is None
    assert second.previous_status is R.CREATED


def test_a_restored_state_announces_nothing_until_it_changes(tmp_path: Path) -> None:
    backend = InMemoryBackend()
    rid = backend.create_registration(TYPE).registration_id
    backend.submit(rid)
    backend.save(tmp_path / "state.json")
    fresh = InMemoryBackend()
    fresh.load(tmp_path / "state.json")
    assert fresh.drain_events() == ()
    fresh.play_aws(rid, "deny")
    (event,) = fresh.drain_events()
    assert parse_registration_event(event).current_status is R.REQUIRES_UPDATES


def test_an_effect_whose_answer_is_lost_is_still_announced() -> None:
    backend = InMemoryBackend()
    rid = backend.create_registration(TYPE).registration_id
    backend.inject(FaultKind.TIMEOUT, operation="submit")
    with pytest.raises(ServiceUnavailableError):
        backend.submit(rid)
    assert len(backend.drain_events()) == 1  # the creation only: a timeout has no effect
    backend.inject(FaultKind.LOST_ANSWER, operation="submit")
    with pytest.raises(ServiceUnavailableError):
        backend.submit(rid)
    (event,) = backend.drain_events()
    assert parse_registration_event(event).current_status is R.SUBMITTED


def test_a_refused_call_announces_nothing() -> None:
    backend = InMemoryBackend()
    rid = backend.create_registration(TYPE).registration_id
    backend.drain_events()
    with pytest.raises(ConflictError):
        backend.create_version(rid)
    with pytest.raises(InvalidTransition):
        backend.play_aws(rid, "approve")
    assert backend.drain_events() == ()
    assert backend.event_stats["produced"] == 1


def test_a_subscriber_may_call_the_simulator_from_another_thread() -> None:
    backend = InMemoryBackend()
    seen: list[tuple[str, str]] = []

    def ask_from_a_thread(event: dict[str, Any]) -> None:
        rid = event["detail"]["registrationDetails"]["registrationId"]
        answer: list[str] = []
        worker = threading.Thread(
            target=lambda: answer.append(backend.describe_registration(rid).status.value)
        )
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive(), "the subscriber ran under the simulator's lock"
        seen.append((event["detail"]["registrationDetails"]["currentStatus"], answer[0]))

    backend.subscribe_events(ask_from_a_thread)
    rid = backend.create_registration(TYPE).registration_id
    backend.submit(rid)
    assert seen == [("CREATED", "CREATED"), ("SUBMITTED", "SUBMITTED")]


def test_events_a_subscriber_causes_follow_the_one_it_got() -> None:
    backend = InMemoryBackend()
    first: list[str] = []
    second: list[str] = []

    def submit_on_creation(event: dict[str, Any]) -> None:
        details = event["detail"]["registrationDetails"]
        first.append(details["currentStatus"])
        if details["currentStatus"] == "CREATED":
            backend.submit(details["registrationId"])

    backend.subscribe_events(submit_on_creation)
    backend.subscribe_events(
        lambda e: second.append(e["detail"]["registrationDetails"]["currentStatus"])
    )
    backend.create_registration(TYPE)
    assert first == ["CREATED", "SUBMITTED"]
    assert second == ["CREATED", "SUBMITTED"]


def test_events_from_many_threads_are_each_delivered_once() -> None:
    backend = InMemoryBackend()
    got: list[str] = []
    backend.subscribe_events(lambda e: got.append(e["id"]))

    def work() -> None:
        for _ in range(50):
            rid = backend.create_registration(TYPE).registration_id
            backend.submit(rid)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(got) == 400
    assert len(set(got)) == 400
    assert [e["id"] for e in backend.drain_events()] == got


# -- over HTTP ---------------------------------------------------------------------------------


def _post(emulator: Any, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        emulator.endpoint_url,
        data=json.dumps(body).encode(),
        headers={
            "X-Amz-Target": f"RegistrationFsmEmulator.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_boto3_flow_is_drained_over_http(emulator: Any, make_client: Any) -> None:
    client = make_client()
    status, body = _post(emulator, "ConfigureEvents", {"DuplicateRate": 1.0, "Seed": 2})
    assert status == 200
    assert body["Knobs"]["DuplicateRate"] == 1.0
    rid = client.create_registration(RegistrationType=TYPE)["RegistrationId"]
    client.submit_registration_version(RegistrationId=rid)
    _post(emulator, "PlayAws", {"RegistrationId": rid, "Trigger": "begin_review"})
    status, body = _post(emulator, "DrainEvents", {})
    assert status == 200
    parsed = [parse_registration_event(e) for e in body["Events"]]
    assert [p.current_status for p in parsed] == [
        R.CREATED,
        R.CREATED,
        R.SUBMITTED,
        R.SUBMITTED,
        R.REVIEWING,
        R.REVIEWING,
    ]
    assert {p.registration_id for p in parsed} == {rid}
    assert body["Pending"] == 0
    assert body["Stats"] == {"produced": 3, "dropped": 0, "duplicated": 3, "released": 6}
    assert _post(emulator, "DrainEvents", {})[1]["Events"] == []
    status, body = _post(emulator, "ConfigureEvents", {"Reset": True, "HoldBack": 1})
    assert body["Knobs"]["DuplicateRate"] == 0.0
    assert body["Knobs"]["HoldBack"] == 1
    _post(emulator, "PlayAws", {"RegistrationId": rid, "Trigger": "deny"})
    assert _post(emulator, "DrainEvents", {})[1]["Pending"] == 1
    (event,) = _post(emulator, "DrainEvents", {"Flush": True})[1]["Events"]
    assert parse_registration_event(event).current_status is R.REQUIRES_UPDATES


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("ConfigureEvents", {"DropRate": 2}),
        ("ConfigureEvents", {"DelaySeconds": -1}),
        ("ConfigureEvents", {"DelaySeconds": "1"}),
        ("ConfigureEvents", {"Loud": True}),
        ("ConfigureEvents", {"Reset": "yes"}),
        ("ConfigureEvents", {"PreviousStatus": 1}),
        ("DrainEvents", {"Flush": "yes"}),
    ],
)
def test_bad_event_controls_are_validation_errors(
    emulator: Any, operation: str, body: dict[str, Any]
) -> None:
    status, answer = _post(emulator, operation, body)
    assert status == 400
    assert answer["__type"] == "ValidationException"
    assert emulator.backend.event_knobs == EventKnobs()
