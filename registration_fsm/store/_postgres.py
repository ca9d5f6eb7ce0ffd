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
    InvalidValueError,
    MissingDependencyError,
    OperationInProgress,
    RegistrationNotStored,
    SchemaVersionError,
    StoreError,
)
from ..registration import Registration
from ..statuses import RegistrationStatus, VersionStatus
from ..version import validate_registration_id
from ._journal import GENESIS_HASH, JournalEntry, JournalMove, JournalSource, chain_from
from ._pg_save import REFUSED, one_statement_save
from ._pg_schema import MIGRATION_LOCK, MIGRATIONS
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

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

_JOURNAL_COLUMNS = (
    "registration_id, sequence, version_number, trigger, from_status, to_status, stamp, "
    "source, worker_id, recorded_at, previous_hash, hash"
)
_INTENT_COLUMNS = (
    "registration_id, version_number, operation, worker_id, claimed_at, expires_at, token"
)
_LOADED_COLUMNS = "body, revision, next_check_at, journal_head, journal_sequence"
_HEADS_KEPT = 10_000


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise MissingDependencyError(
            "psycopg", "install the postgres extra: pip install 'registration-fsm[postgres]'"
        ) from exc
    return psycopg


def _time(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(timezone.utc)


def _entry(row: Sequence[Any]) -> JournalEntry:
    recorded = _time(row[9])
    assert recorded is not None
    return JournalEntry(
        row[0],
        int(row[1]),
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


def _entry_row(entry: JournalEntry) -> tuple[Any, ...]:
    return (
        entry.registration_id,
        entry.sequence,
        entry.version_number,
        entry.trigger,
        None if entry.from_status is None else entry.from_status.value,
        entry.to_status.value,
        entry.stamp,
        entry.source.value,
        entry.worker_id,
        entry.recorded_at,
        entry.previous_hash,
        entry.hash,
    )


def _intent(row: Sequence[Any]) -> Intent:
    claimed, expires = _time(row[4]), _time(row[5])
    assert claimed is not None
    assert expires is not None
    return Intent(row[0], row[1], row[2], row[3], claimed, expires, row[6])


def _loaded(row: Sequence[Any]) -> Loaded:
    return Loaded(registration_from(row[0]), int(row[1]), _time(row[2]), row[3])


class PostgresStore:
    """Registrations in PostgreSQL, for many workers on many hosts.

    ``dsn`` is a libpq connection string or URI. One store object holds one connection and is
    safe to share between threads (behind a lock); give each process its own.
    """

    def __init__(self, dsn: str, *, clock: Clock | None = None, migrate: bool = True) -> None:
        driver = _psycopg()
        self._errors: type[Exception] = driver.Error
        self._clock: Clock = clock if clock is not None else utc_now
        self._lock = threading.RLock()
        self._location = "PostgreSQL"
        # (registration id, revision) -> (journal head, its sequence), from loads and saves:
        # the head at a revision never changes, and knowing it makes a save one statement.
        self._heads: dict[tuple[str, int], tuple[str | None, int]] = {}
        try:
            self._conn: psycopg.Connection[Any] = driver.connect(dsn, autocommit=True)
            self._conn.execute("SET TIME ZONE 'UTC'")
            info = self._conn.info
            self._location = f"postgresql database {info.dbname!r}"
        except driver.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL: {exc}", cause=exc) from exc
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
        return f"PostgresStore(<{self._location}>)"

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

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

    @contextmanager
    def _read(self) -> Iterator[psycopg.Connection[Any]]:
        """Reads of one statement each: autocommit, no transaction round trips."""
        with self._lock:
            try:
                yield self._conn
            except self._errors as exc:
                raise StoreError(f"{self._location}: read failed: {exc}", cause=exc) from exc

    def _recorded_version(self) -> int:
        with self._read() as conn:
            exists = conn.execute("SELECT to_regclass('rfsm_schema')").fetchone()
            if exists is None or exists[0] is None:
                return 0
            row = conn.execute("SELECT version FROM rfsm_schema WHERE id = 1").fetchone()
            return 0 if row is None else int(row[0])

    def _now(self) -> datetime:
        return utc(self._clock(), "the store's clock")

    def _remember(self, rid: str, revision: int, head: str | None, sequence: int) -> None:
        if len(self._heads) >= _HEADS_KEPT:
            self._heads.clear()
        self._heads[(rid, revision)] = (head, sequence)

    def _loaded_rows(self, rows: Sequence[Sequence[Any]]) -> list[Loaded]:
        out = [_loaded(row) for row in rows]
        with self._lock:
            for row, loaded in zip(rows, out):
                self._remember(loaded.registration_id, loaded.revision, row[3], int(row[4]))
        return out

    # -- schema ----------------------------------------------------------------------------

    def migrate(self) -> int:
        with self._write() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS rfsm_schema "
                "(id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)"
            )
            row = conn.execute("SELECT version FROM rfsm_schema WHERE id = 1").fetchone()
            found = 0 if row is None else int(row[0])
            if found > SCHEMA_VERSION:
                raise SchemaVersionError(self._location, found, SCHEMA_VERSION)
            for version in range(found + 1, SCHEMA_VERSION + 1):
                conn.execute(MIGRATIONS[version])
            conn.execute(
                "INSERT INTO rfsm_schema (id, version) VALUES (1, %s) "
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
                f"SELECT {_LOADED_COLUMNS} FROM rfsm_registrations WHERE registration_id = %s",
                (rid,),
            ).fetchone()
        if row is None:
            raise RegistrationNotStored(rid)
        return self._loaded_rows([row])[0]

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
        due = None if next_check_at is None else utc(next_check_at, "next_check_at")
        release = check_release(reg, release)
        rid = reg.registration_id
        text = body(reg)
        status = reg.status.value
        with self._lock:
            known = (None, 0) if expected is None else self._heads.get((rid, expected))
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
                status=status,
                due=due,
                body=text,
                head=head,
                sequence=sequence,
                entries=[_entry_row(e) for e in entries],
                release=release,
            )
            with self._lock:
                try:
                    self._conn.execute(sql, params)
                except self._errors as exc:
                    if getattr(exc, "sqlstate", None) != REFUSED:
                        raise StoreError(
                            f"{self._location}: the save failed and was undone: {exc}",
                            cause=exc,
                        ) from exc
                    self._why_refused(rid, expected, release)
                else:
                    revision = 1 if expected is None else expected + 1
                    self._remember(rid, revision, head, sequence)
                    return revision
        revision, head, sequence = self._save_in_transaction(
            rid, expected, status, due, text, moves, release
        )
        with self._lock:
            self._remember(rid, revision, head, sequence)
        return revision

    def _why_refused(self, rid: str, expected: int | None, release: Intent | None) -> None:
        """Raise what made a one-statement save refuse; return when it no longer holds."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT revision FROM rfsm_registrations WHERE registration_id = %s", (rid,)
            ).fetchone()
            actual = None if row is None else int(row[0])
            if actual != expected:
                raise ConcurrentUpdateError(rid, expected, actual)
            if release is not None and _stored_intent(conn, _key(release), lock=False) != release:
                raise IntentLostError(release)

    def _save_in_transaction(
        self,
        rid: str,
        expected: int | None,
        status: str,
        due: datetime | None,
        text: str,
        moves: Sequence[JournalMove],
        release: Intent | None,
    ) -> tuple[int, str | None, int]:
        """The general save: read the journal head in the transaction that writes."""
        with self._write() as conn:
            if expected is None:
                row = conn.execute(
                    "INSERT INTO rfsm_registrations (registration_id, revision, status, "
                    "next_check_at, body) VALUES (%s, 1, %s, %s, %s::jsonb) "
                    "ON CONFLICT (registration_id) DO NOTHING "
                    "RETURNING journal_head, journal_sequence",
                    (rid, status, due, text),
                ).fetchone()
            else:
                row = conn.execute(
                    "UPDATE rfsm_registrations SET revision = revision + 1, status = %s, "
                    "next_check_at = %s, lease_owner = NULL, lease_expires_at = NULL, "
                    "body = %s::jsonb WHERE registration_id = %s AND revision = %s "
                    "RETURNING journal_head, journal_sequence",
                    (status, due, text, rid, expected),
                ).fetchone()
            if row is None:
                found = conn.execute(
                    "SELECT revision FROM rfsm_registrations WHERE registration_id = %s", (rid,)
                ).fetchone()
                raise ConcurrentUpdateError(
                    rid, expected, None if found is None else int(found[0])
                )
            revision = 1 if expected is None else expected + 1
            if moves or release is not None:
                entries = chain_from(
                    moves,
                    recorded_at=self._now(),
                    sequence=int(row[1]),
                    previous_hash=row[0] or GENESIS_HASH,
                )
                _append_and_release(conn, rid, entries, release)
                if entries:
                    return revision, entries[-1].hash, entries[-1].sequence
        return revision, row[0], int(row[1])

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
            where.append("status = %s")
            params.append(RegistrationStatus.parse(status).value)
        if due_before is not None:
            where.append("next_check_at <= %s")
            params.append(utc(due_before, "due_before"))
        count = check_limit(limit, optional=True)
        sql = f"SELECT {_LOADED_COLUMNS} FROM rfsm_registrations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += ' ORDER BY next_check_at ASC NULLS LAST, registration_id COLLATE "C"'
        if count is not None:
            sql += " LIMIT %s"
            params.append(count)
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return tuple(self._loaded_rows(rows))

    def claim_due(self, limit: int, worker_id: str, lease: timedelta) -> tuple[Loaded, ...]:
        count = check_limit(limit)
        worker = check_name(worker_id, "a worker id")
        span = check_lease(lease)
        now = self._now()
        with self._write() as conn:
            rows = conn.execute(
                "WITH due AS (SELECT registration_id FROM rfsm_registrations "
                "WHERE next_check_at <= %s "
                "AND (lease_expires_at IS NULL OR lease_expires_at <= %s) "
                'ORDER BY next_check_at, registration_id COLLATE "C" LIMIT %s '
                "FOR UPDATE SKIP LOCKED) "
                "UPDATE rfsm_registrations AS r SET lease_owner = %s, lease_expires_at = %s "
                "FROM due WHERE r.registration_id = due.registration_id "
                "RETURNING r.body, r.revision, r.next_check_at, r.journal_head, "
                "r.journal_sequence",
                (now, now, count, worker, now + span),
            ).fetchall()
        loaded = self._loaded_rows(rows)
        loaded.sort(key=lambda item: (item.next_check_at, item.registration_id))
        return tuple(loaded)

    def journal(self, registration_id: str) -> tuple[JournalEntry, ...]:
        rid = validate_registration_id(registration_id)
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_JOURNAL_COLUMNS} FROM rfsm_journal WHERE registration_id = %s "
                "ORDER BY sequence",
                (rid,),
            ).fetchall()
        return tuple(_entry(row) for row in rows)

    # -- intents ---------------------------------------------------------------------------

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
        while True:
            with self._write() as conn:
                cursor = conn.execute(
                    f"INSERT INTO rfsm_intents ({_INTENT_COLUMNS}) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (*key, intent.worker_id, intent.claimed_at, intent.expires_at, intent.token),
                )
                if cursor.rowcount == 1:
                    return intent
                held = _stored_intent(conn, key, lock=True)
                if held is not None:
                    raise OperationInProgress(held, expired=held.expired(now))
            # The holder released it between our insert and our read: claim again.

    def take_over_intent(self, intent: Intent, worker_id: str, lease: timedelta) -> Intent:
        if not isinstance(intent, Intent):
            raise InvalidValueError(f"expected an Intent, got {type(intent).__name__}")
        now = self._now()
        fresh = new_intent(
            intent.registration_id, intent.version_number, intent.operation, worker_id, lease, now
        )
        key = (intent.registration_id, intent.version_number, intent.operation)
        with self._write() as conn:
            held = _stored_intent(conn, key, lock=True)
            if held is None or held.token != intent.token:
                raise IntentLostError(intent)
            if not held.expired(now):
                raise OperationInProgress(held, expired=False)
            conn.execute(
                "UPDATE rfsm_intents SET worker_id = %s, claimed_at = %s, expires_at = %s, "
                "token = %s WHERE registration_id = %s AND version_number = %s "
                "AND operation = %s",
                (fresh.worker_id, fresh.claimed_at, fresh.expires_at, fresh.token, *key),
            )
        return fresh

    def release_intent(self, intent: Intent) -> None:
        if not isinstance(intent, Intent):
            raise InvalidValueError(f"expected an Intent, got {type(intent).__name__}")
        with self._write() as conn:
            _delete_intent(conn, intent)

    def intents(self, registration_id: str) -> tuple[Intent, ...]:
        rid = validate_registration_id(registration_id)
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_INTENT_COLUMNS} FROM rfsm_intents WHERE registration_id = %s "
                'ORDER BY version_number, operation COLLATE "C"',
                (rid,),
            ).fetchall()
        return tuple(_intent(row) for row in rows)

    def expired_intents(self, at: datetime | None = None) -> tuple[Intent, ...]:
        when = self._now() if at is None else utc(at, "at")
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_INTENT_COLUMNS} FROM rfsm_intents WHERE expires_at <= %s "
                'ORDER BY expires_at, registration_id COLLATE "C", version_number, '
                'operation COLLATE "C"',
                (when,),
            ).fetchall()
        return tuple(_intent(row) for row in rows)


def _stored_intent(
    conn: psycopg.Connection[Any], key: tuple[str, int, str], *, lock: bool
) -> Intent | None:
    row = conn.execute(
        f"SELECT {_INTENT_COLUMNS} FROM rfsm_intents WHERE registration_id = %s "
        "AND version_number = %s AND operation = %s" + (" FOR UPDATE" if lock else ""),
        key,
    ).fetchone()
    return None if row is None else _intent(row)


def _append_and_release(
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
            f"appended AS (INSERT INTO rfsm_journal ({_JOURNAL_COLUMNS}) VALUES {values})"
        )
        for entry in entries:
            params.extend(_entry_row(entry))
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


def _key(intent: Intent) -> tuple[str, int, str]:
    return (intent.registration_id, intent.version_number, intent.operation)


def _delete_intent(conn: psycopg.Connection[Any], intent: Intent) -> None:
    cursor = conn.execute(
        "DELETE FROM rfsm_intents WHERE registration_id = %s AND version_number = %s "
        "AND operation = %s AND token = %s",
        (intent.registration_id, intent.version_number, intent.operation, intent.token),
    )
    if cursor.rowcount != 1:
        raise IntentLostError(intent)
