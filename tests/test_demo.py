from __future__ import annotations

import io
import json

from registration_fsm.cli import main


def test_the_demo_runs_the_lifecycle_through_the_simulator() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["demo"], stdout=out, stderr=err) == 0
    assert err.getvalue() == ""
    text = out.getvalue()
    steps = [line.split()[1:3] for line in text.splitlines() if line.startswith("  20")]
    assert steps == [
        ["v1", "DRAFT"],
        ["v1", "SUBMITTED"],
        ["v1", "REVIEWING"],
        ["v1", "APPROVED"],
        ["v2", "DRAFT"],
        ["v2", "AWS_REVIEWING"],
        ["v2", "DENIED"],
        ["v3", "DRAFT"],
        ["v3", "SUBMITTED"],
        ["v3", "REVIEWING"],
        ["v3", "APPROVED"],
        ["v1", "ARCHIVED"],
    ]
    assert "denied: BRAND_WEBSITE_UNREACHABLE" in text
    assert "Registration status: COMPLETE" in text
    start = text.index("{")
    payload, _ = json.JSONDecoder().raw_decode(text[start:])
    versions = payload["RegistrationVersions"]
    assert [v["VersionNumber"] for v in versions] == [3, 2, 1]
    assert [v["RegistrationVersionStatus"] for v in versions] == ["APPROVED", "DENIED", "ARCHIVED"]
    v1 = versions[2]["RegistrationVersionStatusHistory"]
    v3 = versions[0]["RegistrationVersionStatusHistory"]
    assert v1["ArchivedTimestamp"] == v3["ApprovedTimestamp"]
    assert versions[1]["Feedback"].startswith("Publish the website")


def test_the_demo_is_reproducible() -> None:
    first, second = io.StringIO(), io.StringIO()
    main(["demo"], stdout=first)
    main(["demo"], stdout=second)
    assert first.getvalue() == second.getvalue()
