from __future__ import annotations

import io
import json
import subprocess
import sys

from registration_fsm import StatusHistory
from registration_fsm.cli import main


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_demo_walks_a_full_life_and_prints_aws_shaped_histories() -> None:
    code, out, err = _run("demo")
    assert code == 0, err
    for status in ("DRAFT", "SUBMITTED", "REVIEWING", "APPROVED", "ARCHIVED"):
        assert status in out
    payload = json.loads(out[out.index("{") : out.rindex("}") + 1])
    versions = {v["VersionNumber"]: v for v in payload["RegistrationVersions"]}
    assert versions[1]["RegistrationVersionStatus"] == "ARCHIVED"
    assert versions[2]["RegistrationVersionStatus"] == "APPROVED"
    for item in versions.values():
        StatusHistory.from_aws(item["RegistrationVersionStatusHistory"])


def test_demo_is_deterministic() -> None:
    assert _run("demo")[1] == _run("demo")[1]


def test_usage_errors_exit_2_without_a_traceback() -> None:
    code, _, err = _run("no-such-command")
    assert code == 2
    assert "invalid choice" in err
    assert "Traceback" not in err


def test_no_command_prints_help_and_exits_2() -> None:
    code, _, err = _run()
    assert code == 2
    assert "demo" in err


def test_python_dash_m_runs_the_same_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "registration_fsm", "demo"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ARCHIVED" in result.stdout
