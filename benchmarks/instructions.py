"""Instructions per cold submit, counted: ``python -m benchmarks.instructions [--count N]``.

Not a target and not part of ``make bench``. Wall-clock figures on a shared machine move by a
third from one run to the next; the number of machine instructions a submit executes does
not (two runs agree to within 0.1%), so this is how a change to the library's own Python is
weighed before the timed benchmarks judge it. It runs the submits of
:mod:`benchmarks.service` (ten-version registrations, the store's cache emptied first, the
simulator, ``SqliteStore(":memory:")`` so that no fsync is counted) under valgrind's
callgrind, once with the submits and once without, and divides the difference by their
number; the floor is the raw SQL of the same submits (``--floor``). Needs ``valgrind``.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["count_instructions", "main", "workload"]


def workload(count: int, *, submit: bool, floor: bool = False) -> None:
    """Store ``count`` registrations, then (``submit``) submit each: what is counted."""
    from registration_fsm.service import RegistrationService
    from registration_fsm.store import SqliteStore

    from .service import (
        _CLAIMED,
        _DUE,
        _EXPIRES,
        _floor_submits,
        _populate,
        _sqlite_conn,
        _SqliteFloor,
        _submit_body,
    )

    if floor:
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "floor.db"
            with SqliteStore(path) as store:
                backend, rids = _populate(store, count, 1)
            body = _submit_body(backend, rids[0])
            conn = _sqlite_conn(path)
            conn.execute("PRAGMA synchronous = OFF")  # the instructions, not the disk
            claimed, expires, due = (
                t.isoformat(timespec="microseconds") for t in (_CLAIMED, _EXPIRES, _DUE)
            )
            gc.collect()
            if submit:
                _floor_submits(_SqliteFloor(conn, (claimed, expires, due)), backend, rids, body)
            conn.close()
        return
    with SqliteStore(":memory:") as store:
        backend, rids = _populate(store, count, 1)
        store._cache.clear()
        service = RegistrationService(store, backend, worker_id="bench")
        gc.collect()
        if submit:
            for rid in rids:
                service.submit(rid)


def count_instructions(count: int, *, floor: bool = False) -> int:
    """Instructions per submit (the difference of two callgrind runs, over ``count``)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("benchmarks.instructions needs valgrind (apt-get install valgrind)")
    totals = []
    for submit in (False, True):
        command = [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        command += [sys.executable, "-m", "benchmarks.instructions", "--inner", str(count)]
        command += ["--submit"] if submit else []
        command += ["--floor"] if floor else []
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        found = re.search(r"Collected : (\d+)", done.stderr)
        if found is None:
            raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
        totals.append(int(found.group(1)))
    return (totals[1] - totals[0]) // count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions")
    parser.add_argument("--count", type=int, default=40, help="submits counted (40)")
    parser.add_argument("--floor", action="store_true", help="count the raw SQL floor instead")
    parser.add_argument("--inner", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--submit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner is not None:
        workload(args.inner, submit=args.submit, floor=args.floor)
        return 0
    what = "the raw SQL floor" if args.floor else "RegistrationService.submit, cold"
    print(f"{count_instructions(args.count, floor=args.floor):,} instructions per submit: {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
