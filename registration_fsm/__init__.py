"""registration_fsm: the lifecycle of AWS SMS registration versions as a typed state machine.

AWS End User Messaging SMS (``pinpoint-sms-voice-v2``) moves each registration version
through statuses such as DRAFT, SUBMITTED, REVIEWING and APPROVED. This package encodes every
allowed move once, validates it when imported, and applies it fast and atomically.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .clock import Clock, SteppingClock, utc_now
from .errors import (
    AccessDeniedError,
    AuditInputError,
    AwsReviewNotApplied,
    BackendError,
    ConcurrentUpdateError,
    ConflictError,
    GraphvizError,
    IllegalRemoteTransition,
    IntentLostError,
    InternalServerError,
    InvalidDefinition,
    InvalidHistory,
    InvalidRegistrationId,
    InvalidTimestamp,
    InvalidTransition,
    InvalidValueError,
    InvalidVersionNumber,
    JournalDerivationError,
    MalformedDataError,
    MalformedEventError,
    MissingDependencyError,
    OperationInProgress,
    RegistrationFsmError,
    RegistrationNotStored,
    RegistrationRuleError,
    ResourceNotFoundError,
    SchemaVersionError,
    ServiceQuotaExceededError,
    ServiceUnavailableError,
    StampOrderError,
    StoreError,
    ThrottlingError,
    UnexpectedAnswerError,
    UnknownHistoryKey,
    UnknownStatusError,
    UnknownTriggerError,
    UnknownVersionError,
    UnreadableInputError,
    UnsafeHostError,
    UnsupportedStoreUrl,
    ValidationError,
)
from .history import StatusHistory, parse_timestamp
from .lifecycle import DEFINITION, LIFECYCLE, Edge, Initiator, Lifecycle, Provenance
from .rules import can_create_version, derive_registration_status
from .statuses import RegistrationStatus, VersionStatus
from .version import (
    SNAPSHOT_SCHEMA,
    SNAPSHOT_SCHEMA_VERSION,
    RegistrationVersion,
    validate_registration_id,
    validate_version_number,
)

if TYPE_CHECKING:
    from .audit import AuditReport, Finding, FindingKind, audit_data, audit_files, audit_json
    from .backends import AsyncAwsBackend, AwsBackend, FaultKind, InMemoryBackend
    from .diagrams import (
        Diagram,
        DiagramEdge,
        DiagramNode,
        PathStep,
        VersionPath,
        lifecycle_diagram,
        path_diagram,
        render_dot,
        render_mermaid,
        render_svg,
    )
    from .drift import DriftReport, ShapeDrift, check_drift, load_service_model
    from .evidence import Problem, ProblemKind, Proof, judge, judge_new
    from .reconcile import Anomaly, AnomalyKind, ReconcileReport, VersionChange
    from .registration import Registration

    __version__: str

__all__ = [
    "AccessDeniedError",
    "Anomaly",
    "AnomalyKind",
    "AsyncAwsBackend",
    "AuditInputError",
    "AuditReport",
    "AwsBackend",
    "AwsReviewNotApplied",
    "BackendError",
    "Clock",
    "ConcurrentUpdateError",
    "ConflictError",
    "DEFINITION",
    "Diagram",
    "DiagramEdge",
    "DiagramNode",
    "DriftReport",
    "Edge",
    "FaultKind",
    "Finding",
    "FindingKind",
    "GraphvizError",
    "IllegalRemoteTransition",
    "InMemoryBackend",
    "Initiator",
    "IntentLostError",
    "InternalServerError",
    "InvalidDefinition",
    "InvalidHistory",
    "InvalidRegistrationId",
    "InvalidTimestamp",
    "InvalidTransition",
    "InvalidValueError",
    "InvalidVersionNumber",
    "JournalDerivationError",
    "LIFECYCLE",
    "Lifecycle",
    "MalformedDataError",
    "MalformedEventError",
    "MissingDependencyError",
    "OperationInProgress",
    "PathStep",
    "Problem",
    "ProblemKind",
    "Proof",
    "Provenance",
    "ReconcileReport",
    "Registration",
    "RegistrationFsmError",
    "RegistrationNotStored",
    "RegistrationRuleError",
    "RegistrationStatus",
    "RegistrationVersion",
    "ResourceNotFoundError",
    "SNAPSHOT_SCHEMA",
    "SNAPSHOT_SCHEMA_VERSION",
    "SchemaVersionError",
    "ServiceQuotaExceededError",
    "ServiceUnavailableError",
    "ShapeDrift",
    "StampOrderError",
    "StatusHistory",
    "SteppingClock",
    "StoreError",
    "ThrottlingError",
    "UnexpectedAnswerError",
    "UnknownHistoryKey",
    "UnknownStatusError",
    "UnknownTriggerError",
    "UnknownVersionError",
    "UnreadableInputError",
    "UnsafeHostError",
    "UnsupportedStoreUrl",
    "ValidationError",
    "VersionChange",
    "VersionPath",
    "VersionStatus",
    "audit_data",
    "audit_files",
    "audit_json",
    "can_create_version",
    "check_drift",
    "derive_registration_status",
    "judge",
    "judge_new",
    "lifecycle_diagram",
    "load_service_model",
    "parse_timestamp",
    "path_diagram",
    "render_dot",
    "render_mermaid",
    "render_svg",
    "utc_now",
    "validate_registration_id",
    "validate_version_number",
]


# Everything beyond the lifecycle core is loaded on first use: most users of the lifecycle never
# touch the backends, the diagrams, the drift check or the audit, and import time is benchmarked.
_LAZY = {
    **dict.fromkeys(("AsyncAwsBackend", "AwsBackend", "FaultKind", "InMemoryBackend"), "backends"),
    **dict.fromkeys(
        (
            "Diagram",
            "DiagramEdge",
            "DiagramNode",
            "PathStep",
            "VersionPath",
            "lifecycle_diagram",
            "path_diagram",
            "render_dot",
            "render_mermaid",
            "render_svg",
        ),
        "diagrams",
    ),
    **dict.fromkeys(("DriftReport", "ShapeDrift", "check_drift", "load_service_model"), "drift"),
    **dict.fromkeys(("Anomaly", "AnomalyKind", "ReconcileReport", "VersionChange"), "reconcile"),
    **dict.fromkeys(
        ("AuditReport", "Finding", "FindingKind", "audit_data", "audit_files", "audit_json"),
        "audit",
    ),
    **dict.fromkeys(("Problem", "ProblemKind", "Proof", "judge", "judge_new"), "evidence"),
    "Registration": "registration",
}


def __getattr__(name: str) -> object:
    # Read lazily: importlib.metadata alone costs more than the rest of the package's import.
    if name == "__version__":
        from importlib.metadata import version

        return version("registration-fsm")
    module = _LAZY.get(name)
    if module is not None:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
