"""What the commands that read a file (audit, diagram, check-drift) do with hostile input.

Each refusal is one line on stderr and exit 2: never a traceback, never a hang, never a
buffer the size of a limit allocated for a small file.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from registration_fsm import RegistrationVersion, SteppingClock, load_service_model
from registration_fsm.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "describe-registration-versions.json"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"
DEEP = b"[" * 100_000 + b"]" * 100_000
LONG_NUMBER = b'{"VersionNumber": ' + b"7" * 5_000 + b"}"

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def run(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if stdin is not None:
            patch = stack.enter_context(pytest.MonkeyPatch.context())
            patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def refused(argv: list[str], message: str, *, stdin: bytes | None = None) -> str:
    code, out, err = run(*argv, stdin=stdin)
    assert code == 2, err
    assert out == "" or out.endswith(", so the audit is incomplete\n"), out  # audit's summary
    assert err.startswith(("registration-fsm: error: ", "usage: ")), err
    assert message in err, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 or err.startswith("usage: "), err
    return err


def snapshot() -> dict[str, Any]:
    item = RegistrationVersion.new(RID, 1, clock=SteppingClock(T0, timedelta(minutes=7)))
    item.submit()
    return item.to_dict()


def model_text() -> str:
    model, _ = load_service_model()
    return json.dumps(model)


# -- nesting and long numbers ----------------------------------------------------------------


def test_deep_json_on_diagram_stdin_is_refused() -> None:
    refused(["diagram", "-"], "nested too deeply", stdin=DEEP)


def test_deep_json_as_a_drift_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "service-2.json"
    path.write_bytes(b'{"shapes": ' + DEEP + b"}")
    refused(["check-drift", "--model", str(path)], "nested too deeply")


def test_the_nesting_limit_is_the_same_on_every_python(tmp_path: Path) -> None:
    """100 levels read (an export nests 4 deep), 101 do not: the interpreter's own recursion
    limit, which differs between versions, never decides."""
    path = tmp_path / "nested.json"
    path.write_bytes(b"[" * 100 + b"]" * 100)
    refused(["diagram", str(path)], "expected a JSON object, got list")
    path.write_bytes(b"[" * 101 + b"]" * 101)
    refused(["diagram", str(path)], "nested too deeply")
    refused(["audit", str(path)], "nested too deeply")
    path.write_bytes(b'{"a": "' + b"[" * 500 + b'\\"\\\\", "b": [[]]}')
    refused(["diagram", str(path)], "not a version snapshot")  # brackets in strings don't count


@pytest.mark.parametrize("command", [["diagram"], ["audit"], ["check-drift", "--model"]])
def test_a_number_too_long_to_convert_is_refused(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "long.json"
    path.write_bytes(LONG_NUMBER)
    refused([*command, str(path)], "a number of more than 4300 digits")


@pytest.mark.skipif(not hasattr(sys, "set_int_max_str_digits"), reason="no int digit limit")
@pytest.mark.parametrize("interpreter_limit", [0, 100_000, 640])
def test_the_digit_limit_holds_whatever_the_interpreters_is(
    tmp_path: Path, interpreter_limit: int
) -> None:
    """With the interpreter's limit lifted (0) or raised, 4,300 digits still hold; a stricter
    one set by the user is respected and named."""
    path = tmp_path / "long.json"
    path.write_bytes(LONG_NUMBER)
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(interpreter_limit)
    try:
        expected = 640 if interpreter_limit == 640 else 4300
        refused(["audit", str(path)], f"a number of more than {expected} digits")
        path.write_bytes(b'{"VersionNumber": ' + b"7" * 600 + b"}")
        refused(["diagram", str(path)], "not a version snapshot")
    finally:
        sys.set_int_max_str_digits(before)


def test_a_long_number_inside_a_string_is_only_text(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["RegistrationVersions"][2]["Feedback"] = "7" * 5_000
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run("audit", str(path))
    assert (code, err) == (0, "")
    assert out.endswith("no findings\n")


# -- --max-bytes -----------------------------------------------------------------------------


def test_max_bytes_past_what_an_index_holds_is_a_usage_error() -> None:
    err = refused(["audit", "--max-bytes", str(2**64), str(EXAMPLE)], "--max-bytes")
    assert "at most" in err


def test_max_bytes_must_be_positive() -> None:
    refused(["audit", "--max-bytes", "0", str(EXAMPLE)], "a positive number of bytes")
    refused(["audit", "--max-bytes", "-5", str(EXAMPLE)], "a positive number of bytes")


def test_a_huge_limit_on_a_small_file_allocates_nothing_up_front() -> None:
    code, out, err = run("audit", "--max-bytes", str(2**62), str(EXAMPLE))
    assert (code, err) == (0, "")
    assert out.endswith("no findings\n")


def test_diagram_has_the_audits_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "sparse.json"
    with path.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024 + 1)
    refused(["diagram", str(path)], "larger than the limit of 67108864 bytes")
    refused(["check-drift", "--model", str(path)], "larger than the limit of 67108864 bytes")


def test_diagram_stdin_stops_at_the_limit() -> None:
    """Standard input has no size to check first: the reader stops one byte past the limit."""
    done = subprocess.run(
        [sys.executable, "-m", "registration_fsm", "diagram", "-"],
        input=b" " * (64 * 1024 * 1024 + 1),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == b""
    assert b"larger than the limit of 67108864 bytes" in done.stderr
    assert b"Traceback" not in done.stderr


def test_a_gzipped_model_that_inflates_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.json.gz"
    with gzip.open(path, "wb") as handle:
        for _ in range(65):
            handle.write(b" " * (1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    refused(["check-drift", "--model", str(path)], "larger than the limit")


def test_a_gzipped_model_is_read(tmp_path: Path) -> None:
    path = tmp_path / "service-2.json.gz"
    path.write_bytes(gzip.compress(model_text().encode()))
    code, out, err = run("check-drift", "--model", str(path))
    assert (code, err) == (0, "")
    assert out.endswith("No drift.\n")
    path.write_bytes(b"\x1f\x8b not really gzip")
    refused(["check-drift", "--model", str(path)], "not gzip")


# -- what is not a regular file --------------------------------------------------------------


@contextlib.contextmanager
def eof_after(fifo: Path, seconds: float = 10.0) -> Iterator[None]:
    """Guard a test against the bug it looks for: if the command under test opened the FIFO
    and waits for a writer, a writer comes after ``seconds`` and closes at once, so the
    command reads an empty file and the test fails on its message instead of hanging."""
    done = threading.Event()

    def feed() -> None:
        if done.wait(seconds):
            return
        with contextlib.suppress(OSError):  # ENXIO: nobody has it open for reading
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    guard = threading.Thread(target=feed, daemon=True)
    guard.start()
    try:
        yield
    finally:
        done.set()
        guard.join()


@needs_fifo
@pytest.mark.parametrize("command", [["audit"], ["diagram"], ["check-drift", "--model"]])
def test_a_fifo_is_refused_without_waiting_for_a_writer(
    tmp_path: Path, command: list[str]
) -> None:
    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    with eof_after(fifo):
        refused([*command, str(fifo)], "is a named pipe (FIFO), not a regular file")


_WITH_1_GIB = (
    "import resource, runpy, sys; "
    "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
    "sys.argv[0] = 'registration-fsm'; "
    "runpy.run_module('registration_fsm', run_name='__main__')"
)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("command", [["audit"], ["diagram"], ["check-drift", "--model"]])
def test_a_device_is_refused(command: list[str]) -> None:
    """In a process of its own with 1 GiB of address space: a reader that streams the
    device fails there, instead of taking the test run's memory."""
    done = subprocess.run(
        [sys.executable, "-c", _WITH_1_GIB, *command, "/dev/zero"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert "no findings" not in done.stdout
    assert done.stderr.startswith("registration-fsm: error: ")
    assert "/dev/zero" in done.stderr
    assert done.stderr.endswith(": is a character device, not a regular file\n")
    assert len(done.stderr.splitlines()) == 1


def test_a_directory_is_refused(tmp_path: Path) -> None:
    refused(["diagram", str(tmp_path)], "is a directory, not a regular file")
    refused(["check-drift", "--model", str(tmp_path)], "is a directory, not a regular file")


@needs_fifo
def test_a_fifo_in_a_real_process_exits_2_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "export.json"
    os.mkfifo(fifo)
    with eof_after(fifo, seconds=20):
        done = subprocess.run(
            [sys.executable, "-m", "registration_fsm", "audit", str(fifo)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    assert done.returncode == 2
    assert "is a named pipe (FIFO), not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


# -- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),
        lambda text: text.encode("utf-32"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-32"],
)
def test_every_command_reads_the_same_encodings(tmp_path: Path, encode: Any) -> None:
    version = tmp_path / "version.json"
    version.write_bytes(encode(json.dumps(snapshot())))
    code, out, err = run("diagram", str(version))
    assert (code, err) == (0, ""), err
    assert "step 1: submit" in out
    code, out, err = run("diagram", "-", stdin=encode(json.dumps(snapshot())))
    assert (code, err) == (0, ""), err
    assert "step 1: submit" in out

    export = tmp_path / "export.json"
    export.write_bytes(encode(EXAMPLE.read_text(encoding="utf-8")))
    code, out, err = run("audit", str(export))
    assert (code, err) == (0, ""), err

    model = tmp_path / "service-2.json"
    model.write_bytes(encode(model_text()))
    code, out, err = run("check-drift", "--model", str(model))
    assert (code, err) == (0, ""), err


def test_undecodable_bytes_are_refused_with_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"a": "\xe9"}')
    for command in (["diagram"], ["audit"], ["check-drift", "--model"]):
        refused([*command, str(path)], "not UTF-8 text: byte 0xe9 at offset 7")


def test_nan_and_infinity_are_not_json(tmp_path: Path) -> None:
    data = json.dumps(snapshot()).replace('"version_number": 1', '"version_number": NaN')
    assert "NaN" in data
    path = tmp_path / "nan.json"
    path.write_text(data, encoding="utf-8")
    refused(["diagram", str(path)], "NaN is not a JSON value")


# -- standard input --------------------------------------------------------------------------


def test_audit_dash_reads_standard_input() -> None:
    code, out, err = run("audit", "-", stdin=EXAMPLE.read_bytes())
    assert (code, err) == (0, "")
    assert out == "audited 4 versions of 1 registration in 1 source: no findings\n"


def test_audit_dash_names_standard_input_in_findings() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["RegistrationVersions"][-1]["RegistrationVersionStatus"] = "APPROVED"
    code, out, _ = run("audit", "-", stdin=json.dumps(data).encode())
    assert code == 1
    assert out.splitlines()[0].startswith("<stdin>: ")


def test_audit_dash_in_a_real_process_reads_a_pipe() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "registration_fsm", "audit", "-"],
        input=EXAMPLE.read_bytes(),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == b"audited 4 versions of 1 registration in 1 source: no findings\n"


def test_standard_input_is_read_once(tmp_path: Path) -> None:
    refused(["audit", "-", "-"], "standard input can be read only once", stdin=b"{}")


# -- what an unreadable file does to the verdict ---------------------------------------------


def test_an_unreadable_file_never_reads_as_no_findings(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"{")
    code, out, err = run("audit", str(EXAMPLE), str(bad))
    assert code == 2
    assert "no findings" not in out
    assert out.splitlines()[-1] == (
        "audited 4 versions of 1 registration in 1 source; 1 file could not be read, "
        "so the audit is incomplete"
    )
    assert err.splitlines() == [
        f"registration-fsm: error: {bad}: not JSON: Expecting property name enclosed in "
        "double quotes at line 1 column 2"
    ]
    code, out, _ = run("audit", "--json", str(EXAMPLE), str(bad))
    assert code == 2
    report = json.loads(out)
    assert report["ok"] is False
    assert [e["source"] for e in report["errors"]] == [str(bad)]


# -- the order of versions in an export ------------------------------------------------------


def test_the_order_of_versions_in_an_export_does_not_matter(tmp_path: Path) -> None:
    """The example lists versions newest first and the emulator oldest first; AWS documents
    neither, so every reader finds versions by number."""
    from registration_fsm import Registration

    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    numbers = [v["VersionNumber"] for v in data["RegistrationVersions"]]
    assert numbers == sorted(numbers, reverse=True)
    oldest_first = {**data, "RegistrationVersions": data["RegistrationVersions"][::-1]}
    reversed_path = tmp_path / "oldest-first.json"
    reversed_path.write_text(json.dumps(oldest_first), encoding="utf-8")

    assert run("audit", str(EXAMPLE))[:2] == run("audit", str(reversed_path))[:2]
    for argv in ([], ["--version-number", "2"]):
        assert run("diagram", str(EXAMPLE), *argv) == run("diagram", str(reversed_path), *argv)
    information = {
        "RegistrationArn": data["RegistrationArn"],
        "RegistrationId": data["RegistrationId"],
        "RegistrationType": "US_TEN_DLC_BRAND_REGISTRATION",
        "RegistrationStatus": "CREATED",
        "CurrentVersionNumber": 4,
        "ApprovedVersionNumber": 3,
        "LatestDeniedVersionNumber": 2,
        "CreatedTimestamp": "2025-12-01T09:00:00+00:00",
    }
    newest = Registration.from_aws(information, data)
    oldest = Registration.from_aws(information, oldest_first)
    assert [v.version_number for v in oldest.versions] == [1, 2, 3, 4]
    assert newest.to_dict() == oldest.to_dict()
