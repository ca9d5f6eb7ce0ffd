from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registration_fsm import (
    Anomaly,
    AnomalyKind,
    IllegalRemoteTransition,
    MalformedDataError,
    ReconcileReport,
    Registration,
    RegistrationRuleError,
    UnknownStatusError,
    VersionStatus,
)
from registration_fsm.backends import VersionInfo
from registration_fsm.testing.strategies import describe_pages, registrations

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _iso(minutes: int) -> str:
    return _at(minutes).isoformat()


def _item(number: int, status: str, **stamps: int) -> dict[str, Any]:
    """One version as the AWS CLI prints it; stamps are minutes after T0."""
    return {
        "VersionNumber": number,
        "RegistrationVersionStatus": status,
        "RegistrationVersionStatusHistory": {k: _iso(v) for k, v in stamps.items()},
    }


def _page(*items: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {
        "RegistrationArn": ARN,
        "RegistrationId": RID,
        "RegistrationVersions": list(items),
    }
    if token is not None:
        page["NextToken"] = token
    return page


def _submitted() -> Registration:
    """Version 1 submitted at minute 1."""
    registration = Registration.new(RID, registration_arn=ARN, at=T0)
    registration.submit(at=_at(1))
    return registration


class _FakeBackend:
    """Only what reconcile needs: every version, oldest first, as a backend returns them."""

    def __init__(self, infos: Sequence[VersionInfo]) -> None:
        self.infos = tuple(infos)
        self.calls: list[str] = []

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        self.calls.append(registration_id)
        return self.infos


def _infos(*pages: dict[str, Any]) -> list[VersionInfo]:
    return [
        VersionInfo.from_aws(item, registration_id=RID, registration_arn=ARN)
        for page in pages
        for item in page["RegistrationVersions"]
    ]


DENIED_V1 = _item(1, "DENIED", DraftTimestamp=0, SubmittedTimestamp=1, DeniedTimestamp=3)
DRAFT_V2 = _item(2, "DRAFT", DraftTimestamp=10)


# -- bringing the model up to date ------------------------------------------------------


def test_a_remote_move_is_adopted_along_its_legal_path() -> None:
    registration = _submitted()
    report = registration.reconcile_pages(_page(DENIED_V1))
    assert registration.latest.status is S.DENIED
    assert registration.latest.history.denied == _at(3)
    (change,) = report.changes
    assert (change.version_number, change.from_status, change.to_status) == (
        1,
        S.SUBMITTED,
        S.DENIED,
    )
    assert change.path is not None
    assert [e.trigger for e in change.path] == ["deny"]
    assert not change.added
    assert report.anomalies == ()
    assert report.changed


def test_new_remote_versions_are_added_as_paths_from_draft() -> None:
    registration = _submitted()
    report = registration.reconcile_pages(_page(DENIED_V1, DRAFT_V2))
    assert [v.status for v in registration.versions] == [S.DENIED, S.DRAFT]
    assert registration.latest.registration_arn == ARN
    added = report.changes[-1]
    assert added.added
    assert added.path == ()
    assert "2: (new) -> DRAFT" in str(added)


def test_an_unstamped_intermediate_status_proves_nothing() -> None:
    # APPROVED needs REVIEWING first; without a ReviewingTimestamp the stamps prove no path.
    registration = _submitted()
    before = registration.to_dict()
    remote = _item(1, "APPROVED", DraftTimestamp=0, SubmittedTimestamp=1, ApprovedTimestamp=9)
    with pytest.raises(IllegalRemoteTransition) as caught:
        registration.reconcile_pages(_page(remote))
    assert any("ReviewingTimestamp" in reason for reason in caught.value.reasons)
    assert registration.to_dict() == before
    stamped = _item(
        1,
        "APPROVED",
        DraftTimestamp=0,
        SubmittedTimestamp=1,
        ReviewingTimestamp=5,
        ApprovedTimestamp=9,
    )
    path = registration.reconcile_pages(_page(stamped)).changes[0].path
    assert path is not None
    assert [e.trigger for e in path] == ["begin_review", "approve"]
    assert registration.latest.status is S.APPROVED


def test_pages_may_come_in_any_shape_and_order() -> None:
    boto3_page = {
        "RegistrationId": RID,
        "RegistrationVersions": [
            {
                "VersionNumber": 1,
                "RegistrationVersionStatus": "DENIED",
                "RegistrationVersionStatusHistory": {
                    "DraftTimestamp": T0,
                    "SubmittedTimestamp": _at(1),
                    "DeniedTimestamp": _at(3),
                },
            }
        ],
        "NextToken": "next",
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    cli_page = _page(DRAFT_V2)
    one = _submitted()
    one.reconcile_pages([cli_page, boto3_page])
    other = _submitted()
    other.reconcile_pages(_page(DENIED_V1, DRAFT_V2))
    assert one == other


def test_reconcile_across_several_pages() -> None:
    registration = Registration.new(RID, registration_arn=ARN, at=T0)
    pages = [
        _page(
            _item(
                1,
                "ARCHIVED",
                DraftTimestamp=0,
                SubmittedTimestamp=1,
                ReviewingTimestamp=2,
                ApprovedTimestamp=3,
                ArchivedTimestamp=40,
            ),
            _item(2, "DISCARDED", DraftTimestamp=10, DiscardedTimestamp=11),
            token="page-2",
        ),
        _page(
            _item(3, "DENIED", DraftTimestamp=20, SubmittedTimestamp=21, DeniedTimestamp=22),
            _item(4, "DISCARDED", DraftTimestamp=23, SubmittedTimestamp=24, DiscardedTimestamp=25),
            token="page-3",
        ),
        _page(
            _item(
                5,
                "APPROVED",
                DraftTimestamp=30,
                SubmittedTimestamp=31,
                AwsReviewingTimestamp=31,
                RequiresAuthenticationTimestamp=36,
                ReviewingTimestamp=37,
                ApprovedTimestamp=40,
            )
        ),
    ]
    report = registration.reconcile_pages(pages)
    assert [v.status for v in registration.versions] == [
        S.ARCHIVED,
        S.DISCARDED,
        S.DENIED,
        S.DISCARDED,
        S.APPROVED,
    ]
    assert [c.version_number for c in report.changes] == [1, 2, 3, 4, 5]
    assert report.anomalies == ()
    assert registration.approved_version_number == 5
    assert registration.latest_denied_version_number == 3
    assert registration.to_aws_versions(json_safe=True)["RegistrationVersions"] == [
        item for page in pages for item in page["RegistrationVersions"]
    ]


def test_reconcile_through_a_backend() -> None:
    registration = _submitted()
    backend = _FakeBackend(_infos(_page(DENIED_V1, DRAFT_V2)))
    report = registration.reconcile(backend)
    assert backend.calls == [RID]
    assert [v.status for v in registration.versions] == [S.DENIED, S.DRAFT]
    assert len(report.changes) == 2
    assert registration.reconcile(backend) == ReconcileReport()


def test_a_local_version_the_service_does_not_list_is_reported_and_kept() -> None:
    registration = _submitted()
    registration.discard(at=_at(2))
    registration.create_version(at=_at(5))
    backend = _FakeBackend(
        _infos(
            _page(
                _item(1, "DISCARDED", DraftTimestamp=0, SubmittedTimestamp=1, DiscardedTimestamp=2)
            )
        )
    )
    report = registration.reconcile(backend)
    assert report.changes == ()
    assert [(a.kind, a.version_number) for a in report.anomalies] == [
        (AnomalyKind.LOCAL_ONLY_VERSION, 2)
    ]
    assert len(registration.versions) == 2


def test_a_backend_answer_for_another_registration_is_refused() -> None:
    registration = _submitted()
    other = VersionInfo.from_aws(DENIED_V1, registration_id="registration-other")
    before = registration.to_dict()
    with pytest.raises(MalformedDataError, match="registration-other"):
        registration.reconcile(_FakeBackend([other]))
    with pytest.raises(MalformedDataError, match="not VersionInfo"):
        registration.reconcile(_FakeBackend([DENIED_V1]))  # type: ignore[list-item]
    assert registration.to_dict() == before


# -- idempotence ------------------------------------------------------------------------


def test_the_same_pages_twice_change_nothing_the_second_time() -> None:
    registration = _submitted()
    pages = [_page(DENIED_V1), _page(DRAFT_V2)]
    first = registration.reconcile_pages(pages)
    snapshot = registration.to_dict()
    second = registration.reconcile_pages(pages)
    assert first.changed
    assert second == ReconcileReport()
    assert registration.to_dict() == snapshot


@given(st.data())
def test_reconcile_reaches_the_remote_state_and_is_idempotent(data: st.DataObject) -> None:
    """A copy moves on (remote); the original catches up from its pages, then stays put."""
    local = data.draw(registrations(max_events=30, registration_id=RID))
    remote = copy.deepcopy(local)
    steps = data.draw(st.integers(min_value=0, max_value=30))
    at = max(v.history.latest for v in remote.versions)
    for _ in range(steps):
        moves: list[tuple[str, int | None]] = [
            (t, None) for t in remote.latest.allowed_triggers() if t != "archive"
        ]
        if remote.can_create_version():
            moves.append(("create_version", None))
        action, number = data.draw(st.sampled_from(moves))
        at += data.draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)))
        if action == "create_version":
            remote.create_version(at=at)
        else:
            remote.fire(action, version_number=number, at=at)
    pages = data.draw(describe_pages(remote))
    before = {v.version_number: (v.status, v.history) for v in local.versions}
    report = local.reconcile_pages(pages)
    assert report.anomalies == ()
    assert local.to_aws_versions() == remote.to_aws_versions()
    assert local.status is remote.status
    assert [c.version_number for c in report.changes] == [
        v.version_number
        for v in remote.versions
        if before.get(v.version_number) != (v.status, v.history)
    ]
    assert all(c.path is not None for c in report.changes)
    snapshot = local.to_dict()
    assert local.reconcile_pages(pages) == ReconcileReport()
    assert local.reconcile_pages(data.draw(describe_pages(remote))) == ReconcileReport()
    assert local.to_dict() == snapshot


