"""AwsBackend against botocore's Stubber, whose responses are checked against the model."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import (
    ConnectionClosedError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.stub import Stubber

from registration_fsm import (
    AccessDeniedError,
    AwsBackend,
    AwsReviewNotApplied,
    BackendError,
    ConflictError,
    InternalServerError,
    InvalidRegistrationId,
    InvalidValueError,
    InvalidVersionNumber,
    MalformedDataError,
    RegistrationStatus,
    RegistrationVersion,
    ResourceNotFoundError,
    ServiceQuotaExceededError,
    ServiceUnavailableError,
    ThrottlingError,
    UnknownStatusError,
    ValidationError,
    VersionStatus,
)
from registration_fsm.backends import Backend, DeniedReason

V = VersionStatus
RID = "registration-0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:sms-voice:us-east-1:123456789012:registration/{RID}"
T0 = datetime(2026, 2, 1, 8, 0, tzinfo=timezone.utc)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def client(boto3_session: Any) -> Any:
    # The endpoint is never reached: the Stubber answers every call.
    return boto3_session.client("pinpoint-sms-voice-v2", endpoint_url="http://127.0.0.1:9")


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def backend(client: Any) -> AwsBackend:
    return AwsBackend(client)


def version_result(status: str = "SUBMITTED", number: int = 1, **history: datetime) -> dict:
    return {
        "RegistrationArn": ARN,
        "RegistrationId": RID,
        "VersionNumber": number,
        "RegistrationVersionStatus": status,
        "RegistrationVersionStatusHistory": {"DraftTimestamp": at(0), **history},
    }


def versions_page(*items: dict, token: str | None = None) -> dict:
    page: dict[str, Any] = {
        "RegistrationArn": ARN,
        "RegistrationId": RID,
        "RegistrationVersions": list(items),
    }
    if token is not None:
        page["NextToken"] = token
    return page


def item(number: int, status: str, **history: datetime) -> dict:
    return {
        "VersionNumber": number,
        "RegistrationVersionStatus": status,
        "RegistrationVersionStatusHistory": {"DraftTimestamp": at(number * 100), **history},
    }


def test_it_is_a_backend(backend: AwsBackend) -> None:
    assert isinstance(backend, Backend)


def test_importing_the_library_imports_no_boto3() -> None:
    code = (
        "import sys, registration_fsm\n"
        "assert 'registration_fsm.backends' not in sys.modules\n"
        "from registration_fsm import AwsBackend, InMemoryBackend\n"
        "assert AwsBackend is sys.modules['registration_fsm.backends.aws'].AwsBackend\n"
        "import registration_fsm.backends.aws\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('boto3', 'botocore', 'hypothesis', 'http'))\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# -- every operation -----------------------------------------------------------------------


def test_create_registration(backend: AwsBackend, stubber: Stubber) -> None:
    stubber.add_response(
        "create_registration",
        {
            "RegistrationArn": ARN,
            "RegistrationId": RID,
            "RegistrationType": "US_TEN_DLC_BRAND_REGISTRATION",
            "RegistrationStatus": "CREATED",
            "CurrentVersionNumber": 1,
            "AdditionalAttributes": {"k": "v"},
            "Tags": [{"Key": "team", "Value": "sms"}],
            "CreatedTimestamp": at(0),
        },
        {
            "RegistrationType": "US_TEN_DLC_BRAND_REGISTRATION",
            "Tags": [{"Key": "team", "Value": "sms"}],
            "ClientToken": "token-1",
        },
    )
    info = backend.create_registration(
        "US_TEN_DLC_BRAND_REGISTRATION", tags={"team": "sms"}, client_token="token-1"
    )
    assert info.registration_id == RID
    assert info.registration_arn == ARN
    assert info.status is RegistrationStatus.CREATED
    assert info.current_version_number == 1
    assert info.created == at(0)
    assert info.additional_attributes == {"k": "v"}
    assert info.tags == {"team": "sms"}


def test_create_registration_sends_no_token_of_its_own(
    backend: AwsBackend, stubber: Stubber
) -> None:
    stubber.add_response(
        "create_registration",
        {
            "RegistrationArn": ARN,
            "RegistrationId": RID,
            "RegistrationType": "US_TOLL_FREE_REGISTRATION",
            "RegistrationStatus": "CREATED",
            "CurrentVersionNumber": 1,
            "CreatedTimestamp": at(0),
        },
        {"RegistrationType": "US_TOLL_FREE_REGISTRATION"},
    )
    assert backend.create_registration("US_TOLL_FREE_REGISTRATION").registration_id == RID


def test_create_version(backend: AwsBackend, stubber: Stubber) -> None:
    result = version_result("DRAFT", 2)
    stubber.add_response("create_registration_version", result, {"RegistrationId": RID})
    info = backend.create_version(RID)
    assert (info.version_number, info.status, info.history.draft) == (2, V.DRAFT, at(0))
    assert info.registration_arn == ARN


@pytest.mark.parametrize("aws_review", [False, True])
def test_submit(backend: AwsBackend, stubber: Stubber, aws_review: bool) -> None:
    status = "AWS_REVIEWING" if aws_review else "SUBMITTED"
    history = {"SubmittedTimestamp": at(1)}
    if aws_review:
        history["AwsReviewingTimestamp"] = at(1)
    params: dict[str, Any] = {"RegistrationId": RID}
    if aws_review:
        params["AwsReview"] = True
    stubber.add_response(
        "submit_registration_version",
        {**version_result(status, **history), "AwsReview": aws_review},
        params,
    )
    info = backend.submit(RID, aws_review=aws_review)
    assert info.status is V(status)
    assert info.history.submitted == at(1)
    assert info.aws_review is aws_review


def test_discard(backend: AwsBackend, stubber: Stubber) -> None:
    stubber.add_response(
        "discard_registration_version",
        version_result("DISCARDED", DiscardedTimestamp=at(2)),
        {"RegistrationId": RID},
    )
    info = backend.discard(RID)
    assert (info.status, info.history.discarded) == (V.DISCARDED, at(2))


def test_describe_versions_reads_every_page_oldest_first(client: Any, stubber: Stubber) -> None:
    backend = AwsBackend(client, page_size=2)
    denied = {
        **item(2, "DENIED", SubmittedTimestamp=at(201), DeniedTimestamp=at(202)),
        "DeniedReasons": [
            {
                "Reason": "WEBSITE",
                "ShortDescription": "Unreachable",
                "LongDescription": "The site did not answer.",
                "DocumentationTitle": "Websites",
                "DocumentationLink": "https://example.com/doc",
            }
        ],
        "Feedback": "Fix the website.",
    }
    stubber.add_response(
        "describe_registration_versions",
        versions_page(item(3, "DRAFT"), denied, token="page-2"),
        {"RegistrationId": RID, "MaxResults": 2},
    )
    stubber.add_response(
        "describe_registration_versions",
        versions_page(item(1, "DISCARDED", DiscardedTimestamp=at(101))),
        {"RegistrationId": RID, "MaxResults": 2, "NextToken": "page-2"},
    )
    infos = backend.describe_versions(RID)
    assert [i.version_number for i in infos] == [1, 2, 3]
    assert [i.status for i in infos] == [V.DISCARDED, V.DENIED, V.DRAFT]
    assert all(i.registration_id == RID and i.registration_arn == ARN for i in infos)
    assert infos[1].denied_reasons == (
        DeniedReason(
            "WEBSITE",
            "Unreachable",
            "The site did not answer.",
            "Websites",
            "https://example.com/doc",
        ),
    )
    assert infos[1].feedback == "Fix the website."


def test_describe_versions_asks_five_numbers_at_a_time(
    backend: AwsBackend, stubber: Stubber
) -> None:
    stubber.add_response(
        "describe_registration_versions",
        versions_page(
            *(item(n, "DISCARDED", DiscardedTimestamp=at(n * 100 + 1)) for n in range(1, 6))
        ),
        {"RegistrationId": RID, "VersionNumbers": [1, 2, 3, 4, 5]},
    )
    stubber.add_response(
        "describe_registration_versions",
        versions_page(item(7, "DRAFT"), item(6, "DISCARDED", DiscardedTimestamp=at(601))),
        {"RegistrationId": RID, "VersionNumbers": [6, 7]},
    )
    infos = backend.describe_versions(RID, [7, 1, 2, 3, 4, 5, 6, 1])
    assert [i.version_number for i in infos] == [1, 2, 3, 4, 5, 6, 7]
    assert backend.describe_versions(RID, []) == ()


def test_describe_registration(backend: AwsBackend, stubber: Stubber) -> None:
    registration = {
        "RegistrationArn": ARN,
        "RegistrationId": RID,
        "RegistrationType": "US_TEN_DLC_BRAND_REGISTRATION",
        "RegistrationStatus": "COMPLETE",
        "CurrentVersionNumber": 3,
        "ApprovedVersionNumber": 3,
        "LatestDeniedVersionNumber": 2,
        "CreatedTimestamp": at(0),
    }
    stubber.add_response(
        "describe_registrations", {"Registrations": [registration]}, {"RegistrationIds": [ARN]}
    )
    info = backend.describe_registration(ARN)
    assert info.status is RegistrationStatus.COMPLETE
    assert (info.approved_version_number, info.latest_denied_version_number) == (3, 2)
    stubber.add_response(
        "describe_registrations", {"Registrations": []}, {"RegistrationIds": [RID]}
    )
    with pytest.raises(ResourceNotFoundError) as caught:
        backend.describe_registration(RID)
    assert caught.value.resource_id == RID


def test_a_version_submits_through_aws(backend: AwsBackend, stubber: Stubber) -> None:
    stubber.add_response(
        "submit_registration_version",
        {
            **version_result("DENIED", SubmittedTimestamp=at(1), DeniedTimestamp=at(1)),
            "AwsReview": False,
        },
        {"RegistrationId": RID},
    )
    version = RegistrationVersion.new(RID, at=at(0), registration_arn=ARN)
    assert version.submit(backend) is V.DENIED
    assert version.history.denied == at(1)


# -- every error -----------------------------------------------------------------------------

_OPERATIONS = {
    "CreateRegistration": ("create_registration", lambda b: b.create_registration("T_1")),
    "CreateRegistrationVersion": ("create_registration_version", lambda b: b.create_version(RID)),
    "SubmitRegistrationVersion": ("submit_registration_version", lambda b: b.submit(RID)),
    "DiscardRegistrationVersion": ("discard_registration_version", lambda b: b.discard(RID)),
    "DescribeRegistrations": ("describe_registrations", lambda b: b.describe_registration(RID)),
    "DescribeRegistrationVersions": (
        "describe_registration_versions",
        lambda b: b.describe_versions(RID),
    ),
}
_MAPPED = {
    "ThrottlingException": ThrottlingError,
    "AccessDeniedException": AccessDeniedError,
    "ResourceNotFoundException": ResourceNotFoundError,
    "ValidationException": ValidationError,
    "ConflictException": ConflictError,
    "ServiceQuotaExceededException": ServiceQuotaExceededError,
    "InternalServerException": InternalServerError,
}


def _listed_errors() -> list[tuple[str, str]]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
    return [
        (operation, shape.name)
        for operation in _OPERATIONS
        for shape in model.operation_model(operation).error_shapes
    ]


def _modeled_fields(client: Any, code: str) -> dict[str, Any]:
    shape = client.meta.service_model.shape_for(code)
    fields: dict[str, Any] = {}
    for name, member in shape.members.items():
        if name == "Fields":
            fields[name] = [{"Name": "RegistrationId", "Message": "bad"}]
        elif member.enum:
            fields[name] = member.enum[0]
        else:
            fields[name] = f"{name}-value"
    return fields


LISTED = _listed_errors()


def test_the_model_lists_what_the_issue_lists() -> None:
    assert {code for _, code in LISTED} == set(_MAPPED)
    assert ("CreateRegistration", "ServiceQuotaExceededException") in LISTED
    assert len(LISTED) == 35


@pytest.mark.parametrize(("operation", "code"), LISTED)
def test_every_listed_error_is_mapped(
    client: Any, stubber: Stubber, backend: AwsBackend, operation: str, code: str
) -> None:
    method, call = _OPERATIONS[operation]
    modeled = _modeled_fields(client, code)
    status = 500 if code == "InternalServerException" else 400
    stubber.add_client_error(
        method,
        service_error_code=code,
        service_message="the message",
        http_status_code=status,
        response_meta={"RequestId": "request-1"},
        modeled_fields=modeled,
    )
    ambiguous = code == "InternalServerException" and method in (
        "create_registration_version",
        "submit_registration_version",
        "discard_registration_version",
    )
    if ambiguous:
        stubber.add_response(
            "describe_registration_versions",
            versions_page(item(1, "DRAFT")),
            {"RegistrationId": RID},
        )
    with pytest.raises(_MAPPED[code]) as caught:
        call(backend)
    error = caught.value
    assert type(error) is _MAPPED[code]
    assert error.code == code
    assert error.message == "the message"
    assert error.request_id == "request-1"
    assert error.operation == operation
    assert error.retryable is (code in ("ThrottlingException", "InternalServerException"))
    assert isinstance(error.__cause__, Exception)
    if "Reason" in modeled:
        assert error.reason == modeled["Reason"]  # type: ignore[attr-defined]
    if "ResourceType" in modeled:
        assert error.resource_type == modeled["ResourceType"]  # type: ignore[attr-defined]
        assert error.resource_id == modeled["ResourceId"]  # type: ignore[attr-defined]
    if "Fields" in modeled:
        assert error.fields == ({"Name": "RegistrationId", "Message": "bad"},)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("status", "expected"), [(503, ServiceUnavailableError), (418, BackendError)]
)
def test_errors_outside_the_model(
    backend: AwsBackend, stubber: Stubber, status: int, expected: type[BackendError]
) -> None:
    stubber.add_client_error(
        "describe_registration_versions", "SomethingNew", "odd", http_status_code=status
    )
    with pytest.raises(expected) as caught:
        backend.describe_versions(RID)
    assert type(caught.value) is expected
    assert caught.value.code == "SomethingNew"
    assert caught.value.retryable is (status >= 500)


def test_one_call_per_request_no_retry_loop_of_its_own(
    backend: AwsBackend, stubber: Stubber
) -> None:
    stubber.add_client_error("discard_registration_version", "ThrottlingException", "slow down")
    with pytest.raises(ThrottlingError):
        backend.discard(RID)
    # the fixture's assert_no_pending_responses and the Stubber's strict queue prove that
    # exactly one request was made: a second one would have raised UnStubbedResponseError


# -- validation before sending ---------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "has space", "x" * 257, "emoji-\u2603", None])
def test_registration_ids_are_checked_before_sending(backend: AwsBackend, bad: Any) -> None:
    for call in (
        backend.submit,
        backend.discard,
        backend.create_version,
        backend.describe_versions,
        backend.describe_registration,
    ):
        with pytest.raises(InvalidRegistrationId):
            call(bad)


def test_other_arguments_are_checked_before_sending(client: Any, backend: AwsBackend) -> None:
    with pytest.raises(InvalidVersionNumber):
        backend.describe_versions(RID, [0])
    with pytest.raises(InvalidValueError):
        backend.describe_versions(RID, "12")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        backend.submit(RID, aws_review="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        backend.create_registration("no spaces allowed")
    with pytest.raises(InvalidValueError):
        AwsBackend(client, page_size=101)
    with pytest.raises(InvalidValueError, match="pinpoint-sms-voice-v2"):
        AwsBackend(object())  # type: ignore[arg-type]


# -- ambiguous failures: read back, exactly once ----------------------------------------------


def fail_with(client: Any, operation: str, error: Exception) -> None:
    """Make ``operation`` fail as botocore does once its retries are spent."""

    def raise_error(**_: Any) -> None:
        raise error

    client.meta.events.register_first(
        f"provide-client-params.pinpoint-sms-voice-v2.{operation}", raise_error
    )


def test_a_timed_out_submit_that_took_effect_returns_the_truth(
    client: Any, backend: AwsBackend, stubber: Stubber
) -> None:
    fail_with(client, "SubmitRegistrationVersion", ReadTimeoutError(endpoint_url="http://x"))
    stubber.add_response(
        "describe_registration_versions",
        versions_page(
            item(1, "REVIEWING", SubmittedTimestamp=at(101), ReviewingTimestamp=at(102))
        ),
        {"RegistrationId": RID},
    )
    info = backend.submit(RID)
    assert (info.version_number, info.status) == (1, V.REVIEWING)


def test_a_timed_out_submit_that_did_not_take_effect_raises(
    client: Any, backend: AwsBackend, stubber: Stubber
) -> None:
    fail_with(client, "SubmitRegistrationVersion", ConnectionClosedError(endpoint_url="http://x"))
    stubber.add_response(
        "describe_registration_versions", versions_page(item(1, "DRAFT")), {"RegistrationId": RID}
    )
    version = RegistrationVersion.new(RID, at=at(100), registration_arn=ARN)
    with pytest.raises(ServiceUnavailableError) as caught:
        version.submit(backend)
    assert caught.value.code == "ConnectionClosedError"
    assert isinstance(caught.value.__cause__, ConnectionClosedError)
    assert version.status is V.DRAFT


def test_when_the_read_back_fails_too_the_original_error_is_raised(
    client: Any, backend: AwsBackend, stubber: Stubber
) -> None:
    fail_with(client, "DiscardRegistrationVersion", EndpointConnectionError(endpoint_url="x"))
    stubber.add_client_error("describe_registration_versions", "ThrottlingException", "slow")
    with pytest.raises(ServiceUnavailableError) as caught:
        backend.discard(RID)
    assert caught.value.code == "EndpointConnectionError"


def test_already_submitted_by_somebody_else_is_a_conflict_carrying_the_truth(
    backend: AwsBackend, stubber: Stubber
) -> None:
    # No failure of this call's own: the submit that landed was somebody else's. It is not
    # taken as ours (both callers were told SUBMITTED before); the error carries the truth.
    stubber.add_client_error(
        "submit_registration_version",
        "ConflictException",
        "already",
        modeled_fields={"Reason": "REGISTRATION_ALREADY_SUBMITTED"},
    )
    stubber.add_response(
        "describe_registration_versions",
        versions_page(item(1, "SUBMITTED", SubmittedTimestamp=at(101))),
        {"RegistrationId": RID},
    )
    with pytest.raises(ConflictError) as caught:
        backend.submit(RID)
    assert caught.value.reason == "REGISTRATION_ALREADY_SUBMITTED"
    assert caught.value.current is not None
    assert caught.value.current.status is V.SUBMITTED
    assert caught.value.current.history.submitted == at(101)


def test_a_plain_conflict_is_final(backend: AwsBackend, stubber: Stubber) -> None:
    stubber.add_client_error(
        "submit_registration_version",
        "ConflictException",
        "no",
        modeled_fields={"Reason": "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"},
    )
    stubber.add_response(
        "describe_registration_versions",
        versions_page(item(1, "DENIED", SubmittedTimestamp=at(101), DeniedTimestamp=at(102))),
        {"RegistrationId": RID},
    )
    with pytest.raises(ConflictError) as caught:
        backend.submit(RID)
    assert caught.value.reason == "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"
    assert caught.value.current is not None
    assert caught.value.current.status is V.DENIED


def test_a_conflict_whose_read_back_fails_carries_no_current(
    backend: AwsBackend, stubber: Stubber
) -> None:
    stubber.add_client_error(
        "submit_registration_version",
        "ConflictException",
        "no",
        modeled_fields={"Reason": "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"},
    )
    stubber.add_client_error("describe_registration_versions", "AccessDeniedException", "no")
    with pytest.raises(ConflictError) as caught:
        backend.submit(RID)
    assert caught.value.current is None


def test_a_requested_aws_review_the_answer_denies_is_an_error(
    backend: AwsBackend, stubber: Stubber
) -> None:
    result = version_result("SUBMITTED", SubmittedTimestamp=at(101))
    result["AwsReview"] = False
    stubber.add_response(
        "submit_registration_version", result, {"RegistrationId": RID, "AwsReview": True}
    )
    with pytest.raises(AwsReviewNotApplied) as caught:
        backend.submit(RID, aws_review=True)
    assert caught.value.current.status is V.SUBMITTED
    assert "AwsReview=false" in caught.value.detail


def test_a_read_back_showing_no_pre_review_is_an_error(
    client: Any, backend: AwsBackend, stubber: Stubber
) -> None:
    fail_with(client, "SubmitRegistrationVersion", ReadTimeoutError(endpoint_url="x"))
    reviewing = item(1, "REVIEWING", SubmittedTimestamp=at(101), ReviewingTimestamp=at(102))
    stubber.add_response(
        "describe_registration_versions", versions_page(reviewing), {"RegistrationId": RID}
    )
    with pytest.raises(AwsReviewNotApplied) as caught:
        backend.submit(RID, aws_review=True)
    assert "no AwsReviewingTimestamp" in caught.value.detail


def test_a_conflict_after_retries_reads_back(backend: AwsBackend, stubber: Stubber) -> None:
    # botocore retried: an earlier attempt may have discarded the version, and the last
    # attempt was refused because of it.
    stubber.add_client_error(
        "discard_registration_version",
        "ConflictException",
        "no",
        response_meta={"RetryAttempts": 2},
        modeled_fields={"Reason": "DISCARD_REGISTRATION_VERSION_NOT_ALLOWED"},
    )
    stubber.add_response(
        "describe_registration_versions",
        versions_page(item(1, "DISCARDED", DiscardedTimestamp=at(101))),
        {"RegistrationId": RID},
    )
    assert backend.discard(RID).status is V.DISCARDED


def test_an_ambiguous_create_version(client: Any, backend: AwsBackend, stubber: Stubber) -> None:
    fail_with(client, "CreateRegistrationVersion", ReadTimeoutError(endpoint_url="x"))
    denied = item(1, "DENIED", SubmittedTimestamp=at(101), DeniedTimestamp=at(102))
    stubber.add_response(
        "describe_registration_versions",
        versions_page(denied, item(2, "DRAFT")),
        {"RegistrationId": RID},
    )
    assert backend.create_version(RID).version_number == 2
    stubber.add_response(
        "describe_registration_versions", versions_page(denied), {"RegistrationId": RID}
    )
    with pytest.raises(ServiceUnavailableError):
        backend.create_version(RID)


def test_a_definite_refusal_is_not_read_back(backend: AwsBackend, stubber: Stubber) -> None:
    for code in ("ValidationException", "AccessDeniedException", "ResourceNotFoundException"):
        stubber.add_client_error("submit_registration_version", code, "no")
        with pytest.raises(BackendError):
            backend.submit(RID)


# -- odd clients and answers -------------------------------------------------------------------


class FakeClient:
    """Not boto3: answers from a table, to show what Stubber cannot."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def call(**_: Any) -> Any:
            answer = self.answers[name]
            if isinstance(answer, BaseException):
                raise answer
            return answer

        return call


