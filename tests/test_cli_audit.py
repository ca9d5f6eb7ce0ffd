"""``registration-fsm audit``: exit 0 clean, 1 findings, 2 unreadable input, never a traceback."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from registration_fsm.cli import main

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "describe-registration-versions.json"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _corrupted(tmp_path: Path) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    archived = data["RegistrationVersions"][-1]
    archived["RegistrationVersionStatus"] = "APPROVED"
    path = tmp_path / "corrupted.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_clean_export_exits_0() -> None:
    code, out, err = _run("audit", str(EXAMPLE))
    assert (code, err) == (0, "")
    assert out == "audited 4 versions of 1 registration in 1 source: no findings\n"


def test_findings_exit_1_one_line_each(tmp_path: Path) -> None:
    path = _corrupted(tmp_path)
    code, out, err = _run("audit", str(path))
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[-1] == "audited 4 versions of 1 registration in 1 source: 2 findings"
    assert any("version 1: impossible_predecessor: ArchivedTimestamp" in line for line in lines)
    assert any("version 1: multiple_approved" in line for line in lines)
    assert all(line.startswith(str(path)) for line in lines[:-1])


def test_json_output(tmp_path: Path) -> None:
    code, out, _ = _run("audit", "--json", str(_corrupted(tmp_path)), str(EXAMPLE))
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert report["errors"] == []
    assert report["versions_checked"] == 4  # the same four versions, read twice
    assert report["registrations_checked"] == 1
    assert {f["kind"] for f in report["findings"]} >= {"multiple_approved", "duplicate_version"}
    for finding in report["findings"]:
        assert set(finding) == {"source", "registration_id", "version_number", "kind", "reason"}
    code, out, _ = _run("audit", "--json", str(EXAMPLE))
    assert code == 0
    assert json.loads(out)["ok"] is True


def test_the_readme_shows_the_real_output() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"```console\n\$ registration-fsm audit (examples/\S+)\n(.*?)```", readme, re.S
    )
    assert block is not None
    code, out, _ = _run("audit", str(ROOT / block.group(1)))
    assert code == 0
    assert out == block.group(2)


def _hostile(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "hostile.json"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"not json at all", "not JSON"),
        (b"", "not JSON"),
        (b"\x80\x81\x82 garbage", "not UTF-8 text"),
        (b"\xff\xfe{\x00 ", "not UTF-16 text"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b"{" + b'"a":{' * 200_000 + b"}" * 200_001, "nested too deeply"),
        (b"42", "the top level is a number"),
        (b'"RegistrationVersions"', "the top level is a string"),
        (b"[1, 2, 3]", "item 0 of the top-level list is a number"),
        (b"null", "the top level is null"),
        (b'{"RegistrationVersions": 5}', "is a number, not a list"),
        (b'{"RegistrationVersions": [], "RegistrationId": []}', "RegistrationId is a list"),
        (b'{"Registrations": {"a": 1}}', "is an object, not a list"),
        (b'{"something": "else"}', "neither RegistrationVersions nor Registrations"),
        (b'{"RegistrationVersions": [Infinity]}', "Infinity is not a JSON value"),
        (b"9" * 10_000, "not valid JSON"),
    ],
)
def test_hostile_input_exits_2_with_a_clear_message(
    tmp_path: Path, content: bytes, text: str
) -> None:
    path = _hostile(tmp_path, content)
    code, out, err = _run("audit", str(path))
    assert code == 2
    assert err.startswith(f"registration-fsm: error: {path}: ")
    assert text in err
    assert "Traceback" not in err + out


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = _hostile(tmp_path, b'{"RegistrationVersions": [' + b" " * 4096 + b"]}")
    code, _, err = _run("audit", "--max-bytes", "1024", str(path))
    assert code == 2
    assert "larger than the limit of 1024 bytes" in err


def test_missing_files_and_directories_exit_2(tmp_path: Path) -> None:
    code, _, err = _run("audit", str(tmp_path / "missing.json"))
    assert code == 2
    assert "no such file" in err
    code, _, err = _run("audit", str(tmp_path))
    assert code == 2
    assert "is a directory" in err


def test_readable_files_are_still_audited_when_another_is_not(tmp_path: Path) -> None:
    bad = _hostile(tmp_path, b"{")
    missing = tmp_path / "missing.json"
    code, out, err = _run("audit", str(EXAMPLE), str(bad), str(missing))
    assert code == 2
    assert "audited 4 versions of 1 registration in 1 source" in out
    assert err.splitlines() == [
        f"registration-fsm: error: {bad}: not JSON: Expecting property name enclosed in double "
        "quotes at line 1 column 2",
        f"registration-fsm: error: {missing}: no such file",
    ]
    code, out, _ = _run("audit", "--json", str(bad), str(EXAMPLE))
    assert code == 2
    assert [e["source"] for e in json.loads(out)["errors"]] == [str(bad)]


def test_usage_errors() -> None:
    code, _, err = _run("audit")
    assert code == 2
    assert "FILE" in err
    code, _, err = _run("audit", "--max-bytes", "lots", str(EXAMPLE))
    assert code == 2
    assert "invalid int value" in err
    code, _, err = _run("audit", "--max-bytes", "0", str(EXAMPLE))
    assert code == 2
    assert "argument --max-bytes: must be a positive number of bytes, got 0" in err


def test_the_installed_command_runs_without_a_traceback(tmp_path: Path) -> None:
    bad = _hostile(tmp_path, b"\x00\x01 not json")
    result = subprocess.run(
        [sys.executable, "-m", "registration_fsm", "audit", str(EXAMPLE), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "audited 4 versions" in result.stdout
