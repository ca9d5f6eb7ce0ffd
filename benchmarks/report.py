"""The table, the ratios and the verdicts, all computed from the rows of one run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .cases import SECTIONS, Row

__all__ = ["RATIOS", "TARGETS", "Target", "Verdict", "ratio", "render", "verdicts"]

PASS = "PASS"
FAIL = "FAIL"
NOT_MEASURED = "N/A"

#: (numerator, denominator): how many times the first figure is the second.
RATIOS: tuple[tuple[str, str], ...] = (
    ("machine_per_object", "create_submit"),
    ("machine_per_object_no_auto", "create_submit"),
    ("shared_add_submit", "create_submit"),
    ("statemachine_create_submit", "create_submit"),
    ("shared_trigger", "trigger"),
    ("shared_trigger", "trigger_at"),
    ("statemachine_trigger", "trigger"),
    ("trigger", "dict_floor"),
    ("trigger_at", "dict_floor"),
    ("machine_memory", "memory"),
    ("statemachine_memory", "memory"),
    ("report_html", "audit_large"),
    ("store_sqlite_floor", "store_sqlite_save"),
    ("store_postgres_floor", "store_postgres_save"),
    ("service_sqlite_floor", "service_sqlite_submit"),
    ("service_postgres_floor", "service_postgres_submit"),
    ("load_sqlite", "select_sqlite"),
    ("get_sqlite", "select_sqlite"),
    ("select_json_sqlite", "select_sqlite"),
    ("load_postgres", "select_postgres"),
    ("get_postgres", "select_postgres"),
    ("aio_service", "sync_service_threads"),
    ("audit_scale", "audit_scale_floor"),
    ("audit_scale_peak", "audit_scale_text"),
    ("audit_scale_floor_peak", "audit_scale_text"),
    ("import_library", "import_peers"),
    ("importtime_library", "importtime_peers"),
)


@dataclass(frozen=True)
class Verdict:
    target: str
    status: str
    detail: str


@dataclass(frozen=True)
class Target:
    """A limit on one figure, or on the ratio of two figures of the same run."""

    text: str
    figure: str
    per: str | None = None
    """The row ``figure`` is divided by; None when the limit is on the figure itself."""
    at_least: float | None = None
    at_most: float | None = None
    beside: tuple[tuple[str, str, str], ...] = ()
    """(label, numerator, denominator): related ratios shown with the verdict."""

    def judge(self, rows: Sequence[Row]) -> Verdict:
        found = _by_key(rows)
        row = found.get(self.figure)
        value = (
            ratio(rows, self.figure, self.per)
            if self.per is not None
            else (None if row is None else row.value)
        )
        if value is None:
            note = row.note if row is not None and row.note else "not measured"
            return Verdict(self.text, NOT_MEASURED, note)
        ok = (self.at_least is None or value >= self.at_least) and (
            self.at_most is None or value <= self.at_most
        )
        if self.per is None:
            assert row is not None
            detail = _format(row)
        else:
            detail = (
                f"{_times(value)} ({_format(found[self.figure])} vs {_format(found[self.per])})"
            )
        for label, numerator, denominator in self.beside:
            extra = ratio(rows, numerator, denominator)
            if extra is not None:
                detail += f"; {label}: {_times(extra)}"
        return Verdict(self.text, PASS if ok else FAIL, detail)


def _by_key(rows: Sequence[Row]) -> dict[str, Row]:
    return {row.key: row for row in rows}


def ratio(rows: Sequence[Row], numerator: str, denominator: str) -> float | None:
    """``numerator / denominator`` of two rows' medians, or None when either is missing."""
    found = _by_key(rows)
    top = found[numerator].value if numerator in found else None
    bottom = found[denominator].value if denominator in found else None
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def _times(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:,.1f}x"