def test_unknown_response_fields_are_tolerated() -> None:
    page = versions_page({**item(1, "DRAFT"), "SomethingNew": {"x": 1}})
    page["AlsoNew"] = True
    backend = AwsBackend(FakeClient(describe_registration_versions=page))  # type: ignore[arg-type]
    assert backend.describe_versions(RID)[0].status is V.DRAFT


def test_an_unknown_status_is_a_typed_error() -> None:
    page = versions_page(item(1, "PENDING_SOMETHING"))
    backend = AwsBackend(FakeClient(describe_registration_versions=page))  # type: ignore[arg-type]
    with pytest.raises(UnknownStatusError):
        backend.describe_versions(RID)


def test_malformed_answers_are_typed_errors() -> None:
    backend = AwsBackend(FakeClient(describe_registration_versions={"RegistrationVersions": 3}))  # type: ignore[arg-type]
    with pytest.raises(MalformedDataError):
        backend.describe_versions(RID)
    looping = versions_page(item(1, "DRAFT"), token="same")
    backend = AwsBackend(FakeClient(describe_registration_versions=looping))  # type: ignore[arg-type]
    with pytest.raises(MalformedDataError, match="NextToken"):
        backend.describe_versions(RID)


def test_other_botocore_failures_are_mapped_and_others_pass_through() -> None:
    backend = AwsBackend(
        FakeClient(  # type: ignore[arg-type]
            submit_registration_version=ParamValidationError(report="bad"),
            discard_registration_version=KeyError("not botocore"),
        )
    )
    with pytest.raises(ValidationError) as caught:
        backend.submit(RID)
    assert caught.value.code == "ParamValidationError"
    with pytest.raises(KeyError):
        backend.discard(RID)


def test_a_malformed_read_back_raises_the_original_error() -> None:
    backend = AwsBackend(
        FakeClient(  # type: ignore[arg-type]
            submit_registration_version=ReadTimeoutError(endpoint_url="http://x"),
            describe_registration_versions={"RegistrationVersions": "garbage"},
        )
    )
    with pytest.raises(ServiceUnavailableError) as caught:
        backend.submit(RID)
    assert caught.value.code == "ReadTimeoutError"
