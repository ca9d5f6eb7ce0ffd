"""Drift between the library's statuses and AWS's model of the API, as botocore ships it.

AWS has grown the status enums before (REQUIRES_AUTHENTICATION, AWS_REVIEWING and
REQUIRES_OFFLINE_REVIEW all arrived after launch). The library refuses a status it does not
know, so the way to learn of a new one before production does is to compare the library with
the newest botocore model: ``registration-fsm check-drift`` does that.

The comparison reads the model as plain data (the ``service-2`` JSON), so it needs botocore
only to find the installed model; a model file can be given instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .errors import MalformedDataError, MissingDependencyError, UnreadableInputError
from .statuses import RegistrationStatus, VersionStatus

__all__ = ["DriftReport", "ShapeDrift", "check_drift", "load_service_model"]

SERVICE_NAME = "pinpoint-sms-voice-v2"

# What the library holds for each shape it mirrors: the values, the fields, and which fields
# StatusHistory.from_aws insists on.
_LIBRARY_HISTORY_KEYS = tuple(s.history_key for s in VersionStatus if s.history_key is not None)
_LIBRARY_REQUIRED_HISTORY_KEYS = tuple(
    key for key in (VersionStatus.DRAFT.history_key,) if key is not None
)


@attrs.frozen
class ShapeDrift:
    """One part of one shape compared: what only AWS has, and what only the library has."""

    shape: str
    part: str
    aws: tuple[str, ...]
    library: tuple[str, ...]

    @property
    def aws_only(self) -> tuple[str, ...]:
        """In AWS's model, missing from the library (in AWS's order)."""
        return tuple(v for v in self.aws if v not in self.library)

    @property
    def library_only(self) -> tuple[str, ...]:
        """In the library, missing from AWS's model (in the library's order)."""
        return tuple(v for v in self.library if v not in self.aws)

    @property
    def in_step(self) -> bool:
        """True when both hold the same set."""
        return not (self.aws_only or self.library_only)


@attrs.frozen
class DriftReport:
    """The comparison of the library with one model of ``pinpoint-sms-voice-v2``."""

    source: str
    api_version: str
    shapes: tuple[ShapeDrift, ...]

    @property
    def has_drift(self) -> bool:
        """True when any shape is out of step."""
        return not all(s.in_step for s in self.shapes)

    def lines(self) -> list[str]:
        """The report as text, one line per finding."""
        out = [f"Compared with {self.source} (API version {self.api_version})."]
        for item in self.shapes:
            name = f"{item.shape} {item.part}"
            if item.in_step:
                out.append(f"{name}: in step ({len(item.aws)})")
                continue
            if item.aws_only:
                out.append(f"{name}: AWS has, the library lacks: {', '.join(item.aws_only)}")
            if item.library_only:
                out.append(f"{name}: the library has, AWS lacks: {', '.join(item.library_only)}")
        if self.has_drift:
            out.append(
                "Drift: the library and AWS's model disagree; a newer registration_fsm may "
                "know these values."
            )
        else:
            out.append("No drift.")
        return out


def load_service_model(path: str | Path | None = None) -> tuple[dict[str, Any], str]:
    """The ``service-2`` model as data, with a description of where it came from.

    ``path`` names a model file (JSON, or gzipped JSON ending in ``.gz``); without it, the
    model botocore ships is used. Raises MissingDependencyError when botocore is needed and
    absent, MalformedDataError when the file is not a model.
    """
    if path is not None:
        from ._input import load_json

        where = Path(path)
        try:
            data = load_json(where, gzipped=where.name.endswith(".gz"))
        except UnreadableInputError as exc:
            raise MalformedDataError(
                f"cannot read the model: {exc.detail}", path=str(where)
            ) from None
        if not isinstance(data, dict):
            raise MalformedDataError(
                f"expected a JSON object, got {type(data).__name__}", path=str(where)
            )
        return data, str(where)
    try:
        botocore = importlib.import_module("botocore")
        loaders = importlib.import_module("botocore.loaders")
        exceptions = importlib.import_module("botocore.exceptions")
    except ImportError:
        raise MissingDependencyError(
            "botocore",
            "check-drift compares with botocore's model of the API; "
            "install it with: pip install 'registration-fsm[aws]'",
        ) from None
    try:
        data = loaders.create_loader().load_service_model(SERVICE_NAME, "service-2")
    except exceptions.DataNotFoundError:
        raise MissingDependencyError(
            f"botocore's model of {SERVICE_NAME}",
            f"botocore {botocore.__version__} does not ship it; upgrade botocore",
        ) from None
    return dict(data), f"botocore {botocore.__version__}"


def check_drift(
    model: Mapping[str, Any] | None = None,
    *,
    source: str | None = None,
    served: Iterable[str] | None = None,
) -> DriftReport:
    """Compare the library with ``model`` (default: the one botocore ships).

    Looks at the enums ``RegistrationVersionStatus`` and ``RegistrationStatus``, at the
    fields of ``RegistrationVersionStatusHistory``, required ones included, and at the
    model's operations named ``*Registration*`` against those the emulator serves
    (``served``, default: the emulator's own list).
    """
    if model is None:
        model, loaded_from = load_service_model()
        source = source or loaded_from
    shapes = model.get("shapes")
    if not isinstance(shapes, Mapping):
        raise MalformedDataError("the model has no shapes", path="shapes")
    metadata = model.get("metadata")
    api_version = metadata.get("apiVersion") if isinstance(metadata, Mapping) else None
    history = _shape(shapes, "RegistrationVersionStatusHistory", "structure")
    members = history.get("members")
    if not isinstance(members, Mapping):
        raise MalformedDataError(
            "expected members", path="shapes.RegistrationVersionStatusHistory.members"
        )
    required = history.get("required", [])
    if served is None:
        served = importlib.import_module(".emulator", __package__).AWS_OPERATIONS
    operations = model.get("operations")
    if not isinstance(operations, Mapping):
        raise MalformedDataError("the model has no operations", path="operations")
    return DriftReport(
        source=source or "the given model",
        api_version=str(api_version or "unknown"),
        shapes=(
            ShapeDrift(
                "RegistrationVersionStatus",
                "values",
                _enum(shapes, "RegistrationVersionStatus"),
                tuple(s.value for s in VersionStatus),
            ),
            ShapeDrift(
                "RegistrationStatus",
                "values",
                _enum(shapes, "RegistrationStatus"),
                tuple(s.value for s in RegistrationStatus),
            ),
            ShapeDrift(
                "RegistrationVersionStatusHistory",
                "fields",
                tuple(str(k) for k in members),
                _LIBRARY_HISTORY_KEYS,
            ),
            ShapeDrift(
                "RegistrationVersionStatusHistory",
                "required fields",
                tuple(str(k) for k in required) if isinstance(required, list) else (),
                _LIBRARY_REQUIRED_HISTORY_KEYS,
            ),
            ShapeDrift(
                "Registration operations",
                "served by the emulator",
                tuple(sorted(str(k) for k in operations if "Registration" in str(k))),
                tuple(sorted(served)),
            ),
        ),
    )


def _shape(shapes: Mapping[str, Any], name: str, kind: str) -> Mapping[str, Any]:
    shape = shapes.get(name)
    if not isinstance(shape, Mapping):
        raise MalformedDataError(f"the model has no shape {name}", path=f"shapes.{name}")
    if shape.get("type") != kind:
        raise MalformedDataError(
            f"expected a {kind}, got {shape.get('type')!r}", path=f"shapes.{name}.type"
        )
    return shape


def _enum(shapes: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = _shape(shapes, name, "string").get("enum")
    if not isinstance(values, list):
        raise MalformedDataError("expected an enum", path=f"shapes.{name}.enum")
    return tuple(str(v) for v in values)
