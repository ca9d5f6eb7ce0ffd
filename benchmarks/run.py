"""One benchmark run: measure everything once, print the report and the verdicts."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from typing import TextIO

from .cases import measure
from .harness import FULL, QUICK
from .report import FAIL, render, verdicts

_PACKAGES = ("registration-fsm", "transitions", "attrs", "python-statemachine")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_lines(mode: str) -> list[str]:
    """What the figures depend on: the machine, the interpreter and the package versions."""
    return [
        f"registration_fsm benchmarks, {mode} run, "
        f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"cpu: {_cpu_model()}, {os.cpu_count()} cores; {platform.platform()}",
        f"python: {platform.python_implementation()} {platform.python_version()}",
        "load average at the start (1, 5, 15 min): "
        + ", ".join(f"{load:.2f}" for load in os.getloadavg()),
        "packages: " + ", ".join(f"{name} {_package_version(name)}" for name in _PACKAGES),
    ]


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time registration_fsm against transitions, python-statemachine and a dict.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a few short runs: checks that every figure can be taken, not what it is",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when any target fails")
    args = parser.parse_args(argv)
    out = stdout if stdout is not None else sys.stdout
    budget = QUICK if args.quick else FULL

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    rows = measure(budget, progress)
    print(render(rows, machine_lines(budget.name)), file=out, flush=True)
    failed = [v for v in verdicts(rows) if v.status == FAIL]
    return 1 if args.strict and failed else 0
