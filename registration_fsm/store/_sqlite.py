"""The embedded store: one SQLite file (WAL) shared by the processes of one host."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from ..clock import Clock, utc_now
from ..errors import (
    ConcurrentUpdateError,
    IntentLostError,
    InvalidValueError,
    OperationInProgress,
    RegistrationNotStored,
    SchemaVersionError,
    StoreError,
)
from ..registration import Registration
from ..statuses import RegistrationStatus, VersionStatus
from ..version import validate_registration_id
from ._journal import GENESIS_HASH, JournalEntry, JournalMove, JournalSource, chain_from
from ._protocol import (
    SCHEMA_VERSION,
    Intent,
    Loaded,
    body,
    check_lease,
    check_limit,
    check_moves,
    check_name,
    check_registration,
    check_release,
    check_revision,
    new_intent,
    registration_from,
    utc,
)

__all__ = ["SqliteStore"]

_SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS rfsm_registrations (
    registration_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    status TEXT NOT NULL,
    next_check_at TEXT,
    lease_owner TEXT,
    lease_expires_at TEXT,
    journal_head TEXT,
    journal_sequence INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rfsm_registrations_status ON rfsm_registrations (status);
CREATE INDEX IF NOT EXISTS rfsm_registrations_due ON rfsm_registrations (next_check_at);
CREATE TABLE IF NOT EXISTS rfsm_journal (
    registration_id TEXT NOT NULL,
    sequence INTEGER NOT NULL CHECK (sequence >= 1),
    version_number INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    stamp TEXT,
    source TEXT NOT NULL CHECK (source IN ('local', 'answer', 'reconcile', 'event')),
    worker_id TEXT,
    recorded_at TEXT NOT NULL,
    previous_hash TEXT NOT NULL CHECK (length(previous_hash) = 64),
    hash TEXT NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (registration_id, sequence)
);
CREATE TRIGGER IF NOT EXISTS rfsm_journal_no_update BEFORE UPDATE ON rfsm_journal
BEGIN SELECT RAISE(ABORT, 'rfsm_journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS rfsm_journal_no_delete BEFORE DELETE ON rfsm_journal
BEGIN SELECT RAISE(ABORT, 'rfsm_journal is append-only'); END;
CREATE TABLE IF NOT EXISTS rfsm_intents (
    registration_id TEXT NOT NULL,
    version_number INTEGER NOT NULL,
    operation TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (registration_id, version_number, operation)
);
CREATE INDEX IF NOT EXISTS rfsm_intents_expiry ON rfsm_intents (expires_at);
"""

#: The statements that take a store from version n-1 to n, by n.
_MIGRATIONS: dict[int, str] = {1: _SCHEMA_1}

_JOURNAL_COLUMNS = (
    "registration_id, sequence, version_number, trigger, from_status, to_status, stamp, "
    "source, worker_id, recorded_at, previous_hash, hash"
)
_INTENT_COLUMNS = (
    "registration_id, version_number, operation, worker_id, claimed_at, expires_at, token"
)
_LOADED_COLUMNS = "body, revision, next_check_at, journal_head"


def _text(value: datetime | None) -> str | None:
    """A UTC time as fixed-width ISO-8601 text, so that text order is time order."""
    return None if value is None else utc(value, "time").isoformat(timespec="microseconds")


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _entry_row(entry: JournalEntry) -> tuple[Any, ...]:
    return (
        entry.registration_id,
        entry.sequence,
        entry.version_number,
        entry.trigger,
        None if entry.from_status is None else entry.from_status.value,
        entry.to_status.value,
        _text(entry.stamp),
        entry.source.value,
        entry.worker_id,
        _text(entry.recorded_at),
        entry.previous_hash,
        entry.hash,
    )


