"""Events: AWS's ``Registration Status Change`` from EventBridge, and the library's own moves.

AWS publishes a registration's status changes to EventBridge (source ``aws.sms-voice``,
detail-type ``Registration Status Change``) on a best-effort basis: an event can be lost,
repeated or late, and it carries the registration's status, not the version's. So an event is
a hint to reconcile, never the truth; :func:`parse_registration_event` only makes sure it is
the event it claims to be, and names what is wrong when it is not.

A :class:`TransitionEvent` is the other direction: one move the library committed, as a
listener receives it (defined in :mod:`registration_fsm.moves`, with the model).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

import attrs

from .errors import MalformedEventError, RegistrationFsmError
from .history import EARLIEST, LATEST, parse_timestamp
from .moves import TRANSITION_SOURCES, TransitionEvent, TransitionSource
from .statuses import RegistrationStatus, VersionStatus
from .values import (
    validate_registration_arn,
    validate_registration_id,
    validate_registration_type,
    validate_version_number,
)

__all__ = [
    "DETAIL_TYPE",
    "EVENT_SOURCE",
    "EventSink",
    "RegistrationStatusEvent",
    "TRANSITION_SOURCES",
    "TransitionEvent",
    "TransitionSource",
    "parse_registration_event",
]

EVENT_SOURCE = "aws.sms-voice"
"""The EventBridge ``source`` of AWS's registration events."""
DETAIL_TYPE = "Registration Status Change"
"""The EventBridge ``detail-type`` of AWS's registration events."""

_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_MS_MIN = int((EARLIEST - _EPOCH) / timedelta(milliseconds=1))
_MS_MAX = int((LATEST - _EPOCH) / timedelta(milliseconds=1))
_ACCOUNT = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-z0-9-]{1,32}")
_EVENT_ID_MAX = 256
_DETAILS = "detail.registrationDetails"
_T = TypeVar("_T")


class EventSink(Protocol):
    """Anything that takes a parsed-later EventBridge event (a RegistrationService does)."""

    def handle_event(self, event: Mapping[str, object]) -> object: ...


def _bad(path: str, value: object, reason: str) -> MalformedEventError:
    return MalformedEventError(path, value, reason)


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(path, value, f"expected an object, got {type(value).__name__}")
    return value


def _get(data: Mapping[str, Any], key: str, path: str) -> Any:
    where = f"{path}.{key}" if path else key
    try:
        value = data[key]
    except KeyError:
        raise _bad(where, None, "missing") from None
    if value is None:
        raise _bad(where, None, "missing (null)")
    return value


def _text(data: Mapping[str, Any], key: str, path: str = "") -> str:
    value = _get(data, key, path)
    if not isinstance(value, str):
        where = f"{path}.{key}" if path else key
        raise _bad(where, value, f"expected a string, got {type(value).__name__}")
    return value


def _checked(value: object, path: str, check: Callable[[Any], _T]) -> _T:
    """``check(value)``, with a refusal re-raised as a MalformedEventError at ``path``."""
    try:
        return check(value)
    except RegistrationFsmError as exc:
        raise _bad(path, value, str(exc)) from None