TARGETS: tuple[Target, ...] = (
    Target(
        "create + submit >= 100x faster than a transitions Machine per object (default)",
        "machine_per_object",
        "create_submit",
        at_least=100,
    ),
    Target(
        "create + submit >= 50x faster than a transitions Machine per object "
        "(auto_transitions=False; decided 2026-12-01, see RESULTS.md)",
        "machine_per_object_no_auto",
        "create_submit",
        at_least=50,
    ),
    Target(
        "one trigger (default clock) >= 10x faster than a trigger on a shared transitions Machine",
        "shared_trigger",
        "trigger",
        at_least=10,
        beside=(("with at=", "shared_trigger", "trigger_at"),),
    ),
    Target(
        "one trigger (default clock) within 20x of the dict lookup floor",
        "trigger",
        "dict_floor",
        at_most=20,
        beside=(("with at=", "trigger_at", "dict_floor"),),
    ),
    Target("<= 1 KiB per version with a full history", "memory", at_most=1024),
    Target("audit >= 100,000 versions/s", "audit", at_least=100_000),
    Target(
        "import registration_fsm <= 1.3x the time of import transitions, attrs",
        "import_library",
        "import_peers",
        at_most=1.3,
        beside=(("-X importtime", "importtime_library", "importtime_peers"),),
    ),
    Target(
        "HTML report of a 100,000-version export within 8x the time of its plain audit",
        "report_html",
        "audit_large",
        at_most=8,
    ),
    Target(
        "SqliteStore commits saves at >= 1/1.5 the rate of raw sqlite3 doing the same SQL",
        "store_sqlite_floor",
        "store_sqlite_save",
        at_most=1.5,
    ),
    Target(
        "PostgresStore commits saves at >= 1/1.5 the rate of raw psycopg doing the same SQL",
        "store_postgres_floor",
        "store_postgres_save",
        at_most=1.5,
    ),
    Target(
        "RegistrationService.submit on SqliteStore commits at >= 1/1.5 the rate of raw sqlite3",
        "service_sqlite_floor",
        "service_sqlite_submit",
        at_most=1.5,
    ),
    Target(
        "RegistrationService.submit on PostgresStore commits at >= 1/1.5 the rate of raw psycopg",
        "service_postgres_floor",
        "service_postgres_submit",
        at_most=1.5,
    ),
    Target(
        "SqliteStore.load of 10 versions within 1.5x a raw SELECT of the row",
        "load_sqlite",
        "select_sqlite",
        at_most=1.5,
        beside=(("service.get", "get_sqlite", "select_sqlite"),),
    ),
    Target(
        "PostgresStore.load of 10 versions within 1.5x a raw SELECT of the row",
        "load_postgres",
        "select_postgres",
        at_most=1.5,
        beside=(("service.get", "get_postgres", "select_postgres"),),
    ),
)


def verdicts(rows: Sequence[Row]) -> list[Verdict]:
    return [target.judge(rows) for target in TARGETS]


def _format_value(value: float, unit: str) -> str:
    if unit == "ns":
        if value < 1_000:
            return f"{value:.1f} ns"
        if value < 1_000_000:
            return f"{value / 1e3:.2f} us"
        return f"{value / 1e6:.2f} ms"
    if unit == "us":
        return f"{value / 1e3:.2f} ms" if value >= 1_000 else f"{value:.0f} us"
    if unit == "B":
        return f"{value:.0f} B" if value < 10_240 else f"{value / 1024:.1f} KiB"
    if unit == "/s":
        return f"{value:,.0f} /s"
    raise ValueError(f"unknown unit {unit!r}")


def _format(row: Row) -> str:
    return "-" if row.value is None else _format_value(row.value, row.unit)


def render(rows: Sequence[Row], header: Sequence[str]) -> str:
    """The whole report: header lines, the table of medians, the ratios, the verdicts."""
    width = max(len(row.label) for row in rows) + 2
    lines = list(header)
    lines.append("")
    lines.append(f"{'figure':{width + 2}}{'median':>12}  {'fastest':>12}  {'spread':>7}")
    for section in SECTIONS:
        lines.append(section)
        for row in rows:
            if row.section != section:
                continue
            if row.sample is None:
                lines.append(f"  {row.label:{width}}{'-':>12}  {'-':>12}  {'':>7}  {row.note}")
            else:
                fastest = _format_value(row.sample.fastest, row.unit)
                lines.append(
                    f"  {row.label:{width}}{_format(row):>12}  {fastest:>12}"
                    f"  {row.sample.spread:>7.0%}"
                )
    lines.append("")
    lines.append("ratios (medians of this run)")
    found = _by_key(rows)
    for numerator, denominator in RATIOS:
        if numerator not in found or denominator not in found:
            continue
        value = ratio(rows, numerator, denominator)
        shown = "-" if value is None else _times(value)
        lines.append(f"  {shown:>10}  {found[numerator].label}")
        lines.append(f"  {'':>10}    / {found[denominator].label}")
    lines.append("")
    lines.append("targets")
    for verdict in verdicts(rows):
        lines.append(f"  {verdict.status:4}  {verdict.target}: {verdict.detail}")
    return "\n".join(lines)
