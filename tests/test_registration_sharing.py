"""Registrations that share their versions until one is changed or handed out.

A store's cache keeps one private snapshot per registration and marks it shared
(``Registration._share``); every load is a copy that starts out with the snapshot's own
version objects and copies them the first time anything could change one or let one out.
These tests hold that promise at the model: whatever a caller does to one copy, through any
door, never reaches the snapshot or another copy, and reads alone copy nothing.
"""

from __future__ import annotations

import contextlib
import copy
import pickle
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from registration_builders import approved_then_draft

from registration_fsm import (
    Registration,
    RegistrationFsmError,
    VersionStatus,
)
from registration_fsm.backends import InMemoryBackend, VersionInfo
from registration_fsm.history import StatusHistory
from registration_fsm.registration import _Shared, _SharedHead
from registration_fsm.store._cache import parse_equivalent
from registration_fsm.version import RegistrationVersion

RID = "registration-0123456789abcdef0123456789abcdef"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
LATER = AT + timedelta(days=10)


def _three_versions() -> Registration:
    """Versions 1 and 2 approved then archived / approved, version 3 a DRAFT."""
    return approved_then_draft(RID, 3, AT)


def _shared(reg: Registration) -> bool:
    return reg._held.__class__ is _Shared


def _shared_snapshot() -> tuple[Registration, dict[str, object]]:
    snapshot = copy.copy(_three_versions())
    snapshot._share()
    return snapshot, snapshot.to_dict()


def _in_review(info_status: VersionStatus, number: int = 3) -> VersionInfo:
    stamps = {
        "DraftTimestamp": AT + timedelta(hours=8),
        "SubmittedTimestamp": LATER,
        "ReviewingTimestamp": LATER + timedelta(hours=1),
    }
    return VersionInfo(RID, number, info_status, StatusHistory.from_aws(stamps))


# Every door through which a caller can change a loaded registration, or take a version out
# and change it. Each is handed a copy of the shared snapshot.
CHANGES: dict[str, Callable[[Registration], object]] = {
    "submit": lambda r: r.submit(at=LATER),
    "discard": lambda r: r.discard(at=LATER),
    "fire": lambda r: r.fire("submit", at=LATER),
    "revoke an older version": lambda r: r.fire("revoke", version_number=2, at=LATER),
    "create_version refused": lambda r: r.create_version(at=LATER),
    "latest.submit": lambda r: r.latest.submit(at=LATER),
    "versions[-1].discard": lambda r: r.versions[-1].discard(at=LATER),
    "version(2).revoke": lambda r: r.version(2).revoke(at=LATER),
    "adopt_answer": lambda r: r.adopt_answer("submit", _in_review(VersionStatus.REVIEWING)),
    "reconcile_versions": lambda r: r.reconcile_versions(
        [_in_review(VersionStatus.REVIEWING)], complete=False
    ),
    "reconcile, lenient": lambda r: r.reconcile_versions(
        [
            VersionInfo(
                RID,
                3,
                VersionStatus.APPROVED,
                StatusHistory.from_aws(
                    {
                        "DraftTimestamp": AT + timedelta(hours=8),
                        "ApprovedTimestamp": LATER,
                    }
                ),
            )
        ],
        strict=False,
        complete=False,
    ),
}


@pytest.mark.parametrize("door", sorted(CHANGES))
def test_a_change_through_any_door_reaches_neither_the_snapshot_nor_another_copy(
    door: str,
) -> None:
    snapshot, before = _shared_snapshot()
    mine, other = snapshot._shared_copy(), copy.copy(snapshot)
    assert mine._held is snapshot._held  # shared until now
    assert other._held is snapshot._held
    mine_before = mine.to_dict()
    try:
        CHANGES[door](mine)
    except RegistrationFsmError:
        assert mine.to_dict() == mine_before  # a refused change changed nothing
    assert snapshot.to_dict() == before
    assert other.to_dict() == before
    assert snapshot._held is other._held  # the bystanders still share, untouched
    for kept in snapshot._held:
        assert kept.last_answer is None
    if door != "create_version refused":
        assert mine.to_dict() != before  # the door did change the copy it was given


def test_reads_copy_nothing_and_see_the_shared_state() -> None:
    snapshot, before = _shared_snapshot()
    mine = snapshot._shared_copy()
    assert mine.status == snapshot.status
    assert mine.to_dict() == before
    assert mine.to_aws_versions() == snapshot.to_aws_versions()
    assert mine == snapshot
    assert repr(mine) == repr(snapshot)
    assert mine.created == snapshot.created
    assert mine.current_version_number == 3
    assert mine.approved_version_number == 2
    assert mine.can_create_version() is False
    assert mine.check("submit") == 3
    assert mine.rule_violations == ()
    assert mine._held is snapshot._held
    assert _shared(mine)


