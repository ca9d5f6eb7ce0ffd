"""The emulator's requests per second beside moto's server.

Run: ``python -m benchmarks.emulator_vs_moto [--requests N] [--rounds R]``.

moto implements no part of ``pinpoint-sms-voice-v2``, so the two cannot answer the same
request. The comparison takes the cheapest read each serves over the same wire protocol
(JSON 1.0 over HTTP): the emulator's DescribeRegistrations (one registration) against moto's
DynamoDB ListTables (one table). Both servers run in this process on 127.0.0.1, each behind
a stock boto3 client with the same configuration, and the rounds alternate between them so
that the load of other processes falls on both alike. The figure says how much the
emulator's own overhead (HTTP handling, dispatch, simulator, JSON) weighs against moto's, not
that the two do equal work. moto's per-request access log (werkzeug's) is silenced, as the
emulator writes none, so that neither pays for a log line.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import logging
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

_TYPE = "US_TEN_DLC_BRAND_REGISTRATION"


def _client(service: str, endpoint_url: str) -> Any:
    boto3 = importlib.import_module("boto3")
    config = importlib.import_module("botocore.config").Config(
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=5,
        read_timeout=10,
    )
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


@contextlib.contextmanager
def emulator_call() -> Iterator[Callable[[], object]]:
    """DescribeRegistrations against the emulator, holding one registration."""
    from registration_fsm.emulator import Emulator

    with Emulator() as emulator:
        client = _client("pinpoint-sms-voice-v2", emulator.endpoint_url)
        client.create_registration(RegistrationType=_TYPE)

        def call() -> object:
            return client.describe_registrations()

        yield call


@contextlib.contextmanager
def moto_call() -> Iterator[Callable[[], object]]:
    """DynamoDB ListTables against moto's server (ThreadedMotoServer), holding one table."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server_module = importlib.import_module("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    with contextlib.redirect_stdout(io.StringIO()):
        server.start()
    try:
        host, port = server.get_host_and_port()
        client = _client("dynamodb", f"http://{host}:{port}")
        client.create_table(
            TableName="bench",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )

        def call() -> object:
            return client.list_tables()

        try:
            yield call
        finally:
            client.delete_table(TableName="bench")  # moto's state outlives its server
    finally:
        server.stop()


def _rate(call: Callable[[], object], requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        call()
    return requests / (time.perf_counter() - started)


def measure(requests: int, rounds: int, warmup: int = 50) -> dict[str, list[float]]:
    """Requests per second of each server, per round; the rounds alternate between them."""
    rates: dict[str, list[float]] = {"emulator": [], "moto": []}
    with emulator_call() as emulator, moto_call() as moto:
        calls = {"emulator": emulator, "moto": moto}
        for call in calls.values():
            _rate(call, warmup)
        for n in range(rounds):
            order = ("emulator", "moto") if n % 2 == 0 else ("moto", "emulator")
            for name in order:
                rates[name].append(_rate(calls[name], requests))
    return rates


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emulator_vs_moto")
    parser.add_argument("--requests", type=int, default=1000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args(argv)
    out = stdout if stdout is not None else sys.stdout
    moto = importlib.import_module("moto")
    boto3 = importlib.import_module("boto3")
    rates = measure(args.requests, args.rounds, args.warmup)
    out.write(
        f"{args.rounds} rounds of {args.requests} requests, alternating; one boto3 "
        f"{boto3.__version__} client each, standard retries; moto {moto.__version__}\n"
    )
    labels = {
        "emulator": "emulator DescribeRegistrations (1 registration)",
        "moto": "moto server DynamoDB ListTables (1 table)",
    }
    for name, label in labels.items():
        values = rates[name]
        out.write(
            f"  {label:<50} median {statistics.median(values):>7,.0f} req/s   "
            f"rounds: {', '.join(f'{v:,.0f}' for v in values)}\n"
        )
    ratio = statistics.median(rates["emulator"]) / statistics.median(rates["moto"])
    out.write(f"  emulator / moto (medians): {ratio:.2f}x\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
