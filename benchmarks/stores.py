"""Committed saves per second through the stores, against the raw floor of the same work.

A save through a store serializes the registration (10 versions), compare-and-sets its row,
chains one journal entry onto the last and inserts it, in one transaction. The floor is the
least SQL that commits the same thing with the same driver: one compare-and-set UPDATE of a
body of the same size and one journal INSERT with a precomputed hash, in one transaction. The
two are timed in alternating rounds on fresh databases, so load on the machine falls on both.

SQLite runs on a file in WAL mode with the default ``synchronous=FULL``, as a service would.
PostgreSQL runs on a throwaway server (``TemporaryPostgres``, which turns fsync off: the data
is thrown away), so its figures show the library's cost over the driver's, not a disk's.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from registration_fsm import Registration, SteppingClock
from registration_fsm.store import JournalMove, SqliteStore, Store

from .cases import LIBRARY, Row
from .harness import Budget, Sample

__all__ = ["store_rows", "ten_versions"]

_RID = "registration-0123456789abcdef0123456789abcdef"
_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
_HASH = "ab" * 32


def ten_versions() -> Registration:
    """A registration of ten versions: nine archived, the last one approved."""
    reg = Registration.new(_RID, clock=SteppingClock(_START, timedelta(minutes=5)))
    for number in range(10):
        if number:
            reg.create_version()
        for trigger in ("submit", "begin_review", "approve"):
            reg.fire(trigger)
    return reg


def _move() -> JournalMove:
    return JournalMove(_RID, 10, "approve", "REVIEWING", "APPROVED", _START, "event", "bench")


def _through_store(store: Store, reg: Registration, count: int) -> float:
    """Seconds for ``count`` committed saves, each one CAS and one journal entry."""
    revision = store.save(reg, expected_revision=None)
    move = _move()
    gc.collect()
    start = time.perf_counter()
    for _ in range(count):
        revision = store.save(reg, expected_revision=revision, journal_entries=(move,))
    return time.perf_counter() - start


_FLOOR_UPDATE = (
    "UPDATE rfsm_registrations SET revision = revision + 1, status = {p}, body = {p} "
    "WHERE registration_id = {p} AND revision = {p}"
)
_FLOOR_INSERT = (
    "INSERT INTO rfsm_journal (registration_id, sequence, version_number, trigger, "
    "from_status, to_status, stamp, source, worker_id, recorded_at, previous_hash, hash) "
    "VALUES ({p}, {p}, 10, 'approve', 'REVIEWING', 'APPROVED', {p}, 'event', 'bench', {p}, "
    "{p}, {p})"
)


def _sqlite_floor(path: Path, reg: Registration, count: int) -> float:
    """The same commits in raw sqlite3, on the store's own schema."""
    SqliteStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    body = json.dumps(reg.to_dict(), separators=(",", ":"))
    stamp = _START.isoformat(timespec="microseconds")
    conn.execute(
        "INSERT INTO rfsm_registrations (registration_id, revision, status, body) "
        "VALUES (?, 1, 'COMPLETE', ?)",
        (_RID, body),
    )
    update, insert = _FLOOR_UPDATE.format(p="?"), _FLOOR_INSERT.format(p="?")
    gc.collect()
    start = time.perf_counter()
    for revision in range(1, count + 1):
        conn.execute("BEGIN IMMEDIATE")
        cursor = conn.execute(update, ("COMPLETE", body, _RID, revision))
        assert cursor.rowcount == 1
        conn.execute(insert, (_RID, revision, stamp, stamp, _HASH, _HASH))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _postgres_floor(dsn: str, reg: Registration, count: int) -> float:
    import psycopg

    from registration_fsm.store import PostgresStore

    PostgresStore(dsn).close()
    body = json.dumps(reg.to_dict(), separators=(",", ":"))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO rfsm_registrations (registration_id, revision, status, body) "
            "VALUES (%s, 1, 'COMPLETE', %s::jsonb)",
            (_RID, body),
        )
        update = _FLOOR_UPDATE.format(p="%s").replace("body = %s", "body = %s::jsonb")
        insert = _FLOOR_INSERT.format(p="%s")
        gc.collect()
        start = time.perf_counter()
        for revision in range(1, count + 1):
            with conn.transaction():
                cursor = conn.execute(update, ("COMPLETE", body, _RID, revision))
                assert cursor.rowcount == 1
                conn.execute(insert, (_RID, revision, _START, _START, _HASH, _HASH))
        return time.perf_counter() - start