# -- strict: all or nothing -------------------------------------------------------------


def test_an_illegal_remote_move_raises_and_changes_nothing() -> None:
    registration = _submitted()
    registration.fire("begin_review", at=_at(2))
    registration.fire("approve", at=_at(3))
    registration.create_version(at=_at(4))
    before = registration.to_dict()
    pages = _page(
        _item(1, "SUBMITTED", DraftTimestamp=0, SubmittedTimestamp=1),
        _item(2, "SUBMITTED", DraftTimestamp=4, SubmittedTimestamp=5),
    )
    with pytest.raises(IllegalRemoteTransition) as info:
        registration.reconcile_pages(pages)
    error = info.value
    assert (error.version_number, error.from_status, error.to_status) == (
        1,
        S.APPROVED,
        S.SUBMITTED,
    )
    assert error.stamps["SubmittedTimestamp"] == _at(1)
    assert "SubmittedTimestamp" in str(error)
    assert registration.to_dict() == before


def test_stamps_out_of_order_are_an_illegal_move() -> None:
    registration = _submitted()
    before = registration.to_dict()
    remote = _item(
        1,
        "APPROVED",
        DraftTimestamp=0,
        SubmittedTimestamp=1,
        ApprovedTimestamp=5,
        ReviewingTimestamp=6,
    )
    with pytest.raises(IllegalRemoteTransition):
        registration.reconcile_pages(_page(remote))
    assert registration.to_dict() == before


