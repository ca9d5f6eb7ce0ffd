"""The service benchmark's floor commits the same rows as the service does."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from benchmarks import service as bench
from registration_fsm.store import SqliteStore

_COUNT = 3


def _committed(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows)


def _sqlite_state(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    conn = sqlite3.connect(path)
    try:
        registrations = conn.execute(
            "SELECT revision, status, journal_sequence, lease_owner, next_check_at IS NULL "
            "FROM rfsm_registrations"
        ).fetchall()
        journal = conn.execute(
            "SELECT sequence, version_number, trigger, from_status, to_status, source, "
            "worker_id FROM rfsm_journal"
        ).fetchall()
        intents = conn.execute("SELECT count(*) FROM rfsm_intents").fetchone()[0]
    finally:
        conn.close()
    return _committed(registrations), _committed(journal), intents


def test_the_sqlite_floor_commits_the_same_rows_as_the_service(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "service.db") as store:
        assert bench._through_service(store, _COUNT, 1) > 0
    assert bench._sqlite_floor(tmp_path / "floor.db", _COUNT, 1) > 0
    service = _sqlite_state(tmp_path / "service.db")
    floor = _sqlite_state(tmp_path / "floor.db")
    assert service == floor
    registrations, journal, intents = service
    assert registrations == [(2, "SUBMITTED", 1, None, 0)] * _COUNT
    assert journal == [(1, 10, "submit", "DRAFT", "SUBMITTED", "answer", "bench")] * _COUNT
    assert intents == 0


def test_the_postgres_floor_commits_the_same_rows_as_the_service(postgres_server: Any) -> None:
    import psycopg

    from registration_fsm.store import PostgresStore

    def state(dsn: str) -> tuple[object, ...]:
        with psycopg.connect(dsn) as conn:
            return (
                _committed(
                    conn.execute(
                        "SELECT revision, status, journal_sequence, lease_owner, "
                        "next_check_at IS NULL FROM rfsm_registrations"
                    ).fetchall()
                ),
                _committed(
                    conn.execute(
                        "SELECT sequence, version_number, trigger, from_status, to_status, "
                        "source, worker_id FROM rfsm_journal"
                    ).fetchall()
                ),
                conn.execute("SELECT count(*) FROM rfsm_intents").fetchall(),
            )

    service_dsn, floor_dsn = postgres_server.create_database(), postgres_server.create_database()
    with PostgresStore(service_dsn) as store:
        assert bench._through_service(store, _COUNT, 1) > 0
    assert bench._postgres_floor(floor_dsn, _COUNT, 1) > 0
    assert state(service_dsn) == state(floor_dsn)
    assert state(service_dsn)[2] == [(0,)]


def test_the_load_rows_time_a_warm_and_a_cold_store_against_one_floor(tmp_path: Path) -> None:
    from benchmarks.harness import QUICK

    path = tmp_path / "loads.db"
    with SqliteStore(path) as warm, SqliteStore(path, cache_size=0) as cold:
        _, rids = bench._populate(warm, 1, 0)
        raw = sqlite3.connect(path)
        try:
            sql = bench._LOAD.replace(", journal_sequence", "")
            rows = bench._load_rows(
                "sqlite", (warm, cold), raw, rids[0], sql, QUICK, text_body=True
            )
        finally:
            raw.close()
        assert len(warm._cache) == 1  # the warm store answered from its cache
        assert len(cold._cache) == 0  # the cold one kept nothing: every load parsed
    keys = {row.key for row in rows}
    assert keys == {
        "load_sqlite",
        "load_cold_sqlite",
        "get_sqlite",
        "get_cold_sqlite",
        "select_sqlite",
        "select_json_sqlite",
    }
    assert all(row.sample is not None and row.sample.median > 0 for row in rows)
    assert {num for num, _ in bench.COLD_RATIOS if num.endswith("sqlite")} <= keys
