"""The emulator under abuse: many clients, broken framing, deep JSON, rude disconnects,
addresses beyond loopback, and control operations given wrong names."""

from __future__ import annotations

import io
import json
import socket
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from registration_fsm import FaultKind, InvalidValueError
from registration_fsm.cli import main
from registration_fsm.emulator import Emulator
from registration_fsm.errors import UnsafeHostError

TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
DESCRIBE = "PinpointSMSVoiceV2.DescribeRegistrations"


@pytest.fixture
def idle() -> Iterator[Emulator]:
    """An emulator that listens but does not accept yet: connections wait in the backlog."""
    emulator = Emulator()
    try:
        yield emulator
    finally:
        emulator.stop()


def request(target: str, body: bytes, *, headers: str | None = None) -> bytes:
    if headers is None:
        headers = f"Content-Length: {len(body)}\r\n"
    return (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: {target}\r\n"
        f"Content-Type: application/x-amz-json-1.0\r\n{headers}\r\n"
    ).encode() + body


def read_answer(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    """Read one HTTP answer (Content-Length framed) from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before an answer: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(
        int(v) for k, _, v in (h.partition(":") for h in lines[1:]) if k == "Content-Length"
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk
        rest += chunk
    return status, json.loads(rest[:length])


def exchange(emulator: Emulator, raw: bytes) -> tuple[int, dict[str, Any]]:
    with socket.create_connection((emulator.host, emulator.port), timeout=5) as sock:
        sock.sendall(raw)
        return read_answer(sock)


def reset(sock: socket.socket) -> None:
    """Close with a TCP reset instead of a FIN, as a killed client does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# -- many clients at once --------------------------------------------------------------------


def test_two_hundred_clients_wait_in_the_backlog_and_are_all_answered(idle: Emulator) -> None:
    clients: list[socket.socket] = []
    try:
        for n in range(200):
            sock = socket.socket()
            clients.append(sock)
            sock.settimeout(0.5)
            try:
                sock.connect((idle.host, idle.port))
            except (TimeoutError, ConnectionError) as exc:
                pytest.fail(f"client {n} was not admitted to the backlog: {exc!r}")
        for sock in clients:
            sock.settimeout(10)
            sock.sendall(request(DESCRIBE, b"{}"))
        idle.start()
        answers = [read_answer(sock) for sock in clients]
    finally:
        for sock in clients:
            sock.close()
    assert answers == [(200, {"Registrations": []})] * 200


# -- framing the server cannot trust ---------------------------------------------------------


FRAMINGS = {
    "letters": "Content-Length: abc\r\n",
    "a terabyte": f"Content-Length: {10**12}\r\n",
    "past 64 bits": f"Content-Length: {10**20}\r\n",
    "negative": "Content-Length: -5\r\n",
    "signed": "Content-Length: +2\r\n",
    "repeated": "Content-Length: 2\r\nContent-Length: 2\r\n",
    "contradicting": "Content-Length: 2\r\nContent-Length: 7\r\n",
    "chunked": "Transfer-Encoding: chunked\r\n",
    "chunked with a length": "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n",
}


@pytest.mark.parametrize("headers", FRAMINGS.values(), ids=FRAMINGS.keys())
def test_bad_framing_is_a_400_in_aws_shape(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], headers: str
) -> None:
    raw = request(DESCRIBE, b"2\r\n{}\r\n0\r\n\r\n", headers=headers)
    with socket.create_connection((emulator.host, emulator.port), timeout=5) as sock:
        sock.sendall(raw)
        status, body = read_answer(sock)
        # the framing cannot be trusted, so the connection ends after the answer
        assert sock.recv(65536) == b""
    assert status == 400
    assert body["__type"] == "SerializationException"
    assert "Content-Length" in body["Message"] or "Transfer-Encoding" in body["Message"]
    assert emulator.backend.calls == ()
    assert "Traceback" not in capsys.readouterr().err
    assert exchange(emulator, request(DESCRIBE, b"{}")) == (200, {"Registrations": []})


def test_a_body_over_the_limit_is_refused_before_it_is_read(emulator: Emulator) -> None:
    with socket.create_connection((emulator.host, emulator.port), timeout=5) as sock:
        sock.sendall(request(DESCRIBE, b"", headers=f"Content-Length: {64 * 1024 * 1024}\r\n"))
        status, body = read_answer(sock)
    assert (status, body["__type"]) == (400, "SerializationException")
    assert "at most" in body["Message"]


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_too_deep_is_a_validation_error(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], depth: int
) -> None:
    body = b'{"RegistrationIds": ' + b"[" * depth + b"]" * depth + b"}"
    status, answer = exchange(emulator, request(DESCRIBE, body))
    assert status == 400
    assert answer["__type"] == "ValidationException"
    assert "nested" in answer["Message"]
    assert "internal error" not in capsys.readouterr().err


# -- clients that go away --------------------------------------------------------------------


