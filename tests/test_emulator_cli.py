"""The emulator's command line: state kept across restarts, catalogues, seeds, wall clock."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from registration_fsm.cli import main

TYPE = "US_TEN_DLC_BRAND_REGISTRATION"


@contextmanager
def serving(*flags: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "registration_fsm", "emulator", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("registration-fsm emulator listening on "), process.stderr
        yield line.rsplit(" ", 1)[1].strip(), process
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_state_survives_a_restart(boto3_session: Any, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with serving("--state", str(state)) as (endpoint, _):
        client = boto3_session.client("pinpoint-sms-voice-v2", endpoint_url=endpoint)
        rid = client.create_registration(RegistrationType=TYPE)["RegistrationId"]
        client.submit_registration_version(RegistrationId=rid)
    assert json.loads(state.read_text())["registrations"][0]["id"] == rid
    with serving("--state", str(state)) as (endpoint, _):
        client = boto3_session.client("pinpoint-sms-voice-v2", endpoint_url=endpoint)
        (version,) = client.describe_registration_versions(RegistrationId=rid)[
            "RegistrationVersions"
        ]
        assert version["RegistrationVersionStatus"] == "SUBMITTED"
        second = client.create_registration(RegistrationType=TYPE)["RegistrationId"]
        assert second != rid


def test_seed_wall_clock_and_a_captured_catalogue(boto3_session: Any, tmp_path: Path) -> None:
    types = tmp_path / "types.json"
    types.write_text(
        json.dumps(
            {
                "RegistrationTypeDefinitions": [
                    {"RegistrationType": "ZZ_CAPTURED", "DisplayHints": {"Title": "Captured"}}
                ]
            }
        )
    )
    ids = []
    for seed in ("1", "2"):
        before = datetime.now(timezone.utc).replace(microsecond=0)
        with serving("--seed", seed, "--wall-clock", "--catalogue", str(types)) as (endpoint, _):
            client = boto3_session.client("pinpoint-sms-voice-v2", endpoint_url=endpoint)
            created = client.create_registration(RegistrationType="ZZ_CAPTURED")
            ids.append(created["RegistrationId"])
            assert created["CreatedTimestamp"] >= before
    assert ids[0] != ids[1]


def test_a_bad_catalogue_or_state_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    for flags in (["--catalogue", str(bad)], ["--state", str(bad)]):
        out, err = io.StringIO(), io.StringIO()
        assert main(["emulator", "--port", "0", *flags], stdout=out, stderr=err) == 2
        assert len(err.getvalue().splitlines()) == 1
        assert "Traceback" not in err.getvalue()


def _play(endpoint: str, rid: str, trigger: str) -> dict[str, Any]:
    import urllib.request

    request = urllib.request.Request(
        endpoint,
        data=json.dumps({"RegistrationId": rid, "Trigger": trigger}).encode(),
        headers={
            "X-Amz-Target": "RegistrationFsmEmulator.PlayAws",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: dict[str, Any] = json.loads(answer.read())
        return result


def test_the_emulator_denies_an_incomplete_version_by_default(boto3_session: Any) -> None:
    """As AWS was observed to: an empty draft is accepted, then denied when reviewed."""
    for flags, expected in (((), "DENIED"), (("--no-deny-incomplete",), "REVIEWING")):
        with serving(*flags) as (endpoint, _):
            client = boto3_session.client("pinpoint-sms-voice-v2", endpoint_url=endpoint)
            rid = client.create_registration(RegistrationType=TYPE)["RegistrationId"]
            submitted = client.submit_registration_version(RegistrationId=rid)
            assert submitted["RegistrationVersionStatus"] == "SUBMITTED"
            played = _play(endpoint, rid, "begin_review")
            assert played["RegistrationVersionStatus"] == expected, flags
            if expected == "DENIED":
                assert played["DeniedReasons"][0]["Reason"] == "REQUIRED_FIELDS_MISSING"
