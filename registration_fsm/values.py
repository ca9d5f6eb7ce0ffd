"""The values the service returns, and the checks of the identifiers they carry.

A backend parses AWS's shapes into these; a version adopts them. They sit below both, in the
model, so that neither imports the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from .errors import (
    InvalidRegistrationId,
    InvalidValueError,
    InvalidVersionNumber,
    MalformedDataError,
)
from .history import StatusHistory, parse_timestamp
from .statuses import RegistrationStatus, VersionStatus

__all__ = [
    "DeniedReason",
    "MAX_VERSION_NUMBER",
    "RegistrationInfo",
    "VersionInfo",
    "validate_registration_arn",
    "validate_registration_id",
    "validate_registration_type",
    "validate_version_number",
]

MAX_VERSION_NUMBER = 100_000
_ID_PATTERN = re.compile(r"[A-Za-z0-9_:/-]+")
_ID_FULLMATCH = _ID_PATTERN.fullmatch
_ID_MAX = 256
_TYPE_MAX = 64
_TYPE_FULLMATCH = re.compile(r"[A-Za-z0-9_]+").fullmatch


def validate_registration_id(value: object) -> str:
    """Return ``value`` if the API would accept it as a RegistrationId (an ARN included)."""
    if value.__class__ is str and value in _VALID_IDS:
        return value
    if not isinstance(value, str):
        raise InvalidRegistrationId(value, f"expected a string, got {type(value).__name__}")
    if not value:
        raise InvalidRegistrationId(value, "empty; it takes 1 to 256 characters")
    if len(value) > _ID_MAX:
        raise InvalidRegistrationId(value, f"{len(value)} characters; at most 256")
    if _ID_PATTERN.fullmatch(value) is None:
        bad = next(c for c in value if _ID_PATTERN.fullmatch(c) is None)
        raise InvalidRegistrationId(
            value,
            f"character {bad!r} is not allowed; use letters, digits and _ : / -",
        )
    if value.__class__ is str:
        # An id is checked at every layer it passes (service, flow, store): the ids already
        # found valid are remembered, a few thousand at most.
        if len(_VALID_IDS) >= _VALID_IDS_KEPT:
            _VALID_IDS.clear()
        _VALID_IDS.add(value)
    return value


_VALID_IDS: set[str] = set()
_VALID_IDS_KEPT = 4096


_ARN_PATTERN = re.compile(
    r"arn:aws(?:-[a-z]+)*:sms-voice:[a-z0-9-]{1,32}:[0-9]{12}:registration/[A-Za-z0-9_:/-]{1,256}"
)


def validate_registration_arn(value: object) -> str:
    """Return ``value`` if it is an sms-voice registration ARN, as AWS writes them.

    ``arn:<partition>:sms-voice:<region>:<account>:registration/<id>``; anything else (another
    service's ARN, a phone number's, a typo) cannot be the registration's, so it is refused.
    """
    if not isinstance(value, str):
        raise MalformedDataError(
            f"a registration ARN must be a string, got {type(value).__name__}",
            path="RegistrationArn",
            value=value,
        )
    if _ARN_PATTERN.fullmatch(value) is None:
        raise MalformedDataError(
            f"{value[:300]!r} is not an sms-voice registration ARN "
            "(arn:aws:sms-voice:<region>:<account>:registration/<id>)",
            path="RegistrationArn",
            value=value,
        )
    return value


def validate_registration_type(value: object) -> str:
    """Return ``value`` if the API accepts it as a RegistrationType (``[A-Za-z0-9_]{1,64}``)."""
    if not isinstance(value, str):
        raise InvalidValueError(
            f"invalid registration type {value!r}: expected a string, got {type(value).__name__}"
        )
    if not 1 <= len(value) <= _TYPE_MAX or _TYPE_FULLMATCH(value) is None:
        raise InvalidValueError(
            f"invalid registration type {value!r}: 1 to 64 letters, digits or _ "
            "(for example US_TEN_DLC_BRAND_REGISTRATION)"
        )
    return value


def validate_version_number(value: object) -> int:
    """Return ``value`` if it is a version number AWS can hold (1 to 100000)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidVersionNumber(value)
    if not 1 <= value <= MAX_VERSION_NUMBER:
        raise InvalidVersionNumber(value)
    return value


