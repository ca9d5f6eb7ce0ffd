"""Committed submits through RegistrationService and loads through the stores, against raw SQL.

**Moves.** The service offers no purely local move: every move it commits is an operation on
the backend, claimed first. So the move measured is ``RegistrationService.submit(rid)`` of a
registration of ten versions (nine approved and archived, the tenth a DRAFT) against the
in-memory simulator. One submit is, to the store: load the row, read its intents, claim an
intent (one write transaction), load the row again under the claim, then, after the
simulator answered, save the registration with one journal entry (DRAFT -> SUBMITTED) and
release the intent (one more write transaction). Every submit is of another registration,
so every figure is of a 10-version body; the store's cache of parsed registrations is emptied
after the registrations are stored, so the first load of each submit parses its row, as a
worker's would after another worker saved it (the second load finds the same text, kept).

The floor does the same with the same driver, in raw SQL, in the same number of
transactions, and makes the same simulator call: the same three SELECTs; the claim as one
INSERT of the intent in a transaction of its own; the save as one compare-and-set UPDATE of
a body of the same size (the next check and the journal head included), one journal INSERT
and one DELETE of the intent in one transaction. It parses and serializes nothing (the body
and the hash are computed once beforehand), checks nothing and makes no journal hash, so the
ratio is all the library costs over the database and the simulator. The two are timed in
alternating rounds on fresh databases, so load on the machine falls on both.

**Loads.** ``Store.load(rid)`` and ``RegistrationService.get(rid)`` of a 10-version
registration against a raw SELECT of the row, with the same driver on its own connection,
timed interleaved per call (:func:`benchmarks.harness.per_call`). Each is taken twice, in the
same rounds against the same floor: *warm*, the same stored row loaded again (the service's
pattern: it loads a registration twice per operation, the syncer every round), which the
store's cache of parsed registrations answers after reading the row and finding its body
text unchanged; and *cold*, a store opened with ``cache_size=0`` on the same database, which
parses every load. The target applies to the warm load; the cold one is what a load of a
row this store has not seen (or that another process changed) costs. psycopg decodes a
``jsonb`` column into Python objects by itself, so the PostgreSQL floor (``SELECT body``)
includes the JSON parse; the store reads ``body::text`` (a row shows that SELECT alone).
SQLite's floor returns the text.

SQLite runs on a file in WAL mode with the default ``synchronous=FULL``; PostgreSQL on a
throwaway server (``TemporaryPostgres``: unix socket, fsync off).
"""

from __future__ import annotations

import argparse
import gc
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

from registration_fsm import Registration
from registration_fsm.backends import InMemoryBackend
from registration_fsm.service import RegistrationService
from registration_fsm.store import SqliteStore, Store

from .cases import LIBRARY, Row
from .harness import Budget, Sample, Timed, per_call

__all__ = ["COLD_NOTE", "COLD_RATIOS", "main", "service_rows"]

_HASH = "ab" * 32
_TOKEN = "cd" * 16
_CLAIMED = datetime(2026, 6, 1, tzinfo=timezone.utc)
_EXPIRES = _CLAIMED + timedelta(minutes=5)
_DUE = _CLAIMED + timedelta(hours=1)
COLD_RATIOS = (
    ("service_sqlite_floor", "service_sqlite_submit_warm"),
    ("service_postgres_floor", "service_postgres_submit_warm"),
    ("load_cold_sqlite", "select_sqlite"),
    ("get_cold_sqlite", "select_sqlite"),
    ("load_cold_postgres", "select_postgres"),
    ("get_cold_postgres", "select_postgres"),
    ("select_text_postgres", "select_postgres"),
)
"""Printed beside the report's ratios; not targets."""
COLD_NOTE = (
    "the load targets are judged on the warm load (the row loaded again, as the service and "
    "the syncer do); a cold load (cache_size=0, or a row this store has not read since it "
    "changed) parses the body and rebuilds ten versions, and is printed above, not judged. "
    "The submit targets are judged the other way round: on submits that each parse their row "
    "first, as after another worker saved it; the warm submits are printed, not judged"
)
_COUNTS = {"full": (200, 5)}
"""Submits per run and rounds, by budget name (the quick budget: 10 and 2)."""


