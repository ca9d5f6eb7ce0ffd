"""How :class:`DynamoDbStore` lays its values out as DynamoDB items, and the table it needs.

One table, keyed by ``pk`` (partition) and ``sk`` (sort), both strings:

==========================  ================================  ==================================
item                        pk                                sk
==========================  ================================  ==================================
registration                registration id                   ``registration``
journal entry               registration id                   ``journal#<sequence, 12 digits>``
intent                      registration id                   ``intent#<version, 6 digits>#<op>``
event seen                  registration id                   ``event#<event id>``
schema version              ``#meta``                         ``schema``
==========================  ================================  ==================================

A registration and everything about it share one partition, so a save (the registration item
and its journal entries, and the intent it releases) is one ``TransactWriteItems`` within it,
and a journal is one ``Query``. ``#meta`` cannot be a registration id (``#`` is not allowed in
one). One global secondary index, ``rfsm_queue`` (``queue``, ``queue_sort``), is sparse: only
registration items (``queue`` = ``registration``, sorted by next check time, then id; never
due sorts last) and intent items (``queue`` = ``intent``, sorted by lease expiry, then token)
carry its keys, so the due list and the expired intents are each one ``Query`` that reads
only what it returns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..history import utc_text
from ..statuses import VersionStatus
from ._journal import JournalEntry, JournalSource
from ._protocol import Intent

__all__ = [
    "DUE_QUEUE",
    "INDEX",
    "INTENT_QUEUE",
    "META_KEY",
    "NEVER",
    "REGISTRATION_SK",
    "bound",
    "entry_from",
    "entry_item",
    "event_key",
    "intent_from",
    "intent_item",
    "intent_key",
    "journal_sk",
    "n",
    "parse_iso",
    "registration_key",
    "s",
    "table_definition",
]

INDEX = "rfsm_queue"
DUE_QUEUE = "registration"
INTENT_QUEUE = "intent"
REGISTRATION_SK = "registration"
META_KEY = {"pk": {"S": "#meta"}, "sk": {"S": "schema"}}
NEVER = "~"
"""The ``queue_sort`` prefix of a registration never due: ``~`` sorts after every time."""


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def bound(at: str) -> str:
    """A ``queue_sort`` upper bound (exclusive) taking in every key whose time is ``<= at``.

    Keys are ``<time>#...``; ``$`` is the character after ``#``.
    """
    return at + "$"


def registration_key(rid: str) -> dict[str, Any]:
    return {"pk": s(rid), "sk": s(REGISTRATION_SK)}


def journal_sk(sequence: int) -> str:
    return f"journal#{sequence:012d}"


def intent_key(registration_id: str, version_number: int, operation: str) -> dict[str, Any]:
    return {"pk": s(registration_id), "sk": s(f"intent#{version_number:06d}#{operation}")}


def event_key(rid: str, event_id: str) -> dict[str, Any]:
    return {"pk": s(rid), "sk": s(f"event#{event_id}")}


def entry_item(entry: JournalEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": s(entry.registration_id),
        "sk": s(journal_sk(entry.sequence)),
        "sequence": n(entry.sequence),
        "version_number": n(entry.version_number),
        "trigger": s(entry.trigger),
        "to_status": s(entry.to_status.value),
        "source": s(entry.source.value),
        "recorded_at": s(utc_text(entry.recorded_at)),
        "previous_hash": s(entry.previous_hash),
        "hash": s(entry.hash),
    }
    if entry.from_status is not None:
        item["from_status"] = s(entry.from_status.value)
    if entry.stamp is not None:
        item["stamp"] = s(utc_text(entry.stamp))
    if entry.worker_id is not None:
        item["worker_id"] = s(entry.worker_id)
    return item


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value["S"])


def entry_from(item: dict[str, Any]) -> JournalEntry:
    from_status = _text(item, "from_status")
    stamp = _text(item, "stamp")
    return JournalEntry(
        item["pk"]["S"],
        int(item["sequence"]["N"]),
        int(item["version_number"]["N"]),
        item["trigger"]["S"],
        None if from_status is None else VersionStatus(from_status),
        VersionStatus(item["to_status"]["S"]),
        None if stamp is None else parse_iso(stamp),
        JournalSource(item["source"]["S"]),
        _text(item, "worker_id"),
        parse_iso(item["recorded_at"]["S"]),
        item["previous_hash"]["S"],
        item["hash"]["S"],
    )


def intent_item(intent: Intent) -> dict[str, Any]:
    expires = utc_text(intent.expires_at)
    return {
        **intent_key(intent.registration_id, intent.version_number, intent.operation),
        "queue": s(INTENT_QUEUE),
        # The token only tells apart intents expiring together (ties are sorted on reading),
        # and keeps the index key well under DynamoDB's 1 KB for any id and operation.
        "queue_sort": s(f"{expires}#{intent.token}"),
        "version_number": n(intent.version_number),
        "operation": s(intent.operation),
        "worker_id": s(intent.worker_id),
        "claimed_at": s(utc_text(intent.claimed_at)),
        "expires_at": s(expires),
        "token": s(intent.token),
    }


def intent_from(item: dict[str, Any]) -> Intent:
    return Intent(
        item["pk"]["S"],
        int(item["version_number"]["N"]),
        item["operation"]["S"],
        item["worker_id"]["S"],
        parse_iso(item["claimed_at"]["S"]),
        parse_iso(item["expires_at"]["S"]),
        item["token"]["S"],
    )


def table_definition(table: str) -> dict[str, Any]:
    """The ``CreateTable`` arguments of a store's table (on-demand capacity)."""
    return {
        "TableName": table,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("pk", "sk", "queue", "queue_sort")
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": INDEX,
                "KeySchema": [
                    {"AttributeName": "queue", "KeyType": "HASH"},
                    {"AttributeName": "queue_sort", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