def test_a_legal_change_is_not_applied_when_another_version_is_illegal() -> None:
    registration = _submitted()
    registration.discard(at=_at(2))
    registration.create_version(at=_at(5))
    before = registration.to_dict()
    pages = [
        _page(_item(2, "SUBMITTED", DraftTimestamp=5, SubmittedTimestamp=6)),
        _page(_item(1, "REVIEWING", DraftTimestamp=0, SubmittedTimestamp=1, ReviewingTimestamp=3)),
    ]
    with pytest.raises(IllegalRemoteTransition):
        registration.reconcile_pages(pages)
    assert registration.to_dict() == before


def test_an_unknown_remote_status_raises_in_strict_mode() -> None:
    registration = _submitted()
    before = registration.to_dict()
    with pytest.raises(UnknownStatusError) as info:
        registration.reconcile_pages(_page(_item(1, "ESCALATED", DraftTimestamp=0)))
    assert info.value.value == "ESCALATED"
    assert registration.to_dict() == before


def test_two_approved_versions_break_the_rules_in_strict_mode() -> None:
    registration = _submitted()
    before = registration.to_dict()
    approved = {"DraftTimestamp": 0, "SubmittedTimestamp": 1, "ReviewingTimestamp": 2}
    pages = _page(
        _item(1, "APPROVED", **approved, ApprovedTimestamp=3),
        _item(
            2,
            "APPROVED",
            DraftTimestamp=4,
            SubmittedTimestamp=5,
            ReviewingTimestamp=6,
            ApprovedTimestamp=9,
        ),
    )
    with pytest.raises(RegistrationRuleError) as info:
        registration.reconcile_pages(pages)
    assert info.value.reason == RegistrationRuleError.MULTIPLE_APPROVED
    assert registration.to_dict() == before


# -- lenient: adopt and report ----------------------------------------------------------


def test_lenient_mode_adopts_an_illegal_move_and_reports_it() -> None:
    registration = _submitted()
    registration.fire("deny", at=_at(2))
    pages = _page(
        _item(1, "REVIEWING", DraftTimestamp=0, SubmittedTimestamp=1, ReviewingTimestamp=4)
    )
    report = registration.reconcile_pages(pages, strict=False)
    assert registration.latest.status is S.REVIEWING
    (anomaly,) = report.anomalies
    assert anomaly.kind is AnomalyKind.ILLEGAL_TRANSITION
    assert (anomaly.from_status, anomaly.to_status) == (S.DENIED, S.REVIEWING)
    assert "no legal path from DENIED to REVIEWING" in str(anomaly)
    assert str(anomaly).startswith("version 1: illegal_transition")
    assert report.changes[0].path is None
    assert "illegal" in str(report.changes[0])
    assert registration.reconcile_pages(pages, strict=False) == ReconcileReport()


