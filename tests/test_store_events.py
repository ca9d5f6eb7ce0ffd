"""``record_event`` on every store, and the schema migration that brought it (version 2)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from store_kinds import RID, RID2, T0, Kind, clock, kind, new_registration, store

from registration_fsm import InvalidValueError, SteppingClock, StoreError
from registration_fsm.store import (
    SCHEMA_VERSION,
    AsyncStore,
    PostgresStore,
    SqliteStore,
    Store,
    ThreadedAsyncStore,
)

__all__ = ["clock", "kind", "store"]  # the fixtures this module uses

THREADS = 8
ROUNDS = 5


def test_an_event_is_new_once(store: Store) -> None:
    assert store.events_seen(RID) == ()
    assert store.record_event("evt-b", RID) is True
    assert store.record_event("evt-b", RID) is False
    assert store.record_event("evt-a", RID, at=T0) is True
    assert store.record_event("evt-a", RID, at=T0 + timedelta(days=1)) is False
    # The same id under another registration is another record.
    assert store.record_event("evt-b", RID2) is True
    assert store.events_seen(RID) == ("evt-a", "evt-b")
    assert store.events_seen(RID2) == ("evt-b",)


def test_events_outlive_the_store_object(kind: Kind, store: Store, clock: SteppingClock) -> None:
    store.record_event("evt-1", RID)
    if not kind.reopenable:
        assert store.record_event("evt-1", RID) is False
        return
    other = kind.open(clock)
    try:
        assert other.record_event("evt-1", RID) is False
        assert other.events_seen(RID) == ("evt-1",)
    finally:
        other.close()


def test_concurrent_records_of_one_event_make_exactly_one_new(
    kind: Kind, store: Store, clock: SteppingClock
) -> None:
    # Each thread has its own store object (its own connection) where the database allows it.
    stores = [kind.open(clock) if kind.reopenable else store for _ in range(THREADS)]
    try:
        for round_ in range(ROUNDS):
            barrier = threading.Barrier(THREADS)
            answers: list[bool] = []
            errors: list[BaseException] = []
            record = _recorder(f"evt-{round_}", barrier, answers, errors)
            threads = [threading.Thread(target=record, args=(s,)) for s in stores]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert errors == []
            assert sorted(answers) == [False] * (THREADS - 1) + [True]
        assert store.events_seen(RID) == tuple(f"evt-{i}" for i in range(ROUNDS))
    finally:
        for opened in stores:
            if opened is not store:
                opened.close()


def test_the_async_twin_records_an_event_once(store: Store) -> None:
    async def run() -> tuple[list[bool], tuple[str, ...]]:
        twin = ThreadedAsyncStore(store, threads=THREADS)
        assert isinstance(twin, AsyncStore)
        try:
            answers = await asyncio.gather(
                *(twin.record_event("evt-async", RID) for _ in range(THREADS))
            )
            return list(answers), await twin.events_seen(RID)
        finally:
            twin._thread.shutdown(wait=True)  # the fixture closes the store itself

    answers, seen = asyncio.run(run())
    assert sorted(answers) == [False] * (THREADS - 1) + [True]
    assert seen == ("evt-async",)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.record_event("", RID), "event id"),
        (lambda s: s.record_event("x" * 201, RID), "event id"),
        (lambda s: s.record_event(7, RID), "event id"),
        (lambda s: s.record_event("evt", "bad id"), "bad id"),
        (lambda s: s.record_event("evt", RID, at="yesterday"), "yesterday"),
        (lambda s: s.events_seen("bad id"), "bad id"),
    ],
)
def test_bad_event_input_is_a_typed_error_and_records_nothing(
    store: Store, call: Callable[[Store], Any], message: str
) -> None:
    with pytest.raises(InvalidValueError, match=message):
        call(store)
    assert store.events_seen(RID) == ()


def _recorder(
    event_id: str,
    barrier: threading.Barrier,
    answers: list[bool],
    errors: list[BaseException],
) -> Callable[[Store], None]:
    """A thread's work: wait for the others, then record the event once."""

    def record(target: Store) -> None:
        try:
            barrier.wait(timeout=30)
            answers.append(target.record_event(event_id, RID))
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    return record


# -- the schema migration to version 2 --------------------------------------------------------


def _make_version_1(kind: Kind, store: Store) -> None:
    """Turn a store into what schema version 1 wrote: the same, without the events table."""
    kind.raw(store, "DROP TABLE rfsm_events")
    kind.set_schema_version(store, 1)


@pytest.mark.parametrize("kind", ["sqlite-file", "postgres"], indirect=True)
def test_a_version_1_store_is_upgraded_in_place(
    kind: Kind, store: Store, clock: SteppingClock
) -> None:
    assert SCHEMA_VERSION == 2
    reg = new_registration(clock=clock)
    store.save(reg, expected_revision=None, next_check_at=T0)
    _make_version_1(kind, store)
    store.close()
    opened = kind.open(clock)
    try:
        assert isinstance(opened, (SqliteStore, PostgresStore))
        assert opened.schema_version == 2
        loaded = opened.load(RID)
        assert (loaded.revision, loaded.registration, loaded.next_check_at) == (1, reg, T0)
        assert opened.record_event("evt-1", RID) is True
        assert opened.record_event("evt-1", RID) is False
        assert opened.migrate() == 2
        assert opened.events_seen(RID) == ("evt-1",)
    finally:
        opened.close()


def test_a_version_1_sqlite_store_opened_without_migrating_stays_version_1(
    tmp_path: Any, clock: SteppingClock
) -> None:
    path = tmp_path / "v1.db"
    with SqliteStore(path, clock=clock) as first:
        first._conn.executescript("DROP TABLE rfsm_events; UPDATE rfsm_schema SET version = 1;")
    with SqliteStore(path, clock=clock, migrate=False) as old:
        assert old.schema_version == 1
        with pytest.raises(StoreError, match="rfsm_events"):
            old.record_event("evt-1", RID)
        assert old.migrate() == 2
        assert old.record_event("evt-1", RID) is True
