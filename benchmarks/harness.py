"""How every figure is measured: call timing, memory per object and import time.

All three report the median of repeated runs, so one slow run (another process, a cache
miss, a frequency change) moves nothing; the spread says how much the runs disagreed.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FULL",
    "QUICK",
    "Budget",
    "Sample",
    "Timed",
    "Fresh",
    "bytes_per_object",
    "fresh_interpreters",
    "per_batch",
    "per_call",
]


@dataclass(frozen=True)
class Budget:
    """How long to measure: the full run for figures, the quick one to check it all works."""

    name: str
    repeats: int
    """Runs per timing; the median of these is reported."""
    min_seconds: float
    """Each run loops until it lasts at least this long."""
    batch: int
    """Objects per run for figures that need fresh objects (add_model, memory)."""
    population: int
    """Models already on the shared transitions Machine when add_model is timed."""
    memory_count: int
    """Versions made per memory reading (the baselines make a twentieth as many)."""
    import_rounds: int
    """Fresh interpreters started per import command."""


FULL = Budget(
    "full",
    repeats=25,
    min_seconds=0.06,
    batch=2_000,
    population=10_000,
    memory_count=10_000,
    import_rounds=40,
)
QUICK = Budget(
    "quick",
    repeats=3,
    min_seconds=0.002,
    batch=40,
    population=100,
    memory_count=100,
    import_rounds=2,
)


@dataclass(frozen=True)
class Sample:
    """The runs of one figure; ``median`` is the figure."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def fastest(self) -> float:
        return min(self.runs)

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median: how far the runs lay apart."""
        median = self.median
        return (max(self.runs) - min(self.runs)) / median if median else 0.0


@dataclass(frozen=True)
class Timed:
    """A statement to time: ``stmt`` makes ``calls`` calls of the operation."""

    key: str
    stmt: str
    namespace: Mapping[str, Any]
    calls: int = 1


def _timer(timed: Timed) -> timeit.Timer:
    return timeit.Timer(
        timed.stmt,
        setup="gc.enable()",
        timer=time.perf_counter_ns,
        globals={**timed.namespace, "gc": gc},
    )


def _loops(timer: timeit.Timer, budget: Budget) -> int:
    """The number of loops that makes one run last at least ``budget.min_seconds``."""
    target = budget.min_seconds * 1e9
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= target:
            return number
        number *= 2 if elapsed * 4 >= target else 10


def per_call(timings: Sequence[Timed], budget: Budget) -> dict[str, Sample]:
    """Nanoseconds per call of each statement, the runs of all statements interleaved.

    ``timeit`` compiles each statement into its loop, so nothing but the statement is timed:
    every operation and the dict floor pay the same loop cost. The runs are taken in rounds,
    one run of every statement per round, in an order that rotates from round to round, so a
    change in the machine's load (another process, a frequency change) falls on all of them
    alike and the ratios between them hold. The garbage collector stays on, as in a service.
    """
    timers = [_timer(timed) for timed in timings]
    loops = [_loops(timer, budget) for timer in timers]
    runs: list[list[float]] = [[] for _ in timings]
    order = list(range(len(timings)))
    for round_number in range(budget.repeats):
        shift = round_number % len(order) if order else 0
        for i in order[shift:] + order[:shift]:
            elapsed = timers[i].timeit(loops[i])
            runs[i].append(elapsed / (loops[i] * timings[i].calls))
    return {timed.key: Sample(tuple(r)) for timed, r in zip(timings, runs)}


def per_batch(
    prepare: Callable[[int], Any],
    run: Callable[[Any], None],
    budget: Budget,
    *,
    count: int | None = None,
) -> Sample:
    """Nanoseconds per object for work that needs fresh objects each run.

    ``prepare(count)`` builds the inputs outside the clock; ``run(inputs)`` handles ``count``
    objects (default: the budget's batch) and is timed. Each run gets new inputs.
    """
    count = budget.batch if count is None else count
    runs = []
    for _ in range(budget.repeats):
        inputs = prepare(count)
        gc.collect()
        start = time.perf_counter_ns()
        run(inputs)
        runs.append((time.perf_counter_ns() - start) / count)
        del inputs
    return Sample(tuple(runs))


def bytes_per_object(make: Callable[[int], object], count: int, repeats: int = 3) -> Sample:
    """Bytes that stay allocated per object, for ``count`` objects made by ``make(i)``.

    The list holding them is allocated before the first reading, so only the objects and
    what they own are counted; garbage is collected before each reading.
    """
    runs = []
    for _ in range(repeats):
        keep: list[object] = [None] * count
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(count):
                keep[i] = make(i)
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        runs.append((after - before) / count)
        del keep
    return Sample(tuple(runs))


def _interpreter(*args: str) -> list[str]:
    # -I: no environment variables, no user site, no current directory on sys.path, so each
    # command sees the same installed packages and settings.
    return [sys.executable, "-I", *args]


@dataclass(frozen=True)
class Fresh:
    """Code to run in a fresh interpreter, timed from outside or by ``-X importtime``."""

    code: str
    importtime_of: tuple[str, ...] = ()
    """When set, the figure is what ``-X importtime`` reports for these top-level imports."""


def _importtime_ns(stderr: str, modules: Sequence[str]) -> int:
    total = 0
    for line in stderr.splitlines():
        parts = line.split("|")
        top_level = len(parts) == 3 and not parts[2][1:].startswith(" ")
        if top_level and parts[2].strip() in modules:
            total += int(parts[1]) * 1_000
    return total


def fresh_interpreters(commands: Mapping[str, Fresh], budget: Budget) -> dict[str, Sample]:
    """Nanoseconds per command, each run in a new interpreter, median over the rounds.

    A plain command is timed from outside, so its figure includes the interpreter's start-up;
    subtracting a ``pass`` command's median leaves the imports alone. A command with
    ``importtime_of`` is timed by the interpreter itself (``-X importtime``), which leaves
    start-up out entirely: a cross-check by another method. One warm-up round writes the
    bytecode caches and is discarded; then every round starts every command once, in an order
    that rotates from round to round, so load on the machine falls on all commands alike.
    """
    names = list(commands)

    def run(name: str) -> float:
        command = commands[name]
        args = ("-X", "importtime") if command.importtime_of else ()
        start = time.perf_counter_ns()
        done = subprocess.run(
            _interpreter(*args, "-c", command.code), check=True, capture_output=True, text=True
        )
        elapsed = time.perf_counter_ns() - start
        if command.importtime_of:
            return float(_importtime_ns(done.stderr, command.importtime_of))
        return float(elapsed)

    for name in names:
        run(name)
    runs: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(budget.import_rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            runs[name].append(run(name))
    return {name: Sample(tuple(values)) for name, values in runs.items()}
