"""The embedded store: one SQLite file (WAL) shared by the processes of one host."""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import datetime, timedelta
from typing import Any, Literal, NoReturn

from ..clock import Clock, utc_now
from ..errors import ConcurrentUpdateError, OperationInProgress, StoreError
from ..history import utc_text
from ._base import INTENT_COLUMNS, JOURNAL_COLUMNS, SaveRequest, SqlStore, intent_key
from ._cache import DEFAULT_CACHE_SIZE, ParsedCache
from ._heads import JournalHeads
from ._journal import GENESIS_HASH, chain_rows
from ._protocol import Intent, Loaded, utc

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

_SCHEMA_2 = """
CREATE TABLE IF NOT EXISTS rfsm_events (
    registration_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (registration_id, event_id)
);
"""

#: The statements that take a store from version n-1 to n, by n.
_MIGRATIONS: dict[int, str] = {1: _SCHEMA_1, 2: _SCHEMA_2}


def _text(value: datetime | None) -> str | None:
    """A UTC time as fixed-width ISO-8601 text, so that text order is time order."""
    return None if value is None else utc_text(utc(value, "time"))


class SqliteStore(SqlStore):
    """Registrations in one SQLite file: WAL, ``BEGIN IMMEDIATE`` writes, a busy timeout.

    Several processes on one host may share the file: each write takes SQLite's write lock
    for its transaction, so compare-and-set saves and intent claims are decided one at a time.
    One store object is safe to share between threads (one connection, behind a lock).
    ``SqliteStore(":memory:")`` is a private in-memory database, for tests. ``clock`` is
    where the store's idea of now comes from (leases, recorded times). ``cache_size`` is how
    many parsed registrations the store keeps, keyed by their exact stored text
    (``registration_fsm/store/_cache.py``; 0 parses every load).
    """

    _PARAM = "?"
    _SCHEMA_EXISTS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rfsm_schema'"
    _SCHEMA_TABLE = (
        "CREATE TABLE IF NOT EXISTS rfsm_schema "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
    )
    _LOADED_COLUMNS = (
        "registration_id, body, revision, next_check_at, journal_head, journal_sequence"
    )
    _DUE_CLAUSE = "next_check_at IS NOT NULL AND next_check_at <= ?"
    _LIST_ORDER = "next_check_at IS NULL, next_check_at, registration_id"
    _INTENTS_ORDER = "version_number, operation"
    _EXPIRED_ORDER = "expires_at, registration_id, version_number, operation"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 30.0,
        clock: Clock | None = None,
        migrate: bool = True,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._cache = ParsedCache(cache_size)
        self._heads = JournalHeads()
        self._location = os.fspath(path)
        self._clock: Clock = clock if clock is not None else utc_now
        self._lock = threading.RLock()
        self._errors = sqlite3.Error
        try:
            self._conn: sqlite3.Connection = sqlite3.connect(
                self._location,
                timeout=busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if self._location != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
            self._reader = self._conn.cursor()
        except sqlite3.Error as exc:
            raise StoreError(f"{self._location}: cannot open: {exc}", cause=exc) from exc
        self._check_schema(migrate)

    def __repr__(self) -> str:
        return f"SqliteStore({self._location!r})"

    # -- plumbing --------------------------------------------------------------------------

    def _write(self) -> _WriteTransaction:
        """One write transaction, holding SQLite's write lock from its start."""
        return _WriteTransaction(self)

    @staticmethod
    def _from_db(value: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)

    @staticmethod
    def _to_db(value: datetime | None) -> Any:
        return _text(value)

    def _moment(self, value: datetime | None, field: str) -> Any:
        return _text(value)

    def _apply_migration(self, conn: Any, version: int) -> None:
        for statement in _statements(_MIGRATIONS[version]):
            conn.execute(statement)

    # -- registrations ---------------------------------------------------------------------

    def _save(self, request: SaveRequest) -> tuple[int, str | None]:
        reg, expected, moves, due, release, text, _ = request
        rid = reg.registration_id
        status = reg.status.value
        known = self._heads.at(rid, expected)
        with self._write() as conn:
            if known is None:
                # Not known here (another worker saved since): read under the write lock, so
                # that the one write of the row sets it too.
                row = conn.execute(
                    "SELECT revision, journal_head, journal_sequence FROM rfsm_registrations "
                    "WHERE registration_id = ?",
                    (rid,),
                ).fetchone()
                if row is None or row[0] != expected:
                    raise ConcurrentUpdateError(rid, expected, None if row is None else row[0])
                known = row[1], row[2]
            head, sequence = known
            # The rows hold the times as the hash took them: the store's own text for them.
            rows = (
                chain_rows(
                    moves,
                    recorded_at=self._now(),
                    sequence=sequence,
                    previous_hash=head or GENESIS_HASH,
                )
                if moves
                else ()
            )
            if rows:
                head, sequence = rows[-1][0].hash, rows[-1][0].sequence
            if expected is None:
                inserted = conn.execute(
                    "INSERT INTO rfsm_registrations (registration_id, revision, status, "
                    "next_check_at, body, journal_head, journal_sequence) "
                    "VALUES (?, 1, ?, ?, ?, ?, ?) ON CONFLICT (registration_id) DO NOTHING",
                    (rid, status, due, text, head, sequence),
                )
                if inserted.rowcount != 1:
                    self._refuse(conn, rid, None)
            else:
                updated = conn.execute(
                    "UPDATE rfsm_registrations SET revision = revision + 1, status = ?, "
                    "next_check_at = ?, lease_owner = NULL, lease_expires_at = NULL, body = ?, "
                    "journal_head = ?, journal_sequence = ? "
                    "WHERE registration_id = ? AND revision = ?",
                    (status, due, text, head, sequence, rid, expected),
                )
                if updated.rowcount != 1:
                    self._refuse(conn, rid, expected)
            if rows:
                conn.executemany(
                    f"INSERT INTO rfsm_journal ({JOURNAL_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [row for _, row in rows],
                )
            if release is not None:
                self._delete_intent(conn, release)
        revision = 1 if expected is None else expected + 1
        self._heads.remember(rid, revision, head, sequence)
        # A TEXT column gives back exactly the text written.
        return revision, text

    @staticmethod
    def _refuse(conn: sqlite3.Connection, rid: str, expected: int | None) -> NoReturn:
        """The compare and set found another revision (or no row): say which."""
        row = conn.execute(
            "SELECT revision FROM rfsm_registrations WHERE registration_id = ?", (rid,)
        ).fetchone()
        raise ConcurrentUpdateError(rid, expected, None if row is None else row[0])

    def claim_due(self, limit: int, worker_id: str, lease: timedelta) -> tuple[Loaded, ...]:
        count, worker, span, now = self._lease_terms(limit, worker_id, lease)
        with self._write() as conn:
            rows = conn.execute(
                f"SELECT {self._LOADED_COLUMNS} FROM rfsm_registrations "
                "WHERE next_check_at IS NOT NULL AND next_check_at <= ? "
                "AND (lease_expires_at IS NULL OR lease_expires_at <= ?) "
                "ORDER BY next_check_at, registration_id LIMIT ?",
                (_text(now), _text(now), count),
            ).fetchall()
            conn.executemany(
                "UPDATE rfsm_registrations SET lease_owner = ?, lease_expires_at = ? "
                "WHERE registration_id = ?",
                [(worker, _text(now + span), row[0]) for row in rows],
            )
        return tuple(self._loaded_rows(rows))

    # -- intents ---------------------------------------------------------------------------

    def _claim(self, intent: Intent, now: datetime) -> None:
        # One statement in the common case: the insert finds out whether an intent is held.
        with self._write() as conn:
            cursor = conn.execute(
                f"INSERT INTO rfsm_intents ({INTENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                self._intent_row(intent),
            )
            if cursor.rowcount == 1:
                return
            held = self._stored_intent(conn, intent_key(intent))
        if held is None:  # pragma: no cover - the write lock is held from insert to read
            raise StoreError(f"{self._location}: an intent both held and missing")
        raise OperationInProgress(held, expired=held.expired(now))


class _WriteTransaction:
    """``with store._write() as conn``: the store's lock, then ``BEGIN IMMEDIATE``; committed
    when the block ends, rolled back when it raises (an ``sqlite3.Error`` as a StoreError).

    A class rather than a generator: every save and claim opens one."""

    __slots__ = ("_store",)

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    def __enter__(self) -> sqlite3.Connection:
        store = self._store
        store._lock.acquire()
        try:
            store._conn.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            self._roll_back()
            if isinstance(exc, sqlite3.Error):
                raise self._failed(exc) from exc
            raise
        return store._conn

    def __exit__(self, kind: object, exc: BaseException | None, trace: object) -> Literal[False]:
        if exc is None:
            try:
                self._store._conn.execute("COMMIT")
            except BaseException as failed:
                self._roll_back()
                if isinstance(failed, sqlite3.Error):
                    raise self._failed(failed) from failed
                raise
            self._store._lock.release()
            return False
        self._roll_back()
        if isinstance(exc, sqlite3.Error):
            raise self._failed(exc) from exc
        return False

    def _roll_back(self) -> None:
        """Undo whatever the transaction did, and let the store's lock go."""
        store = self._store
        try:
            if store._conn.in_transaction:
                store._conn.execute("ROLLBACK")
        finally:
            store._lock.release()

    def _failed(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(
            f"{self._store._location}: the transaction failed and was rolled back: {exc}",
            cause=exc,
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
