"""The demo behind ``registration-fsm demo``: one registration through a full life.

The customer's calls go through the versions (``version.submit(backend)``) to the in-memory
simulator of the service; the AWS side (reviews, the denial, the approvals) is played by the
simulator, and the customer's versions adopt what it reports.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

from .backends import DeniedReason, InMemoryBackend
from .clock import SteppingClock
from .version import RegistrationVersion

DEMO_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
DEMO_REGISTRATION_TYPE = "US_TEN_DLC_BRAND_REGISTRATION"


def run_demo(out: TextIO) -> int:
    """Version 1 is approved; version 2 is approved and archives 1; version 3 is denied."""
    clock = SteppingClock(DEMO_START, timedelta(minutes=7))
    backend = InMemoryBackend(clock)
    registration = backend.create_registration(DEMO_REGISTRATION_TYPE)
    rid = registration.registration_id

    def show(version: RegistrationVersion, action: str) -> None:
        stamp = version.history[version.status] or version.history.latest
        out.write(
            f"  {stamp.isoformat()}  v{version.version_number}  "
            f"{version.status.value:<24} {action}\n"
        )

    def play(version: RegistrationVersion, trigger: str, **details: Any) -> None:
        info = backend.play_aws(rid, trigger, version_number=version.version_number, **details)
        version.adopt(info.status, info.history)
        show(version, f"{trigger} (aws)")

    out.write(f"Registration {rid} ({DEMO_REGISTRATION_TYPE})\n")
    out.write("Customer calls go to the in-memory simulator; it also plays the AWS side.\n\n")
    v1 = RegistrationVersion.from_info(backend.describe_versions(rid)[0], clock=clock)
    show(v1, "created (customer: CreateRegistration)")
    v1.submit(backend)
    show(v1, "submit (customer: SubmitRegistrationVersion)")
    play(v1, "begin_review")
    play(v1, "approve")

    v2 = RegistrationVersion.from_info(backend.create_version(rid), clock=clock)
    show(v2, "created (customer: CreateRegistrationVersion)")
    v2.submit(backend)
    show(v2, "submit (customer: SubmitRegistrationVersion)")
    play(v2, "begin_review")
    play(v2, "approve")
    (archived,) = backend.describe_versions(rid, [1])
    v1.adopt(archived.status, archived.history)
    show(v1, "archive (aws): version 2 was approved")

    v3 = RegistrationVersion.from_info(backend.create_version(rid), clock=clock)
    show(v3, "created (customer: CreateRegistrationVersion)")
    v3.submit(backend, aws_review=True)
    show(v3, "submit with AwsReview (customer); AWS pre-reviews it")
    play(
        v3,
        "deny",
        denied_reasons=(
            DeniedReason(
                "BRAND_WEBSITE_UNREACHABLE",
                "The brand's website could not be reached.",
            ),
        ),
        feedback="Publish the website, then submit a new version.",
    )
    answer = backend.describe_versions(rid, [3])[0]
    for reason in answer.denied_reasons:
        out.write(f"{'':58}denied: {reason.reason}: {reason.short_description}\n")

    info = backend.describe_registration(rid)
    out.write(
        f"\nRegistration status: {info.status.value} (approved version "
        f"{info.approved_version_number} still in force; latest denied version "
        f"{info.latest_denied_version_number})\n"
    )
    out.write("\nFinal histories, in AWS's RegistrationVersionStatusHistory shape:\n")
    payload = {
        "RegistrationId": rid,
        "RegistrationVersions": [
            {**info.to_aws(), "RegistrationVersionStatusHistory": info.history.to_json()}
            for info in reversed(backend.describe_versions(rid))
        ],
    }
    out.write(json.dumps(payload, indent=2) + "\n")

    from .diagrams import path_diagram, render_mermaid

    out.write("\nVersion 1's path through the lifecycle, as a Mermaid diagram:\n")
    out.write(render_mermaid(path_diagram(v1)))
    return 0
