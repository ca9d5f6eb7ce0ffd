"""The benchmark runs end to end and reports every figure; no timing is asserted here."""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import shutil
from types import ModuleType

import pytest

import benchmarks.run
from benchmarks import cases
from benchmarks.cases import Row, describe_versions_response, measure
from benchmarks.harness import QUICK, Sample
from benchmarks.report import FAIL, NOT_MEASURED, PASS, RATIOS, render, verdicts
from registration_fsm import RegistrationVersion, VersionStatus
from registration_fsm.backends import VersionInfo

# Every figure the run must report, by the key the report computes its ratios and targets from.
EXPECTED = {
    "create_submit",
    "trigger",
    "trigger_at",
    "allowed",
    "from_aws",
    "from_aws_cli",
    "info_from_aws",
    "to_dict",
    "from_dict",
    "memory",
    "audit",
    "audit_large",
    "report_html",
    "audit_scale",
    "audit_scale_floor",
    "audit_scale_peak",
    "audit_scale_floor_peak",
    "audit_scale_text",
    "machine_per_object",
    "machine_per_object_no_auto",
    "shared_trigger",
    "shared_add_submit",
    "shared_add_crowded",
    "statemachine_create_submit",
    "statemachine_trigger",
    "dict_floor",
    "machine_memory",
    "statemachine_memory",
    "import_startup",
    "import_peers",
    "import_library",
    "importtime_peers",
    "importtime_library",
    "store_sqlite_save",
    "store_sqlite_floor",
    "store_postgres_save",
    "store_postgres_floor",
    "service_sqlite_submit",
    "service_sqlite_floor",
    "service_sqlite_submit_warm",
    "load_sqlite",
    "load_cold_sqlite",
    "get_sqlite",
    "get_cold_sqlite",
    "select_sqlite",
    "select_json_sqlite",
    "service_postgres_submit",
    "service_postgres_floor",
    "service_postgres_submit_warm",
    "load_postgres",
    "load_cold_postgres",
    "get_postgres",
    "get_cold_postgres",
    "select_postgres",
    "select_text_postgres",
    "aio_service",
    "sync_service_threads",
    "events_handled",
    "syncer_check",
    "direct_reconcile",
    "reconcile_unchanged",
    "reconcile_unchanged_cli",
    "audit_per_version",
    "audit_data_per_version",
}
_POSTGRES_ROWS = {
    "store_postgres_save",
    "store_postgres_floor",
    "service_postgres_submit",
    "service_postgres_floor",
    "service_postgres_submit_warm",
    "load_postgres",
    "load_cold_postgres",
    "get_postgres",
    "get_cold_postgres",
    "select_postgres",
    "select_text_postgres",
}


def _postgres_measurable() -> bool:
    from registration_fsm.testing.postgres import find_postgres_bin

    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return find_postgres_bin() is not None or os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def quick_rows() -> list[Row]:
    return measure(QUICK)


def test_a_quick_run_measures_every_figure(quick_rows: list[Row]) -> None:
    keys = [row.key for row in quick_rows]
    assert sorted(keys) == sorted(EXPECTED)
    for row in quick_rows:
        if row.key in _POSTGRES_ROWS and not _postgres_measurable():
            assert row.sample is None
            assert "not installed" in row.note
            continue
        assert row.sample is not None, row.key
        assert len(row.sample.runs) >= 2, row.key
        assert all(run > 0 for run in row.sample.runs), row.key


def test_the_report_shows_every_row_ratio_and_target(quick_rows: list[Row]) -> None:
    text = render(quick_rows, ["header line"])
    assert text.startswith("header line\n")
    for row in quick_rows:
        assert row.label in text
    assert text.count("\n  ") >= len(quick_rows) + 2 * len(RATIOS)
    judged = verdicts(quick_rows)
    assert len(judged) == 15
    for verdict in judged:
        assert f"{verdict.status:4}  {verdict.target}: {verdict.detail}" in text
        assert verdict.status in {PASS, FAIL, NOT_MEASURED}


def test_the_audit_is_reported_missing_rather_than_failing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.import_module

    def without_audit(name: str, package: str | None = None) -> ModuleType:
        if name == "registration_fsm.audit":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(cases.importlib, "import_module", without_audit)
    row = cases._audit_row(QUICK)
    assert row.sample is None
    assert row.note == "audit: not available"
    text = render([row], [])
    assert "audit: not available" in text


def _rows(**values: float) -> list[Row]:
    """Rows with one run each, from the keys the targets read."""
    return [
        Row(key, cases.LIBRARY, key, "ns", Sample((value,)))
        for key, value in sorted(values.items())
    ] + [Row("audit", cases.LIBRARY, "audit", "/s", None, "audit: not available")]


_PASSING = {
    "create_submit": 1_000.0,
    "machine_per_object": 100_000.0,
    "machine_per_object_no_auto": 100_000.0,
    "trigger": 500.0,
    "shared_trigger": 5_000.0,
    "dict_floor": 25.0,
    "trigger_at": 400.0,
    "memory": 1024.0,
    "import_library": 13.0,
    "import_peers": 10.0,
    "importtime_library": 1.0,
    "importtime_peers": 1.0,
    "audit_large": 1_000.0,
    "report_html": 8_000.0,
    "store_sqlite_floor": 150.0,
    "store_sqlite_save": 100.0,
    "store_postgres_floor": 300.0,
    "store_postgres_save": 200.0,
    "service_sqlite_floor": 150.0,
    "service_sqlite_submit": 100.0,
    "service_postgres_floor": 300.0,
    "service_postgres_submit": 200.0,
    "load_sqlite": 150.0,
    "select_sqlite": 100.0,
    "load_postgres": 300.0,
    "select_postgres": 200.0,
    "audit_scale": 1_300.0,
    "audit_scale_floor": 1_000.0,
    "audit_scale_peak": 2_000.0,
    "audit_scale_floor_peak": 1_500.0,
    "audit_scale_text": 1_000.0,
    "reconcile_unchanged": 2_000.0,
    "audit_per_version": 1_000.0,
}


