"""The stores' cache of parsed registrations, keyed by the exact stored body text.

Runs against SqliteStore (a file) and PostgresStore (the session's real server). Rows are
edited "behind the store's back" through a connection of their own, as another process
would. ``parses`` counts the parses the cache makes (the real parse, counted), so that a
test can tell a load answered from the cache from one that parsed.
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from registration_builders import approved_then_draft
from store_kinds import T0

from registration_fsm import (
    ConcurrentUpdateError,
    IntentLostError,
    InvalidValueError,
    MalformedDataError,
    Registration,
    SteppingClock,
)
from registration_fsm.backends import InMemoryBackend
from registration_fsm.clock import DEFAULT_CLOCK
from registration_fsm.service import RegistrationService
from registration_fsm.store import (
    AsyncSqliteStore,
    Intent,
    PostgresStore,
    SqliteStore,
    Store,
    _cache,
    open_async_store,
    open_store,
)
from registration_fsm.store._body import body, registration_from
from registration_fsm.testing.strategies import registrations

RID = "registration-0123456789abcdef0123456789abcdef"
RIDS = [f"registration-{n:032x}" for n in range(1, 4)]
AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@dataclass
class Db:
    """One database, the stores opened on it, and a way to reach it behind their back."""

    name: str
    open: Callable[..., Store]
    execute: Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]
    text_sql: str
    """The SELECT of a body as the store's loads read it (one parameter: the id)."""

    def stored_text(self, rid: str) -> str:
        text: str = self.execute(self.text_sql, (rid,))[0][0]
        return text

    def set_body(self, rid: str, text: str) -> None:
        self.execute(self.update_sql, (text, rid))

    @property
    def update_sql(self) -> str:
        cast = "::jsonb" if self.name == "postgres" else ""
        marker = "%s" if self.name == "postgres" else "?"
        return (
            f"UPDATE rfsm_registrations SET body = {marker}{cast} WHERE registration_id = {marker}"
        )


