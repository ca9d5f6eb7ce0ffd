"""Registration asserted to the value: the text and context of each rule it enforces, the locks
it holds while versions change, and every field of its AWS shapes and snapshots."""

from __future__ import annotations

import copy
import pickle
import threading
import weakref
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration_fsm import (
    LIFECYCLE,
    AnomalyKind,
    AwsReviewNotApplied,
    IllegalRemoteTransition,
    InvalidTimestamp,
    InvalidTransition,
    InvalidValueError,
    MalformedDataError,
    Registration,
    RegistrationRuleError,
    RegistrationVersion,
    StatusHistory,
    SteppingClock,
    UnexpectedAnswerError,
    UnknownStatusError,
    UnknownVersionError,
    VersionStatus,
)
from registration_fsm._registration_rules import _keeps_every_rule, rule_violations
from registration_fsm.backends import RegistrationInfo, VersionInfo

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"


def _clock() -> SteppingClock:
    return SteppingClock(T0, timedelta(minutes=1))


def _version_in(status: VersionStatus, number: int, start: datetime) -> RegistrationVersion:
    """A version that reached ``status`` along the shortest path, one hour per step."""
    version = RegistrationVersion.new(RID, number, at=start)
    path = LIFECYCLE.shortest_path(S.DRAFT, status)
    assert path is not None
    for step, edge in enumerate(path, start=1):
        version.fire(edge.trigger, at=start + timedelta(hours=step))
    return version


def test_an_older_version_in_flight_names_both_versions() -> None:
    older = _version_in(S.SUBMITTED, 1, T0)
    newer = _version_in(S.DRAFT, 2, T0 + timedelta(days=1))
    with pytest.raises(RegistrationRuleError) as info:
        Registration(RID, [older, newer])
    caught = info.value
    assert caught.reason == RegistrationRuleError.OLDER_VERSION_IN_FLIGHT
    assert (caught.version_number, caught.status) == (1, S.SUBMITTED)
    assert caught.detail == (
        "version 1 is SUBMITTED but version 2 is newer; a new version is only created once "
        "the latest is APPROVED or finished"
    )


@pytest.mark.parametrize("at", ["2026-03-01T12:00:00Z", 1_700_000_000])
def test_create_version_at_must_be_a_datetime(at: object) -> None:
    registration = Registration(RID, [_version_in(S.DISCARDED, 1, T0)], clock=_clock())
    with pytest.raises(InvalidTimestamp) as info:
        registration.create_version(at=at)  # type: ignore[arg-type]
    assert info.value.field == "at"
    assert info.value.value is at
    assert info.value.reason == f"expected a timezone-aware datetime, got {type(at).__name__}"
    assert [v.version_number for v in registration.versions] == [1]


def test_a_move_waits_for_the_lock_of_the_version_it_changes() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    latest = registration.latest
    done = threading.Event()

    def submit() -> None:
        registration.submit(at=T0 + timedelta(hours=1))
        done.set()

    with latest._lock:
        worker = threading.Thread(target=submit)
        worker.start()
        # Held by this thread, the lock keeps the move from landing: it cannot finish.
        assert not done.wait(1.0)
        assert latest.status is S.DRAFT
    worker.join(10)
    assert done.is_set()
    assert latest.status is S.SUBMITTED


def test_a_registration_can_be_weakly_referenced() -> None:
    registration = Registration.new(RID, at=T0)
    ref = weakref.ref(registration)
    assert ref() is registration


def test_a_version_of_the_wrong_type_is_named() -> None:
    first = RegistrationVersion.new(RID, at=T0)
    with pytest.raises(MalformedDataError) as info:
        Registration(RID, [first, "version 2"])  # type: ignore[list-item]
    assert str(info.value) == (
        "malformed data at versions: versions must be RegistrationVersion objects, got str"
    )
    assert info.value.value == "version 2"


def test_check_names_the_version_a_call_is_about() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    assert registration.check("submit") == 1
    assert registration.check("discard") == 1
    with pytest.raises(RegistrationRuleError):
        registration.check("create_version")
    with pytest.raises(InvalidValueError) as info:
        registration.check("approve")
    assert str(info.value) == "unknown operation 'approve': submit, discard or create_version"
    registration.discard(at=T0 + timedelta(hours=1))
    assert registration.check("create_version") == 2
    with pytest.raises(InvalidTransition):
        registration.check("submit")


def test_adopt_answer_takes_a_submit_the_caller_made() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    history = StatusHistory(T0, submitted=T0 + timedelta(hours=1))
    answer = VersionInfo(RID, 1, S.SUBMITTED, history)
    assert registration.adopt_answer("submit", answer) is S.SUBMITTED
    assert (registration.latest.status, registration.latest.history) == (S.SUBMITTED, history)
    assert registration.latest.last_answer is answer
    with pytest.raises(MalformedDataError) as info:
        registration.adopt_answer("discard", {"status": "DISCARDED"})  # type: ignore[arg-type]
    assert str(info.value) == "malformed data: discard() returned dict, not a VersionInfo"
    assert registration.latest.status is S.SUBMITTED


def test_adopt_answer_takes_a_version_the_caller_created() -> None:
    registration = Registration(RID, [_version_in(S.DISCARDED, 1, T0)], clock=_clock())
    answer = VersionInfo(RID, 2, S.DRAFT, StatusHistory(T0 + timedelta(days=1)))
    with pytest.raises(UnexpectedAnswerError):
        registration.adopt_answer("create_version", attrs.evolve(answer, version_number=4))
    assert [v.version_number for v in registration.versions] == [1]
    assert registration.adopt_answer("create_version", answer) is S.DRAFT
    assert [v.version_number for v in registration.versions] == [1, 2]
    assert registration.latest.history == answer.history
    assert registration.latest.last_answer is answer


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"registration_id": "registration-other"}, "registration registration-other"),
        ({"version_number": 3}, "version 3"),
    ],
)
def test_an_answer_for_another_version_names_what_was_asked(
    changes: dict[str, object], detail: str
) -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    history = StatusHistory(T0, submitted=T0 + timedelta(hours=1))
    answer = attrs.evolve(VersionInfo(RID, 1, S.SUBMITTED, history), **changes)
    with pytest.raises(UnexpectedAnswerError) as info:
        registration.adopt_answer("submit", answer)
    caught = info.value
    assert (caught.registration_id, caught.version_number) == (RID, 1)
    assert caught.answer is answer
    assert caught.detail == detail
    assert registration.latest.status is S.DRAFT


