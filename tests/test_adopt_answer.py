"""A service that calls the backend itself hands the answer to Registration.adopt_answer()."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest

from registration_fsm import (
    AwsReviewNotApplied,
    IllegalRemoteTransition,
    InMemoryBackend,
    InvalidTransition,
    InvalidValueError,
    MalformedDataError,
    Registration,
    RegistrationRuleError,
    SteppingClock,
    UnexpectedAnswerError,
    VersionStatus,
)

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _pair() -> tuple[InMemoryBackend, Registration]:
    backend = InMemoryBackend(clock=SteppingClock(T0, timedelta(seconds=1)))
    return backend, Registration.create(backend, "US_TEN_DLC_BRAND_REGISTRATION")


def test_check_then_adopt_is_what_submit_does() -> None:
    backend, registration = _pair()
    rid = registration.registration_id
    assert registration.check("submit") == 1
    answer = backend.submit(rid)
    assert registration.adopt_answer("submit", answer) is S.SUBMITTED
    assert registration.latest.history == answer.history
    assert registration.latest.last_answer == answer
    with pytest.raises(InvalidTransition):
        registration.check("submit")
    with pytest.raises(RegistrationRuleError):
        registration.check("create_version")
    with pytest.raises(InvalidValueError):
        registration.check("approve")


def test_adopting_an_answer_for_another_version_or_an_illegal_one_changes_nothing() -> None:
    backend, registration = _pair()
    rid = registration.registration_id
    answer = backend.submit(rid)
    before = registration.to_dict()
    with pytest.raises(UnexpectedAnswerError):
        registration.adopt_answer("submit", attrs.evolve(answer, version_number=2))
    backend.play_aws(rid, "begin_review")
    backend.play_aws(rid, "approve")
    approved = backend.describe_versions(rid)[-1]
    archived_later = attrs.evolve(approved, history=approved.history.with_stamp(S.REVIEWING, T0))
    with pytest.raises(IllegalRemoteTransition):
        registration.adopt_answer("submit", archived_later)
    assert registration.to_dict() == before


def test_a_created_version_answer_that_is_approved_archives_the_older_one() -> None:
    backend, registration = _pair()
    rid = registration.registration_id
    registration.submit(backend)
    backend.play_aws(rid, "begin_review")
    backend.play_aws(rid, "approve")
    registration.reconcile(backend)
    assert registration.check("create_version") == 2
    created = backend.create_version(rid)
    version = registration.adopt_answer("create_version", created)
    assert version is S.DRAFT
    assert [v.status for v in registration.versions] == [S.APPROVED, S.DRAFT]


def test_a_requested_review_the_answer_does_not_show_is_refused() -> None:
    backend, registration = _pair()
    answer = backend.submit(registration.registration_id)
    with pytest.raises(AwsReviewNotApplied):
        registration.adopt_answer(
            "submit", attrs.evolve(answer, aws_review=False), aws_review=True
        )
    assert registration.latest.status is S.DRAFT


def test_reconcile_versions_takes_what_the_caller_read() -> None:
    backend, registration = _pair()
    rid = registration.registration_id
    registration.submit(backend)
    backend.play_aws(rid, "begin_review")
    report = registration.reconcile_versions(backend.describe_versions(rid))
    assert [str(c) for c in report.changes] == ["version 1: SUBMITTED -> REVIEWING (begin_review)"]
    assert registration.latest.status is S.REVIEWING
    with pytest.raises(MalformedDataError):
        registration.reconcile_versions(None)
