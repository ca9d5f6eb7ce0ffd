"""Stores shared by several OS processes (SQLite) and several connections (PostgreSQL).

Each race lines its contenders up on a barrier after they loaded the same revision, so every
round really is a race; whoever wins, exactly one may.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from registration_fsm import ConcurrentUpdateError, OperationInProgress, Registration
from registration_fsm.store import PostgresStore, SqliteStore, Store, journal_moves, verify_journal

RID = "registration-0123456789abcdef0123456789abcdef"
PROCESSES = 4
ROUNDS = 10
LEASE = timedelta(minutes=5)


def _contender(
    open_store: Callable[[], Store],
    barrier: Any,
    results: Any,
    name: str,
) -> None:
    """Each round: load, wait for all, then try to save the next revision and to claim."""
    store = open_store()
    try:
        for round_number in range(ROUNDS):
            loaded = store.load(RID)
            reg = loaded.registration
            barrier.wait()
            try:
                store.save(reg, expected_revision=loaded.revision)
                outcome = "saved"
            except ConcurrentUpdateError:
                outcome = "conflict"
            try:
                store.claim_intent(RID, 1, f"op-{round_number}", name, LEASE)
                claim = "claimed"
            except OperationInProgress:
                claim = "in_progress"
            results.put((round_number, name, outcome, claim))
            barrier.wait()
    finally:
        store.close()


def _open_sqlite(path: str) -> Callable[[], Store]:
    return lambda: SqliteStore(path, busy_timeout=60)


def _run_sqlite_contender(path: str, barrier: Any, results: Any, name: str) -> None:
    _contender(_open_sqlite(path), barrier, results, name)


def _check(outcomes: list[tuple[int, str, str, str]], contenders: int) -> None:
    assert len(outcomes) == ROUNDS * contenders
    for round_number in range(ROUNDS):
        this = [o for o in outcomes if o[0] == round_number]
        assert sorted(o[2] for o in this) == ["conflict"] * (contenders - 1) + ["saved"]
        assert sorted(o[3] for o in this) == ["claimed"] + ["in_progress"] * (contenders - 1)


def test_os_processes_racing_on_one_sqlite_file_exactly_one_cas_wins(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    with SqliteStore(path) as store:
        store.save(Registration.new(RID), expected_revision=None)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=_run_sqlite_contender, args=(path, barrier, results, f"p{i}"))
        for i in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in range(ROUNDS * PROCESSES)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    _check(outcomes, PROCESSES)
    with SqliteStore(path) as store:
        assert store.load(RID).revision == 1 + ROUNDS
        assert len(store.intents(RID)) == ROUNDS


def test_connections_racing_on_postgres_exactly_one_cas_wins(postgres_dsn: str) -> None:
    with PostgresStore(postgres_dsn) as store:
        store.save(Registration.new(RID), expected_revision=None)
    barrier = threading.Barrier(PROCESSES)
    outcomes: list[tuple[int, str, str, str]] = []

    class Collect:
        def put(self, item: tuple[int, str, str, str]) -> None:
            outcomes.append(item)

    threads = [
        threading.Thread(
            target=_contender,
            args=(lambda: PostgresStore(postgres_dsn), barrier, Collect(), f"c{i}"),
        )
        for i in range(PROCESSES)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive()
    _check(outcomes, PROCESSES)
    with PostgresStore(postgres_dsn) as store:
        assert store.load(RID).revision == 1 + ROUNDS


def test_claim_due_skips_rows_another_transaction_locked(postgres_dsn: str) -> None:
    import psycopg

    rids = [f"registration-{i:032x}" for i in range(1, 6)]
    with PostgresStore(postgres_dsn) as store:
        for rid in rids:
            store.save(Registration.new(rid), expected_revision=None, next_check_at=store._now())
    # A syncer in the middle of its transaction holds the row locks of the first two.
    holder = psycopg.connect(postgres_dsn)
    try:
        holder.execute(
            "SELECT registration_id FROM rfsm_registrations WHERE registration_id = ANY(%s) "
            "FOR UPDATE",
            (rids[:2],),
        )
        # Without SKIP LOCKED the claim would wait for those rows; the lock timeout makes
        # that an error instead of a hang.
        first = PostgresStore(postgres_dsn + " options='-c lock_timeout=5000'")
        second = PostgresStore(postgres_dsn + " options='-c lock_timeout=5000'")
        try:
            got_first = first.claim_due(2, "syncer-1", LEASE)
            got_second = second.claim_due(10, "syncer-2", LEASE)
            assert [x.registration_id for x in got_first] == rids[2:4]
            assert [x.registration_id for x in got_second] == rids[4:]
        finally:
            holder.rollback()
        # Once the holder is done, its rows are claimable; the leased ones are not.
        assert [x.registration_id for x in second.claim_due(10, "syncer-2", LEASE)] == rids[:2]
        assert first.claim_due(10, "syncer-1", LEASE) == ()
        first.close()
        second.close()
    finally:
        holder.close()


def test_a_postgres_journal_written_by_two_connections_verifies(postgres_dsn: str) -> None:
    one, two = PostgresStore(postgres_dsn), PostgresStore(postgres_dsn)
    try:
        reg = Registration.new(RID)
        one.save(
            reg, expected_revision=None, journal_entries=journal_moves(None, reg, source="local")
        )
        loaded = two.load(RID)
        before = loaded.registration.snapshot()
        loaded.registration.submit()
        two.save(
            loaded.registration,
            expected_revision=loaded.revision,
            journal_entries=journal_moves(before, loaded.registration, source="answer"),
        )
        entries = one.journal(RID)
        assert [e.trigger for e in entries] == ["create", "submit"]
        assert verify_journal(entries, one.load(RID)).ok
    finally:
        one.close()
        two.close()


def test_threads_sharing_one_sqlite_store(tmp_path: Path) -> None:
    count = 2
    store = SqliteStore(tmp_path / "threads.db")
    store.save(Registration.new(RID), expected_revision=None)
    barrier = threading.Barrier(count)
    wins: list[str] = []

    def attempt() -> None:
        loaded = store.load(RID)
        barrier.wait()
        try:
            store.save(loaded.registration, expected_revision=loaded.revision)
            wins.append("saved")
        except ConcurrentUpdateError:
            wins.append("conflict")

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(wins) == ["conflict", "saved"]
    store.close()