def test_clients_that_reset_are_forgotten_quietly(
    idle: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    for before_request in (True, False, True, False):
        sock = socket.create_connection((idle.host, idle.port), timeout=5)
        if not before_request:
            sock.sendall(request(DESCRIBE, b"{}"))
        reset(sock)
    with socket.create_connection((idle.host, idle.port), timeout=5) as sock:
        sock.sendall(request(DESCRIBE, b'{"Registrations'))  # a body cut short
        sock.shutdown(socket.SHUT_WR)
    idle.start()
    assert exchange(idle, request(DESCRIBE, b"{}")) == (200, {"Registrations": []})
    idle.stop()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "Error" not in err


# -- where it listens ------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "10.0.0.1", "example.invalid."])
def test_addresses_beyond_loopback_are_refused(host: str) -> None:
    with pytest.raises(UnsafeHostError) as caught:
        Emulator(host=host)
    assert caught.value.host == host
    assert "allow_non_loopback" in str(caught.value)
    assert isinstance(caught.value, InvalidValueError)


def test_accepting_the_risk_lets_it_try_any_address() -> None:
    # 192.0.2.1 is TEST-NET-1: no interface has it, so the bind fails after the check passed
    with pytest.raises(OSError) as caught:
        Emulator(host="192.0.2.1", allow_non_loopback=True)
    assert not isinstance(caught.value, UnsafeHostError)


@pytest.mark.parametrize(
    ("host", "url_host"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.2", "127.0.0.2"),
        ("::1", "[::1]"),
        ("localhost", "127.0.0.1"),
    ],
)
def test_every_loopback_address_serves(host: str, url_host: str, boto3_session: Any) -> None:
    with Emulator(host=host) as emulator:
        assert emulator.endpoint_url == f"http://{url_host}:{emulator.port}"
        client = boto3_session.client("pinpoint-sms-voice-v2", endpoint_url=emulator.endpoint_url)
        assert client.describe_registrations()["Registrations"] == []


def test_the_command_line_refuses_a_public_address() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["emulator", "--host", "0.0.0.0", "--port", "0"], stdout=out, stderr=err) == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert "--allow-non-loopback" in lines[0]
    assert out.getvalue() == ""


def test_the_command_line_warns_only_beyond_loopback() -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["emulator", "--host", "192.0.2.1", "--port", "0", "--allow-non-loopback"]
    assert main(argv, stdout=out, stderr=err) == 2
    assert "authenticates nobody" in err.getvalue()
    assert "cannot listen on 192.0.2.1" in err.getvalue()


@pytest.mark.parametrize("host", ["127.0.0.2", "::1", "localhost"])
def test_no_warning_on_loopback(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def interrupted(self: Emulator) -> None:
        seen.append(self.endpoint_url)
        self.stop()
        raise KeyboardInterrupt

    monkeypatch.setattr(Emulator, "serve_forever", interrupted)
    out, err = io.StringIO(), io.StringIO()
    assert main(["emulator", "--host", host, "--port", "0"], stdout=out, stderr=err) == 0
    assert err.getvalue() == ""
    assert len(seen) == 1
    assert seen[0] in out.getvalue()


# -- control operations ----------------------------------------------------------------------


def control(emulator: Emulator, operation: str, body: dict[str, Any]) -> tuple[int, Any]:
    return exchange(
        emulator, request("RegistrationFsmEmulator." + operation, json.dumps(body).encode())
    )


@pytest.mark.parametrize(
    "operation", ["describe_registration", "submit", "DescribeRegistration", "SendTextMessage"]
)
def test_inject_fault_refuses_operations_that_never_fire(
    emulator: Emulator, operation: str
) -> None:
    status, body = control(emulator, "InjectFault", {"Kind": "THROTTLING", "Operation": operation})
    assert (status, body["__type"]) == (400, "ValidationException")
    assert body["Fields"][0]["Name"] == "Operation"
    assert "DescribeRegistrations" in body["Message"]
    assert "SubmitRegistrationVersion" in body["Message"]
    assert emulator.backend.pending_faults == ()


def test_faults_can_be_cleared_and_logs_read_over_http(emulator: Emulator) -> None:
    status, body = control(emulator, "InjectFault", {"Kind": "THROTTLING", "Count": 3})
    assert (status, body) == (200, {"PendingFaults": 1})
    status, body = control(emulator, "ClearFaults", {})
    assert (status, body) == (200, {"PendingFaults": 0})
    assert emulator.backend.pending_faults == ()

    rid = emulator.backend.create_registration(TYPE).registration_id
    emulator.backend.inject(FaultKind.THROTTLING, operation="submit", count=2)
    status, _ = control(emulator, "PlayAws", {"RegistrationId": rid, "Trigger": "approve"})
    assert status == 400
    exchange(
        emulator,
        request(
            "PinpointSMSVoiceV2.SubmitRegistrationVersion",
            json.dumps({"RegistrationId": rid}).encode(),
        ),
    )
    status, logs = control(emulator, "GetLogs", {})
    assert status == 200
    assert logs["Calls"] == [
        {"Operation": "create_registration"},
        {"Operation": "submit", "RegistrationId": rid},
    ]
    assert logs["Applied"] == [
        {"Action": "create_registration", "RegistrationId": rid, "VersionNumber": 1}
    ]
    assert logs["PendingFaults"] == [{"Kind": "THROTTLING", "Operation": "submit", "Count": 1}]
    assert control(emulator, "ClearLogs", {}) == (200, {"Calls": [], "Applied": []})
    assert (emulator.backend.calls, emulator.backend.applied) == ((), ())