def _sqlite_db(path: Path) -> Db:
    def execute(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    return Db(
        "sqlite",
        lambda **kw: SqliteStore(path, **kw),
        execute,
        "SELECT body FROM rfsm_registrations WHERE registration_id = ?",
    )


def _postgres_db(dsn: str) -> Db:
    import psycopg

    def execute(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with psycopg.connect(dsn, autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    return Db(
        "postgres",
        lambda **kw: PostgresStore(dsn, **kw),
        execute,
        "SELECT body::text FROM rfsm_registrations WHERE registration_id = %s",
    )


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    if request.param == "sqlite":
        return _sqlite_db(tmp_path / "cache.db")
    return _postgres_db(request.getfixturevalue("postgres_dsn"))


@pytest.fixture
def store(db: Db) -> Iterator[Store]:
    opened = db.open()
    yield opened
    opened.close()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the cache parsed, in order (the real parse runs)."""
    seen: list[str] = []

    def counted(text: str) -> Registration:
        seen.append(text)
        return registration_from(text)

    monkeypatch.setattr(_cache, "registration_from", counted)
    return seen


def _new(rid: str = RID, versions: int = 3) -> Registration:
    """A registration of ``versions`` versions on the default clock (the last a DRAFT)."""
    return approved_then_draft(rid, versions, AT)


def _assert_as_parsed(reg: Registration, text: str) -> None:
    """``reg`` is, in everything a caller can observe, what parsing ``text`` returns."""
    parsed = registration_from(text)
    assert reg == parsed
    assert reg.to_dict() == parsed.to_dict()
    assert repr(reg) == repr(parsed)
    assert reg.created == parsed.created
    assert reg.clock is parsed.clock is DEFAULT_CLOCK
    assert len(reg.versions) == len(parsed.versions)
    for mine, theirs in zip(reg.versions, parsed.versions):
        assert mine.clock is theirs.clock
        assert mine.last_answer is None
        assert theirs.last_answer is None
        assert repr(mine.history) == repr(theirs.history)


# -- what a load returns ------------------------------------------------------------------------


def test_a_save_primes_the_cache_and_loads_return_independent_objects(
    db: Db, store: Store, parses: list[str]
) -> None:
    reg = _new()
    store.save(reg, expected_revision=None)
    reg.submit(at=AT + timedelta(days=1))  # the caller's object moves on after the save
    first = store.load(RID).registration
    assert parses == []  # primed by the save: no parse
    _assert_as_parsed(first, db.stored_text(RID))
    assert first.latest.status.value == "DRAFT"
    first.submit(at=AT + timedelta(days=2))  # mutating one load ...
    second = store.load(RID).registration
    assert second is not first
    assert second.latest.status.value == "DRAFT"  # ... changes neither the next load
    assert second.versions[0] is not first.versions[0]
    _assert_as_parsed(second, db.stored_text(RID))
    assert parses == []


def test_a_load_parses_once_then_answers_from_the_cache(db: Db, parses: list[str]) -> None:
    with db.open(cache_size=0) as writer:
        writer.save(_new(), expected_revision=None)
    with db.open() as store:
        loads = [store.load(RID).registration for _ in range(3)]
        loads[0].submit(at=AT + timedelta(days=1))  # the parsed one, handed out and changed
        listed = store.list()[0].registration
        assert listed.latest.status.value == "DRAFT"
        loads[0] = store.load(RID).registration
    assert len(parses) == 1
    for reg in [*loads, listed]:
        _assert_as_parsed(reg, db.stored_text(RID))
    assert len({id(reg) for reg in [*loads, listed]}) == 4


def test_the_cache_is_keyed_by_the_text_a_load_reads_back(db: Db, store: Store) -> None:
    """PostgreSQL's jsonb prints a body otherwise than it was sent: the key is what it prints."""
    reg = _new()
    store.save(reg, expected_revision=None)
    kept = store._cache._entries[RID][0]  # type: ignore[attr-defined]
    assert kept == db.stored_text(RID)
    if db.name == "postgres":
        assert kept != body(reg)  # the text sent is not the text read back
        assert json.loads(kept) == json.loads(body(reg))
    else:
        assert kept == body(reg)


def test_a_postgres_save_in_a_transaction_primes_with_the_text_read_back(
    postgres_dsn: str, parses: list[str]
) -> None:
    """Without a known journal head the save takes its general path; it primes alike."""
    db = _postgres_db(postgres_dsn)
    with db.open() as store:
        store.save(_new(), expected_revision=None)
        moved = store.load(RID).registration
        moved.submit(at=AT + timedelta(days=1))
        store._heads.clear()  # type: ignore[attr-defined]
        store.save(moved, expected_revision=1)
        assert store._cache._entries[RID][0] == db.stored_text(RID)  # type: ignore[attr-defined]
        loaded = store.load(RID).registration
    assert parses == []
    assert loaded == moved
    _assert_as_parsed(loaded, db.stored_text(RID))


def test_a_service_submit_leaves_what_parsing_the_row_gives(
    db: Db, store: Store, parses: list[str]
) -> None:
    """The service's saved registration carries the backend's answer; a load never does."""
    backend = InMemoryBackend(catalogue=None, id_seed=3)
    rid = backend.create_registration("BENCH_REGISTRATION").registration_id
    store.save(Registration.from_backend(backend, rid), expected_revision=None)
    service = RegistrationService(store, backend, worker_id="w1")
    service.submit(rid)
    parses.clear()
    loaded = store.load(rid).registration
    assert parses == []
    assert loaded.latest.status.value == "SUBMITTED"
    _assert_as_parsed(loaded, db.stored_text(rid))


def test_a_saved_registrations_listeners_do_not_reach_its_loads(
    db: Db, store: Store, parses: list[str]
) -> None:
    reg = _new()
    heard: list[Any] = []
    reg.subscribe(heard.append)
    store.save(reg, expected_revision=None)
    loaded = store.load(RID).registration
    assert parses == []
    loaded.submit(at=AT + timedelta(days=1))
    assert heard == []  # a parsed registration has no listeners; neither has the kept one
    reg.submit(at=AT + timedelta(days=1))
    assert len(heard) == 1  # the caller's own still hears its own moves


@pytest.mark.parametrize("where", ["everywhere", "registration only"])
def test_a_registration_on_its_own_clock_is_not_primed(
    db: Db, store: Store, parses: list[str], where: str
) -> None:
    clock = SteppingClock(T0, timedelta(seconds=1))
    if where == "everywhere":
        reg = Registration.new(RID, registration_type="US_TEN_DLC_BRAND_REGISTRATION", clock=clock)
    else:
        reg = Registration(RID, _new().versions, clock=clock)
        assert reg.versions[0].clock is DEFAULT_CLOCK
    store.save(reg, expected_revision=None)
    loaded = store.load(RID).registration
    assert len(parses) == 1  # parsed: a cached copy would have carried the caller's clock
    assert loaded.clock is DEFAULT_CLOCK
    _assert_as_parsed(loaded, db.stored_text(RID))


# -- rows changed behind the store's back ----------------------------------------------------


def test_a_body_edited_behind_the_store_is_parsed_again(
    db: Db, store: Store, parses: list[str]
) -> None:
    reg = _new()
    store.save(reg, expected_revision=None)
    store.load(RID)
    assert parses == []
    edited = _new(versions=4)
    db.set_body(RID, body(edited))
    loaded = store.load(RID).registration
    assert len(parses) == 1
    assert loaded == edited
    assert loaded != reg
    _assert_as_parsed(loaded, db.stored_text(RID))
    again = store.load(RID).registration
    assert len(parses) == 1
    assert again == edited


@pytest.mark.parametrize(
    "corrupt",
    [
        '{"schema": "not-a-registration"}',
        '{"schema": "registration_fsm.registration", "schema_version": 99}',
        "[1, 2, 3]",
    ],
)
def test_a_corrupt_edited_body_raises_what_it_raises_without_the_cache(
    db: Db, corrupt: str
) -> None:
    _corrupt_raises_alike(db, corrupt)


def test_an_edited_body_that_is_not_json_raises_alike(tmp_path: Path) -> None:
    """Only SQLite's TEXT column can hold it (a jsonb column refuses it)."""
    _corrupt_raises_alike(_sqlite_db(tmp_path / "text.db"), "this is {not JSON")


def _corrupt_raises_alike(db: Db, corrupt: str) -> None:
    with db.open() as cached, db.open(cache_size=0) as uncached:
        cached.save(_new(), expected_revision=None)
        cached.load(RID)  # kept
        db.set_body(RID, corrupt)
        with pytest.raises(MalformedDataError) as without:
            uncached.load(RID)
        with pytest.raises(MalformedDataError) as with_cache:
            cached.load(RID)
        with pytest.raises(MalformedDataError):
            cached.list()
    assert type(with_cache.value) is type(without.value)
    assert str(with_cache.value) == str(without.value)


# -- saves that do not commit ----------------------------------------------------------------


def test_a_conflicting_save_leaves_the_cache_as_it_was(
    db: Db, store: Store, parses: list[str]
) -> None:
    reg = _new()
    store.save(reg, expected_revision=None)
    winner = store.load(RID).registration
    winner.submit(at=AT + timedelta(days=1))
    assert store.save(winner, expected_revision=1) == 2
    entry = store._cache._entries[RID]  # type: ignore[attr-defined]
    loser = copy.copy(reg)
    loser.discard(at=AT + timedelta(days=1))
    with pytest.raises(ConcurrentUpdateError):
        store.save(loser, expected_revision=1)
    assert store._cache._entries[RID] is entry  # type: ignore[attr-defined]
    loaded = store.load(RID)
    assert loaded.revision == 2
    assert loaded.registration == winner
    assert parses == []


def test_a_save_refused_for_a_lost_intent_leaves_the_cache_as_it_was(
    db: Db, store: Store, parses: list[str]
) -> None:
    store.save(_new(), expected_revision=None)
    entry = store._cache._entries[RID]  # type: ignore[attr-defined]
    moved = store.load(RID).registration
    moved.submit(at=AT + timedelta(days=1))
    lost = Intent(RID, 3, "submit", "w1", AT, AT + timedelta(minutes=5), "0" * 32)
    with pytest.raises(IntentLostError):
        store.save(moved, expected_revision=1, release=lost)
    assert store._cache._entries[RID] is entry  # type: ignore[attr-defined]
    loaded = store.load(RID)
    assert loaded.revision == 1
    assert loaded.registration.latest.status.value == "DRAFT"
    assert parses == []


# -- cache_size ------------------------------------------------------------------------------


def test_cache_size_0_keeps_nothing_and_parses_every_load(db: Db, parses: list[str]) -> None:
    with db.open(cache_size=0) as store:
        reg = _new()
        store.save(reg, expected_revision=None)
        loads = [store.load(RID) for _ in range(3)]
        assert len(store._cache) == 0  # type: ignore[attr-defined]
    assert len(parses) == 3
    for loaded in loads:
        _assert_as_parsed(loaded.registration, db.stored_text(RID))


def test_cache_size_0_and_the_default_store_the_same_rows_and_load_the_same(db: Db) -> None:
    """One scenario run twice, on a store without the cache and on one with it."""

    def scenario(store: Store, rid: str) -> list[Any]:
        seen: list[Any] = []
        reg = _new(rid)
        store.save(reg, expected_revision=None, next_check_at=AT)
        loaded = store.load(rid)
        loaded.registration.submit(at=AT + timedelta(days=1))
        store.save(loaded.registration, expected_revision=loaded.revision)
        for _ in range(2):
            again = store.load(rid)
            seen.append((again.revision, again.registration.to_dict(), again.next_check_at))
        seen.append([i.registration.to_dict() for i in store.list() if i.registration_id == rid])
        return seen

    with db.open(cache_size=0) as plain, db.open() as cached:
        without = scenario(plain, RIDS[0])
        with_cache = scenario(cached, RIDS[1])
    assert repr(without).replace(RIDS[0], "R") == repr(with_cache).replace(RIDS[1], "R")
    assert db.stored_text(RIDS[0]).replace(RIDS[0], "R") == db.stored_text(RIDS[1]).replace(
        RIDS[1], "R"
    )


def test_the_cache_keeps_at_most_cache_size_registrations_least_recent_out(
    db: Db, parses: list[str]
) -> None:
    with db.open(cache_size=2) as store:
        for rid in RIDS[:2]:
            store.save(_new(rid), expected_revision=None)
        store.load(RIDS[0])  # now the most recent: RIDS[1] goes first
        store.save(_new(RIDS[2]), expected_revision=None)
        assert len(store._cache) == 2  # type: ignore[attr-defined]
        assert parses == []
        store.load(RIDS[0])
        store.load(RIDS[2])
        assert parses == []
        store.load(RIDS[1])  # evicted: parsed, and kept again (RIDS[0] goes)
        assert len(parses) == 1
        assert set(store._cache._entries) == {RIDS[1], RIDS[2]}  # type: ignore[attr-defined]
        store.list()
        assert len(store._cache) == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", [-1, True, 1.5, "10", None])
def test_a_bad_cache_size_is_refused_before_anything_is_opened(
    db: Db, tmp_path: Path, bad: Any
) -> None:
    with pytest.raises(InvalidValueError, match="cache_size"):
        db.open(cache_size=bad)
    with pytest.raises(InvalidValueError, match="cache_size"):
        open_store(f"sqlite:///{tmp_path / 'url.db'}", cache_size=bad)
    with pytest.raises(InvalidValueError, match="cache_size"):
        AsyncSqliteStore(tmp_path / "async.db", cache_size=bad)
    assert not any(tmp_path.iterdir())


def test_open_store_and_the_async_stores_pass_cache_size_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'url.db'}"
    for given_size, kept in ((7, 7), (None, _cache.DEFAULT_CACHE_SIZE)):
        store = open_store(url) if given_size is None else open_store(url, cache_size=given_size)
        try:
            assert store._cache.maxsize == kept  # type: ignore[attr-defined]
        finally:
            store.close()

    async def run() -> tuple[int, int, bool]:
        async with AsyncSqliteStore(tmp_path / "a.db", cache_size=0) as plain:
            off = plain.sync_store._cache.maxsize  # type: ignore[attr-defined]
        async with open_async_store(url, cache_size=5) as opened:
            on = opened.sync_store._cache.maxsize  # type: ignore[attr-defined]
            await opened.save(_new(), expected_revision=None)
            loaded = await opened.load(RID)
            same = loaded.registration == (await opened.load(RID)).registration
        return off, on, same

    assert asyncio.run(run()) == (0, 5, True)


# -- threads ---------------------------------------------------------------------------------


def test_concurrent_loads_from_threads_are_safe(db: Db, store: Store) -> None:
    reg = _new(versions=10)
    store.save(reg, expected_revision=None)
    expected = reg.to_dict()
    failures: list[BaseException] = []
    seen: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def worker(index: int) -> None:
        try:
            start.wait()
            for step in range(40):
                loaded = store.load(RID).registration
                if loaded.to_dict() != expected:
                    raise AssertionError("a load returned another registration")
                loaded.submit(at=AT + timedelta(days=30, seconds=index * 100 + step))
                with lock:
                    seen.append(id(loaded))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert len(seen) == 240
    assert store.load(RID).registration.to_dict() == expected


# -- property: the cache changes nothing a load returns --------------------------------------


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(reg=registrations(max_events=30, registration_id=RID))
def test_loads_with_and_without_the_cache_are_equal(reg: Registration) -> None:
    with SqliteStore(":memory:") as cached, SqliteStore(":memory:", cache_size=0) as plain:
        for store in (cached, plain):
            store.save(reg, expected_revision=None)
        text = plain._conn.execute("SELECT body FROM rfsm_registrations").fetchone()[0]
        primed = cached.load(RID).registration
        cached._cache.clear()
        parsed_and_kept = cached.load(RID).registration
        from_cache = cached.load(RID).registration
        without = plain.load(RID).registration
    assert without == reg
    assert body(reg) == json.dumps(reg.to_dict(), separators=(",", ":")) == text
    for loaded in (primed, parsed_and_kept, from_cache):
        assert loaded == without
        _assert_as_parsed(loaded, text)


# -- DynamoDbStore keeps the same cache ------------------------------------------------------


def test_dynamodb_store_primes_copies_and_rereads_an_edited_body(
    make_dynamodb_client: Callable[[], Any], parses: list[str]
) -> None:
    from registration_fsm.store import DynamoDbStore

    table = f"rfsm-cache-{uuid.uuid4().hex}"
    client = make_dynamodb_client()
    key = {"pk": {"S": RID}, "sk": {"S": "registration"}}

    def stored_text() -> str:
        text: str = client.get_item(TableName=table, Key=key)["Item"]["body"]["S"]
        return text

    with DynamoDbStore(table, make_dynamodb_client()) as store:
        store.save(_new(), expected_revision=None)
        first = store.load(RID).registration
        assert parses == []  # primed by the save
        _assert_as_parsed(first, stored_text())
        first.submit(at=AT + timedelta(days=1))
        assert store.load(RID).registration.latest.status.value == "DRAFT"
        edited = _new(versions=4)
        client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET body = :b",
            ExpressionAttributeValues={":b": {"S": body(edited)}},
        )
        assert store.load(RID).registration == edited
        assert len(parses) == 1
        with DynamoDbStore(table, make_dynamodb_client(), cache_size=0) as plain:
            assert plain.load(RID).registration == edited
            assert len(plain._cache) == 0
        assert len(parses) == 2
