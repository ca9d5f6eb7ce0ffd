from __future__ import annotations

import contextlib
import copy
import json
import pickle
import random
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registration_fsm import (
    LIFECYCLE,
    IllegalRemoteTransition,
    InvalidHistory,
    InvalidRegistrationId,
    InvalidTimestamp,
    InvalidTransition,
    InvalidVersionNumber,
    MalformedDataError,
    RegistrationFsmError,
    RegistrationVersion,
    StampOrderError,
    StatusHistory,
    SteppingClock,
    UnknownStatusError,
    UnknownTriggerError,
    VersionStatus,
)
from registration_fsm.testing.strategies import (
    aware_datetimes,
    registration_ids,
    trigger_names,
    versions,
)

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"


def _clock() -> SteppingClock:
    return SteppingClock(T0, timedelta(minutes=1))


def _version(*triggers: str) -> RegistrationVersion:
    version = RegistrationVersion.new(RID, clock=_clock())
    for trigger in triggers:
        version.fire(trigger)
    return version


# -- creating --------------------------------------------------------------------------


def test_new_starts_in_draft_with_its_draft_stamp() -> None:
    version = RegistrationVersion.new(RID, 3, at=T0)
    assert version.status is S.DRAFT
    assert version.version_number == 3
    assert version.history.to_aws() == {"DraftTimestamp": T0}
    assert version.registration_arn is None


def test_new_takes_its_time_from_the_clock() -> None:
    version = RegistrationVersion.new(RID, clock=_clock())
    assert version.history.draft == T0


@pytest.mark.parametrize(
    "rid",
    [
        RID,
        "arn:aws:sms-voice:us-east-1:123456789012:registration/" + RID,
        "a",
        "x" * 256,
        "A-b_c:d/e",
    ],
)
def test_valid_registration_ids(rid: str) -> None:
    assert RegistrationVersion.new(rid, at=T0).registration_id == rid


@pytest.mark.parametrize(
    ("rid", "reason"),
    [
        ("", "empty"),
        ("x" * 257, "257 characters"),
        ("reg 1", "' '"),
        ("reg.1", "'.'"),
        ("réf", "'é'"),
        (42, "expected a string"),
    ],
)
def test_invalid_registration_ids(rid: object, reason: str) -> None:
    with pytest.raises(InvalidRegistrationId) as info:
        RegistrationVersion.new(rid, at=T0)  # type: ignore[arg-type]
    assert reason in str(info.value)
    assert info.value.value == rid


@pytest.mark.parametrize("number", [0, -1, 100_001, True, 1.0, "1", None])
def test_invalid_version_numbers(number: object) -> None:
    with pytest.raises(InvalidVersionNumber):
        RegistrationVersion.new(RID, number, at=T0)  # type: ignore[arg-type]


def test_a_status_must_be_its_latest_stamp() -> None:
    history = StatusHistory(T0, submitted=T0 + timedelta(1), reviewing=T0 + timedelta(2))
    with pytest.raises(InvalidHistory, match="REVIEWING stamped after SUBMITTED"):
        RegistrationVersion(RID, 1, status=S.SUBMITTED, history=history)
    assert RegistrationVersion(RID, 1, status="REVIEWING", history=history).status is S.REVIEWING


def test_fields_are_read_only() -> None:
    version = _version()
    with pytest.raises(AttributeError):
        version.status = S.APPROVED  # type: ignore[misc]
    with pytest.raises(AttributeError):
        version.registration_id = "other"  # type: ignore[misc]


# -- triggers --------------------------------------------------------------------------


