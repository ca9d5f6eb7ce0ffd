"""In-process mocking of ``pinpoint-sms-voice-v2``: boto3 and aiobotocore clients answered by
the simulator through botocore's own ``before-send`` event, with no HTTP server and no port.

While a :func:`mock_sms_voice` is active, a request of any ``pinpoint-sms-voice-v2`` client
is signed and serialized by botocore as usual, then answered by the emulator's protocol
layer over the mock's :class:`~registration_fsm.InMemoryBackend` instead of being sent;
botocore parses the answer, raises its ClientErrors and retries as it would against AWS.
Injected faults that lose the connection reach botocore as ``ConnectionClosedError``.

The hook is added to botocore's built-in handlers, which every botocore session created
afterwards registers, and to boto3's default session if it exists; a session created
before this module was first used is not reached (create clients inside the mock, or after
it was first entered, or :meth:`SmsVoiceMock.attach` that session). Other services are
untouched.
"""

from __future__ import annotations

import functools
import io
import os
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar, overload

from ..backends.memory import InMemoryBackend
from ..emulator._dispatch import answer
from ..emulator._wire import CONTENT_TYPE, json_default

__all__ = ["SmsVoiceMock", "mock_sms_voice"]

_F = TypeVar("_F", bound=Callable[..., Any])
_EVENT = "before-send.pinpoint-sms-voice-v2"
_HOOK_ID = "registration_fsm.testing.mock"
_active: list[SmsVoiceMock] = []
_active_lock = threading.Lock()
_installed: list[bool] = []
_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class _Body(bytes):
    """An answer's body that botocore reads as bytes and aiobotocore awaits.

    botocore calls the ``before-send`` hook of every client, sync or async, with the same
    arguments, and reads ``response.content`` as bytes, where aiobotocore awaits it; this
    body is both, so one hook answers boto3 and aiobotocore clients alike.
    """

    def __await__(self) -> Generator[Any, None, bytes]:
        return bytes(self)
        yield  # pragma: no cover - makes this a generator function


class _Raw(io.BytesIO):
    """The body of a mocked answer, in the shape botocore reads an HTTP body."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def _before_send(request: Any, **_: Any) -> Any:
    """botocore's before-send hook: the simulator's answer, or None to send for real."""
    with _active_lock:
        current = _active[-1] if _active else None
    if current is None:
        return None
    import json

    from botocore.awsrequest import AWSResponse, HTTPHeaders
    from botocore.exceptions import ConnectionClosedError

    target = request.headers.get("X-Amz-Target", "")
    if isinstance(target, bytes):
        target = target.decode("latin-1")
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = body.read()
    result = answer(current.backend, target, body)
    current._requests += 1
    if result is None:
        raise ConnectionClosedError(endpoint_url=request.url)
    status, payload = result
    raw = json.dumps(payload, default=json_default).encode()
    headers = HTTPHeaders()
    headers["Content-Type"] = CONTENT_TYPE
    headers["Content-Length"] = str(len(raw))
    headers["x-amzn-RequestId"] = payload.get("RequestId") or f"mock-{current._requests}"
    response = AWSResponse(request.url, status, headers, _Raw(raw))
    response._content = _Body(raw)  # type: ignore[attr-defined]
    return response


def _install() -> None:
    """Add the hook to botocore's built-in handlers (once) and to live default sessions."""
    import botocore.handlers

    with _active_lock:
        if not _installed:
            botocore.handlers.BUILTIN_HANDLERS.append((_EVENT, _before_send))
            _installed.append(True)
    boto3 = sys.modules.get("boto3")
    session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 is not None else None
    if session is not None:
        session._session.register(_EVENT, _before_send, unique_id=_HOOK_ID)


class SmsVoiceMock:
    """An active or ready mock; :attr:`backend` plays the AWS side and injects faults."""

    def __init__(self, backend: InMemoryBackend | None = None) -> None:
        self.backend = backend if backend is not None else InMemoryBackend()
        self._requests = 0
        self._saved_env: dict[str, str | None] = {}

    @property
    def requests(self) -> int:
        """How many requests the mock answered (or lost, by an injected fault)."""
        return self._requests

    def attach(self, session: Any) -> SmsVoiceMock:
        """Reach clients of a boto3 or botocore ``session`` created before the mock's first
        use (later sessions are reached by themselves); returns the mock."""
        _install()
        events = getattr(session, "_session", session)
        events.register(_EVENT, _before_send, unique_id=_HOOK_ID)
        return self

    def start(self) -> SmsVoiceMock:
        _install()
        self._saved_env = {name: os.environ.get(name) for name in _FAKE_ENV}
        for name, value in _FAKE_ENV.items():
            os.environ.setdefault(name, value)
        with _active_lock:
            _active.append(self)
        return self

    def stop(self) -> None:
        with _active_lock:
            if self in _active:
                _active.remove(self)
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env = {}

    def __enter__(self) -> SmsVoiceMock:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __call__(self, func: _F) -> _F:
        """Use the mock as a decorator: active for each call of ``func``."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with SmsVoiceMock(self.backend):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


@overload
def mock_sms_voice(func: _F, /) -> _F: ...
@overload
def mock_sms_voice(*, backend: InMemoryBackend | None = None) -> SmsVoiceMock: ...
def mock_sms_voice(
    func: Callable[..., Any] | None = None, /, *, backend: InMemoryBackend | None = None
) -> Any:
    """Answer every ``pinpoint-sms-voice-v2`` client with the simulator, in-process.

    A context manager (``with mock_sms_voice() as mock: ... mock.backend``), a decorator
    (``@mock_sms_voice`` or ``@mock_sms_voice(backend=...)``), and the pytest fixture
    ``sms_voice_mock`` of :mod:`registration_fsm.testing.pytest_plugin`. Dummy credentials
    and region are set in the environment while it is active, where none are set.
    """
    if func is not None:
        return SmsVoiceMock(backend)(func)
    return SmsVoiceMock(backend)