def _populate(store: Store, count: int, id_seed: int) -> tuple[InMemoryBackend, list[str]]:
    """``count`` registrations of ten versions (the tenth a DRAFT), in a simulator and stored."""
    backend = InMemoryBackend(catalogue=None, id_seed=id_seed)
    rids = []
    for _ in range(count):
        rid = backend.create_registration("BENCH_REGISTRATION").registration_id
        for _number in range(9):
            backend.submit(rid)
            backend.play_aws(rid, "begin_review")
            backend.play_aws(rid, "approve")
            backend.create_version(rid)
        store.save(Registration.from_backend(backend, rid), expected_revision=None)
        rids.append(rid)
    return backend, rids


def _submit_body(backend: InMemoryBackend, rid: str) -> tuple[str, str]:
    """The body and status a submit of ``rid`` stores, from a copy of the simulator's."""
    reg = Registration.from_backend(backend, rid)
    reg.fire("submit")
    return json.dumps(reg.to_dict(), separators=(",", ":")), reg.status.value


def _through_service(store: Store, count: int, seed: int, *, warm: bool = False) -> float:
    """Seconds for ``count`` committed submits through the service."""
    backend, rids = _populate(store, count, seed)
    if not warm:
        # As if another worker had stored them: the first load of each submit parses the row
        # (the second, under the claim, finds the same text and is answered by the cache).
        cast("Any", store)._cache.clear()
    service = RegistrationService(store, backend, worker_id="bench")
    gc.collect()
    start = time.perf_counter()
    for rid in rids:
        service.submit(rid)
    elapsed = time.perf_counter() - start
    assert all(service.get(rid).latest.status.value == "SUBMITTED" for rid in rids)
    assert len(service.journal(rids[0])) == 1
    return elapsed


