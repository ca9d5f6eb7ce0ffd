from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pytest

from registration_fsm import (
    LIFECYCLE,
    RegistrationVersion,
    StatusHistory,
    SteppingClock,
    lifecycle_diagram,
    load_service_model,
    path_diagram,
    render_dot,
    render_mermaid,
)
from registration_fsm.cli import main

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def failed(argv: list[str], message: str) -> str:
    code, out, err = run(*argv)
    assert (code, out) == (2, ""), err
    assert err.startswith("registration-fsm: error: ") or err.startswith("usage:"), err
    assert message in err
    assert "Traceback" not in err
    return err


def version(*triggers: str, number: int = 1) -> RegistrationVersion:
    item = RegistrationVersion.new(
        RID, number, registration_arn=ARN, clock=SteppingClock(T0, timedelta(minutes=7))
    )
    for trigger in triggers:
        item.fire(trigger)
    return item


def epoch(history: dict[str, datetime]) -> dict[str, float]:
    """A history as the wire format carries it: epoch seconds."""
    return {key: stamp.timestamp() for key, stamp in history.items()}


def write(tmp_path: Path, data: Any, name: str = "input.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


# -- the parser ------------------------------------------------------------------------------


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out) == (0, f"registration-fsm {package_version('registration-fsm')}\n")


def test_no_command_prints_the_help_and_fails() -> None:
    code, out, err = run()
    assert (code, out) == (2, "")
    assert err.startswith("usage: registration-fsm")
    for command in ("demo", "transitions", "diagram", "check-drift"):
        assert command in err


def test_usage_errors_exit_2() -> None:
    failed(["frobnicate"], "invalid choice: 'frobnicate'")
    failed(["transitions", "--format", "yaml"], "invalid choice: 'yaml'")
    failed(["diagram", "--version-number", "two", "x.json"], "invalid int value: 'two'")


def test_python_dash_m_runs_the_same_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "registration_fsm", "transitions", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == len(LIFECYCLE.edges)


def test_the_version_to_draw_is_version_number_not_the_global_version(tmp_path: Path) -> None:
    """``diagram --version N`` used to shadow the program's ``--version``; the old spelling
    is a usage error that names the new one, and the global option still works."""
    path = write(tmp_path, describe_output())
    for argv in (["diagram", path, "--version", "1"], ["diagram", "--version"]):
        err = failed(argv, "--version is now --version-number")
        assert err.startswith("usage: registration-fsm diagram")
    code, out, _ = run("--version", "diagram")
    assert (code, out) == (0, f"registration-fsm {package_version('registration-fsm')}\n")


def test_an_error_line_carries_awss_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two refusals whose messages read alike are told apart by the Reason AWS gives: the
    simulator's real ConflictExceptions, raised where the demo would run."""
    from registration_fsm import InMemoryBackend

    backend = InMemoryBackend(SteppingClock(T0, timedelta(minutes=7)))
    submitted = backend.create_registration("US_TEN_DLC_BRAND_REGISTRATION").registration_id
    backend.submit(submitted)
    discarded = backend.create_registration("US_TEN_DLC_BRAND_REGISTRATION").registration_id
    backend.discard(discarded)
    for rid, reason in (
        (submitted, "REGISTRATION_ALREADY_SUBMITTED"),
        (discarded, "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"),
    ):

        def submit(out: object, rid: str = rid) -> int:
            backend.submit(rid)
            return 0

        monkeypatch.setattr("registration_fsm._demo.run_demo", submit)
        err = failed(["demo"], f"ConflictException: Registration {rid} version 1 ")
        assert err.endswith(f" (Reason: {reason})\n")
        assert err.count("\n") == 1


# -- demo ------------------------------------------------------------------------------------


def test_demo_ends_with_the_path_of_version_1() -> None:
    code, out, err = run("demo")
    assert (code, err) == (0, "")
    assert out.startswith("Registration registration-")
    marker = "Version 1's path through the lifecycle, as a Mermaid diagram:\n"
    assert marker in out
    diagram = out.split(marker, 1)[1]
    assert diagram.startswith('---\ntitle: "registration-')
    assert ' version 1: ARCHIVED"\n---\nflowchart TD\n' in diagram
    assert '    APPROVED -->|"step 4: archive<br/>2026-01-05T11:41:00Z"| ARCHIVED\n' in diagram
    assert "    class ARCHIVED current\n" in diagram


# -- transitions -----------------------------------------------------------------------------


