"""What the SQL stores share: one rule written once, the dialect supplied by each store.

A store names its parameter marker (``?`` or ``%s``), how times go in and come out, the
orderings its collation needs and the SQL that only it can run; everything else (argument
checks, the schema-version check, intent take-over and release, the list and journal
plumbing) is here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, ClassVar, NamedTuple, Protocol, TypeVar

from ..clock import Clock
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
from ._body import body
from ._cache import ParsedCache, parse_equivalent
from ._heads import JournalHeads
from ._journal import JournalEntry, JournalMove, JournalSource
from ._protocol import (
    SCHEMA_VERSION,
    Intent,
    Loaded,
    check_event,
    check_lease,
    check_limit,
    check_moves,
    check_name,
    check_registration,
    check_release,
    check_revision,
    new_intent,
    utc,
)

__all__ = ["INTENT_COLUMNS", "JOURNAL_COLUMNS", "SaveRequest", "SqlStore", "intent_key"]

JOURNAL_COLUMNS = (
    "registration_id, sequence, version_number, trigger, from_status, to_status, stamp, "
    "source, worker_id, recorded_at, previous_hash, hash"
)
INTENT_COLUMNS = (
    "registration_id, version_number, operation, worker_id, claimed_at, expires_at, token"
)

_S = TypeVar("_S", bound="SqlStore")


class _Connection(Protocol):
    def execute(self, sql: Any, params: Any = ..., /) -> Any: ...

    def close(self) -> None: ...


class SaveRequest(NamedTuple):
    """A save's checked arguments, as ``save`` hands them to the store's own ``_save``."""

    reg: Registration
    """What is written: the cache's snapshot when there is one, else the caller's object."""
    expected: int | None
    moves: tuple[JournalMove, ...]
    due: Any
    release: Intent | None
    text: str
    """The body written, made once from ``reg``."""
    snapshot: Registration | None
    """What the body parses to, for the cache once the save committed (None: keep nothing)."""


def intent_key(intent: Intent) -> tuple[str, int, str]:
    return (intent.registration_id, intent.version_number, intent.operation)


class SqlStore:
    """The logic both SQL stores run; a subclass opens ``_conn`` and fills in the dialect."""

    _PARAM: ClassVar[str]
    """The driver's parameter marker; the shared SQL is written with ``?``."""
    _SCHEMA_EXISTS: ClassVar[str]
    """A query whose one row holds a non-NULL value when the ``rfsm_schema`` table exists."""
    _SCHEMA_TABLE: ClassVar[str]
    _LOADED_COLUMNS: ClassVar[str]
    _DUE_CLAUSE: ClassVar[str]
    """``list``'s condition for ``due_before`` (on ``next_check_at``, one parameter)."""
    _LIST_ORDER: ClassVar[str]
    _FOR_UPDATE: ClassVar[str] = ""
    _INTENTS_ORDER: ClassVar[str]
    _EXPIRED_ORDER: ClassVar[str]
    _EVENTS_ORDER: ClassVar[str] = "event_id"
    _LOAD_SQL: ClassVar[str]
    """``load``'s statement, in the driver's markers."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        columns = getattr(cls, "_LOADED_COLUMNS", None)
        if columns is not None:
            # The id is the one asked for, so a load reads the columns after it.
            columns = columns.split(",", 1)[1].strip()
            sql = f"SELECT {columns} FROM rfsm_registrations WHERE registration_id = ?"
            cls._LOAD_SQL = sql if cls._PARAM == "?" else sql.replace("?", cls._PARAM)

    _conn: _Connection
    _reader: Any
    """A cursor of ``_conn`` kept for ``load`` (used under ``_lock``, like the connection)."""
    _errors: type[Exception]
    _location: str
    _clock: Clock
    _lock: threading.RLock
    _cache: ParsedCache
    _heads: JournalHeads

    # -- dialect ---------------------------------------------------------------------------

    @staticmethod
    def _from_db(value: Any) -> datetime | None:
        """A time as the driver returns it, as a UTC datetime."""
        raise NotImplementedError

    @staticmethod
    def _to_db(value: datetime | None) -> Any:
        """A UTC time as the driver takes it."""
        raise NotImplementedError

    def _apply_migration(self, conn: Any, version: int) -> None:
        raise NotImplementedError

    def _lock_migrations(self, conn: Any) -> None:
        """Keep concurrent migrations of one database apart (the write lock may do it)."""

    def _sql(self, text: str) -> str:
        return text if self._PARAM == "?" else text.replace("?", self._PARAM)

    def _write(self) -> Any:
        raise NotImplementedError

    # -- lifetime --------------------------------------------------------------------------

    def _check_schema(self, migrate: bool) -> None:
        """Refuse a schema newer than this library's; migrate an older one when asked."""
        try:
            found = self._recorded_version()
            if found > SCHEMA_VERSION:
                raise SchemaVersionError(self._location, found, SCHEMA_VERSION)
            if migrate and found < SCHEMA_VERSION:
                self.migrate()
        except BaseException:
            self._conn.close()
            raise

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with self._lock:
            try:
                yield self._conn
            except self._errors as exc:
                raise self._read_failed(exc) from exc

    def _read_failed(self, exc: BaseException) -> StoreError:
        return StoreError(f"{self._location}: read failed: {exc}", cause=exc)

    def _select(self, sql: str, params: Sequence[Any]) -> Any:
        """The rows of one read, its SQL written with ``?``."""
        with self._lock:
            try:
                return self._conn.execute(self._sql(sql), params).fetchall()
            except self._errors as exc:
                raise self._read_failed(exc) from exc

    def _recorded_version(self) -> int:
        with self._read() as conn:
            exists = conn.execute(self._SCHEMA_EXISTS).fetchone()
            if exists is None or exists[0] is None:
                return 0
            row = conn.execute("SELECT version FROM rfsm_schema WHERE id = 1").fetchone()
            return 0 if row is None else int(row[0])

    def _now(self) -> datetime:
        return utc(self._clock(), "the store's clock")

    # -- rows ------------------------------------------------------------------------------

    def _entry(self, row: Sequence[Any]) -> JournalEntry:
        recorded = self._from_db(row[9])
        assert recorded is not None
        return JournalEntry(
            row[0],
            int(row[1]),
            row[2],
            row[3],
            None if row[4] is None else VersionStatus(row[4]),
            VersionStatus(row[5]),
            self._from_db(row[6]),
            JournalSource(row[7]),
            row[8],
            recorded,
            row[10],
            row[11],
        )

    def _entry_row(self, entry: JournalEntry) -> tuple[Any, ...]:
        return (
            entry.registration_id,
            entry.sequence,
            entry.version_number,
            entry.trigger,
            None if entry.from_status is None else entry.from_status.value,
            entry.to_status.value,
            self._to_db(entry.stamp),
            entry.source.value,
            entry.worker_id,
            self._to_db(entry.recorded_at),
            entry.previous_hash,
            entry.hash,
        )

    def _intent(self, row: Sequence[Any]) -> Intent:
        claimed, expires = self._from_db(row[4]), self._from_db(row[5])
        assert claimed is not None
        assert expires is not None
        return Intent(row[0], row[1], row[2], row[3], claimed, expires, row[6])

    def _loaded(self, row: Sequence[Any]) -> Loaded:
        """A row of ``_LOADED_COLUMNS`` (id, then the columns of ``_LOAD_SQL``)."""
        return self._loaded_one(row[0], row[1:])

    def _loaded_rows(self, rows: Sequence[Sequence[Any]]) -> list[Loaded]:
        return [self._loaded(row) for row in rows]

    # -- schema ----------------------------------------------------------------------------

    def migrate(self) -> int:
        with self._write() as conn:
            self._lock_migrations(conn)
            conn.execute(self._SCHEMA_TABLE)
            row = conn.execute("SELECT version FROM rfsm_schema WHERE id = 1").fetchone()
            found = 0 if row is None else int(row[0])
            if found > SCHEMA_VERSION:
                raise SchemaVersionError(self._location, found, SCHEMA_VERSION)
            for version in range(found + 1, SCHEMA_VERSION + 1):
                self._apply_migration(conn, version)
            conn.execute(
                self._sql(
                    "INSERT INTO rfsm_schema (id, version) VALUES (1, ?) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version"
                ),
                (max(found, SCHEMA_VERSION),),
            )
        return SCHEMA_VERSION

    @property
    def schema_version(self) -> int:
        return self._recorded_version()

    # -- registrations ---------------------------------------------------------------------

    def load(self, registration_id: str) -> Loaded:
        # The hot path (the service loads twice per operation): ``_read`` written out, the
        # statement made once per class (``__init_subclass__``), and an id the cache holds
        # (so one validated before) not validated again.
        cache = self._cache
        rid = (
            registration_id
            if registration_id.__class__ is str and cache.holds(registration_id)
            else validate_registration_id(registration_id)
        )
        with self._lock:
            try:
                row = self._reader.execute(self._LOAD_SQL, (rid,)).fetchone()
            except self._errors as exc:
                raise self._read_failed(exc) from exc
        if row is None:
            raise RegistrationNotStored(rid)
        # _loaded_one written out.
        kept = cache.kept(rid, row[0])
        if kept is None:
            return self._parsed_row(rid, row)
        return Loaded(kept, row[1], self._from_db(row[2]), row[3])

    def _loaded_one(self, rid: str, row: Sequence[Any]) -> Loaded:
        """A row of ``_LOAD_SQL``: body text, revision, next check, journal head, its
        sequence."""
        kept = self._cache.kept(rid, row[0])
        if kept is None:
            return self._parsed_row(rid, row)
        return Loaded(kept, row[1], self._from_db(row[2]), row[3])

    def _parsed_row(self, rid: str, row: Sequence[Any]) -> Loaded:
        """:meth:`_loaded_one` of a row whose text the cache does not hold: parsed, and its
        journal head remembered for the next save. (A kept text's head was remembered at the
        revision it was kept at; a row saved since with the same text has its head read again
        by its save.)"""
        revision, head = row[1], row[3]
        registration = self._cache.parsed(rid, row[0])
        self._heads.remember(rid, revision, head, row[4])
        return Loaded(registration, revision, self._from_db(row[2]), head)

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
        due = self._moment(next_check_at, "next_check_at")
        freed = check_release(reg, release)
        snapshot = parse_equivalent(reg) if self._cache.maxsize else None
        written = reg if snapshot is None else snapshot
        request = SaveRequest(
            written,
            expected,
            moves,
            due,
            freed,
            body(written, private=snapshot is not None),
            snapshot,
        )
        revision, stored = self._save(request)
        if snapshot is not None and stored is not None:
            self._cache.keep(reg.registration_id, stored, snapshot)
        return revision

    def _moment(self, value: datetime | None, field: str) -> Any:
        """A caller's time as a parameter (None stays None); bad input is refused."""
        raise NotImplementedError

    def _save(self, request: SaveRequest) -> tuple[int, str | None]:
        """Commit the save; the new revision and the body text a load now reads back (None:
        not known). Returning at all means the transaction committed."""
        raise NotImplementedError

    def _set_revision(
        self, conn: Any, request: SaveRequest, body_param: str, body_back: str = ""
    ) -> tuple[str | None, int, str | None]:
        """Compare and set the row; its journal head and sequence and, when ``body_back``
        names the body as the database prints it, that text; or the conflict raised.

        ``body_param`` is the marker the body goes in by (with a cast where one is needed).
        """
        reg, expected, due, text = request.reg, request.expected, request.due, request.text
        rid = reg.registration_id
        status = reg.status.value
        back = f", {body_back}" if body_back else ""
        if expected is None:
            row = conn.execute(
                self._sql(
                    "INSERT INTO rfsm_registrations (registration_id, revision, status, "
                    f"next_check_at, body) VALUES (?, 1, ?, ?, {body_param}) "
                    "ON CONFLICT (registration_id) DO NOTHING "
                    f"RETURNING journal_head, journal_sequence{back}"
                ),
                (rid, status, due, text),
            ).fetchone()
        else:
            row = conn.execute(
                self._sql(
                    "UPDATE rfsm_registrations SET revision = revision + 1, status = ?, "
                    "next_check_at = ?, lease_owner = NULL, lease_expires_at = NULL, "
                    f"body = {body_param} WHERE registration_id = ? AND revision = ? "
                    f"RETURNING journal_head, journal_sequence{back}"
                ),
                (status, due, text, rid, expected),
            ).fetchone()
        if row is None:
            found = conn.execute(
                self._sql("SELECT revision FROM rfsm_registrations WHERE registration_id = ?"),
                (rid,),
            ).fetchone()
            raise ConcurrentUpdateError(rid, expected, None if found is None else int(found[0]))
        return row[0], int(row[1]), row[2] if body_back else None

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
            where.append(self._DUE_CLAUSE)
            params.append(self._moment(due_before, "due_before"))
        count = check_limit(limit, optional=True)
        sql = f"SELECT {self._LOADED_COLUMNS} FROM rfsm_registrations"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {self._LIST_ORDER}"
        if count is not None:
            sql += " LIMIT ?"
            params.append(count)
        return tuple(self._loaded_rows(self._select(sql, params)))

    def _lease_terms(
        self, limit: int, worker_id: str, lease: timedelta
    ) -> tuple[int | None, str, timedelta, datetime]:
        """``claim_due``'s checked arguments and the store's now."""
        count = check_limit(limit)
        return count, check_name(worker_id, "a worker id"), check_lease(lease), self._now()

    def journal(self, registration_id: str) -> tuple[JournalEntry, ...]:
        rid = validate_registration_id(registration_id)
        rows = self._select(
            f"SELECT {JOURNAL_COLUMNS} FROM rfsm_journal WHERE registration_id = ? "
            "ORDER BY sequence",
            (rid,),
        )
        return tuple(self._entry(row) for row in rows)

    # -- intents ---------------------------------------------------------------------------

    def _stored_intent(
        self, conn: Any, key: tuple[str, int, str], *, lock: bool = True
    ) -> Intent | None:
        """The intent stored under ``key``; ``lock`` holds it to the transaction's end."""
        row = conn.execute(
            self._sql(
                f"SELECT {INTENT_COLUMNS} FROM rfsm_intents "
                "WHERE registration_id = ? AND version_number = ? AND operation = ?"
                + (self._FOR_UPDATE if lock else "")
            ),
            key,
        ).fetchone()
        return None if row is None else self._intent(row)

    def _delete_intent(self, conn: Any, intent: Intent) -> None:
        cursor = conn.execute(
            self._sql(
                "DELETE FROM rfsm_intents WHERE registration_id = ? AND version_number = ? "
                "AND operation = ? AND token = ?"
            ),
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
        self._claim(intent, now)
        return intent

    def _claim(self, intent: Intent, now: datetime) -> None:
        """Store a new intent; ``OperationInProgress`` (as of ``now``) while one is held."""
        raise NotImplementedError

    def take_over_intent(self, intent: Intent, worker_id: str, lease: timedelta) -> Intent:
        _check_intent(intent)
        now = self._now()
        fresh = new_intent(
            intent.registration_id, intent.version_number, intent.operation, worker_id, lease, now
        )
        key = intent_key(intent)
        with self._write() as conn:
            held = self._stored_intent(conn, key)
            if held is None or held.token != intent.token:
                raise IntentLostError(intent)
            if not held.expired(now):
                raise OperationInProgress(held, expired=False)
            conn.execute(
                self._sql(
                    "UPDATE rfsm_intents SET worker_id = ?, claimed_at = ?, expires_at = ?, "
                    "token = ? WHERE registration_id = ? AND version_number = ? "
                    "AND operation = ?"
                ),
                (
                    fresh.worker_id,
                    self._to_db(fresh.claimed_at),
                    self._to_db(fresh.expires_at),
                    fresh.token,
                    *key,
                ),
            )
        return fresh

    def release_intent(self, intent: Intent) -> None:
        _check_intent(intent)
        with self._write() as conn:
            self._delete_intent(conn, intent)

    def intents(self, registration_id: str) -> tuple[Intent, ...]:
        rid = validate_registration_id(registration_id)
        rows = self._select(
            f"SELECT {INTENT_COLUMNS} FROM rfsm_intents WHERE registration_id = ? "
            f"ORDER BY {self._INTENTS_ORDER}",
            (rid,),
        )
        return tuple(self._intent(row) for row in rows)

    def expired_intents(self, at: datetime | None = None) -> tuple[Intent, ...]:
        when = self._now() if at is None else utc(at, "at")
        rows = self._select(
            f"SELECT {INTENT_COLUMNS} FROM rfsm_intents WHERE expires_at <= ? "
            f"ORDER BY {self._EXPIRED_ORDER}",
            (self._to_db(when),),
        )
        return tuple(self._intent(row) for row in rows)

    # -- events ----------------------------------------------------------------------------

    def record_event(
        self, event_id: str, registration_id: str, *, at: datetime | None = None
    ) -> bool:
        eid, rid = check_event(event_id, registration_id)
        when = self._now() if at is None else utc(at, "at")
        with self._write() as conn:
            cursor = conn.execute(
                self._sql(
                    "INSERT INTO rfsm_events (registration_id, event_id, recorded_at) "
                    "VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
                ),
                (rid, eid, self._to_db(when)),
            )
            return bool(cursor.rowcount == 1)

    def events_seen(self, registration_id: str) -> tuple[str, ...]:
        rid = validate_registration_id(registration_id)
        rows = self._select(
            f"SELECT event_id FROM rfsm_events WHERE registration_id = ? "
            f"ORDER BY {self._EVENTS_ORDER}",
            (rid,),
        )
        return tuple(row[0] for row in rows)

    def _intent_row(self, intent: Intent) -> tuple[Any, ...]:
        return (
            *intent_key(intent),
            intent.worker_id,
            self._to_db(intent.claimed_at),
            self._to_db(intent.expires_at),
            intent.token,
        )


def _check_intent(intent: object) -> None:
    if not isinstance(intent, Intent):
        raise InvalidValueError(f"expected an Intent, got {type(intent).__name__}")
