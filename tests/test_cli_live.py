"""``registration-fsm audit --from-aws`` and ``--store``, in-process."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from registration_fsm import InMemoryBackend
from registration_fsm.cli import main
from registration_fsm.service import RegistrationService
from registration_fsm.store import SqliteStore

BRAND = "US_TEN_DLC_BRAND_REGISTRATION"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.mark.usefixtures("credentials")
def test_from_aws_against_the_emulator(emulator: Any, tmp_path: Path) -> None:
    backend = emulator.backend
    rids = [backend.create_registration(BRAND).registration_id for _ in range(3)]
    live = ("--from-aws", "--region", "us-east-1", "--endpoint-url", emulator.endpoint_url)
    code, out, err = run("audit", *live)
    assert (code, err) == (0, "")
    assert "audited 3 versions of 3 registrations" in out
    state = backend.to_dict()
    history = state["registrations"][1]["versions"][0]["version"]["history"]
    history["ArchivedTimestamp"] = history["DraftTimestamp"]
    state["registrations"][1]["versions"][0]["version"]["status"] = "ARCHIVED"
    backend.restore(state)
    code, out, err = run("audit", *live)
    assert code == 1
    assert rids[1] in out
    report = tmp_path / "report.html"
    assert run("audit", *live, "--format", "html", "-o", str(report))[0] == 1
    assert all(rid in report.read_text(encoding="utf-8") for rid in rids)


def test_store_audit_finds_an_edited_journal_entry(tmp_path: Path) -> None:
    path = tmp_path / "registrations.db"
    store = SqliteStore(path)
    service = RegistrationService(store, InMemoryBackend(), worker_id="w1")
    rid = service.create(BRAND).registration_id
    service.submit(rid)
    store.close()
    code, out, err = run("audit", "--store", f"sqlite:///{path}")
    assert (code, err) == (0, "")
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TRIGGER rfsm_journal_no_update")
        raw.execute("UPDATE rfsm_journal SET worker_id = 'someone-else' WHERE sequence = 2")
    code, out, err = run("audit", "--store", f"sqlite:///{path}", "--format", "json")
    assert code == 1
    assert "journal entry 2: altered" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "exactly one of them"),
        (("x.json", "--from-aws"), "exactly one of them"),
        (("--from-aws", "--store", "sqlite://:memory:"), "exactly one of them"),
        (("x.json", "--region", "us-east-1"), "go with --from-aws"),
        (("--store", "mysql://nope"), "unsupported store URL"),
    ],
)
def test_bad_sources_are_one_line_and_exit_2(argv: tuple[str, ...], message: str) -> None:
    code, _, err = run("audit", *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