def test_a_full_life_is_stamped_step_by_step() -> None:
    version = _version()
    assert version.submit() is S.SUBMITTED
    assert version.begin_review() is S.REVIEWING
    assert version.require_authentication() is S.REQUIRES_AUTHENTICATION
    assert version.complete_authentication() is S.REVIEWING
    assert version.approve() is S.APPROVED
    assert version.archive() is S.ARCHIVED
    assert version.history.to_aws() == {
        "DraftTimestamp": T0,
        "SubmittedTimestamp": T0 + timedelta(minutes=1),
        "RequiresAuthenticationTimestamp": T0 + timedelta(minutes=3),
        "ReviewingTimestamp": T0 + timedelta(minutes=4),
        "ApprovedTimestamp": T0 + timedelta(minutes=5),
        "ArchivedTimestamp": T0 + timedelta(minutes=6),
    }


def test_every_trigger_has_a_typed_method() -> None:
    for trigger in LIFECYCLE.triggers:
        method = getattr(RegistrationVersion, trigger)
        assert method.__doc__
        assert method.__name__ == trigger


def test_an_invalid_transition_names_status_trigger_and_allowed() -> None:
    version = _version("submit")
    before = version.to_dict()
    with pytest.raises(InvalidTransition) as info:
        version.approve()
    error = info.value
    assert error.status is S.SUBMITTED
    assert error.trigger == "approve"
    assert error.allowed == LIFECYCLE.allowed_triggers(S.SUBMITTED)
    assert (error.registration_id, error.version_number) == (RID, 1)
    message = str(error)
    assert "approve" in message
    assert "SUBMITTED" in message
    assert "begin_review" in message
    assert version.to_dict() == before


def test_terminal_status_message_says_so() -> None:
    version = _version("discard")
    with pytest.raises(InvalidTransition, match=r"none \(terminal status\)"):
        version.submit()


def test_a_stamp_earlier_than_the_latest_is_refused() -> None:
    version = _version("submit")
    before = copy.deepcopy(version)
    with pytest.raises(StampOrderError) as info:
        version.begin_review(at=T0)
    assert info.value.latest == T0 + timedelta(minutes=1)
    assert version == before
    version.begin_review(at=T0 + timedelta(minutes=1))
    assert version.status is S.REVIEWING


def test_at_must_be_an_aware_datetime() -> None:
    version = _version()
    with pytest.raises(InvalidTimestamp, match="naive"):
        version.submit(at=datetime(2026, 3, 2))
    with pytest.raises(InvalidTimestamp, match="expected a timezone-aware datetime"):
        version.submit(at="2026-03-02T00:00:00Z")  # type: ignore[arg-type]
    assert version.status is S.DRAFT
    paris = timezone(timedelta(hours=1))
    version.submit(at=datetime(2026, 3, 2, 1, 0, tzinfo=paris))
    assert version.history.submitted == datetime(2026, 3, 2, tzinfo=timezone.utc)


def test_a_naive_clock_is_refused_too() -> None:
    version = RegistrationVersion.new(RID, at=T0, clock=lambda: datetime(2030, 1, 1))
    with pytest.raises(InvalidTimestamp, match="naive"):
        version.submit()
    assert version.status is S.DRAFT


def test_requires_offline_review_is_entered_without_a_stamp() -> None:
    version = _version("submit", "begin_review", "require_offline_review")
    assert version.status is S.REQUIRES_OFFLINE_REVIEW
    assert version.history.latest == T0 + timedelta(minutes=2)
    version.deny()
    assert version.history.denied == T0 + timedelta(minutes=4)


def test_can_and_allowed_triggers() -> None:
    version = _version()
    assert version.allowed_triggers() == ("submit", "discard")
    assert version.can("submit")
    assert not version.can("approve")
    with pytest.raises(UnknownTriggerError):
        version.can("aprove")
    with pytest.raises(UnknownTriggerError):
        version.fire("aprove")
    assert not version.is_terminal


# -- snapshots and AWS shapes ----------------------------------------------------------


