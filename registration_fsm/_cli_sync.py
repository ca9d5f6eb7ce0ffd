"""``registration-fsm sync``: the sync worker on a store, from the command line."""

from __future__ import annotations

import argparse
import threading
from typing import Any, TextIO

from ._cli_live import client
from .errors import InvalidValueError

__all__ = ["add_sync"]


def add_sync(commands: Any) -> None:
    command = commands.add_parser(
        "sync",
        help="reconcile the registrations of a store that are in flight and due",
        description="Lease the registrations of a store that are due for a check (their "
        "next check comes from their status: minutes while SUBMITTED, hours in review, never "
        "once final) and reconcile each with the service's truth through the default boto3 "
        "session. Several syncers may share a store. Exit status: 0 done, 1 some checks "
        "deferred (throttled or failed; retried once their lease runs out), 2 bad input.",
    )
    command.add_argument("--store", metavar="URL", required=True, help="sqlite:///path, ...")
    command.add_argument("--region", help="the AWS region")
    command.add_argument("--endpoint-url", help="another endpoint (the emulator, for one)")
    mode = command.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="check what is due now, then stop")
    mode.add_argument(
        "--forever", action="store_true", help="keep checking until interrupted (Ctrl-C)"
    )
    command.add_argument(
        "--max-calls-per-second",
        type=float,
        default=5.0,
        metavar="N",
        help="cap on the checks started per second (default 5)",
    )
    command.add_argument(
        "--idle", type=float, default=30.0, metavar="SECONDS", help="wait when nothing is due"
    )
    command.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .backends.aws import AwsBackend
    from .service import RegistrationService
    from .store import open_store
    from .sync import Syncer, SyncReport

    if not 0 < args.idle < float("inf"):
        raise InvalidValueError(f"--idle must be a positive number of seconds, got {args.idle}")
    if not 0 < args.max_calls_per_second < float("inf"):
        raise InvalidValueError(
            f"--max-calls-per-second must be a positive number, got {args.max_calls_per_second}"
        )
    store = open_store(args.store)
    try:
        service = RegistrationService(
            store, AwsBackend(client(args, "to sync with AWS")), worker_id=None
        )
        syncer = Syncer(service, max_calls_per_second=args.max_calls_per_second)
        tty = bool(getattr(err, "isatty", lambda: False)())
        totals = {"checked": 0, "changed": 0, "deferred": 0}

        def show(report: SyncReport) -> None:
            totals["checked"] += report.checked
            totals["changed"] += report.changed
            totals["deferred"] += len(report.deferred)
            for rid, error in report.deferred:
                out.write(f"deferred {rid}: {error}\n")
            line = (
                f"checked {totals['checked']}, changed {totals['changed']}, "
                f"deferred {totals['deferred']}"
            )
            if tty:
                err.write(f"\r  {line}")
                err.flush()
            elif report.claimed:
                out.write(line + "\n")
            out.flush()

        if args.once:
            while True:
                report = syncer.run_once()
                show(report)
                if report.claimed == 0:
                    break
        else:
            stop = threading.Event()
            try:
                syncer.run_forever(stop, idle=args.idle, on_round=show)
            except KeyboardInterrupt:
                stop.set()
        if tty:
            err.write("\n")
        out.write(
            f"done: checked {totals['checked']}, changed {totals['changed']}, "
            f"deferred {totals['deferred']}\n"
        )
        return 1 if totals["deferred"] else 0
    finally:
        store.close()
