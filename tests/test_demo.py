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
        ["v2", "SUBMITTED"],
        ["v2", "REVIEWING"],
        ["v2", "APPROVED"],
        ["v1", "ARCHIVED"],
        ["v3", "DRAFT"],
        ["v3", "AWS_REVIEWING"],
        ["v3", "DENIED"],
    ]
    assert "denied: BRAND_WEBSITE_UNREACHABLE" in text
    assert "Registration status: REQUIRES_UPDATES (approved version 2 still in force" in text
    start = text.index("{")
    payload, _ = json.JSONDecoder().raw_decode(text[start:])
    versions = payload["RegistrationVersions"]
    assert [v["VersionNumber"] for v in versions] == [3, 2, 1]
    assert [v["RegistrationVersionStatus"] for v in versions] == ["DENIED", "APPROVED", "ARCHIVED"]
    v1 = versions[2]["RegistrationVersionStatusHistory"]
    v2 = versions[1]["RegistrationVersionStatusHistory"]
    assert v1["ArchivedTimestamp"] == v2["ApprovedTimestamp"]
    assert versions[0]["Feedback"].startswith("Publish the website")
    # Stored across a restart, and journaled by both workers.
    assert "the worker restarts" in text
    assert "found version 2 DRAFT, as stored" in text
    journal = text[text.index("The journal") :].splitlines()[1:14]
    assert [line.split()[2] for line in journal] == [
        "create",
        "submit",
        "begin_review",
        "approve",
        "create",
        "submit",
        "begin_review",
        "archive",
        "approve",
        "create",
        "submit",
        "begin_aws_review",
        "deny",
    ]
    assert {line.split()[-2] for line in journal} == {"worker-1", "worker-2"}
    assert "verify_journal: the chain holds" in text


def test_the_demo_is_reproducible() -> None:
    first, second = io.StringIO(), io.StringIO()
    main(["demo"], stdout=first)
    main(["demo"], stdout=second)
    assert first.getvalue() == second.getvalue()
