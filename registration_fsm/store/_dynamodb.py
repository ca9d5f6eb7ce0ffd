"""The store for serverless services: one DynamoDB table, through boto3 (the ``aws`` extra).

No lock is ever held across a call: every write is conditional. A save is one
``TransactWriteItems`` that puts the registration item on the condition that its ``revision``
is still the one loaded, puts each journal entry on the condition that its slot is free, and
deletes the released intent on the condition that its token is still the claim's; DynamoDB
applies all of it or none. The item layout is in :mod:`._dynamodb_items`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

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
from ..history import utc_text
from ..registration import Registration
from ..statuses import RegistrationStatus
from ..version import validate_registration_id
from ._body import body
from ._cache import DEFAULT_CACHE_SIZE, ParsedCache, parse_equivalent
from ._dynamodb_items import (
    DUE_QUEUE,
    INDEX,
    INTENT_QUEUE,
    NEVER,
    bound,
    entry_from,
    entry_item,
    event_key,
    intent_from,
    intent_item,
    intent_key,
    n,
    parse_iso,
    registration_key,
    s,
)
from ._dynamodb_table import CANCELLED, CONDITION_FAILED, DynamoTable, Refused
from ._heads import JournalHeads
from ._journal import GENESIS_HASH, JournalEntry, JournalMove, chain_from
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

__all__ = ["DynamoDbStore"]

_TRANSACTION_ITEMS = 100


class DynamoDbStore(DynamoTable):
    """Registrations in one DynamoDB table, for Lambda functions and other serverless workers.

    ``client`` is a boto3 DynamoDB client (``boto3.client("dynamodb")``); boto3 clients are
    thread-safe, and so is the store. Opening it creates the table when it is missing (on
    demand capacity, :meth:`table_definition`) unless ``migrate=False``, and refuses a table
    written by a newer registration_fsm. Reads of one registration are strongly consistent;
    ``list``, ``claim_due`` and ``expired_intents`` read the table's global secondary index,
    which on AWS trails the table by a fraction of a second (a lease is still taken only by
    a conditional write on the registration item itself). ``cache_size`` is how many parsed
    registrations the store keeps, keyed by their exact stored body text (a string attribute,
    read back as written; ``registration_fsm/store/_cache.py``; 0 parses every load).
    """

    def __init__(
        self,
        table: str,
        client: Any,
        *,
        clock: Clock | None = None,
        migrate: bool = True,
        owns_client: bool = False,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._cache = ParsedCache(cache_size)
        super().__init__(table, client, clock=clock, owns_client=owns_client)
        # Knowing the journal head at the revision saved spares a read before the save.
        self._heads = JournalHeads()
        found = self._recorded_version()
        if found > SCHEMA_VERSION:
            raise SchemaVersionError(self._location, found, SCHEMA_VERSION)
        if migrate and found < SCHEMA_VERSION:
            self.migrate()

    def __repr__(self) -> str:
        return f"DynamoDbStore({self._table!r})"

    def __enter__(self) -> DynamoDbStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _loaded(self, item: dict[str, Any]) -> Loaded:
        rid = item["pk"]["S"]
        revision = int(item["revision"]["N"])
        head = item["journal_head"]["S"] if "journal_head" in item else None
        self._heads.remember(rid, revision, head, int(item["journal_sequence"]["N"]))
        due = item.get("next_check_at")
        return Loaded(
            self._cache.parse(rid, item["body"]["S"]),
            revision,
            None if due is None else parse_iso(due["S"]),
            head,
        )

    # -- registrations ---------------------------------------------------------------------

    def load(self, registration_id: str) -> Loaded:
        rid = validate_registration_id(registration_id)
        item = self._get(registration_key(rid))
        if item is None:
            raise RegistrationNotStored(rid)
        return self._loaded(item)

    def _stored_revision(self, rid: str) -> int | None:
        item = self._get(registration_key(rid))
        return None if item is None else int(item["revision"]["N"])

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
        due = None if next_check_at is None else utc_text(utc(next_check_at, "next_check_at"))
        freed = check_release(reg, release)
        if len(moves) + 2 > _TRANSACTION_ITEMS:
            raise InvalidValueError(
                f"a DynamoDB transaction holds at most {_TRANSACTION_ITEMS} items: save at "
                f"most {_TRANSACTION_ITEMS - 2} journal entries at once, got {len(moves)}"
            )
        rid = reg.registration_id
        known = self._heads.at(rid, expected)
        if known is None:
            item = self._get(registration_key(rid))
            actual = None if item is None else int(item["revision"]["N"])
            if actual != expected:
                raise ConcurrentUpdateError(rid, expected, actual)
            assert item is not None
            head_item = item.get("journal_head")
            known = (
                None if head_item is None else head_item["S"],
                int(item["journal_sequence"]["N"]),
            )
        entries = chain_from(
            moves,
            recorded_at=self._now(),
            sequence=known[1],
            previous_hash=known[0] or GENESIS_HASH,
        )
        head, sequence = (entries[-1].hash, entries[-1].sequence) if entries else known
        revision = 1 if expected is None else expected + 1
        snapshot = parse_equivalent(reg) if self._cache.maxsize else None
        written = reg if snapshot is None else snapshot
        text = body(written, private=snapshot is not None)
        actions = [self._put_registration(written, text, revision, expected, due, head, sequence)]
        actions += [self._put_entry(entry) for entry in entries]
        if freed is not None:
            actions.append({"Delete": self._holding(freed)})
        try:
            # The request token makes botocore's retries of this call idempotent.
            self._call(
                "transact_write_items",
                TransactItems=actions,
                ClientRequestToken=uuid.uuid4().hex,
            )
        except Refused as refused:
            self._save_refused(refused, rid, expected, freed, len(actions))
        self._heads.remember(rid, revision, head, sequence)
        if snapshot is not None:
            self._cache.keep(rid, text, snapshot)  # a string attribute reads back as written
        return revision

    def _put_registration(
        self,
        reg: Registration,
        text: str,
        revision: int,
        expected: int | None,
        due: str | None,
        head: str | None,
        sequence: int,
    ) -> dict[str, Any]:
        rid = reg.registration_id
        item: dict[str, Any] = {
            **registration_key(rid),
            "queue": s(DUE_QUEUE),
            "queue_sort": s(f"{due or NEVER}#{rid}"),
            "revision": n(revision),
            "status": s(reg.status.value),
            "journal_sequence": n(sequence),
            "body": s(text),
        }
        if due is not None:
            item["next_check_at"] = s(due)
        if head is not None:
            item["journal_head"] = s(head)
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if expected is None:
            put["ConditionExpression"] = "attribute_not_exists(#pk)"
            put["ExpressionAttributeNames"] = {"#pk": "pk"}
        else:
            put["ConditionExpression"] = "#rev = :rev"
            put["ExpressionAttributeNames"] = {"#rev": "revision"}
            put["ExpressionAttributeValues"] = {":rev": n(expected)}
        return {"Put": put}

    def _put_entry(self, entry: JournalEntry) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": entry_item(entry),
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": "pk"},
            }
        }

    def _holding(self, intent: Intent) -> dict[str, Any]:
        """A delete (or update) of ``intent``'s item, on the condition it is still this claim."""
        return {
            "TableName": self._table,
            "Key": intent_key(intent.registration_id, intent.version_number, intent.operation),
            "ConditionExpression": "#token = :token",
            "ExpressionAttributeNames": {"#token": "token"},
            "ExpressionAttributeValues": {":token": s(intent.token)},
        }

    def _save_refused(
        self, refused: Refused, rid: str, expected: int | None, freed: Intent | None, count: int
    ) -> None:
        """Raise what made a save's transaction refuse; nothing of it was written."""
        reasons = refused.reasons if refused.code == CANCELLED else ()
        failed = [i for i, code in enumerate(reasons) if code == "ConditionalCheckFailed"]
        entry_failed = any(0 < i < count - (freed is not None) for i in failed)
        if 0 in failed or entry_failed or not reasons:
            actual = self._stored_revision(rid)
            if actual != expected:
                raise ConcurrentUpdateError(rid, expected, actual) from None
        if freed is not None and (count - 1 in failed or not reasons):
            held = self._get(
                intent_key(freed.registration_id, freed.version_number, freed.operation)
            )
            if held is None or held["token"]["S"] != freed.token:
                raise IntentLostError(freed) from None
        raise StoreError(
            f"{self._location}: the save was cancelled and nothing was written "
            f"(reasons: {', '.join(str(r) for r in reasons) or refused.code}): {refused.cause}",
            cause=refused.cause,
        ) from refused.cause

    def list(
        self,
        *,
        status: RegistrationStatus | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> tuple[Loaded, ...]:
        wanted = None if status is None else RegistrationStatus.parse(status).value
        before = None if due_before is None else utc_text(utc(due_before, "due_before"))
        count = check_limit(limit, optional=True)
        out: list[Loaded] = []
        for item in self._due_items(before, wanted, count):
            out.append(self._loaded(item))
            if count is not None and len(out) >= count:
                break
        return tuple(out)

    def _due_items(
        self, before: str | None, status: str | None, count: int | None
    ) -> Iterator[dict[str, Any]]:
        """Registration items from the index, soonest due first (never due last)."""
        names = {"#q": "queue"}
        values: dict[str, Any] = {":q": s(DUE_QUEUE)}
        condition = "#q = :q"
        if before is not None:
            condition += " AND #qs < :bound"
            names["#qs"] = "queue_sort"
            values[":bound"] = s(bound(before))
        params: dict[str, Any] = {"IndexName": INDEX, "KeyConditionExpression": condition}
        if status is not None:
            params["FilterExpression"] = "#status = :status"
            names["#status"] = "status"
            values[":status"] = s(status)
        elif count is not None:
            params["Limit"] = count
        return self._query(
            **params, ExpressionAttributeNames=names, ExpressionAttributeValues=values
        )

    def claim_due(self, limit: int, worker_id: str, lease: timedelta) -> tuple[Loaded, ...]:
        count = check_limit(limit)
        worker = check_name(worker_id, "a worker id")
        span = check_lease(lease)
        now = utc_text(self._now())
        until = utc_text(parse_iso(now) + span)
        out: list[Loaded] = []
        for item in self._due_items(now, None, None):
            held = item.get("lease_expires_at")
            if held is not None and held["S"] > now:
                continue
            try:
                answer = self._call(
                    "update_item",
                    TableName=self._table,
                    Key=registration_key(item["pk"]["S"]),
                    UpdateExpression="SET #owner = :worker, #until = :until",
                    ConditionExpression=(
                        "#rev = :rev AND (attribute_not_exists(#until) OR #until <= :now)"
                    ),
                    ExpressionAttributeNames={
                        "#owner": "lease_owner",
                        "#until": "lease_expires_at",
                        "#rev": "revision",
                    },
                    ExpressionAttributeValues={
                        ":worker": s(worker),
                        ":until": s(until),
                        ":now": s(now),
                        ":rev": item["revision"],
                    },
                    ReturnValues="ALL_NEW",
                )
            except Refused as refused:
                if refused.code != CONDITION_FAILED:
                    raise StoreError(
                        f"{self._location}: claim_due failed: {refused.cause}",
                        cause=refused.cause,
                    ) from refused.cause
                continue  # saved or leased by another since the index was read
            out.append(self._loaded(answer["Attributes"]))
            if count is not None and len(out) >= count:
                break
        return tuple(out)

    def journal(self, registration_id: str) -> tuple[JournalEntry, ...]:
        rid = validate_registration_id(registration_id)
        return tuple(entry_from(item) for item in self._partition(rid, "journal#"))

    # -- intents ---------------------------------------------------------------------------

    def _held(self, intent: Intent) -> Intent | None:
        item = self._get(
            intent_key(intent.registration_id, intent.version_number, intent.operation)
        )
        return None if item is None else intent_from(item)

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
        while True:
            try:
                self._call(
                    "put_item",
                    TableName=self._table,
                    Item=intent_item(intent),
                    ConditionExpression="attribute_not_exists(#pk)",
                    ExpressionAttributeNames={"#pk": "pk"},
                )
                return intent
            except Refused as refused:
                if refused.code != CONDITION_FAILED:
                    raise StoreError(
                        f"{self._location}: claim_intent failed: {refused.cause}",
                        cause=refused.cause,
                    ) from refused.cause
            held = self._held(intent)
            if held is not None and held.token == intent.token:
                return intent  # a retry of our own put that had succeeded
            if held is not None:
                raise OperationInProgress(held, expired=held.expired(now))
            # The holder released it between our put and our read: claim again.

    def take_over_intent(self, intent: Intent, worker_id: str, lease: timedelta) -> Intent:
        _check_intent(intent)
        now = self._now()
        fresh = new_intent(
            intent.registration_id, intent.version_number, intent.operation, worker_id, lease, now
        )
        put = self._holding(intent)
        del put["Key"]
        put["ConditionExpression"] += " AND #expires <= :now"
        put["ExpressionAttributeNames"]["#expires"] = "expires_at"
        put["ExpressionAttributeValues"][":now"] = s(utc_text(now))
        try:
            self._call("put_item", Item=intent_item(fresh), **put)
        except Refused as refused:
            held = self._held(intent)
            if held is not None and held.token == fresh.token:
                return fresh
            if held is None or held.token != intent.token:
                raise IntentLostError(intent) from None
            if not held.expired(now):
                raise OperationInProgress(held, expired=False) from None
            raise StoreError(
                f"{self._location}: take_over_intent failed: {refused.cause}",
                cause=refused.cause,
            ) from refused.cause
        return fresh

    def release_intent(self, intent: Intent) -> None:
        _check_intent(intent)
        try:
            self._call("delete_item", **self._holding(intent))
        except Refused as refused:
            if refused.code != CONDITION_FAILED:
                raise StoreError(
                    f"{self._location}: release_intent failed: {refused.cause}",
                    cause=refused.cause,
                ) from refused.cause
            raise IntentLostError(intent) from None

    def intents(self, registration_id: str) -> tuple[Intent, ...]:
        rid = validate_registration_id(registration_id)
        return tuple(intent_from(item) for item in self._partition(rid, "intent#"))

    def expired_intents(self, at: datetime | None = None) -> tuple[Intent, ...]:
        when = utc_text(self._now() if at is None else utc(at, "at"))
        found = [
            intent_from(item)
            for item in self._query(
                IndexName=INDEX,
                KeyConditionExpression="#q = :q AND #qs < :bound",
                ExpressionAttributeNames={"#q": "queue", "#qs": "queue_sort"},
                ExpressionAttributeValues={":q": s(INTENT_QUEUE), ":bound": s(bound(when))},
            )
        ]
        found.sort(key=lambda i: (i.expires_at, i.registration_id, i.version_number, i.operation))
        return tuple(found)

    # -- events ----------------------------------------------------------------------------

    def record_event(
        self, event_id: str, registration_id: str, *, at: datetime | None = None
    ) -> bool:
        eid, rid = check_event(event_id, registration_id)
        when = self._now() if at is None else utc(at, "at")
        token = uuid.uuid4().hex
        try:
            self._call(
                "put_item",
                TableName=self._table,
                Item={
                    **event_key(rid, eid),
                    "event_id": s(eid),
                    "recorded_at": s(utc_text(when)),
                    "token": s(token),
                },
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": "pk"},
            )
        except Refused as refused:
            if refused.code != CONDITION_FAILED:
                raise StoreError(
                    f"{self._location}: record_event failed: {refused.cause}",
                    cause=refused.cause,
                ) from refused.cause
            held = self._get(event_key(rid, eid))
            # Our own put, retried by botocore after its answer was lost, is still ours.
            return held is not None and held["token"]["S"] == token
        return True

    def events_seen(self, registration_id: str) -> tuple[str, ...]:
        rid = validate_registration_id(registration_id)
        return tuple(item["event_id"]["S"] for item in self._partition(rid, "event#"))


def _check_intent(intent: object) -> None:
    if not isinstance(intent, Intent):
        raise InvalidValueError(f"expected an Intent, got {type(intent).__name__}")
