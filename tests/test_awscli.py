"""The AWS CLI (the ``awscli`` package, run as a subprocess) through a whole 10DLC-style
flow against the emulator: the way a user tries the emulator by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from registration_fsm.emulator import Emulator


@pytest.fixture
def aws(emulator: Emulator, tmp_path: Path) -> Any:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key.lower() not in {"http_proxy", "https_proxy"}
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
        NO_PROXY="127.0.0.1",
        HOME=str(tmp_path),
    )

    def run(*args: str, fails: bool = False) -> Any:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "awscli",
                "pinpoint-sms-voice-v2",
                *args,
                "--endpoint-url",
                emulator.endpoint_url,
                "--output",
                "json",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if fails:
            assert result.returncode != 0, result.stdout
            return result.stderr
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}

    return run


def test_a_whole_flow_with_the_aws_cli(aws: Any, emulator: Emulator, tmp_path: Path) -> None:
    kind = "US_TEN_DLC_CAMPAIGN_REGISTRATION"
    fields = aws("describe-registration-field-definitions", "--registration-type", kind)[
        "RegistrationFieldDefinitions"
    ]
    required = [f["FieldPath"] for f in fields if f["FieldRequirement"] == "REQUIRED"]
    assert required == ["campaignInfo.description", "campaignInfo.useCases"]

    rid = aws("create-registration", "--registration-type", kind)["RegistrationId"]
    aws(
        "put-registration-field-value",
        "--registration-id",
        rid,
        "--field-path",
        "campaignInfo.description",
        "--text-value",
        "Appointment reminders " * 3,
    )
    aws(
        "put-registration-field-value",
        "--registration-id",
        rid,
        "--field-path",
        "campaignInfo.useCases",
        "--select-choices",
        "ACCOUNT_NOTIFICATION",
    )
    screenshot = tmp_path / "opt-in.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    attachment = aws(
        "create-registration-attachment", "--attachment-body", f"fileb://{screenshot}"
    )
    assert attachment["AttachmentStatus"] == "UPLOAD_COMPLETE"
    aws(
        "put-registration-field-value",
        "--registration-id",
        rid,
        "--field-path",
        "campaignInfo.optInScreenshot",
        "--registration-attachment-id",
        attachment["RegistrationAttachmentId"],
    )
    values = aws("describe-registration-field-values", "--registration-id", rid)
    assert len(values["RegistrationFieldValues"]) == 3

    submitted = aws("submit-registration-version", "--registration-id", rid)
    assert submitted["RegistrationVersionStatus"] == "SUBMITTED"
    refused = aws("submit-registration-version", "--registration-id", rid, fails=True)
    assert "ConflictException" in refused
    assert "already submitted" in refused
    emulator.backend.play_aws(rid, "begin_review")
    emulator.backend.play_aws(rid, "approve")
    aws(
        "create-registration-association",
        "--registration-id",
        rid,
        "--resource-id",
        "phone-0123456789abcdef0123456789abcdef",
    )
    listed = aws("list-registration-associations", "--registration-id", rid)
    assert [a["ResourceType"] for a in listed["RegistrationAssociations"]] == ["phone-number"]

    second = aws("create-registration-version", "--registration-id", rid)
    assert (second["VersionNumber"], second["RegistrationVersionStatus"]) == (2, "DRAFT")
    discarded = aws("discard-registration-version", "--registration-id", rid)
    assert discarded["RegistrationVersionStatus"] == "DISCARDED"
    versions = aws("describe-registration-versions", "--registration-id", rid)
    assert [v["RegistrationVersionStatus"] for v in versions["RegistrationVersions"]] == [
        "APPROVED",
        "DISCARDED",
    ]
    (registration,) = aws("describe-registrations", "--registration-ids", rid)["Registrations"]
    assert registration["RegistrationStatus"] == "COMPLETE"
