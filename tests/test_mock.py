"""mock_sms_voice: stock boto3 clients answered in-process by the simulator, no port."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from model_checks import ModelChecker

from registration_fsm import AwsBackend, FaultKind, InMemoryBackend, VersionStatus
from registration_fsm.testing import SmsVoiceMock, mock_sms_voice

pytest_plugins = ["registration_fsm.testing.pytest_plugin"]

TYPE = "US_TEN_DLC_BRAND_REGISTRATION"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any connection attempt fails the test: the mock must answer without one."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a connection was attempted: {args!r}")

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return


def client(**config: Any) -> Any:
    return boto3.session.Session().client(
        "pinpoint-sms-voice-v2",
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}, **config),
    )


def test_a_context_manager_answers_every_client_with_the_simulator() -> None:
    with mock_sms_voice() as mock:
        sms = client()
        checker = ModelChecker()
        sms.meta.events.register("after-call.pinpoint-sms-voice-v2", checker)
        rid = sms.create_registration(RegistrationType=TYPE)["RegistrationId"]
        sms.put_registration_field_value(
            RegistrationId=rid, FieldPath="companyInfo.taxId", TextValue="123456789"
        )
        submitted = sms.submit_registration_version(RegistrationId=rid)
        assert submitted["RegistrationVersionStatus"] == "SUBMITTED"
        mock.backend.play_aws(rid, "deny")
        with pytest.raises(ClientError) as caught:
            sms.submit_registration_version(RegistrationId=rid)
        assert caught.value.response["Reason"] == "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"
        assert mock.backend.peek(rid)[0].status is VersionStatus.DENIED
    assert checker.answered == {
        "CreateRegistration",
        "PutRegistrationFieldValue",
        "SubmitRegistrationVersion",
    }
    assert checker.refused == {"SubmitRegistrationVersion"}
    assert mock.requests == 4
    assert "AWS_ACCESS_KEY_ID" not in os.environ  # the dummy credentials are gone again


def test_outside_the_mock_requests_are_sent_for_real() -> None:
    with mock_sms_voice():
        pass
    os.environ["AWS_ACCESS_KEY_ID"] = os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    sms = boto3.session.Session().client(
        "pinpoint-sms-voice-v2", region_name="us-east-1", endpoint_url="http://127.0.0.1:9"
    )
    with pytest.raises(HTTPClientError, match="a connection was attempted"):
        sms.describe_registrations()


backend_for_decorator = InMemoryBackend()


@mock_sms_voice(backend=backend_for_decorator)
def test_as_a_decorator() -> None:
    created = client().create_registration(RegistrationType=TYPE)
    assert [r.registration_id for r in backend_for_decorator.describe_registrations()] == [
        created["RegistrationId"]
    ]


@mock_sms_voice
def test_as_a_bare_decorator() -> None:
    assert client().describe_registrations()["Registrations"] == []


def test_as_a_fixture(sms_voice_mock: SmsVoiceMock) -> None:
    rid = client().create_registration(RegistrationType=TYPE)["RegistrationId"]
    assert sms_voice_mock.backend.peek(rid)[0].status is VersionStatus.DRAFT


def test_faults_reach_botocore_as_from_aws(
    sms_voice_mock: SmsVoiceMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # botocore's backoff
    backend = sms_voice_mock.backend
    rid = backend.create_registration(TYPE).registration_id
    backend.inject(FaultKind.THROTTLING, operation="submit")
    backend.inject(FaultKind.LOST_ANSWER, operation="submit")
    info = AwsBackend(client()).submit(rid)
    assert info.status is VersionStatus.SUBMITTED
    assert [c[0] for c in backend.calls].count("submit") == 3  # throttled, lost, already
    assert [a[0] for a in backend.applied].count("submit") == 1


def test_mocks_nest_and_the_innermost_answers() -> None:
    outer, inner = InMemoryBackend(), InMemoryBackend()
    with mock_sms_voice(backend=outer):
        with mock_sms_voice(backend=inner):
            client().create_registration(RegistrationType=TYPE)
        client().create_registration(RegistrationType=TYPE)
        client().create_registration(RegistrationType=TYPE)
    assert (len(inner.describe_registrations()), len(outer.describe_registrations())) == (1, 2)
