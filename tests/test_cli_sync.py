"""``registration-fsm sync``: the sync worker from the command line, against the emulator."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from registration_fsm import AwsBackend, VersionStatus
from registration_fsm.cli import main
from registration_fsm.service import RegistrationService
from registration_fsm.store import SqliteStore

BRAND = "US_TEN_DLC_BRAND_REGISTRATION"


def _at(emulator: Any) -> list[str]:
    return ["--region", "us-east-1", "--endpoint-url", emulator.endpoint_url]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_sync_once_checks_what_is_due(
    tmp_path: Path,
    emulator: Any,
    make_client: Any,
    boto3_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    path = tmp_path / "registrations.db"
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    with SqliteStore(path) as store:
        # Stored an hour ago: their next checks (five minutes after a submit) are due now.
        service = RegistrationService(store, AwsBackend(make_client()), clock=lambda: an_hour_ago)
        rids = [service.create(BRAND).registration_id for _ in range(3)]
        for rid in rids:
            service.submit(rid)
    emulator.backend.play_aws(rids[0], "begin_review")
    emulator.backend.play_aws(rids[0], "deny")
    code, out, err = _run("sync", "--store", f"sqlite:///{path}", *_at(emulator), "--once")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "done: checked 3, changed 1, deferred 0"
    with SqliteStore(path) as store:
        assert store.load(rids[0]).registration.latest.status is VersionStatus.DENIED
        assert store.load(rids[0]).next_check_at is None  # final: never polled again
        assert store.load(rids[1]).next_check_at is not None
    code, out, _ = _run("sync", "--store", f"sqlite:///{path}", *_at(emulator), "--once")
    assert (code, out) == (0, "done: checked 0, changed 0, deferred 0\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sync", "--store", "sqlite://:memory:"], "one of the arguments --once --forever"),
        (["sync", "--once"], "--store"),
        (["sync", "--store", "mysql://x", "--once"], "mysql"),
        (["sync", "--store", "sqlite://:memory:", "--forever", "--idle", "0"], "--idle"),
        (["sync", "--store", "sqlite://:memory:", "--once"], "must specify a region"),
        (
            ["sync", "--store", "sqlite://:memory:", "--once", "--max-calls-per-second", "-1"],
            "--max-calls-per-second",
        ),
    ],
)
def test_sync_refuses_bad_input_with_one_line(
    argv: list[str], message: str, boto3_session: Any
) -> None:
    code, out, err = _run(*argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert out == ""