def test_snapshot_is_json_safe_and_versioned() -> None:
    version = _version("submit", "begin_review", "deny")
    snapshot = version.to_dict()
    assert snapshot["schema"] == "registration_fsm/version"
    assert snapshot["schema_version"] == 1
    assert snapshot["status"] == "DENIED"
    restored = RegistrationVersion.from_dict(json.loads(json.dumps(snapshot)))
    assert restored == version


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("status"), "missing key 'status'"),
        (lambda d: d.update(schema_version=2), "unsupported schema_version 2"),
        (lambda d: d.update(schema="other"), "not a registration_fsm version snapshot"),
        (lambda d: d.update(extra=1), "unknown keys"),
        (lambda d: d.update(history=[]), "expected an object"),
        (lambda d: d.update(registration_arn=7), "a registration ARN must be a string"),
        (lambda d: d.update(registration_arn="arn:aws:s3:::bucket"), "not an sms-voice"),
        (lambda d: d.update(schema_version=1.0), "unsupported schema_version"),
    ],
)
def test_malformed_snapshots_raise_malformed_data(mutate: object, message: str) -> None:
    snapshot = _version("submit").to_dict()
    mutate(snapshot)  # type: ignore[operator]
    with pytest.raises(MalformedDataError, match=message):
        RegistrationVersion.from_dict(snapshot)


def test_unknown_status_in_a_snapshot() -> None:
    snapshot = _version().to_dict()
    snapshot["status"] = "ESCALATED"
    with pytest.raises(UnknownStatusError):
        RegistrationVersion.from_dict(snapshot)


def test_from_aws_reads_a_submit_result() -> None:
    result = {
        "RegistrationArn": "arn:aws:sms-voice:us-east-1:123456789012:registration/" + RID,
        "RegistrationId": RID,
        "VersionNumber": 2,
        "RegistrationVersionStatus": "SUBMITTED",
        "RegistrationVersionStatusHistory": {
            "DraftTimestamp": T0,
            "SubmittedTimestamp": T0 + timedelta(seconds=5),
        },
        "AwsReview": False,
    }
    version = RegistrationVersion.from_aws(result)
    assert version.status is S.SUBMITTED
    assert version.version_number == 2
    assert version.registration_arn == result["RegistrationArn"]
    assert version.to_aws() == {
        k: result[k]
        for k in ("VersionNumber", "RegistrationVersionStatus", "RegistrationVersionStatusHistory")
    }


def test_from_aws_needs_a_registration_id_for_describe_items() -> None:
    item = {
        "VersionNumber": 1,
        "RegistrationVersionStatus": "DRAFT",
        "RegistrationVersionStatusHistory": {"DraftTimestamp": 1772366400},
    }
    with pytest.raises(MalformedDataError, match="pass registration_id"):
        RegistrationVersion.from_aws(item)
    assert RegistrationVersion.from_aws(item, registration_id=RID).status is S.DRAFT


def test_copy_and_pickle_keep_the_state_and_get_their_own_lock() -> None:
    version = _version("submit")
    for clone in (copy.copy(version), copy.deepcopy(version), pickle.loads(pickle.dumps(version))):
        assert clone == version
    clone = copy.deepcopy(version)
    clone.begin_review(at=T0 + timedelta(hours=1))
    assert version.status is S.SUBMITTED


def test_versions_are_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(_version())


# -- adopting the service's view -------------------------------------------------------


def test_adopt_accepts_a_remote_state_ahead_of_the_local_one() -> None:
    version = RegistrationVersion.new(RID, at=T0)
    remote = StatusHistory(
        T0, submitted=T0 + timedelta(seconds=1), denied=T0 + timedelta(seconds=4)
    )
    path = version.adopt(S.DENIED, remote)
    assert path is not None
    assert [e.trigger for e in path] == ["submit", "deny"]
    assert version.status is S.DENIED
    assert version.history == remote