_LOAD = (
    "SELECT body, revision, next_check_at, journal_head, journal_sequence "
    "FROM rfsm_registrations WHERE registration_id = ?"
)
_INTENTS = (
    "SELECT registration_id, version_number, operation, worker_id, claimed_at, expires_at, "
    "token FROM rfsm_intents WHERE registration_id = ?"
)
_CLAIM = (
    "INSERT INTO rfsm_intents (registration_id, version_number, operation, worker_id, "
    "claimed_at, expires_at, token) VALUES (?, 10, 'submit', 'bench', ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
_RELEASE = (
    "DELETE FROM rfsm_intents WHERE registration_id = ? AND version_number = 10 "
    "AND operation = 'submit' AND token = ?"
)
_CAS = (
    "UPDATE rfsm_registrations SET revision = revision + 1, status = ?, next_check_at = ?, "
    "lease_owner = NULL, lease_expires_at = NULL, body = {body}, journal_head = ?, "
    "journal_sequence = journal_sequence + 1 WHERE registration_id = ? AND revision = ?"
)
_APPEND = (
    "INSERT INTO rfsm_journal (registration_id, sequence, version_number, trigger, "
    "from_status, to_status, stamp, source, worker_id, recorded_at, previous_hash, hash) "
    "{select} ?, ?, 10, 'submit', 'DRAFT', 'SUBMITTED', ?, 'answer', 'bench', ?, ?, ?"
)


class _Floor:
    """The raw submit's SQL for one driver: reads, the claim, and the save with the release."""

    def __init__(self, conn: Any, times: tuple[Any, Any, Any]) -> None:
        """``times``: the claim's time, its lease's end, the next check saved."""
        self.conn = conn
        self.times = times

    def claim(self, rid: str) -> None:
        raise NotImplementedError

    def save(self, rid: str, body: tuple[str, str], revision: int, sequence: int) -> None:
        raise NotImplementedError


class _SqliteFloor(_Floor):
    """Each write a ``BEGIN IMMEDIATE`` transaction, as SqliteStore's are."""

    load, intents = _LOAD, _INTENTS

    def claim(self, rid: str) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        assert conn.execute(_CLAIM, (rid, self.times[0], self.times[1], _TOKEN)).rowcount == 1
        conn.execute("COMMIT")

    def save(self, rid: str, body: tuple[str, str], revision: int, sequence: int) -> None:
        conn, stamp = self.conn, self.times[0]
        conn.execute("BEGIN IMMEDIATE")
        assert conn.execute(_RELEASE, (rid, _TOKEN)).rowcount == 1
        due = self.times[2]
        cas = conn.execute(_CAS.format(body="?"), (body[1], due, body[0], _HASH, rid, revision))
        assert cas.rowcount == 1
        conn.execute(
            _APPEND.format(select="VALUES (") + ")",
            (rid, sequence + 1, stamp, stamp, _HASH, _HASH),
        )
        conn.execute("COMMIT")


_PG_SAVE = (
    "WITH released AS ("
    + _RELEASE
    + " RETURNING 1), cas AS ("
    + _CAS.format(body="?::jsonb")
    + " AND EXISTS (SELECT 1 FROM released) RETURNING 1), appended AS ("
    + _APPEND.format(select="SELECT")
    + " WHERE EXISTS (SELECT 1 FROM cas) RETURNING 1) SELECT CASE WHEN EXISTS "
    "(SELECT 1 FROM appended) THEN 1 ELSE rfsm_refuse('floor: refused') END"
).replace("?", "%s")


class _PostgresFloor(_Floor):
    """Each write one statement, its own transaction, as PostgresStore's save is: the least
    number of round trips. The save releases, compares and sets, and appends in one
    statement that aborts itself when any part finds nothing (the store's ``rfsm_refuse``)."""

    load, intents = _LOAD.replace("?", "%s"), _INTENTS.replace("?", "%s")
    _claim = _CLAIM.replace("?", "%s")

    def claim(self, rid: str) -> None:
        assert (
            self.conn.execute(self._claim, (rid, self.times[0], self.times[1], _TOKEN)).rowcount
            == 1
        )

    def save(self, rid: str, body: tuple[str, str], revision: int, sequence: int) -> None:
        stamp = self.times[0]
        params = (rid, _TOKEN, body[1], self.times[2], body[0], _HASH, rid, revision)
        entry = (rid, sequence + 1, stamp, stamp, _HASH, _HASH)
        self.conn.execute(_PG_SAVE, (*params, *entry)).fetchone()


def _floor_submits(
    floor: _SqliteFloor | _PostgresFloor,
    backend: InMemoryBackend,
    rids: list[str],
    body: tuple[str, str],
) -> float:
    """Seconds for the raw submits of ``rids``."""
    conn = floor.conn
    gc.collect()
    start = time.perf_counter()
    for rid in rids:
        conn.execute(floor.load, (rid,)).fetchone()
        conn.execute(floor.intents, (rid,)).fetchall()
        floor.claim(rid)
        row = conn.execute(floor.load, (rid,)).fetchone()
        backend.submit(rid)
        floor.save(rid, body, row[1], row[4])
    return time.perf_counter() - start


def _sqlite_conn(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    return conn


def _sqlite_floor(path: Path, count: int, seed: int) -> float:
    with SqliteStore(path) as store:
        backend, rids = _populate(store, count, seed)
    body = _submit_body(backend, rids[0])
    conn = _sqlite_conn(path)
    try:
        stamps = (
            _CLAIMED.isoformat(timespec="microseconds"),
            _EXPIRES.isoformat(timespec="microseconds"),
            _DUE.isoformat(timespec="microseconds"),
        )
        return _floor_submits(_SqliteFloor(conn, stamps), backend, rids, body)
    finally:
        conn.close()


def _postgres_floor(dsn: str, count: int, seed: int) -> float:
    import psycopg

    from registration_fsm.store import PostgresStore

    with PostgresStore(dsn) as store:
        backend, rids = _populate(store, count, seed)
    body = _submit_body(backend, rids[0])
    with psycopg.connect(dsn, autocommit=True) as conn:
        return _floor_submits(
            _PostgresFloor(conn, (_CLAIMED, _EXPIRES, _DUE)), backend, rids, body
        )


def _rates(
    pair: dict[str, Callable[[int, int], float]], count: int, rounds: int
) -> dict[str, Sample]:
    runs: dict[str, list[float]] = {key: [] for key in pair}
    order = list(pair)
    seeds = iter(range(1, 2 * rounds * len(pair) + 1))
    for round_number in range(rounds):
        for key in order if round_number % 2 == 0 else order[::-1]:
            runs[key].append(count / pair[key](count, next(seeds)))
    return {key: Sample(tuple(values)) for key, values in runs.items()}


def _rate_row(key: str, label: str, sample: Sample | None, note: str = "") -> Row:
    return Row(key, LIBRARY, label, "/s", sample, note)


def _load_rows(
    db: str,
    stores: tuple[Store, Store],
    raw: Any,
    rid: str,
    sql: str,
    budget: Budget,
    *,
    text_body: bool,
) -> list[Row]:
    """Store.load and service.get, warm and cold, and the raw SELECT of one row, per call,
    interleaved. ``stores``: the default store and one with ``cache_size=0`` on the same
    database."""
    warm, cold = stores
    name = type(warm).__name__

    def service(store: Store) -> RegistrationService:
        return RegistrationService(store, InMemoryBackend(catalogue=None), worker_id="bench")

    warm.load(rid)  # the row as the service finds it on its second load
    timings = [
        (
            Timed(f"load_{db}", "store.load(rid)", {"store": warm, "rid": rid}),
            f"{name}.load, a 10-version registration, warm (the same row again)",
        ),
        (
            Timed(f"load_cold_{db}", "store.load(rid)", {"store": cold, "rid": rid}),
            f"{name}.load, the same, cold (cache_size=0: every load parses)",
        ),
        (
            Timed(f"get_{db}", "service.get(rid)", {"service": service(warm), "rid": rid}),
            f"RegistrationService.get on {name}, warm",
        ),
        (
            Timed(f"get_cold_{db}", "service.get(rid)", {"service": service(cold), "rid": rid}),
            f"RegistrationService.get on {name}, cold",
        ),
        (
            Timed(
                f"select_{db}",
                "conn.execute(sql, (rid,)).fetchall()",
                {"conn": raw, "sql": sql, "rid": rid},
            ),
            "raw SELECT of the same row and columns, same driver"
            + ("" if text_body else " (psycopg decodes the jsonb)"),
        ),
    ]
    if text_body:
        timings.append(
            (
                Timed(
                    f"select_json_{db}",
                    "loads(conn.execute(sql, (rid,)).fetchall()[0][0])",
                    {"conn": raw, "sql": sql, "rid": rid, "loads": json.loads},
                ),
                "raw SELECT + json.loads of the body (not a target; where the time goes)",
            )
        )
    else:
        timings.append(
            (
                Timed(
                    f"select_text_{db}",
                    "conn.execute(sql, (rid,)).fetchall()",
                    {"conn": raw, "sql": sql.replace("body,", "body::text,"), "rid": rid},
                ),
                "raw SELECT of body::text, as the store reads it (not a target)",
            )
        )
    samples = per_call([timed for timed, _ in timings], budget)
    return [Row(timed.key, LIBRARY, label, "ns", samples[timed.key]) for timed, label in timings]


def service_rows(budget: Budget) -> list[Row]:
    """Submits per second through the service and loads, on SQLite and PostgreSQL."""
    count, rounds = _COUNTS.get(budget.name, (10, 2))
    with tempfile.TemporaryDirectory(prefix="rfsm-bench-") as scratch:
        files = _files(Path(scratch))

        def sqlite_service(n: int, seed: int) -> float:
            with SqliteStore(next(files)) as store:
                return _through_service(store, n, seed)

        def sqlite_warm(n: int, seed: int) -> float:
            with SqliteStore(next(files)) as store:
                return _through_service(store, n, seed, warm=True)

        def sqlite_floor(n: int, seed: int) -> float:
            return _sqlite_floor(next(files), n, seed)

        found = _rates(
            {
                "service_sqlite_submit": sqlite_service,
                "service_sqlite_floor": sqlite_floor,
                "service_sqlite_submit_warm": sqlite_warm,
            },
            count,
            rounds,
        )
        rows = [
            _rate_row(
                "service_sqlite_submit",
                "RegistrationService.submit, SqliteStore (file, WAL), simulator, 10 versions",
                found["service_sqlite_submit"],
            ),
            _rate_row(
                "service_sqlite_floor",
                "raw sqlite3: 3 SELECTs, claim txn, CAS+journal+release txn, same simulator",
                found["service_sqlite_floor"],
            ),
            _rate_row(
                "service_sqlite_submit_warm",
                "the same submits, each registration already in the store's cache",
                found["service_sqlite_submit_warm"],
            ),
        ]
        path = next(files)
        with SqliteStore(path) as store, SqliteStore(path, cache_size=0) as cold:
            _, rids = _populate(store, 1, 0)
            raw = _sqlite_conn(path)
            try:
                pair = (store, cold)
                rows += _load_rows("sqlite", pair, raw, rids[0], _LOAD, budget, text_body=True)
            finally:
                raw.close()
    return rows + _postgres_rows(count, rounds, budget)


def _files(scratch: Path) -> Iterator[Path]:
    number = 0
    while True:
        number += 1
        yield scratch / f"s{number}.db"


def _postgres_rows(count: int, rounds: int, budget: Budget) -> list[Row]:
    from .stores import _postgres_missing

    submit_label = "RegistrationService.submit, PostgresStore (throwaway server, fsync off)"
    floor_label = "raw psycopg: the same reads, claim and one-statement save, same simulator"
    warm_label = "the same submits, each registration already in the store's cache"
    missing = _postgres_missing()
    if missing is not None:
        return [
            _rate_row("service_postgres_submit", submit_label, None, missing),
            _rate_row("service_postgres_floor", floor_label, None, missing),
            _rate_row("service_postgres_submit_warm", warm_label, None, missing),
            Row("load_postgres", LIBRARY, "PostgresStore.load, warm", "ns", None, missing),
            Row("load_cold_postgres", LIBRARY, "PostgresStore.load, cold", "ns", None, missing),
            Row("get_postgres", LIBRARY, "RegistrationService.get, warm", "ns", None, missing),
            Row(
                "get_cold_postgres", LIBRARY, "RegistrationService.get, cold", "ns", None, missing
            ),
            Row("select_postgres", LIBRARY, "raw SELECT, psycopg", "ns", None, missing),
            Row("select_text_postgres", LIBRARY, "raw SELECT body::text", "ns", None, missing),
        ]
    import psycopg

    from registration_fsm.store import PostgresStore
    from registration_fsm.testing.postgres import TemporaryPostgres

    with TemporaryPostgres() as server:

        def postgres_service(n: int, seed: int) -> float:
            with PostgresStore(server.create_database()) as store:
                return _through_service(store, n, seed)

        def postgres_floor(n: int, seed: int) -> float:
            return _postgres_floor(server.create_database(), n, seed)

        def postgres_warm(n: int, seed: int) -> float:
            with PostgresStore(server.create_database()) as store:
                return _through_service(store, n, seed, warm=True)

        found = _rates(
            {
                "service_postgres_submit": postgres_service,
                "service_postgres_floor": postgres_floor,
                "service_postgres_submit_warm": postgres_warm,
            },
            count,
            rounds,
        )
        rows = [
            _rate_row("service_postgres_submit", submit_label, found["service_postgres_submit"]),
            _rate_row("service_postgres_floor", floor_label, found["service_postgres_floor"]),
            _rate_row(
                "service_postgres_submit_warm", warm_label, found["service_postgres_submit_warm"]
            ),
        ]
        dsn = server.create_database()
        with (
            PostgresStore(dsn) as store,
            PostgresStore(dsn, cache_size=0) as cold,
            psycopg.connect(dsn, autocommit=True) as raw,
        ):
            _, rids = _populate(store, 1, 0)
            sql = _LOAD.replace("?", "%s")
            pair = (store, cold)
            rows += _load_rows("postgres", pair, raw, rids[0], sql, budget, text_body=False)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.service``: these rows alone, their ratios and their targets."""
    from .harness import FULL, QUICK
    from .report import RATIOS, TARGETS, _format, _times, ratio
    from .run import machine_lines

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.service",
        description="Submits through RegistrationService and store loads against raw SQL.",
    )
    parser.add_argument("--quick", action="store_true", help="a few short runs")
    args = parser.parse_args(argv)
    budget = QUICK if args.quick else FULL
    rows = service_rows(budget)
    keys = {row.key for row in rows}
    lines = machine_lines(f"{budget.name} (service and load rows only)")
    width = max(len(row.label) for row in rows) + 2
    for row in rows:
        spread = "" if row.sample is None else f"{row.sample.spread:>7.0%}"
        lines.append(f"  {row.label:{width}}{_format(row):>12}  {spread}  {row.note}".rstrip())
    lines.append("ratios (medians of this run)")
    for numerator, denominator in (*RATIOS, *COLD_RATIOS):
        if numerator in keys and denominator in keys:
            value = ratio(rows, numerator, denominator)
            lines.append(
                f"  {'-' if value is None else _times(value):>8}  {numerator} / {denominator}"
            )
    lines.append("targets")
    for target in TARGETS:
        if target.figure in keys:
            verdict = target.judge(rows)
            lines.append(f"  {verdict.status:4}  {verdict.target}: {verdict.detail}")
    if "load_cold_sqlite" in keys:
        lines.append(f"  note  {COLD_NOTE}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
