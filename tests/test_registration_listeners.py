"""Listeners on a plain Registration: told once per move made through it, in order, after the
change, outside its locks; the same moves a service's journal would record."""

from __future__ import annotations

import copy
import itertools
import logging
import pickle
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration_fsm import (
    AnomalyKind,
    InvalidTransition,
    InvalidValueError,
    Registration,
    RegistrationRuleError,
    UnknownStatusError,
    UnknownTriggerError,
    VersionStatus,
)
from registration_fsm.backends import VersionInfo
from registration_fsm.moves import TransitionEvent
from registration_fsm.store import journal_moves

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _new() -> Registration:
    return Registration.new(RID, registration_arn=ARN, at=T0)


def _edges(events: list[TransitionEvent]) -> list[tuple[int, str, str | None, str, str]]:
    return [
        (
            e.version_number,
            e.edge,
            None if e.from_status is None else e.from_status.value,
            e.to_status.value,
            e.source,
        )
        for e in events
    ]


def _info(number: int, status: VersionStatus, **stamps: int) -> VersionInfo:
    history = {f"{k}Timestamp": _at(v) for k, v in stamps.items()}
    return VersionInfo.from_aws(
        {
            "VersionNumber": number,
            "RegistrationVersionStatus": status.value,
            "RegistrationVersionStatusHistory": history,
        },
        registration_id=RID,
        registration_arn=ARN,
    )


def test_local_moves_are_heard_once_each_with_their_stamps() -> None:
    registration = _new()
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    registration.submit(at=_at(1))
    registration.fire("begin_review", at=_at(2))
    registration.fire("approve", at=_at(3))
    assert _edges(heard) == [
        (1, "submit", "DRAFT", "SUBMITTED", "local"),
        (1, "begin_review", "SUBMITTED", "REVIEWING", "local"),
        (1, "approve", "REVIEWING", "APPROVED", "local"),
    ]
    assert [e.stamp for e in heard] == [_at(1), _at(2), _at(3)]
    assert {e.registration_id for e in heard} == {RID}


def test_an_approval_that_archives_tells_both_moves_and_a_new_version_its_creation() -> None:
    registration = _new()
    registration.submit(at=_at(1))
    registration.fire("begin_review", at=_at(2))
    registration.fire("approve", at=_at(2))
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    registration.create_version(at=_at(3))
    registration.submit(at=_at(4))
    registration.fire("begin_review", at=_at(4))
    registration.fire("approve", at=_at(5))
    assert _edges(heard) == [
        (2, "create", None, "DRAFT", "local"),
        (2, "submit", "DRAFT", "SUBMITTED", "local"),
        (2, "begin_review", "SUBMITTED", "REVIEWING", "local"),
        (1, "archive", "APPROVED", "ARCHIVED", "local"),
        (2, "approve", "REVIEWING", "APPROVED", "local"),
    ]
    assert heard[3].stamp == heard[4].stamp == _at(5)


def test_an_answer_ahead_of_the_request_is_every_move_of_its_path() -> None:
    registration = _new()
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    answer = _info(1, S.REVIEWING, Draft=0, Submitted=1, Reviewing=2)
    assert registration.adopt_answer("submit", answer) is S.REVIEWING
    assert _edges(heard) == [
        (1, "submit", "DRAFT", "SUBMITTED", "answer"),
        (1, "begin_review", "SUBMITTED", "REVIEWING", "answer"),
    ]


def test_reconcile_tells_what_it_adopted_and_a_repeat_tells_nothing() -> None:
    registration = _new()
    registration.submit(at=_at(1))
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    infos = [_info(1, S.DENIED, Draft=0, Submitted=1, Denied=3), _info(2, S.DRAFT, Draft=5)]
    registration.reconcile_versions(infos)
    assert _edges(heard) == [
        (1, "deny", "SUBMITTED", "DENIED", "reconcile"),
        (2, "create", None, "DRAFT", "reconcile"),
    ]
    registration.reconcile_versions(infos)
    assert len(heard) == 2


def test_a_refused_change_tells_nothing_and_changes_nothing() -> None:
    registration = _new()
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    before = registration.to_dict()
    with pytest.raises(InvalidTransition):
        registration.fire("approve", at=_at(1))
    with pytest.raises(RegistrationRuleError):
        registration.create_version(at=_at(1))
    with pytest.raises(RegistrationRuleError):
        registration.reconcile_versions(
            [
                _info(1, S.APPROVED, Draft=0, Submitted=1, Reviewing=1, Approved=2),
                _info(2, S.SUBMITTED, Draft=3, Submitted=4),
                _info(3, S.DRAFT, Draft=5),
            ]
        )
    assert heard == []
    assert registration.to_dict() == before


