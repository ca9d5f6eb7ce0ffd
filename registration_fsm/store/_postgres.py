"""The store for many workers on many hosts: PostgreSQL through psycopg 3.

Compare-and-set is an ``UPDATE ... WHERE revision = %s``: PostgreSQL makes a concurrent
second UPDATE of the row wait for the first and then re-check the revision, so exactly one
wins. Intents are rows claimed by their primary key and taken over under ``FOR UPDATE``;
the due list is read with ``FOR UPDATE SKIP LOCKED``, so syncers never wait on each other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ..clock import Clock, utc_now
from ..errors import (
    ConcurrentUpdateError,
    IntentLostError,
    MissingDependencyError,
    OperationInProgress,
    StoreError,
)
from ._base import INTENT_COLUMNS, JOURNAL_COLUMNS, SaveRequest, SqlStore, intent_key
from ._cache import DEFAULT_CACHE_SIZE, ParsedCache
from ._heads import JournalHeads
from ._journal import GENESIS_HASH, JournalEntry, chain_from
from ._pg_save import REFUSED, one_statement_save
from ._pg_schema import MIGRATION_LOCK, MIGRATIONS
from ._protocol import Intent, Loaded, utc

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise MissingDependencyError(
            "psycopg", "install the postgres extra: pip install 'registration-fsm[postgres]'"
        ) from exc
    return psycopg


class PostgresStore(SqlStore):
    """Registrations in PostgreSQL, for many workers on many hosts.

    ``dsn`` is a libpq connection string or URI. One store object holds one connection and is
    safe to share between threads (behind a lock); give each process its own.

    The body is a ``jsonb`` column, which keeps a value, not the text it was given: loads
    read it as ``body::text``, PostgreSQL's own printing of it, and the cache of parsed
    registrations (``cache_size``, ``registration_fsm/store/_cache.py``; 0 parses every
    load) is keyed by that text. A save primes the cache with the text the database printed
    back for the row it wrote (``RETURNING body::text``), never with the text it sent.
    """

    _PARAM = "%s"
    _SCHEMA_EXISTS = "SELECT to_regclass('rfsm_schema')"
    _SCHEMA_TABLE = (
        "CREATE TABLE IF NOT EXISTS rfsm_schema "
        "(id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)"
    )
    _LOADED_COLUMNS = (
        "registration_id, body::text, revision, next_check_at, journal_head, journal_sequence"
    )
    _FOR_UPDATE = " FOR UPDATE"
    _DUE_CLAUSE = "next_check_at <= ?"
    _LIST_ORDER = 'next_check_at ASC NULLS LAST, registration_id COLLATE "C"'
    _INTENTS_ORDER = 'version_number, operation COLLATE "C"'
    _EXPIRED_ORDER = (
        'expires_at, registration_id COLLATE "C", version_number, operation COLLATE "C"'
    )
    _EVENTS_ORDER = 'event_id COLLATE "C"'

    def __init__(
        self,
        dsn: str,
        *,
        clock: Clock | None = None,
        migrate: bool = True,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._cache = ParsedCache(cache_size)
        driver = _psycopg()
        self._errors: type[Exception] = driver.Error
        self._clock: Clock = clock if clock is not None else utc_now
        self._lock = threading.RLock()
        self._location = "PostgreSQL"
        # Knowing the journal head at the revision saved makes a save one statement.
        self._heads = JournalHeads()
        try:
            self._conn: psycopg.Connection[Any] = driver.connect(dsn, autocommit=True)
            self._conn.execute("SET TIME ZONE 'UTC'")
            self._reader = self._conn.cursor()
            info = self._conn.info
            self._location = f"postgresql database {info.dbname!r}"
        except driver.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL: {exc}", cause=exc) from exc
        self._check_schema(migrate)

    def __repr__(self) -> str:
        return f"PostgresStore(<{self._location}>)"

    # -- plumbing --------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[psycopg.Connection[Any]]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        with self._lock:
            try:
                with self._conn.transaction():
                    yield self._conn
            except self._errors as exc:
                raise StoreError(
                    f"{self._location}: the transaction failed and was rolled back: {exc}",
                    cause=exc,
                ) from exc

    @staticmethod
    def _from_db(value: Any) -> datetime | None:
        return None if value is None else value.astimezone(timezone.utc)

    @staticmethod
    def _to_db(value: datetime | None) -> Any:
        return value

    def _moment(self, value: datetime | None, field: str) -> Any:
        return None if value is None else utc(value, field)

    def _lock_migrations(self, conn: Any) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))

    def _apply_migration(self, conn: Any, version: int) -> None:
        conn.execute(MIGRATIONS[version])

    # -- registrations ---------------------------------------------------------------------

    def _save(self, request: SaveRequest) -> tuple[int, str | None]:
        reg, expected, moves, due, release, text, snapshot = request
        rid = reg.registration_id
        known = self._heads.at(rid, expected)
        if known is not None:
            entries = chain_from(
                moves,
                recorded_at=self._now(),
                sequence=known[1],
                previous_hash=known[0] or GENESIS_HASH,
            )
            head, sequence = (entries[-1].hash, entries[-1].sequence) if entries else known
            sql, params = one_statement_save(
                rid=rid,
                expected=expected,
                status=reg.status.value,
                due=due,
                body=text,
                head=head,
                sequence=sequence,
                entries=[self._entry_row(e) for e in entries],
                release=release,
                body_back=snapshot is not None,
            )
            with self._lock:
                try:
                    row = self._conn.execute(sql, params).fetchone()
                except self._errors as exc:
                    if getattr(exc, "sqlstate", None) != REFUSED:
                        raise StoreError(
                            f"{self._location}: the save failed and was undone: {exc}",
                            cause=exc,
                        ) from exc
                    self._why_refused(rid, expected, release)
                else:
                    revision = 1 if expected is None else expected + 1
                    self._heads.remember(rid, revision, head, sequence)
                    return revision, None if snapshot is None or row is None else row[0]
        revision, head, sequence, stored = self._save_in_transaction(request)
        self._heads.remember(rid, revision, head, sequence)
        return revision, stored

    def _why_refused(self, rid: str, expected: int | None, release: Intent | None) -> None:
        """Raise what made a one-statement save refuse; return when it no longer holds."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT revision FROM rfsm_registrations WHERE registration_id = %s", (rid,)
            ).fetchone()
            actual = None if row is None else int(row[0])
            if actual != expected:
                raise ConcurrentUpdateError(rid, expected, actual)
            if (
                release is not None
                and self._stored_intent(conn, intent_key(release), lock=False) != release
            ):
                raise IntentLostError(release)

    def _save_in_transaction(
        self, request: SaveRequest
    ) -> tuple[int, str | None, int, str | None]:
        """The general save: read the journal head in the transaction that writes; the new
        revision, journal head and sequence, and the body as the database prints it."""
        reg, expected, moves, _, release, _, snapshot = request
        back = "" if snapshot is None else "body::text"
        with self._write() as conn:
            head, sequence, stored = self._set_revision(conn, request, "%s::jsonb", back)
            revision = 1 if expected is None else expected + 1
            if moves or release is not None:
                entries = chain_from(
                    moves,
                    recorded_at=self._now(),
                    sequence=sequence,
                    previous_hash=head or GENESIS_HASH,
                )
                self._append_and_release(conn, reg.registration_id, entries, release)
                if entries:
                    return revision, entries[-1].hash, entries[-1].sequence, stored
        return revision, head, sequence, stored

    def claim_due(self, limit: int, worker_id: str, lease: timedelta) -> tuple[Loaded, ...]:
        count, worker, span, now = self._lease_terms(limit, worker_id, lease)
        with self._write() as conn:
            rows = conn.execute(
                "WITH due AS (SELECT registration_id FROM rfsm_registrations "
                "WHERE next_check_at <= %s "
                "AND (lease_expires_at IS NULL OR lease_expires_at <= %s) "
                'ORDER BY next_check_at, registration_id COLLATE "C" LIMIT %s '
                "FOR UPDATE SKIP LOCKED) "
                "UPDATE rfsm_registrations AS r SET lease_owner = %s, lease_expires_at = %s "
                "FROM due WHERE r.registration_id = due.registration_id "
                "RETURNING r.registration_id, r.body::text, r.revision, r.next_check_at, "
                "r.journal_head, r.journal_sequence",
                (now, now, count, worker, now + span),
            ).fetchall()
        loaded = self._loaded_rows(rows)
        loaded.sort(key=lambda item: (item.next_check_at, item.registration_id))
        return tuple(loaded)

    # -- intents ---------------------------------------------------------------------------

    def _claim(self, intent: Intent, now: datetime) -> None:
        # The insert is one statement, so its own transaction (the connection autocommits):
        # one round trip, where BEGIN and COMMIT around it would make three.
        key = intent_key(intent)
        while True:
            with self._lock:
                try:
                    cursor = self._conn.execute(
                        f"INSERT INTO rfsm_intents ({INTENT_COLUMNS}) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                        self._intent_row(intent),
                    )
                    if cursor.rowcount == 1:
                        return
                    held = self._stored_intent(self._conn, key, lock=False)
                except self._errors as exc:
                    raise StoreError(
                        f"{self._location}: the transaction failed and was rolled back: {exc}",
                        cause=exc,
                    ) from exc
            if held is not None:
                raise OperationInProgress(held, expired=held.expired(now))
            # The holder released it between our insert and our read: claim again.

    def _append_and_release(
        self,
        conn: psycopg.Connection[Any],
        rid: str,
        entries: Sequence[JournalEntry],
        release: Intent | None,
    ) -> None:
        """Insert the entries, move the journal head and release the intent: one statement."""
        parts: list[str] = []
        params: list[Any] = []
        if entries:
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(entries))
            parts.append(
                f"appended AS (INSERT INTO rfsm_journal ({JOURNAL_COLUMNS}) VALUES {values})"
            )
            for entry in entries:
                params.extend(self._entry_row(entry))
        if release is not None:
            parts.append(
                "released AS (DELETE FROM rfsm_intents WHERE registration_id = %s "
                "AND version_number = %s AND operation = %s AND token = %s RETURNING 1)"
            )
            params.extend(
                (release.registration_id, release.version_number, release.operation, release.token)
            )
        count = "(SELECT count(*) FROM released)" if release is not None else "1"
        if entries:
            final = (
                "UPDATE rfsm_registrations SET journal_head = %s, journal_sequence = %s "
                f"WHERE registration_id = %s RETURNING {count}"
            )
            params.extend((entries[-1].hash, entries[-1].sequence, rid))
        else:
            final = f"SELECT {count}"
        row = conn.execute("WITH " + ", ".join(parts) + " " + final, params).fetchone()
        if release is not None and (row is None or row[0] != 1):
            raise IntentLostError(release)
