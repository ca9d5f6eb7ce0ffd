"""500 registrations moved at random on the AWS side over simulated weeks, with lossy events:
event handling and the syncer bring every stored registration to the service's truth, each
listener hears each committed move exactly once, and polling stays bounded."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from registration_fsm import LIFECYCLE, InMemoryBackend, VersionStatus
from registration_fsm.backends import DeniedReason
from registration_fsm.events import TransitionEvent
from registration_fsm.schedule import DEFAULT_INTERVALS, Schedule
from registration_fsm.service import RegistrationService
from registration_fsm.store import SqliteStore, verify_journal
from registration_fsm.sync import Syncer

REGISTRATIONS = 500
DAYS = 14
STEP = timedelta(hours=4)
BRAND = "US_TEN_DLC_BRAND_REGISTRATION"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
AWS_MOVES = [t for t in LIFECYCLE.aws_triggers if t != "archive"]  # archive: by approving anew


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def peek(self) -> datetime:
        return self.now


def _key(event: TransitionEvent) -> tuple[Any, ...]:
    return (
        event.registration_id,
        event.version_number,
        event.edge,
        event.to_status,
        event.stamp,
        event.source,
    )


def test_events_and_the_syncer_bring_every_registration_to_the_truth() -> None:
    rng = random.Random(2026)
    clock = Clock()
    store = SqliteStore(":memory:", clock=clock)
    aws = InMemoryBackend(clock=clock, log_limit=None)
    aws.configure_events(drop_rate=0.2, duplicate_rate=0.1, reorder_rate=0.7, seed=11)
    # APPROVED every three days rather than daily: the test is about convergence, not defaults.
    intervals = {**DEFAULT_INTERVALS, VersionStatus.APPROVED: timedelta(days=3)}
    schedule = Schedule(intervals=intervals, random=random.Random(5).random)
    service = RegistrationService(store, aws, worker_id="svc", clock=clock, schedule=schedule)
    heard: Counter[tuple[Any, ...]] = Counter()
    service.subscribe(lambda event: heard.update([_key(event)]))
    syncer = Syncer(service, batch=200, max_calls_per_second=None)

    rids = [service.create(BRAND).registration_id for _ in range(REGISTRATIONS)]
    for rid in rids:
        service.submit(rid)
    setup_calls = len(aws.calls)
    handled: Counter[str] = Counter()
    duplicates = checks = steps = 0

    def step() -> None:
        nonlocal duplicates, checks, steps
        steps += 1
        for event in aws.drain_events():
            outcome = service.handle_event(event)
            if outcome.handled:
                handled[outcome.event.registration_id] += 1
            duplicates += outcome.duplicate
        while True:
            report = syncer.run_once()
            assert report.deferred == ()
            checks += report.checked
            if report.claimed == 0:
                break

    moves = 0
    for _ in range(int(timedelta(days=DAYS) / STEP)):
        for rid in rids:
            if rng.random() >= 0.25:
                continue
            latest = aws.peek(rid)[-1]
            if latest.status is VersionStatus.DENIED and rng.random() < 0.5:
                # The customer tries again, through the service, once it has learnt the denial
                # (until then the stored view refuses it locally, sending nothing).
                if service.get(rid).latest.status is VersionStatus.DENIED:
                    service.create_version(rid)
                    service.submit(rid)
                continue
            allowed = [t for t in LIFECYCLE.allowed_triggers(latest.status) if t in AWS_MOVES]
            if allowed:
                trigger = rng.choice(allowed)
                details: dict[str, Any] = {}
                if trigger == "deny":
                    details = {"denied_reasons": [DeniedReason("R", "S")], "feedback": "F"}
                aws.play_aws(rid, trigger, **details)
                moves += 1
        step()
        clock.now += STEP
    for _ in range(int(timedelta(days=4) / STEP)):  # no more moves: let everything come due
        step()
        clock.now += STEP
    aws.drain_events(flush=True)

    for rid in rids:
        stored = service.get(rid)
        truth = aws.peek(rid)
        assert [(v.status, v.history) for v in stored.versions] == [
            (i.status, i.history) for i in truth
        ], rid
        assert verify_journal(service.journal(rid), stored).ok
    journaled = Counter(
        _key(TransitionEvent.from_journal(entry)) for rid in rids for entry in service.journal(rid)
    )
    assert heard == journaled  # each committed move told exactly once (as a multiset)
    assert sum(heard.values()) == sum(len(service.journal(rid)) for rid in rids)
    sources = Counter(key[-1] for key in heard)
    assert sources["event"] > 0
    assert sources["reconcile"] > 0

    describes = Counter(
        rid for operation, rid in aws.calls[setup_calls:] if operation == "describe_versions"
    )
    days = DAYS + 4
    per_day = [describes[rid] / days for rid in rids]
    average, worst = sum(per_day) / len(per_day), max(per_day)
    # The syncer checks a registration at most once per step (its next check is minutes to
    # days later) and an event id is handled once: that bounds the calls of each registration.
    assert sum(describes.values()) == checks + sum(handled.values())
    for rid in rids:
        assert describes[rid] <= steps + handled[rid], rid
    stats = aws.event_stats
    print(
        f"\n{REGISTRATIONS} registrations, {DAYS} simulated days + 4 to settle, {moves} AWS moves;"
        f" events produced {stats['produced']}, dropped {stats['dropped']}, duplicated"
        f" {stats['duplicated']}; handled {sum(handled.values())}, repeats ignored {duplicates};"
        f" syncer checks {checks}; describe calls per registration per day: average"
        f" {average:.2f}, worst {worst:.2f}"
    )
    store.close()
