"""A local emulator of the registration API: the in-memory simulator served over HTTP.

It speaks the API's JSON 1.0 protocol (``X-Amz-Target: PinpointSMSVoiceV2.<Operation>``,
``application/x-amz-json-1.0``) for CreateRegistration, CreateRegistrationVersion,
SubmitRegistrationVersion, DiscardRegistrationVersion, DescribeRegistrations and
DescribeRegistrationVersions, so a stock boto3 client with ``endpoint_url`` pointed at it
works, errors included: they come back as HTTP 400 (500 for InternalServerException) with
``__type`` and the error's modelled fields, so botocore raises the same ClientError as AWS
would, and retries ThrottlingException and InternalServerException as it would.

Injected faults (see :meth:`InMemoryBackend.inject`) reach the client as they would from
AWS: TIMEOUT closes the connection without an answer and without effect, LOST_ANSWER
applies the request and then closes the connection; botocore sees a dropped connection
and retries.

Two operations that AWS does not have drive the AWS side from outside the process, with the
target prefix ``RegistrationFsmEmulator.``: ``PlayAws`` (RegistrationId, Trigger, and
optionally VersionNumber, DeniedReasons, Feedback) and ``InjectFault`` (Kind, and optionally
Operation and Count). In-process, use :attr:`Emulator.backend` instead.

Not imported by ``registration_fsm``: ``http.server`` costs more to import than the library.
Requests are not authenticated, so the emulator binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .backends.base import (
    DeniedReason,
    RegistrationInfo,
    VersionInfo,
    validate_registration_type,
)
from .backends.memory import OPERATIONS, FaultKind, InMemoryBackend
from .errors import (
    AccessDeniedError,
    BackendError,
    ConflictError,
    InternalServerError,
    InvalidRegistrationId,
    InvalidValueError,
    RegistrationFsmError,
    ResourceNotFoundError,
    ServiceQuotaExceededError,
    ServiceUnavailableError,
    ThrottlingError,
    ValidationError,
)
from .version import validate_registration_id

__all__ = ["Emulator"]

TARGET_PREFIX = "PinpointSMSVoiceV2."
CONTROL_PREFIX = "RegistrationFsmEmulator."
CONTENT_TYPE = "application/x-amz-json-1.0"
DEFAULT_PAGE_SIZE = 100
"""MaxResults when a request gives none (decided: AWS does not document its default)."""

_MAX_IDS = 5
_TOKEN_MAX = 64
_MAX_FILTERS = 20
_AWS_OPERATIONS = {
    "CreateRegistration": "create_registration",
    "CreateRegistrationVersion": "create_version",
    "SubmitRegistrationVersion": "submit",
    "DiscardRegistrationVersion": "discard",
    "DescribeRegistrations": "describe_registrations",
    "DescribeRegistrationVersions": "describe_versions",
}
_ERROR_CODES: tuple[tuple[type[BackendError], str], ...] = (
    (ThrottlingError, "ThrottlingException"),
    (AccessDeniedError, "AccessDeniedException"),
    (ResourceNotFoundError, "ResourceNotFoundException"),
    (ValidationError, "ValidationException"),
    (ConflictError, "ConflictException"),
    (ServiceQuotaExceededError, "ServiceQuotaExceededException"),
    (InternalServerError, "InternalServerException"),
)


class _Reply(Exception):
    """An error answer, ready to be sent."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("Message", ""))
        self.status = status
        self.body = body


def _validation(field: str, message: str, reason: str = "FIELD_VALIDATION_FAILED") -> _Reply:
    return _Reply(
        400,
        {
            "__type": "ValidationException",
            "Message": f"{field}: {message}",
            "Reason": reason,
            "Fields": [{"Name": field, "Message": message}],
        },
    )


def _error_body(exc: BackendError, request_id: str) -> tuple[int, dict[str, Any]]:
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


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot encode {type(value).__name__}")


# -- reading requests -------------------------------------------------------------------------


def _registration_id(body: Mapping[str, Any], field: str = "RegistrationId") -> str:
    if field not in body or body[field] is None:
        raise _validation(field, "is required", "MISSING_PARAMETER")
    return _id_value(body[field], field)


