"""RegistrationVersion asserted to the value: what each validator refuses and says, which clock
stamps a move, what a pickle or a copy keeps, and every field of a snapshot and its refusals."""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timedelta, timezone

import pytest

from registration_fsm import (
    AwsReviewNotApplied,
    IllegalRemoteTransition,
    InvalidDefinition,
    InvalidHistory,
    InvalidRegistrationId,
    InvalidTimestamp,
    InvalidTransition,
    InvalidValueError,
    InvalidVersionNumber,
    MalformedDataError,
    RegistrationVersion,
    StampOrderError,
    StatusHistory,
    SteppingClock,
    UnexpectedAnswerError,
    UnknownTriggerError,
    VersionStatus,
)
from registration_fsm.backends import VersionInfo
from registration_fsm.version import (
    holding,
    validate_registration_arn,
    validate_registration_id,
    validate_registration_type,
    validate_version_number,
)

S = VersionStatus
UTC = timezone.utc
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
ARN = "arn:aws:sms-voice:us-east-1:123456789012:registration/registration-1"


def _clock() -> SteppingClock:
    return SteppingClock(T0, timedelta(minutes=1))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (7, "expected a string, got int"),
        (None, "expected a string, got NoneType"),
        ("", "empty; it takes 1 to 256 characters"),
        ("a" * 257, "257 characters; at most 256"),
        ("reg 1", "character ' ' is not allowed; use letters, digits and _ : / -"),
        ("reg-1é", "character 'é' is not allowed"),
    ],
)
def test_a_bad_registration_id_says_why(value: object, reason: str) -> None:
    with pytest.raises(InvalidRegistrationId) as info:
        validate_registration_id(value)
    assert info.value.value is value
    assert reason in info.value.reason
    with pytest.raises(InvalidRegistrationId):
        RegistrationVersion.new(value, at=T0)  # type: ignore[arg-type]


def test_registration_ids_up_to_256_characters_of_the_apis_alphabet() -> None:
    for value in ("a", "a" * 256, "registration-0123_ab:cd/EF", ARN):
        assert validate_registration_id(value) is value
        assert RegistrationVersion.new(value, at=T0).registration_id == value


@pytest.mark.parametrize("value", [0, -1, 100_001, True, 1.0, "1", None])
def test_a_bad_version_number_carries_its_value(value: object) -> None:
    with pytest.raises(InvalidVersionNumber) as info:
        validate_version_number(value)
    assert info.value.value is value
    with pytest.raises(InvalidVersionNumber):
        RegistrationVersion.new("reg-1", value, at=T0)  # type: ignore[arg-type]


def test_version_numbers_from_1_to_100000() -> None:
    for value in (1, 2, 100_000):
        assert validate_version_number(value) == value
        assert RegistrationVersion.new("reg-1", value, at=T0).version_number == value


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-1",
        "arn:aws:sns:us-east-1:123456789012:registration/registration-1",
        "arn:aws:sms-voice:us-east-1:12345678901:registration/registration-1",
        ARN + " ",
        "",
    ],
)
def test_a_registration_arn_must_be_an_sms_voice_registration(value: str) -> None:
    with pytest.raises(MalformedDataError) as info:
        validate_registration_arn(value)
    assert info.value.path == "RegistrationArn"
    assert info.value.value == value
    assert "is not an sms-voice registration ARN" in info.value.detail
    with pytest.raises(MalformedDataError):
        RegistrationVersion.new("reg-1", at=T0, registration_arn=value)
    with pytest.raises(MalformedDataError) as info:
        validate_registration_arn(5)
    assert info.value.detail == "a registration ARN must be a string, got int"
    assert info.value.value == 5


def test_registration_arns_in_every_partition() -> None:
    for value in (ARN, ARN.replace("arn:aws:", "arn:aws-us-gov:"), ARN.replace("aws", "aws-cn")):
        assert validate_registration_arn(value) is value
        version = RegistrationVersion.new("reg-1", at=T0, registration_arn=value)
        assert version.registration_arn == value


