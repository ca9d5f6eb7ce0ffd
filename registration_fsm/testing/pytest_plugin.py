"""pytest fixtures for services built on registration_fsm.

Enable them in a ``conftest.py`` (or a test module)::

    pytest_plugins = ["registration_fsm.testing.pytest_plugin"]

The plugin is deliberately not registered as a ``pytest11`` entry point: installing the
package must not add fixtures to every test suite on the machine.

Fixtures:

- ``registration_clock``: a :class:`~registration_fsm.SteppingClock` at 2026-01-01T00:00Z that
  moves one second per reading; advance it with ``.advance(timedelta)``;
- ``registration_backend``: a fresh ``InMemoryBackend`` stamping with that clock;
- ``registration_aws_side``: what plays AWS's part for that backend (the backend itself);
- ``registration_emulator``: the backend served over HTTP on 127.0.0.1, for boto3 code
  (``.endpoint_url``; ``.backend`` is the InMemoryBackend behind it);
- ``sms_voice_mock``: every ``pinpoint-sms-voice-v2`` boto3 client answered in-process by
  ``registration_backend`` (see :func:`~registration_fsm.testing.mock.mock_sms_voice`);
- ``registration_edge_recorder``: an :class:`~registration_fsm.testing.paths.EdgeRecorder`;
- ``registration_conformance``: runs the conformance suite against a backend factory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from ..backends.memory import InMemoryBackend
from ..clock import SteppingClock
from .conformance import AwsSide, BackendConformance, conformance_suite
from .paths import EdgeRecorder

if TYPE_CHECKING:
    from hypothesis import settings as Settings

    from ..backends.base import Backend
    from ..emulator import Emulator
    from .mock import SmsVoiceMock

__all__ = [
    "CLOCK_START",
    "ConformanceRunner",
    "registration_aws_side",
    "registration_backend",
    "registration_clock",
    "registration_conformance",
    "registration_edge_recorder",
    "registration_emulator",
    "sms_voice_mock",
]

CLOCK_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""Where ``registration_clock`` starts."""


@pytest.fixture
def registration_clock() -> SteppingClock:
    """A deterministic clock: 2026-01-01T00:00:00Z, one second later at every reading."""
    return SteppingClock(CLOCK_START, timedelta(seconds=1))


@pytest.fixture
def registration_backend(registration_clock: SteppingClock) -> InMemoryBackend:
    """A fresh in-memory simulator of the registration API, stamping with the clock fixture."""
    return InMemoryBackend(clock=registration_clock)


@pytest.fixture
def registration_aws_side(registration_backend: InMemoryBackend) -> AwsSide:
    """What plays AWS's part (reviews, approvals, denials) for ``registration_backend``."""
    return registration_backend


@pytest.fixture
def registration_emulator(registration_backend: InMemoryBackend) -> Iterator[Emulator]:
    """``registration_backend`` served over HTTP on 127.0.0.1, on a free port.

    Point a stock boto3 client at ``.endpoint_url`` (with fake credentials); play the AWS
    side on ``.backend``.
    """
    from ..emulator import Emulator

    with Emulator(registration_backend) as running:
        yield running


@pytest.fixture
def sms_voice_mock(registration_backend: InMemoryBackend) -> Iterator[SmsVoiceMock]:
    """Every ``pinpoint-sms-voice-v2`` client created in the test answered in-process by
    ``registration_backend``, with no server and no port; ``.backend`` plays the AWS side."""
    from .mock import mock_sms_voice

    with mock_sms_voice(backend=registration_backend) as active:
        yield active


@pytest.fixture
def registration_edge_recorder() -> EdgeRecorder:
    """An empty recorder of lifecycle edges; print ``.summary()`` to see what a test took."""
    return EdgeRecorder()


class ConformanceRunner:
    """Runs the conformance suite; what the ``registration_conformance`` fixture returns."""

    def __init__(self, recorder: EdgeRecorder) -> None:
        self.recorder = recorder
        self.suites: list[type[BackendConformance]] = []

    def __call__(
        self,
        backend_factory: Callable[[], Backend],
        aws_side_factory: Callable[[Backend], AwsSide] | None = None,
        *,
        settings: Settings | None = None,
        registration_count: int = 2,
    ) -> type[BackendConformance]:
        """Run the suite against ``backend_factory``; return the suite class, with counts.

        Failures raise :class:`~registration_fsm.testing.conformance.NonConformance`, with
        the shrunk sequence of calls in the report. ``settings`` defaults to the Hypothesis
        profile loaded.
        """
        from hypothesis.stateful import run_state_machine_as_test

        suite = conformance_suite(
            backend_factory,
            aws_side_factory,
            recorder=self.recorder,
            registration_count=registration_count,
        )
        self.suites.append(suite)
        run_state_machine_as_test(suite, settings=settings)
        return suite


@pytest.fixture
def registration_conformance(registration_edge_recorder: EdgeRecorder) -> ConformanceRunner:
    """Call it with a backend factory to run the conformance suite against your backend."""
    return ConformanceRunner(registration_edge_recorder)
