"""Durable registrations: stores with compare-and-set saves, operation intents and a journal.

A :class:`Store` keeps each registration as its ``to_dict()`` snapshot with a revision; a save
names the revision it loaded and fails with :class:`~registration_fsm.ConcurrentUpdateError`
when somebody saved since, changing nothing. The journal keeps every committed move,
hash-chained, so that :func:`verify_journal` detects an entry edited, removed or moved.
:class:`SqliteStore` is the embedded default; :class:`PostgresStore` (the ``postgres``
extra) serves many workers on many hosts; :class:`DynamoDbStore` (the ``aws`` extra) serves
serverless ones. :class:`AsyncStore` is the protocol's async twin; :class:`AsyncSqliteStore`
and :class:`AsyncPostgresStore` run those stores off the event loop. Every store keeps the
registrations it last read or wrote, parsed, keyed by their exact stored text
(``cache_size``), so loading an unchanged row again costs a read, not a parse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._async import (
    AsyncPostgresStore,
    AsyncSqliteStore,
    AsyncStore,
    ThreadedAsyncStore,
    open_async_store,
)
from ._journal import (
    CREATE_TRIGGER,
    GENESIS_HASH,
    JournalEntry,
    JournalMove,
    JournalSource,
    canonical_json,
    chain,
    journal_moves,
)
from ._protocol import SCHEMA_VERSION, Intent, Loaded, Store
from ._sqlite import SqliteStore
from ._url import ACCEPTED_URLS, open_store
from ._verify import JournalFinding, JournalFindingKind, JournalReport, verify_journal

if TYPE_CHECKING:
    from ._dynamodb import DynamoDbStore
    from ._postgres import PostgresStore

__all__ = [
    "ACCEPTED_URLS",
    "AsyncPostgresStore",
    "AsyncSqliteStore",
    "AsyncStore",
    "CREATE_TRIGGER",
    "DynamoDbStore",
    "GENESIS_HASH",
    "Intent",
    "JournalEntry",
    "JournalFinding",
    "JournalFindingKind",
    "JournalMove",
    "JournalReport",
    "JournalSource",
    "Loaded",
    "PostgresStore",
    "SCHEMA_VERSION",
    "SqliteStore",
    "Store",
    "ThreadedAsyncStore",
    "canonical_json",
    "chain",
    "journal_moves",
    "open_async_store",
    "open_store",
    "verify_journal",
]


def __getattr__(name: str) -> object:
    # psycopg and boto3 are extras: importing the package must not need them.
    if name == "PostgresStore":
        from ._postgres import PostgresStore

        return PostgresStore
    if name == "DynamoDbStore":
        from ._dynamodb import DynamoDbStore

        return DynamoDbStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
