"""The HTML report of a large export, timed against the plain audit of the same export.

Both start from the JSON text the AWS CLI printed: the audit is ``audit_json(text)``; the
report parses the text, audits it, builds the report's model and renders the page, which is
what ``registration-fsm audit --format html`` does. One version in a hundred is corrupted
(an ARCHIVED version relabelled APPROVED), so the report draws findings as well as clean
versions. The two are timed in alternating rounds, so load on the machine falls on both.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from typing import Any

from .cases import LIBRARY, Row, describe_versions_response
from .harness import Budget, Sample

__all__ = ["REPORT_VERSIONS", "report_export", "report_rows"]

REPORT_VERSIONS = 100_000
"""Versions in the export of the full run; the quick run uses a fiftieth."""


def report_export(count: int) -> str:
    """An AWS CLI export of ``count`` versions of one registration, one in 100 corrupted."""
    response = describe_versions_response(count, shape="cli")
    items: list[dict[str, Any]] = response["RegistrationVersions"]
    for item in items[::100]:
        if item["RegistrationVersionStatus"] == "ARCHIVED":
            item["RegistrationVersionStatus"] = "APPROVED"
    return json.dumps(response)


def _render(text: str) -> str:
    from registration_fsm.audit import audit_data
    from registration_fsm.reports import build_report, render_html

    data = json.loads(text)
    report = audit_data(data, source="export.json")
    return render_html(build_report(report, [("export.json", data)]))


def report_rows(budget: Budget) -> list[Row]:
    """Nanoseconds per version of the plain audit and of the HTML report, same export."""
    from registration_fsm.audit import audit_json

    count = REPORT_VERSIONS if budget.name == "full" else REPORT_VERSIONS // 50
    rounds = 5 if budget.name == "full" else 2
    text = report_export(count)
    size = len(_render(text))  # a warm-up, and the size of the page
    runs: dict[str, list[float]] = {"audit_large": [], "report_html": []}
    order: list[tuple[str, Callable[[str], object]]] = [
        ("audit_large", audit_json),
        ("report_html", _render),
    ]
    for round_number in range(rounds):
        for key, call in order if round_number % 2 == 0 else order[::-1]:
            gc.collect()
            start = time.perf_counter_ns()
            call(text)
            runs[key].append((time.perf_counter_ns() - start) / count)
    return [
        Row(
            "audit_large",
            LIBRARY,
            f"audit, AWS CLI export of {count:,} versions, per version",
            "ns",
            Sample(tuple(runs["audit_large"])),
        ),
        Row(
            "report_html",
            LIBRARY,
            f"HTML report of the same export ({size / 1e6:.1f} MB), per version",
            "ns",
            Sample(tuple(runs["report_html"])),
        ),
    ]
