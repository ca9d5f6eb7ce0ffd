"""The emulator's side of the JSON 1.0 protocol: reading request bodies, paging, and
error answers in the shape botocore parses (``__type``, ``Message`` and the modelled fields)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..errors import (
    AccessDeniedError,
    BackendError,
    ConflictError,
    InternalServerError,
    InvalidRegistrationId,
    ResourceNotFoundError,
    ServiceQuotaExceededError,
    ThrottlingError,
    ValidationError,
)
from ..version import validate_registration_id

TARGET_PREFIX = "PinpointSMSVoiceV2."
CONTROL_PREFIX = "RegistrationFsmEmulator."
CONTENT_TYPE = "application/x-amz-json-1.0"
DEFAULT_PAGE_SIZE = 100
"""MaxResults when a request gives none (decided: AWS does not document its default)."""
MAX_DEPTH = 32
"""The deepest nesting of a request body (decided: the API's deepest request shape nests
four levels; deeper is an attack or a bug, refused as ValidationException)."""

_MAX_FILTERS = 20
_ERROR_CODES: tuple[tuple[type[BackendError], str], ...] = (
    (ThrottlingError, "ThrottlingException"),
    (AccessDeniedError, "AccessDeniedException"),
    (ResourceNotFoundError, "ResourceNotFoundException"),
    (ValidationError, "ValidationException"),
    (ConflictError, "ConflictException"),
    (ServiceQuotaExceededError, "ServiceQuotaExceededException"),
    (InternalServerError, "InternalServerException"),
)


class Reply(Exception):
    """An error answer, ready to be sent."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("Message", ""))
        self.status = status
        self.body = body


def serialization(message: str) -> Reply:
    """A request the protocol cannot read (framing, not JSON): SerializationException."""
    return Reply(400, {"__type": "SerializationException", "Message": message})


def show(value: object) -> str:
    """A value as AWS's validation messages quote it."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value[:200]}'"
    try:
        return json.dumps(value)[:200]
    except (TypeError, ValueError):
        return repr(value)[:200]


def validation(
    field: str, rule: str, reason: str = "FIELD_VALIDATION_FAILED", value: object = None
) -> Reply:
    """A ValidationException worded as AWS words one: "1 validation error detected: Value
    'x' at 'registrationId' failed to satisfy constraint: Member must ..."."""
    where = field[:1].lower() + field[1:]
    return Reply(
        400,
        {
            "__type": "ValidationException",
            "Message": f"1 validation error detected: Value {show(value)} at '{where}' "
            f"failed to satisfy constraint: Member {rule}",
            "Reason": reason,
            "Fields": [{"Name": field, "Message": f"Member {rule}"}],
        },
    )


def error_body(exc: BackendError, request_id: str) -> tuple[int, dict[str, Any]]:
    code = next((c for cls, c in _ERROR_CODES if isinstance(exc, cls)), exc.code)
    body: dict[str, Any] = {"__type": code, "Message": exc.message}
    extra: dict[str, Any] = {}
    if isinstance(
        exc, (ConflictError, ValidationError, AccessDeniedError, ServiceQuotaExceededError)
    ):
        extra["Reason"] = exc.reason
    if isinstance(exc, (ConflictError, ResourceNotFoundError)):
        extra["ResourceType"] = exc.resource_type
        extra["ResourceId"] = exc.resource_id
    if isinstance(exc, ValidationError) and exc.fields:
        extra["Fields"] = [dict(f) for f in exc.fields]
    if isinstance(exc, InternalServerError):
        extra["RequestId"] = request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    return (500 if isinstance(exc, InternalServerError) else 400), body


def json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot encode {type(value).__name__}")