def test_taking_a_version_out_copies_them_all_once() -> None:
    snapshot, _ = _shared_snapshot()
    mine = snapshot._shared_copy()
    latest = mine.latest
    assert not _shared(mine)
    assert all(a is not b for a, b in zip(mine._held, snapshot._held))
    assert mine.latest is latest
    assert mine.versions[-1] is latest
    assert mine.version(3) is latest
    assert [v.to_dict() for v in mine.versions] == [v.to_dict() for v in snapshot._held]


def test_threads_taking_versions_out_at_once_get_the_same_objects() -> None:
    for _ in range(20):
        snapshot, _ = _shared_snapshot()
        mine = snapshot._shared_copy()
        seen: list[object] = []
        start = threading.Barrier(4)

        def take(
            start: threading.Barrier = start,
            mine: Registration = mine,
            seen: list[object] = seen,
        ) -> None:
            start.wait()
            seen.append(mine.latest)

        threads = [threading.Thread(target=take) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(seen) == 4
        assert all(version is seen[0] for version in seen)
        assert seen[0] is not snapshot._held[-1]


def test_a_copy_of_a_shared_copy_shares_and_a_copy_of_an_owned_one_does_not() -> None:
    snapshot, before = _shared_snapshot()
    mine = copy.copy(snapshot)
    again = copy.copy(mine)
    assert _shared(again)
    assert again._held is snapshot._held
    mine.submit(at=LATER)
    owned = copy.copy(mine)
    assert not _shared(owned)
    assert all(a is not b for a, b in zip(owned._held, mine._held))
    owned.fire("begin_review", at=LATER + timedelta(hours=1))
    assert mine.latest.status is VersionStatus.SUBMITTED
    assert again.to_dict() == before == snapshot.to_dict()


def test_pickles_and_snapshots_of_a_shared_copy_are_their_own() -> None:
    snapshot, before = _shared_snapshot()
    mine = snapshot._shared_copy()
    state = mine.__getstate__()
    assert all(
        ours is not kept for ours, kept in zip(state["versions"], snapshot._held, strict=True)
    )
    revived = pickle.loads(pickle.dumps(mine))
    assert not _shared(revived)
    assert revived == mine
    revived.submit(at=LATER)
    taken = mine.snapshot()
    taken.submit(at=LATER)
    assert snapshot.to_dict() == before == mine.to_dict()


def test_a_shared_copy_with_a_backend_keeps_the_answer_to_itself() -> None:
    backend = InMemoryBackend(catalogue=None)
    rid = backend.create_registration("US_TEN_DLC_BRAND_REGISTRATION").registration_id
    snapshot = Registration.from_backend(backend, rid)
    snapshot._share()
    before = snapshot.to_dict()
    mine = snapshot._shared_copy()
    assert mine.submit(backend) is VersionStatus.SUBMITTED
    assert mine.latest.last_answer is not None
    assert snapshot._held[-1].last_answer is None
    assert snapshot.to_dict() == before


@settings(max_examples=60, deadline=None)
@given(
    doors=st.lists(st.sampled_from(sorted(CHANGES)), min_size=1, max_size=6),
    reads=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_any_sequence_of_changes_and_reads_on_one_copy_leaves_the_rest_alone(
    doors: list[str], reads: list[bool]
) -> None:
    snapshot, before = _shared_snapshot()
    mine = snapshot._shared_copy()
    plain = Registration.from_dict(before)  # the same steps on a registration that owns all
    for door, read in zip(doors, reads):
        for reg in (mine, plain):
            if read:
                reg.to_dict()
            with contextlib.suppress(RegistrationFsmError):
                CHANGES[door](reg)
        assert mine.to_dict() == plain.to_dict()
        assert snapshot.to_dict() == before


def test_every_kind_of_copy_keeps_every_field() -> None:
    arn = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"
    reg = Registration(
        RID,
        approved_then_draft(RID, 2, AT).versions,
        registration_arn=arn,
        registration_type="US_TOLL_FREE_REGISTRATION",
        created=AT - timedelta(days=1),
    )
    snapshot = copy.copy(reg)
    snapshot._share()
    for made in (copy.copy(reg), snapshot._shared_copy(), copy.copy(snapshot), reg.snapshot()):
        assert made.registration_id == RID
        assert made.registration_type == "US_TOLL_FREE_REGISTRATION"
        assert made.registration_arn == arn
        assert made.created == AT - timedelta(days=1)
        assert made.clock is reg.clock
        assert made == reg
        assert made._lock is not reg._lock
        assert made._listeners is None


def test_create_version_refused_names_the_version_and_its_status() -> None:
    snapshot, before = _shared_snapshot()
    mine = snapshot._shared_copy()
    mine.submit(at=LATER)
    with pytest.raises(RegistrationFsmError) as info:
        mine.create_version(at=LATER)
    assert info.value.version_number == 3
    assert info.value.status is VersionStatus.SUBMITTED
    assert snapshot.to_dict() == before


def test_an_answer_takes_only_the_latest_version_as_its_own() -> None:
    snapshot, before = _shared_snapshot()
    mine = snapshot._shared_copy()
    answer = _in_review(VersionStatus.REVIEWING)
    assert mine.adopt_answer("submit", answer) is VersionStatus.REVIEWING
    assert mine._held.__class__ is _SharedHead
    assert all(a is b for a, b in zip(mine._held[:-1], snapshot._held[:-1], strict=True))
    assert mine._held[-1] is not snapshot._held[-1]
    assert mine._held[-1].last_answer is answer
    assert snapshot.to_dict() == before
    assert snapshot._held[-1].last_answer is None
    latest = mine._held[-1]
    taken = mine.versions  # taking them out copies the shared ones, and keeps its own
    assert taken[-1] is latest
    assert all(a is not b for a, b in zip(taken[:-1], snapshot._held[:-1], strict=True))
    assert [v.to_dict() for v in taken[:-1]] == [v.to_dict() for v in snapshot._held[:-1]]


def test_a_copy_of_an_answered_copy_shares_the_older_versions_and_copies_the_latest() -> None:
    snapshot, before = _shared_snapshot()
    mine = snapshot._shared_copy()
    mine.adopt_answer("submit", _in_review(VersionStatus.REVIEWING))
    after = mine.to_dict()
    again = copy.copy(mine)
    assert again._held.__class__ is _SharedHead
    assert all(a is b for a, b in zip(again._held[:-1], snapshot._held[:-1], strict=True))
    assert again._held[-1] is not mine._held[-1]
    assert again._own_held() == (again._held[-1],)
    again.fire("approve", at=LATER + timedelta(days=1))  # archives version 2: copies it first
    assert again.version(2).status is VersionStatus.ARCHIVED
    assert mine.to_dict() == after
    assert snapshot.to_dict() == before


def test_a_store_snapshot_of_an_answered_copy_drops_only_its_own_answer() -> None:
    snapshot, _ = _shared_snapshot()
    mine = snapshot._shared_copy()
    answer = _in_review(VersionStatus.REVIEWING)
    mine.adopt_answer("submit", answer)
    kept = parse_equivalent(mine)
    assert kept is not None
    assert kept == Registration.from_dict(mine.to_dict())
    assert all(a is b for a, b in zip(kept._held[:-1], snapshot._held[:-1], strict=True))
    assert kept._held[-1].last_answer is None
    assert mine._held[-1].last_answer is answer


def test_a_submit_through_the_service_copies_one_version_per_step() -> None:
    """A submit on a cold cache copies the latest version only; the older nine are never
    copied."""
    from registration_fsm.service import RegistrationService
    from registration_fsm.store import SqliteStore

    backend = InMemoryBackend(catalogue=None)
    rid = backend.create_registration("BENCH_REGISTRATION").registration_id
    for _ in range(9):
        backend.submit(rid)
        backend.play_aws(rid, "begin_review")
        backend.play_aws(rid, "approve")
        backend.create_version(rid)
    with SqliteStore(":memory:") as store:
        store.save(Registration.from_backend(backend, rid), expected_revision=None)
        store._cache.clear()
        service = RegistrationService(store, backend, worker_id="w")
        copied: list[int] = []
        original = RegistrationVersion.__copy__

        def counting(version: RegistrationVersion) -> RegistrationVersion:
            copied.append(version.version_number)
            return original(version)

        RegistrationVersion.__copy__ = counting  # type: ignore[method-assign]
        try:
            assert service.submit(rid) is VersionStatus.SUBMITTED
        finally:
            RegistrationVersion.__copy__ = original  # type: ignore[method-assign]
        # The answer's own latest, the trial it is adopted on, the store's snapshot.
        assert copied == [10, 10, 10]
        assert service.get(rid).latest.status is VersionStatus.SUBMITTED
