"""The async service on one event loop against the sync service on eight threads.

Both submit the same number of fresh registrations, each through the whole exactly-once
sequence (load, claim, load again, SubmitRegistrationVersion over HTTP to the emulator on
127.0.0.1, save with its journal entry, release), on a SQLite file each, against one emulator.
The async side is one ``AsyncRegistrationService`` (``AsyncSqliteStore``, ``AsyncAwsBackend``
over aiobotocore) with every submit started at once; the sync side is eight threads, each with
its own ``RegistrationService`` over one shared ``SqliteStore`` and one boto3 client, taking
an eighth of the registrations each. Both clients keep up to 16 connections. Rounds alternate,
so load on the machine falls on both. The registrations are made before the clock starts.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cases import LIBRARY, Row
from .harness import Budget, Sample

__all__ = ["aio_rows"]

_TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
_THREADS = 8
_POOL = 16


def _config() -> Any:
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": 3}, max_pool_connections=_POOL
    )


def _prepare(path: Path, endpoint: str, count: int) -> list[str]:
    """``count`` registrations stored at ``path`` (made through the sync service)."""
    import boto3  # type: ignore[import-untyped]

    from registration_fsm.backends import AwsBackend
    from registration_fsm.service import RegistrationService
    from registration_fsm.store import SqliteStore

    client = _boto3_client(boto3, endpoint)
    with SqliteStore(path) as store:
        service = RegistrationService(store, AwsBackend(client), worker_id="setup")
        return [service.create(_TYPE).registration_id for _ in range(count)]


def _boto3_client(boto3: Any, endpoint: str) -> Any:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return session.client("pinpoint-sms-voice-v2", endpoint_url=endpoint, config=_config())


def _threads(path: Path, endpoint: str, rids: list[str]) -> float:
    import boto3

    from registration_fsm.backends import AwsBackend
    from registration_fsm.service import RegistrationService
    from registration_fsm.store import SqliteStore

    client = _boto3_client(boto3, endpoint)
    with SqliteStore(path) as store:
        services = [
            RegistrationService(store, AwsBackend(client), worker_id=f"t{n}")
            for n in range(_THREADS)
        ]

        def work(number: int) -> None:
            for rid in rids[number::_THREADS]:
                services[number].submit(rid)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(_THREADS)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - start


def _loop(path: Path, endpoint: str, rids: list[str]) -> float:
    from aiobotocore.session import AioSession  # type: ignore[import-untyped]

    from registration_fsm.backends import AsyncAwsBackend
    from registration_fsm.service import AsyncRegistrationService
    from registration_fsm.store import AsyncSqliteStore

    async def main() -> float:
        session = AioSession()
        session.set_credentials("testing", "testing")
        async with (
            session.create_client(
                "pinpoint-sms-voice-v2",
                region_name="us-east-1",
                endpoint_url=endpoint,
                config=_config(),
            ) as client,
            AsyncSqliteStore(path) as store,
        ):
            service = AsyncRegistrationService(store, AsyncAwsBackend(client), worker_id="loop")
            start = time.perf_counter()
            await asyncio.gather(*(service.submit(rid) for rid in rids))
            return time.perf_counter() - start

    return asyncio.run(main())


def aio_rows(budget: Budget) -> list[Row]:
    """Submits per second: one event loop, and eight threads."""
    try:
        import aiobotocore  # type: ignore[import-untyped]  # noqa: F401
        import boto3  # noqa: F401
    except ImportError as missing:
        note = f"not measured: {missing.name} is not installed (pip install -e '.[dev]')"
        return [
            Row("aio_service", LIBRARY, "AsyncRegistrationService.submit", "/s", None, note),
            Row("sync_service_threads", LIBRARY, "RegistrationService.submit", "/s", None, note),
        ]
    from registration_fsm.emulator import Emulator

    count, rounds = (400, 3) if budget.name == "full" else (16, 2)
    drivers: dict[str, Callable[[Path, str, list[str]], float]] = {
        "aio_service": _loop,
        "sync_service_threads": _threads,
    }
    runs: dict[str, list[float]] = {key: [] for key in drivers}
    with tempfile.TemporaryDirectory(prefix="rfsm-bench-aio-") as scratch, Emulator() as emulator:
        for number in range(rounds):
            order = list(drivers) if number % 2 == 0 else list(drivers)[::-1]
            for key in order:
                path = Path(scratch) / f"{key}-{number}.db"
                rids = _prepare(path, emulator.endpoint_url, count)
                runs[key].append(count / drivers[key](path, emulator.endpoint_url, rids))
    return [
        Row(
            "aio_service",
            LIBRARY,
            f"AsyncRegistrationService.submit, one event loop, all at once (emulator over HTTP, "
            f"{_POOL} connections)",
            "/s",
            Sample(tuple(runs["aio_service"])),
        ),
        Row(
            "sync_service_threads",
            LIBRARY,
            f"RegistrationService.submit, {_THREADS} threads, the same work",
            "/s",
            Sample(tuple(runs["sync_service_threads"])),
        ),
    ]
