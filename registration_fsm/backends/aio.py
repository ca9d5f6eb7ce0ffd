"""AsyncAwsBackend: the registration API through an injected aiobotocore client.

The async twin of :class:`~registration_fsm.backends.AwsBackend`: the same requests, the same
error mapping, the same exactly-once read-back after an ambiguous failure and the same
refusal to retry on top of botocore, because both drive the one set of decisions in
:mod:`registration_fsm.backends._aws_core`. Install the ``aio`` extra for aiobotocore.

    session = aiobotocore.session.get_session()
    async with session.create_client("pinpoint-sms-voice-v2") as client:
        backend = AsyncAwsBackend(client)
        info = await backend.submit(registration_id)
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from . import _aws_core as core
from .base import RegistrationInfo, VersionInfo
from .memory import InMemoryBackend

__all__ = ["AsyncAwsBackend", "AsyncInMemoryBackend"]


async def run(client: Any, flow: core.Flow) -> Any:
    """Drive one of :mod:`._aws_core`'s flows with an asynchronous client."""
    send: Any = None
    error: Exception | None = None
    while True:
        try:
            request = flow.throw(error) if error is not None else flow.send(send)
        except StopIteration as done:
            return done.value
        send, error = None, None
        try:
            send = await getattr(client, request.method)(**request.params)
        except Exception as exc:
            error = exc
            core.log_call(request, exc)
        else:
            core.log_call(request, send)


class AsyncAwsBackend:
    """An :class:`~registration_fsm.backends.AsyncBackend` over an aiobotocore
    ``pinpoint-sms-voice-v2`` client; a boto3 (synchronous) client is refused.

    The client's lifetime is the caller's (``async with session.create_client(...)``);
    ``page_size`` is as for :class:`~registration_fsm.backends.AwsBackend`.
    """

    def __init__(self, client: Any, *, page_size: int | None = None) -> None:
        core.check_client(client, asynchronous=True)
        self._page_size = core.check_page_size(page_size)
        self._client = client

    @property
    def client(self) -> Any:
        """The aiobotocore client the backend calls."""
        return self._client

    async def create_registration(
        self,
        registration_type: str,
        *,
        tags: Mapping[str, str] | None = None,
        client_token: str | None = None,
    ) -> RegistrationInfo:
        """CreateRegistration; ``client_token`` makes a repeated call return the same one."""
        flow = core.create_registration_flow(
            registration_type, tags=tags, client_token=client_token
        )
        result: RegistrationInfo = await run(self._client, flow)
        return result

    async def create_version(self, registration_id: str) -> VersionInfo:
        """CreateRegistrationVersion, read back after an ambiguous failure."""
        flow = core.create_version_flow(registration_id, self._page_size)
        result: VersionInfo = await run(self._client, flow)
        return result

    async def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        """SubmitRegistrationVersion, read back after an ambiguous failure."""
        flow = core.submit_flow(registration_id, aws_review, self._page_size)
        result: VersionInfo = await run(self._client, flow)
        return result

    async def discard(self, registration_id: str) -> VersionInfo:
        """DiscardRegistrationVersion, read back after an ambiguous failure."""
        flow = core.discard_flow(registration_id, self._page_size)
        result: VersionInfo = await run(self._client, flow)
        return result

    async def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        """DescribeRegistrationVersions, every page, oldest version first."""
        flow = core.describe_versions_flow(registration_id, version_numbers, self._page_size)
        result: tuple[VersionInfo, ...] = await run(self._client, flow)
        return result

    async def describe_registration(self, registration_id: str) -> RegistrationInfo:
        """DescribeRegistrations for one registration (by id or ARN)."""
        result: RegistrationInfo = await run(
            self._client, core.describe_registration_flow(registration_id)
        )
        return result

    def __repr__(self) -> str:
        return f"<AsyncAwsBackend {self._client!r}>"


class AsyncInMemoryBackend:
    """The simulator as an :class:`~registration_fsm.backends.AsyncBackend`, for asyncio
    services on the embedded default and for their tests.

    Each call gives the loop one turn before it runs, as a call over the network would, so
    concurrent tasks interleave; :attr:`simulator` plays the AWS side and injects faults.
    """

    def __init__(self, simulator: InMemoryBackend | None = None) -> None:
        self._simulator = simulator if simulator is not None else InMemoryBackend()

    @property
    def simulator(self) -> InMemoryBackend:
        return self._simulator

    async def create_registration(
        self,
        registration_type: str,
        *,
        tags: Mapping[str, str] | None = None,
        client_token: str | None = None,
    ) -> RegistrationInfo:
        await asyncio.sleep(0)
        return self._simulator.create_registration(
            registration_type, tags=tags, client_token=client_token
        )

    async def create_version(self, registration_id: str) -> VersionInfo:
        await asyncio.sleep(0)
        return self._simulator.create_version(registration_id)

    async def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        await asyncio.sleep(0)
        return self._simulator.submit(registration_id, aws_review=aws_review)

    async def discard(self, registration_id: str) -> VersionInfo:
        await asyncio.sleep(0)
        return self._simulator.discard(registration_id)

    async def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        await asyncio.sleep(0)
        return self._simulator.describe_versions(registration_id, version_numbers)

    async def describe_registration(self, registration_id: str) -> RegistrationInfo:
        await asyncio.sleep(0)
        return self._simulator.describe_registration(registration_id)

    def __repr__(self) -> str:
        return f"<AsyncInMemoryBackend {self._simulator!r}>"
