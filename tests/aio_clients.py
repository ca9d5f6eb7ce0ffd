"""Stock aiobotocore clients for the tests: dummy credentials, the emulator on 127.0.0.1 (or the
in-process mock when ``endpoint_url`` is None)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiobotocore.session import AioSession
from botocore.config import Config


def config(attempts: int = 3, pool: int = 10) -> Config:
    return Config(
        retries={"mode": "standard", "total_max_attempts": attempts},
        max_pool_connections=pool,
        connect_timeout=5,
        read_timeout=30,
    )


@asynccontextmanager
async def aio_client(
    endpoint_url: str | None, attempts: int = 3, pool: int = 10
) -> AsyncIterator[Any]:
    session = AioSession()
    session.set_credentials("testing", "testing")
    async with session.create_client(
        "pinpoint-sms-voice-v2",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        config=config(attempts, pool),
    ) as client:
        yield client
