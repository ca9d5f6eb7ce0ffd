"""The audit at 10^6 versions: its time and peak memory against the floor of the same work.

The floor is what no audit can skip: ``json.loads`` of the export's text and
``datetime.fromisoformat`` of every stamp, run as a plain script runs them (the interpreter's
default garbage collection). The audit is ``audit_json`` of the same text. Time is taken in
alternating rounds in one process; memory in a fresh interpreter each, as the peak of what
Python allocated after the text was read (tracemalloc), so the text itself is not counted.
The export is ten registrations of 100,000 versions (the most one registration can hold),
as a list of AWS CLI pages; the quick run uses a fiftieth.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cases import LIBRARY, Row, describe_versions_response
from .harness import Budget, Sample

__all__ = ["SCALE_VERSIONS", "scale_rows"]

SCALE_VERSIONS = 1_000_000
_PER_REGISTRATION = 100_000

_CHILD = r"""
import json, sys, tracemalloc
from datetime import datetime
text = open(sys.argv[2], encoding="utf-8").read()
tracemalloc.start()
if sys.argv[1] == "floor":
    data = json.loads(text)
    parse = datetime.fromisoformat
    for page in data:
        for item in page["RegistrationVersions"]:
            for stamp in item["RegistrationVersionStatusHistory"].values():
                parse(stamp)
else:
    from registration_fsm.audit import audit_json
    report = audit_json(text)
    assert report.versions_checked > 0
print(tracemalloc.get_traced_memory()[1])
"""


def _export(count: int) -> str:
    pages: list[dict[str, Any]] = []
    for number in range(max(1, count // _PER_REGISTRATION)):
        page = describe_versions_response(min(count, _PER_REGISTRATION), shape="cli")
        page["RegistrationId"] = f"{page['RegistrationId'][:-4]}{number:04d}"
        page.pop("RegistrationArn", None)
        pages.append(page)
    return json.dumps(pages)


def _floor(text: str) -> None:
    from datetime import datetime

    parse = datetime.fromisoformat
    for page in json.loads(text):
        for item in page["RegistrationVersions"]:
            for stamp in item["RegistrationVersionStatusHistory"].values():
                parse(stamp)


def _peak(mode: str, path: str) -> float:
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, path],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=900,
    ).stdout.split()
    return float(out[0])


def scale_rows(budget: Budget) -> list[Row]:
    """Nanoseconds per version of the audit and of its floor, and their peak memory."""
    from registration_fsm.audit import audit_json

    count = SCALE_VERSIONS if budget.name == "full" else SCALE_VERSIONS // 50
    rounds = 3 if budget.name == "full" else 2
    text = _export(count)
    runs: dict[str, list[float]] = {"audit_scale": [], "audit_scale_floor": []}
    calls: list[tuple[str, Callable[[str], object]]] = [
        ("audit_scale", audit_json),
        ("audit_scale_floor", _floor),
    ]
    for round_number in range(rounds):
        for key, call in calls if round_number % 2 == 0 else calls[::-1]:
            gc.collect()
            start = time.perf_counter_ns()
            call(text)
            runs[key].append((time.perf_counter_ns() - start) / count)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export.json")
        Path(path).write_text(text, encoding="utf-8")
        del text
        peaks = {mode: [_peak(mode, path) for _ in range(2)] for mode in ("audit", "floor")}
        size = float(os.path.getsize(path))
    label = f"{count:,} versions"
    return [
        Row(
            "audit_scale",
            LIBRARY,
            f"audit, {label}, per version",
            "ns",
            Sample(tuple(runs["audit_scale"])),
        ),
        Row(
            "audit_scale_floor",
            LIBRARY,
            f"floor: json.loads + fromisoformat of every stamp, {label}, per version",
            "ns",
            Sample(tuple(runs["audit_scale_floor"])),
        ),
        Row(
            "audit_scale_peak",
            LIBRARY,
            f"audit's peak memory above the text, {label}",
            "B",
            Sample(tuple(peaks["audit"])),
        ),
        Row(
            "audit_scale_floor_peak",
            LIBRARY,
            f"floor's peak memory above the text, {label}",
            "B",
            Sample(tuple(peaks["floor"])),
        ),
        Row("audit_scale_text", LIBRARY, f"the export's text, {label}", "B", Sample((size, size))),
    ]


def main() -> None:
    """``python -m benchmarks.audit_scale [--quick]``: this figure alone, with its ratios."""
    import argparse

    from .harness import FULL, QUICK

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--quick", action="store_true", help="a fiftieth of the versions")
    budget = QUICK if parser.parse_args().quick else FULL
    median: dict[str, float] = {}
    for row in scale_rows(budget):
        assert row.sample is not None
        median[row.key] = row.sample.median
        runs = ", ".join(f"{run:,.0f}" for run in row.sample.runs)
        print(f"{row.label:<78} {row.sample.median:>14,.0f} {row.unit}  ({runs})")
    text = median["audit_scale_text"]
    print(
        f"audit / floor: {median['audit_scale'] / median['audit_scale_floor']:.2f}x; "
        f"peak / text: audit {median['audit_scale_peak'] / text:.2f}x, "
        f"floor {median['audit_scale_floor_peak'] / text:.2f}x"
    )


if __name__ == "__main__":
    main()