def _entry(row: Sequence[Any]) -> JournalEntry:
    recorded = _time(row[9])
    assert recorded is not None
    return JournalEntry(
        row[0],
        row[1],
        row[2],
        row[3],
        None if row[4] is None else VersionStatus(row[4]),
        VersionStatus(row[5]),
        _time(row[6]),
        JournalSource(row[7]),
        row[8],
        recorded,
        row[10],
        row[11],
    )


def _intent(row: Sequence[Any]) -> Intent:
    claimed, expires = _time(row[4]), _time(row[5])
    assert claimed is not None
    assert expires is not None
    return Intent(row[0], row[1], row[2], row[3], claimed, expires, row[6])


def _loaded(row: Sequence[Any]) -> Loaded:
    return Loaded(registration_from(row[0]), row[1], _time(row[2]), row[3])


class SqliteStore:
    """Registrations in one SQLite file: WAL, ``BEGIN IMMEDIATE`` writes, a busy timeout.

    Several processes on one host may share the file: each write takes SQLite's write lock
    for its transaction, so compare-and-set saves and intent claims are decided one at a time.
    One store object is safe to share between threads (one connection, behind a lock).
    ``SqliteStore(":memory:")`` is a private in-memory database, for tests. ``clock`` is
    where the store's idea of now comes from (leases, recorded times).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 30.0,
        clock: Clock | None = None,
        migrate: bool = True,
    ) -> None:
        self._location = os.fspath(path)
        self._clock: Clock = clock if clock is not None else utc_now
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                self._location,
                timeout=busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if self._location != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as exc:
            raise StoreError(f"{self._location}: cannot open: {exc}", cause=exc) from exc
        try:
            found = self._recorded_version()
            if found > SCHEMA_VERSION:
                raise SchemaVersionError(self._location, found, SCHEMA_VERSION)
            if migrate and found < SCHEMA_VERSION:
                self.migrate()
        except BaseException:
            self._conn.close()
            raise

    def __repr__(self) -> str:
        return f"SqliteStore({self._location!r})"

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- plumbing --------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding SQLite's write lock from its start."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(
                        f"{self._location}: the transaction failed and was rolled back: {exc}",
                        cause=exc,
                    ) from exc
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StoreError(f"{self._location}: read failed: {exc}", cause=exc) from exc

    def _recorded_version(self) -> int:
        with self._read() as conn:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rfsm_schema'"
            ).fetchone()
            if exists is None:
                return 0
            row = conn.execute("SELECT version FROM rfsm_schema WHERE id = 1").fetchone()
            return 0 if row is None else int(row[0])

    def _now(self) -> datetime:
        return utc(self._clock(), "the store's clock")

    # -- schema ----------------------------------------------------------------------------

    def migrate(self) -> int:
        with self._write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS rfsm_schema "
                "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
            )
            row = conn.execute("SELECT version FROM rfsm_schema WHERE id = 1").fetchone()
            found = 0 if row is None else int(row[0])
            if found > SCHEMA_VERSION:
                raise SchemaVersionError(self._location, found, SCHEMA_VERSION)
            for version in range(found + 1, SCHEMA_VERSION + 1):
                for statement in _statements(_MIGRATIONS[version]):
                    conn.execute(statement)
            conn.execute(
                "INSERT INTO rfsm_schema (id, version) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                (max(found, SCHEMA_VERSION),),
            )
        return SCHEMA_VERSION

    @property
    def schema_version(self) -> int:
        return self._recorded_version()

    # -- registrations ---------------------------------------------------------------------

    def load(self, registration_id: str) -> Loaded:
        rid = validate_registration_id(registration_id)
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_LOADED_COLUMNS} FROM rfsm_registrations WHERE registration_id = ?",
                (rid,),
            ).fetchone()
        if row is None:
            raise RegistrationNotStored(rid)
        return _loaded(row)

    def save(
        self,
        registration: Registration,
        *,
        expected_revision: int | None,
        journal_entries: Sequence[JournalMove] = (),
        next_check_at: datetime | None = None,
        release: Intent | None = None,
    ) -> int:
        reg = check_registration(registration)
        expected = check_revision(expected_revision)
        moves = check_moves(reg, journal_entries)
        due = _text(next_check_at)
        release = check_release(reg, release)
        rid = reg.registration_id
        text = body(reg)
        status = reg.status.value
        with self._write() as conn:
            if expected is None:
                row = conn.execute(
                    "INSERT INTO rfsm_registrations (registration_id, revision, status, "
                    "next_check_at, body) VALUES (?, 1, ?, ?, ?) "
                    "ON CONFLICT (registration_id) DO NOTHING "
                    "RETURNING journal_head, journal_sequence",
                    (rid, status, due, text),
                ).fetchone()
            else:
                row = conn.execute(
                    "UPDATE rfsm_registrations SET revision = revision + 1, status = ?, "
                    "next_check_at = ?, lease_owner = NULL, lease_expires_at = NULL, body = ? "
                    "WHERE registration_id = ? AND revision = ? "
                    "RETURNING journal_head, journal_sequence",
                    (status, due, text, rid, expected),
                ).fetchone()
            if row is None:
                found = conn.execute(
                    "SELECT revision FROM rfsm_registrations WHERE registration_id = ?", (rid,)
                ).fetchone()
                raise ConcurrentUpdateError(rid, expected, None if found is None else found[0])
            if moves:
                entries = chain_from(
                    moves,
                    recorded_at=self._now(),
                    sequence=row[1],
                    previous_hash=row[0] or GENESIS_HASH,
                )
                conn.executemany(
                    f"INSERT INTO rfsm_journal ({_JOURNAL_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [_entry_row(e) for e in entries],
                )
                conn.execute(
                    "UPDATE rfsm_registrations SET journal_head = ?, journal_sequence = ? "
                    "WHERE registration_id = ?",
                    (entries[-1].hash, entries[-1].sequence, rid),
                )
            if release is not None:
                self._delete_intent(conn, release)
        return 1 if expected is None else expected + 1

    def list(
        self,
        *,
        status: RegistrationStatus | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> tuple[Loaded, ...]:
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            where.append("status = ?")
            params.append(RegistrationStatus.parse(status).value)
        if due_before is not None:
            where.append("next_check_at IS NOT NULL AND next_check_at <= ?")
            params.append(_text(due_before))
        count = check_limit(limit, optional=True)
        sql = f"SELECT {_LOADED_COLUMNS} FROM rfsm_registrations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY next_check_at IS NULL, next_check_at, registration_id"
        if count is not None:
            sql += " LIMIT ?"
            params.append(count)
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return tuple(_loaded(row) for row in rows)

    def claim_due(self, limit: int, worker_id: str, lease: timedelta) -> tuple[Loaded, ...]:
        count = check_limit(limit)
        worker = check_name(worker_id, "a worker id")
        span = check_lease(lease)
        now = self._now()
        with self._write() as conn:
            rows = conn.execute(
                f"SELECT {_LOADED_COLUMNS}, registration_id FROM rfsm_registrations "
                "WHERE next_check_at IS NOT NULL AND next_check_at <= ? "
                "AND (lease_expires_at IS NULL OR lease_expires_at <= ?) "
                "ORDER BY next_check_at, registration_id LIMIT ?",
                (_text(now), _text(now), count),
            ).fetchall()
            conn.executemany(
                "UPDATE rfsm_registrations SET lease_owner = ?, lease_expires_at = ? "
                "WHERE registration_id = ?",
                [(worker, _text(now + span), row[4]) for row in rows],
            )
        return tuple(_loaded(row) for row in rows)

    def journal(self, registration_id: str) -> tuple[JournalEntry, ...]:
        rid = validate_registration_id(registration_id)
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_JOURNAL_COLUMNS} FROM rfsm_journal WHERE registration_id = ? "
                "ORDER BY sequence",
                (rid,),
            ).fetchall()
        return tuple(_entry(row) for row in rows)

    # -- intents ---------------------------------------------------------------------------

    def _stored_intent(self, conn: sqlite3.Connection, key: tuple[str, int, str]) -> Intent | None:
        row = conn.execute(
            f"SELECT {_INTENT_COLUMNS} FROM rfsm_intents "
            "WHERE registration_id = ? AND version_number = ? AND operation = ?",
            key,
        ).fetchone()
        return None if row is None else _intent(row)

    def _delete_intent(self, conn: sqlite3.Connection, intent: Intent) -> None:
        cursor = conn.execute(
            "DELETE FROM rfsm_intents WHERE registration_id = ? AND version_number = ? "
            "AND operation = ? AND token = ?",
            (intent.registration_id, intent.version_number, intent.operation, intent.token),
        )
        if cursor.rowcount != 1:
            raise IntentLostError(intent)

    def claim_intent(
        self,
        registration_id: str,
        version_number: int,
        operation: str,
        worker_id: str,
        lease: timedelta,
    ) -> Intent:
        now = self._now()
        intent = new_intent(registration_id, version_number, operation, worker_id, lease, now)
        key = (intent.registration_id, intent.version_number, intent.operation)
        with self._write() as conn:
            held = self._stored_intent(conn, key)
            if held is not None:
                raise OperationInProgress(held, expired=held.expired(now))
            conn.execute(
                f"INSERT INTO rfsm_intents ({_INTENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                _intent_row(intent),
            )
        return intent

    def take_over_intent(self, intent: Intent, worker_id: str, lease: timedelta) -> Intent:
        if not isinstance(intent, Intent):
            raise InvalidValueError(f"expected an Intent, got {type(intent).__name__}")
        now = self._now()
        fresh = new_intent(
            intent.registration_id, intent.version_number, intent.operation, worker_id, lease, now
        )
        key = (intent.registration_id, intent.version_number, intent.operation)
        with self._write() as conn:
            held = self._stored_intent(conn, key)
            if held is None or held.token != intent.token:
                raise IntentLostError(intent)
            if not held.expired(now):
                raise OperationInProgress(held, expired=False)
            conn.execute(
                "UPDATE rfsm_intents SET worker_id = ?, claimed_at = ?, expires_at = ?, "
                "token = ? WHERE registration_id = ? AND version_number = ? AND operation = ?",
                (
                    fresh.worker_id,
                    _text(fresh.claimed_at),
                    _text(fresh.expires_at),
                    fresh.token,
                    *key,
                ),
            )
        return fresh

    def release_intent(self, intent: Intent) -> None:
        if not isinstance(intent, Intent):
            raise InvalidValueError(f"expected an Intent, got {type(intent).__name__}")
        with self._write() as conn:
            self._delete_intent(conn, intent)

    def intents(self, registration_id: str) -> tuple[Intent, ...]:
        rid = validate_registration_id(registration_id)
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_INTENT_COLUMNS} FROM rfsm_intents WHERE registration_id = ? "
                "ORDER BY version_number, operation",
                (rid,),
            ).fetchall()
        return tuple(_intent(row) for row in rows)

    def expired_intents(self, at: datetime | None = None) -> tuple[Intent, ...]:
        when = self._now() if at is None else utc(at, "at")
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_INTENT_COLUMNS} FROM rfsm_intents WHERE expires_at <= ? "
                "ORDER BY expires_at, registration_id, version_number, operation",
                (_text(when),),
            ).fetchall()
        return tuple(_intent(row) for row in rows)


def _intent_row(intent: Intent) -> tuple[Any, ...]:
    return (
        intent.registration_id,
        intent.version_number,
        intent.operation,
        intent.worker_id,
        _text(intent.claimed_at),
        _text(intent.expires_at),
        intent.token,
    )


def _statements(script: str) -> list[str]:
    """A script's statements, split where SQLite says one is complete."""
    out: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    return [s for s in out if s]
