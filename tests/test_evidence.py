"""The one rule of evidence: every path that takes a remote state in decides with judge()."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration_fsm import (
    LIFECYCLE,
    IllegalRemoteTransition,
    InvalidHistory,
    Registration,
    RegistrationVersion,
    StatusHistory,
    VersionStatus,
    audit_data,
)
from registration_fsm.backends import VersionInfo
from registration_fsm.evidence import ProblemKind, judge, judge_new, judge_stamps
from registration_fsm.history import STAMPED_STATUSES
from registration_fsm.reconcile import AnomalyKind
from registration_fsm.testing.strategies import registrations, versions

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _history(**stamps: float) -> StatusHistory:
    return StatusHistory(_at(stamps.pop("draft", 0)), **{k: _at(v) for k, v in stamps.items()})


def _answer(status: S, history: StatusHistory, number: int = 1) -> VersionInfo:
    return VersionInfo(RID, number, status, history, registration_arn=ARN)


class _Answering:
    """A backend that answers every customer call with one fixed VersionInfo."""

    def __init__(self, answer: VersionInfo) -> None:
        self.answer = answer
        self.calls: list[str] = []

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        self.calls.append("submit")
        return self.answer

    def discard(self, registration_id: str) -> VersionInfo:
        self.calls.append("discard")
        return self.answer

    def create_version(self, registration_id: str) -> VersionInfo:
        self.calls.append("create_version")
        return self.answer


# -- the cases hostile testing found ---------------------------------------------------------


def test_a_submit_answer_of_archived_with_only_draft_and_archived_stamps_is_refused() -> None:
    version = RegistrationVersion.new(RID, at=T0)
    answer = _answer(S.ARCHIVED, _history(archived=5))
    with pytest.raises(IllegalRemoteTransition) as caught:
        version.submit(_Answering(answer))
    assert version.status is S.DRAFT
    assert any("SubmittedTimestamp" in reason for reason in caught.value.reasons)
    registration = Registration.new(RID, at=T0)
    with pytest.raises(IllegalRemoteTransition):
        registration.submit(_Answering(answer))
    assert registration.latest.status is S.DRAFT


def test_strict_reconcile_refuses_approved_with_a_denied_stamp() -> None:
    registration = Registration.new(RID, at=T0)
    registration.submit(at=_at(1))
    history = _history(submitted=1, reviewing=2, denied=3, approved=4)
    page = {"RegistrationId": RID, "RegistrationVersions": [_item(S.APPROVED, history)]}
    with pytest.raises(IllegalRemoteTransition) as caught:
        registration.reconcile_pages(page)
    assert any("DeniedTimestamp" in reason for reason in caught.value.reasons)
    assert registration.latest.status is S.SUBMITTED


def test_adopt_refuses_revoked_out_of_draft_and_discarded_stamps() -> None:
    version = RegistrationVersion.new(RID, at=T0)
    with pytest.raises(IllegalRemoteTransition):
        version.adopt(S.REVOKED, _history(discarded=3))
    assert version.status is S.DRAFT


def test_the_audit_flags_what_the_model_refuses() -> None:
    for status, history in (
        (S.ARCHIVED, _history(archived=5)),
        (S.APPROVED, _history(submitted=1, reviewing=2, denied=3, approved=4)),
        (S.REVOKED, _history(discarded=3)),
        (S.APPROVED, _history(submitted=1, approved=4)),
    ):
        page = {"RegistrationId": RID, "RegistrationVersions": [_item(status, history)]}
        assert not audit_data(page).ok
        assert not judge_new(status, history).proven
        with pytest.raises(IllegalRemoteTransition):
            RegistrationVersion.from_aws(_item(status, history), registration_id=RID)


def test_a_remote_history_that_drops_or_changes_a_local_stamp_is_a_contradiction() -> None:
    local = _history(submitted=1, reviewing=2)
    dropped = judge(S.REVIEWING, local, S.APPROVED, _history(reviewing=2, approved=3))
    assert [p.kind for p in dropped.problems] == [ProblemKind.CONTRADICTS_LOCAL]
    assert "SubmittedTimestamp" in dropped.problems[0].reason
    moved = judge(S.REVIEWING, local, S.APPROVED, _history(submitted=1.5, reviewing=2, approved=3))
    assert [p.kind for p in moved.problems] == [ProblemKind.CONTRADICTS_LOCAL]
    kept = judge(S.REVIEWING, local, S.APPROVED, _history(submitted=1, reviewing=2, approved=3))
    assert kept.proven
    assert [e.trigger for e in kept.path or ()] == ["approve"]


def test_only_a_status_entered_again_moves_its_stamp() -> None:
    local = _history(submitted=1, reviewing=2)
    again = _history(submitted=1, reviewing=4, requires_authentication=3)
    proof = judge(S.REVIEWING, local, S.REVIEWING, again)
    assert [e.trigger for e in proof.path or ()] == [
        "require_authentication",
        "complete_authentication",
    ]
    # SUBMITTED's stamp moved later, but no legal path enters SUBMITTED again.
    local = _history(submitted=1)
    bare = judge(S.SUBMITTED, local, S.REVIEWING, _history(submitted=3, reviewing=2))
    assert not bare.proven
    bare = judge(S.SUBMITTED, local, S.REVIEWING, _history(submitted=2, reviewing=3))
    assert not bare.proven


def test_a_stamp_of_a_status_never_visited_is_refused() -> None:
    proof = judge_new(S.APPROVED, _history(submitted=1, reviewing=2, approved=3, denied=2.5))
    assert not proof.proven
    assert {p.kind for p in proof.problems} & {
        ProblemKind.IMPOSSIBLE_PREDECESSOR,
        ProblemKind.STAMPS_OUT_OF_ORDER,
    }


def test_requires_offline_review_may_be_passed_unstamped() -> None:
    proof = judge_new(S.DENIED, _history(submitted=1, reviewing=2, denied=3))
    assert proof.proven
    local = _history(submitted=1, reviewing=2)
    offline = judge(S.REVIEWING, local, S.REQUIRES_OFFLINE_REVIEW, local)
    assert [e.trigger for e in offline.path or ()] == ["require_offline_review"]


# -- lenient mode never writes what cannot be read back --------------------------------------


def test_lenient_adopt_refuses_a_state_no_version_can_hold() -> None:
    version = RegistrationVersion.new(RID, at=T0)
    history = _history(submitted=1, reviewing=2, approved=3, denied=4)
    with pytest.raises(InvalidHistory):
        version.adopt(S.APPROVED, history, strict=False)
    assert version.status is S.DRAFT


def test_lenient_reconcile_skips_an_unrepresentable_state_and_reports_it() -> None:
    registration = Registration.new(RID, at=T0)
    history = _history(submitted=1, reviewing=2, approved=3, denied=4)
    page = {"RegistrationId": RID, "RegistrationVersions": [_item(S.APPROVED, history)]}
    report = registration.reconcile_pages(page, strict=False)
    assert [a.kind for a in report.anomalies] == [AnomalyKind.UNREPRESENTABLE_STATE]
    assert registration.latest.status is S.DRAFT
    assert Registration.from_dict(registration.to_dict()) == registration


_STATUSES = st.sampled_from(list(VersionStatus))


@st.composite
def _remote_histories(draw: st.DrawFn) -> StatusHistory:
    """Any history at all: a random subset of stamps at random minutes."""
    stamps: dict[str, Any] = {"DraftTimestamp": _at(draw(st.integers(0, 3)))}
    for status in STAMPED_STATUSES[1:]:
        if draw(st.booleans()):
            stamps[status.history_key or ""] = _at(draw(st.integers(0, 12)))
    return StatusHistory.from_aws(stamps)


@settings(max_examples=300)
@given(registrations(), st.data())
def test_whatever_a_lenient_reconcile_leaves_reads_back(
    registration: Registration, data: st.DataObject
) -> None:
    items = []
    for version in registration.versions:
        if data.draw(st.booleans()):
            items.append(_item(data.draw(_STATUSES), data.draw(_remote_histories()), version))
    page = {"RegistrationId": registration.registration_id, "RegistrationVersions": items}
    registration.reconcile_pages(page, strict=False)
    snapshot = registration.to_dict()
    assert Registration.from_dict(snapshot) == registration
    for version in registration.versions:
        assert RegistrationVersion.from_dict(version.to_dict()) == version


# -- one function: every path agrees ---------------------------------------------------------


@settings(max_examples=400)
@given(_STATUSES, _remote_histories())
def test_from_aws_audit_and_judge_agree(status: S, history: StatusHistory) -> None:
    proof = judge_new(status, history)
    item = _item(status, history)
    page = {"RegistrationId": RID, "RegistrationVersions": [item]}
    assert audit_data(page).ok is proof.proven
    assert (LIFECYCLE.explain(S.DRAFT, status, history) is not None) is proof.proven
    try:
        version = RegistrationVersion.from_aws(item, registration_id=RID)
    except (IllegalRemoteTransition, InvalidHistory):
        assert not proof.proven
    else:
        assert proof.proven
        assert version.status is status
    fresh = Registration.new(RID, at=history.draft)
    try:
        fresh.reconcile_pages(page)
    except (IllegalRemoteTransition, InvalidHistory):
        assert not proof.proven
    else:
        assert proof.proven


@settings(max_examples=300)
@given(versions(), _STATUSES, _remote_histories())
def test_adopt_and_judge_agree(version: RegistrationVersion, status: S, remote: Any) -> None:
    expected = judge(version.status, version.history, status, remote)
    trial = copy.copy(version)
    try:
        path = trial.adopt(status, remote)
    except IllegalRemoteTransition:
        assert not expected.proven
        assert trial == version
    else:
        assert expected.proven
        assert path == expected.path


@settings(max_examples=300)
@given(versions(), _STATUSES, _remote_histories())
def test_judge_stamps_is_judge_of_a_versions_own_stamps(
    version: RegistrationVersion, status: S, remote: Any
) -> None:
    # A version judges an answer from its own stamps (judge_stamps), a caller from a history
    # (judge): one rule, so the same proof, path, problems and words alike.
    start, stamps, _ = version._state
    for show in (None, lambda status, stamp: f"<{status.value}>"):
        assert judge_stamps(start, stamps, status, remote, show=show) == judge(
            version.status, version.history, status, remote, show=show
        )


@settings(max_examples=300)
@given(versions(), st.data())
def test_the_model_proves_every_state_it_reached_itself(
    version: RegistrationVersion, data: st.DataObject
) -> None:
    assert judge_new(version.status, version.history).proven
    rid = version.registration_id
    assert RegistrationVersion.from_aws(version.to_aws(), registration_id=rid) == version


def _item(status: S, history: StatusHistory, version: Any = None) -> dict[str, Any]:
    number = 1 if version is None else version.version_number
    return {
        "VersionNumber": number,
        "RegistrationVersionStatus": status.value,
        "RegistrationVersionStatusHistory": history.to_json(),
    }


@settings(max_examples=400)
@given(_STATUSES, _STATUSES, _remote_histories(), st.integers(0, 12))
def test_explain_is_judge_with_what_was_known_before_after(
    start: S, status: S, history: StatusHistory, minute: int
) -> None:
    after = max(_at(minute), history.draft)
    known = {
        key: stamp
        for key, stamp in history.to_aws().items()
        if history.draft <= stamp < after
        or key == "DraftTimestamp"
        or (key == start.history_key and stamp == after)
    }
    early = any(stamp < history.draft for stamp in history.to_aws().values())
    expected = None if early else judge(start, StatusHistory.from_aws(known), status, history).path
    assert LIFECYCLE.explain(start, status, history, after=after) == expected


def test_a_proof_names_its_start_and_status_proven_or_not() -> None:
    proven = judge(S.DRAFT, _history(), S.SUBMITTED, _history(submitted=1))
    assert (proven.start, proven.status, proven.problems) == (S.DRAFT, S.SUBMITTED, ())
    assert [edge.trigger for edge in proven.path or ()] == ["submit"]
    refused = judge(S.DRAFT, _history(), S.APPROVED, _history(approved=3))
    assert (refused.start, refused.status, refused.path) == (S.DRAFT, S.APPROVED, None)
    assert [p.reason for p in refused.problems] == [
        "the path from DRAFT to APPROVED enters SUBMITTED, REVIEWING, but there is no "
        "SubmittedTimestamp, ReviewingTimestamp: AWS stamps every status a version enters"
    ]


def test_a_stamp_earlier_than_what_is_known_says_what_it_is_earlier_than() -> None:
    def show(status: S, stamp: datetime) -> str:
        return f"{status.value} at minute {stamp.minute}"

    draft_only = judge(S.DRAFT, _history(draft=5), S.SUBMITTED, _history(draft=5, submitted=1))
    assert [p.reason for p in draft_only.problems] == [
        "SubmittedTimestamp (2026-03-01T12:01:00+00:00) is earlier than DraftTimestamp: every "
        "version starts as a DRAFT"
    ]
    known = _history(submitted=5)
    later = judge(S.SUBMITTED, known, S.REVIEWING, _history(submitted=5, reviewing=3), show=show)
    assert [p.reason for p in later.problems] == [
        "ReviewingTimestamp (REVIEWING at minute 3) is earlier than the latest stamp already "
        "known (SUBMITTED at minute 5)"
    ]
