"""The HTTP side of the emulator: where it listens, how it frames requests, and the
:class:`Emulator` that runs it.

It distrusts what it reads: a Content-Length that is not a plain number, too big, repeated,
or a chunked body is answered with a 400 in AWS's error shape and the connection is closed,
since its framing cannot be trusted; clients that vanish mid-request are forgotten quietly.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import socket
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..backends.memory import InMemoryBackend
from ..errors import InvalidValueError, UnsafeHostError
from ._dispatch import answer
from ._wire import CONTENT_TYPE, Reply, json_default, serialization

MAX_BODY = 8 * 1024 * 1024
"""The largest request body read (decided: the API's largest input, an attachment of
1.5 MiB, is about 2 MiB in base64)."""
BACKLOG = 1024
"""Connections the kernel holds for the emulator before it accepts them (capped by the
system's ``somaxconn``); the default of 5 reset clients under load."""

_DIGITS = re.compile(r"[0-9]{1,20}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` names a loopback address: ``localhost``, 127.0.0.0/8 or ::1.

    Names other than ``localhost`` are not looked up (a lookup could touch the network, and
    its answer could change): they count as beyond loopback.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind_address(host: str, allow_non_loopback: bool) -> tuple[socket.AddressFamily, str]:
    if not is_loopback(host) and not allow_non_loopback:
        raise UnsafeHostError(host)
    if host == "localhost":
        return socket.AF_INET, "127.0.0.1"
    try:
        version = ipaddress.ip_address(host).version
    except ValueError:
        version = 4
    return (socket.AF_INET6 if version == 6 else socket.AF_INET), host


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = BACKLOG

    def __init__(
        self, family: socket.AddressFamily, address: tuple[str, int], backend: InMemoryBackend
    ) -> None:
        self.address_family = family
        self.backend = backend
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (reset, broken pipe, timeout) is no error of ours."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "registration-fsm-emulator"
    timeout = 60
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm and the
        # client's delayed ACK hold the body back for tens of milliseconds.
        with contextlib.suppress(OSError):  # a client already gone
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(ConnectionError, TimeoutError):
            super().finish()

    def _content_length(self) -> int:
        """The body's length, from the one Content-Length header a request may carry."""
        if self.headers.get_all("Transfer-Encoding"):
            raise serialization(
                "Transfer-Encoding is not supported: send the body with a Content-Length"
            )
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            raise serialization("the request carries more than one Content-Length header")
        if not lengths:
            return 0
        value = lengths[0].strip()
        if not _DIGITS.fullmatch(value):
            raise serialization(f"Content-Length {value[:40]!r} is not a number of bytes")
        length = int(value)
        if length > MAX_BODY:
            raise serialization(
                f"Content-Length {length} is too large: the emulator reads at most "
                f"{MAX_BODY} bytes"
            )
        return length

    def do_POST(self) -> None:
        try:
            length = self._content_length()
        except Reply as reply:
            self.close_connection = True
            self._send(reply.status, reply.body, close=True)
            return
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:  # the client closed before sending its whole body
            self.close_connection = True
            return
        result = answer(self.server.backend, self.headers.get("X-Amz-Target", ""), raw)
        if result is None:
            self.close_connection = True
            return
        self._send(*result)

    def _send(self, status: int, body: dict[str, Any], *, close: bool = False) -> None:
        payload = json.dumps(body, default=json_default).encode()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", body.get("RequestId") or str(uuid.uuid4()))
        if close:
            self.send_header("Connection", "close")
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
    play the AWS side and inject faults. It authenticates nobody, so ``host`` must be a
    loopback address (127.0.0.0/8, ::1 or ``localhost``) unless ``allow_non_loopback=True``
    says the caller accepts that anyone who reaches it can use it (else UnsafeHostError).
    """

    def __init__(
        self,
        backend: InMemoryBackend | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_non_loopback: bool = False,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise InvalidValueError(f"invalid port {port!r}: 0 to 65535 (0 picks a free one)")
        if not isinstance(host, str) or not host:
            raise InvalidValueError(f"invalid host {host!r}")
        if not isinstance(allow_non_loopback, bool):
            raise InvalidValueError(
                f"allow_non_loopback must be a bool, got {type(allow_non_loopback).__name__}"
            )
        if backend is not None and not isinstance(backend, InMemoryBackend):
            raise InvalidValueError(
                f"the emulator serves an InMemoryBackend, not {type(backend).__name__}"
            )
        family, address = _bind_address(host, allow_non_loopback)
        self._backend = backend if backend is not None else InMemoryBackend()
        self._server = _Server(family, (address, port), self._backend)
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
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

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