def test_an_answer_of_the_wrong_type_is_carried() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    answer = ["not", "a", "version"]
    with pytest.raises(MalformedDataError) as info:
        registration.adopt_answer("submit", answer)  # type: ignore[arg-type]
    assert info.value.value is answer


def test_an_older_version_is_read_only_and_says_so() -> None:
    registration = Registration(
        RID,
        [_version_in(S.DISCARDED, 1, T0), _version_in(S.DRAFT, 2, T0 + timedelta(days=1))],
        clock=_clock(),
    )
    with pytest.raises(RegistrationRuleError) as info:
        registration.fire("submit", version_number=1)
    caught = info.value
    assert caught.registration_id == RID
    assert caught.reason == RegistrationRuleError.VERSION_READ_ONLY
    assert (caught.version_number, caught.status) == (1, S.DISCARDED)
    assert caught.detail == (
        "version 1 is not the latest (version 2); only the latest version moves, and an "
        "older APPROVED version can only be revoked"
    )
    with pytest.raises(RegistrationRuleError) as info:
        registration.fire("archive")
    assert info.value.registration_id == RID
    assert info.value.reason == RegistrationRuleError.ARCHIVED_BY_APPROVAL_ONLY
    assert info.value.detail == (
        "version 2 cannot be archived by itself; it is archived when a newer version is approved"
    )


def test_reconcile_versions_refuses_what_is_not_this_registrations_versions() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    before = registration.to_dict()
    other = VersionInfo("registration-other", 1, S.DRAFT, StatusHistory(T0))
    with pytest.raises(MalformedDataError) as info:
        registration.reconcile_versions([other])
    assert info.value.path == "RegistrationId"
    assert info.value.value == "registration-other"
    assert str(info.value) == (
        "malformed data at RegistrationId: the service listed a version of registration "
        f"'registration-other', not {RID!r}"
    )
    with pytest.raises(MalformedDataError) as info:
        registration.reconcile_versions({"RegistrationVersions": []})
    assert str(info.value) == (
        "malformed data: the versions returned dict, not a sequence of VersionInfo"
    )
    with pytest.raises(MalformedDataError) as info:
        registration.reconcile_versions([{"VersionNumber": 1}])
    assert str(info.value) == "malformed data: the versions returned dict items, not VersionInfo"
    assert registration.to_dict() == before


def test_a_lenient_reconcile_reports_a_state_no_version_can_hold() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    hour = timedelta(hours=1)
    history = StatusHistory(T0, submitted=T0 + hour, reviewing=T0 + 2 * hour)
    report = registration.reconcile_versions(
        [VersionInfo(RID, 1, S.SUBMITTED, history)], strict=False
    )
    assert report.changes == ()
    (anomaly,) = report.anomalies
    assert anomaly.kind is AnomalyKind.UNREPRESENTABLE_STATE
    assert anomaly.version_number == 1
    assert (anomaly.from_status, anomaly.to_status) == (S.DRAFT, S.SUBMITTED)
    assert anomaly.detail == (
        "the remote state (SUBMITTED; DraftTimestamp=2026-03-01T12:00:00+00:00, "
        "SubmittedTimestamp=2026-03-01T13:00:00+00:00, "
        "ReviewingTimestamp=2026-03-01T14:00:00+00:00) is one no version can hold: "
        "REVIEWING stamped after SUBMITTED (2026-03-01T13:00:00+00:00); the status must be "
        "the latest stamp; not adopted"
    )
    assert registration.latest.status is S.DRAFT


@pytest.mark.parametrize("data", [["a", "list"], "text", None])
def test_from_dict_refuses_what_is_not_an_object_and_carries_it(data: object) -> None:
    with pytest.raises(MalformedDataError) as info:
        Registration.from_dict(data)
    assert info.value.value is data
    assert str(info.value) == f"malformed data: expected an object, got {type(data).__name__}"


def _snapshot() -> dict[str, object]:
    registration = Registration.new(
        RID, at=T0, registration_type="US_TEN_DLC_BRAND_REGISTRATION", registration_arn=ARN
    )
    return registration.to_dict()


@pytest.mark.parametrize("key", ["registration_id", "versions"])
def test_from_dict_names_a_missing_key(key: str) -> None:
    data = _snapshot()
    del data[key]
    with pytest.raises(MalformedDataError) as info:
        Registration.from_dict(data)
    assert info.value.path == key
    assert str(info.value) == f"malformed data at {key}: missing key {key!r}"


def test_from_dict_gives_every_version_the_clock() -> None:
    clock = _clock()
    data = _snapshot()
    registration = Registration.from_dict(data, clock=clock)
    assert registration.clock is clock
    assert registration.latest.clock is clock
    assert registration.submit() is S.SUBMITTED
    assert registration.latest.history.submitted == T0


def test_from_aws_refuses_a_status_it_does_not_know() -> None:
    registration = Registration.new(
        RID, at=T0, registration_type="US_TEN_DLC_BRAND_REGISTRATION", registration_arn=ARN
    )
    pages = registration.to_aws_versions()
    assert Registration.from_aws(registration.to_aws(), pages) == registration
    pages["RegistrationVersions"][0]["RegistrationVersionStatus"] = "FROBNICATED"
    with pytest.raises(UnknownStatusError) as info:
        Registration.from_aws(registration.to_aws(), pages)
    assert info.value.value == "FROBNICATED"


def test_from_aws_gives_every_version_the_clock() -> None:
    source = Registration.new(
        RID, at=T0, registration_type="US_TEN_DLC_BRAND_REGISTRATION", registration_arn=ARN
    )
    clock = _clock()
    registration = Registration.from_aws(source.to_aws(), source.to_aws_versions(), clock=clock)
    assert registration.clock is clock
    assert registration.latest.clock is clock
    assert registration.latest.submit() is S.SUBMITTED
    assert registration.latest.history.submitted == T0