def test_transitions_as_a_table() -> None:
    code, out, _ = run("transitions")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["FROM", "TRIGGER", "TO", "INITIATOR", "PROVENANCE"]
    assert [row.split() for row in rows] == [
        [e.source.value, e.trigger, e.dest.value, e.initiator.value, e.provenance.value]
        for e in LIFECYCLE.edges
    ]
    assert len({row.index(row.split()[1]) for row in rows}) == 1  # the columns line up


def test_transitions_as_json() -> None:
    code, out, _ = run("transitions", "--format", "json")
    assert code == 0
    assert json.loads(out) == [
        {
            "from": e.source.value,
            "trigger": e.trigger,
            "to": e.dest.value,
            "initiator": e.initiator.value,
            "provenance": e.provenance.value,
            "note": e.note,
        }
        for e in LIFECYCLE.edges
    ]


def test_transitions_as_markdown() -> None:
    code, out, _ = run("transitions", "--format", "markdown")
    assert code == 0
    header, rule, *rows = out.splitlines()
    assert header == "| from | trigger | to | initiator | provenance | note |"
    assert rule == "|---|---|---|---|---|---|"
    assert rows == [
        f"| {e.source.value} | {e.trigger} | {e.dest.value} | {e.initiator.value} "
        f"| {e.provenance.value} | {e.note} |"
        for e in LIFECYCLE.edges
    ]


# -- diagram ---------------------------------------------------------------------------------


def test_the_lifecycle_diagram_matches_the_committed_files() -> None:
    code, out, _ = run("diagram")
    assert code == 0
    assert out == render_mermaid(lifecycle_diagram())
    assert out == (ROOT / "diagrams" / "lifecycle.mmd").read_text(encoding="utf-8")
    code, out, _ = run("diagram", "--format", "dot")
    assert code == 0
    assert out == render_dot(lifecycle_diagram())


def test_the_lifecycle_as_svg(graphviz_dot: str, tmp_path: Path) -> None:
    code, out, _ = run("diagram", "--format", "svg")
    assert code == 0
    assert "<svg" in out
    assert "<title>REQUIRES_OFFLINE_REVIEW</title>" in out
    target = tmp_path / "lifecycle.svg"
    code, out, _ = run("diagram", "--format", "svg", "--output", str(target))
    assert (code, out) == (0, "")
    assert "<title>ARCHIVED</title>" in target.read_text(encoding="utf-8")


def test_diagram_writes_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "lifecycle.dot"
    code, out, _ = run("diagram", "--format", "dot", "-o", str(target))
    assert (code, out) == (0, "")
    assert target.read_text(encoding="utf-8") == render_dot(lifecycle_diagram())
    failed(
        ["diagram", "--output", str(tmp_path / "missing" / "x.mmd")],
        "cannot write " + str(tmp_path / "missing" / "x.mmd"),
    )


def test_the_path_of_a_snapshot(tmp_path: Path) -> None:
    item = version("submit", "begin_review", "deny")
    code, out, _ = run("diagram", write(tmp_path, item.to_dict()))
    assert code == 0
    assert out == render_mermaid(path_diagram(item))
    assert "step 3: deny" in out


def test_the_path_of_a_submit_result_in_aws_json(tmp_path: Path) -> None:
    item = version("submit")
    result = {
        "RegistrationArn": ARN,
        "RegistrationId": RID,
        "VersionNumber": 1,
        "RegistrationVersionStatus": "SUBMITTED",
        "RegistrationVersionStatusHistory": epoch(item.history.to_aws()),
        "AwsReview": False,
    }
    code, out, _ = run("diagram", write(tmp_path, result), "--format", "dot")
    assert code == 0
    assert out == render_dot(path_diagram(item))
    assert "step 1: submit\\n2026-01-05T09:07:00Z" in out


def describe_output() -> dict[str, Any]:
    first = version("submit", "begin_review", "deny")
    second = version("submit", "begin_review", "approve", number=2)
    return {
        "RegistrationArn": ARN,
        "RegistrationId": RID,
        "RegistrationVersions": [
            {**second.to_aws(), "RegistrationVersionStatusHistory": second.history.to_json()},
            {**first.to_aws(), "RegistrationVersionStatusHistory": first.history.to_json()},
        ],
    }


def test_the_path_of_a_described_version_defaults_to_the_latest(tmp_path: Path) -> None:
    path = write(tmp_path, describe_output())
    code, out, _ = run("diagram", path)
    assert code == 0
    assert f'title: "{RID} version 2: APPROVED"' in out
    code, out, _ = run("diagram", path, "--version-number", "1")
    assert code == 0
    assert f'title: "{RID} version 1: DENIED"' in out
    failed(
        ["diagram", path, "--version-number", "3"],
        "no version 3 in the file; it holds versions 1, 2",
    )