def test_a_lenient_adoption_without_a_legal_path_tells_no_move_and_logs_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registration = _new()
    registration.submit(at=_at(1))
    registration.fire("deny", at=_at(2))
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    with caplog.at_level(logging.WARNING, logger="registration_fsm"):
        report = registration.reconcile_versions(
            [_info(1, S.REVIEWING, Draft=0, Submitted=1, Reviewing=4)], strict=False
        )
    assert registration.latest.status is S.REVIEWING
    assert [a.kind for a in report.anomalies] == [AnomalyKind.ILLEGAL_TRANSITION]
    assert heard == []
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert record.name == "registration_fsm"
    assert (record.registration_id, record.version_number, record.anomaly) == (  # type: ignore[attr-defined]
        RID,
        1,
        "illegal_transition",
    )
    assert (record.from_status, record.to_status) == ("DENIED", "REVIEWING")  # type: ignore[attr-defined]


def test_a_clean_reconcile_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    registration = _new()
    with caplog.at_level(logging.WARNING, logger="registration_fsm"):
        registration.reconcile_versions([_info(1, S.SUBMITTED, Draft=0, Submitted=1)])
    assert registration.latest.status is S.SUBMITTED
    assert caplog.records == []


def test_filters_and_cancel() -> None:
    registration = _new()
    decided: list[TransitionEvent] = []
    submits: list[TransitionEvent] = []
    registration.subscribe(decided.append, statuses=["APPROVED", S.DENIED])
    subscription = registration.subscribe(submits.append, triggers="submit")
    registration.submit(at=_at(1))
    registration.fire("deny", at=_at(2))
    subscription.cancel()
    registration.create_version(at=_at(3))
    registration.submit(at=_at(4))
    assert _edges(decided) == [(1, "deny", "SUBMITTED", "DENIED", "local")]
    assert _edges(submits) == [(1, "submit", "DRAFT", "SUBMITTED", "local")]
    with pytest.raises(UnknownStatusError):
        registration.subscribe(decided.append, statuses=["SENT"])
    with pytest.raises(UnknownTriggerError):
        registration.subscribe(decided.append, triggers=["send"])
    with pytest.raises(InvalidValueError):
        registration.subscribe("not callable")  # type: ignore[arg-type]


def test_a_raising_listener_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registration = _new()
    heard: list[TransitionEvent] = []

    def broken(event: TransitionEvent) -> None:
        raise RuntimeError("listener bug")

    registration.subscribe(broken)
    registration.subscribe(heard.append)
    with caplog.at_level(logging.ERROR, logger="registration_fsm"):
        assert registration.submit(at=_at(1)) is S.SUBMITTED
    assert registration.latest.status is S.SUBMITTED
    assert _edges(heard) == [(1, "submit", "DRAFT", "SUBMITTED", "local")]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "listener" in record.getMessage()
    assert record.registration_id == RID  # type: ignore[attr-defined]


def test_listeners_run_outside_the_lock_and_may_change_the_registration() -> None:
    registration = _new()
    heard: list[TransitionEvent] = []

    def review_on_submit(event: TransitionEvent) -> None:
        heard.append(event)
        if event.to_status is S.SUBMITTED:
            # The registration's lock is not reentrant: this would deadlock under it.
            registration.fire("begin_review", at=_at(2))

    registration.subscribe(review_on_submit)
    registration.submit(at=_at(1))
    assert registration.latest.status is S.REVIEWING
    assert _edges(heard) == [
        (1, "submit", "DRAFT", "SUBMITTED", "local"),
        (1, "begin_review", "SUBMITTED", "REVIEWING", "local"),
    ]


def test_copies_snapshots_and_pickles_start_without_listeners() -> None:
    registration = _new()
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    for other in (
        copy.copy(registration),
        copy.deepcopy(registration),
        registration.snapshot(),
        pickle.loads(pickle.dumps(registration)),
    ):
        assert other == registration
        other.submit(at=_at(1))
    assert heard == []
    registration.submit(at=_at(1))
    assert len(heard) == 1