def test_to_aws_versions_is_one_describe_result() -> None:
    registration = Registration.new(RID, at=T0, registration_arn=ARN)
    draft = {"DraftTimestamp": T0}
    assert registration.to_aws_versions() == {
        "RegistrationArn": ARN,
        "RegistrationId": RID,
        "RegistrationVersions": [
            {
                "VersionNumber": 1,
                "RegistrationVersionStatus": "DRAFT",
                "RegistrationVersionStatusHistory": draft,
            }
        ],
    }
    bare = Registration.new(RID, at=T0).to_aws_versions(json_safe=True)
    assert bare["RegistrationId"] == RID
    assert "RegistrationArn" not in bare
    history = bare["RegistrationVersions"][0]["RegistrationVersionStatusHistory"]
    assert history == {"DraftTimestamp": T0.isoformat()}


def test_an_aws_review_not_applied_names_the_registration() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    history = StatusHistory(T0, submitted=T0 + timedelta(hours=1))
    answer = VersionInfo(RID, 1, S.SUBMITTED, history, aws_review=False)
    with pytest.raises(AwsReviewNotApplied) as info:
        registration.adopt_answer("submit", answer, aws_review=True)
    assert info.value.registration_id == RID
    assert info.value.current is answer
    assert info.value.detail == "the service answered AwsReview=false; the version is SUBMITTED"
    assert registration.latest.status is S.DRAFT


def test_from_dict_refuses_another_schema_version_and_unknown_keys() -> None:
    data = {**_snapshot(), "schema_version": 2}
    with pytest.raises(MalformedDataError) as info:
        Registration.from_dict(data)
    assert (info.value.path, info.value.value) == ("schema_version", 2)
    data = {**_snapshot(), "extra": 1, "more": 2}
    with pytest.raises(MalformedDataError) as info:
        Registration.from_dict(data)
    assert str(info.value) == "malformed data: unknown keys ['extra', 'more']"


class _Answers:
    """A backend that answers every customer call and every read with ``answer``."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls: list[str] = []

    def submit(self, registration_id: str, *, aws_review: bool = False) -> object:
        self.calls.append("submit")
        return self.answer

    def discard(self, registration_id: str) -> object:
        self.calls.append("discard")
        return self.answer

    def create_version(self, registration_id: str) -> object:
        self.calls.append("create_version")
        return self.answer

    def describe_versions(self, registration_id: str, version_numbers: object = None) -> object:
        self.calls.append("describe_versions")
        return self.answer


@pytest.mark.parametrize("operation", ["submit", "discard"])
def test_at_with_a_backend_names_the_operation(operation: str) -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    backend = _Answers(None)
    with pytest.raises(InvalidValueError) as info:
        getattr(registration, operation)(backend, at=T0 + timedelta(hours=1))
    assert str(info.value) == (
        f"at= applies to local moves only; with a backend, the service stamps the {operation}"
    )
    assert backend.calls == []
    assert registration.latest.status is S.DRAFT


@pytest.mark.parametrize("operation", ["submit", "discard"])
def test_a_backend_answering_nonsense_is_named(operation: str) -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    answer = {"RegistrationVersionStatus": "SUBMITTED"}
    with pytest.raises(MalformedDataError) as info:
        getattr(registration, operation)(_Answers(answer))
    assert str(info.value) == (
        f"malformed data: _Answers.{operation}() returned dict, not a VersionInfo"
    )
    assert info.value.value is answer
    assert registration.latest.status is S.DRAFT


def test_a_backend_creating_nonsense_is_named() -> None:
    registration = Registration(RID, [_version_in(S.DISCARDED, 1, T0)], clock=_clock())
    with pytest.raises(MalformedDataError) as info:
        registration.create_version(_Answers(None))  # type: ignore[arg-type]
    assert str(info.value) == (
        "malformed data: _Answers.create_version() returned NoneType, not a VersionInfo"
    )
    assert [v.version_number for v in registration.versions] == [1]


@pytest.mark.parametrize(
    ("answer", "value", "detail"),
    [
        (None, None, "returned NoneType, not a sequence of VersionInfo"),
        (["version 1"], "version 1", "returned str items, not VersionInfo"),
    ],
)
def test_a_backend_describing_nonsense_is_named(
    answer: object, value: object, detail: str
) -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    before = registration.to_dict()
    with pytest.raises(MalformedDataError) as info:
        registration.reconcile(_Answers(answer))  # type: ignore[arg-type]
    assert str(info.value) == f"malformed data: _Answers.describe_versions() {detail}"
    assert info.value.value == value
    assert registration.to_dict() == before


def test_a_page_may_name_the_registration_by_its_arn() -> None:
    registration = Registration.new(RID, at=T0, registration_arn=ARN, clock=_clock())
    submitted = {"DraftTimestamp": T0, "SubmittedTimestamp": T0 + timedelta(hours=1)}
    page = {
        "RegistrationId": ARN,
        "RegistrationVersions": [
            {
                "VersionNumber": 1,
                "RegistrationVersionStatus": "SUBMITTED",
                "RegistrationVersionStatusHistory": submitted,
            }
        ],
    }
    report = registration.reconcile_pages(page)
    (change,) = report.changes
    assert (change.version_number, change.from_status, change.to_status) == (
        1,
        S.DRAFT,
        S.SUBMITTED,
    )
    assert registration.latest.history.submitted == T0 + timedelta(hours=1)
    with pytest.raises(MalformedDataError) as info:
        Registration.new(RID, at=T0, clock=_clock()).reconcile_pages(page)
    assert (info.value.path, info.value.value) == ("page 0.RegistrationId", ARN)


def test_rule_violations_name_the_registration() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.discard(at=T0 + timedelta(hours=2))
    early = {
        "VersionNumber": 2,
        "RegistrationVersionStatus": "DRAFT",
        "RegistrationVersionStatusHistory": {"DraftTimestamp": T0 + timedelta(hours=1)},
    }
    registration.reconcile_pages(
        {"RegistrationId": RID, "RegistrationVersions": [early]}, strict=False
    )
    (violation,) = registration.rule_violations
    assert violation.registration_id == RID
    assert violation.reason == RegistrationRuleError.DRAFTED_TOO_EARLY
    assert (violation.version_number, violation.status) == (2, S.DRAFT)


@pytest.mark.parametrize("schema", [None, "registration_fsm/version"])
def test_from_dict_names_the_wrong_schema(schema: object) -> None:
    data = {**_snapshot(), "schema": schema}
    with pytest.raises(MalformedDataError) as info:
        Registration.from_dict(data)
    assert (info.value.path, info.value.value) == ("schema", schema)
    assert str(info.value) == (
        f"malformed data at schema: not a registration_fsm registration snapshot (schema "
        f"{schema!r}, expected 'registration_fsm/registration')"
    )


def test_a_copy_keeps_the_clock() -> None:
    clock = _clock()
    registration = Registration.new(RID, at=T0, clock=clock)
    for clone in (copy.copy(registration), copy.deepcopy(registration), registration.snapshot()):
        assert clone == registration
        assert clone.clock is clock
        assert clone.submit() is S.SUBMITTED
    assert registration.latest.status is S.DRAFT
    # Each of the three copies took one stamp from the shared clock.
    assert clock() == T0 + timedelta(minutes=3)


@pytest.mark.parametrize("declared", ["DRAFTED_TOO_EARLY", {"reason": "DRAFTED_TOO_EARLY"}])
def test_from_dict_refuses_rule_violations_that_are_not_a_list(declared: object) -> None:
    data = {**_snapshot(), "rule_violations": declared}
    with pytest.raises(MalformedDataError) as info:
        Registration.from_dict(data)
    assert (info.value.path, info.value.value) == ("rule_violations", declared)
    assert str(info.value) == (
        f"malformed data at rule_violations: expected a list, got {type(declared).__name__}"
    )


@pytest.mark.parametrize(
    "item",
    [
        {"reason": "FROBNICATED", "version_number": 1},
        {"reason": "DRAFTED_TOO_EARLY", "version_number": True},
        {"reason": "DRAFTED_TOO_EARLY"},
        "DRAFTED_TOO_EARLY",
    ],
)
def test_from_dict_names_a_rule_violation_it_cannot_accept(item: object) -> None:
    data = {**_snapshot(), "rule_violations": [item]}
    with pytest.raises(MalformedDataError) as info:
        Registration.from_dict(data)
    assert (info.value.path, info.value.value) == ("rule_violations", item)
    assert str(info.value) == (
        "malformed data at rule_violations: expected {'reason': MULTIPLE_APPROVED, "
        "OLDER_VERSION_IN_FLIGHT or DRAFTED_TOO_EARLY, 'version_number': int}"
    )


def test_holding_takes_the_lock_of_every_version_and_gives_them_all_back() -> None:
    """A move across versions (approving archives the older APPROVED one) holds every
    version's lock at once; a survivor held only the last one."""
    from registration_fsm import RegistrationVersion
    from registration_fsm.version import holding as _holding

    rid = "registration-0123456789abcdef0123456789abcdef"
    versions = [RegistrationVersion.new(rid, number) for number in (3, 1, 2)]
    with _holding(versions + versions[:1]):
        assert [v._lock.locked() for v in versions] == [True, True, True]
    assert [v._lock.locked() for v in versions] == [False, False, False]