def test_targets_pass_at_their_limits() -> None:
    statuses = [v.status for v in verdicts(_rows(**_PASSING))]
    assert statuses == [PASS] * 5 + [NOT_MEASURED] + [PASS] * 9


@pytest.mark.parametrize(
    ("key", "value", "failing"),
    [
        ("machine_per_object", 99_000.0, 0),
        ("machine_per_object_no_auto", 49_000.0, 1),
        ("shared_trigger", 4_999.0, 2),
        ("dict_floor", 24.9, 3),
        ("memory", 1025.0, 4),
        ("import_library", 13.1, 6),
        ("report_html", 8_001.0, 7),
        ("store_sqlite_floor", 150.1, 8),
        ("store_postgres_save", 199.9, 9),
        ("service_sqlite_floor", 150.1, 10),
        ("service_postgres_submit", 199.9, 11),
        ("load_sqlite", 150.1, 12),
        ("select_postgres", 199.9, 13),
        ("reconcile_unchanged", 2_001.0, 14),
    ],
)
def test_each_target_fails_just_past_its_limit(key: str, value: float, failing: int) -> None:
    judged = verdicts(_rows(**{**_PASSING, key: value}))
    assert [i for i, v in enumerate(judged) if v.status == FAIL] == [failing]


def test_strict_exits_1_on_a_failed_target(monkeypatch: pytest.MonkeyPatch) -> None:
    failing = _rows(**{**_PASSING, "memory": 2048.0})
    monkeypatch.setattr(benchmarks.run, "measure", lambda budget, progress=None: failing)
    out = io.StringIO()
    assert benchmarks.run.main(["--quick"], stdout=out) == 0
    assert "FAIL  <= 1 KiB per version" in out.getvalue()
    assert benchmarks.run.main(["--quick", "--strict"], stdout=io.StringIO()) == 1
    passing = _rows(**_PASSING)
    monkeypatch.setattr(benchmarks.run, "measure", lambda budget, progress=None: passing)
    assert benchmarks.run.main(["--quick", "--strict"], stdout=io.StringIO()) == 0


def test_main_runs_end_to_end_in_quick_mode() -> None:
    out = io.StringIO()
    assert benchmarks.run.main(["--quick"], stdout=out) == 0
    text = out.getvalue()
    assert "quick run" in text
    assert "cpu: " in text
    assert "python-statemachine " in text
    assert "\ntargets\n" in text


@pytest.mark.parametrize("shape", ["boto3", "cli"])
def test_the_describe_response_is_one_legal_registration(shape: str) -> None:
    response = describe_versions_response(100, shape=shape)
    items = response["RegistrationVersions"]
    assert [item["VersionNumber"] for item in items] == list(range(1, 101))
    versions = [
        RegistrationVersion.from_aws(item, registration_id=response["RegistrationId"])
        for item in items
    ]
    infos = [
        VersionInfo.from_aws(item, registration_id=response["RegistrationId"]) for item in items
    ]
    assert [v.status for v in versions] == [i.status for i in infos]
    statuses = [v.status for v in versions]
    assert statuses.count(VersionStatus.APPROVED) == 1
    assert statuses[-1] is VersionStatus.REVIEWING
    assert {VersionStatus.DISCARDED, VersionStatus.DENIED, VersionStatus.ARCHIVED} <= set(statuses)
    latest = [v.history.latest for v in versions]
    assert latest == sorted(latest)


def test_the_moto_comparison_measures_both_servers(boto3_session: object) -> None:
    from benchmarks import emulator_vs_moto

    rates = emulator_vs_moto.measure(requests=5, rounds=2, warmup=1)
    assert set(rates) == {"emulator", "moto"}
    assert all(len(values) == 2 and min(values) > 0 for values in rates.values())
    out = io.StringIO()
    assert emulator_vs_moto.main(["--requests", "5", "--rounds", "2"], stdout=out) == 0
    text = out.getvalue()
    assert "emulator DescribeRegistrations" in text
    assert "moto server DynamoDB ListTables" in text
    assert "emulator / moto (medians): " in text


def test_the_submit_breakdown_times_every_part_and_puts_everything_back() -> None:
    from benchmarks import submit_parts
    from registration_fsm import _service_core
    from registration_fsm.registration import Registration
    from registration_fsm.store import _base

    before = (_base.body, _service_core.journal_moves, Registration.adopt_answer)
    total, parts = submit_parts.measure_parts(5)
    assert list(parts) == list(submit_parts.PARTS)
    assert all(value > 0 for value in parts.values())
    outer = sum(value for part, value in parts.items() if not part.startswith(" "))
    assert outer < total
    assert parts["  parse of a body the cache does not hold"] < parts["store.load (both loads)"]
    assert (_base.body, _service_core.journal_moves, Registration.adopt_answer) == before
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert submit_parts.main(["--count", "3"]) == 0
    assert "the service driving its flow" in out.getvalue()


def test_the_instruction_count_runs_its_workload_both_ways() -> None:
    from benchmarks import instructions

    instructions.workload(2, submit=True)
    instructions.workload(2, submit=False)
    instructions.workload(2, submit=True, floor=True)
    if shutil.which("valgrind") is None:  # without it, a clear word and no traceback
        with pytest.raises(SystemExit, match="needs valgrind"):
            instructions.count_instructions(1)
