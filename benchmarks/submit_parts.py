"""Where a cold submit's time goes: ``python -m benchmarks.submit_parts [--count N] [--file]``.

Not a target and not part of ``make bench``: a breakdown to read beside the submit ratios of
:mod:`benchmarks.service`. The same submits as there (ten-version registrations, the store's
cache emptied first, the simulator), with the store's, the model's and the simulator's calls
timed by ``perf_counter_ns`` wrappers. The wrappers cost a little themselves, so the parts
add up to a bit more than an unwrapped run; what is left of the total after the parts is the
service's own driving of its flow. ``--file`` runs on a SQLite file (WAL, ``synchronous=FULL``,
so the commits' fsyncs count) instead of ``:memory:``.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from registration_fsm import _service_core
from registration_fsm.registration import Registration
from registration_fsm.schedule import Schedule
from registration_fsm.service import RegistrationService
from registration_fsm.store import SqliteStore, _base, _cache

from .service import _populate

__all__ = ["PARTS", "main", "measure_parts"]

PARTS = (
    "store.load (both loads)",
    "  parse of a body the cache does not hold",
    "store.intents",
    "store.claim_intent",
    "  its SQL transaction",
    "simulator submit",
    "Registration.adopt_answer",
    "journal_moves",
    "Schedule.next_check",
    "store.save",
    "  the snapshot the cache keeps",
    "  the body text",
    "  its SQL transaction, journal hash included",
)
"""The parts reported, in order; indented ones are inside the one above them."""


def measure_parts(count: int, *, path: Path | None = None) -> tuple[float, dict[str, float]]:
    """Microseconds per submit: the whole submit, and each part (see :data:`PARTS`)."""
    spent: dict[str, int] = defaultdict(int)
    restore: list[Callable[[], None]] = []

    def wrap(owner: Any, name: str, part: str) -> None:
        original = getattr(owner, name)
        own = name in vars(owner)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return original(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter_ns() - start

        setattr(owner, name, timed)
        restore.append(
            (lambda: setattr(owner, name, original)) if own else (lambda: delattr(owner, name))
        )

    store = SqliteStore(":memory:" if path is None else path)
    try:
        backend, rids = _populate(store, count, 1)
        store._cache.clear()
        service = RegistrationService(store, backend, worker_id="bench")
        names = iter(PARTS)
        for owner, name in (
            (store, "load"),
            (_cache, "registration_from"),
            (store, "intents"),
            (store, "claim_intent"),
            (store, "_claim"),
            (backend, "submit"),
            (Registration, "adopt_answer"),
            (_service_core, "journal_moves"),
            (Schedule, "next_check"),
            (store, "save"),
            (_base, "parse_equivalent"),
            (_base, "body"),
            (store, "_save"),
        ):
            wrap(owner, name, next(names))
        gc.collect()
        start = time.perf_counter_ns()
        for rid in rids:
            service.submit(rid)
        total = time.perf_counter_ns() - start
    finally:
        for undo in reversed(restore):
            undo()
        store.close()
    return total / count / 1000, {part: spent[part] / count / 1000 for part in PARTS}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.submit_parts")
    parser.add_argument("--count", type=int, default=300, help="submits (300)")
    parser.add_argument("--file", action="store_true", help="a SQLite file, not :memory:")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "parts.db" if args.file else None
        total, parts = measure_parts(args.count, path=path)
    print(f"{total:8.1f} us  a cold submit, wrapped ({args.count} submits)")
    for part in PARTS:
        print(f"{parts[part]:8.1f} us  {part}")
    outer = sum(value for part, value in parts.items() if not part.startswith(" "))
    print(f"{total - outer:8.1f} us  the service driving its flow (the rest)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