def test_moves_from_threads_are_told_in_the_order_they_were_made() -> None:
    registration = _new()
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    flips = 200
    registration.submit(at=_at(1))
    registration.fire("begin_review", at=_at(1))
    barrier = threading.Barrier(4)
    made: list[int] = []

    def flip() -> None:
        barrier.wait()
        count = 0
        for _ in range(flips):
            for trigger in ("require_authentication", "complete_authentication"):
                try:
                    registration.fire(trigger, at=_at(2))
                    count += 1
                except InvalidTransition:
                    pass
        made.append(count)

    threads = [threading.Thread(target=flip) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each move starts where the one before it ended: nothing lost, repeated or reordered.
    for earlier, later in itertools.pairwise(heard):
        assert later.from_status is earlier.to_status
    assert heard[-1].to_status is registration.latest.status
    assert len(heard) == 2 + sum(made)
    assert sum(made) >= 1


_STEPS = st.lists(
    st.sampled_from(
        [
            "submit",
            "discard",
            "begin_aws_review",
            "begin_review",
            "require_authentication",
            "complete_authentication",
            "require_offline_review",
            "approve",
            "deny",
            "revoke",
            "create_version",
        ]
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(_STEPS)
def test_listeners_hear_exactly_what_the_journal_records(steps: list[str]) -> None:
    registration = _new()
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    expected: list[tuple[Any, ...]] = []
    for minute, step in enumerate(steps, start=1):
        before = copy.copy(registration)
        try:
            if step == "create_version":
                registration.create_version(at=_at(minute))
            else:
                registration.fire(step, at=_at(minute))
        except (InvalidTransition, RegistrationRuleError):
            assert registration == before
            continue
        expected.extend(
            (m.version_number, m.trigger, m.from_status, m.to_status, m.stamp)
            for m in journal_moves(before, registration, source="local")
        )
    assert [
        (e.version_number, e.edge, e.from_status, e.to_status, e.stamp) for e in heard
    ] == expected


def test_an_unproven_version_does_not_silence_the_moves_of_the_next() -> None:
    registration = _new()
    registration.discard(at=_at(1))
    registration.create_version(at=_at(2))
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    report = registration.reconcile_versions(
        [
            _info(1, S.REVIEWING, Draft=0, Submitted=3, Reviewing=4),
            _info(2, S.SUBMITTED, Draft=2, Submitted=5),
        ],
        strict=False,
    )
    assert [a.kind for a in report.anomalies][:1] == [AnomalyKind.ILLEGAL_TRANSITION]
    assert _edges(heard) == [(2, "submit", "DRAFT", "SUBMITTED", "reconcile")]


class _Answering:
    """A backend that answers every customer call with ``answer``."""

    def __init__(self, answer: VersionInfo) -> None:
        self.answer = answer

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        return self.answer

    def discard(self, registration_id: str) -> VersionInfo:
        return self.answer

    def create_version(self, registration_id: str) -> VersionInfo:
        return self.answer


def test_calls_through_a_backend_tell_their_moves_as_answers() -> None:
    registration = _new()
    heard: list[TransitionEvent] = []
    registration.subscribe(heard.append)
    registration.submit(_Answering(_info(1, S.SUBMITTED, Draft=0, Submitted=1)))  # type: ignore[arg-type]
    registration.fire("deny", at=_at(2))
    registration.create_version(_Answering(_info(2, S.DRAFT, Draft=3)))  # type: ignore[arg-type]
    registration.discard(_Answering(_info(2, S.DISCARDED, Draft=3, Discarded=4)))  # type: ignore[arg-type]
    assert _edges(heard) == [
        (1, "submit", "DRAFT", "SUBMITTED", "answer"),
        (1, "deny", "SUBMITTED", "DENIED", "local"),
        (2, "create", None, "DRAFT", "answer"),
        (2, "discard", "DRAFT", "DISCARDED", "answer"),
    ]


def test_a_program_that_never_configured_logging_prints_nothing() -> None:
    """The library's records go where the application says; by default, nowhere."""
    import subprocess
    import sys

    program = (
        "from datetime import datetime, timedelta, timezone\n"
        "from registration_fsm import Registration, VersionStatus\n"
        "from registration_fsm.backends import VersionInfo\n"
        "t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)\n"
        f"registration = Registration.new({RID!r}, at=t0)\n"
        "registration.discard(at=t0 + timedelta(hours=1))\n"
        "registration.create_version(at=t0 + timedelta(hours=2))\n"
        "first = registration.version(1)\n"
        f"infos = [VersionInfo({RID!r}, 1, VersionStatus.DISCARDED, first.history)]\n"
        "report = registration.reconcile_versions(infos)\n"
        "print(len(report.anomalies))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60
    )
    assert (done.stdout, done.stderr) == ("1\n", "")