def test_adopt_refuses_an_illegal_move_and_changes_nothing() -> None:
    version = _version("submit", "begin_review", "approve")
    before = version.to_dict()
    remote = StatusHistory(T0, submitted=T0 + timedelta(minutes=1))
    with pytest.raises(IllegalRemoteTransition) as info:
        version.adopt(S.SUBMITTED, remote)
    assert (info.value.from_status, info.value.to_status) == (S.APPROVED, S.SUBMITTED)
    assert "SubmittedTimestamp" in str(info.value)
    assert version.to_dict() == before
    assert version.adopt(S.SUBMITTED, remote, strict=False) is None
    assert version.status is S.SUBMITTED


# -- properties ------------------------------------------------------------------------


@st.composite
def _fired(draw: st.DrawFn) -> tuple[RegistrationVersion, list[tuple[str, datetime]]]:
    version = RegistrationVersion.new(RID, at=T0)
    steps = draw(
        st.lists(
            st.tuples(trigger_names(), st.integers(min_value=-60, max_value=600)), max_size=20
        )
    )
    at = T0
    fired = []
    for trigger, delta in steps:
        at = at + timedelta(seconds=delta)
        fired.append((trigger, at))
    return version, fired


@given(_fired())
def test_status_is_the_latest_stamp_and_stamps_never_decrease(
    case: tuple[RegistrationVersion, list[tuple[str, datetime]]],
) -> None:
    version, steps = case
    for trigger, at in steps:
        before_status = version.status
        before = version.history
        try:
            version.fire(trigger, at=at)
        except (InvalidTransition, StampOrderError):
            assert version.history == before
            assert version.status is before_status
            continue
        after = version.history
        assert after.latest >= before.latest
        for status in S:
            old, new = before[status], after[status]
            if old is not None:
                assert new is not None
                assert new >= old
        if version.status.history_field is None:
            assert after == before
        else:
            assert after[version.status] == at == after.latest
        path = LIFECYCLE.explain(S.DRAFT, version.status, after)
        assert path is not None, (version, after)


@given(versions(), trigger_names())
def test_a_refused_trigger_leaves_the_version_equal_to_a_copy(
    version: RegistrationVersion, trigger: str
) -> None:
    before = copy.deepcopy(version)
    snapshot = version.to_dict()
    if version.can(trigger):
        return
    with pytest.raises(InvalidTransition):
        version.fire(trigger, at=version.history.latest + timedelta(seconds=1))
    assert version == before
    assert version.to_dict() == snapshot


@given(versions())
def test_terminal_statuses_refuse_every_trigger(version: RegistrationVersion) -> None:
    if not version.is_terminal:
        return
    for trigger in LIFECYCLE.triggers:
        with pytest.raises(InvalidTransition):
            version.fire(trigger)


def test_each_terminal_status_refuses_every_trigger() -> None:
    for status in LIFECYCLE.terminal:
        path = LIFECYCLE.shortest_path(S.DRAFT, status)
        assert path is not None
        version = _version(*(e.trigger for e in path))
        assert version.status is status
        for trigger in LIFECYCLE.triggers:
            assert not version.can(trigger)
            with pytest.raises(InvalidTransition):
                version.fire(trigger)


@given(versions())
def test_snapshots_round_trip(version: RegistrationVersion) -> None:
    assert RegistrationVersion.from_dict(json.loads(json.dumps(version.to_dict()))) == version


@given(versions())
def test_aws_shape_round_trips(version: RegistrationVersion) -> None:
    again = RegistrationVersion.from_aws(version.to_aws(), registration_id=version.registration_id)
    assert again == version


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4)
    ),
    max_leaves=25,
)


@st.composite
def _near_snapshots(draw: st.DrawFn) -> object:
    snapshot = draw(versions()).to_dict()
    key = draw(st.sampled_from(sorted(snapshot)))
    snapshot[key] = draw(_json)
    return snapshot


@st.composite
def _near_aws(draw: st.DrawFn) -> object:
    item = draw(versions()).to_aws()
    key = draw(st.sampled_from(sorted(item)))
    item[key] = draw(_json)
    return item