def _walked(number: int, draft: int, *steps: tuple[str, int]) -> RegistrationVersion:
    """Version ``number`` drafted at hour ``draft``, then each (trigger, hour) fired."""
    version = RegistrationVersion.new(RID, number, at=T0 + timedelta(hours=draft))
    for trigger, hour in steps:
        version.fire(trigger, at=T0 + timedelta(hours=hour))
    return version


def test_every_rule_violation_is_named_in_full() -> None:
    """The rules over all versions at once, each break with its reason, version, status and
    words, in the order the rules are checked."""
    from registration_fsm._registration_rules import rule_violations

    approve = (("submit", 1), ("begin_review", 2), ("approve", 3))
    versions = [
        _walked(1, 0, *approve),
        _walked(2, 4, *((t, h + 4) for t, h in approve)),
        _walked(3, 9, ("submit", 10)),
        _walked(4, 11, ("submit", 12), ("begin_review", 13), ("approve", 40)),
        _walked(5, 35),
    ]
    found = rule_violations(RID, versions)
    assert [(v.registration_id, v.reason, v.version_number, v.status) for v in found] == [
        (RID, RegistrationRuleError.MULTIPLE_APPROVED, 1, S.APPROVED),
        (RID, RegistrationRuleError.MULTIPLE_APPROVED, 2, S.APPROVED),
        (RID, RegistrationRuleError.OLDER_VERSION_IN_FLIGHT, 3, S.SUBMITTED),
        (RID, RegistrationRuleError.DRAFTED_TOO_EARLY, 5, S.DRAFT),
    ]
    assert [v.detail for v in found] == [
        "version 1 is APPROVED, and so is version 4; approving a newer version archives the "
        "older one",
        "version 2 is APPROVED, and so is version 4; approving a newer version archives the "
        "older one",
        "version 3 is SUBMITTED but version 5 is newer; a new version is only created once "
        "the latest is APPROVED or finished",
        f"version 5 was drafted at {(T0 + timedelta(hours=35)).isoformat()}, before version 4 "
        f"settled at {(T0 + timedelta(hours=40)).isoformat()}; a new version is only created "
        "once the previous one settled",
    ]
    assert rule_violations(RID, versions[:1]) == []
    assert rule_violations(RID, []) == []


def test_a_version_drafted_the_instant_the_older_settled_breaks_no_rule() -> None:
    from registration_fsm._registration_rules import rule_violations

    settled = _walked(1, 0, ("submit", 1), ("deny", 3))
    assert rule_violations(RID, [settled, _walked(2, 3)]) == []
    (early,) = rule_violations(RID, [settled, _walked(2, 2)])
    assert (early.reason, early.version_number) == (RegistrationRuleError.DRAFTED_TOO_EARLY, 2)


def test_a_version_reconcile_adds_takes_the_registration_clock() -> None:
    clock = _clock()
    registration = Registration.new(RID, at=T0, clock=clock)
    registration.discard(at=T0 + timedelta(hours=1))
    registration.reconcile_versions(
        [
            VersionInfo(RID, 1, S.DISCARDED, registration.latest.history),
            VersionInfo(RID, 2, S.DRAFT, StatusHistory(draft=T0 + timedelta(hours=2))),
        ]
    )
    assert registration.latest.version_number == 2
    assert registration.latest.clock is clock