def _millis(value: object, path: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(path, value, "expected epoch milliseconds as an integer")
    if not _MS_MIN <= value < _MS_MAX:
        raise _bad(
            path, value, "epoch milliseconds outside 2000 to 2100 (seconds given for millis?)"
        )
    return _EPOCH + timedelta(milliseconds=value)


def _status(value: object, path: str) -> RegistrationStatus:
    known = RegistrationStatus.__members__
    if isinstance(value, str) and value in VersionStatus.__members__ and value not in known:
        raise _bad(path, value, "a version status; registration events carry registration ones")
    return _checked(value, path, RegistrationStatus.parse)


def _to_ms(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(milliseconds=1)


def _iso_seconds(value: datetime) -> str:
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.frozen
class RegistrationStatusEvent:
    """One ``Registration Status Change`` event, checked field by field.

    ``time`` is EventBridge's envelope time (seconds); ``changed_at`` is AWS's
    ``registrationStatusChangeTimestamp`` (milliseconds), both aware UTC datetimes.
    ``previous_status`` is None unless the event carries ``previousStatus`` (the documented
    example does not). Fields AWS may add are ignored rather than refused.
    """

    event_id: str
    time: datetime
    account: str
    region: str
    registration_id: str
    registration_arn: str
    registration_type: str
    version_number: int
    changed_at: datetime
    current_status: RegistrationStatus
    previous_status: RegistrationStatus | None = None
    resources: tuple[str, ...] = ()

    def to_eventbridge(self) -> dict[str, Any]:
        """The event in EventBridge's envelope, as AWS sends it; parsing it gives ``self``."""
        details: dict[str, Any] = {
            "registrationId": self.registration_id,
            "registrationVersionNumber": self.version_number,
            "registrationType": self.registration_type,
            "registrationStatusChangeTimestamp": _to_ms(self.changed_at),
            "currentStatus": self.current_status.value,
        }
        if self.previous_status is not None:
            details["previousStatus"] = self.previous_status.value
        return {
            "version": "0",
            "id": self.event_id,
            "detail-type": DETAIL_TYPE,
            "source": EVENT_SOURCE,
            "account": self.account,
            "time": _iso_seconds(self.time),
            "region": self.region,
            "resources": list(self.resources),
            "detail": {"registrationDetails": details, "registrationArn": self.registration_arn},
        }


def _envelope_checks(event: Mapping[str, Any]) -> None:
    source = _text(event, "source")
    if source != EVENT_SOURCE:
        raise _bad("source", source, f"expected {EVENT_SOURCE!r}")
    detail_type = _text(event, "detail-type")
    if detail_type != DETAIL_TYPE:
        raise _bad("detail-type", detail_type, f"expected {DETAIL_TYPE!r}")
    version = event.get("version")
    if version is not None and not isinstance(version, str):
        raise _bad("version", version, "expected a string")


def _resources(event: Mapping[str, Any]) -> tuple[str, ...]:
    value = event.get("resources", [])
    if not isinstance(value, list):
        raise _bad("resources", value, f"expected a list, got {type(value).__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise _bad(f"resources[{i}]", item, "expected a string")
    return tuple(value)


def parse_registration_event(event: object) -> RegistrationStatusEvent:
    """Check ``event`` is AWS's ``Registration Status Change`` and return it as a value.

    ``event`` is the EventBridge event as a mapping (what Lambda hands a handler, or
    ``json.loads`` of an SQS body). Anything else raises
    :class:`~registration_fsm.errors.MalformedEventError`, whose ``path`` names the part at
    fault: another source or detail-type, a field missing or of the wrong type, an unknown
    status, a timestamp outside 2000-2100, an id or ARN the API would refuse, or an ARN that
    names another registration, account or region than the event.
    """
    data = _mapping(event, "event")
    _envelope_checks(data)
    event_id = _text(data, "id")
    if not 1 <= len(event_id) <= _EVENT_ID_MAX or not event_id.isprintable():
        raise _bad("id", event_id, "1 to 256 printable characters")
    account = _text(data, "account")
    if _ACCOUNT.fullmatch(account) is None:
        raise _bad("account", account, "expected 12 digits")
    region = _text(data, "region")
    if _REGION.fullmatch(region) is None:
        raise _bad("region", region, "expected a region name such as us-east-1")
    time = _checked(_text(data, "time"), "time", lambda v: parse_timestamp(v, field="time"))
    resources = _resources(data)
    detail = _mapping(_get(data, "detail", ""), "detail")
    details = _mapping(_get(detail, "registrationDetails", "detail"), _DETAILS)
    rid = _checked(
        _get(details, "registrationId", _DETAILS),
        f"{_DETAILS}.registrationId",
        validate_registration_id,
    )
    arn = _checked(
        _get(detail, "registrationArn", "detail"),
        "detail.registrationArn",
        validate_registration_arn,
    )
    arn_region, arn_account, arn_id = _arn_parts(arn)
    if arn_id != rid:
        raise _bad("detail.registrationArn", arn, f"names another registration than {rid}")
    if (arn_region, arn_account) != (region, account):
        raise _bad("detail.registrationArn", arn, f"is not in the event's {region} / {account}")
    previous = details.get("previousStatus", detail.get("previousStatus"))
    return RegistrationStatusEvent(
        event_id=event_id,
        time=time.astimezone(_UTC),
        account=account,
        region=region,
        registration_id=rid,
        registration_arn=arn,
        registration_type=_checked(
            _get(details, "registrationType", _DETAILS),
            f"{_DETAILS}.registrationType",
            validate_registration_type,
        ),
        version_number=_checked(
            _get(details, "registrationVersionNumber", _DETAILS),
            f"{_DETAILS}.registrationVersionNumber",
            validate_version_number,
        ),
        changed_at=_millis(
            _get(details, "registrationStatusChangeTimestamp", _DETAILS),
            f"{_DETAILS}.registrationStatusChangeTimestamp",
        ),
        current_status=_status(
            _get(details, "currentStatus", _DETAILS), f"{_DETAILS}.currentStatus"
        ),
        previous_status=None
        if previous is None
        else _status(previous, f"{_DETAILS}.previousStatus"),
        resources=resources,
    )


def _arn_parts(arn: str) -> tuple[str, str, str]:
    parts = arn.split(":", 5)
    return parts[3], parts[4], parts[5].split("/", 1)[1]