def _mapping(data: object, path: str) -> Mapping[str, Any]:
    if type(data) is not dict and not isinstance(data, Mapping):
        raise MalformedDataError(
            f"expected an object, got {type(data).__name__}", path=path, value=data
        )
    return data


def _required(data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data or data[key] is None:
        raise MalformedDataError(f"missing key {key!r}", path=f"{path}.{key}" if path else key)
    return data[key]


def _optional_str(data: Mapping[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedDataError(
            f"expected a string, got {type(value).__name__}", path=f"{path}.{key}", value=value
        )
    return value


def _str(data: Mapping[str, Any], key: str, path: str) -> str:
    value = _required(data, key, path)
    if not isinstance(value, str):
        raise MalformedDataError(
            f"expected a string, got {type(value).__name__}", path=f"{path}.{key}", value=value
        )
    return value


def _optional_version_number(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return None if value is None else validate_version_number(value)


@attrs.frozen
class DeniedReason:
    """Why a version was denied (AWS's RegistrationDeniedReasonInformation)."""

    reason: str
    short_description: str
    long_description: str | None = None
    documentation_title: str | None = None
    documentation_link: str | None = None

    @classmethod
    def from_aws(cls, data: object) -> DeniedReason:
        """Parse one item of ``DeniedReasons``."""
        path = "DeniedReasons[]"
        item = _mapping(data, path)
        return cls(
            reason=_str(item, "Reason", path),
            short_description=_str(item, "ShortDescription", path),
            long_description=_optional_str(item, "LongDescription", path),
            documentation_title=_optional_str(item, "DocumentationTitle", path),
            documentation_link=_optional_str(item, "DocumentationLink", path),
        )

    def to_aws(self) -> dict[str, str]:
        """The reason in AWS's shape, only the keys that are set."""
        out = {"Reason": self.reason, "ShortDescription": self.short_description}
        for key, value in (
            ("LongDescription", self.long_description),
            ("DocumentationTitle", self.documentation_title),
            ("DocumentationLink", self.documentation_link),
        ):
            if value is not None:
                out[key] = value
        return out


@attrs.frozen
class VersionInfo:
    """The service's view of one registration version.

    Parsed from a Submit, Discard or CreateRegistrationVersion result, or from one item of
    DescribeRegistrationVersions (which lacks the registration's id and ARN: pass them).
    """

    registration_id: str
    version_number: int
    status: VersionStatus
    history: StatusHistory
    registration_arn: str | None = None
    denied_reasons: tuple[DeniedReason, ...] = ()
    feedback: str | None = None
    aws_review: bool | None = None

    @classmethod
    def from_aws(
        cls,
        data: object,
        *,
        registration_id: str | None = None,
        registration_arn: str | None = None,
    ) -> VersionInfo:
        """Parse an AWS response; unknown fields are ignored, malformed ones raise."""
        return cls._parse(data, registration_id, registration_arn, StatusHistory.from_aws)

    @classmethod
    def _parse(
        cls,
        data: object,
        registration_id: str | None,
        registration_arn: str | None,
        history: Callable[[object], StatusHistory],
    ) -> VersionInfo:
        """:meth:`from_aws` with the history read by ``history``, which must return what
        ``StatusHistory.from_aws`` would (a reconcile passes one that reuses a local value)."""
        item = _mapping(data, "RegistrationVersion")
        rid = item.get("RegistrationId", registration_id)
        if rid is None:
            raise MalformedDataError(
                "no RegistrationId in the data; pass registration_id=", path="RegistrationId"
            )
        arn = item.get("RegistrationArn", registration_arn)
        if arn is not None:
            validate_registration_arn(arn)
        reasons = item.get("DeniedReasons") or ()
        if type(reasons) is not tuple and (
            not isinstance(reasons, Sequence) or isinstance(reasons, (str, bytes))
        ):
            raise MalformedDataError("expected a list", path="DeniedReasons", value=reasons)
        aws_review = item.get("AwsReview")
        if aws_review is not None and not isinstance(aws_review, bool):
            raise MalformedDataError("expected a boolean", path="AwsReview", value=aws_review)
        return cls(
            registration_id=validate_registration_id(rid),
            version_number=validate_version_number(_required(item, "VersionNumber", "")),
            status=VersionStatus.parse(_required(item, "RegistrationVersionStatus", "")),
            history=history(_required(item, "RegistrationVersionStatusHistory", "")),
            registration_arn=arn,
            denied_reasons=tuple(DeniedReason.from_aws(r) for r in reasons),
            feedback=_optional_str(item, "Feedback", "RegistrationVersion"),
            aws_review=aws_review,
        )

    def to_aws(self) -> dict[str, Any]:
        """The version as an item of DescribeRegistrationVersions' RegistrationVersions."""
        out: dict[str, Any] = {
            "VersionNumber": self.version_number,
            "RegistrationVersionStatus": self.status.value,
            "RegistrationVersionStatusHistory": self.history.to_aws(),
        }
        if self.denied_reasons:
            out["DeniedReasons"] = [r.to_aws() for r in self.denied_reasons]
        if self.feedback is not None:
            out["Feedback"] = self.feedback
        return out


@attrs.frozen
class RegistrationInfo:
    """The service's view of a registration (AWS's RegistrationInformation)."""

    registration_id: str
    registration_arn: str
    registration_type: str
    status: RegistrationStatus
    current_version_number: int
    created: datetime
    approved_version_number: int | None = None
    latest_denied_version_number: int | None = None
    additional_attributes: Mapping[str, str] = attrs.field(factory=dict)
    tags: Mapping[str, str] = attrs.field(factory=dict)
    """The registration's tags (AWS's ``Tags`` list of Key/Value pairs, as a mapping)."""

    @classmethod
    def from_aws(cls, data: object) -> RegistrationInfo:
        """Parse a CreateRegistration result or an item of DescribeRegistrations."""
        path = "RegistrationInformation"
        item = _mapping(data, path)
        attributes = item.get("AdditionalAttributes") or {}
        _mapping(attributes, f"{path}.AdditionalAttributes")
        tags = item.get("Tags") or ()
        if not isinstance(tags, Sequence) or isinstance(tags, (str, bytes)):
            raise MalformedDataError("expected a list", path=f"{path}.Tags", value=tags)
        tag_map = {
            _str(_mapping(tag, f"{path}.Tags[]"), "Key", f"{path}.Tags[]"): _str(
                tag, "Value", f"{path}.Tags[]"
            )
            for tag in tags
        }
        return cls(
            registration_id=validate_registration_id(_str(item, "RegistrationId", path)),
            registration_arn=validate_registration_arn(_str(item, "RegistrationArn", path)),
            registration_type=validate_registration_type(_str(item, "RegistrationType", path)),
            status=RegistrationStatus.parse(_required(item, "RegistrationStatus", path)),
            current_version_number=validate_version_number(
                _required(item, "CurrentVersionNumber", path)
            ),
            created=parse_timestamp(
                _required(item, "CreatedTimestamp", path), field="CreatedTimestamp"
            ),
            approved_version_number=_optional_version_number(item, "ApprovedVersionNumber"),
            latest_denied_version_number=_optional_version_number(
                item, "LatestDeniedVersionNumber"
            ),
            additional_attributes=dict(attributes),
            tags=tag_map,
        )

    def to_aws(self) -> dict[str, Any]:
        """The registration in AWS's RegistrationInformation shape."""
        out: dict[str, Any] = {
            "RegistrationArn": self.registration_arn,
            "RegistrationId": self.registration_id,
            "RegistrationType": self.registration_type,
            "RegistrationStatus": self.status.value,
            "CurrentVersionNumber": self.current_version_number,
            "CreatedTimestamp": self.created,
        }
        if self.approved_version_number is not None:
            out["ApprovedVersionNumber"] = self.approved_version_number
        if self.latest_denied_version_number is not None:
            out["LatestDeniedVersionNumber"] = self.latest_denied_version_number
        if self.additional_attributes:
            out["AdditionalAttributes"] = dict(self.additional_attributes)
        if self.tags:
            out["Tags"] = [{"Key": k, "Value": v} for k, v in self.tags.items()]
        return out