def test_nonsense_given_to_reconcile_is_named_with_its_value() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    given = {"RegistrationVersions": []}
    with pytest.raises(MalformedDataError) as info:
        registration.reconcile_versions(given)
    assert info.value.value == given
    submitted = StatusHistory(draft=T0, submitted=T0 + timedelta(hours=1))
    twice = [
        VersionInfo(RID, 1, S.SUBMITTED, submitted),
        VersionInfo(RID, 1, S.DRAFT, StatusHistory(draft=T0)),
    ]
    with pytest.raises(MalformedDataError) as info:
        registration.reconcile_versions(twice)
    assert info.value.path == "RegistrationVersions"
    assert str(info.value) == (
        "malformed data at RegistrationVersions: version 1 appears twice, as SUBMITTED and DRAFT"
    )
    assert registration.latest.status is S.DRAFT


def test_a_move_into_the_unstamped_offline_review_is_adopted_though_the_stamps_are_equal() -> None:
    """REQUIRES_OFFLINE_REVIEW has no history field: the same stamps, another status."""
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.submit(at=T0 + timedelta(hours=1))
    registration.fire("begin_review", at=T0 + timedelta(hours=2))
    history = registration.latest.history
    report = registration.reconcile_versions(
        [VersionInfo(RID, 1, S.REQUIRES_OFFLINE_REVIEW, history)]
    )
    assert registration.latest.status is S.REQUIRES_OFFLINE_REVIEW
    assert registration.latest.history == history
    assert [c.to_status for c in report.changes] == [S.REQUIRES_OFFLINE_REVIEW]


def _reviewing() -> Registration:
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.submit(at=T0 + timedelta(hours=1))
    registration.fire("begin_review", at=T0 + timedelta(hours=2))
    return registration


