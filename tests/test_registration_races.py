"""Races and rules across versions: no lost update, no false blame, one APPROVED version."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from registration_fsm import (
    AwsBackend,
    AwsReviewNotApplied,
    ConflictError,
    InMemoryBackend,
    Registration,
    StatusHistory,
    SteppingClock,
    VersionStatus,
)
from registration_fsm.backends import VersionInfo

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _simulator() -> InMemoryBackend:
    return InMemoryBackend(clock=SteppingClock(T0, timedelta(seconds=1)))


class _PausingDescribe:
    """Wraps a backend; the first describe_versions() waits, so a test can act meanwhile."""

    def __init__(self, backend: InMemoryBackend) -> None:
        self.backend = backend
        self.reading = threading.Event()
        self.go_on = threading.Event()
        self.paused = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.backend, name)

    def describe_versions(self, registration_id: str, version_numbers: object = None) -> object:
        answer = self.backend.describe_versions(registration_id)
        if not self.paused:
            self.paused = True
            self.reading.set()
            assert self.go_on.wait(10)
        return answer


@pytest.mark.parametrize("strict", [True, False])
def test_a_discard_during_a_reconcile_read_is_neither_lost_nor_blamed_on_aws(
    strict: bool,
) -> None:
    backend = _simulator()
    registration = Registration.create(backend, "US_TEN_DLC_BRAND_REGISTRATION")
    registration.submit(backend)
    pausing = _PausingDescribe(backend)
    outcome: list[object] = []

    def reconcile() -> None:
        try:
            outcome.append(registration.reconcile(pausing, strict=strict))  # type: ignore[arg-type]
        except Exception as error:  # the test asserts there is none
            outcome.append(error)

    reader = threading.Thread(target=reconcile)
    reader.start()
    assert pausing.reading.wait(10)
    discarder = threading.Thread(target=lambda: outcome.append(registration.discard(backend)))
    discarder.start()
    # The discard waits for the reconcile: its read and its apply are one step.
    discarder.join(0.2)
    assert discarder.is_alive()
    pausing.go_on.set()
    reader.join(10)
    discarder.join(10)
    assert not reader.is_alive()
    assert not discarder.is_alive()
    assert not any(isinstance(o, Exception) for o in outcome), outcome
    assert registration.latest.status is S.DISCARDED
    assert backend.peek(registration.registration_id)[-1].status is S.DISCARDED


class _ApprovingCreate:
    """A backend whose CreateRegistrationVersion answer is already APPROVED."""

    def __init__(self, answer: VersionInfo) -> None:
        self.answer = answer

    def create_version(self, registration_id: str) -> VersionInfo:
        return self.answer


def test_create_version_adopting_an_approved_answer_archives_the_older_approved_version() -> None:
    rid = "registration-0123456789abcdef0123456789abcdef"
    registration = Registration.new(rid, at=T0)
    registration.submit(at=T0 + timedelta(minutes=1))
    registration.fire("begin_review", at=T0 + timedelta(minutes=2))
    registration.fire("approve", at=T0 + timedelta(minutes=3))
    history = StatusHistory(
        T0 + timedelta(minutes=4),
        submitted=T0 + timedelta(minutes=5),
        reviewing=T0 + timedelta(minutes=6),
        approved=T0 + timedelta(minutes=7),
    )
    answer = VersionInfo(rid, 2, S.APPROVED, history)
    registration.create_version(_ApprovingCreate(answer))  # type: ignore[arg-type]
    assert [v.status for v in registration.versions] == [S.ARCHIVED, S.APPROVED]
    assert registration.version(1).history.archived == history.approved
    assert registration.rule_violations == ()


def test_a_snapshot_never_shows_two_approved_versions() -> None:
    rid = "registration-0123456789abcdef0123456789abcdef"
    clock = SteppingClock(T0, timedelta(seconds=1))
    registration = Registration.new(rid, clock=clock)
    registration.submit()
    registration.fire("begin_review")
    registration.fire("approve")
    rounds = 300
    done = threading.Event()

    def writer() -> None:
        for _ in range(rounds):
            registration.create_version()
            registration.submit()
            registration.fire("begin_review")
            registration.fire("approve")
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    seen = 0
    while not done.is_set() or seen == 0:
        snapshot = registration.snapshot()
        approved = [v for v in snapshot.versions if v.status is S.APPROVED]
        assert len(approved) == 1
        seen += 1
    thread.join(30)
    assert registration.snapshot().approved_version_number == rounds + 1


def test_two_models_submitting_one_registration_one_wins_the_other_gets_the_truth(
    make_client: Callable[..., Any],
) -> None:
    # Two workers, each with its own client and model, against one emulator over HTTP.
    first, second = AwsBackend(make_client()), AwsBackend(make_client())
    mine = Registration.create(first, "US_TEN_DLC_BRAND_REGISTRATION")
    theirs = Registration.from_backend(second, mine.registration_id)
    assert mine.submit(first) is S.SUBMITTED
    with pytest.raises(ConflictError) as caught:
        theirs.submit(second, aws_review=True)
    assert caught.value.reason == "REGISTRATION_ALREADY_SUBMITTED"
    assert caught.value.current.status is S.SUBMITTED
    assert theirs.latest.status is S.DRAFT
    theirs.reconcile(second)
    assert theirs.latest.status is S.SUBMITTED


def test_a_model_refuses_an_answer_that_dropped_the_requested_review() -> None:
    rid = "registration-0123456789abcdef0123456789abcdef"

    class _NoReview:
        def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
            history = StatusHistory(T0, submitted=T0 + timedelta(seconds=1))
            return VersionInfo(rid, 1, S.SUBMITTED, history, aws_review=False)

    registration = Registration.new(rid, at=T0)
    with pytest.raises(AwsReviewNotApplied):
        registration.submit(_NoReview(), aws_review=True)  # type: ignore[arg-type]
    assert registration.latest.status is S.DRAFT
    with pytest.raises(AwsReviewNotApplied):
        registration.latest.submit(_NoReview(), aws_review=True)  # type: ignore[arg-type]
    assert registration.latest.status is S.DRAFT
