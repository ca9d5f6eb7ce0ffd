from __future__ import annotations

import copy
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from registration_fsm import (
    MalformedDataError,
    MissingDependencyError,
    check_drift,
    load_service_model,
)


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    data, source = load_service_model()
    assert source.startswith("botocore ")
    return data


def test_the_library_is_in_step_with_the_installed_botocore(model: dict[str, Any]) -> None:
    report = check_drift()
    assert not report.has_drift, report.lines()
    assert report.api_version == model["metadata"]["apiVersion"]
    assert [(s.shape, s.part, s.in_step) for s in report.shapes] == [
        ("RegistrationVersionStatus", "values", True),
        ("RegistrationStatus", "values", True),
        ("RegistrationVersionStatusHistory", "fields", True),
        ("RegistrationVersionStatusHistory", "required fields", True),
        ("Registration operations", "served by the emulator", True),
    ]
    assert report.lines()[-1] == "No drift."
    assert "Registration operations served by the emulator: in step (18)" in report.lines()


def test_values_aws_adds_or_drops_are_reported(model: dict[str, Any]) -> None:
    changed = copy.deepcopy(model)
    shapes = changed["shapes"]
    shapes["RegistrationVersionStatus"]["enum"].append("PENDING_CARRIER")
    shapes["RegistrationStatus"]["enum"].remove("DELETED")
    shapes["RegistrationVersionStatusHistory"]["members"]["PendingCarrierTimestamp"] = {
        "shape": "Timestamp"
    }
    shapes["RegistrationVersionStatusHistory"]["required"].append("SubmittedTimestamp")
    report = check_drift(changed, source="a newer model")
    assert report.has_drift
    version, registration, fields, required, _ = report.shapes
    assert (version.aws_only, version.library_only) == (("PENDING_CARRIER",), ())
    assert (registration.aws_only, registration.library_only) == ((), ("DELETED",))
    assert fields.aws_only == ("PendingCarrierTimestamp",)
    assert required.aws_only == ("SubmittedTimestamp",)
    lines = report.lines()
    assert (
        lines[0] == f"Compared with a newer model (API version {model['metadata']['apiVersion']})."
    )
    assert "RegistrationVersionStatus values: AWS has, the library lacks: PENDING_CARRIER" in lines
    assert "RegistrationStatus values: the library has, AWS lacks: DELETED" in lines
    assert lines[-1].startswith("Drift:")


def test_registration_operations_the_emulator_does_not_serve_are_reported(
    model: dict[str, Any],
) -> None:
    from registration_fsm.emulator import AWS_OPERATIONS

    changed = copy.deepcopy(model)
    changed["operations"]["DeleteRegistrationVersion"] = {"name": "DeleteRegistrationVersion"}
    served = [op for op in AWS_OPERATIONS if op != "ListRegistrationAssociations"]
    report = check_drift(changed, served=served)
    assert report.has_drift
    operations = report.shapes[-1]
    assert operations.aws_only == ("DeleteRegistrationVersion", "ListRegistrationAssociations")
    assert operations.library_only == ()
    assert (
        "Registration operations served by the emulator: AWS has, the library lacks: "
        "DeleteRegistrationVersion, ListRegistrationAssociations"
    ) in report.lines()
    del changed["operations"]
    with pytest.raises(MalformedDataError):
        check_drift(changed)


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda m: m.pop("shapes"), "shapes"),
        (lambda m: m["shapes"].pop("RegistrationStatus"), "shapes.RegistrationStatus"),
        (
            lambda m: m["shapes"]["RegistrationStatus"].pop("enum"),
            "shapes.RegistrationStatus.enum",
        ),
        (
            lambda m: m["shapes"]["RegistrationVersionStatusHistory"].update(type="string"),
            "shapes.RegistrationVersionStatusHistory.type",
        ),
    ],
)
def test_a_model_without_the_shapes_is_malformed(
    model: dict[str, Any], mutate: Any, where: str
) -> None:
    changed = copy.deepcopy(model)
    mutate(changed)
    with pytest.raises(MalformedDataError) as info:
        check_drift(changed)
    assert info.value.path == where


def test_a_model_file_is_read_plain_or_gzipped(model: dict[str, Any], tmp_path: Path) -> None:
    plain = tmp_path / "service-2.json"
    plain.write_text(json.dumps(model))
    packed = tmp_path / "service-2.json.gz"
    packed.write_bytes(gzip.compress(json.dumps(model).encode()))
    for path in (plain, packed):
        data, source = load_service_model(path)
        assert data == model
        assert source == str(path)


def test_an_unreadable_model_file_is_a_library_error(tmp_path: Path) -> None:
    with pytest.raises(MalformedDataError, match="cannot read the model"):
        load_service_model(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(MalformedDataError, match="cannot read the model: not JSON"):
        load_service_model(bad)
    listed = tmp_path / "list.json"
    listed.write_text("[]")
    with pytest.raises(MalformedDataError, match="expected a JSON object"):
        load_service_model(listed)


def test_without_botocore_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "botocore", None)
    with pytest.raises(MissingDependencyError, match=r"registration-fsm\[aws\]") as info:
        check_drift()
    assert info.value.dependency == "botocore"


def test_importing_the_package_loads_no_aws_sdk() -> None:
    import subprocess

    code = (
        "import sys, registration_fsm; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'boto3', 'botocore'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
