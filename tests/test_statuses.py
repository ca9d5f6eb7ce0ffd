from __future__ import annotations

import botocore.session
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registration_fsm import (
    InvalidValueError,
    RegistrationStatus,
    UnknownStatusError,
    VersionStatus,
)

CORE = {
    "DRAFT",
    "SUBMITTED",
    "REVIEWING",
    "REQUIRES_AUTHENTICATION",
    "APPROVED",
    "DISCARDED",
    "DENIED",
    "REVOKED",
    "ARCHIVED",
}


def _model_enum(shape: str) -> list[str]:
    model = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
    return list(model.shape_for(shape).enum)


def test_version_statuses_are_exactly_the_aws_values() -> None:
    assert {s.value for s in VersionStatus} == set(_model_enum("RegistrationVersionStatus"))
    for status in VersionStatus:
        assert status == status.value
        assert str(status) == status.value


def test_registration_statuses_are_exactly_the_aws_values() -> None:
    assert {s.value for s in RegistrationStatus} == set(_model_enum("RegistrationStatus"))
    assert len(RegistrationStatus) == 10


def test_the_nine_core_statuses_are_told_from_the_later_two() -> None:
    assert {s.value for s in VersionStatus if s.is_core} == CORE
    assert {s for s in VersionStatus if not s.is_core} == {
        VersionStatus.AWS_REVIEWING,
        VersionStatus.REQUIRES_OFFLINE_REVIEW,
    }


def test_every_status_has_a_one_line_description() -> None:
    for status in [*VersionStatus, *RegistrationStatus]:
        assert status.description
        assert "\n" not in status.description


def test_terminal_statuses() -> None:
    assert {s for s in VersionStatus if s.is_terminal} == {
        VersionStatus.DISCARDED,
        VersionStatus.DENIED,
        VersionStatus.REVOKED,
        VersionStatus.ARCHIVED,
    }


def test_history_keys_follow_the_aws_model() -> None:
    model = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
    keys = set(model.shape_for("RegistrationVersionStatusHistory").members)
    assert {s.history_key for s in VersionStatus if s.history_key} == keys
    assert VersionStatus.REQUIRES_OFFLINE_REVIEW.history_key is None


@pytest.mark.parametrize("parse", [VersionStatus.parse, VersionStatus])
def test_an_unknown_version_status_raises_a_typed_error(parse: object) -> None:
    with pytest.raises(UnknownStatusError) as info:
        parse("PENDING_CARRIER")  # type: ignore[operator]
    assert info.value.value == "PENDING_CARRIER"
    assert info.value.kind == "RegistrationVersionStatus"
    assert "PENDING_CARRIER" in str(info.value)
    assert isinstance(info.value, InvalidValueError)


def test_an_unknown_registration_status_raises_a_typed_error() -> None:
    with pytest.raises(UnknownStatusError) as info:
        RegistrationStatus.parse("ON_HOLD")
    assert info.value.kind == "RegistrationStatus"
    with pytest.raises(UnknownStatusError):
        RegistrationStatus("ON_HOLD")


@given(st.one_of(st.text(), st.integers(), st.none(), st.lists(st.text())))
def test_parse_raises_only_unknown_status_errors(value: object) -> None:
    if isinstance(value, str) and value in {s.value for s in VersionStatus}:
        assert VersionStatus.parse(value).value == value
        return
    with pytest.raises(UnknownStatusError) as info:
        VersionStatus.parse(value)
    assert info.value.value is value


def test_parse_accepts_members_and_strings() -> None:
    assert VersionStatus.parse("DRAFT") is VersionStatus.DRAFT
    assert VersionStatus.parse(VersionStatus.DENIED) is VersionStatus.DENIED
    assert RegistrationStatus.parse("COMPLETE") is RegistrationStatus.COMPLETE
