"""The stores the contract suites run against, and how to reach each behind the store's back.

SQLite (in memory, forgetting journal heads, and in a file), PostgreSQL (a real server, with
and without its head cache) and DynamoDB (moto's server mode, one fresh table per test). Test
modules import the ``kind``, ``clock`` and ``store`` fixtures from here.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest

from registration_fsm import Registration, SteppingClock
from registration_fsm.store import DynamoDbStore, PostgresStore, SqliteStore, Store
from registration_fsm.store._heads import JournalHeads

RID = "registration-0123456789abcdef0123456789abcdef"
RID2 = "registration-11111111111111111111111111111111"
RID3 = "registration-22222222222222222222222222222222"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
LEASE = timedelta(minutes=5)

_S = TypeVar("_S", SqliteStore, PostgresStore)

# A journal INSERT for version 99 fails inside the database: a fault in the middle of a save.
_SQLITE_FAULT = """
CREATE TRIGGER fault BEFORE INSERT ON rfsm_journal WHEN NEW.version_number = 99
BEGIN SELECT RAISE(ABORT, 'injected fault'); END;
"""
_POSTGRES_FAULT = """
CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.version_number = 99 THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$;
CREATE TRIGGER fault BEFORE INSERT ON rfsm_journal FOR EACH ROW EXECUTE FUNCTION fault();
"""

KINDS = ["sqlite-memory", "sqlite-file", "postgres", "postgres-uncached", "dynamodb"]


def _dynamodb_fault(params: dict[str, Any], **_: Any) -> None:
    """Make the server refuse the journal entry of version 99, inside the transaction."""
    for action in params.get("TransactItems", []):
        put = action.get("Put", {})
        if put.get("Item", {}).get("version_number") == {"N": "99"}:
            put["ConditionExpression"] += " AND attribute_exists(#fault)"
            put["ExpressionAttributeNames"]["#fault"] = "injected_fault"


@dataclass
class Kind:
    """How to open stores on one database, and to reach it behind the store's back."""

    name: str
    open: Callable[[SteppingClock], Store]
    reopenable: bool

    @property
    def is_dynamodb(self) -> bool:
        return self.name == "dynamodb"

    def raw(self, store: Store, sql: str) -> None:
        if isinstance(store, SqliteStore):
            store._conn.executescript(sql)
        else:
            assert isinstance(store, PostgresStore)
            store._conn.execute(sql)

    def fault(self, store: Store) -> None:
        if isinstance(store, DynamoDbStore):
            store._client.meta.events.register(
                "provide-client-params.dynamodb.TransactWriteItems", _dynamodb_fault
            )
            return
        self.raw(store, _SQLITE_FAULT if isinstance(store, SqliteStore) else _POSTGRES_FAULT)

    @property
    def fault_message(self) -> str:
        """What the store's error says about the injected fault."""
        return "ConditionalCheckFailed" if self.is_dynamodb else "injected fault"

    def set_schema_version(self, store: Store, version: int) -> None:
        if isinstance(store, DynamoDbStore):
            store._client.put_item(
                TableName=store._table,
                Item={
                    "pk": {"S": "#meta"},
                    "sk": {"S": "schema"},
                    "schema_version": {"N": str(version)},
                },
            )
            return
        self.raw(store, f"UPDATE rfsm_schema SET version = {int(version)}")

    def stored_body(self, store: Store) -> tuple[Any, str]:
        """The stored snapshot of the only registration, as JSON data, and its status column."""
        if isinstance(store, DynamoDbStore):
            item = store._client.get_item(
                TableName=store._table, Key={"pk": {"S": RID}, "sk": {"S": "registration"}}
            )["Item"]
            return json.loads(item["body"]["S"]), item["status"]["S"]
        row = store._conn.execute("SELECT body, status FROM rfsm_registrations").fetchone()  # type: ignore[attr-defined]
        assert row is not None
        stored = json.loads(row[0]) if isinstance(store, SqliteStore) else row[0]
        return stored, row[1]

    @property
    def driver_error(self) -> type[Exception]:
        if self.name == "postgres":
            import psycopg

            return psycopg.Error
        if self.is_dynamodb:
            from botocore.exceptions import ClientError

            return ClientError
        return sqlite3.Error


class _Forgetful(JournalHeads):
    """Journal heads that keep nothing: every save reads the head in its transaction (for
    PostgreSQL, the general path instead of the one statement)."""

    def remember(self, rid: str, revision: int, head: str | None, sequence: int) -> None:
        pass


def _forgetful(store: _S) -> _S:
    store._heads = _Forgetful()
    return store


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest, tmp_path: Path) -> Kind:
    if request.param == "sqlite-memory":
        # The in-memory store forgets journal heads, so its saves read them; the file's know.
        return Kind(
            "sqlite-memory",
            lambda clock: _forgetful(SqliteStore(":memory:", clock=clock)),
            False,
        )
    if request.param == "sqlite-file":
        path = tmp_path / "store.db"
        return Kind("sqlite-file", lambda clock: SqliteStore(path, clock=clock), True)
    if request.param == "dynamodb":
        make_client = request.getfixturevalue("make_dynamodb_client")
        table = f"rfsm-{uuid.uuid4().hex}"
        return Kind(
            "dynamodb",
            lambda clock: DynamoDbStore(table, make_client(), clock=clock),
            True,
        )
    dsn = request.getfixturevalue("postgres_dsn")
    if request.param == "postgres-uncached":
        return Kind("postgres", lambda clock: _forgetful(PostgresStore(dsn, clock=clock)), True)
    return Kind("postgres", lambda clock: PostgresStore(dsn, clock=clock), True)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(T0, timedelta(seconds=1))


@pytest.fixture
def store(kind: Kind, clock: SteppingClock) -> Iterator[Store]:
    opened = kind.open(clock)
    yield opened
    opened.close()


def new_registration(rid: str = RID, clock: SteppingClock | None = None) -> Registration:
    return Registration.new(rid, registration_type="US_TEN_DLC_BRAND_REGISTRATION", clock=clock)
