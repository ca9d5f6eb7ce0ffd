"""The demo behind ``registration-fsm demo``: one registration through a full life."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import TextIO

from .clock import SteppingClock
from .lifecycle import LIFECYCLE
from .version import RegistrationVersion

DEMO_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def run_demo(out: TextIO) -> int:
    """Two versions of one registration: version 2 is approved and archives version 1."""
    clock = SteppingClock(DEMO_START, timedelta(minutes=7))
    registration_id = "registration-0123456789abcdef0123456789abcdef"

    def show(version: RegistrationVersion, action: str) -> None:
        stamp = version.history[version.status] or version.history.latest
        out.write(
            f"  {stamp.isoformat()}  v{version.version_number}  "
            f"{version.status.value:<24} {action}\n"
        )

    out.write(f"Registration {registration_id}\n")
    v1 = RegistrationVersion.new(registration_id, 1, clock=clock)
    show(v1, "created (CreateRegistration)")
    for trigger in ("submit", "begin_review", "approve"):
        v1.fire(trigger)
        show(v1, f"{trigger} ({LIFECYCLE.initiator(trigger).value})")

    v2 = RegistrationVersion.new(registration_id, 2, clock=clock)
    show(v2, "created (CreateRegistrationVersion)")
    for trigger in ("submit", "begin_review", "approve"):
        v2.fire(trigger)
        show(v2, f"{trigger} ({LIFECYCLE.initiator(trigger).value})")
    v1.archive()
    show(v1, "archive (aws): version 2 was approved")

    out.write("\nFinal histories, in AWS's RegistrationVersionStatusHistory shape:\n")
    payload = {
        "RegistrationId": registration_id,
        "RegistrationVersions": [
            {
                "VersionNumber": v.version_number,
                "RegistrationVersionStatus": v.status.value,
                "RegistrationVersionStatusHistory": v.history.to_json(),
            }
            for v in (v2, v1)
        ],
    }
    out.write(json.dumps(payload, indent=2) + "\n")

    from .diagrams import path_diagram, render_mermaid

    out.write("\nVersion 1's path through the lifecycle, as a Mermaid diagram:\n")
    out.write(render_mermaid(path_diagram(v1)))
    return 0