def parse_body(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object; too deep a nesting is a client's error."""
    too_deep = validation("body", f"must not be nested more than {MAX_DEPTH} levels deep")
    try:
        body = json.loads(raw or b"{}")
    except RecursionError:
        raise too_deep from None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise serialization("the body is not a JSON object")
    level: list[object] = [body]
    for _ in range(MAX_DEPTH):
        below: list[object] = []
        for value in level:
            if isinstance(value, dict):
                below.extend(value.values())
            elif isinstance(value, list):
                below.extend(value)
        if not below:
            return body
        level = below
    raise too_deep


# -- reading requests -------------------------------------------------------------------------

_ID_PATTERN = "[A-Za-z0-9_:/-]+"


def string(
    body: Mapping[str, Any],
    field: str,
    *,
    required: bool = False,
    low: int = 1,
    high: int = 256,
    pattern: str | None = None,
) -> str | None:
    """A string member, checked as the model constrains it."""
    value = body.get(field)
    if value is None:
        if required:
            raise validation(field, "must not be null", "MISSING_PARAMETER")
        return None
    return check_string(value, field, low=low, high=high, pattern=pattern)


def check_string(
    value: object, field: str, *, low: int = 1, high: int = 256, pattern: str | None = None
) -> str:
    if not isinstance(value, str):
        raise validation(field, "must be a string", value=value)
    if len(value) < low:
        raise validation(field, f"must have length greater than or equal to {low}", value=value)
    if len(value) > high:
        raise validation(field, f"must have length less than or equal to {high}", value=value)
    if pattern is not None and not re.fullmatch(pattern, value):
        raise validation(field, f"must satisfy regular expression pattern: {pattern}", value=value)
    return value


def registration_id(body: Mapping[str, Any], field: str = "RegistrationId") -> str:
    if field not in body or body[field] is None:
        raise validation(field, "must not be null", "MISSING_PARAMETER")
    return id_value(body[field], field)


def id_value(value: object, field: str) -> str:
    check_string(value, field, pattern=_ID_PATTERN)
    try:
        return validate_registration_id(value)
    except InvalidRegistrationId as exc:
        raise validation(field, exc.reason, value=value) from None


def optional_list(body: Mapping[str, Any], field: str, most: int) -> list[Any] | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, list):
        raise validation(field, "must be a list", value=value)
    if len(value) > most:
        raise validation(field, f"must have length less than or equal to {most}", value=value)
    return value


def string_list(
    body: Mapping[str, Any], field: str, most: int, *, high: int = 256, pattern: str | None = None
) -> list[str] | None:
    items = optional_list(body, field, most)
    if items is None:
        return None
    return [check_string(i, field, high=high, pattern=pattern) for i in items]


def integer(body: Mapping[str, Any], field: str, low: int, high: int) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise validation(field, "must be an integer", value=value)
    if value < low:
        raise validation(field, f"must have value greater than or equal to {low}", value=value)
    if value > high:
        raise validation(field, f"must have value less than or equal to {high}", value=value)
    return value


def max_results(body: Mapping[str, Any]) -> int:
    found = integer(body, "MaxResults", 1, 100)
    return DEFAULT_PAGE_SIZE if found is None else found


def tags(body: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in optional_list(body, "Tags", 200) or ():
        if not (
            isinstance(tag, Mapping)
            and isinstance(tag.get("Key"), str)
            and 1 <= len(tag["Key"]) <= 128
            and isinstance(tag.get("Value"), str)
            and len(tag["Value"]) <= 256
        ):
            raise validation(
                "Tags",
                "must be objects with a Key of 1 to 128 and a Value of 0 to 256 characters",
                value=tag,
            )
        found[tag["Key"]] = tag["Value"]
    return found


def client_token(body: Mapping[str, Any]) -> str | None:
    return string(body, "ClientToken", high=64, pattern="[!-~]+")


def filters(body: Mapping[str, Any], allowed: Sequence[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in optional_list(body, "Filters", _MAX_FILTERS) or ():
        if not isinstance(item, Mapping):
            raise validation("Filters", "must be objects with Name and Values", value=item)
        name, values = item.get("Name"), item.get("Values")
        if not isinstance(name, str) or name not in allowed:
            raise validation(
                "Filters.member.name",
                f"must satisfy enum value set: [{', '.join(allowed)}]",
                value=name,
            )
        if (
            not isinstance(values, list)
            or not 1 <= len(values) <= _MAX_FILTERS
            or not all(isinstance(v, str) for v in values)
        ):
            raise validation(
                "Filters.member.values", "must be a list of 1 to 20 strings", value=values
            )
        found.setdefault(name, set()).update(values)
    return found


def page(
    items: Sequence[Any], body: Mapping[str, Any], operation: str, request_key: object
) -> tuple[list[Any], str | None]:
    """One page of ``items``; NextToken is bound to the operation and the request's filters."""
    size = max_results(body)
    key = hashlib.sha256(
        json.dumps([operation, request_key], sort_keys=True).encode()
    ).hexdigest()[:16]
    start = 0
    token = body.get("NextToken")
    if token is not None:
        try:
            if not isinstance(token, str):
                raise ValueError(token)
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            if decoded["k"] != key or not isinstance(decoded["o"], int) or decoded["o"] < 0:
                raise ValueError(token)
            start = decoded["o"]
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise validation(
                "NextToken",
                "must be a token this request returned",
                "INVALID_NEXT_TOKEN",
                value=token,
            ) from None
    end = start + size
    next_token = None
    if end < len(items):
        next_token = base64.urlsafe_b64encode(json.dumps({"k": key, "o": end}).encode()).decode()
    return list(items[start:end]), next_token
