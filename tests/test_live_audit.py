"""The live audit reads every registration from the service (the emulator, over HTTP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from registration_fsm import AccessDeniedError, InvalidValueError
from registration_fsm.audit import FindingKind
from registration_fsm.live_audit import audit_aws

BRAND = "US_TEN_DLC_BRAND_REGISTRATION"


def _populate(backend: Any, count: int) -> list[str]:
    ids = []
    for number in range(count):
        rid = backend.create_registration(BRAND).registration_id
        ids.append(rid)
        if number % 2:
            backend.submit(rid)
            backend.play_aws(rid, "begin_review")
            backend.play_aws(rid, "approve")
            backend.create_version(rid)
    return ids


def test_a_clean_account_audits_clean_with_progress(
    emulator: Any, make_client: Callable[..., Any]
) -> None:
    ids = _populate(emulator.backend, 7)
    seen: list[tuple[int, int]] = []
    report = audit_aws(make_client(), progress=lambda r, v: seen.append((r, v)))
    assert report.ok, report.findings
    assert report.registrations_checked == 7
    assert report.versions_checked == 7 + 3
    assert seen[-1] == (7, 10)
    assert [r for r, _ in seen] == list(range(1, 8))
    assert len(ids) == 7


def test_a_corrupted_version_planted_in_the_service_is_found(
    emulator: Any, make_client: Callable[..., Any]
) -> None:
    backend = emulator.backend
    ids = _populate(backend, 4)
    state = backend.to_dict()
    # Version 1 of the second registration claims APPROVED without ever being reviewed.
    target = next(r for r in state["registrations"] if r["id"] == ids[1])
    history = target["versions"][0]["version"]["history"]
    del history["ReviewingTimestamp"]
    backend.restore(state)
    report = audit_aws(make_client())
    (finding,) = report.findings
    assert finding.kind is FindingKind.MISSING_STAMP
    assert (finding.registration_id, finding.version_number) == (ids[1], 1)
    assert "ReviewingTimestamp" in finding.reason


def test_a_refused_read_is_a_typed_backend_error(
    emulator: Any, make_client: Callable[..., Any]
) -> None:
    client = make_client()

    def deny(**_: Any) -> None:
        from botocore.exceptions import ClientError

        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeRegistrations"
        )

    client.meta.events.register_first(
        "provide-client-params.pinpoint-sms-voice-v2.DescribeRegistrations", deny
    )
    with pytest.raises(AccessDeniedError) as caught:
        audit_aws(client)
    assert caught.value.operation == "DescribeRegistrations"


def test_something_that_is_not_a_client_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="pinpoint-sms-voice-v2"):
        audit_aws(object())  # type: ignore[arg-type]


def test_the_store_audit_finds_an_edited_journal_entry(tmp_path: Any) -> None:
    import sqlite3

    from registration_fsm import InMemoryBackend
    from registration_fsm.live_audit import audit_store
    from registration_fsm.service import RegistrationService
    from registration_fsm.store import SqliteStore

    path = tmp_path / "registrations.db"
    backend = InMemoryBackend()
    store = SqliteStore(path)
    service = RegistrationService(store, backend, worker_id="w1")
    rids = [service.create(BRAND).registration_id for _ in range(3)]
    for rid in rids:
        service.submit(rid)
    seen: list[tuple[int, int]] = []
    clean = audit_store(store, progress=lambda r, v: seen.append((r, v)))
    assert clean.ok, clean.findings
    assert (clean.registrations_checked, clean.versions_checked) == (3, 3)
    assert seen[-1] == (3, 3)
    # Somebody with access to the database rewrites history: SUBMITTED becomes APPROVED.
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TRIGGER rfsm_journal_no_update")
        raw.execute(
            "UPDATE rfsm_journal SET to_status = 'APPROVED' "
            "WHERE registration_id = ? AND sequence = 2",
            (rids[1],),
        )
    tampered = audit_store(store)
    kinds = {(f.kind, f.registration_id) for f in tampered.findings}
    assert (FindingKind.JOURNAL, rids[1]) in kinds
    assert all(rid == rids[1] for _, rid in kinds)
    assert any("entry 2" in f.reason and "altered" in f.reason for f in tampered.findings)
    store.close()
