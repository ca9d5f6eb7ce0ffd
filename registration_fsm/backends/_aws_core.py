"""The AWS backends' decisions, free of I/O: which requests to send and what their answers mean.

Each operation is a generator that yields a :class:`Request` (a client method and its
parameters) and is sent back the client's answer, or has the client's exception thrown in.
:class:`~registration_fsm.backends.AwsBackend` drives these flows with a boto3 client and
:class:`~registration_fsm.backends.AsyncAwsBackend` with an aiobotocore one, so the error
mapping, the paging rules and the exactly-once read-back after an ambiguous failure are
written once, here.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import attrs

from ..errors import (
    AccessDeniedError,
    BackendError,
    ConflictError,
    InternalServerError,
    InvalidValueError,
    MalformedDataError,
    RegistrationFsmError,
    ResourceNotFoundError,
    ServiceQuotaExceededError,
    ServiceUnavailableError,
    ThrottlingError,
    ValidationError,
)
from ..evidence import require_aws_review
from ..statuses import VersionStatus
from ..version import validate_registration_id, validate_version_number
from .base import RegistrationInfo, VersionInfo, validate_registration_type

__all__ = [
    "CLIENT_METHODS",
    "Request",
    "check_client",
    "check_page_size",
    "create_registration_flow",
    "create_version_flow",
    "describe_registration_flow",
    "describe_versions_flow",
    "discard_flow",
    "log_call",
    "submit_flow",
]

_log = logging.getLogger("registration_fsm.backends")

CLIENT_METHODS = (
    "create_registration",
    "create_registration_version",
    "submit_registration_version",
    "discard_registration_version",
    "describe_registrations",
    "describe_registration_versions",
)
_MAX_VERSION_NUMBERS = 5
_THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
    }
)


@attrs.frozen
class Request:
    """One call of the client: ``method(**params)``, named ``operation`` in errors."""

    operation: str
    method: str
    params: Mapping[str, Any]


Flow = Generator[Request, Any, Any]


def log_call(request: Request, outcome: object) -> None:
    """One DEBUG record per call: the operation, AWS's request id, the HTTP status and the
    retries botocore made (never a parameter: they may hold a registration's field values)."""
    if not _log.isEnabledFor(logging.DEBUG):
        return
    if isinstance(outcome, BaseException):
        response = getattr(outcome, "response", None)
        error = type(outcome).__name__
    else:
        response, error = outcome, None
    meta = response.get("ResponseMetadata", {}) if isinstance(response, Mapping) else {}
    meta = meta if isinstance(meta, Mapping) else {}
    _log.debug(
        "%s: %s (request id %s)",
        request.operation,
        error or meta.get("HTTPStatusCode"),
        meta.get("RequestId"),
        extra={
            "operation": request.operation,
            "request_id": meta.get("RequestId"),
            "http_status": meta.get("HTTPStatusCode"),
            "retry_attempts": meta.get("RetryAttempts"),
            "error": error,
        },
    )


def check_client(client: object, *, asynchronous: bool) -> None:
    """Refuse a client that lacks the registration API, or is of the other kind (sync/async)."""
    kind = type(client).__name__
    for name in CLIENT_METHODS:
        method = getattr(client, name, None)
        if not callable(method):
            raise InvalidValueError(
                f"{kind} has no {name}(); pass "
                + (
                    'an aiobotocore client of "pinpoint-sms-voice-v2"'
                    if asynchronous
                    else 'boto3.client("pinpoint-sms-voice-v2")'
                )
            )
        if _is_async(client, method) != asynchronous:
            if asynchronous:
                raise InvalidValueError(
                    f"{kind} is a synchronous (boto3) client: AsyncAwsBackend needs an "
                    "aiobotocore client; use AwsBackend for this one"
                )
            raise InvalidValueError(
                f"{kind} is an asynchronous (aiobotocore) client: AwsBackend needs a boto3 "
                "client; use AsyncAwsBackend for this one"
            )


def _is_async(client: object, method: Callable[..., Any]) -> bool:
    # botocore's generated methods are plain functions for both kinds of client; an
    # aiobotocore client shows itself by its coroutine ``_make_api_call``.
    make_api_call = getattr(type(client), "_make_api_call", None)
    if make_api_call is not None:
        return inspect.iscoroutinefunction(make_api_call)
    return inspect.iscoroutinefunction(method)


def check_page_size(page_size: object) -> int | None:
    if page_size is not None and (
        isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 100
    ):
        raise InvalidValueError(f"invalid page_size {page_size!r}: 1 to 100, or None")
    return page_size


def _call(operation: str, method: str, params: Mapping[str, Any]) -> Flow:
    """One request; the answer as a mapping, or the failure as a library error."""
    try:
        response = yield Request(operation, method, params)
    except Exception as exc:
        mapped = _map_error(exc, operation)
        if mapped is None:
            raise
        raise mapped[0] from exc
    if not isinstance(response, Mapping):
        raise MalformedDataError(
            f"expected an object, got {type(response).__name__}", path=operation
        )
    return response


def create_registration_flow(
    registration_type: str,
    *,
    tags: Mapping[str, str] | None = None,
    client_token: str | None = None,
) -> Flow:
    params: dict[str, Any] = {"RegistrationType": validate_registration_type(registration_type)}
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    if client_token is not None:
        params["ClientToken"] = client_token
    response = yield from _call("CreateRegistration", "create_registration", params)
    return RegistrationInfo.from_aws(response)


def create_version_flow(registration_id: str, page_size: int | None) -> Flow:
    rid = validate_registration_id(registration_id)
    return (
        yield from _change(
            "CreateRegistrationVersion",
            "create_registration_version",
            {"RegistrationId": rid},
            lambda latest: latest.status is VersionStatus.DRAFT and latest.version_number > 1,
            page_size,
        )
    )


def submit_flow(registration_id: str, aws_review: bool, page_size: int | None) -> Flow:
    rid = validate_registration_id(registration_id)
    if not isinstance(aws_review, bool):
        raise InvalidValueError(f"aws_review must be a bool, got {aws_review!r}")
    params: dict[str, Any] = {"RegistrationId": rid}
    if aws_review:
        params["AwsReview"] = True
    answer: VersionInfo = yield from _change(
        "SubmitRegistrationVersion",
        "submit_registration_version",
        params,
        lambda latest: latest.history.submitted is not None,
        page_size,
    )
    if aws_review:
        require_aws_review(rid, answer)
    return answer


def discard_flow(registration_id: str, page_size: int | None) -> Flow:
    rid = validate_registration_id(registration_id)
    return (
        yield from _change(
            "DiscardRegistrationVersion",
            "discard_registration_version",
            {"RegistrationId": rid},
            lambda latest: latest.status is VersionStatus.DISCARDED,
            page_size,
        )
    )


def describe_versions_flow(
    registration_id: str, version_numbers: Sequence[int] | None, page_size: int | None
) -> Flow:
    """Every page, oldest version first; more than five numbers are asked five at a time."""
    rid = validate_registration_id(registration_id)
    if version_numbers is None:
        batches: list[list[int] | None] = [None]
    else:
        if isinstance(version_numbers, (str, bytes)) or not isinstance(version_numbers, Sequence):
            raise InvalidValueError(
                f"version_numbers must be a sequence of ints, got {version_numbers!r}"
            )
        numbers = sorted({validate_version_number(n) for n in version_numbers})
        if not numbers:
            return ()
        batches = [
            numbers[i : i + _MAX_VERSION_NUMBERS]
            for i in range(0, len(numbers), _MAX_VERSION_NUMBERS)
        ]
    found: dict[int, VersionInfo] = {}
    for batch in batches:
        params: dict[str, Any] = {"RegistrationId": rid}
        if batch is not None:
            params["VersionNumbers"] = batch
        if page_size is not None:
            params["MaxResults"] = page_size
        infos: list[VersionInfo] = yield from _pages(params)
        for info in infos:
            found[info.version_number] = info
    return tuple(found[n] for n in sorted(found))


def _pages(params: dict[str, Any]) -> Flow:
    infos: list[VersionInfo] = []
    seen: set[str] = set()
    while True:
        response = yield from _call(
            "DescribeRegistrationVersions", "describe_registration_versions", params
        )
        rid = response.get("RegistrationId")
        arn = response.get("RegistrationArn")
        items = response.get("RegistrationVersions")
        if not isinstance(items, list):
            raise MalformedDataError("expected a list", path="RegistrationVersions", value=items)
        infos.extend(
            VersionInfo.from_aws(item, registration_id=rid, registration_arn=arn) for item in items
        )
        token = response.get("NextToken")
        if not token:
            return infos
        if token in seen:
            raise MalformedDataError(
                "the service returned the same NextToken twice", path="NextToken", value=token
            )
        seen.add(token)
        params = {**params, "NextToken": token}


def describe_registration_flow(registration_id: str) -> Flow:
    """DescribeRegistrations for one registration (by id or ARN)."""
    rid = validate_registration_id(registration_id)
    response = yield from _call(
        "DescribeRegistrations", "describe_registrations", {"RegistrationIds": [rid]}
    )
    items = response.get("Registrations")
    if not isinstance(items, list):
        raise MalformedDataError("expected a list", path="Registrations", value=items)
    for item in items:
        info = RegistrationInfo.from_aws(item)
        if rid in (info.registration_id, info.registration_arn):
            return info
    raise ResourceNotFoundError(
        f"Registration {rid} is not in the DescribeRegistrations answer",
        code="ResourceNotFoundException",
        resource_type="registration",
        resource_id=rid,
        operation="DescribeRegistrations",
    )


def _change(
    operation: str,
    method: str,
    params: dict[str, Any],
    took_effect: Callable[[VersionInfo], bool],
    page_size: int | None,
) -> Flow:
    """A request without an idempotency token, read back once after an ambiguous failure."""
    try:
        response = yield Request(operation, method, params)
    except Exception as exc:
        mapped = _map_error(exc, operation)
        if mapped is None:
            raise
        error, retried = mapped
        ambiguous = _may_hide_effect(error, retried)
        if not ambiguous and not isinstance(error, ConflictError):
            raise error from exc
        try:
            versions: tuple[VersionInfo, ...] = yield from describe_versions_flow(
                params["RegistrationId"], None, page_size
            )
        except RegistrationFsmError:
            raise error from exc
        if ambiguous and versions and took_effect(versions[-1]):
            return versions[-1]
        if isinstance(error, ConflictError) and versions:
            # Somebody else's move (or ours, refused): the caller may adopt it knowingly.
            error.current = versions[-1]
        raise error from exc
    return VersionInfo.from_aws(response)


def _may_hide_effect(error: BackendError, retried: bool) -> bool:
    """True when this call's own failure may hide its effect: no answer, a 5xx, or retries
    (an earlier attempt may have landed). A conflict with none of these is somebody else's."""
    return retried or isinstance(error, (ServiceUnavailableError, InternalServerError))


def _map_error(exc: Exception, operation: str) -> tuple[BackendError, bool] | None:
    """The library error for a botocore failure, and whether botocore had retried; None for
    anything that is not botocore's."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        return _map_client_error(exc.response, operation)
    if isinstance(exc, (bx.ConnectionError, bx.HTTPClientError)):
        return (
            ServiceUnavailableError(str(exc), code=type(exc).__name__, operation=operation),
            True,
        )
    if isinstance(exc, bx.ParamValidationError):
        return ValidationError(str(exc), code="ParamValidationError", operation=operation), False
    if isinstance(exc, bx.BotoCoreError):
        return BackendError(str(exc), code=type(exc).__name__, operation=operation), False
    return None


def _map_client_error(response: Mapping[str, Any], operation: str) -> tuple[BackendError, bool]:
    error = response.get("Error") or {}
    meta = response.get("ResponseMetadata") or {}
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or "")
    request_id = meta.get("RequestId") or response.get("RequestId")
    status = meta.get("HTTPStatusCode")
    retried = bool(meta.get("RetryAttempts"))
    context: dict[str, Any] = {"code": code, "request_id": request_id, "operation": operation}
    mapped: BackendError
    if code in _THROTTLING_CODES:
        mapped = ThrottlingError(message, **context)
    elif code == "AccessDeniedException":
        mapped = AccessDeniedError(message, reason=response.get("Reason"), **context)
    elif code == "ResourceNotFoundException":
        mapped = ResourceNotFoundError(
            message,
            resource_type=response.get("ResourceType"),
            resource_id=response.get("ResourceId"),
            **context,
        )
    elif code == "ValidationException":
        mapped = ValidationError(
            message, reason=response.get("Reason"), fields=response.get("Fields") or (), **context
        )
    elif code == "ConflictException":
        mapped = ConflictError(
            message,
            reason=response.get("Reason"),
            resource_type=response.get("ResourceType"),
            resource_id=response.get("ResourceId"),
            **context,
        )
    elif code == "ServiceQuotaExceededException":
        mapped = ServiceQuotaExceededError(message, reason=response.get("Reason"), **context)
    elif code == "InternalServerException":
        mapped = InternalServerError(message, **context)
    elif isinstance(status, int) and status >= 500:
        mapped = ServiceUnavailableError(message, **context)
    else:
        mapped = BackendError(message, **context)
    return mapped, retried
