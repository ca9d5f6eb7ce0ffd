"""RegistrationVersion.submit/discard through a backend."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import attrs
import pytest

from registration_fsm import (
    ConflictError,
    FaultKind,
    IllegalRemoteTransition,
    InMemoryBackend,
    InvalidTransition,
    InvalidValueError,
    MalformedDataError,
    RegistrationVersion,
    ServiceUnavailableError,
    SteppingClock,
    ThrottlingError,
    UnexpectedAnswerError,
    VersionStatus,
)
from registration_fsm.backends import DeniedReason, RegistrationInfo, VersionInfo

V = VersionStatus
START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def backend() -> InMemoryBackend:
    return InMemoryBackend(SteppingClock(START, timedelta(minutes=1)))


def fresh(backend: InMemoryBackend) -> RegistrationVersion:
    rid = backend.create_registration("US_TOLL_FREE_REGISTRATION").registration_id
    return RegistrationVersion.from_info(backend.describe_versions(rid)[0])


def test_submit_through_a_backend_adopts_the_answer(backend: InMemoryBackend) -> None:
    version = fresh(backend)
    assert version.submit(backend) is V.SUBMITTED
    (truth,) = backend.peek(version.registration_id)
    assert (version.status, version.history) == (truth.status, truth.history)
    assert version.last_answer is not None
    assert version.last_answer.aws_review is False


def test_submit_with_aws_review(backend: InMemoryBackend) -> None:
    version = fresh(backend)
    assert version.submit(backend, aws_review=True) is V.AWS_REVIEWING
    assert version.history.submitted == version.history.aws_reviewing
    assert version.last_answer is not None
    assert version.last_answer.aws_review is True


def test_discard_through_a_backend(backend: InMemoryBackend) -> None:
    version = fresh(backend)
    version.submit(backend)
    assert version.discard(backend) is V.DISCARDED
    assert version.history.discarded == backend.peek(version.registration_id)[0].history.discarded


def test_a_version_named_by_its_arn_accepts_answers(backend: InMemoryBackend) -> None:
    info = backend.create_registration("US_TOLL_FREE_REGISTRATION")
    version = RegistrationVersion.new(
        info.registration_arn, 1, at=info.created, registration_arn=info.registration_arn
    )
    assert version.submit(backend) is V.SUBMITTED


def test_the_local_check_comes_before_any_call(backend: InMemoryBackend) -> None:
    version = fresh(backend)
    version.submit(backend)
    calls = backend.calls
    with pytest.raises(InvalidTransition) as caught:
        version.submit(backend)
    assert caught.value.status is V.SUBMITTED
    assert backend.calls == calls


def test_a_backend_error_leaves_the_version_unchanged(backend: InMemoryBackend) -> None:
    version = fresh(backend)
    before = version.to_dict()
    backend.inject(FaultKind.THROTTLING)
    with pytest.raises(ThrottlingError):
        version.submit(backend)
    assert version.to_dict() == before
    assert version.last_answer is None


def test_a_lost_answer_leaves_the_version_unchanged_until_read_back(
    backend: InMemoryBackend,
) -> None:
    version = fresh(backend)
    backend.inject(FaultKind.LOST_ANSWER)
    with pytest.raises(ServiceUnavailableError):
        version.submit(backend)
    assert version.status is V.DRAFT
    with pytest.raises(ConflictError) as caught:
        version.submit(backend)
    assert caught.value.reason == "REGISTRATION_ALREADY_SUBMITTED"
    (truth,) = backend.peek(version.registration_id)
    version.adopt(truth.status, truth.history)
    assert version.status is V.SUBMITTED
    assert [a for a in backend.applied if a[0] == "submit"] == [
        ("submit", version.registration_id, 1)
    ]


def test_an_answer_ahead_of_the_request_is_adopted(backend: InMemoryBackend) -> None:
    version = fresh(backend)
    rid = version.registration_id

    class DeniesAtOnce:
        """A service whose automated check denies the version as it is submitted."""

        def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
            backend.submit(registration_id)
            return backend.play_aws(registration_id, "deny")

    assert version.submit(DeniesAtOnce()) is V.DENIED  # type: ignore[arg-type]
    assert version.history == backend.peek(rid)[0].history


class Answers:
    """A backend that answers whatever it is told to."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls = 0

    def submit(self, registration_id: str, *, aws_review: bool = False) -> object:
        self.calls += 1
        return self.answer

    def discard(self, registration_id: str) -> object:
        self.calls += 1
        return self.answer

    def create_registration(self, registration_type: str) -> RegistrationInfo:
        raise NotImplementedError

    def create_version(self, registration_id: str) -> VersionInfo:
        raise NotImplementedError

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        raise NotImplementedError

    def describe_registration(self, registration_id: str) -> RegistrationInfo:
        raise NotImplementedError