def _rates(pair: dict[str, Callable[[int], float]], count: int, rounds: int) -> dict[str, Sample]:
    runs: dict[str, list[float]] = {key: [] for key in pair}
    order = list(pair)
    for round_number in range(rounds):
        for key in order if round_number % 2 == 0 else order[::-1]:
            runs[key].append(count / pair[key](count))
    return {key: Sample(tuple(values)) for key, values in runs.items()}


def _row(key: str, label: str, sample: Sample | None, note: str = "") -> Row:
    return Row(key, LIBRARY, label, "/s", sample, note)


def store_rows(budget: Budget) -> list[Row]:
    """Saves per second through SqliteStore and PostgresStore, and their raw floors."""
    full = budget.name == "full"
    count, rounds = (400, 5) if full else (20, 2)
    reg = ten_versions()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="rfsm-bench-") as scratch:
        files = (Path(scratch) / f"s{i}.db" for i in range(2 * rounds))

        def sqlite_store(n: int) -> float:
            with SqliteStore(next(files)) as store:
                return _through_store(store, reg, n)

        def sqlite_floor(n: int) -> float:
            return _sqlite_floor(next(files), reg, n)

        found = _rates({"store_sqlite_save": sqlite_store, "store_sqlite_floor": sqlite_floor},
                       count, rounds)  # fmt: skip
    rows.append(
        _row(
            "store_sqlite_save",
            "SqliteStore.save, 10-version registration + 1 journal entry, file (WAL)",
            found["store_sqlite_save"],
        )
    )
    rows.append(
        _row(
            "store_sqlite_floor",
            "raw sqlite3: CAS UPDATE + journal INSERT per transaction, same file setup",
            found["store_sqlite_floor"],
        )
    )
    rows += _postgres_rows(reg, count, rounds)
    return rows


def _postgres_rows(reg: Registration, count: int, rounds: int) -> list[Row]:
    save_label = "PostgresStore.save, same work (throwaway server, fsync off)"
    floor_label = "raw psycopg: CAS UPDATE + journal INSERT per transaction"
    missing = _postgres_missing()
    if missing is not None:
        return [
            _row("store_postgres_save", save_label, None, missing),
            _row("store_postgres_floor", floor_label, None, missing),
        ]
    from registration_fsm.store import PostgresStore
    from registration_fsm.testing.postgres import TemporaryPostgres

    with TemporaryPostgres() as server:

        def postgres_store(n: int) -> float:
            with PostgresStore(server.create_database()) as store:
                return _through_store(store, reg, n)

        def postgres_floor(n: int) -> float:
            return _postgres_floor(server.create_database(), reg, n)

        found = _rates(
            {"store_postgres_save": postgres_store, "store_postgres_floor": postgres_floor},
            count,
            rounds,
        )
    return [
        _row("store_postgres_save", save_label, found["store_postgres_save"]),
        _row("store_postgres_floor", floor_label, found["store_postgres_floor"]),
    ]


def _postgres_missing() -> str | None:
    """Why PostgreSQL cannot be measured here, or None."""
    from registration_fsm.testing.postgres import INSTALL_HINT, find_postgres_bin

    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (the postgres extra)"
    if find_postgres_bin() is None:
        return f"PostgreSQL is not installed: {INSTALL_HINT}"
    return None