def _id_value(value: object, field: str) -> str:
    try:
        return validate_registration_id(value)
    except InvalidRegistrationId as exc:
        raise _validation(field, exc.reason) from None


def _optional_list(body: Mapping[str, Any], field: str, most: int) -> list[Any] | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, list):
        raise _validation(field, "must be a list")
    if len(value) > most:
        raise _validation(field, f"takes at most {most} items")
    return value


def _max_results(body: Mapping[str, Any]) -> int:
    value = body.get("MaxResults")
    if value is None:
        return DEFAULT_PAGE_SIZE
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise _validation("MaxResults", "must be an integer from 1 to 100")
    return value


def _filters(body: Mapping[str, Any], allowed: Sequence[str]) -> dict[str, set[str]]:
    filters: dict[str, set[str]] = {}
    for item in _optional_list(body, "Filters", _MAX_FILTERS) or ():
        if not isinstance(item, Mapping):
            raise _validation("Filters", "each filter must be an object with Name and Values")
        name, values = item.get("Name"), item.get("Values")
        if not isinstance(name, str) or name not in allowed:
            raise _validation("Filters", f"Name must be one of {', '.join(allowed)}")
        if (
            not isinstance(values, list)
            or not 1 <= len(values) <= _MAX_FILTERS
            or not all(isinstance(v, str) for v in values)
        ):
            raise _validation("Filters", "Values must be a list of 1 to 20 strings")
        filters.setdefault(name, set()).update(values)
    return filters


def _page(
    items: Sequence[Any], body: Mapping[str, Any], operation: str, request_key: object
) -> tuple[list[Any], str | None]:
    """One page of ``items``; NextToken is bound to the operation and the request's filters."""
    size = _max_results(body)
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
            raise _validation(
                "NextToken", "is not a token this request returned", "INVALID_NEXT_TOKEN"
            ) from None
    end = start + size
    next_token = None
    if end < len(items):
        next_token = base64.urlsafe_b64encode(json.dumps({"k": key, "o": end}).encode()).decode()
    return list(items[start:end]), next_token


def _version_result(info: VersionInfo, *, verdict: bool = False) -> dict[str, Any]:
    """A Create/Submit/Discard result; ``verdict`` adds DeniedReasons and Feedback, which
    only PlayAws's answer carries."""
    result = {
        "RegistrationArn": info.registration_arn,
        "RegistrationId": info.registration_id,
        **info.to_aws(),
    }
    if not verdict:
        result.pop("DeniedReasons", None)
        result.pop("Feedback", None)
    return result


# -- the operations ----------------------------------------------------------------------------


