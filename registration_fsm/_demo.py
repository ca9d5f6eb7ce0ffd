"""The demo behind ``registration-fsm demo``: one registration through a full life, stored.

A :class:`~registration_fsm.service.RegistrationService` keeps the registration in a
SQLite file and calls the in-memory simulator of the service, which also plays the AWS side
(reviews, the denial, the approvals); the service learns what AWS did by reconciling. Halfway
the service object is thrown away and a new one opens the same file, as a restarted worker
would: nothing is lost. The journal, hash-chained, is printed and verified at the end.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

from .backends import DeniedReason, InMemoryBackend
from .clock import SteppingClock
from .registration import Registration
from .service import RegistrationService
from .store import SqliteStore, verify_journal

DEMO_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
DEMO_REGISTRATION_TYPE = "US_TEN_DLC_BRAND_REGISTRATION"


def run_demo(out: TextIO) -> int:
    """Version 1 is approved; version 2 is approved and archives 1; version 3 is denied."""
    clock = SteppingClock(DEMO_START, timedelta(minutes=7))
    backend = InMemoryBackend(clock)
    with tempfile.TemporaryDirectory(prefix="registration-fsm-demo-") as folder:
        path = os.path.join(folder, "registrations.db")
        return _story(out, clock, backend, path)


def _story(out: TextIO, clock: SteppingClock, backend: InMemoryBackend, path: str) -> int:
    store = SqliteStore(path, clock=clock)
    service = RegistrationService(store, backend, worker_id="worker-1", clock=clock)
    shown: dict[tuple[int, str], bool] = {}

    def show(registration: Registration, action: str, number: int | None = None) -> None:
        version = registration.latest if number is None else registration.version(number)
        key = (version.version_number, version.status.value)
        if shown.get(key):
            return
        shown[key] = True
        stamp = version.history[version.status] or version.history.latest
        out.write(
            f"  {stamp.isoformat()}  v{version.version_number}  "
            f"{version.status.value:<24} {action}\n"
        )

    def play(rid: str, trigger: str, **details: Any) -> Registration:
        backend.play_aws(rid, trigger, **details)
        registration = service.reconcile(rid)
        show(registration, f"{trigger} (aws; learnt by reconcile)")
        return registration

    registration = service.create(DEMO_REGISTRATION_TYPE)
    rid = registration.registration_id
    out.write(f"Registration {rid} ({DEMO_REGISTRATION_TYPE})\n")
    out.write(
        "Stored in a SQLite file by a RegistrationService; customer calls go to the in-memory\n"
        "simulator, which also plays the AWS side.\n\n"
    )
    show(registration, "created (customer: CreateRegistration)")
    service.submit(rid)
    show(service.get(rid), "submit (customer: SubmitRegistrationVersion)")
    play(rid, "begin_review")
    play(rid, "approve")
    service.create_version(rid)
    show(service.get(rid), "created (customer: CreateRegistrationVersion)")

    store.close()
    del service, store
    out.write("\n  -- the worker restarts: a new service object opens the same file --\n\n")
    store = SqliteStore(path, clock=clock)
    service = RegistrationService(store, backend, worker_id="worker-2", clock=clock)
    registration = service.get(rid)
    out.write(
        f"  found version {registration.latest.version_number} "
        f"{registration.latest.status.value}, as stored\n\n"
    )

    service.submit(rid)
    show(service.get(rid), "submit (customer: SubmitRegistrationVersion)")
    play(rid, "begin_review")
    registration = play(rid, "approve")
    show(registration, "archive (aws): version 2 was approved", number=1)
    service.create_version(rid)
    show(service.get(rid), "created (customer: CreateRegistrationVersion)")
    service.submit(rid, aws_review=True)
    show(service.get(rid), "submit with AwsReview (customer); AWS pre-reviews it")
    play(
        rid,
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

    journal = service.journal(rid)
    out.write("\nThe journal (every committed move, hash-chained):\n")
    for entry in journal:
        start = entry.from_status.value if entry.from_status is not None else "(new)"
        out.write(
            f"  {entry.sequence:>2}  v{entry.version_number}  {entry.trigger:<17} "
            f"{start:<13} -> {entry.to_status.value:<14} {entry.source.value:<9} "
            f"{entry.worker_id}  {entry.hash[:12]}\n"
        )
    verdict = verify_journal(journal, service.get(rid))
    out.write(f"verify_journal: {'the chain holds' if verdict.ok else verdict}\n")

    from .diagrams import path_diagram, render_mermaid

    out.write("\nVersion 1's path through the lifecycle, as a Mermaid diagram:\n")
    out.write(render_mermaid(path_diagram(service.get(rid).version(1))))
    store.close()
    return 0
