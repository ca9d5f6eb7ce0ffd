"""DynamoDbStore beyond the shared contract: its table, its URL, and the requests it sends.

The contract itself runs in tests/test_store_contract.py against moto's server. Here every
request shape the store sends is also checked by botocore's Stubber, which validates each
call's parameters and each canned answer against AWS's own model of the DynamoDB API.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from store_kinds import LEASE, RID, T0, new_registration

from registration_fsm import (
    ConcurrentUpdateError,
    IntentLostError,
    InvalidValueError,
    OperationInProgress,
    SteppingClock,
    StoreError,
    UnsupportedStoreUrl,
)
from registration_fsm.store import (
    ACCEPTED_URLS,
    SCHEMA_VERSION,
    DynamoDbStore,
    JournalEntry,
    JournalMove,
    journal_moves,
    open_store,
    verify_journal,
)

TABLE = "rfsm-stubbed"
META = {"pk": {"S": "#meta"}, "sk": {"S": "schema"}}
REG_KEY = {"pk": {"S": RID}, "sk": {"S": "registration"}}
INTENT_KEY = {"pk": {"S": RID}, "sk": {"S": "intent#000001#submit"}}


@pytest.fixture
def table() -> str:
    return f"rfsm-{uuid.uuid4().hex}"


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(T0, timedelta(seconds=1))


# -- the table ---------------------------------------------------------------------------------


def test_migrate_creates_the_documented_table_once(
    make_dynamodb_client: Callable[[], Any], table: str, clock: SteppingClock
) -> None:
    client = make_dynamodb_client()
    store = DynamoDbStore(table, client, clock=clock, migrate=False)
    assert store.schema_version == 0
    with pytest.raises(StoreError, match="migrate"):
        store.load(RID)
    assert store.migrate() == SCHEMA_VERSION
    described = client.describe_table(TableName=table)["Table"]
    definition = DynamoDbStore.table_definition(table)
    assert described["KeySchema"] == definition["KeySchema"]
    [index] = described["GlobalSecondaryIndexes"]
    assert (index["IndexName"], index["KeySchema"]) == (
        "rfsm_queue",
        definition["GlobalSecondaryIndexes"][0]["KeySchema"],
    )
    store.save(new_registration(clock=clock), expected_revision=None)
    assert store.migrate() == SCHEMA_VERSION
    assert DynamoDbStore(table, client, clock=clock).load(RID).revision == 1


def test_a_table_of_another_layout_is_refused(
    make_dynamodb_client: Callable[[], Any], table: str
) -> None:
    client = make_dynamodb_client()
    client.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(StoreError, match="another layout"):
        DynamoDbStore(table, client)


def test_an_older_schema_record_is_brought_up_to_date(
    make_dynamodb_client: Callable[[], Any], table: str
) -> None:
    client = make_dynamodb_client()
    DynamoDbStore(table, client)
    client.put_item(TableName=table, Item={**META, "schema_version": {"N": "1"}})
    assert DynamoDbStore(table, client, migrate=False).schema_version == 1
    assert DynamoDbStore(table, client).schema_version == SCHEMA_VERSION


@pytest.mark.parametrize("name", ["ab", "", "has space", "x" * 256, None])
def test_a_bad_table_name_is_a_typed_error(name: object) -> None:
    with pytest.raises(InvalidValueError, match="table name"):
        DynamoDbStore(name, client=None)  # type: ignore[arg-type]


def test_a_store_object_saves_a_revision_it_never_loaded(
    make_dynamodb_client: Callable[[], Any], table: str, clock: SteppingClock
) -> None:
    first = DynamoDbStore(table, make_dynamodb_client(), clock=clock)
    reg = new_registration(clock=clock)
    first.save(
        reg, expected_revision=None, journal_entries=journal_moves(None, reg, source="local")
    )
    before = reg.snapshot()
    reg.submit()
    # A second object knows no journal head: it reads it before its transaction.
    second = DynamoDbStore(table, make_dynamodb_client(), clock=clock)
    second.save(
        reg, expected_revision=1, journal_entries=journal_moves(before, reg, source="local")
    )
    entries = first.journal(RID)
    assert [e.sequence for e in entries] == [1, 2]
    assert verify_journal(entries, first.load(RID)).ok


def test_too_many_entries_for_one_transaction_are_refused_before_sending(
    make_dynamodb_client: Callable[[], Any], table: str
) -> None:
    store = DynamoDbStore(table, make_dynamodb_client())
    move = JournalMove(RID, 1, "create", None, "DRAFT", None, "local")
    with pytest.raises(InvalidValueError, match="at most 100 items"):
        store.save(new_registration(), expected_revision=None, journal_entries=[move] * 99)
    assert store.list() == ()


# -- open_store ----------------------------------------------------------------------------


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials for a client open_store builds from boto3's default chain."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.usefixtures("aws_env")
def test_open_store_takes_a_dynamodb_url(dynamodb_endpoint: str, table: str) -> None:
    store = open_store(f"dynamodb://{table}?region=us-east-1&endpoint_url={dynamodb_endpoint}")
    assert isinstance(store, DynamoDbStore)
    try:
        assert store.schema_version == SCHEMA_VERSION
        store.save(new_registration(), expected_revision=None)
        assert store.load(RID).revision == 1
    finally:
        store.close()
    assert any(form.startswith("dynamodb://") for form in ACCEPTED_URLS)


@pytest.mark.parametrize(
    "url",
    [
        "dynamodb://",
        "dynamodb://ab",
        "dynamodb://table/path",
        "dynamodb://table?region=",
        "dynamodb://table?profile=x",
        "dynamodb://table?region",
        "dynamodb://table#frag",
    ],
)
def test_a_malformed_dynamodb_url_is_a_typed_error(url: str) -> None:
    with pytest.raises(UnsupportedStoreUrl) as caught:
        open_store(url)
    assert caught.value.url == url


# -- every request shape, validated by botocore's Stubber -----------------------------------


@pytest.fixture
def stubbed(boto3_session: Any) -> Iterator[tuple[Any, Stubber]]:
    # Nothing is sent: the Stubber answers before the request would leave.
    client = boto3_session.client("dynamodb", endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _opened(client: Any, stubber: Stubber, clock: SteppingClock) -> DynamoDbStore:
    stubber.add_response(
        "get_item",
        {"Item": {**META, "schema_version": {"N": str(SCHEMA_VERSION)}}},
        {"TableName": TABLE, "Key": META, "ConsistentRead": True},
    )
    return DynamoDbStore(TABLE, client, clock=clock)


def _registration_item(revision: int, body: str, head: str) -> dict[str, Any]:
    return {
        **REG_KEY,
        "queue": {"S": "registration"},
        "queue_sort": {"S": f"2026-01-05T10:00:00.000000+00:00#{RID}"},
        "revision": {"N": str(revision)},
        "status": {"S": "CREATED"},
        "journal_sequence": {"N": "1"},
        "journal_head": {"S": head},
        "next_check_at": {"S": "2026-01-05T10:00:00.000000+00:00"},
        "body": {"S": body},
    }


def _intent_item(token: str, expires: str = "2026-01-05T09:05:02.000000+00:00") -> dict[str, Any]:
    return {
        **INTENT_KEY,
        "queue": {"S": "intent"},
        "queue_sort": {"S": f"{expires}#{token}"},
        "version_number": {"N": "1"},
        "operation": {"S": "submit"},
        "worker_id": {"S": "w1"},
        "claimed_at": {"S": "2026-01-05T09:00:02.000000+00:00"},
        "expires_at": {"S": expires},
        "token": {"S": token},
    }


def test_every_request_shape_fits_the_dynamodb_model(
    stubbed: tuple[Any, Stubber], clock: SteppingClock
) -> None:
    client, stubber = stubbed
    store = _opened(client, stubber, clock)
    reg = new_registration(clock=clock)
    due = T0 + timedelta(hours=1)
    moves = journal_moves(None, reg, source="local", worker_id="w1")

    # save (create): the registration and its entry, one transaction.
    stubber.add_response(
        "transact_write_items",
        {},
        {
            "TransactItems": [
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": ANY,
                        "ConditionExpression": "attribute_not_exists(#pk)",
                        "ExpressionAttributeNames": {"#pk": "pk"},
                    }
                },
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": ANY,
                        "ConditionExpression": "attribute_not_exists(#pk)",
                        "ExpressionAttributeNames": {"#pk": "pk"},
                    }
                },
            ],
            "ClientRequestToken": ANY,
        },
    )
    assert store.save(reg, expected_revision=None, journal_entries=moves, next_check_at=due) == 1

    # journal: one query of the registration's partition.
    [entry] = _stored_entries(store, stubber)
    body = json.dumps(reg.to_dict(), separators=(",", ":"))

    # load
    stubber.add_response(
        "get_item",
        {"Item": _registration_item(1, body, entry.hash)},
        {"TableName": TABLE, "Key": REG_KEY, "ConsistentRead": True},
    )
    loaded = store.load(RID)
    assert (loaded.revision, loaded.next_check_at, loaded.journal_head) == (1, due, entry.hash)

    # claim: a conditional put; a second claim is refused, and the holder read back.
    stubber.add_response(
        "put_item",
        {},
        {
            "TableName": TABLE,
            "Item": ANY,
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": "pk"},
        },
    )
    intent = store.claim_intent(RID, 1, "submit", "w1", LEASE)
    stubber.add_client_error(
        "put_item",
        service_error_code="ConditionalCheckFailedException",
        service_message="The conditional request failed",
        http_status_code=400,
    )
    stubber.add_response(
        "get_item",
        {"Item": _intent_item(intent.token)},
        {"TableName": TABLE, "Key": INTENT_KEY, "ConsistentRead": True},
    )
    with pytest.raises(OperationInProgress) as busy:
        store.claim_intent(RID, 1, "submit", "w2", LEASE)
    assert busy.value.intent == intent

    # intents, and the expired ones through the index.
    stubber.add_response(
        "query",
        {"Items": [_intent_item(intent.token)], "Count": 1, "ScannedCount": 1},
        {
            "TableName": TABLE,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
            "ExpressionAttributeValues": {":pk": {"S": RID}, ":prefix": {"S": "intent#"}},
            "ConsistentRead": True,
        },
    )
    assert store.intents(RID) == (intent,)
    stubber.add_response(
        "query",
        {"Items": [], "Count": 0, "ScannedCount": 0},
        {
            "TableName": TABLE,
            "IndexName": "rfsm_queue",
            "KeyConditionExpression": "#q = :q AND #qs < :bound",
            "ExpressionAttributeNames": {"#q": "queue", "#qs": "queue_sort"},
            "ExpressionAttributeValues": {
                ":q": {"S": "intent"},
                ":bound": {"S": "2026-01-05T09:00:00.000000+00:00$"},
            },
        },
    )
    assert store.expired_intents(at=T0) == ()

    # take over: a put conditional on the old token and an expired lease.
    stubber.add_response(
        "put_item",
        {},
        {
            "TableName": TABLE,
            "Item": ANY,
            "ConditionExpression": "#token = :token AND #expires <= :now",
            "ExpressionAttributeNames": {"#token": "token", "#expires": "expires_at"},
            "ExpressionAttributeValues": {":token": {"S": intent.token}, ":now": ANY},
        },
    )
    taken = store.take_over_intent(intent, "w2", LEASE)
    assert taken.worker_id == "w2"

    # release: a delete conditional on the token; a lost one is IntentLostError.
    holding = {
        "TableName": TABLE,
        "Key": INTENT_KEY,
        "ConditionExpression": "#token = :token",
        "ExpressionAttributeNames": {"#token": "token"},
    }
    stubber.add_response(
        "delete_item",
        {},
        {**holding, "ExpressionAttributeValues": {":token": {"S": taken.token}}},
    )
    store.release_intent(taken)
    stubber.add_client_error(
        "delete_item",
        service_error_code="ConditionalCheckFailedException",
        http_status_code=400,
        expected_params={**holding, "ExpressionAttributeValues": {":token": {"S": intent.token}}},
    )
    with pytest.raises(IntentLostError):
        store.release_intent(intent)

    # save (update) with a release, refused for a moved revision: the reasons decide.
    before = loaded.registration.snapshot()
    loaded.registration.submit()
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        http_status_code=400,
        modeled_fields={
            "CancellationReasons": [
                {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
                {"Code": "None"},
                {"Code": "None"},
            ]
        },
        expected_params={
            "TransactItems": [
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": ANY,
                        "ConditionExpression": "#rev = :rev",
                        "ExpressionAttributeNames": {"#rev": "revision"},
                        "ExpressionAttributeValues": {":rev": {"N": "1"}},
                    }
                },
                {"Put": ANY},
                {
                    "Delete": {
                        **holding,
                        "ExpressionAttributeValues": {":token": {"S": taken.token}},
                    }
                },
            ],
            "ClientRequestToken": ANY,
        },
    )
    stubber.add_response(
        "get_item",
        {"Item": _registration_item(2, body, entry.hash)},
        {"TableName": TABLE, "Key": REG_KEY, "ConsistentRead": True},
    )
    with pytest.raises(ConcurrentUpdateError) as lost:
        store.save(
            loaded.registration,
            expected_revision=1,
            journal_entries=journal_moves(before, loaded.registration, source="answer"),
            release=taken,
        )
    assert (lost.value.expected_revision, lost.value.actual_revision) == (1, 2)

    # A transaction conflict is neither: a StoreError saying nothing was written.
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        http_status_code=400,
        modeled_fields={"CancellationReasons": [{"Code": "TransactionConflict"}]},
    )
    with pytest.raises(StoreError, match="TransactionConflict") as conflict:
        store.save(loaded.registration, expected_revision=1)
    assert not isinstance(conflict.value, ConcurrentUpdateError)

    # list: the index, soonest due first; by status with a filter.
    stubber.add_response(
        "query",
        {"Items": [_registration_item(1, body, entry.hash)], "Count": 1, "ScannedCount": 1},
        {
            "TableName": TABLE,
            "IndexName": "rfsm_queue",
            "KeyConditionExpression": "#q = :q AND #qs < :bound",
            "FilterExpression": "#status = :status",
            "ExpressionAttributeNames": {
                "#q": "queue",
                "#qs": "queue_sort",
                "#status": "status",
            },
            "ExpressionAttributeValues": {
                ":q": {"S": "registration"},
                ":bound": {"S": "2026-01-05T11:00:00.000000+00:00$"},
                ":status": {"S": "CREATED"},
            },
        },
    )
    listed = store.list(status="CREATED", due_before=T0 + timedelta(hours=2), limit=5)
    assert [x.registration_id for x in listed] == [RID]

    # claim_due: the due items from the index, each leased by a conditional update.
    stubber.add_response(
        "query",
        {"Items": [_registration_item(1, body, entry.hash)], "Count": 1, "ScannedCount": 1},
        {
            "TableName": TABLE,
            "IndexName": "rfsm_queue",
            "KeyConditionExpression": "#q = :q AND #qs < :bound",
            "ExpressionAttributeNames": {"#q": "queue", "#qs": "queue_sort"},
            "ExpressionAttributeValues": {":q": {"S": "registration"}, ":bound": ANY},
        },
    )
    stubber.add_response(
        "update_item",
        {
            "Attributes": {
                **_registration_item(1, body, entry.hash),
                "lease_owner": {"S": "syncer"},
                "lease_expires_at": {"S": "2026-01-05T09:05:30.000000+00:00"},
            }
        },
        {
            "TableName": TABLE,
            "Key": REG_KEY,
            "UpdateExpression": "SET #owner = :worker, #until = :until",
            "ConditionExpression": (
                "#rev = :rev AND (attribute_not_exists(#until) OR #until <= :now)"
            ),
            "ExpressionAttributeNames": {
                "#owner": "lease_owner",
                "#until": "lease_expires_at",
                "#rev": "revision",
            },
            "ExpressionAttributeValues": {
                ":worker": {"S": "syncer"},
                ":until": ANY,
                ":now": ANY,
                ":rev": {"N": "1"},
            },
            "ReturnValues": "ALL_NEW",
        },
    )
    assert [x.registration_id for x in store.claim_due(1, "syncer", LEASE)] == [RID]

    # record_event: a conditional put; a repeat is refused and read back.
    event = {
        "TableName": TABLE,
        "Item": {
            "pk": {"S": RID},
            "sk": {"S": "event#evt-1"},
            "event_id": {"S": "evt-1"},
            "recorded_at": {"S": "2026-01-05T09:00:00.000000+00:00"},
            "token": ANY,
        },
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "pk"},
    }
    stubber.add_response("put_item", {}, event)
    assert store.record_event("evt-1", RID, at=T0) is True
    stubber.add_client_error(
        "put_item",
        service_error_code="ConditionalCheckFailedException",
        http_status_code=400,
        expected_params=event,
    )
    stubber.add_response(
        "get_item",
        {"Item": {"pk": {"S": RID}, "sk": {"S": "event#evt-1"}, "token": {"S": "theirs"}}},
        {
            "TableName": TABLE,
            "Key": {"pk": {"S": RID}, "sk": {"S": "event#evt-1"}},
            "ConsistentRead": True,
        },
    )
    assert store.record_event("evt-1", RID, at=T0) is False
    stubber.add_response(
        "query",
        {"Items": [{"pk": {"S": RID}, "sk": {"S": "event#evt-1"}, "event_id": {"S": "evt-1"}}]},
        {
            "TableName": TABLE,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
            "ExpressionAttributeValues": {":pk": {"S": RID}, ":prefix": {"S": "event#"}},
            "ConsistentRead": True,
        },
    )
    assert store.events_seen(RID) == ("evt-1",)


def _stored_entries(store: DynamoDbStore, stubber: Stubber) -> tuple[JournalEntry, ...]:
    """The journal read back through a stubbed query answering with one entry."""
    stubber.add_response(
        "query",
        {
            "Items": [
                {
                    "pk": {"S": RID},
                    "sk": {"S": "journal#000000000001"},
                    "sequence": {"N": "1"},
                    "version_number": {"N": "1"},
                    "trigger": {"S": "create"},
                    "to_status": {"S": "DRAFT"},
                    "source": {"S": "local"},
                    "worker_id": {"S": "w1"},
                    "recorded_at": {"S": "2026-01-05T09:00:01.000000+00:00"},
                    "previous_hash": {"S": "0" * 64},
                    "hash": {"S": "b" * 64},
                }
            ],
            "Count": 1,
            "ScannedCount": 1,
        },
        {
            "TableName": TABLE,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
            "ExpressionAttributeValues": {":pk": {"S": RID}, ":prefix": {"S": "journal#"}},
            "ConsistentRead": True,
        },
    )
    entries = store.journal(RID)
    assert [(e.sequence, e.trigger, e.from_status, e.stamp, e.hash) for e in entries] == [
        (1, "create", None, None, "b" * 64)
    ]
    assert entries[0].recorded_at == T0 + timedelta(seconds=1)
    return entries


def test_migrate_request_shapes_fit_the_model(
    stubbed: tuple[Any, Stubber], clock: SteppingClock
) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "get_item", service_error_code="ResourceNotFoundException", http_status_code=400
    )
    stubber.add_client_error(
        "describe_table", service_error_code="ResourceNotFoundException", http_status_code=400
    )
    definition = DynamoDbStore.table_definition(TABLE)
    stubber.add_response("create_table", {}, definition)
    active = {
        "Table": {
            "TableName": TABLE,
            "TableStatus": "ACTIVE",
            "KeySchema": definition["KeySchema"],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "rfsm_queue",
                    "KeySchema": definition["GlobalSecondaryIndexes"][0]["KeySchema"],
                    "IndexStatus": "ACTIVE",
                }
            ],
        }
    }
    stubber.add_response("describe_table", active, {"TableName": TABLE})  # the waiter
    stubber.add_response("describe_table", active, {"TableName": TABLE})
    stubber.add_response("get_item", {}, {"TableName": TABLE, "Key": META, "ConsistentRead": True})
    stubber.add_response(
        "put_item",
        {},
        {
            "TableName": TABLE,
            "Item": {**META, "schema_version": {"N": str(SCHEMA_VERSION)}},
            "ConditionExpression": "attribute_not_exists(#pk) OR #v <= :v",
            "ExpressionAttributeNames": {"#pk": "pk", "#v": "schema_version"},
            "ExpressionAttributeValues": {":v": {"N": str(SCHEMA_VERSION)}},
        },
    )
    DynamoDbStore(TABLE, client, clock=clock)


def test_an_unreachable_endpoint_is_a_store_error(boto3_session: Any) -> None:
    from botocore.config import Config

    # Port 9 (discard) is closed on loopback: the connection is refused at once.
    client = boto3_session.client(
        "dynamodb",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(StoreError) as caught:
        DynamoDbStore(TABLE, client)
    assert "get_item failed" in str(caught.value)
    assert caught.value.cause is not None


def test_a_long_operation_name_and_id_still_fit_the_index_key(
    make_dynamodb_client: Callable[[], Any], table: str, clock: SteppingClock
) -> None:
    store = DynamoDbStore(table, make_dynamodb_client(), clock=clock)
    rid = "registration-" + "a" * 243
    intent = store.claim_intent(rid, 100000, "\N{SLIGHTLY SMILING FACE}" * 200, "w" * 200, LEASE)
    clock.advance(LEASE * 2)
    assert store.expired_intents() == (intent,)
    store.release_intent(intent)
    assert store.intents(rid) == ()
