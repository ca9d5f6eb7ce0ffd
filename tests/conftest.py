"""Shared test configuration: Hypothesis profiles, Graphviz's dot, and the emulator.

``make test`` runs the quick profile; set ``HYPOTHESIS_PROFILE=thorough`` for a long run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("quick", max_examples=60, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# tools/mutation.py: fewer examples, the same ones every run, nothing carried between mutants.
settings.register_profile(
    "mutation", max_examples=20, deadline=None, derandomize=True, database=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture
def graphviz_dot() -> str:
    """The path of Graphviz's ``dot``. Skips where it is missing, except under CI=true."""
    found = shutil.which("dot")
    if found is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("Graphviz's dot is missing under CI=true; .ci/run installs it")
        pytest.skip("Graphviz's dot is not installed")
    return found


_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@pytest.fixture(scope="session")
def boto3_session() -> Iterator[Any]:
    """A boto3 session with fake credentials, isolated from the machine's AWS setup.

    No AWS_* variable, config file, proxy or instance metadata can leak in: every client
    made here talks only to the emulator on 127.0.0.1.
    """
    import boto3

    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_") or name in _PROXY_VARIABLES:
                patch.delenv(name)
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        yield boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )


@pytest.fixture
def emulator() -> Iterator[Any]:
    """A fresh emulator on a free port of 127.0.0.1; ``.backend`` plays the AWS side."""
    from registration_fsm.emulator import Emulator

    with Emulator() as running:
        yield running


@pytest.fixture
def make_client(boto3_session: Any, emulator: Any) -> Callable[..., Any]:
    """Build a stock boto3 client pointed at the emulator (standard retries, 3 attempts).

    ``attempts`` counts every attempt, the first included (botocore's total_max_attempts).
    """

    def make(attempts: int = 3) -> Any:
        from botocore.config import Config

        return boto3_session.client(
            "pinpoint-sms-voice-v2",
            endpoint_url=emulator.endpoint_url,
            config=Config(
                retries={"mode": "standard", "total_max_attempts": attempts},
                connect_timeout=5,
                read_timeout=10,
            ),
        )

    return make


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the delays botocore's standard retry mode asks for, and wait none of them."""
    from botocore.retries.standard import ExponentialBackoff

    asked: list[float] = []
    original = ExponentialBackoff.delay_amount

    def delay_amount(self: ExponentialBackoff, context: Any) -> float:
        asked.append(original(self, context))
        return 0.0

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", delay_amount)
    return asked


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A real PostgreSQL server for the session, in a temporary directory, on a unix socket.

    Skips where the server binaries or psycopg are missing, saying how to install them,
    except under CI=true, where that fails the run (.ci/run installs PostgreSQL).
    """
    from registration_fsm.testing.postgres import (
        INSTALL_HINT,
        TemporaryPostgres,
        find_postgres_bin,
    )

    missing = None
    if find_postgres_bin() is None:
        missing = f"PostgreSQL is not installed: {INSTALL_HINT}"
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            missing = "psycopg is not installed: pip install -e '.[dev]' (or '.[postgres]')"
    if missing is not None:
        if _in_ci():
            pytest.fail(f"{missing} (required under CI=true)")
        pytest.skip(missing)
    server = TemporaryPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_dsn(postgres_server: Any) -> str:
    """The connection string of a new, empty database on the session's server."""
    dsn: str = postgres_server.create_database()
    return dsn


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """moto's DynamoDB in server mode on a free port of 127.0.0.1, for the session.

    Requests are served one at a time: DynamoDB decides each conditional write atomically,
    and moto's request threads would otherwise interleave its check with its write.
    """
    import logging
    import threading

    from moto.server import ThreadedMotoServer

    class SerialMotoServer(ThreadedMotoServer):
        def start(self) -> None:
            super().start()
            assert self._server is not None
            inner = self._server.app
            lock = threading.Lock()

            def serial(environ: Any, start_response: Any) -> Any:
                with lock:
                    return inner(environ, start_response)

            self._server.app = serial

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = SerialMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def make_dynamodb_client(boto3_session: Any, dynamodb_endpoint: str) -> Callable[[], Any]:
    """Build a stock boto3 DynamoDB client pointed at the session's moto server."""

    def make() -> Any:
        return boto3_session.client("dynamodb", endpoint_url=dynamodb_endpoint)

    return make