def _create_registration(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    registration_type = body.get("RegistrationType")
    if registration_type is None:
        raise _validation("RegistrationType", "is required", "MISSING_PARAMETER")
    try:
        validate_registration_type(registration_type)
    except InvalidValueError as exc:
        raise _validation("RegistrationType", str(exc)) from None
    tags: dict[str, str] = {}
    for tag in _optional_list(body, "Tags", 200) or ():
        if not (
            isinstance(tag, Mapping)
            and isinstance(tag.get("Key"), str)
            and isinstance(tag.get("Value"), str)
        ):
            raise _validation("Tags", "each tag must be an object with Key and Value strings")
        tags[tag["Key"]] = tag["Value"]
    token = body.get("ClientToken")
    if token is not None and not (
        isinstance(token, str)
        and 1 <= len(token) <= _TOKEN_MAX
        and all("!" <= c <= "~" for c in token)
    ):
        raise _validation("ClientToken", "must be 1 to 64 printable ASCII characters")
    return backend.create_registration(registration_type, tags=tags, client_token=token).to_aws()


def _create_version(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    return _version_result(backend.create_version(_registration_id(body)))


def _submit(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = _registration_id(body)
    aws_review = body.get("AwsReview", False)
    if not isinstance(aws_review, bool):
        raise _validation("AwsReview", "must be a boolean")
    info = backend.submit(rid, aws_review=aws_review)
    return {**_version_result(info), "AwsReview": bool(info.aws_review)}


def _discard(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    return _version_result(backend.discard(_registration_id(body)))


def _describe_registrations(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    ids = _optional_list(body, "RegistrationIds", _MAX_IDS)
    if ids is not None:
        ids = [_id_value(i, "RegistrationIds") for i in ids]
    filters = _filters(body, ("registration-type", "registration-status"))
    infos: Sequence[RegistrationInfo] = backend.describe_registrations(ids or None)
    if "registration-type" in filters:
        infos = [i for i in infos if i.registration_type in filters["registration-type"]]
    if "registration-status" in filters:
        infos = [i for i in infos if i.status.value in filters["registration-status"]]
    key = [ids, sorted((k, sorted(v)) for k, v in filters.items())]
    page, token = _page(infos, body, "DescribeRegistrations", key)
    result: dict[str, Any] = {"Registrations": [i.to_aws() for i in page]}
    if token is not None:
        result["NextToken"] = token
    return result


def _describe_versions(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = _registration_id(body)
    numbers = _optional_list(body, "VersionNumbers", _MAX_IDS)
    if numbers is not None and not all(
        isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 100_000 for n in numbers
    ):
        raise _validation("VersionNumbers", "must be integers from 1 to 100000")
    filters = _filters(body, ("registration-version-status",))
    infos: Sequence[VersionInfo] = backend.describe_versions(rid, numbers or None)
    registration_arn, registration_id = infos[0].registration_arn, infos[0].registration_id
    wanted = filters.get("registration-version-status")
    if wanted is not None:
        infos = [i for i in infos if i.status.value in wanted]
    key = [rid, numbers, sorted(wanted or ())]
    page, token = _page(infos, body, "DescribeRegistrationVersions", key)
    result: dict[str, Any] = {
        "RegistrationArn": registration_arn,
        "RegistrationId": registration_id,
        "RegistrationVersions": [i.to_aws() for i in page],
    }
    if token is not None:
        result["NextToken"] = token
    return result


def _play_aws(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = _registration_id(body)
    trigger = body.get("Trigger")
    if not isinstance(trigger, str):
        raise _validation("Trigger", "is required: one of the lifecycle's AWS triggers")
    reasons = []
    for item in _optional_list(body, "DeniedReasons", 100) or ():
        try:
            reasons.append(DeniedReason.from_aws(item))
        except InvalidValueError as exc:
            raise _validation("DeniedReasons", str(exc)) from None
    info = backend.play_aws(
        rid,
        trigger,
        version_number=body.get("VersionNumber"),
        denied_reasons=reasons,
        feedback=body.get("Feedback"),
    )
    return _version_result(info, verdict=True)


def _inject_fault(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    kind_name = body.get("Kind")
    try:
        kind = FaultKind[kind_name] if isinstance(kind_name, str) else None
    except KeyError:
        kind = None
    if kind is None:
        raise _validation("Kind", f"must be one of {', '.join(k.name for k in FaultKind)}")
    operation = body.get("Operation")
    if operation is not None:
        operation = _AWS_OPERATIONS.get(operation, operation)
        if operation not in OPERATIONS:
            raise _validation(
                "Operation", f"must be one of {', '.join(_AWS_OPERATIONS)} or left out"
            )
    backend.inject(kind, operation=operation, count=body.get("Count", 1))
    return {"PendingFaults": len(backend.pending_faults)}


_Operation = Callable[[InMemoryBackend, Mapping[str, Any]], dict[str, Any]]
_HANDLERS: dict[str, _Operation] = {
    TARGET_PREFIX + "CreateRegistration": _create_registration,
    TARGET_PREFIX + "CreateRegistrationVersion": _create_version,
    TARGET_PREFIX + "SubmitRegistrationVersion": _submit,
    TARGET_PREFIX + "DiscardRegistrationVersion": _discard,
    TARGET_PREFIX + "DescribeRegistrations": _describe_registrations,
    TARGET_PREFIX + "DescribeRegistrationVersions": _describe_versions,
    CONTROL_PREFIX + "PlayAws": _play_aws,
    CONTROL_PREFIX + "InjectFault": _inject_fault,
}


def _answer(
    backend: InMemoryBackend, target: str, raw: bytes
) -> tuple[int, dict[str, Any]] | None:
    """The status and JSON body for one request, or None when the answer is to be lost."""
    request_id = str(uuid.uuid4())
    try:
        handler = _HANDLERS.get(target)
        if handler is None:
            raise _Reply(
                400,
                {
                    "__type": "UnknownOperationException",
                    "Message": f"unknown operation {target!r}; the emulator serves "
                    + ", ".join(h.split(".", 1)[1] for h in _HANDLERS),
                },
            )
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise _Reply(
                400,
                {"__type": "SerializationException", "Message": "the body is not a JSON object"},
            )
        return 200, handler(backend, body)
    except ServiceUnavailableError:
        return None
    except BackendError as exc:
        return _error_body(exc, request_id)
    except _Reply as reply:
        return reply.status, reply.body
    except InvalidValueError as exc:
        return 400, {"__type": "ValidationException", "Message": str(exc), "Reason": "OTHER"}
    except RegistrationFsmError as exc:
        return 400, {"__type": type(exc).__name__, "Message": str(exc)}
    except Exception as exc:  # a bug in the emulator: report it as AWS reports its own
        print(f"registration-fsm emulator: internal error: {exc!r}", file=sys.stderr)
        return 500, {
            "__type": "InternalServerException",
            "Message": f"emulator error: {exc!r}",
            "RequestId": request_id,
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], backend: InMemoryBackend) -> None:
        self.backend = backend
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "registration-fsm-emulator"
    timeout = 60
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm and the
        # client's delayed ACK hold the body back for tens of milliseconds.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        answer = _answer(self.server.backend, self.headers.get("X-Amz-Target", ""), raw)
        if answer is None:
            self.close_connection = True
            return
        status, body = answer
        payload = json.dumps(body, default=_json_default).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", body.get("RequestId") or str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and CI logs do not need a line per request."""


class Emulator:
    """The simulator served over HTTP; a context manager that runs it in a thread.

    >>> with Emulator() as emulator:  # doctest: +SKIP
    ...     client = boto3.client("pinpoint-sms-voice-v2", endpoint_url=emulator.endpoint_url,
    ...                           region_name="us-east-1", aws_access_key_id="testing",
    ...                           aws_secret_access_key="testing")

    It listens as soon as it is built (``port=0`` picks a free port: read :attr:`port`).
    :attr:`backend` is the :class:`~registration_fsm.InMemoryBackend` behind it, so tests can
    play the AWS side and inject faults.
    """

    def __init__(
        self, backend: InMemoryBackend | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise InvalidValueError(f"invalid port {port!r}: 0 to 65535 (0 picks a free one)")
        if not isinstance(host, str) or not host:
            raise InvalidValueError(f"invalid host {host!r}")
        if backend is not None and not isinstance(backend, InMemoryBackend):
            raise InvalidValueError(
                f"the emulator serves an InMemoryBackend, not {type(backend).__name__}"
            )
        self._backend = backend if backend is not None else InMemoryBackend()
        self._server = _Server((host, port), self._backend)
        self._thread: threading.Thread | None = None

    @property
    def backend(self) -> InMemoryBackend:
        """The simulator behind the emulator."""
        return self._backend

    @property
    def host(self) -> str:
        """The address the emulator listens on."""
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        """The port the emulator listens on."""
        return int(self._server.server_address[1])

    @property
    def endpoint_url(self) -> str:
        """What to pass as ``endpoint_url`` to ``boto3.client``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Emulator:
        """Serve in a background thread; returns the emulator."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"registration-fsm-emulator:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the command line does this)."""
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._close_connections()
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving, drop open connections and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._close_connections()
        self._server.server_close()

    def _close_connections(self) -> None:
        with self._server.connections_lock:
            connections = list(self._server.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Emulator {self.endpoint_url} {self._backend!r}>"
