"""Operations AWS does not have, under ``RegistrationFsmEmulator.``: they drive the AWS side
and the simulator's faults from outside the process, and read its logs back."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ..backends.base import DeniedReason
from ..backends.memory import EventKnobs, FaultKind, InMemoryBackend
from ..errors import InvalidValueError
from ._operations import version_result
from ._wire import optional_list, registration_id, validation

FAULT_OPERATIONS: dict[str, str] = {
    "CreateRegistration": "create_registration",
    "CreateRegistrationAssociation": "create_association",
    "CreateRegistrationAttachment": "create_attachment",
    "DeleteRegistration": "delete_registration",
    "DeleteRegistrationAttachment": "delete_attachment",
    "DeleteRegistrationFieldValue": "delete_field_value",
    "DescribeRegistrationAttachments": "describe_attachments",
    "DescribeRegistrationFieldDefinitions": "describe_field_definitions",
    "DescribeRegistrationFieldValues": "describe_field_values",
    "DescribeRegistrationSectionDefinitions": "describe_section_definitions",
    "DescribeRegistrationTypeDefinitions": "describe_type_definitions",
    "ListRegistrationAssociations": "list_associations",
    "PutRegistrationFieldValue": "put_field_value",
    "CreateRegistrationVersion": "create_version",
    "DescribeRegistrationVersions": "describe_versions",
    "DescribeRegistrations": "describe_registrations",
    "DiscardRegistrationVersion": "discard",
    "SubmitRegistrationVersion": "submit",
}
"""The operations a fault can be aimed at over HTTP, each with the simulator's name for it:
only names that a request to the emulator can fire (``describe_registration`` never does)."""


def play_aws(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = registration_id(body)
    trigger = body.get("Trigger")
    if not isinstance(trigger, str):
        raise validation("Trigger", "must not be null: one of the lifecycle's AWS triggers")
    reasons = []
    for item in optional_list(body, "DeniedReasons", 100) or ():
        try:
            reasons.append(DeniedReason.from_aws(item))
        except InvalidValueError as exc:
            raise validation("DeniedReasons", str(exc)) from None
    info = backend.play_aws(
        rid,
        trigger,
        version_number=body.get("VersionNumber"),
        denied_reasons=reasons,
        feedback=body.get("Feedback"),
    )
    return version_result(info, verdict=True)


def inject_fault(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    kind_name = body.get("Kind")
    kind = FaultKind.__members__.get(kind_name) if isinstance(kind_name, str) else None
    if kind is None:
        raise validation("Kind", f"must be one of {', '.join(k.name for k in FaultKind)}")
    operation = body.get("Operation")
    if operation is not None:
        if not isinstance(operation, str) or operation not in FAULT_OPERATIONS:
            raise validation(
                "Operation",
                f"must be one of {', '.join(sorted(FAULT_OPERATIONS))}, or left out for any",
            )
        operation = FAULT_OPERATIONS[operation]
    backend.inject(kind, operation=operation, count=body.get("Count", 1))
    return {"PendingFaults": len(backend.pending_faults)}


def clear_faults(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    backend.clear_faults()
    return {"PendingFaults": 0}


def clear_logs(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    backend.clear_logs()
    return {"Calls": [], "Applied": []}


def get_logs(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    """The simulator's :attr:`~InMemoryBackend.calls`, :attr:`~InMemoryBackend.applied` and
    :attr:`~InMemoryBackend.pending_faults`, with the simulator's operation names."""
    calls = [
        {"Operation": operation} | ({"RegistrationId": rid} if rid is not None else {})
        for operation, rid in backend.calls
    ]
    applied = [
        {"Action": action, "RegistrationId": rid, "VersionNumber": number}
        for action, rid, number in backend.applied
    ]
    faults = [
        {"Kind": kind.name, "Count": count} | ({"Operation": op} if op is not None else {})
        for kind, op, count in backend.pending_faults
    ]
    return {"Calls": calls, "Applied": applied, "PendingFaults": faults}


def _knobs_from_wire(body: Mapping[str, Any]) -> dict[str, Any]:
    """The knob changes an emulator request asks for (its keys as the control API names them)."""
    names = {
        "DropRate": "drop_rate",
        "DuplicateRate": "duplicate_rate",
        "ReorderRate": "reorder_rate",
        "HoldBack": "hold_back",
        "Seed": "seed",
        "PreviousStatus": "previous_status",
    }
    unknown = sorted(set(body) - set(names) - {"DelaySeconds"})
    if unknown:
        raise InvalidValueError(
            f"unknown event knob {unknown[0]!r}; known: {', '.join(sorted(names))}, DelaySeconds"
        )
    changes = {names[k]: v for k, v in body.items() if k in names}
    if "DelaySeconds" in body:
        seconds = body["DelaySeconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise InvalidValueError(f"invalid DelaySeconds {seconds!r}: a number >= 0")
        if not (math.isfinite(seconds) and 0 <= seconds <= 10**9):
            raise InvalidValueError(f"invalid DelaySeconds {seconds!r}: a number >= 0")
        changes["delay"] = timedelta(seconds=seconds)
    if "previous_status" in changes and not isinstance(changes["previous_status"], bool):
        raise InvalidValueError("PreviousStatus must be a boolean")
    return changes


def _knobs_result(knobs: EventKnobs) -> dict[str, Any]:
    return {
        "DropRate": knobs.drop_rate,
        "DuplicateRate": knobs.duplicate_rate,
        "ReorderRate": knobs.reorder_rate,
        "HoldBack": knobs.hold_back,
        "DelaySeconds": knobs.delay.total_seconds(),
        "Seed": knobs.seed,
        "PreviousStatus": knobs.previous_status,
    }


def configure_events(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    """Change the knobs named in the body (DropRate, DuplicateRate, ReorderRate, HoldBack,
    DelaySeconds, Seed, PreviousStatus); ``Reset: true`` starts from the defaults."""
    reset = body.get("Reset", False)
    if not isinstance(reset, bool):
        raise validation("Reset", "must be a boolean")
    changes = {k: v for k, v in body.items() if k != "Reset"}
    try:
        knobs = backend.configure_events(
            EventKnobs() if reset else None, **_knobs_from_wire(changes)
        )
    except InvalidValueError as exc:
        raise validation("Knobs", str(exc)) from None
    return {"Knobs": _knobs_result(knobs)}


def drain_events(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    """The EventBridge events delivered since the last drain (``Flush: true`` releases the
    held ones too), the number still held and the counts since the start."""
    flush = body.get("Flush", False)
    if not isinstance(flush, bool):
        raise validation("Flush", "must be a boolean")
    events = backend.drain_events(flush=flush)
    return {
        "Events": list(events),
        "Pending": backend.pending_events,
        "Stats": backend.event_stats,
    }