def test_lenient_mode_skips_unknown_statuses_and_applies_the_rest() -> None:
    registration = _submitted()
    pages = _page(DENIED_V1, _item(2, "ESCALATED", DraftTimestamp=10))
    report = registration.reconcile_pages(pages, strict=False)
    assert [v.status for v in registration.versions] == [S.DENIED]
    assert report.anomalies == (
        Anomaly(
            AnomalyKind.UNKNOWN_STATUS,
            2,
            "status 'ESCALATED' is unknown to this library; version skipped",
        ),
    )


def test_lenient_mode_reports_rule_violations() -> None:
    registration = _submitted()
    approved = {"SubmittedTimestamp": 1, "ReviewingTimestamp": 2, "ApprovedTimestamp": 3}
    pages = _page(
        _item(1, "APPROVED", DraftTimestamp=0, **approved),
        _item(
            2,
            "APPROVED",
            DraftTimestamp=4,
            SubmittedTimestamp=5,
            ReviewingTimestamp=6,
            ApprovedTimestamp=9,
        ),
        _item(3, "REVIEWING", DraftTimestamp=10, SubmittedTimestamp=11, ReviewingTimestamp=12),
        _item(4, "DRAFT", DraftTimestamp=13),
    )
    report = registration.reconcile_pages(pages, strict=False)
    kinds = sorted((a.kind.value, a.version_number) for a in report.anomalies)
    assert kinds == [("multiple_approved", 1), ("older_version_in_flight", 3)]
    assert [v.status for v in registration.versions] == [
        S.APPROVED,
        S.APPROVED,
        S.REVIEWING,
        S.DRAFT,
    ]
    assert registration.approved_version_number == 2
    # What lenient mode leaves can be saved and read back: saved state that cannot be loaded
    # is lost data. The snapshot names the rules the state breaks, so nothing else is let in.
    snapshot = registration.to_dict()
    assert sorted((v["reason"], v["version_number"]) for v in snapshot["rule_violations"]) == [
        ("MULTIPLE_APPROVED", 1),
        ("OLDER_VERSION_IN_FLIGHT", 3),
    ]
    assert Registration.from_dict(snapshot) == registration
    assert [e.reason for e in registration.rule_violations] == [
        "MULTIPLE_APPROVED",
        "OLDER_VERSION_IN_FLIGHT",
    ]
    del snapshot["rule_violations"][0]
    with pytest.raises(RegistrationRuleError) as caught:
        Registration.from_dict(snapshot)
    assert caught.value.reason == RegistrationRuleError.MULTIPLE_APPROVED


# -- malformed pages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        (42, "expected a DescribeRegistrationVersions result"),
        ("pages", "expected a DescribeRegistrationVersions result"),
        ([42], "expected an object"),
        ({"Versions": []}, "no RegistrationVersions list"),
        ({"RegistrationVersions": {}}, "no RegistrationVersions list"),
        ({"RegistrationId": "registration-other", "RegistrationVersions": []}, "belongs to"),
        ({"RegistrationVersions": [{"VersionNumber": 1}]}, "missing key"),
        (
            {
                "RegistrationVersions": [
                    DENIED_V1,
                    DENIED_V1 | {"RegistrationVersionStatus": "DRAFT"},
                ]
            },
            "appears twice",
        ),
    ],
)
def test_malformed_pages_raise_and_change_nothing(pages: object, message: str) -> None:
    registration = _submitted()
    before = registration.to_dict()
    with pytest.raises(MalformedDataError, match=message):
        registration.reconcile_pages(pages)
    assert registration.to_dict() == before


def test_the_same_version_on_two_pages_is_fine_when_it_reads_the_same() -> None:
    registration = _submitted()
    report = registration.reconcile_pages([_page(DENIED_V1), _page(DENIED_V1)])
    assert len(report.changes) == 1


def test_a_page_may_name_the_registration_by_its_arn() -> None:
    registration = Registration.new(ARN, at=T0)
    page = {"RegistrationId": RID, "RegistrationArn": ARN, "RegistrationVersions": []}
    assert registration.reconcile_pages(page) == ReconcileReport()


def test_a_status_whose_stamp_is_not_the_latest_is_illegal_even_at_the_anchor() -> None:
    registration = _submitted()
    before = registration.to_dict()
    remote = _item(
        1,
        "REVIEWING",
        DraftTimestamp=0,
        SubmittedTimestamp=1,
        ReviewingTimestamp=1,
        RequiresAuthenticationTimestamp=2,
    )
    with pytest.raises(IllegalRemoteTransition):
        registration.reconcile_pages(_page(remote))
    assert registration.to_dict() == before
