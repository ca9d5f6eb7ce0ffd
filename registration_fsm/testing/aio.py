"""Async backends under the sync testing kit: the conformance suite, ``drive_path`` and the
fault-injection tests take a :class:`~registration_fsm.backends.Backend`; a
:class:`BlockingBackend` is one, answering through an
:class:`~registration_fsm.backends.AsyncBackend` on an event loop of its own.

    with EventLoopThread() as loop:
        client = loop.run(session.create_client("pinpoint-sms-voice-v2").__aenter__())
        backend = BlockingBackend(AsyncAwsBackend(client), loop)
        Suite = conformance_suite(lambda: backend)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any, TypeVar

from ..backends.base import AsyncBackend, RegistrationInfo, VersionInfo
from ..errors import InvalidValueError

__all__ = ["BlockingBackend", "EventLoopThread"]

_T = TypeVar("_T")


class EventLoopThread:
    """An event loop running on a daemon thread; :meth:`run` waits for a coroutine on it."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="registration-fsm-loop", daemon=True
        )
        self._thread.start()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def run(self, awaitable: Awaitable[_T], timeout: float | None = 60.0) -> _T:
        """Run ``awaitable`` on the loop and return its result (or raise its exception)."""

        async def wrapped() -> _T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result(timeout)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> EventLoopThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BlockingBackend:
    """A sync :class:`~registration_fsm.backends.Backend` that awaits ``backend`` on ``loop``."""

    def __init__(self, backend: AsyncBackend, loop: EventLoopThread) -> None:
        if not asyncio.iscoroutinefunction(getattr(backend, "submit", None)):
            raise InvalidValueError(f"{type(backend).__name__} is not an AsyncBackend")
        self._backend = backend
        self._loop = loop

    @property
    def backend(self) -> AsyncBackend:
        return self._backend

    def _run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return self._loop.run(coroutine)

    def create_registration(self, registration_type: str) -> RegistrationInfo:
        return self._run(self._backend.create_registration(registration_type))

    def create_version(self, registration_id: str) -> VersionInfo:
        return self._run(self._backend.create_version(registration_id))

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        return self._run(self._backend.submit(registration_id, aws_review=aws_review))

    def discard(self, registration_id: str) -> VersionInfo:
        return self._run(self._backend.discard(registration_id))

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        return self._run(self._backend.describe_versions(registration_id, version_numbers))

    def describe_registration(self, registration_id: str) -> RegistrationInfo:
        return self._run(self._backend.describe_registration(registration_id))

    def __repr__(self) -> str:
        return f"<BlockingBackend over {self._backend!r}>"