def test_a_lenient_reconcile_names_every_problem_of_an_unproven_move(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registration = _reviewing()
    denied = StatusHistory(T0, denied=T0 + timedelta(hours=3))
    with caplog.at_level("WARNING", logger="registration_fsm"):
        report = registration.reconcile_versions(
            [VersionInfo(RID, 1, S.DENIED, denied)], strict=False
        )
    (anomaly,) = report.anomalies
    assert anomaly.detail == (
        "no legal path from REVIEWING to DENIED fits the remote history "
        "(DraftTimestamp=2026-03-01T12:00:00+00:00, DeniedTimestamp=2026-03-01T15:00:00+00:00): "
        "the remote history has no SubmittedTimestamp, which the local history holds "
        "(2026-03-01T13:00:00+00:00): a stamp is never removed; the remote history has no "
        "ReviewingTimestamp, which the local history holds (2026-03-01T14:00:00+00:00): a "
        "stamp is never removed; adopted"
    )
    assert registration.latest.status is S.DENIED
    (record,) = caplog.records
    assert record.getMessage() == f"{RID}: reconcile anomaly: {anomaly}"


def test_an_unrepresentable_version_does_not_stop_the_versions_after_it() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.discard(at=T0 + timedelta(hours=1))
    registration.create_version(at=T0 + timedelta(hours=2))
    hour = timedelta(hours=1)
    nonsense = StatusHistory(T0, submitted=T0 + hour, reviewing=T0 + 2 * hour)
    submitted = StatusHistory(T0 + 2 * hour, submitted=T0 + 3 * hour)
    report = registration.reconcile_versions(
        [VersionInfo(RID, 1, S.SUBMITTED, nonsense), VersionInfo(RID, 2, S.SUBMITTED, submitted)],
        strict=False,
    )
    assert [a.kind for a in report.anomalies] == [AnomalyKind.UNREPRESENTABLE_STATE]
    assert [(v.version_number, v.status) for v in registration.versions] == [
        (1, S.DISCARDED),
        (2, S.SUBMITTED),
    ]


def test_reconcile_names_the_registration_and_the_rule_it_breaks() -> None:
    registration = _reviewing()
    hour = timedelta(hours=1)
    approved = StatusHistory(
        T0, submitted=T0 + hour, reviewing=T0 + 2 * hour, approved=T0 + 3 * hour
    )
    infos = [
        VersionInfo(RID, 1, S.APPROVED, approved),
        VersionInfo(RID, 2, S.SUBMITTED, StatusHistory(T0 + 4 * hour, submitted=T0 + 5 * hour)),
        VersionInfo(RID, 3, S.DRAFT, StatusHistory(T0 + 6 * hour)),
    ]
    with pytest.raises(RegistrationRuleError) as info:
        registration.reconcile_versions(infos)
    assert info.value.registration_id == RID
    assert info.value.reason == RegistrationRuleError.OLDER_VERSION_IN_FLIGHT
    report = registration.reconcile_versions(infos, strict=False)
    (anomaly,) = report.anomalies
    assert anomaly.kind is AnomalyKind.OLDER_VERSION_IN_FLIGHT
    assert anomaly.detail == (
        "version 2 is SUBMITTED but version 3 is newer; a new version is only created once "
        "the latest is APPROVED or finished"
    )


def test_a_version_the_service_does_not_list_is_kept_and_named() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.discard(at=T0 + timedelta(hours=1))
    registration.create_version(at=T0 + timedelta(hours=2))
    report = registration.reconcile_versions(
        [VersionInfo(RID, 1, S.DISCARDED, registration.version(1).history)]
    )
    (anomaly,) = report.anomalies
    assert (anomaly.kind, anomaly.version_number) == (AnomalyKind.LOCAL_ONLY_VERSION, 2)
    assert anomaly.detail == "the service does not list version 2; kept"
    assert [v.version_number for v in registration.versions] == [1, 2]


def test_a_version_created_through_a_backend_takes_the_clock_and_must_be_proven() -> None:
    clock = _clock()
    registration = Registration.new(RID, at=T0, clock=clock)
    registration.discard(at=T0 + timedelta(hours=1))
    draft = VersionInfo(RID, 2, S.DRAFT, StatusHistory(T0 + timedelta(hours=2)))
    assert registration.create_version(_Answers(draft)).clock is clock  # type: ignore[arg-type]
    registration = Registration.new(RID, at=T0, clock=clock)
    registration.discard(at=T0 + timedelta(hours=1))
    # APPROVED with no stamp for SUBMITTED or REVIEWING: no legal path from DRAFT.
    unproven = VersionInfo(
        RID,
        2,
        S.APPROVED,
        StatusHistory(T0 + timedelta(hours=2), approved=T0 + timedelta(hours=3)),
    )
    with pytest.raises(IllegalRemoteTransition):
        registration.create_version(_Answers(unproven))  # type: ignore[arg-type]
    assert [v.version_number for v in registration.versions] == [1]


class _Recording:
    """A version lock that says when it was held."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held = 0

    def acquire(self) -> bool:
        self.held += 1
        return self.lock.acquire()

    def release(self) -> None:
        self.lock.release()


def _approved_answer(drafted: datetime) -> VersionInfo:
    """AWS's answer that version 2, drafted at ``drafted``, went through review to APPROVED,
    one hour a step."""
    hour = timedelta(hours=1)
    history = StatusHistory(
        drafted,
        submitted=drafted + hour,
        reviewing=drafted + 2 * hour,
        approved=drafted + 3 * hour,
    )
    return VersionInfo(RID, 2, S.APPROVED, history)


def test_an_approving_answer_holds_the_lock_of_the_version_it_archives() -> None:
    registration = _reviewing()
    registration.fire("approve", at=T0 + timedelta(hours=3))
    registration.create_version(at=T0 + timedelta(hours=4))
    older = registration.version(1)
    recording = _Recording()
    older._lock = recording  # type: ignore[assignment]
    answer = _approved_answer(T0 + timedelta(hours=4))
    assert registration.submit(_Answers(answer)) is S.APPROVED  # type: ignore[arg-type]
    assert older.status is S.ARCHIVED
    assert recording.held == 1
    assert not recording.lock.locked()


def test_an_approving_answer_archives_only_an_approved_version() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.discard(at=T0 + timedelta(hours=1))
    registration.create_version(at=T0 + timedelta(hours=2))
    answer = _approved_answer(T0 + timedelta(hours=2))
    assert registration.submit(_Answers(answer)) is S.APPROVED  # type: ignore[arg-type]
    assert [(v.version_number, v.status) for v in registration.versions] == [
        (1, S.DISCARDED),
        (2, S.APPROVED),
    ]


def test_from_dict_names_what_is_wrong_with_a_snapshot() -> None:
    data = {**_snapshot(), "extra": 1}
    with pytest.raises(MalformedDataError) as info:
        Registration.from_dict(data)
    assert info.value.value == data
    assert str(info.value) == "malformed data: unknown keys ['extra']"
    data = {**_snapshot(), "versions": {"1": {}}}
    with pytest.raises(MalformedDataError) as info:
        Registration.from_dict(data)
    assert (info.value.path, info.value.value) == ("versions", {"1": {}})
    assert str(info.value) == "malformed data at versions: expected a list, got dict"
    with pytest.raises(InvalidTimestamp) as stamp:
        Registration.from_dict({**_snapshot(), "created": "yesterday"})
    assert stamp.value.field == "created"


def test_a_snapshot_keeps_when_the_registration_was_created() -> None:
    created = T0 - timedelta(days=3)
    registration = Registration(
        RID, [RegistrationVersion.new(RID, 1, at=T0)], registration_arn=ARN, created=created
    )
    assert Registration.from_dict(registration.to_dict()).created == created


def test_violations_a_snapshot_declares_are_accepted_only_while_it_is_read() -> None:
    first = _walked(1, 0, ("submit", 1), ("begin_review", 2), ("approve", 3))
    second = _walked(2, 4, ("submit", 5), ("begin_review", 6), ("approve", 7))
    with pytest.raises(RegistrationRuleError):
        Registration(RID, [first, second])
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.reconcile_versions(
        [
            VersionInfo(RID, 1, S.APPROVED, first.history),
            VersionInfo(RID, 2, S.APPROVED, second.history),
        ],
        strict=False,
    )
    assert Registration.from_dict(registration.to_dict()) == registration
    # The snapshot's declaration ends with the read: the same versions are refused again.
    with pytest.raises(RegistrationRuleError):
        Registration(RID, [copy.copy(first), copy.copy(second)])


def test_from_aws_reads_pages_that_name_the_registration_by_its_arn() -> None:
    created = T0 - timedelta(days=1)
    info = {
        "RegistrationArn": ARN,
        "RegistrationId": RID,
        "RegistrationType": "US_TEN_DLC_BRAND_REGISTRATION",
        "RegistrationStatus": "CREATED",
        "CurrentVersionNumber": 1,
        "CreatedTimestamp": created,
    }
    pages = {
        "RegistrationId": ARN,
        "RegistrationVersions": [
            {
                "VersionNumber": 1,
                "RegistrationVersionStatus": "DRAFT",
                "RegistrationVersionStatusHistory": {"DraftTimestamp": T0},
            }
        ],
    }
    registration = Registration.from_aws(info, pages)
    assert registration.created == created
    assert (registration.latest.registration_id, registration.latest.registration_arn) == (
        RID,
        ARN,
    )
    with pytest.raises(MalformedDataError) as error:
        Registration.from_aws({**info, "CurrentVersionNumber": 2}, pages)
    assert error.value.path == "RegistrationVersions"


def test_a_registration_names_what_is_wrong_with_its_versions() -> None:
    with pytest.raises(MalformedDataError) as info:
        Registration(RID, "versions")  # type: ignore[arg-type]
    assert info.value.path == "versions"
    assert str(info.value) == (
        "malformed data at versions: versions must be RegistrationVersion objects, got str"
    )
    with pytest.raises(MalformedDataError) as info:
        Registration(RID, [])
    assert info.value.path == "versions"
    registration = Registration.new(RID, at=T0, clock=_clock())
    with pytest.raises(UnknownVersionError) as unknown:
        registration.version(7)
    assert (unknown.value.registration_id, unknown.value.version_number) == (RID, 7)
    with pytest.raises(RegistrationRuleError) as rule:
        registration.create_version(at=T0)
    assert rule.value.registration_id == RID


def test_what_a_registration_refuses_before_any_call_is_worded() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.discard(at=T0 + timedelta(hours=1))
    with pytest.raises(MalformedDataError) as info:
        registration.adopt_answer("create_version", "nonsense")  # type: ignore[arg-type]
    assert str(info.value) == "malformed data: create_version() returned str, not a VersionInfo"
    with pytest.raises(InvalidValueError) as refused:
        Registration.new(RID, at=T0, clock=_clock()).submit(aws_review=True)
    assert str(refused.value) == (
        "aws_review=True needs a backend: locally, fire begin_aws_review() when AWS starts its "
        "pre-review"
    )


@pytest.mark.parametrize("operation", ["submit", "discard"])
def test_a_call_the_lifecycle_refuses_names_its_trigger_before_any_call(operation: str) -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.submit(at=T0 + timedelta(hours=1))
    registration.fire("deny", at=T0 + timedelta(hours=2))
    backend = _Answers(None)
    with pytest.raises(InvalidTransition) as info:
        getattr(registration, operation)(backend)
    assert (info.value.status, info.value.trigger) == (S.DENIED, operation)
    assert backend.calls == []


def test_every_reconcile_logs_its_anomalies_with_the_registration(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.discard(at=T0 + timedelta(hours=1))
    registration.create_version(at=T0 + timedelta(hours=2))
    only_first = [VersionInfo(RID, 1, S.DISCARDED, registration.version(1).history)]
    page = {
        "RegistrationId": RID,
        "RegistrationVersions": [
            {
                "VersionNumber": 2,
                "RegistrationVersionStatus": "FROBNICATED",
                "RegistrationVersionStatusHistory": {"DraftTimestamp": T0 + timedelta(hours=2)},
            }
        ],
    }
    with caplog.at_level("WARNING", logger="registration_fsm"):
        registration.reconcile(_Answers(only_first))  # type: ignore[arg-type]
        registration.reconcile_pages(page, strict=False)
    assert [(r.registration_id, r.anomaly) for r in caplog.records] == [  # type: ignore[attr-defined]
        (RID, "local_only_version"),
        (RID, "unknown_status"),
    ]


def test_reconciled_pages_are_heard_as_reconciles() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    heard: list[Any] = []
    registration.subscribe(heard.append)
    submitted = {"DraftTimestamp": T0, "SubmittedTimestamp": T0 + timedelta(hours=1)}
    registration.reconcile_pages(
        {
            "RegistrationId": RID,
            "RegistrationVersions": [
                {
                    "VersionNumber": 1,
                    "RegistrationVersionStatus": "SUBMITTED",
                    "RegistrationVersionStatusHistory": submitted,
                }
            ],
        }
    )
    assert [(e.edge, e.source) for e in heard] == [("submit", "reconcile")]


def test_from_backend_gives_the_clock_and_repr_and_pickles_keep_everything() -> None:
    clock = _clock()
    source = Registration(
        RID,
        [RegistrationVersion.new(RID, 1, at=T0)],
        registration_arn=ARN,
        registration_type="US_TEN_DLC_BRAND_REGISTRATION",
        created=T0 - timedelta(days=1),
    )

    class _Reads:
        def describe_registration(self, registration_id: str) -> RegistrationInfo:
            return RegistrationInfo.from_aws(source.to_aws())

        def describe_versions(self, registration_id: str) -> tuple[VersionInfo, ...]:
            version = source.latest
            return (VersionInfo(RID, 1, version.status, version.history, registration_arn=ARN),)

    read = Registration.from_backend(_Reads(), RID, clock=clock)  # type: ignore[arg-type]
    assert read.clock is clock
    assert read.to_aws() == source.to_aws()
    source.discard(at=T0 + timedelta(hours=1))
    source.create_version(at=T0 + timedelta(hours=2))
    assert repr(source) == f"<Registration {RID} CREATED versions {{1: DISCARDED, 2: DRAFT}}>"
    again = pickle.loads(pickle.dumps(source))
    assert (again.registration_type, again.created) == (
        "US_TEN_DLC_BRAND_REGISTRATION",
        T0 - timedelta(days=1),
    )
    assert again == source
    assert again.submit() is S.SUBMITTED


def test_a_registration_names_each_wrong_version_it_is_given() -> None:
    with pytest.raises(MalformedDataError) as info:
        Registration(RID, [])
    assert str(info.value) == (
        "malformed data at versions: a registration has at least one version "
        "(CreateRegistration makes version 1)"
    )
    other = "registration-ffffffffffffffffffffffffffffffff"
    with pytest.raises(MalformedDataError) as info:
        Registration(RID, [RegistrationVersion.new(other, 1, at=T0)])
    assert info.value.path == "versions"
    assert str(info.value) == (
        f"malformed data at versions: version 1 belongs to {other!r}, not {RID!r}"
    )
    with pytest.raises(MalformedDataError) as info:
        Registration(RID, [RegistrationVersion.new(RID, 1, at=T0) for _ in range(2)])
    assert (info.value.path, str(info.value)) == (
        "versions",
        "malformed data at versions: two versions numbered 1",
    )


def test_a_local_stamp_that_is_not_aware_is_named_as_at() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    registration.discard(at=T0 + timedelta(hours=1))
    with pytest.raises(InvalidTimestamp) as info:
        registration.create_version(at=datetime(2026, 3, 2, 12, 0))
    assert info.value.field == "at"
    assert [v.version_number for v in registration.versions] == [1]


def test_from_aws_takes_a_registration_info_and_versions_named_by_the_arn() -> None:
    source = Registration.new(RID, at=T0, registration_arn=ARN, registration_type="T")
    info = RegistrationInfo.from_aws(source.to_aws())
    assert Registration.from_aws(info, source.to_aws_versions()).to_aws() == source.to_aws()

    class _ByArn:
        def describe_registration(self, registration_id: str) -> RegistrationInfo:
            return info

        def describe_versions(self, registration_id: str) -> tuple[VersionInfo, ...]:
            return (VersionInfo(ARN, 1, S.DRAFT, StatusHistory(T0)),)

    read = Registration.from_backend(_ByArn(), ARN)  # type: ignore[arg-type]
    assert (read.latest.registration_id, read.latest.registration_arn) == (RID, ARN)


def test_fire_refusals_name_the_status_and_copies_keep_the_creation_time() -> None:
    registration = _reviewing()
    registration.fire("approve", at=T0 + timedelta(hours=3))
    registration.create_version(at=T0 + timedelta(hours=4))
    with pytest.raises(RegistrationRuleError) as info:
        registration.fire("submit", version_number=1)
    assert (info.value.version_number, info.value.status) == (1, S.APPROVED)
    with pytest.raises(RegistrationRuleError) as info:
        registration.fire("archive", version_number=1)
    assert (info.value.version_number, info.value.status) == (1, S.APPROVED)
    created = T0 - timedelta(days=2)
    dated = Registration(RID, [RegistrationVersion.new(RID, 1, at=T0)], created=created)
    assert copy.copy(dated).created == created
    assert (dated == "not a registration") is False
    assert dated != 1


def test_a_reconcile_through_a_backend_is_heard_as_a_reconcile() -> None:
    registration = Registration.new(RID, at=T0, clock=_clock())
    heard: list[Any] = []
    registration.subscribe(heard.append)
    submitted = StatusHistory(T0, submitted=T0 + timedelta(hours=1))
    registration.reconcile(_Answers([VersionInfo(RID, 1, S.SUBMITTED, submitted)]))  # type: ignore[arg-type]
    assert [(e.edge, e.source) for e in heard] == [("submit", "reconcile")]


def test_a_registration_that_breaks_a_rule_is_refused_with_its_id() -> None:
    first = _version_in(S.APPROVED, 1, T0)
    second = _version_in(S.APPROVED, 2, T0 + timedelta(days=1))
    with pytest.raises(RegistrationRuleError) as info:
        Registration(RID, [first, second])
    assert info.value.registration_id == RID


def test_create_version_stamped_too_early_names_the_operation() -> None:
    reg = Registration(RID, [_version_in(S.APPROVED, 1, T0)])
    with pytest.raises(InvalidValueError) as info:
        reg.create_version(at=T0)
    assert getattr(info.value, "trigger", None) == "create_version"
    assert "cannot create_version at" in str(info.value)


def test_a_version_created_locally_runs_on_the_registrations_clock() -> None:
    clock = _clock()
    reg = Registration.new(RID, clock=clock)
    for trigger in ("submit", "begin_review", "approve"):
        reg.fire(trigger)
    new = reg.create_version()
    assert new.clock is clock
    assert reg.latest.clock is clock


def test_from_infos_builds_the_registration_the_service_describes() -> None:
    from registration_fsm.backends import InMemoryBackend

    backend = InMemoryBackend(catalogue=None)
    rid = backend.create_registration("US_TEN_DLC_BRAND_REGISTRATION").registration_id
    backend.submit(rid)
    info = backend.describe_registration(rid)
    built = Registration._from_infos(info, list(backend.describe_versions(rid)), None)
    assert type(built) is Registration
    assert built == Registration.from_backend(backend, rid)
    assert built.latest.status is S.SUBMITTED


def test_to_dict_is_the_state_its_parts_were_read_in(monkeypatch: pytest.MonkeyPatch) -> None:
    from registration_fsm import _registration_shapes as shapes

    reg = Registration(RID, [_version_in(S.DRAFT, 1, T0)])
    read = shapes.snapshot_parts

    def read_then_move(registration: Registration) -> Any:
        parts = read(registration)
        registration.submit(at=T0 + timedelta(days=1))  # moves after the read, before the write
        return parts

    monkeypatch.setattr(shapes, "snapshot_parts", read_then_move)
    data = reg.to_dict()
    assert data["versions"][0]["status"] == "DRAFT"
    assert reg.latest.status is S.SUBMITTED


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(list(S)), st.integers(min_value=-3, max_value=3)),
        max_size=5,
    )
)
def test_the_one_pass_rule_check_agrees_with_the_violations_found(
    drawn: list[tuple[VersionStatus, int]],
) -> None:
    """Loads and saves ask the one-pass check first; it says "none broken" exactly when the
    full search finds none, whichever rules the versions break (each is drafted some days
    after or before the one before it)."""
    made: list[RegistrationVersion] = []
    start = T0
    for number, (status, days) in enumerate(drawn, start=1):
        start += timedelta(days=days)
        made.append(_version_in(status, number, start))
    found = rule_violations(RID, made)
    assert _keeps_every_rule(made) is (found == [])


def test_a_version_drafted_the_moment_the_one_before_settled_was_not_drafted_too_early() -> None:
    """Beside another broken rule (two APPROVED), so the full search runs: a draft at exactly
    the older version's settling stamp is on time."""
    older = _version_in(S.APPROVED, 1, T0)
    settled = older.history[S.APPROVED]
    assert settled is not None
    newer = _version_in(S.APPROVED, 2, settled)
    assert newer.history[S.DRAFT] == settled
    found = rule_violations(RID, [older, newer])
    assert [(v.reason, v.version_number) for v in found] == [
        (RegistrationRuleError.MULTIPLE_APPROVED, 1)
    ]


def _read_versions_of_three() -> tuple[Registration, list[Any], dict[str, Any]]:
    arn = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"
    reg = Registration.new(
        RID, registration_arn=arn, registration_type="US_TOLL_FREE_REGISTRATION", at=T0
    )
    for day in (1, 3):
        at = T0 + timedelta(days=day)
        reg.submit(at=at)
        reg.fire("begin_review", at=at + timedelta(hours=1))
        reg.fire("approve", at=at + timedelta(hours=2))
        reg.create_version(at=at + timedelta(hours=3))
    fields = {
        "registration_arn": arn,
        "registration_type": "US_TOLL_FREE_REGISTRATION",
        "created": T0 - timedelta(days=1),
        "clock": SteppingClock(T0, timedelta(minutes=1)),
    }
    return reg, [copy.copy(v) for v in reg.versions], fields


@pytest.mark.parametrize("order", ["as read", "reversed"])
def test_a_registration_of_read_versions_is_what_its_constructor_makes(order: str) -> None:
    """``_from_read`` (a store's reader) skips the checks its versions passed, in order; out
    of order it hands them to the constructor. Either way: the constructor's registration."""
    _, versions, fields = _read_versions_of_three()
    if order == "reversed":
        versions.reverse()
    made = Registration(RID, list(versions), **fields)
    read = Registration._from_read(RID, versions, **fields)
    assert read == made
    assert [v.version_number for v in read._held] == [1, 2, 3]
    assert (read.registration_id, read.registration_arn, read.registration_type) == (
        RID,
        fields["registration_arn"],
        "US_TOLL_FREE_REGISTRATION",
    )
    assert read.created == fields["created"]
    assert read.clock is fields["clock"]
    with pytest.raises(InvalidValueError, match="registration type"):
        Registration._from_read(RID, versions, **{**fields, "registration_type": "no such!"})
