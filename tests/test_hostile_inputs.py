"""Every input the model takes gets a typed RegistrationFsmError, never a bare Python error."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration_fsm import (
    InvalidTimestamp,
    MalformedDataError,
    Registration,
    RegistrationFsmError,
    RegistrationRuleError,
    RegistrationVersion,
    StatusHistory,
    UnknownTriggerError,
    VersionStatus,
    audit_data,
    parse_timestamp,
)
from registration_fsm.audit import FindingKind
from registration_fsm.reconcile import AnomalyKind

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"


class _Raising(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta:
        raise RuntimeError("broken zone")


class _NotADelta(tzinfo):
    def utcoffset(self, dt: datetime | None) -> Any:
        return 5


class _TooFar(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=30)


class _Naive(tzinfo):
    def utcoffset(self, dt: datetime | None) -> None:
        return None


_ZONES = [_Raising(), _NotADelta(), _TooFar(), _Naive()]
_EDGES = [
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
    datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))),
    "1999-12-31T23:59:59Z",
    "2100-01-01T00:00:00Z",
    946684799,
    4102444800,
    "2026-03-01T12:00:00\x00Z",
]


@pytest.mark.parametrize("zone", _ZONES, ids=lambda z: type(z).__name__)
def test_a_misbehaving_tzinfo_is_a_typed_error(zone: tzinfo) -> None:
    stamp = datetime(2026, 3, 1, 12, 0, tzinfo=zone)
    with pytest.raises(InvalidTimestamp) as caught:
        parse_timestamp(stamp, field="DraftTimestamp")
    assert caught.value.field == "DraftTimestamp"
    with pytest.raises(InvalidTimestamp):
        RegistrationVersion.new(RID, at=stamp)
    version = RegistrationVersion.new(RID, at=T0)
    with pytest.raises(InvalidTimestamp):
        version.submit(at=stamp)
    assert version.status is S.DRAFT


@pytest.mark.parametrize("value", _EDGES, ids=repr)
def test_stamps_at_the_ends_of_the_calendar_are_typed_errors(value: object) -> None:
    with pytest.raises(InvalidTimestamp):
        parse_timestamp(value)
    with pytest.raises(InvalidTimestamp) as caught:
        StatusHistory.from_aws({"DraftTimestamp": value})
    assert caught.value.field == "DraftTimestamp"


@pytest.mark.parametrize("value", [*_EDGES, *(datetime(2026, 3, 1, tzinfo=z) for z in _ZONES)])
def test_the_audit_reads_such_stamps_as_malformed_findings(value: object) -> None:
    item = {
        "VersionNumber": 1,
        "RegistrationVersionStatus": "SUBMITTED",
        "RegistrationVersionStatusHistory": {"DraftTimestamp": T0, "SubmittedTimestamp": value},
    }
    report = audit_data({"RegistrationId": RID, "RegistrationVersions": [item]})
    assert [f.kind for f in report.findings] == [FindingKind.MALFORMED]


def test_a_stamp_after_2100_is_refused_on_the_fast_path_too() -> None:
    version = RegistrationVersion.new(RID, at=T0)
    with pytest.raises(InvalidTimestamp):
        version.submit(at=datetime(2100, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(InvalidTimestamp):
        RegistrationVersion.new(RID, at=datetime(1999, 12, 31, tzinfo=timezone.utc))
    assert version.status is S.DRAFT


@pytest.mark.parametrize("trigger", [[], {}, ["submit"], None, 3, b"submit"])
def test_unhashable_or_odd_triggers_are_unknown_triggers(trigger: Any) -> None:
    version = RegistrationVersion.new(RID, at=T0)
    with pytest.raises(UnknownTriggerError):
        version.fire(trigger)
    with pytest.raises(UnknownTriggerError):
        version.can(trigger)
    registration = Registration.new(RID, at=T0)
    with pytest.raises(UnknownTriggerError):
        registration.fire(trigger)
    assert registration.latest.status is S.DRAFT


@pytest.mark.parametrize("key", ["RegistrationId", "RegistrationArn"])
def test_a_page_owner_that_is_not_a_string_is_malformed(key: str) -> None:
    registration = Registration.new(RID, at=T0)
    with pytest.raises(MalformedDataError) as caught:
        registration.reconcile_pages({key: [RID], "RegistrationVersions": []})
    assert caught.value.path == f"page 0.{key}"


class _Odd:
    def __init__(self, answer: object) -> None:
        self.answer = answer

    def describe_versions(self, registration_id: str, version_numbers: object = None) -> object:
        return self.answer


@pytest.mark.parametrize("answer", [None, 3, "versions", {"a": 1}, [None]])
def test_a_backend_describing_nonsense_is_malformed(answer: object) -> None:
    registration = Registration.new(RID, at=T0)
    before = registration.to_dict()
    with pytest.raises(MalformedDataError):
        registration.reconcile(_Odd(answer))  # type: ignore[arg-type]
    assert registration.to_dict() == before


def test_a_version_drafted_before_the_previous_one_settled_is_refused_by_reconcile() -> None:
    registration = Registration.new(RID, at=T0)
    registration.discard(at=T0 + timedelta(hours=2))
    early = {
        "VersionNumber": 2,
        "RegistrationVersionStatus": "DRAFT",
        "RegistrationVersionStatusHistory": {"DraftTimestamp": T0 + timedelta(hours=1)},
    }
    page = {"RegistrationId": RID, "RegistrationVersions": [early]}
    with pytest.raises(RegistrationRuleError) as caught:
        registration.reconcile_pages(page)
    assert caught.value.reason == RegistrationRuleError.DRAFTED_TOO_EARLY
    assert len(registration.versions) == 1
    report = registration.reconcile_pages(page, strict=False)
    assert [a.kind for a in report.anomalies] == [AnomalyKind.DRAFTED_TOO_EARLY]
    assert Registration.from_dict(registration.to_dict()) == registration


@settings(max_examples=300)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_as_a_snapshot_or_a_page_is_refused_with_a_typed_error(data: object) -> None:
    for parse in (
        Registration.from_dict,
        RegistrationVersion.from_dict,
        lambda d: RegistrationVersion.from_aws(d, registration_id=RID),
        StatusHistory.from_aws,
        lambda d: Registration.new(RID, at=T0).reconcile_pages(d),
        lambda d: Registration.new(RID, at=T0).reconcile_pages(d, strict=False),
    ):
        with contextlib.suppress(RegistrationFsmError):
            parse(data)


@pytest.mark.parametrize("zone", _ZONES, ids=lambda z: type(z).__name__)
def test_the_audit_fingerprints_any_record_without_asking_a_broken_tzinfo(zone: tzinfo) -> None:
    # Found by tools/fuzz.py: hashing such a datetime asks its tzinfo, which may raise.
    item = {
        "VersionNumber": 3,
        "RegistrationVersionStatus": "ESCALATED",
        "RegistrationVersionStatusHistory": {"DraftTimestamp": datetime(2026, 1, 1, tzinfo=zone)},
    }
    twice = {"RegistrationId": RID, "RegistrationVersions": [item, dict(item, Extra=[1])]}
    kinds = [f.kind for f in audit_data(twice).findings]
    assert kinds == [FindingKind.UNKNOWN_STATUS, FindingKind.DUPLICATE_VERSION]
