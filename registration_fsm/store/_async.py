"""Stores for asyncio services: the :class:`AsyncStore` protocol and stores that keep the
event loop free.

Each async store runs one of the sync stores on a few threads of its own and awaits it there,
so a save, a claim or a load never blocks the loop, and the store's rules (compare and set,
the journal in the same transaction, intents, schema versions) are the sync store's, not a
second copy of them. The sync stores are safe across threads (their connection is used under
a lock); several threads let one task's read wait less behind another's commit (measured: one
thread held an event loop to a third of eight sync threads' submits per second on a SQLite
file, eight threads to within a fifth of them).

Decision: PostgreSQL is reached through psycopg's sync connection on that thread, not through
psycopg's ``AsyncConnection``. An ``AsyncConnection`` store would be a second hand-kept copy
of every SQL path of :class:`~registration_fsm.store.PostgresStore`, the very drift that
sharing one decision core avoids; the thread costs a hand-off per call (measured in
``benchmarks/``), not a blocked loop.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from ..errors import InvalidValueError
from ..registration import Registration
from ..statuses import RegistrationStatus
from ._cache import DEFAULT_CACHE_SIZE
from ._journal import JournalEntry, JournalMove
from ._protocol import Intent, Loaded, Store

if TYPE_CHECKING:
    import os

    from ..clock import Clock

__all__ = [
    "AsyncPostgresStore",
    "AsyncSqliteStore",
    "AsyncStore",
    "ThreadedAsyncStore",
    "open_async_store",
]

_T = TypeVar("_T")
_A = TypeVar("_A", bound="ThreadedAsyncStore")


@runtime_checkable
class AsyncStore(Protocol):
    """The async twin of :class:`~registration_fsm.store.Store`: the same operations, awaited."""

    async def migrate(self) -> int: ...

    async def schema_version(self) -> int: ...

    async def load(self, registration_id: str) -> Loaded: ...

    async def save(
        self,
        registration: Registration,
        *,
        expected_revision: int | None,
        journal_entries: Sequence[JournalMove] = (),
        next_check_at: datetime | None = None,
        release: Intent | None = None,
    ) -> int: ...

    async def list(
        self,
        *,
        status: RegistrationStatus | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> tuple[Loaded, ...]: ...

    async def claim_due(
        self, limit: int, worker_id: str, lease: timedelta
    ) -> tuple[Loaded, ...]: ...

    async def journal(self, registration_id: str) -> tuple[JournalEntry, ...]: ...

    async def claim_intent(
        self,
        registration_id: str,
        version_number: int,
        operation: str,
        worker_id: str,
        lease: timedelta,
    ) -> Intent: ...

    async def take_over_intent(
        self, intent: Intent, worker_id: str, lease: timedelta
    ) -> Intent: ...

    async def release_intent(self, intent: Intent) -> None: ...

    async def intents(self, registration_id: str) -> tuple[Intent, ...]: ...

    async def expired_intents(self, at: datetime | None = None) -> tuple[Intent, ...]: ...

    async def record_event(
        self, event_id: str, registration_id: str, *, at: datetime | None = None
    ) -> bool: ...

    async def events_seen(self, registration_id: str) -> tuple[str, ...]: ...

    async def close(self) -> None: ...


class ThreadedAsyncStore:
    """Any :class:`~registration_fsm.store.Store`, awaited on ``threads`` threads of its own.

    ``async with`` closes the store and its threads; so does ``await store.close()``.
    """

    def __init__(self, store: Store, *, threads: int = 8) -> None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise InvalidValueError(f"threads must be a positive int, got {threads!r}")
        if not callable(getattr(store, "save", None)) or asyncio.iscoroutinefunction(
            getattr(store, "save", None)
        ):
            raise InvalidValueError(
                f"{type(store).__name__} is not a synchronous registration_fsm.store.Store"
            )
        self._store = store
        self._thread = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rfsm-store")

    @property
    def sync_store(self) -> Store:
        """The store this one runs (for tools that are not async)."""
        return self._store

    async def _run(self, method: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, functools.partial(method, *args, **kwargs))

    async def migrate(self) -> int:
        return await self._run(self._store.migrate)

    async def schema_version(self) -> int:
        return await self._run(lambda: self._store.schema_version)

    async def load(self, registration_id: str) -> Loaded:
        return await self._run(self._store.load, registration_id)

    async def save(
        self,
        registration: Registration,
        *,
        expected_revision: int | None,
        journal_entries: Sequence[JournalMove] = (),
        next_check_at: datetime | None = None,
        release: Intent | None = None,
    ) -> int:
        return await self._run(
            self._store.save,
            registration,
            expected_revision=expected_revision,
            journal_entries=journal_entries,
            next_check_at=next_check_at,
            release=release,
        )

    async def list(
        self,
        *,
        status: RegistrationStatus | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> tuple[Loaded, ...]:
        return await self._run(self._store.list, status=status, due_before=due_before, limit=limit)

    async def claim_due(self, limit: int, worker_id: str, lease: timedelta) -> tuple[Loaded, ...]:
        return await self._run(self._store.claim_due, limit, worker_id, lease)

    async def journal(self, registration_id: str) -> tuple[JournalEntry, ...]:
        return await self._run(self._store.journal, registration_id)

    async def claim_intent(
        self,
        registration_id: str,
        version_number: int,
        operation: str,
        worker_id: str,
        lease: timedelta,
    ) -> Intent:
        return await self._run(
            self._store.claim_intent, registration_id, version_number, operation, worker_id, lease
        )

    async def take_over_intent(self, intent: Intent, worker_id: str, lease: timedelta) -> Intent:
        return await self._run(self._store.take_over_intent, intent, worker_id, lease)

    async def release_intent(self, intent: Intent) -> None:
        await self._run(self._store.release_intent, intent)

    async def intents(self, registration_id: str) -> tuple[Intent, ...]:
        return await self._run(self._store.intents, registration_id)

    async def expired_intents(self, at: datetime | None = None) -> tuple[Intent, ...]:
        return await self._run(self._store.expired_intents, at)

    async def record_event(
        self, event_id: str, registration_id: str, *, at: datetime | None = None
    ) -> bool:
        return await self._run(self._store.record_event, event_id, registration_id, at=at)

    async def events_seen(self, registration_id: str) -> tuple[str, ...]:
        return await self._run(self._store.events_seen, registration_id)

    async def close(self) -> None:
        try:
            await self._run(self._store.close)
        finally:
            self._thread.shutdown(wait=False)

    async def __aenter__(self: _A) -> _A:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} over {self._store!r}>"


class AsyncSqliteStore(ThreadedAsyncStore):
    """:class:`~registration_fsm.store.SqliteStore` for asyncio code; same arguments."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        busy_timeout: float = 30.0,
        migrate: bool = True,
        threads: int = 8,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        from ._sqlite import SqliteStore

        sync = SqliteStore(
            path, clock=clock, busy_timeout=busy_timeout, migrate=migrate, cache_size=cache_size
        )
        super().__init__(sync, threads=threads)


class AsyncPostgresStore(ThreadedAsyncStore):
    """:class:`~registration_fsm.store.PostgresStore` for asyncio code; same arguments."""

    def __init__(
        self,
        dsn: str,
        *,
        clock: Clock | None = None,
        migrate: bool = True,
        threads: int = 8,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        from ._postgres import PostgresStore

        sync = PostgresStore(dsn, clock=clock, migrate=migrate, cache_size=cache_size)
        super().__init__(sync, threads=threads)


def open_async_store(
    url: str, *, clock: Clock | None = None, cache_size: int = DEFAULT_CACHE_SIZE
) -> ThreadedAsyncStore:
    """:func:`~registration_fsm.store.open_store`'s store for asyncio code (same URLs)."""
    from ._url import open_store

    return ThreadedAsyncStore(open_store(url, clock=clock, cache_size=cache_size))
