"""A stock boto3 client against the emulator, over HTTP on 127.0.0.1."""

from __future__ import annotations

import io
import json
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from registration_fsm import (
    AwsBackend,
    ConflictError,
    FaultKind,
    InMemoryBackend,
    InvalidValueError,
    RegistrationVersion,
    ServiceUnavailableError,
    ThrottlingError,
    VersionStatus,
)
from registration_fsm.cli import main
from registration_fsm.emulator import Emulator

V = VersionStatus
TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
MakeClient = Callable[..., Any]


def error_of(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


def new_version(emulator: Emulator) -> RegistrationVersion:
    rid = emulator.backend.create_registration(TYPE).registration_id
    return RegistrationVersion.from_info(emulator.backend.peek(rid)[0])


def post(emulator: Emulator, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        emulator.endpoint_url,
        data=body,
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# -- every operation -------------------------------------------------------------------------


def test_every_operation_with_a_stock_client(emulator: Emulator, make_client: MakeClient) -> None:
    client = make_client()
    created = client.create_registration(
        RegistrationType=TYPE, Tags=[{"Key": "team", "Value": "sms"}]
    )
    rid = created["RegistrationId"]
    assert created["RegistrationStatus"] == "CREATED"
    assert created["CurrentVersionNumber"] == 1
    assert created["Tags"] == [{"Key": "team", "Value": "sms"}]
    assert created["ResponseMetadata"]["RequestId"]

    submitted = client.submit_registration_version(RegistrationId=rid, AwsReview=True)
    assert submitted["RegistrationVersionStatus"] == "AWS_REVIEWING"
    assert submitted["AwsReview"] is True
    history = submitted["RegistrationVersionStatusHistory"]
    assert history["SubmittedTimestamp"] == history["AwsReviewingTimestamp"]

    emulator.backend.play_aws(rid, "deny")
    draft = client.create_registration_version(RegistrationId=created["RegistrationArn"])
    assert (draft["VersionNumber"], draft["RegistrationVersionStatus"]) == (2, "DRAFT")

    discarded = client.discard_registration_version(RegistrationId=rid)
    assert discarded["RegistrationVersionStatus"] == "DISCARDED"
    assert "DiscardedTimestamp" in discarded["RegistrationVersionStatusHistory"]

    versions = client.describe_registration_versions(RegistrationId=rid)
    assert [v["RegistrationVersionStatus"] for v in versions["RegistrationVersions"]] == [
        "DENIED",
        "DISCARDED",
    ]
    assert versions["RegistrationArn"] == created["RegistrationArn"]
    registrations = client.describe_registrations(RegistrationIds=[rid])["Registrations"]
    assert registrations[0]["LatestDeniedVersionNumber"] == 1
    assert registrations[0]["RegistrationStatus"] == "REQUIRES_UPDATES"


def test_timestamps_survive_the_wire(emulator: Emulator, make_client: MakeClient) -> None:
    client = make_client()
    rid = client.create_registration(RegistrationType=TYPE)["RegistrationId"]
    client.submit_registration_version(RegistrationId=rid)
    remote = AwsBackend(client).describe_versions(rid)
    assert remote == emulator.backend.peek(rid)


def test_describe_registration_versions_pages(emulator: Emulator, make_client: MakeClient) -> None:
    client = make_client()
    rid = client.create_registration(RegistrationType=TYPE)["RegistrationId"]
    for _ in range(4):
        client.discard_registration_version(RegistrationId=rid)
        client.create_registration_version(RegistrationId=rid)
    pages = list(
        client.get_paginator("describe_registration_versions").paginate(
            RegistrationId=rid, PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(p["RegistrationVersions"]) for p in pages] == [2, 2, 1]
    numbers = [v["VersionNumber"] for p in pages for v in p["RegistrationVersions"]]
    assert numbers == [1, 2, 3, 4, 5]
    discarded = client.describe_registration_versions(
        RegistrationId=rid,
        Filters=[{"Name": "registration-version-status", "Values": ["DISCARDED"]}],
        MaxResults=3,
    )
    assert [v["VersionNumber"] for v in discarded["RegistrationVersions"]] == [1, 2, 3]
    second = client.describe_registration_versions(
        RegistrationId=rid,
        Filters=[{"Name": "registration-version-status", "Values": ["DISCARDED"]}],
        MaxResults=3,
        NextToken=discarded["NextToken"],
    )
    assert [v["VersionNumber"] for v in second["RegistrationVersions"]] == [4]
    assert "NextToken" not in second
    picked = client.describe_registration_versions(RegistrationId=rid, VersionNumbers=[5, 2])
    assert [v["VersionNumber"] for v in picked["RegistrationVersions"]] == [2, 5]
    backend = AwsBackend(client, page_size=1)
    assert [v.version_number for v in backend.describe_versions(rid)] == [1, 2, 3, 4, 5]


def test_describe_registrations_pages_and_filters(
    emulator: Emulator, make_client: MakeClient
) -> None:
    client = make_client()
    ids = [client.create_registration(RegistrationType=TYPE)["RegistrationId"] for _ in range(3)]
    other = client.create_registration(RegistrationType="US_TOLL_FREE_REGISTRATION")
    client.submit_registration_version(RegistrationId=other["RegistrationId"])
    pages = list(
        client.get_paginator("describe_registrations").paginate(PaginationConfig={"PageSize": 3})
    )
    assert [len(p["Registrations"]) for p in pages] == [3, 1]
    found = client.describe_registrations(
        Filters=[{"Name": "registration-type", "Values": [TYPE]}]
    )["Registrations"]
    assert [r["RegistrationId"] for r in found] == ids
    submitted = client.describe_registrations(
        Filters=[{"Name": "registration-status", "Values": ["SUBMITTED"]}]
    )["Registrations"]
    assert [r["RegistrationId"] for r in submitted] == [other["RegistrationId"]]


# -- errors --------------------------------------------------------------------------------------


def test_errors_carry_their_modelled_fields(emulator: Emulator, make_client: MakeClient) -> None:
    client = make_client()
    rid = client.create_registration(RegistrationType=TYPE)["RegistrationId"]

    conflict = error_of(lambda: client.create_registration_version(RegistrationId=rid))
    assert conflict["Error"]["Code"] == "ConflictException"
    assert conflict["Reason"] == "CREATE_REGISTRATION_VERSION_NOT_ALLOWED"
    assert (conflict["ResourceType"], conflict["ResourceId"]) == ("registration", rid)
    assert conflict["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert conflict["ResponseMetadata"]["RequestId"]

    missing = "registration-ffffffffffffffffffffffffffffffff"
    not_found = error_of(lambda: client.submit_registration_version(RegistrationId=missing))
    assert not_found["Error"]["Code"] == "ResourceNotFoundException"
    assert not_found["ResourceId"] == missing

    invalid = error_of(lambda: client.discard_registration_version(RegistrationId="bad id"))
    assert invalid["Error"]["Code"] == "ValidationException"
    assert invalid["Reason"] == "FIELD_VALIDATION_FAILED"
    assert invalid["Fields"][0]["Name"] == "RegistrationId"

    too_many = error_of(
        lambda: client.describe_registration_versions(
            RegistrationId=rid, VersionNumbers=[1, 2, 3, 4, 5, 6]
        )
    )
    assert too_many["Fields"][0]["Name"] == "VersionNumbers"
    unknown = error_of(
        lambda: client.describe_registration_versions(RegistrationId=rid, VersionNumbers=[9])
    )
    assert unknown["Reason"] == "UNKNOWN_REGISTRATION_VERSION"
    page = error_of(lambda: client.describe_registrations(MaxResults=101))
    assert page["Fields"][0]["Name"] == "MaxResults"
    token = error_of(
        lambda: client.describe_registration_versions(RegistrationId=rid, NextToken="forged")
    )
    assert token["Reason"] == "INVALID_NEXT_TOKEN"
    bad_type = error_of(lambda: client.create_registration(RegistrationType="no-dashes"))
    assert bad_type["Fields"][0]["Name"] == "RegistrationType"


def test_errors_through_aws_backend(emulator: Emulator, make_client: MakeClient) -> None:
    backend = AwsBackend(make_client())
    rid = backend.create_registration(TYPE).registration_id
    backend.submit(rid)
    with pytest.raises(ConflictError) as caught:
        backend.create_version(rid)
    assert caught.value.reason == "CREATE_REGISTRATION_VERSION_NOT_ALLOWED"
    assert caught.value.request_id


def test_the_version_quota(make_client: MakeClient, boto3_session: Any) -> None:
    with Emulator(InMemoryBackend(max_versions_per_day=0)) as emulator:
        client = boto3_session.client("pinpoint-sms-voice-v2", endpoint_url=emulator.endpoint_url)
        rid = client.create_registration(RegistrationType=TYPE)["RegistrationId"]
        client.discard_registration_version(RegistrationId=rid)
        quota = error_of(lambda: client.create_registration_version(RegistrationId=rid))
    assert quota["Error"]["Code"] == "ServiceQuotaExceededException"
    assert quota["Reason"] == "REGISTRATION_VERSIONS_CREATED_PER_DAY"


def test_requests_outside_the_protocol(emulator: Emulator) -> None:
    status, body = post(emulator, "PinpointSMSVoiceV2.SendTextMessage", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    status, body = post(emulator, "PinpointSMSVoiceV2.CreateRegistration", b"not json")
    assert (status, body["__type"]) == (400, "SerializationException")
    status, body = post(emulator, "PinpointSMSVoiceV2.CreateRegistration", b"{}")
    assert (status, body["Reason"]) == (400, "MISSING_PARAMETER")


# -- retries and faults ----------------------------------------------------------------------


def test_throttling_that_botocore_retries_then_succeeds(
    emulator: Emulator, make_client: MakeClient, backoffs: list[float]
) -> None:
    client = make_client(attempts=3)
    version = new_version(emulator)
    emulator.backend.inject(FaultKind.THROTTLING, operation="submit")
    assert version.submit(AwsBackend(client)) is V.SUBMITTED
    submits = [c for c in emulator.backend.calls if c[0] == "submit"]
    assert len(submits) == 2
    assert len(backoffs) == 1
    assert [a[0] for a in emulator.backend.applied].count("submit") == 1


def test_throttling_that_outlasts_the_retries(
    emulator: Emulator, make_client: MakeClient, backoffs: list[float]
) -> None:
    client = make_client(attempts=3)
    version = new_version(emulator)
    before = version.to_dict()
    emulator.backend.inject(FaultKind.THROTTLING, operation="submit", count=3)
    with pytest.raises(ThrottlingError) as caught:
        version.submit(AwsBackend(client))
    assert caught.value.code == "ThrottlingException"
    assert caught.value.retryable
    assert version.to_dict() == before
    assert len([c for c in emulator.backend.calls if c[0] == "submit"]) == 3
    assert len(backoffs) == 2
    assert emulator.backend.peek(version.registration_id)[0].status is V.DRAFT
    response = error_of(lambda: client.discard_registration_version(RegistrationId="x-1"))
    assert response["ResponseMetadata"]["RetryAttempts"] == 0


def test_raw_throttling_reports_its_retries(
    emulator: Emulator, make_client: MakeClient, backoffs: list[float]
) -> None:
    client = make_client(attempts=2)
    emulator.backend.inject(FaultKind.THROTTLING, count=2)
    response = error_of(client.describe_registrations)
    assert response["Error"]["Code"] == "ThrottlingException"
    assert response["ResponseMetadata"]["RetryAttempts"] == 1


def test_an_internal_error_is_retried(
    emulator: Emulator, make_client: MakeClient, backoffs: list[float]
) -> None:
    client = make_client()
    emulator.backend.inject(FaultKind.INTERNAL_ERROR, operation="create_registration")
    response = client.create_registration(RegistrationType=TYPE)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert len(emulator.backend.describe_registrations()) == 1


def test_a_lost_submit_answer_is_recovered_exactly_once(
    emulator: Emulator, make_client: MakeClient, backoffs: list[float]
) -> None:
    version = new_version(emulator)
    emulator.backend.inject(FaultKind.LOST_ANSWER, operation="submit")
    assert version.submit(AwsBackend(make_client())) is V.SUBMITTED
    (truth,) = emulator.backend.peek(version.registration_id)
    assert version.history == truth.history
    operations = [c[0] for c in emulator.backend.calls]
    # the lost answer, botocore's retry (REGISTRATION_ALREADY_SUBMITTED), then the read-back
    assert operations[-3:] == ["submit", "submit", "describe_versions"]
    assert [a[0] for a in emulator.backend.applied].count("submit") == 1


@pytest.mark.parametrize(
    ("kind", "took_effect"), [(FaultKind.LOST_ANSWER, True), (FaultKind.TIMEOUT, False)]
)
def test_no_answer_without_retries_is_read_back(
    emulator: Emulator,
    make_client: MakeClient,
    kind: FaultKind,
    took_effect: bool,
) -> None:
    version = new_version(emulator)
    emulator.backend.inject(kind, operation="submit")
    backend = AwsBackend(make_client(attempts=1))
    if took_effect:
        assert version.submit(backend) is V.SUBMITTED
    else:
        with pytest.raises(ServiceUnavailableError) as caught:
            version.submit(backend)
        assert caught.value.code == "ConnectionClosedError"
        assert version.status is V.DRAFT
    truth = emulator.backend.peek(version.registration_id)[0]
    assert truth.status is version.status


def test_a_lost_discard_answer_is_recovered(
    emulator: Emulator, make_client: MakeClient, backoffs: list[float]
) -> None:
    version = new_version(emulator)
    emulator.backend.inject(FaultKind.LOST_ANSWER, operation="discard")
    assert version.discard(AwsBackend(make_client())) is V.DISCARDED
    assert [a[0] for a in emulator.backend.applied].count("discard") == 1


def test_a_lost_create_version_answer_is_recovered(
    emulator: Emulator, make_client: MakeClient, backoffs: list[float]
) -> None:
    rid = emulator.backend.create_registration(TYPE).registration_id
    emulator.backend.discard(rid)
    emulator.backend.inject(FaultKind.LOST_ANSWER, operation="create_version")
    info = AwsBackend(make_client()).create_version(rid)
    assert (info.version_number, info.status) == (2, V.DRAFT)
    assert [a[0] for a in emulator.backend.applied].count("create_version") == 1


def test_a_lost_create_registration_answer_creates_one(
    emulator: Emulator, make_client: MakeClient, backoffs: list[float]
) -> None:
    emulator.backend.inject(FaultKind.LOST_ANSWER, operation="create_registration")
    info = AwsBackend(make_client()).create_registration(TYPE)
    # botocore resent the ClientToken it had filled in, so the retry found the first one
    assert [r.registration_id for r in emulator.backend.describe_registrations()] == [
        info.registration_id
    ]


# -- control operations, lifecycle of the server, command line ----------------------------------


def test_the_aws_side_can_be_played_over_http(emulator: Emulator) -> None:
    rid = emulator.backend.create_registration(TYPE).registration_id
    emulator.backend.submit(rid)
    status, body = post(
        emulator,
        "RegistrationFsmEmulator.PlayAws",
        json.dumps(
            {
                "RegistrationId": rid,
                "Trigger": "deny",
                "DeniedReasons": [{"Reason": "R", "ShortDescription": "S"}],
                "Feedback": "F",
            }
        ).encode(),
    )
    assert (status, body["RegistrationVersionStatus"]) == (200, "DENIED")
    assert body["DeniedReasons"] == [{"Reason": "R", "ShortDescription": "S"}]
    status, body = post(
        emulator,
        "RegistrationFsmEmulator.PlayAws",
        json.dumps({"RegistrationId": rid, "Trigger": "approve"}).encode(),
    )
    assert (status, body["__type"]) == (400, "InvalidTransition")


def test_faults_can_be_injected_over_http(emulator: Emulator) -> None:
    status, body = post(
        emulator,
        "RegistrationFsmEmulator.InjectFault",
        json.dumps({"Kind": "THROTTLING", "Operation": "SubmitRegistrationVersion"}).encode(),
    )
    assert (status, body) == (200, {"PendingFaults": 1})
    assert emulator.backend.pending_faults == ((FaultKind.THROTTLING, "submit", 1),)
    status, body = post(
        emulator, "RegistrationFsmEmulator.InjectFault", json.dumps({"Kind": "FLOOD"}).encode()
    )
    assert (status, body["__type"]) == (400, "ValidationException")


def test_the_emulator_checks_its_arguments_and_frees_its_port() -> None:
    with pytest.raises(InvalidValueError):
        Emulator(port=70000)
    with pytest.raises(InvalidValueError):
        Emulator(backend=object())  # type: ignore[arg-type]
    emulator = Emulator()
    port = emulator.port
    assert emulator.endpoint_url == f"http://127.0.0.1:{port}"
    with emulator:
        pass
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_the_command_line_reports_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        assert main(["emulator", "--port", str(port)], stdout=out, stderr=err) == 2
    assert "cannot listen on 127.0.0.1" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_the_command_line_serves_until_interrupted(boto3_session: Any) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "registration_fsm", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("registration-fsm emulator listening on http://127.0.0.1:")
        endpoint = line.rsplit(" ", 1)[1].strip()
        client = boto3_session.client("pinpoint-sms-voice-v2", endpoint_url=endpoint)
        created = client.create_registration(RegistrationType=TYPE)
        assert created["RegistrationStatus"] == "CREATED"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "stopped" in out
