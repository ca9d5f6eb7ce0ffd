"""Testing kit for services built on registration_fsm; needs the ``testing`` extra (hypothesis).

- :mod:`~registration_fsm.testing.strategies`: Hypothesis strategies, valid and invalid data;
- :mod:`~registration_fsm.testing.conformance`: a stateful conformance suite for any Backend;
- :mod:`~registration_fsm.testing.paths`: test cases generated from the lifecycle graph, and
  a recorder of the edges a run exercised;
- :mod:`~registration_fsm.testing.mock`: :func:`mock_sms_voice`, boto3 clients of
  ``pinpoint-sms-voice-v2`` answered in-process by the simulator (needs botocore);
- :mod:`~registration_fsm.testing.aio`: :class:`BlockingBackend`, an async backend under the
  sync kit (the conformance suite, ``drive_path``);
- :mod:`~registration_fsm.testing.pytest_plugin`: fixtures, enabled with
  ``pytest_plugins = ["registration_fsm.testing.pytest_plugin"]``.

``import registration_fsm`` never imports this package.
"""

from __future__ import annotations

from .aio import BlockingBackend, EventLoopThread
from .conformance import AwsSide, BackendConformance, NonConformance, conformance_suite, drive_path
from .mock import SmsVoiceMock, mock_sms_voice
from .paths import EdgeRecorder, PathCase, parametrize_paths, path_cases, replay

__all__ = [
    "AwsSide",
    "BackendConformance",
    "BlockingBackend",
    "EdgeRecorder",
    "EventLoopThread",
    "NonConformance",
    "PathCase",
    "SmsVoiceMock",
    "conformance_suite",
    "drive_path",
    "mock_sms_voice",
    "parametrize_paths",
    "path_cases",
    "replay",
]
