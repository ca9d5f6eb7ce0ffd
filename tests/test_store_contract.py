"""The contract every store keeps: SQLite (in memory and in a file), PostgreSQL and DynamoDB.

The PostgreSQL store runs against a real server started for the session (tests/conftest.py),
twice: as it is, where a save whose journal head is known is one statement, and with its head
cache disabled, where every save is a transaction that reads the head first. The DynamoDB
store runs against moto's DynamoDB in server mode, one fresh table per test
(tests/store_kinds.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from store_kinds import LEASE, RID, RID2, RID3, T0, Kind, clock, kind, new_registration, store

from registration_fsm import (
    ConcurrentUpdateError,
    IntentLostError,
    InvalidValueError,
    OperationInProgress,
    Registration,
    RegistrationNotStored,
    RegistrationStatus,
    RegistrationVersion,
    SchemaVersionError,
    SteppingClock,
    StoreError,
    VersionStatus,
)
from registration_fsm.store import (
    SCHEMA_VERSION,
    JournalMove,
    JournalSource,
    Store,
    journal_moves,
    verify_journal,
)

__all__ = ["clock", "kind", "store"]  # the fixtures this module uses


def _new(rid: str = RID, clock: SteppingClock | None = None) -> Registration:
    return new_registration(rid, clock)


def _create(store: Store, reg: Registration, **kw: Any) -> int:
    moves = journal_moves(None, reg, source=JournalSource.LOCAL, worker_id="w1")
    return store.save(reg, expected_revision=None, journal_entries=moves, **kw)


def _move(store: Store, reg: Registration, revision: int, change: Callable[[], Any]) -> int:
    before = reg.snapshot()
    change()
    moves = journal_moves(before, reg, source="local", worker_id="w1")
    return store.save(reg, expected_revision=revision, journal_entries=moves)


def _state(store: Store, rid: str = RID) -> tuple[Any, ...]:
    """Everything the store holds about a registration, to compare before and after."""
    try:
        loaded = store.load(rid)
        held: Any = (loaded.revision, loaded.registration.to_dict(), loaded.next_check_at)
    except RegistrationNotStored:
        held = None
    return (held, store.journal(rid), store.intents(rid))


def test_every_store_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)
    assert store.schema_version == SCHEMA_VERSION


def test_a_created_registration_loads_back_with_revision_1(
    store: Store, clock: SteppingClock
) -> None:
    reg = _new(clock=clock)
    due = T0 + timedelta(hours=1)
    assert _create(store, reg, next_check_at=due) == 1
    loaded = store.load(RID)
    assert loaded.revision == 1
    assert loaded.registration == reg
    assert loaded.registration.to_dict() == reg.to_dict()
    assert loaded.next_check_at == due
    [entry] = store.journal(RID)
    assert (entry.sequence, entry.trigger, entry.from_status, entry.to_status) == (
        1,
        "create",
        None,
        VersionStatus.DRAFT,
    )
    assert loaded.journal_head == entry.hash
    assert verify_journal(store.journal(RID), loaded).ok


def test_a_lenient_snapshot_round_trips(store: Store) -> None:
    # Version 2 was drafted before version 1 settled: only a snapshot declaring it reads back.
    first = RegistrationVersion.new(RID, 1, at=T0)
    first.submit(at=T0 + timedelta(hours=1))
    first.begin_review(at=T0 + timedelta(hours=2))
    first.approve(at=T0 + timedelta(days=10))
    second = RegistrationVersion.new(RID, 2, at=T0 + timedelta(days=1))
    snapshot = {
        "schema": "registration_fsm/registration",
        "schema_version": 1,
        "registration_id": RID,
        "versions": [first.to_dict(), second.to_dict()],
        "rule_violations": [{"reason": "DRAFTED_TOO_EARLY", "version_number": 2}],
    }
    reg = Registration.from_dict(snapshot)
    store.save(reg, expected_revision=None)
    loaded = store.load(RID).registration
    assert loaded == reg
    assert loaded.to_dict()["rule_violations"] == snapshot["rule_violations"]


def test_loading_an_unknown_id_is_a_typed_error(store: Store) -> None:
    with pytest.raises(RegistrationNotStored) as caught:
        store.load(RID)
    assert caught.value.registration_id == RID


def test_creating_an_existing_id_is_refused_and_changes_nothing(
    store: Store, clock: SteppingClock
) -> None:
    reg = _new(clock=clock)
    _create(store, reg)
    before = _state(store)
    other = _new(clock=clock)
    other.submit()
    with pytest.raises(ConcurrentUpdateError) as caught:
        _create(store, other)
    assert (caught.value.expected_revision, caught.value.actual_revision) == (None, 1)
    assert _state(store) == before


def test_a_compare_and_set_conflict_changes_nothing(store: Store, clock: SteppingClock) -> None:
    _create(store, _new(clock=clock))
    first, second = store.load(RID), store.load(RID)
    assert _move(store, first.registration, first.revision, first.registration.submit) == 2
    intent = store.claim_intent(RID, 1, "discard", "w2", LEASE)
    before = _state(store)
    loser = second.registration
    snapshot = loser.snapshot()
    loser.discard()
    with pytest.raises(ConcurrentUpdateError) as caught:
        store.save(
            loser,
            expected_revision=second.revision,
            journal_entries=journal_moves(snapshot, loser, source="local"),
            next_check_at=T0,
            release=intent,
        )
    assert caught.value.registration_id == RID
    assert (caught.value.expected_revision, caught.value.actual_revision) == (1, 2)
    assert _state(store) == before
    assert store.load(RID).registration.latest.status is VersionStatus.SUBMITTED


def test_saving_an_unstored_registration_with_a_revision_is_a_conflict(store: Store) -> None:
    with pytest.raises(ConcurrentUpdateError) as caught:
        store.save(_new(), expected_revision=3)
    assert caught.value.actual_revision is None
    assert _state(store) == (None, (), ())


def test_a_save_is_one_transaction(kind: Kind, store: Store, clock: SteppingClock) -> None:
    reg = _new(clock=clock)
    _create(store, reg)
    intent = store.claim_intent(RID, 1, "submit", "w1", LEASE)
    kind.fault(store)
    before = _state(store)
    loaded = store.load(RID)
    snapshot = loaded.registration.snapshot()
    loaded.registration.submit()
    good = journal_moves(snapshot, loaded.registration, source="answer", worker_id="w1")
    bad = JournalMove(RID, 99, "submit", "DRAFT", "SUBMITTED", None, "answer", "w1")
    with pytest.raises(StoreError) as caught:
        store.save(
            loaded.registration,
            expected_revision=1,
            journal_entries=[*good, bad],
            next_check_at=T0,
            release=intent,
        )
    assert kind.fault_message in str(caught.value)
    assert isinstance(caught.value.cause, kind.driver_error)
    assert _state(store) == before
    # The same holds for a creation: no row, no entry.
    fresh = _new(RID2, clock=clock)
    with pytest.raises(StoreError):
        store.save(fresh, expected_revision=None, journal_entries=[
            *journal_moves(None, fresh, source="local"),
            JournalMove(RID2, 99, "create", None, "DRAFT", None, "local"),
        ])  # fmt: skip
    assert _state(store, RID2) == (None, (), ())
    # And the store still works after the rollback.
    assert store.save(loaded.registration, expected_revision=1, journal_entries=good) == 2


def test_the_journal_is_append_only_in_the_database(kind: Kind, store: Store) -> None:
    reg = _new()
    _create(store, reg)
    entries = store.journal(RID)
    if kind.is_dynamodb:
        # DynamoDB has no triggers: an entry rewritten behind the store's back is caught by
        # the hash chain instead.
        client = store._client  # type: ignore[attr-defined]
        client.update_item(
            TableName=store._table,  # type: ignore[attr-defined]
            Key={"pk": {"S": RID}, "sk": {"S": "journal#000000000001"}},
            UpdateExpression="SET #t = :t",
            ExpressionAttributeNames={"#t": "trigger"},
            ExpressionAttributeValues={":t": {"S": "approve"}},
        )
        report = verify_journal(store.journal(RID), store.load(RID))
        assert not report.ok
        assert "altered" in [f.kind.value for f in report.findings]
        return
    for sql in (
        "UPDATE rfsm_journal SET trigger = 'approve'",
        "DELETE FROM rfsm_journal",
    ):
        with pytest.raises(kind.driver_error, match="append-only"):
            kind.raw(store, sql)
    assert store.journal(RID) == entries


def test_the_journal_chains_every_save_and_verifies(store: Store, clock: SteppingClock) -> None:
    reg = _new(clock=clock)
    revision = _create(store, reg)
    revision = _move(store, reg, revision, reg.submit)
    revision = _move(store, reg, revision, lambda: reg.fire("begin_review"))
    revision = _move(store, reg, revision, lambda: reg.fire("approve"))
    revision = _move(store, reg, revision, reg.create_version)
    assert revision == 5
    entries = store.journal(RID)
    assert [(e.sequence, e.version_number, e.trigger) for e in entries] == [
        (1, 1, "create"),
        (2, 1, "submit"),
        (3, 1, "begin_review"),
        (4, 1, "approve"),
        (5, 2, "create"),
    ]
    assert [e.previous_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert all(e.worker_id == "w1" for e in entries)
    assert all(e.recorded_at.tzinfo is not None for e in entries)
    assert entries[3].stamp == reg.version(1).history.approved
    loaded = store.load(RID)
    report = verify_journal(entries, loaded)
    assert report.ok, str(report)
    assert dict(report.statuses) == {1: VersionStatus.APPROVED, 2: VersionStatus.DRAFT}
    # Cutting the last entry off is caught by the head the registration row records.
    cut = verify_journal(entries[:-1], loaded)
    assert [f.kind.value for f in cut.findings] == ["head_mismatch", "state_mismatch"]


def test_list_filters_by_status_and_due_time(store: Store, clock: SteppingClock) -> None:
    a, b, c = _new(RID, clock), _new(RID2, clock), _new(RID3, clock)
    b.submit()
    store.save(a, expected_revision=None, next_check_at=T0 + timedelta(hours=3))
    store.save(b, expected_revision=None, next_check_at=T0 + timedelta(hours=1))
    store.save(c, expected_revision=None)
    assert [x.registration_id for x in store.list()] == [RID2, RID, RID3]
    created = store.list(status=RegistrationStatus.CREATED)
    assert [x.registration_id for x in created] == [RID, RID3]
    assert [x.registration_id for x in store.list(status=RegistrationStatus.SUBMITTED)] == [RID2]
    due = store.list(due_before=T0 + timedelta(hours=2))
    assert [x.registration_id for x in due] == [RID2]
    assert [x.registration_id for x in store.list(limit=1)] == [RID2]
    assert store.list(status=RegistrationStatus.COMPLETE) == ()
    assert [x.revision for x in store.list()] == [1, 1, 1]


def test_claim_due_leases_until_saved_or_expired(store: Store, clock: SteppingClock) -> None:
    for rid, hours in ((RID, 1), (RID2, 2), (RID3, 48)):
        store.save(
            _new(rid, clock), expected_revision=None, next_check_at=T0 + timedelta(hours=hours)
        )
    clock.advance(timedelta(hours=3))
    claimed = store.claim_due(10, "syncer-1", LEASE)
    assert [x.registration_id for x in claimed] == [RID, RID2]
    assert store.claim_due(10, "syncer-2", LEASE) == ()
    # Saving ends the lease: due again later, it can be claimed again.
    first = claimed[0]
    store.save(first.registration, expected_revision=first.revision, next_check_at=T0)
    assert [x.registration_id for x in store.claim_due(10, "syncer-2", LEASE)] == [RID]
    # Expired leases are claimable again, soonest due first.
    clock.advance(LEASE)
    assert [x.registration_id for x in store.claim_due(1, "syncer-3", LEASE)] == [RID]
    assert [x.registration_id for x in store.claim_due(5, "syncer-3", LEASE)] == [RID2]


def test_an_intent_is_exclusive_until_released(store: Store, clock: SteppingClock) -> None:
    intent = store.claim_intent(RID, 1, "submit", "w1", LEASE)
    assert (intent.worker_id, intent.expires_at - intent.claimed_at) == ("w1", LEASE)
    assert store.intents(RID) == (intent,)
    with pytest.raises(OperationInProgress) as caught:
        store.claim_intent(RID, 1, "submit", "w2", LEASE)
    assert (caught.value.intent, caught.value.expired) == (intent, False)
    # Another operation, or another version, is another intent.
    other = store.claim_intent(RID, 1, "discard", "w2", LEASE)
    later = store.claim_intent(RID, 2, "submit", "w2", LEASE)
    assert store.intents(RID) == (other, intent, later)
    store.release_intent(intent)
    assert store.intents(RID) == (other, later)
    with pytest.raises(IntentLostError):
        store.release_intent(intent)
    again = store.claim_intent(RID, 1, "submit", "w3", LEASE)
    assert again.token != intent.token
    for held in (intent, other, later, again):  # 128 random bits, as 32 lowercase hex digits
        assert len(held.token) == 32
        assert not held.token.strip("0123456789abcdef")


def test_an_expired_intent_is_taken_over_only_explicitly(
    store: Store, clock: SteppingClock
) -> None:
    intent = store.claim_intent(RID, 1, "submit", "w1", LEASE)
    with pytest.raises(OperationInProgress):
        store.take_over_intent(intent, "w2", LEASE)
    assert store.expired_intents() == ()
    clock.advance(LEASE)
    assert store.expired_intents() == (intent,)
    assert store.expired_intents(at=T0) == ()
    with pytest.raises(OperationInProgress) as caught:
        store.claim_intent(RID, 1, "submit", "w2", LEASE)
    assert caught.value.expired is True
    assert caught.value.intent == intent
    taken = store.take_over_intent(intent, "w2", LEASE)
    assert (taken.worker_id, taken.token != intent.token) == ("w2", True)
    assert store.intents(RID) == (taken,)
    # The first holder lost it: it can neither release it nor save with it.
    with pytest.raises(IntentLostError):
        store.release_intent(intent)
    with pytest.raises(IntentLostError):
        store.take_over_intent(intent, "w3", LEASE)
    reg = _new()
    with pytest.raises(IntentLostError):
        store.save(reg, expected_revision=None, release=intent)
    assert _state(store) == (None, (), (taken,))
    assert store.save(reg, expected_revision=None, release=taken) == 1
    assert store.intents(RID) == ()


def test_migrate_is_idempotent(store: Store) -> None:
    store.save(_new(), expected_revision=None)
    before = _state(store)
    assert store.migrate() == SCHEMA_VERSION
    assert store.migrate() == SCHEMA_VERSION
    assert store.schema_version == SCHEMA_VERSION
    assert _state(store) == before


def test_a_newer_schema_is_refused(kind: Kind, store: Store, clock: SteppingClock) -> None:
    store.save(_new(), expected_revision=None)
    kind.set_schema_version(store, 99)
    with pytest.raises(SchemaVersionError) as caught:
        store.migrate()
    assert (caught.value.found, caught.value.supported) == (99, SCHEMA_VERSION)
    assert store.schema_version == 99
    if kind.reopenable:
        with pytest.raises(SchemaVersionError) as reopened:
            kind.open(clock)
        assert "upgrade registration_fsm" in str(reopened.value)


# An in-memory SQLite database is private to its connection: nothing else can open it.
@pytest.mark.parametrize(
    "kind", ["sqlite-file", "postgres", "postgres-uncached", "dynamodb"], indirect=True
)
def test_a_second_connection_sees_committed_saves(
    kind: Kind, store: Store, clock: SteppingClock
) -> None:
    reg = _new(clock=clock)
    _create(store, reg)
    other = kind.open(clock)
    try:
        theirs = other.load(RID)
        _move(other, theirs.registration, theirs.revision, theirs.registration.submit)
        with pytest.raises(ConcurrentUpdateError):
            _move(store, reg, 1, reg.discard)
        assert store.load(RID).revision == 2
        assert store.journal(RID) == other.journal(RID)
    finally:
        other.close()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.save("not a registration", expected_revision=None), "Registration"),
        (lambda s: s.save(_new(), expected_revision=0), "revision"),
        (lambda s: s.save(_new(), expected_revision=True), "revision"),
        (lambda s: s.save(_new(), expected_revision=None, journal_entries="x"), "JournalMove"),
        (
            lambda s: s.save(
                _new(),
                expected_revision=None,
                journal_entries=journal_moves(None, _new(RID2), source="local"),
            ),
            "cannot be saved",
        ),
        (lambda s: s.save(_new(), expected_revision=None, release="intent"), "Intent"),
        (lambda s: s.claim_intent(RID, 1, "submit", "w1", timedelta(0)), "lease"),
        (lambda s: s.claim_intent(RID, 1, "", "w1", LEASE), "operation"),
        (lambda s: s.claim_intent(RID, 0, "submit", "w1", LEASE), "version"),
        (lambda s: s.claim_due(0, "w1", LEASE), "limit"),
        (lambda s: s.list(limit=-1), "limit"),
        (lambda s: s.list(status="NOPE"), "NOPE"),
        (lambda s: s.load("nope"), "nope"),
    ],
)
def test_bad_input_is_a_typed_error_and_changes_nothing(
    store: Store, call: Callable[[Store], Any], message: str
) -> None:
    with pytest.raises(InvalidValueError, match=message):
        call(store)
    assert store.list() == ()
    assert store.intents(RID) == ()


def test_a_save_cannot_release_another_registrations_intent(store: Store) -> None:
    intent = store.claim_intent(RID2, 1, "submit", "w1", LEASE)
    with pytest.raises(InvalidValueError, match="cannot be released"):
        store.save(_new(), expected_revision=None, release=intent)
    assert _state(store) == (None, (), ())
    assert store.intents(RID2) == (intent,)


def test_a_stored_body_is_the_registration_snapshot(kind: Kind, store: Store) -> None:
    reg = _new()
    store.save(reg, expected_revision=None)
    stored, status = kind.stored_body(store)
    assert stored == reg.to_dict()
    assert status == "CREATED"
