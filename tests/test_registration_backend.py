"""Registration.submit / discard / create_version / reconcile through a backend.

The service here is a small fake that keeps its own Registration as the truth and answers in
the Backend protocol's values, so these tests pin the registration's side of the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

import attrs
import pytest

from registration_fsm import (
    IllegalRemoteTransition,
    InvalidTransition,
    InvalidValueError,
    MalformedDataError,
    Registration,
    RegistrationRuleError,
    RegistrationStatus,
    SteppingClock,
    ThrottlingError,
    UnexpectedAnswerError,
    VersionStatus,
)
from registration_fsm.backends import Backend, RegistrationInfo, VersionInfo

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"


def _info(registration: Registration, number: int | None = None) -> VersionInfo:
    version = registration.latest if number is None else registration.version(number)
    return VersionInfo(
        registration_id=RID,
        version_number=version.version_number,
        status=version.status,
        history=version.history,
        registration_arn=ARN,
    )


class _Service:
    """The truth, kept as a Registration; ``after`` plays AWS right after a customer call."""

    def __init__(self) -> None:
        self.clock = SteppingClock(T0, timedelta(minutes=1))
        self.truth = Registration.new(RID, registration_arn=ARN, clock=self.clock)
        self.calls: list[tuple[str, bool]] = []
        self.after: list[str] = []
        self.fail: Exception | None = None
        self.rewrite: Callable[[VersionInfo], object] | None = None

    def _answer(self, name: str, aws_review: bool = False) -> object:
        self.calls.append((name, aws_review))
        if self.fail is not None:
            raise self.fail
        if name == "create_version":
            self.truth.create_version()
        else:
            getattr(self.truth, name)()
            if aws_review:
                self.truth.fire("begin_aws_review")
        for trigger in self.after:
            self.truth.fire(trigger)
        answer = _info(self.truth)
        return self.rewrite(answer) if self.rewrite is not None else answer

    def create_registration(self, registration_type: str) -> RegistrationInfo:
        raise NotImplementedError("not needed here")

    def create_version(self, registration_id: str) -> VersionInfo:
        return self._answer("create_version")  # type: ignore[return-value]

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        return self._answer("submit", aws_review)  # type: ignore[return-value]

    def discard(self, registration_id: str) -> VersionInfo:
        return self._answer("discard")  # type: ignore[return-value]

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        return tuple(_info(self.truth, v.version_number) for v in self.truth.versions)

    def describe_registration(self, registration_id: str) -> RegistrationInfo:
        return RegistrationInfo.from_aws(
            self.truth.to_aws() | {"RegistrationArn": ARN, "RegistrationType": "T"}
        )


def _pair() -> tuple[Registration, _Service]:
    service = _Service()
    local = Registration.from_dict(service.truth.to_dict())
    return local, service


def test_the_fake_is_a_backend() -> None:
    assert isinstance(_Service(), Backend)


def test_submit_through_a_backend_adopts_the_answer() -> None:
    local, service = _pair()
    assert local.submit(service) is S.SUBMITTED
    assert service.calls == [("submit", False)]
    assert local.to_aws_versions() == service.truth.to_aws_versions()


def test_an_answer_ahead_of_the_request_is_adopted_along_a_legal_path() -> None:
    local, service = _pair()
    service.after = ["deny"]
    assert local.submit(service) is S.DENIED
    assert local.status is RegistrationStatus.REQUIRES_UPDATES
    assert local.latest.history == service.truth.latest.history


def test_aws_review_is_passed_on() -> None:
    local, service = _pair()
    assert local.submit(service, aws_review=True) is S.AWS_REVIEWING
    assert service.calls == [("submit", True)]


def test_discard_and_create_version_through_a_backend() -> None:
    local, service = _pair()
    assert local.discard(service) is S.DISCARDED
    new = local.create_version(service)
    assert (new.version_number, new.status) == (2, S.DRAFT)
    assert new.registration_arn == ARN
    assert local.to_aws_versions() == service.truth.to_aws_versions()
    assert [c[0] for c in service.calls] == ["discard", "create_version"]


def test_local_refusals_happen_before_any_call() -> None:
    local, service = _pair()
    with pytest.raises(RegistrationRuleError):
        local.create_version(service)
    local.submit(service)
    with pytest.raises(InvalidTransition):
        local.submit(service)
    assert service.calls == [("submit", False)]


def test_a_backend_error_leaves_the_registration_as_it_was() -> None:
    local, service = _pair()
    before = local.to_dict()
    service.fail = ThrottlingError("slow down", code="ThrottlingException")
    with pytest.raises(ThrottlingError):
        local.submit(service)
    assert local.to_dict() == before


def test_an_answer_for_another_version_is_refused() -> None:
    local, service = _pair()
    before = local.to_dict()
    service.rewrite = lambda answer: attrs.evolve(answer, version_number=2)
    with pytest.raises(UnexpectedAnswerError) as info:
        local.submit(service)
    assert info.value.version_number == 1
    assert "version 2" in str(info.value)
    assert local.to_dict() == before


def test_an_answer_for_another_registration_is_refused() -> None:
    local, service = _pair()
    service.rewrite = lambda answer: attrs.evolve(
        answer, registration_id="registration-other", registration_arn=None
    )
    with pytest.raises(UnexpectedAnswerError, match="registration registration-other"):
        local.discard(service)
    assert local.latest.status is S.DRAFT


def test_a_created_version_must_be_the_next_number() -> None:
    local, service = _pair()
    local.discard(service)
    service.rewrite = lambda answer: attrs.evolve(answer, version_number=3)
    with pytest.raises(UnexpectedAnswerError):
        local.create_version(service)
    assert len(local.versions) == 1


def test_an_answer_that_is_not_a_version_info_is_refused() -> None:
    local, service = _pair()
    service.rewrite = lambda answer: answer.to_aws()
    with pytest.raises(MalformedDataError, match="not a VersionInfo"):
        local.submit(service)
    assert local.latest.status is S.DRAFT


def test_an_answer_no_legal_path_explains_is_refused() -> None:
    local, service = _pair()
    service.rewrite = lambda answer: attrs.evolve(answer, status=S.DRAFT)  # yet stamped SUBMITTED
    with pytest.raises(IllegalRemoteTransition):
        local.submit(service)
    assert local.latest.status is S.DRAFT
    assert local.latest.history.submitted is None


def test_an_approving_answer_archives_the_older_approval() -> None:
    local, service = _pair()
    for registration in (local, service.truth):
        registration.submit(at=T0 + timedelta(hours=1))
        registration.fire("begin_review", at=T0 + timedelta(hours=2))
        registration.fire("approve", at=T0 + timedelta(hours=3))
        registration.create_version(at=T0 + timedelta(hours=4))
    service.clock.advance(timedelta(hours=5))
    service.after = ["begin_review", "approve"]
    assert local.submit(service) is S.APPROVED
    first, second = local.versions
    assert first.status is S.ARCHIVED
    assert first.history.archived == second.history.approved
    assert local.to_aws_versions() == service.truth.to_aws_versions()


def test_at_and_aws_review_are_checked() -> None:
    local, service = _pair()
    with pytest.raises(InvalidValueError, match="local moves only"):
        local.submit(service, at=T0)
    with pytest.raises(InvalidValueError, match="local moves only"):
        local.discard(service, at=T0)
    local.discard(service)
    with pytest.raises(InvalidValueError, match="local moves only"):
        local.create_version(service, at=T0)
    local.create_version(service)
    with pytest.raises(InvalidValueError, match="has no submit"):
        local.submit(object())  # type: ignore[arg-type]
    assert service.calls == [("discard", False), ("create_version", False)]
    assert local.latest.status is S.DRAFT


def test_reconcile_catches_up_with_the_service() -> None:
    local, service = _pair()
    local.submit(service)
    service.truth.fire("begin_review")
    service.truth.fire("deny")
    service.truth.create_version()
    report = local.reconcile(service)
    assert [str(c) for c in report.changes] == [
        "version 1: SUBMITTED -> DENIED (begin_review -> deny)",
        "version 2: (new) -> DRAFT ()",
    ]
    assert local.to_aws_versions() == service.truth.to_aws_versions()
    assert not local.reconcile(service).changed