@given(st.one_of(_json, _near_snapshots()))
def test_from_dict_raises_only_library_errors(data: object) -> None:
    with contextlib.suppress(RegistrationFsmError):
        RegistrationVersion.from_dict(data)


@given(st.one_of(_json, _near_aws()), registration_ids())
def test_from_aws_raises_only_library_errors(data: object, rid: str) -> None:
    with contextlib.suppress(RegistrationFsmError):
        RegistrationVersion.from_aws(data, registration_id=rid)


@given(aware_datetimes())
def test_new_accepts_any_aware_time(at: datetime) -> None:
    assert RegistrationVersion.new(RID, at=at).history.draft == at


# -- threads ---------------------------------------------------------------------------


def test_exactly_one_of_many_racing_submits_wins() -> None:
    for _ in range(20):
        version = RegistrationVersion.new(RID, at=T0)
        barrier = threading.Barrier(16)
        results: list[str] = []

        def race(
            v: RegistrationVersion = version,
            b: threading.Barrier = barrier,
            results: list[str] = results,
        ) -> None:
            b.wait()
            try:
                v.submit()
            except InvalidTransition:
                results.append("refused")
            else:
                results.append("won")

        threads = [threading.Thread(target=race) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results.count("won") == 1
        assert results.count("refused") == 15
        assert version.status is S.SUBMITTED


def test_threads_firing_random_triggers_never_break_the_version() -> None:
    sys.setswitchinterval(1e-6)
    try:
        version = RegistrationVersion.new(RID, at=T0, clock=SteppingClock(T0, timedelta(0)))
        version.submit()
        version.begin_review()
        applied: list[tuple[VersionStatus, VersionStatus]] = []
        lock = threading.Lock()
        cycle = [
            "require_authentication",
            "complete_authentication",
            "require_offline_review",
            "begin_review",
        ]

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(2000):
                trigger = rng.choice(cycle)
                try:
                    before_call = version.status
                    after = version.fire(trigger)
                except InvalidTransition:
                    continue
                with lock:
                    applied.append((before_call, after))

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(0.005)
    assert applied, "some triggers must have been applied"
    assert version.status in {S.REVIEWING, S.REQUIRES_AUTHENTICATION, S.REQUIRES_OFFLINE_REVIEW}
    entered_auth = sum(1 for _, after in applied if after is S.REQUIRES_AUTHENTICATION)
    assert (version.history.requires_authentication is not None) == (entered_auth > 0)
    assert LIFECYCLE.explain(S.DRAFT, version.status, version.history) is not None


def test_import_pulls_in_neither_boto3_nor_hypothesis() -> None:
    code = (
        "import sys, registration_fsm;"
        "bad = [m for m in ('boto3', 'botocore', 'hypothesis') if m in sys.modules];"
        "print(','.join(bad)); raise SystemExit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_trigger_methods_keep_resolvable_annotations() -> None:
    import typing

    hints = typing.get_type_hints(RegistrationVersion.approve)
    assert hints["return"] is VersionStatus
    assert hints["at"] == datetime | None


def test_a_valid_id_is_remembered_and_a_bad_one_never_is() -> None:
    from registration_fsm import values

    class Id(str):
        pass

    rid = "registration-" + "ab" * 16
    assert values.validate_registration_id(rid) == rid
    assert rid in values._VALID_IDS
    assert values.validate_registration_id(rid) is rid  # answered from what is remembered
    sneaky = Id("registration-bad id")
    for bad in ("registration bad", "", "x" * 300, sneaky, 7, None):
        for _ in range(2):
            with pytest.raises(InvalidRegistrationId):
                values.validate_registration_id(bad)
    assert Id("registration-fine") == values.validate_registration_id(Id("registration-fine"))
    assert "registration-fine" not in values._VALID_IDS  # a str subclass is never remembered
    for number in range(values._VALID_IDS_KEPT + 10):
        values.validate_registration_id(f"registration-{number}")
    assert len(values._VALID_IDS) <= values._VALID_IDS_KEPT