def test_the_path_read_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(describe_output())))
    code, out, _ = run("diagram", "-", "--version-number", "1")
    assert code == 0
    assert "step 3: deny" in out


def test_the_path_as_svg(graphviz_dot: str, tmp_path: Path) -> None:
    code, out, _ = run("diagram", write(tmp_path, describe_output()), "--format", "svg")
    assert code == 0
    assert "step 3: approve" in out
    assert out.lstrip().startswith("<?xml")


def test_bad_diagram_inputs_are_errors_not_tracebacks(tmp_path: Path) -> None:
    failed(["diagram", str(tmp_path / "nope.json")], "nope.json: no such file")
    failed(["diagram", write(tmp_path, "{oops")], "not JSON: Expecting property name")
    failed(["diagram", write(tmp_path, "[1, 2]")], "expected a JSON object, got list")
    failed(["diagram", write(tmp_path, {"hello": 1})], "not a version snapshot")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    failed(["diagram", str(tmp_path / "binary.json")], "not UTF-16 text")
    failed(["diagram", "--version-number", "2"], "give FILE too")

    snapshot = version("submit").to_dict()
    failed(["diagram", write(tmp_path, snapshot), "--version-number", "2"], "holds version 1")
    unknown = {**snapshot, "status": "PENDING_CARRIER"}
    failed(["diagram", write(tmp_path, unknown)], "unknown RegistrationVersionStatus")

    impossible = {
        "RegistrationId": RID,
        "VersionNumber": 1,
        "RegistrationVersionStatus": "APPROVED",
        "RegistrationVersionStatusHistory": {
            "DraftTimestamp": "2026-01-05T09:00:00Z",
            "DeniedTimestamp": "2026-01-05T09:10:00Z",
            "ApprovedTimestamp": "2026-01-05T09:20:00Z",
        },
    }
    failed(["diagram", write(tmp_path, impossible)], "no legal path from DRAFT")

    described = describe_output()
    empty = {**described, "RegistrationVersions": []}
    failed(["diagram", write(tmp_path, empty)], "expected a non-empty list")
    unnumbered = copy.deepcopy(described)
    del unnumbered["RegistrationVersions"][0]["VersionNumber"]
    failed(["diagram", write(tmp_path, unnumbered)], "expected an integer")


# -- check-drift -----------------------------------------------------------------------------


def test_check_drift_is_green_against_the_installed_botocore() -> None:
    code, out, err = run("check-drift")
    assert (code, err) == (0, "")
    assert out.startswith("Compared with botocore ")
    assert out.endswith("No drift.\n")


def test_check_drift_exits_1_on_drift(tmp_path: Path) -> None:
    model, _ = load_service_model()
    changed = copy.deepcopy(model)
    changed["shapes"]["RegistrationVersionStatus"]["enum"].append("PENDING_CARRIER")
    code, out, err = run("check-drift", "--model", write(tmp_path, changed, "service-2.json"))
    assert (code, err) == (1, "")
    assert "RegistrationVersionStatus values: AWS has, the library lacks: PENDING_CARRIER\n" in out


def test_check_drift_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failed(["check-drift", "--model", str(tmp_path / "none.json")], "cannot read the model")
    failed(["check-drift", "--model", write(tmp_path, {"shapes": {}})], "no shape")
    monkeypatch.setitem(sys.modules, "botocore", None)
    failed(["check-drift"], "botocore is not available")


# -- a reader that goes away -----------------------------------------------------------------


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_ends_quietly() -> None:
    err = io.StringIO()
    assert main(["transitions"], stdout=_ClosedPipe(), stderr=err) == 1
    assert err.getvalue() == ""


def test_a_closed_pipe_in_a_real_process_prints_no_traceback() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "registration_fsm", "diagram", "--format", "dot"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()  # long before the interpreter has started and written
        stderr = process.stderr.read()
        code = process.wait(timeout=60)
    assert (code, stderr) == (1, b"")


def test_demo_walks_a_full_life_and_prints_aws_shaped_histories() -> None:
    code, out, err = run("demo")
    assert code == 0, err
    for status in ("DRAFT", "SUBMITTED", "REVIEWING", "APPROVED", "ARCHIVED"):
        assert status in out
    payload, _ = json.JSONDecoder().raw_decode(out[out.index("{") :])
    versions = {v["VersionNumber"]: v for v in payload["RegistrationVersions"]}
    assert versions[1]["RegistrationVersionStatus"] == "ARCHIVED"
    assert versions[2]["RegistrationVersionStatus"] == "APPROVED"
    for item in versions.values():
        StatusHistory.from_aws(item["RegistrationVersionStatusHistory"])


def test_demo_is_deterministic() -> None:
    assert run("demo")[1] == run("demo")[1]