@pytest.mark.parametrize("value", ["", "A" * 65, "US-TEN-DLC", "É", "TYPE 1", 5, None])
def test_a_bad_registration_type_is_refused(value: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        validate_registration_type(value)
    assert repr(value) in str(info.value)


def test_registration_types_up_to_64_letters_digits_or_underscores() -> None:
    for value in ("A", "A" * 64, "US_TEN_DLC_BRAND_REGISTRATION", "type_2"):
        assert validate_registration_type(value) is value


def test_the_versions_clock_stamps_moves_fired_without_at() -> None:
    clock = _clock()
    version = RegistrationVersion.new("reg-1", clock=clock)
    assert version.clock is clock
    assert version.history.draft == T0
    assert version.submit() is S.SUBMITTED
    assert version.history.submitted == T0 + timedelta(minutes=1)
    assert version.begin_review(at=T0 + timedelta(hours=1)) is S.REVIEWING
    assert version.history.reviewing == T0 + timedelta(hours=1)
    assert clock.peek() == T0 + timedelta(minutes=2)
    # An explicit at= is the stamp, and the clock is not asked.
    with pytest.raises(StampOrderError) as info:
        version.approve()
    assert info.value.at == T0 + timedelta(minutes=2)
    assert info.value.latest == T0 + timedelta(hours=1)
    assert info.value.trigger == "approve"
    assert version.status is S.REVIEWING


def test_new_stamps_the_draft_with_the_clock_or_at() -> None:
    clock = _clock()
    assert RegistrationVersion.new("reg-1", clock=clock).history.draft == T0
    assert RegistrationVersion.new("reg-1", clock=clock).history.draft == T0 + timedelta(minutes=1)
    at = T0 + timedelta(days=1)
    version = RegistrationVersion.new("reg-1", 3, at=at, clock=clock, registration_arn=ARN)
    assert version.history == StatusHistory(at)
    assert version.status is S.DRAFT
    assert version.version_number == 3
    assert version.registration_arn == ARN
    assert version.clock is clock
    assert clock.peek() == T0 + timedelta(minutes=2)


def test_at_must_be_an_aware_datetime_in_range() -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    for at in ("2026-03-02T00:00:00Z", 1772366430, datetime(2026, 3, 2)):
        with pytest.raises(InvalidTimestamp) as info:
            version.submit(at=at)  # type: ignore[arg-type]
        assert info.value.field == "at"
        assert info.value.value == at
    with pytest.raises(InvalidTimestamp) as info:
        version.submit(at=datetime(2100, 1, 1, tzinfo=UTC))
    assert info.value.field == "at"
    assert version.status is S.DRAFT
    paris = timezone(timedelta(hours=1))
    version.submit(at=datetime(2026, 3, 1, 14, tzinfo=paris))
    assert version.history.submitted == datetime(2026, 3, 1, 13, tzinfo=UTC)
    assert version.history.submitted.tzinfo is UTC  # type: ignore[union-attr]
    with pytest.raises(InvalidTimestamp) as info:
        RegistrationVersion.new("reg-1", at=datetime(1999, 12, 31, tzinfo=UTC))
    assert info.value.field == "at"


def test_a_refused_trigger_names_everything_and_changes_nothing() -> None:
    version = RegistrationVersion.new("reg-9", 4, at=T0)
    before = version.to_dict()
    with pytest.raises(InvalidTransition) as info:
        version.approve(at=T0 + timedelta(1))
    error = info.value
    assert error.status is S.DRAFT
    assert error.trigger == "approve"
    assert error.allowed == ("submit", "discard")
    assert error.registration_id == "reg-9"
    assert error.version_number == 4
    assert version.to_dict() == before


def test_fire_and_can_take_only_trigger_names() -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    assert version.can("submit")
    assert not version.can("approve")
    assert version.allowed_triggers() == ("submit", "discard")
    assert not version.is_terminal
    for bad in ("sumbit", [], None, 3):
        with pytest.raises(UnknownTriggerError) as info:
            version.fire(bad, at=T0)  # type: ignore[arg-type]
        assert info.value.trigger == bad
        with pytest.raises(UnknownTriggerError) as info:
            version.can(bad)  # type: ignore[arg-type]
        assert info.value.trigger == bad
    assert version.fire("discard", at=T0 + timedelta(1)) is S.DISCARDED
    assert version.is_terminal
    assert version.allowed_triggers() == ()
    assert version.history.discarded == T0 + timedelta(1)


@pytest.mark.parametrize("trigger", ["begin_review", "require_offline_review", "deny"])
def test_each_trigger_stamps_its_own_field_or_none(trigger: str) -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    version.submit(at=T0 + timedelta(minutes=1))
    if trigger != "begin_review":
        version.begin_review(at=T0 + timedelta(minutes=2))
    before = version.history
    at = T0 + timedelta(minutes=5)
    dest = version.fire(trigger, at=at)
    assert version.status is dest
    for status in S:
        stamped_here = status is dest and status.history_field is not None
        expected = at if stamped_here else before[status]
        assert version.history[status] == expected, status


def test_pickle_and_copies_keep_everything_and_share_the_clock() -> None:
    clock = _clock()
    version = RegistrationVersion.new("reg-1", 2, clock=clock, registration_arn=ARN)
    version.submit()
    for clone in (
        pickle.loads(pickle.dumps(version)),
        copy.copy(version),
        copy.deepcopy(version),
    ):
        assert clone == version
        assert clone is not version
        assert clone.registration_id == "reg-1"
        assert clone.version_number == 2
        assert clone.registration_arn == ARN
        assert clone.status is S.SUBMITTED
        assert clone.history == version.history
        assert clone.last_answer is None
        assert isinstance(clone.clock, SteppingClock)
        assert clone.clock.peek() == clock.peek()
        clone.begin_review()  # its own lock and state: the original does not move
        assert version.status is S.SUBMITTED
    assert copy.copy(version).clock is clock


def test_equality_looks_at_every_part() -> None:
    base = RegistrationVersion.new("reg-1", 1, at=T0)
    assert base == RegistrationVersion.new("reg-1", 1, at=T0)
    assert base != RegistrationVersion.new("reg-2", 1, at=T0)
    assert base != RegistrationVersion.new("reg-1", 2, at=T0)
    assert base != RegistrationVersion.new("reg-1", 1, at=T0, registration_arn=ARN)
    assert base != RegistrationVersion.new("reg-1", 1, at=T0 + timedelta(1))
    moved = RegistrationVersion.new("reg-1", 1, at=T0)
    moved.submit(at=T0)
    assert base != moved
    assert base != "reg-1"
    with pytest.raises(TypeError):
        hash(base)


def test_repr_shows_the_arn_only_when_known() -> None:
    version = RegistrationVersion.new("reg-1", 2, at=T0)
    assert repr(version) == (
        "RegistrationVersion(registration_id='reg-1', version_number=2, status=DRAFT, "
        "history=StatusHistory(draft='2026-03-01T12:00:00+00:00'))"
    )
    with_arn = RegistrationVersion.new("reg-1", 2, at=T0, registration_arn=ARN)
    assert f"version_number=2, registration_arn={ARN!r}, status=DRAFT" in repr(with_arn)


def test_a_snapshot_holds_every_field_and_reads_back() -> None:
    version = RegistrationVersion.new("reg-1", 3, at=T0, registration_arn=ARN)
    version.submit(at=T0 + timedelta(minutes=1))
    snapshot = version.to_dict()
    assert snapshot == {
        "schema": "registration_fsm/version",
        "schema_version": 1,
        "registration_id": "reg-1",
        "version_number": 3,
        "registration_arn": ARN,
        "status": "SUBMITTED",
        "history": {
            "DraftTimestamp": "2026-03-01T12:00:00+00:00",
            "SubmittedTimestamp": "2026-03-01T12:01:00+00:00",
        },
    }
    clock = _clock()
    back = RegistrationVersion.from_dict(snapshot, clock=clock)
    assert back == version
    assert back.clock is clock
    assert (
        RegistrationVersion.from_dict({**snapshot, "registration_arn": None}).registration_arn
        is None
    )
    assert version.to_aws() == {
        "VersionNumber": 3,
        "RegistrationVersionStatus": "SUBMITTED",
        "RegistrationVersionStatusHistory": {
            "DraftTimestamp": T0,
            "SubmittedTimestamp": T0 + timedelta(minutes=1),
        },
    }


@pytest.mark.parametrize(
    ("change", "path", "detail"),
    [
        ({"schema": "other"}, "schema", "not a registration_fsm version snapshot"),
        ({"schema_version": 2}, "schema_version", "unsupported schema_version 2"),
        ({"schema_version": 1.0}, "schema_version", "unsupported schema_version 1.0"),
        ({"schema_version": True}, "schema_version", "unsupported schema_version True"),
        ({"extra": 1}, "", "unknown keys ['extra']"),
    ],
)
def test_a_snapshot_refusal_names_its_path(
    change: dict[str, object], path: str, detail: str
) -> None:
    snapshot = {**RegistrationVersion.new("reg-1", at=T0).to_dict(), **change}
    with pytest.raises(MalformedDataError) as info:
        RegistrationVersion.from_dict(snapshot)
    assert info.value.path == path
    assert detail in info.value.detail


@pytest.mark.parametrize("key", ["registration_id", "version_number", "status", "history"])
def test_a_snapshot_missing_a_key_names_it(key: str) -> None:
    snapshot = RegistrationVersion.new("reg-1", at=T0).to_dict()
    del snapshot[key]
    with pytest.raises(MalformedDataError) as info:
        RegistrationVersion.from_dict(snapshot)
    assert info.value.path == key
    assert info.value.detail == f"missing key {key!r}"


def test_from_dict_and_from_aws_refuse_what_is_not_an_object() -> None:
    for reader in (RegistrationVersion.from_dict, RegistrationVersion.from_aws):
        with pytest.raises(MalformedDataError) as info:
            reader([1])  # type: ignore[operator]
        assert info.value.detail == "expected an object, got list"
        assert info.value.value == [1]


@pytest.mark.parametrize(
    "key", ["VersionNumber", "RegistrationVersionStatus", "RegistrationVersionStatusHistory"]
)
def test_from_aws_names_a_missing_key(key: str) -> None:
    item = {**RegistrationVersion.new("reg-1", at=T0).to_aws()}
    del item[key]
    with pytest.raises(MalformedDataError) as info:
        RegistrationVersion.from_aws(item, registration_id="reg-1")
    assert info.value.path == key


def test_from_aws_takes_the_ids_from_the_data_or_the_caller() -> None:
    item = RegistrationVersion.new("reg-1", 2, at=T0).to_aws()
    with pytest.raises(MalformedDataError) as info:
        RegistrationVersion.from_aws(item)
    assert info.value.path == "RegistrationId"
    clock = _clock()
    read = RegistrationVersion.from_aws(
        item, registration_id="reg-7", registration_arn=ARN, clock=clock
    )
    assert (read.registration_id, read.version_number, read.registration_arn) == ("reg-7", 2, ARN)
    assert read.clock is clock
    own = {**item, "RegistrationId": "reg-8", "RegistrationArn": ARN.replace("-1", "-8")}
    read = RegistrationVersion.from_aws(own, registration_id="reg-7", registration_arn=ARN)
    assert read.registration_id == "reg-8"
    assert read.registration_arn == ARN.replace("-1", "-8")


# -- through a backend ------------------------------------------------------------------------


class _Answers:
    """A backend that answers what it is told to and records how it was called."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, object]]] = []

    def submit(self, registration_id: str, **kwargs: object) -> object:
        self.calls.append(("submit", registration_id, kwargs))
        return self.answer

    def discard(self, registration_id: str, **kwargs: object) -> object:
        self.calls.append(("discard", registration_id, kwargs))
        return self.answer


def _submitted(version: RegistrationVersion, **changes: object) -> VersionInfo:
    history = version.history.with_stamp(S.SUBMITTED, T0 + timedelta(minutes=5))
    fields: dict[str, object] = {
        "registration_id": version.registration_id,
        "version_number": version.version_number,
        "status": S.SUBMITTED,
        "history": history,
        **changes,
    }
    return VersionInfo(**fields)  # type: ignore[arg-type]


def test_a_backend_is_asked_for_aws_review_only_when_it_is_wanted() -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    plain = _Answers(_submitted(version))
    assert version.submit(plain) is S.SUBMITTED  # type: ignore[arg-type]
    assert plain.calls == [("submit", "reg-1", {})]
    assert version.history.submitted == T0 + timedelta(minutes=5)
    assert version.last_answer is plain.answer

    other = RegistrationVersion.new("reg-1", at=T0)
    stamp = T0 + timedelta(minutes=5)
    history = other.history.with_stamp(S.SUBMITTED, stamp).with_stamp(S.AWS_REVIEWING, stamp)
    reviewed = _Answers(
        _submitted(other, status=S.AWS_REVIEWING, history=history, aws_review=True)
    )
    assert other.submit(reviewed, aws_review=True) is S.AWS_REVIEWING  # type: ignore[arg-type]
    assert reviewed.calls == [("submit", "reg-1", {"aws_review": True})]
    assert other.status is S.AWS_REVIEWING
    assert other.last_answer is reviewed.answer


@pytest.mark.parametrize(
    ("flag", "reviewing", "detail"),
    [
        (False, False, "the service answered AwsReview=false; the version is SUBMITTED"),
        (None, True, "its review started (ReviewingTimestamp) without the pre-review"),
    ],
)
def test_an_aws_review_the_service_did_not_apply_is_refused(
    flag: bool | None, reviewing: bool, detail: str
) -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    history = version.history.with_stamp(S.SUBMITTED, T0 + timedelta(minutes=5))
    status = S.SUBMITTED
    if reviewing:
        history = history.with_stamp(S.REVIEWING, T0 + timedelta(minutes=6))
        status = S.REVIEWING
    answer = _submitted(version, status=status, history=history, aws_review=flag)
    before = version.to_dict()
    with pytest.raises(AwsReviewNotApplied) as info:
        version.submit(_Answers(answer), aws_review=True)  # type: ignore[arg-type]
    assert info.value.registration_id == "reg-1"
    assert info.value.current is answer
    assert detail in info.value.detail
    assert version.to_dict() == before
    assert version.last_answer is None
    # Without aws_review=True the same answer is adopted.
    assert version.submit(_Answers(answer)) is status  # type: ignore[arg-type]
    assert version.history == history


def test_an_answer_of_the_wrong_type_is_named_and_carried() -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    answer = {"RegistrationVersionStatus": "SUBMITTED"}
    with pytest.raises(MalformedDataError) as info:
        version.submit(_Answers(answer))  # type: ignore[arg-type]
    assert str(info.value) == "malformed data: _Answers.submit() returned dict, not a VersionInfo"
    assert info.value.value is answer
    assert version.status is S.DRAFT
    assert version.last_answer is None


def test_from_info_keeps_the_arn_the_clock_and_the_draft_stamp() -> None:
    clock = _clock()
    history = StatusHistory(T0 - timedelta(days=1), submitted=T0)
    info = VersionInfo("reg-1", 3, S.SUBMITTED, history, registration_arn=ARN)
    version = RegistrationVersion.from_info(info, clock=clock)
    assert version.clock is clock
    assert version.registration_arn == ARN
    assert (version.registration_id, version.version_number) == ("reg-1", 3)
    assert (version.status, version.history) == (S.SUBMITTED, history)
    assert version.history.draft == T0 - timedelta(days=1)
    assert RegistrationVersion.from_info(info).clock is not clock


def test_from_info_refuses_an_illegal_history_unless_not_strict() -> None:
    history = StatusHistory(T0)
    info = VersionInfo("reg-1", 1, S.APPROVED, history)  # approved with no stamp of review
    with pytest.raises(IllegalRemoteTransition):
        RegistrationVersion.from_info(info)
    lenient = RegistrationVersion.from_info(info, strict=False)
    assert lenient.status is S.APPROVED
    with pytest.raises(MalformedDataError, match="expected a VersionInfo, got dict"):
        RegistrationVersion.from_info({"status": "DRAFT"})  # type: ignore[arg-type]


def test_equality_with_a_stranger_is_left_to_the_stranger() -> None:
    version = RegistrationVersion.new("reg-1", at=T0)

    class Everything:
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = None  # type: ignore[assignment]

    assert version.__eq__(Everything()) is NotImplemented
    assert version == Everything()
    assert (version == 5) is False
    assert (version != 5) is True


def test_the_import_check_names_a_trigger_without_its_method(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from registration_fsm import version as module

    module._check_trigger_methods()  # the real class has every method
    monkeypatch.delattr(RegistrationVersion, "approve")
    with pytest.raises(InvalidDefinition) as info:
        module._check_trigger_methods()
    assert info.value.faults == ("trigger 'approve' has no method on RegistrationVersion",)


def test_a_backend_call_refused_before_it_is_made_says_why() -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    backend = _Answers(_submitted(version))
    with pytest.raises(InvalidValueError) as info:
        version.submit(aws_review=True)
    assert str(info.value) == (
        "aws_review=True needs a backend: locally, fire begin_aws_review() when AWS starts "
        "its pre-review"
    )
    with pytest.raises(InvalidValueError) as info:
        version.discard(backend, at=T0)  # type: ignore[arg-type]
    assert str(info.value) == (
        "at= applies to local moves only; with a backend, the service stamps the discard"
    )
    with pytest.raises(InvalidValueError) as info:
        version.submit(object())  # type: ignore[arg-type]
    assert str(info.value) == (
        "backend object has no submit() method; pass a registration_fsm.backends.Backend"
    )
    assert backend.calls == []
    assert version.status is S.DRAFT


def test_adopt_refuses_a_history_that_is_not_one_and_changes_nothing() -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    before = version.to_dict()
    with pytest.raises(MalformedDataError) as info:
        version.adopt(S.SUBMITTED, {"SubmittedTimestamp": T0})  # type: ignore[arg-type]
    assert info.value.path == "history"
    assert "history must be a StatusHistory, got dict" in str(info.value)
    assert version.to_dict() == before


def test_an_illegal_remote_move_names_the_version_and_both_statuses() -> None:
    version = RegistrationVersion.new("reg-1", 4, at=T0)
    history = StatusHistory(T0)
    with pytest.raises(IllegalRemoteTransition) as info:
        version.adopt(S.APPROVED, history)
    caught = info.value
    assert (caught.registration_id, caught.version_number) == ("reg-1", 4)
    assert (caught.from_status, caught.to_status) == (S.DRAFT, S.APPROVED)
    assert caught.stamps == history.to_aws()
    assert caught.reasons
    assert version.status is S.DRAFT


def test_from_aws_without_an_id_says_where_to_pass_one() -> None:
    item = {
        "VersionNumber": 1,
        "RegistrationVersionStatus": "DRAFT",
        "RegistrationVersionStatusHistory": {"DraftTimestamp": T0},
    }
    with pytest.raises(MalformedDataError) as info:
        RegistrationVersion.from_aws(item)
    assert str(info.value) == (
        "malformed data at RegistrationId: no RegistrationId in the data; pass registration_id="
    )
    assert info.value.path == "RegistrationId"


def test_from_aws_says_which_key_is_missing() -> None:
    with pytest.raises(MalformedDataError) as info:
        RegistrationVersion.from_aws({"VersionNumber": 1, "RegistrationVersionStatus": "DRAFT"})
    assert info.value.path == "RegistrationVersionStatusHistory"
    assert str(info.value) == (
        "malformed data at RegistrationVersionStatusHistory: "
        "missing key 'RegistrationVersionStatusHistory'"
    )


def test_a_backend_call_the_lifecycle_refuses_names_the_trigger() -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    version.submit(at=T0 + timedelta(minutes=1))
    backend = _Answers(_submitted(version))
    with pytest.raises(InvalidTransition) as info:
        version.submit(backend)  # type: ignore[arg-type]
    assert (info.value.status, info.value.trigger) == (S.SUBMITTED, "submit")
    assert (info.value.registration_id, info.value.version_number) == ("reg-1", 1)
    assert backend.calls == []


def test_from_dict_refuses_another_schema_with_its_value() -> None:
    good = RegistrationVersion.new("reg-1", at=T0).to_dict()
    with pytest.raises(MalformedDataError) as info:
        RegistrationVersion.from_dict({**good, "schema": "someone/else"})
    assert (info.value.path, info.value.value) == ("schema", "someone/else")
    assert "(schema 'someone/else', expected " in str(info.value)
    with pytest.raises(MalformedDataError) as info:
        RegistrationVersion.from_dict({**good, "schema_version": 99})
    assert (info.value.path, info.value.value) == ("schema_version", 99)


def test_an_answer_for_another_registration_names_it() -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    answer = _submitted(version, registration_id="reg-2")
    with pytest.raises(UnexpectedAnswerError) as info:
        version.submit(_Answers(answer))  # type: ignore[arg-type]
    assert info.value.detail == "registration reg-2"
    assert str(info.value) == (
        "the service answered for registration reg-2, not for reg-1 version 1; the local "
        "version is unchanged"
    )
    assert version.status is S.DRAFT


def test_a_history_stamped_past_its_status_names_every_later_stamp() -> None:
    history = StatusHistory(
        T0,
        submitted=T0 + timedelta(hours=1),
        reviewing=T0 + timedelta(hours=2),
        approved=T0 + timedelta(hours=3),
    )
    with pytest.raises(InvalidHistory) as info:
        RegistrationVersion("reg-1", 1, status=S.SUBMITTED, history=history)
    assert info.value.reason == (
        f"REVIEWING, APPROVED stamped after SUBMITTED ({(T0 + timedelta(hours=1)).isoformat()}); "
        "the status must be the latest stamp"
    )


def test_from_info_names_what_it_was_given_instead() -> None:
    with pytest.raises(MalformedDataError) as info:
        RegistrationVersion.from_info({"VersionNumber": 1})  # type: ignore[arg-type]
    assert info.value.value == {"VersionNumber": 1}
    assert str(info.value) == "malformed data: expected a VersionInfo, got dict"


def test_a_draft_stamped_at_the_end_of_the_range_is_refused_and_its_start_taken() -> None:
    from registration_fsm.history import EARLIEST, LATEST

    with pytest.raises(InvalidTimestamp):
        RegistrationVersion.new("reg-1", at=LATEST)
    assert RegistrationVersion.new("reg-1", at=EARLIEST).history.draft == EARLIEST


def test_a_copy_keeps_the_last_answer_and_the_stored_text() -> None:
    from registration_fsm import Registration
    from registration_fsm.backends import InMemoryBackend
    from registration_fsm.store._body import body, registration_from

    backend = InMemoryBackend(catalogue=None)
    rid = backend.create_registration("US_TEN_DLC_BRAND_REGISTRATION").registration_id
    reg = registration_from(body(Registration.from_backend(backend, rid)))
    version = reg.latest
    version.submit(backend)
    twin = copy.copy(version)
    assert twin.last_answer is version.last_answer is not None
    assert twin._text_memo is version._text_memo
    kept = registration_from(body(reg)).latest
    assert copy.copy(kept)._text_memo is kept._text_memo is not None


class _Recorded:
    """A lock that writes down what is done with it."""

    def __init__(self, name: int, log: list[tuple[str, int]], *, fails: bool = False) -> None:
        self.name, self.log, self.fails = name, log, fails

    def acquire(self) -> bool:
        if self.fails:
            raise RuntimeError("cannot take this lock")
        self.log.append(("acquire", self.name))
        return True

    def release(self) -> None:
        self.log.append(("release", self.name))


def _numbered(*numbers: int) -> list[RegistrationVersion]:
    return [RegistrationVersion.new("registration-1", n, at=T0) for n in numbers]


def test_holding_takes_every_lock_once_in_version_order_and_gives_them_back() -> None:

    log: list[tuple[str, int]] = []
    versions = _numbered(3, 1, 2)
    for version in versions:
        version._lock = _Recorded(version.version_number, log)  # type: ignore[assignment]
    with holding([*versions, versions[0]]):
        assert log == [("acquire", 1), ("acquire", 2), ("acquire", 3)]
    assert log[3:] == [("release", 3), ("release", 2), ("release", 1)]


def test_holding_gives_back_what_it_took_when_a_lock_cannot_be_taken() -> None:

    log: list[tuple[str, int]] = []
    versions = _numbered(1, 2, 3)
    for version in versions:
        failing = version.version_number == 3
        version._lock = _Recorded(version.version_number, log, fails=failing)  # type: ignore[assignment]
    with pytest.raises(RuntimeError, match="cannot take this lock"), holding(versions):
        pytest.fail("the block ran without every lock")
    assert log == [("acquire", 1), ("acquire", 2), ("release", 2), ("release", 1)]


def test_a_version_made_with_no_status_history_is_refused_by_name() -> None:
    from registration_fsm import MalformedDataError as _Malformed

    with pytest.raises(_Malformed, match="history must be a StatusHistory, got dict"):
        RegistrationVersion(
            "registration-0123456789abcdef0123456789abcdef",
            1,
            status="DRAFT",
            history={"DraftTimestamp": "2026-01-01T00:00:00+00:00"},  # type: ignore[arg-type]
        )


def test_an_adopted_history_of_a_subclass_is_not_kept_as_the_versions_own() -> None:
    from registration_fsm.history import StatusHistory as _History

    class Marked(_History):
        pass

    draft = datetime(2026, 1, 1, tzinfo=timezone.utc)
    version = RegistrationVersion.new("registration-0123456789abcdef0123456789abcdef", at=draft)
    marked = Marked(draft, submitted=draft + timedelta(hours=1))
    version.adopt("SUBMITTED", marked)
    assert type(version.history) is _History
    assert version.history == _History(draft, submitted=draft + timedelta(hours=1))
    plain = _History(draft, submitted=draft + timedelta(hours=2))
    version.adopt("SUBMITTED", plain, strict=False)
    assert version.history is plain  # a plain one is the version's own from now on
