"""What DynamoDbStore stands on: the client calls, their errors, and the table's schema.

Every call goes through :meth:`DynamoTable._call`: a condition that did not hold (a failed
conditional write, a cancelled transaction, a missing table) is a :class:`Refused` the
store turns into the typed error it means; anything else botocore raises is a
:class:`~registration_fsm.StoreError` carrying it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from ..clock import Clock, utc_now
from ..errors import InvalidValueError, MissingDependencyError, SchemaVersionError, StoreError
from ._dynamodb_items import INDEX, META_KEY, n, s, table_definition
from ._protocol import SCHEMA_VERSION, utc

__all__ = ["CANCELLED", "CONDITION_FAILED", "DynamoTable", "Refused", "TABLE_NAME"]

TABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]{3,255}")
CONDITION_FAILED = "ConditionalCheckFailedException"
CANCELLED = "TransactionCanceledException"
_NOT_FOUND = "ResourceNotFoundException"


def _botocore_errors() -> tuple[type[Exception], type[Exception]]:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError as exc:
        raise MissingDependencyError(
            "boto3", "install the aws extra: pip install 'registration-fsm[aws]'"
        ) from exc
    return ClientError, BotoCoreError


class Refused(Exception):
    """A condition of the call did not hold (``code``); ``reasons`` per transaction item."""

    def __init__(self, code: str, reasons: Sequence[str | None], cause: Exception) -> None:
        self.code = code
        self.reasons = tuple(reasons)
        self.cause = cause
        super().__init__(code)


class DynamoTable:
    """One store table reached through one boto3 client; the store's registrations on top."""

    def __init__(self, table: str, client: Any, *, clock: Clock | None, owns_client: bool) -> None:
        if not isinstance(table, str) or TABLE_NAME.fullmatch(table) is None:
            raise InvalidValueError(
                f"a DynamoDB table name is 3 to 255 letters, digits, '_', '-' or '.', "
                f"got {table!r}"
            )
        self._client_error, self._botocore_error = _botocore_errors()
        self._table = table
        self._client = client
        self._owns_client = owns_client
        self._clock: Clock = clock if clock is not None else utc_now
        self._location = f"DynamoDB table {table!r}"

    def close(self) -> None:
        """Close the client when the store made it (``open_store``); a caller's is theirs."""
        if self._owns_client:
            self._client.close()

    @staticmethod
    def table_definition(table: str) -> dict[str, Any]:
        """The ``CreateTable`` arguments :meth:`migrate` uses, for infrastructure as code."""
        return table_definition(table)

    # -- plumbing --------------------------------------------------------------------------

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One client call; a failed condition is :class:`Refused`, anything else a StoreError."""
        try:
            answer: dict[str, Any] = getattr(self._client, operation)(**params)
        except self._client_error as exc:
            response: dict[str, Any] = getattr(exc, "response", {})
            code = str(response.get("Error", {}).get("Code", ""))
            if code == CONDITION_FAILED:
                raise Refused(code, (code,), exc) from exc
            if code == CANCELLED:
                reasons = [r.get("Code") for r in response.get("CancellationReasons", [])]
                raise Refused(code, reasons, exc) from exc
            if code == _NOT_FOUND:
                raise Refused(code, (), exc) from exc
            raise StoreError(f"{self._location}: {operation} failed: {exc}", cause=exc) from exc
        except self._botocore_error as exc:
            raise StoreError(f"{self._location}: {operation} failed: {exc}", cause=exc) from exc
        return answer

    def _checked(self, operation: str, **params: Any) -> dict[str, Any]:
        """A call with no condition of its own: a missing table is a StoreError too."""
        try:
            return self._call(operation, **params)
        except Refused as refused:
            raise StoreError(
                f"{self._location}: {operation} failed: {refused.cause} "
                "(create the table with migrate())",
                cause=refused.cause,
            ) from refused.cause

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        answer = self._checked("get_item", TableName=self._table, Key=key, ConsistentRead=True)
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def _query(self, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item a query matches, page after page."""
        while True:
            answer = self._checked("query", TableName=self._table, **params)
            yield from answer.get("Items", [])
            last = answer.get("LastEvaluatedKey")
            if not last:
                return
            params["ExclusiveStartKey"] = last

    def _partition(self, rid: str, prefix: str) -> Iterator[dict[str, Any]]:
        """The items of one registration whose sort key starts with ``prefix``, in order."""
        return self._query(
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames={"#pk": "pk", "#sk": "sk"},
            ExpressionAttributeValues={":pk": s(rid), ":prefix": s(prefix)},
            ConsistentRead=True,
        )

    def _now(self) -> datetime:
        return utc(self._clock(), "the store's clock")

    # -- schema ----------------------------------------------------------------------------

    def _recorded_version(self) -> int:
        try:
            answer = self._call(
                "get_item", TableName=self._table, Key=META_KEY, ConsistentRead=True
            )
        except Refused:
            return 0  # no table yet
        except StoreError as exc:
            if "ValidationException" in str(exc):  # the meta item's key does not fit it
                raise self._layout_error() from exc
            raise
        item = answer.get("Item")
        return 0 if item is None else int(item["schema_version"]["N"])

    @property
    def schema_version(self) -> int:
        return self._recorded_version()

    def migrate(self) -> int:
        """Create the table when missing, check its keys, record :data:`SCHEMA_VERSION`.

        Idempotent, and safe to run from several workers at once.
        """
        self._ensure_table()
        found = self._recorded_version()
        if found > SCHEMA_VERSION:
            raise SchemaVersionError(self._location, found, SCHEMA_VERSION)
        try:
            self._call(
                "put_item",
                TableName=self._table,
                Item={**META_KEY, "schema_version": n(SCHEMA_VERSION)},
                ConditionExpression="attribute_not_exists(#pk) OR #v <= :v",
                ExpressionAttributeNames={"#pk": "pk", "#v": "schema_version"},
                ExpressionAttributeValues={":v": n(SCHEMA_VERSION)},
            )
        except Refused as refused:
            newer = self._recorded_version()
            if newer > SCHEMA_VERSION:
                raise SchemaVersionError(self._location, newer, SCHEMA_VERSION) from None
            raise StoreError(
                f"{self._location}: cannot record the schema version: {refused.cause}",
                cause=refused.cause,
            ) from refused.cause
        return SCHEMA_VERSION

    def _ensure_table(self) -> None:
        try:
            table = self._call("describe_table", TableName=self._table)["Table"]
        except Refused:
            try:
                self._call("create_table", **table_definition(self._table))
            except StoreError as exc:
                # Another worker is creating it at the same moment: wait for theirs.
                if "ResourceInUseException" not in str(exc):
                    raise
            try:
                self._client.get_waiter("table_exists").wait(
                    TableName=self._table, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
                )
            except Exception as exc:
                raise StoreError(
                    f"{self._location}: the table did not become ready: {exc}", cause=exc
                ) from exc
            table = self._checked("describe_table", TableName=self._table)["Table"]
        expected = table_definition(self._table)
        indexes = {i.get("IndexName"): i for i in table.get("GlobalSecondaryIndexes", [])}
        if table.get("KeySchema") != expected["KeySchema"] or INDEX not in indexes:
            raise self._layout_error()

    def _layout_error(self) -> StoreError:
        return StoreError(
            f"{self._location} exists with another layout than a store's (keys pk HASH, "
            f"sk RANGE, index {INDEX} on queue HASH, queue_sort RANGE); "
            "see DynamoDbStore.table_definition"
        )
