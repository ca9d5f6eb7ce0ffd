"""Memory and throughput of a long-running emulator: ``python -m benchmarks.emulator_memory``.

A long-running emulator must not grow without bound. This drives the emulator's protocol
layer (the code every HTTP request and every ``mock_sms_voice`` call goes through: body
parsing, validation, the simulator, the answer's JSON) with a steady mix of requests that
change nothing lasting (describes, and refused submits), and reports the process's resident
memory (``/proc/self/statm``, so that measuring costs nothing) at checkpoints, with the
simulator's logs bounded (the default) and, for comparison, unbounded. ``--http N`` adds a
run of N requests from a stock boto3 client over HTTP to the emulator on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from registration_fsm.backends import InMemoryBackend
from registration_fsm.emulator._dispatch import answer
from registration_fsm.emulator._wire import json_default

_TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
_PREFIX = "PinpointSMSVoiceV2."


def _requests(backend: InMemoryBackend) -> list[tuple[str, bytes]]:
    rid = backend.create_registration(_TYPE).registration_id
    backend.submit(rid)
    body = json.dumps({"RegistrationId": rid}).encode()
    return [
        (_PREFIX + "DescribeRegistrations", b"{}"),
        (_PREFIX + "DescribeRegistrationVersions", body),
        (_PREFIX + "SubmitRegistrationVersion", body),  # refused: already submitted
        (_PREFIX + "DescribeRegistrationFieldValues", body),
    ]


def drive(
    total: int, checkpoints: int, log_limit: int | None
) -> tuple[list[tuple[int, int]], float]:
    """(requests done, resident bytes) at each checkpoint, and requests per second."""
    backend = InMemoryBackend(log_limit=log_limit)
    mix = _requests(backend)
    every = max(1, total // checkpoints)
    points: list[tuple[int, int]] = []
    gc.collect()
    started = time.perf_counter()
    for n in range(1, total + 1):
        target, body = mix[n % len(mix)]
        result = answer(backend, target, body)
        assert result is not None
        json.dumps(result[1], default=json_default)
        if n % every == 0:
            points.append((n, resident_bytes()))
    elapsed = time.perf_counter() - started
    del backend
    gc.collect()
    return points, total / elapsed


def resident_bytes() -> int:
    """The process's resident set size now (Linux), or its peak where /proc is missing."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def http_rate(total: int) -> float:
    """Requests per second from one stock boto3 client over HTTP on 127.0.0.1."""
    from registration_fsm.emulator import Emulator

    boto3 = importlib.import_module("boto3")

    with Emulator() as emulator:
        client = boto3.session.Session().client(
            "pinpoint-sms-voice-v2",
            endpoint_url=emulator.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.describe_registrations()
        started = time.perf_counter()
        for _ in range(total):
            client.describe_registrations()
        return total / (time.perf_counter() - started)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emulator_memory")
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--checkpoints", type=int, default=10)
    parser.add_argument("--log-limit", type=int, default=100_000)
    parser.add_argument("--unbounded", type=int, default=200_000, help="requests, 0: skip")
    parser.add_argument("--http", type=int, default=0, help="requests over HTTP, 0: skip")
    args = parser.parse_args(argv)
    out = stdout if stdout is not None else sys.stdout
    points, rate = drive(args.requests, args.checkpoints, args.log_limit)
    out.write(f"bounded logs (log_limit={args.log_limit}): {rate:,.0f} requests/s in-process\n")
    for n, traced in points:
        out.write(f"  after {n:>10,} requests: {traced / 1024:>10,.0f} KiB resident\n")
    if args.unbounded:
        loose, loose_rate = drive(args.unbounded, args.checkpoints, None)
        out.write(f"unbounded logs: {loose_rate:,.0f} requests/s in-process\n")
        for n, traced in loose:
            out.write(f"  after {n:>10,} requests: {traced / 1024:>10,.0f} KiB resident\n")
    if args.http:
        out.write(f"over HTTP, one boto3 client: {http_rate(args.http):,.0f} requests/s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
