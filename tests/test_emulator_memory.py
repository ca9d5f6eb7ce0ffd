"""A long-running emulator stays flat in memory: its logs are bounded."""

from __future__ import annotations

import io
import json
import tracemalloc
from typing import Any

from benchmarks import emulator_memory
from registration_fsm import InMemoryBackend
from registration_fsm.emulator._dispatch import answer


def traced_growth(log_limit: int | None, requests: int) -> int:
    """Bytes still allocated after the second half of ``requests`` beyond the first half."""
    backend = InMemoryBackend(log_limit=log_limit)
    rid = backend.create_registration("US_TEN_DLC_BRAND_REGISTRATION").registration_id
    body = json.dumps({"RegistrationId": rid}).encode()
    target = "PinpointSMSVoiceV2.DescribeRegistrationVersions"
    tracemalloc.start()
    try:
        for _ in range(requests // 2):
            answer(backend, target, body)
        half = tracemalloc.get_traced_memory()[0]
        for _ in range(requests // 2):
            answer(backend, target, body)
        return tracemalloc.get_traced_memory()[0] - half
    finally:
        tracemalloc.stop()


def test_bounded_logs_stop_growing_and_unbounded_ones_do_not() -> None:
    assert traced_growth(500, 4000) < 16 * 1024
    assert traced_growth(None, 4000) > 2000 * 64  # each unbounded call keeps its entry


def test_the_benchmark_runs_and_reports_every_part(boto3_session: Any) -> None:
    """``boto3_session`` clears AWS_* and proxy variables, so the HTTP run stays local."""
    out = io.StringIO()
    assert (
        emulator_memory.main(
            [
                "--requests",
                "200",
                "--checkpoints",
                "2",
                "--log-limit",
                "50",
                "--unbounded",
                "100",
                "--http",
                "5",
            ],
            stdout=out,
        )
        == 0
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("bounded logs (log_limit=50):")
    assert sum("KiB resident" in line for line in lines) == 4
    assert lines[-1].startswith("over HTTP, one boto3 client:")
