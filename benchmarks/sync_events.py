"""What learning AWS's moves costs: events handled, the syncer's checks, an unchanged reconcile.

Events: registrations in review on the in-memory simulator, each moved once on the AWS side
(approved), with 10% of the simulator's events duplicated; every event goes through
``service.handle_event`` (parse, the store's seen-events check, reconcile, save, record), on
a ``SqliteStore`` file (WAL), as a service would keep it.

The syncer: the same world with every registration due; ``Syncer.run_once`` checks them all,
against the same reconciles done directly (``service.reconcile`` per registration), on fresh
worlds in alternating rounds. The difference is the schedule: claiming the due registrations.

Unchanged versions: ``Registration.reconcile_pages`` of a 100-version describe response the
registration already equals (boto3 datetimes and AWS CLI strings), per version, against the
audit of the same versions (``audit_json`` of their CLI export and ``audit_data`` of the
parsed pages), timed interleaved in one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TextIO

from registration_fsm import InMemoryBackend, Registration
from registration_fsm.audit import audit_data, audit_json
from registration_fsm.service import RegistrationService
from registration_fsm.store import SqliteStore
from registration_fsm.sync import Syncer

from .cases import LIBRARY, Row, _walks, describe_versions_response
from .harness import Budget, Sample, Timed, per_call

__all__ = ["sync_event_rows"]

_TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
_T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
_VERSIONS = 100


class _Clock:
    def __init__(self) -> None:
        self.now = _T0

    def __call__(self) -> datetime:
        return self.now

    def peek(self) -> datetime:
        return self.now


@contextmanager
def _world(
    path: Path, count: int
) -> Iterator[tuple[_Clock, InMemoryBackend, RegistrationService, list[str]]]:
    """``count`` registrations created and submitted through a service on a SQLite file."""
    clock = _Clock()
    aws = InMemoryBackend(clock=clock, log_limit=None, id_seed=7)
    with SqliteStore(path, clock=clock) as store:
        service = RegistrationService(store, aws, worker_id="bench", clock=clock)
        rids = [service.create(_TYPE).registration_id for _ in range(count)]
        for rid in rids:
            service.submit(rid)
        yield clock, aws, service, rids


def _events(path: Path, count: int) -> float:
    """Events handled per second."""
    with _world(path, count) as (clock, aws, service, rids):
        aws.drain_events(flush=True)
        aws.configure_events(duplicate_rate=0.1, seed=3)
        clock.now += timedelta(hours=1)
        for rid in rids:
            aws.play_aws(rid, "begin_review")
            aws.play_aws(rid, "approve")
        events = aws.drain_events(flush=True)
        start = time.perf_counter()
        for event in events:
            service.handle_event(event)
        elapsed = time.perf_counter() - start
    return len(events) / elapsed


def _checks(path: Path, count: int, *, through_syncer: bool) -> float:
    """Nanoseconds per registration checked."""
    with _world(path, count) as (clock, _, service, rids):
        clock.now += timedelta(days=30)  # every registration is due
        start = time.perf_counter()
        if through_syncer:
            report = Syncer(service, batch=count, max_calls_per_second=None).run_once()
            assert report.checked == count, report
        else:
            for rid in rids:
                service.reconcile(rid)
        elapsed = time.perf_counter() - start
    return elapsed * 1e9 / count


def _alternating(
    drivers: dict[str, Callable[[Path], float]], rounds: int, scratch: Path
) -> dict[str, Sample]:
    runs: dict[str, list[float]] = {key: [] for key in drivers}
    for number in range(rounds):
        order = list(drivers) if number % 2 == 0 else list(drivers)[::-1]
        for key in order:
            runs[key].append(drivers[key](scratch / f"{key}-{number}.db"))
    return {key: Sample(tuple(values)) for key, values in runs.items()}


def _unchanged_rows(budget: Budget) -> list[Row]:
    boto3_pages = describe_versions_response(_VERSIONS, shape="boto3")
    cli_pages = describe_versions_response(_VERSIONS, shape="cli")
    export = json.dumps(cli_pages)
    rid, arn = boto3_pages["RegistrationId"], boto3_pages["RegistrationArn"]
    reg = Registration(rid, _walks(_VERSIONS), registration_arn=arn)
    for pages in (boto3_pages, cli_pages):
        assert not reg.reconcile_pages(pages).changed
    timings = [
        Timed("reconcile_unchanged", "reg.reconcile_pages(p)", {"reg": reg, "p": boto3_pages}),
        Timed("reconcile_unchanged_cli", "reg.reconcile_pages(p)", {"reg": reg, "p": cli_pages}),
        Timed("audit_per_version", "audit_json(e)", {"audit_json": audit_json, "e": export}),
        Timed("audit_data_per_version", "audit(p)", {"audit": audit_data, "p": cli_pages}),
    ]
    found = per_call(timings, budget)

    def per_version(key: str) -> Sample:
        return Sample(tuple(run / _VERSIONS for run in found[key].runs))

    what = f"{_VERSIONS}-version describe response the registration already equals"
    return [
        Row(
            "reconcile_unchanged",
            LIBRARY,
            f"reconcile_pages per unchanged version (boto3 datetimes; {what})",
            "ns",
            per_version("reconcile_unchanged"),
        ),
        Row(
            "reconcile_unchanged_cli",
            LIBRARY,
            "reconcile_pages per unchanged version (AWS CLI strings; the same)",
            "ns",
            per_version("reconcile_unchanged_cli"),
        ),
        Row(
            "audit_per_version",
            LIBRARY,
            "audit_json per version, the CLI export of the same versions",
            "ns",
            per_version("audit_per_version"),
        ),
        Row(
            "audit_data_per_version",
            LIBRARY,
            "audit_data per version, the same CLI pages already parsed",
            "ns",
            per_version("audit_data_per_version"),
        ),
    ]


def sync_event_rows(budget: Budget) -> list[Row]:
    """Events per second, the syncer against direct reconciles, and an unchanged reconcile."""
    full = budget.name == "full"
    count, rounds = (300, 5) if full else (10, 2)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="rfsm-bench-sync-") as scratch:
        folder = Path(scratch)
        events = _alternating({"events": lambda p: _events(p, count)}, rounds, folder)
        checks = _alternating(
            {
                "syncer_check": lambda p: _checks(p, count, through_syncer=True),
                "direct_reconcile": lambda p: _checks(p, count, through_syncer=False),
            },
            rounds,
            folder,
        )
    rows.append(
        Row(
            "events_handled",
            LIBRARY,
            f"service.handle_event, simulator events of {count} registrations "
            "(10% duplicated), SqliteStore file",
            "/s",
            events["events"],
        )
    )
    rows.append(
        Row(
            "syncer_check",
            LIBRARY,
            f"Syncer.run_once per registration checked ({count} due, SqliteStore file)",
            "ns",
            checks["syncer_check"],
        )
    )
    rows.append(
        Row(
            "direct_reconcile",
            LIBRARY,
            "service.reconcile per registration, the same registrations directly",
            "ns",
            checks["direct_reconcile"],
        )
    )
    rows += _unchanged_rows(budget)
    return rows


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Print these rows, their ratios and the reconcile target, from one run."""
    from .harness import FULL, QUICK
    from .report import TARGETS, _format, _times, ratio

    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_events")
    parser.add_argument("--quick", action="store_true", help="a short run, to check it works")
    args = parser.parse_args(argv)
    out = stdout if stdout is not None else sys.stdout
    rows = sync_event_rows(QUICK if args.quick else FULL)
    width = max(len(row.label) for row in rows) + 2
    for row in rows:
        print(f"  {row.label:{width}}{_format(row):>12}", file=out)
    for numerator, denominator in (
        ("syncer_check", "direct_reconcile"),
        ("reconcile_unchanged", "audit_per_version"),
        ("reconcile_unchanged_cli", "audit_per_version"),
        ("reconcile_unchanged_cli", "audit_data_per_version"),
    ):
        value = ratio(rows, numerator, denominator)
        shown = "-" if value is None else _times(value)
        print(f"  {shown:>10}  {numerator} / {denominator}", file=out)
    for target in TARGETS:
        if target.figure == "reconcile_unchanged":
            verdict = target.judge(rows)
            print(f"  {verdict.status:4}  {verdict.target}: {verdict.detail}", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