def answer_for(version: RegistrationVersion, **changes: object) -> VersionInfo:
    submitted = version.history.with_stamp(V.SUBMITTED, version.history.draft + timedelta(1))
    info = VersionInfo(
        registration_id=version.registration_id,
        version_number=version.version_number,
        status=V.SUBMITTED,
        history=submitted,
    )
    return attrs.evolve(info, **changes)


def test_an_answer_no_legal_path_explains_is_refused() -> None:
    version = RegistrationVersion.new("reg-1", at=START)
    before = version.to_dict()
    backend = Answers(answer_for(version, status=V.DRAFT))  # a "draft" stamped as submitted
    with pytest.raises(IllegalRemoteTransition):
        version.submit(backend)  # type: ignore[arg-type]
    assert backend.calls == 1
    assert version.to_dict() == before
    assert version.last_answer is None


ARN_PREFIX = "arn:aws:sms-voice:us-east-1:123456789012:registration/"


@pytest.mark.parametrize(
    "changes",
    [
        {"registration_id": "reg-2"},
        {"version_number": 2},
        {"registration_arn": ARN_PREFIX + "reg-2"},
    ],
)
def test_an_answer_for_another_version_is_refused(changes: dict[str, object]) -> None:
    version = RegistrationVersion.new("reg-1", at=START, registration_arn=ARN_PREFIX + "reg-1")
    answer = answer_for(version, **{"registration_arn": ARN_PREFIX + "reg-1", **changes})
    before = version.to_dict()
    with pytest.raises(UnexpectedAnswerError) as caught:
        version.submit(Answers(answer))  # type: ignore[arg-type]
    assert caught.value.answer == answer
    assert (caught.value.registration_id, caught.value.version_number) == ("reg-1", 1)
    assert version.to_dict() == before


def test_an_answer_that_is_not_a_version_info_is_refused() -> None:
    version = RegistrationVersion.new("reg-1", at=START)
    with pytest.raises(MalformedDataError, match="not a VersionInfo"):
        version.discard(Answers({"RegistrationVersionStatus": "DISCARDED"}))  # type: ignore[arg-type]
    assert version.status is V.DRAFT


def test_at_and_aws_review_are_checked(backend: InMemoryBackend) -> None:
    version = fresh(backend)
    with pytest.raises(InvalidValueError, match="local moves only"):
        version.submit(backend, at=START)
    with pytest.raises(InvalidValueError, match="needs a backend"):
        version.submit(aws_review=True)
    with pytest.raises(InvalidValueError, match="no submit"):
        version.submit(object())  # type: ignore[arg-type]
    assert version.status is V.DRAFT
    assert backend.calls[-1][0] == "describe_versions"


def test_the_local_path_is_unchanged() -> None:
    version = RegistrationVersion.new("reg-1", at=START)
    assert version.submit(at=START + timedelta(1)) is V.SUBMITTED
    assert version.discard() is V.DISCARDED
    assert version.last_answer is None
    assert RegistrationVersion.new("reg-1").fire("submit") is V.SUBMITTED


def test_last_answer_is_not_part_of_the_state(backend: InMemoryBackend) -> None:
    version = fresh(backend)
    version.submit(backend)
    backend.play_aws(version.registration_id, "deny", denied_reasons=[DeniedReason("R", "S")])
    twin = RegistrationVersion.from_dict(version.to_dict())
    assert twin == version
    assert twin.last_answer is None
    assert "last_answer" not in version.to_dict()
    copied = pickle.loads(pickle.dumps(version))
    assert copied.last_answer == version.last_answer
    assert copied == version
