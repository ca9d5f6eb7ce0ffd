"""Hypothesis strategies for statuses, triggers, histories, versions and AWS responses.

Everything here is generated from the lifecycle definition, so the strategies follow it when
it changes. Install the ``testing`` extra (hypothesis) to use them.

Three families:

- valid values: statuses, triggers, legal trigger sequences, versions and their histories,
  registrations (:class:`~registration_fsm.Registration` objects) and their describe pages;
- AWS-shaped response dicts (Submit, Discard and CreateRegistrationVersion results,
  DescribeRegistrationVersions pages, CreateRegistration and DescribeRegistrations results),
  valid per the botocore model of ``pinpoint-sms-voice-v2``, with datetimes as boto3 returns;
- deliberately invalid data for negative tests: illegal paths and corrupted histories, each
  labelled with what is wrong (:class:`IllegalPath`, :class:`Corruption`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
from hypothesis import strategies as st

from ..errors import InvalidValueError
from ..history import StatusHistory
from ..lifecycle import LIFECYCLE, Initiator, Lifecycle
from ..registration import Registration
from ..statuses import RegistrationStatus, VersionStatus
from ..version import RegistrationVersion

__all__ = [
    "Corruption",
    "CorruptionKind",
    "IllegalPath",
    "REGISTRATION_ACTIONS",
    "REGISTRATION_TYPES",
    "aware_datetimes",
    "aws_registration_ids",
    "corrupted_version_items",
    "corrupted_version_pages",
    "create_registration_results",
    "create_version_results",
    "denied_reasons",
    "describe_pages",
    "describe_registrations_results",
    "describe_versions_pages",
    "discard_version_results",
    "illegal_trigger_sequences",
    "registration_events",
    "registration_ids",
    "registration_information",
    "registration_moves",
    "registration_statuses",
    "registrations",
    "submit_version_results",
    "trigger_names",
    "trigger_sequences",
    "unknown_status_strings",
    "valid_histories",
    "version_items",
    "version_numbers",
    "version_statuses",
    "versions",
]

_MIN = datetime(2020, 1, 1, tzinfo=timezone.utc)
_MAX = datetime(2035, 12, 31, tzinfo=timezone.utc)


def version_statuses(*, core_only: bool = False) -> st.SearchStrategy[VersionStatus]:
    """Any version status (only the nine original ones with ``core_only``)."""
    return st.sampled_from([s for s in VersionStatus if s.is_core or not core_only])


def registration_statuses() -> st.SearchStrategy[RegistrationStatus]:
    """Any registration status."""
    return st.sampled_from(list(RegistrationStatus))


def trigger_names(lifecycle: Lifecycle = LIFECYCLE) -> st.SearchStrategy[str]:
    """Any trigger of the lifecycle, allowed or not."""
    return st.sampled_from(lifecycle.triggers)


def aware_datetimes(
    min_value: datetime = _MIN, max_value: datetime = _MAX
) -> st.SearchStrategy[datetime]:
    """Timezone-aware UTC datetimes in a plausible range."""
    return st.datetimes(
        min_value=min_value.replace(tzinfo=None),
        max_value=max_value.replace(tzinfo=None),
        timezones=st.just(timezone.utc),
    )


def registration_ids() -> st.SearchStrategy[str]:
    """Registration ids the API's pattern accepts, ARNs included."""
    plain = st.from_regex(r"\A[A-Za-z0-9_:/-]{1,64}\Z")
    generated = st.builds(
        "registration-{}".format, st.text("0123456789abcdef", min_size=32, max_size=32)
    )
    arns = st.builds(
        "arn:aws:sms-voice:us-east-1:123456789012:registration/registration-{}".format,
        st.text("0123456789abcdef", min_size=32, max_size=32),
    )
    return st.one_of(generated, arns, plain)


def version_numbers() -> st.SearchStrategy[int]:
    """Version numbers AWS can hold."""
    return st.integers(min_value=1, max_value=100_000)


@st.composite
def trigger_sequences(
    draw: st.DrawFn,
    start: VersionStatus = VersionStatus.DRAFT,
    *,
    max_size: int = 12,
    lifecycle: Lifecycle = LIFECYCLE,
) -> list[str]:
    """A sequence of triggers that is legal from ``start``, stopping early at a terminal status."""
    status = start
    sequence: list[str] = []
    for _ in range(draw(st.integers(min_value=0, max_value=max_size))):
        allowed = lifecycle.allowed_triggers(status)
        if not allowed:
            break
        trigger = draw(st.sampled_from(allowed))
        sequence.append(trigger)
        next_status = lifecycle.next_status(status, trigger)
        assert next_status is not None
        status = next_status
    return sequence


@st.composite
def versions(
    draw: st.DrawFn,
    *,
    max_steps: int = 12,
    registration_id: str | None = None,
) -> RegistrationVersion:
    """A version that reached its status by a legal path, with non-decreasing stamps."""
    rid = registration_id if registration_id is not None else draw(registration_ids())
    at = draw(aware_datetimes(max_value=datetime(2030, 1, 1, tzinfo=timezone.utc)))
    version = RegistrationVersion.new(rid, draw(version_numbers()), at=at)
    for trigger in draw(trigger_sequences(max_size=max_steps)):
        at += draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
        version.fire(trigger, at=at)
    return version


#: Everything that can happen to a registration: its customer calls, and every trigger of the
#: lifecycle fired at it (AWS-side events included), allowed or not.
REGISTRATION_ACTIONS: tuple[str, ...] = (
    "create_version",
    *dict.fromkeys(("submit", "discard", *LIFECYCLE.triggers)),
)


def registration_events(
    *, max_size: int = 40
) -> st.SearchStrategy[list[tuple[str, int | None, timedelta]]]:
    """Any sequence of events, allowed or not: (action, version number or None, time step).

    The version number (None: the latest) matters for the triggers; the time step is how long
    after the previous event this one happens.
    """
    return st.lists(
        st.tuples(
            st.sampled_from(REGISTRATION_ACTIONS),
            st.none() | st.integers(min_value=1, max_value=12),
            st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
        ),
        max_size=max_size,
    )


@st.composite
def registrations(
    draw: st.DrawFn,
    *,
    max_events: int = 40,
    registration_id: str | None = None,
) -> Registration:
    """A registration that reached its state by allowed customer calls and AWS-side events.

    Each step picks one move the registration allows (a trigger at the latest version, a new
    version, or revoking an older approval), so long runs produce many versions.
    """
    rid = registration_id if registration_id is not None else draw(registration_ids())
    at = draw(aware_datetimes(max_value=datetime(2030, 1, 1, tzinfo=timezone.utc)))
    registration = Registration.new(
        rid,
        # AWS's results always carry the ARN: with it, describe_pages() is valid for botocore.
        registration_arn=rid if rid.startswith("arn:") else _arn(rid),
        registration_type=draw(
            st.sampled_from(["US_TEN_DLC_BRAND_REGISTRATION", "US_TOLL_FREE_REGISTRATION"])
        ),
        at=at,
    )
    for _ in range(draw(st.integers(min_value=0, max_value=max_events))):
        moves = registration_moves(registration)
        if not moves:
            break
        action, number = draw(st.sampled_from(moves))
        at += draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)))
        if action == "create_version":
            registration.create_version(at=at)
        else:
            registration.fire(action, version_number=number, at=at)
    return registration


def registration_moves(registration: Registration) -> list[tuple[str, int | None]]:
    """The moves a registration allows now, as (action, version number or None for the latest).

    An action is a trigger of the latest version (archive excepted: it only follows a newer
    approval), ``"create_version"`` when a new version is allowed, or ``"revoke"`` of an older
    approved version.
    """
    latest = registration.latest
    moves: list[tuple[str, int | None]] = [
        (t, None) for t in latest.allowed_triggers() if t != "archive"
    ]
    if registration.can_create_version():
        moves.append(("create_version", None))
    approved = registration.approved_version_number
    if approved is not None and approved != latest.version_number:
        moves.append(("revoke", approved))
    return moves


@st.composite
def describe_pages(
    draw: st.DrawFn, registration: Registration, *, json_safe: bool | None = None
) -> list[dict[str, Any]]:
    """The registration's versions as DescribeRegistrationVersions pages, split at random.

    ``json_safe`` picks the AWS CLI's shape (ISO-8601 strings) or boto3's (datetimes); by
    default either. The pages may list the versions in any order.
    """
    cli = draw(st.booleans()) if json_safe is None else json_safe
    whole = registration.to_aws_versions(json_safe=cli)
    items = draw(st.permutations(whole["RegistrationVersions"]))
    pages: list[dict[str, Any]] = []
    while True:
        size = draw(st.integers(min_value=1, max_value=max(1, len(items))))
        page = {k: v for k, v in whole.items() if k != "RegistrationVersions"}
        page["RegistrationVersions"] = items[:size]
        items = items[size:]
        if items:
            page["NextToken"] = f"token-{len(pages) + 1}"
        pages.append(page)
        if not items:
            return pages


def valid_histories(
    *, max_steps: int = 12
) -> st.SearchStrategy[tuple[VersionStatus, StatusHistory]]:
    """A status with a history that proves a legal path from DRAFT, as ``(status, history)``.

    Every status the path enters that has a history field carries its stamp: nothing
    documents AWS leaving an entered status unstamped, so the library proves no path that
    assumes it (:func:`registration_fsm.evidence.judge`).
    """
    return _valid_histories(max_steps=max_steps)


@st.composite
def _valid_histories(draw: st.DrawFn, *, max_steps: int) -> tuple[VersionStatus, StatusHistory]:
    version = draw(versions(max_steps=max_steps, registration_id=_PLACEHOLDER_ID))
    return version.status, version.history


# -- AWS-shaped responses ------------------------------------------------------------------

#: Registration types AWS defines, used where a response names one.
REGISTRATION_TYPES: tuple[str, ...] = (
    "US_TEN_DLC_BRAND_REGISTRATION",
    "US_TEN_DLC_CAMPAIGN_REGISTRATION",
    "US_TOLL_FREE_REGISTRATION",
)
_ACCOUNT = "123456789012"
_PLACEHOLDER_ID = "registration-0123456789abcdef0123456789abcdef"
_HEX = "0123456789abcdef"
_UNKNOWN_STATUS_EXAMPLES = (
    "PENDING",
    "IN_REVIEW",
    "REQUIRES_VERIFICATION",
    "approved",
    "Draft",
    "",
)


def aws_registration_ids() -> st.SearchStrategy[str]:
    """RegistrationIds as AWS assigns them: ``registration-`` and 32 hex digits."""
    return st.builds("registration-{}".format, st.text(_HEX, min_size=32, max_size=32))


def _arn(registration_id: str) -> str:
    return f"arn:aws:sms-voice:us-east-1:{_ACCOUNT}:registration/{registration_id}"


def _text(max_size: int = 60) -> st.SearchStrategy[str]:
    return st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=max_size)


def _without(history: StatusHistory, statuses: Iterable[VersionStatus]) -> StatusHistory:
    keys = {s.history_key for s in statuses}
    return StatusHistory.from_aws({k: v for k, v in history.to_aws().items() if k not in keys})


def _later(draw: st.DrawFn, at: datetime, min_gap: timedelta = timedelta(0)) -> datetime:
    return at + draw(st.timedeltas(min_value=min_gap, max_value=timedelta(days=30)))


def _start(draw: st.DrawFn) -> datetime:
    return draw(aware_datetimes(max_value=datetime(2029, 1, 1, tzinfo=timezone.utc)))


def denied_reasons() -> st.SearchStrategy[dict[str, str]]:
    """One item of DeniedReasons: Reason and ShortDescription, and optional documentation."""
    return st.fixed_dictionaries(
        {"Reason": _text(40), "ShortDescription": _text()},
        optional={
            "LongDescription": _text(200),
            "DocumentationTitle": _text(),
            "DocumentationLink": st.builds(
                "https://docs.aws.amazon.com/sms-voice/latest/userguide/{}.html".format,
                st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=30),
            ),
        },
    )


def _with_denial(draw: st.DrawFn, item: dict[str, Any]) -> dict[str, Any]:
    if item["RegistrationVersionStatus"] == VersionStatus.DENIED.value:
        reasons = draw(st.lists(denied_reasons(), max_size=3))
        if reasons:
            item["DeniedReasons"] = reasons
        feedback = draw(st.none() | _text(200))
        if feedback is not None:
            item["Feedback"] = feedback
    return item


def version_items(*, max_steps: int = 12) -> st.SearchStrategy[dict[str, Any]]:
    """One item of DescribeRegistrationVersions' ``RegistrationVersions``, reached legally.

    A DENIED item may carry DeniedReasons and Feedback.
    """
    return _version_items(max_steps=max_steps)


@st.composite
def _version_items(draw: st.DrawFn, *, max_steps: int) -> dict[str, Any]:
    version = draw(versions(max_steps=max_steps, registration_id=_PLACEHOLDER_ID))
    return _with_denial(draw, version.to_aws())


def _result(version: RegistrationVersion) -> dict[str, Any]:
    return {
        "RegistrationArn": version.registration_arn,
        "RegistrationId": version.registration_id,
        **version.to_aws(),
    }


def _aws_steps(
    draw: st.DrawFn, version: RegistrationVersion, at: datetime, max_steps: int
) -> datetime:
    """Move ``version`` on by up to ``max_steps`` AWS-side events; return the last stamp."""
    for _ in range(draw(st.integers(min_value=0, max_value=max_steps))):
        allowed = [
            t
            for t in version.allowed_triggers()
            if LIFECYCLE.initiator(t) is Initiator.AWS and t != "archive"
        ]
        if not allowed:
            break
        at = _later(draw, at)
        version.fire(draw(st.sampled_from(allowed)), at=at)
    return at


@st.composite
def submit_version_results(
    draw: st.DrawFn, *, aws_review: bool | None = None, max_ahead: int = 3
) -> dict[str, Any]:
    """A SubmitRegistrationVersion result.

    The version was submitted and then, as AWS may do within seconds, possibly moved on by up
    to ``max_ahead`` AWS-side events before the answer was read.
    """
    rid = draw(aws_registration_ids())
    at = _start(draw)
    version = RegistrationVersion.new(
        rid, draw(version_numbers()), at=at, registration_arn=_arn(rid)
    )
    at = _later(draw, at)
    version.submit(at=at)
    _aws_steps(draw, version, at, max_ahead)
    review = draw(st.booleans()) if aws_review is None else aws_review
    return {**_result(version), "AwsReview": review}


@st.composite
def discard_version_results(draw: st.DrawFn, *, max_steps: int = 6) -> dict[str, Any]:
    """A DiscardRegistrationVersion result: a version discarded after a legal walk."""
    rid = draw(aws_registration_ids())
    at = _start(draw)
    version = RegistrationVersion.new(
        rid, draw(version_numbers()), at=at, registration_arn=_arn(rid)
    )
    for _ in range(draw(st.integers(min_value=0, max_value=max_steps))):
        onward = [
            t
            for t in version.allowed_triggers()
            if t != "discard"
            and VersionStatus.DISCARDED
            in LIFECYCLE.reachable_from(LIFECYCLE.table[version.status][t])
        ]
        if not onward or (version.can("discard") and draw(st.booleans())):
            break
        at = _later(draw, at)
        version.fire(draw(st.sampled_from(onward)), at=at)
    path = LIFECYCLE.shortest_path(version.status, VersionStatus.DISCARDED)
    assert path is not None
    for edge in path:
        at = _later(draw, at)
        version.fire(edge.trigger, at=at)
    return _result(version)


@st.composite
def create_version_results(draw: st.DrawFn) -> dict[str, Any]:
    """A CreateRegistrationVersion result: a new DRAFT version numbered 2 or more."""
    rid = draw(aws_registration_ids())
    number = draw(st.integers(min_value=2, max_value=100_000))
    version = RegistrationVersion.new(rid, number, at=_start(draw), registration_arn=_arn(rid))
    return _result(version)


def _registration_versions(
    draw: st.DrawFn,
    rid: str,
    *,
    min_versions: int = 1,
    max_versions: int,
    max_steps: int,
    min_gap: timedelta = timedelta(0),
) -> list[RegistrationVersion]:
    """Versions 1..n of one registration, made one after another on a shared timeline.

    Versions before the latest are read-only, so each ends finished (a terminal status) or
    APPROVED; approving a version archives the previously approved one in the same instant.
    """
    count = draw(st.integers(min_value=min_versions, max_value=max(min_versions, max_versions)))
    at = _start(draw)
    made: list[RegistrationVersion] = []
    approved: RegistrationVersion | None = None
    for number in range(1, count + 1):
        at = _later(draw, at, min_gap)
        version = RegistrationVersion.new(rid, number, at=at, registration_arn=_arn(rid))
        for _ in range(draw(st.integers(min_value=0, max_value=max_steps))):
            allowed = [t for t in version.allowed_triggers() if t != "archive"]
            if not allowed or version.status is VersionStatus.APPROVED:
                break
            at = _later(draw, at, min_gap)
            if version.fire(draw(st.sampled_from(allowed)), at=at) is VersionStatus.APPROVED:
                if approved is not None and approved.status is VersionStatus.APPROVED:
                    approved.archive(at=at)
                approved = version
        if number < count and not (
            version.is_terminal or version.status is VersionStatus.APPROVED
        ):
            ends = sorted(
                {VersionStatus.DENIED, VersionStatus.DISCARDED}
                & LIFECYCLE.reachable_from(version.status)
            )
            path = LIFECYCLE.shortest_path(version.status, draw(st.sampled_from(ends)))
            assert path is not None
            for edge in path:
                at = _later(draw, at, min_gap)
                version.fire(edge.trigger, at=at)
        made.append(version)
    return made


def _pages(
    draw: st.DrawFn, rid: str, items: list[dict[str, Any]], max_page_size: int
) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    index = 0
    while index < len(items):
        size = draw(st.integers(min_value=1, max_value=max_page_size))
        pages.append(
            {
                "RegistrationArn": _arn(rid),
                "RegistrationId": rid,
                "RegistrationVersions": items[index : index + size],
            }
        )
        index += size
    for number, page in enumerate(pages[:-1], start=1):
        page["NextToken"] = f"page-{number + 1}-of-{rid}"
    return pages


@st.composite
def describe_versions_pages(
    draw: st.DrawFn,
    *,
    registration_id: str | None = None,
    max_versions: int = 6,
    max_page_size: int = 3,
    max_steps: int = 8,
) -> list[dict[str, Any]]:
    """Every page of DescribeRegistrationVersions for one registration, oldest version first.

    Every page but the last carries a NextToken. Histories are legal, versions before the
    latest are finished or APPROVED, and at most one version is APPROVED.
    """
    rid = registration_id if registration_id is not None else draw(aws_registration_ids())
    made = _registration_versions(draw, rid, max_versions=max_versions, max_steps=max_steps)
    items = [_with_denial(draw, version.to_aws()) for version in made]
    return _pages(draw, rid, items, max_page_size)


def _tags() -> st.SearchStrategy[list[dict[str, str]]]:
    key = st.text("abcdefghijklmnopqrstuvwxyz-_:", min_size=1, max_size=128)
    value = st.text("abcdefghijklmnopqrstuvwxyz0123456789 -_.", max_size=256)
    return st.lists(st.fixed_dictionaries({"Key": key, "Value": value}), max_size=3)


def _attributes() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.from_regex(r"\A[A-Z][A-Z_]{0,20}\Z"), _text(), max_size=3)


@st.composite
def create_registration_results(draw: st.DrawFn) -> dict[str, Any]:
    """A CreateRegistration result: a registration CREATED with its version 1."""
    rid = draw(aws_registration_ids())
    out: dict[str, Any] = {
        "RegistrationArn": _arn(rid),
        "RegistrationId": rid,
        "RegistrationType": draw(st.sampled_from(REGISTRATION_TYPES)),
        "RegistrationStatus": RegistrationStatus.CREATED.value,
        "CurrentVersionNumber": 1,
        "CreatedTimestamp": _start(draw),
    }
    attributes = draw(_attributes())
    if attributes:
        out["AdditionalAttributes"] = attributes
    tags = draw(_tags())
    if tags:
        out["Tags"] = tags
    return out


@st.composite
def registration_information(draw: st.DrawFn) -> dict[str, Any]:
    """One item of DescribeRegistrations' ``Registrations`` (AWS's RegistrationInformation)."""
    rid = draw(aws_registration_ids())
    current = draw(st.integers(min_value=1, max_value=50))
    out: dict[str, Any] = {
        "RegistrationArn": _arn(rid),
        "RegistrationId": rid,
        "RegistrationType": draw(st.sampled_from(REGISTRATION_TYPES)),
        "RegistrationStatus": draw(registration_statuses()).value,
        "CurrentVersionNumber": current,
        "CreatedTimestamp": _start(draw),
    }
    approved = draw(st.none() | st.integers(min_value=1, max_value=current))
    if approved is not None:
        out["ApprovedVersionNumber"] = approved
    denied = draw(st.none() | st.integers(min_value=1, max_value=current))
    if denied is not None and denied != approved:
        out["LatestDeniedVersionNumber"] = denied
    attributes = draw(_attributes())
    if attributes:
        out["AdditionalAttributes"] = attributes
    return out


@st.composite
def describe_registrations_results(draw: st.DrawFn, *, max_size: int = 5) -> dict[str, Any]:
    """A DescribeRegistrations page; it may carry a NextToken."""
    out: dict[str, Any] = {
        "Registrations": draw(st.lists(registration_information(), max_size=max_size))
    }
    if draw(st.booleans()):
        out["NextToken"] = draw(st.text(_HEX, min_size=1, max_size=64))
    return out


# -- deliberately invalid data ------------------------------------------------------------


@attrs.frozen
class IllegalPath:
    """A legal ``prefix`` of triggers from DRAFT, then a ``trigger`` that ``status`` refuses."""

    prefix: tuple[str, ...]
    trigger: str
    status: VersionStatus
    """Where the prefix ends, the status that refuses ``trigger``."""

    @property
    def triggers(self) -> tuple[str, ...]:
        """The whole sequence, the illegal trigger last."""
        return (*self.prefix, self.trigger)


@st.composite
def illegal_trigger_sequences(
    draw: st.DrawFn, *, max_size: int = 10, lifecycle: Lifecycle = LIFECYCLE
) -> IllegalPath:
    """A legal sequence of triggers from DRAFT followed by one the reached status refuses."""
    prefix = draw(trigger_sequences(max_size=max_size, lifecycle=lifecycle))
    status = lifecycle.initial
    for trigger in prefix:
        following = lifecycle.next_status(status, trigger)
        assert following is not None
        status = following
    refused = [t for t in lifecycle.triggers if t not in lifecycle.allowed_triggers(status)]
    return IllegalPath(tuple(prefix), draw(st.sampled_from(refused)), status)


class CorruptionKind(str, enum.Enum):
    """What is wrong with a corrupted version or export."""

    OUT_OF_ORDER = "stamps out of order"
    IMPOSSIBLE_PREDECESSOR = "a stamp for a status that could not precede the current one"
    MISSING_STAMP = "the current status has no stamp"
    UNKNOWN_STATUS = "an unknown status"
    TWO_APPROVED = "two APPROVED versions"

    def __str__(self) -> str:
        return self.value


_VERSION_KINDS: tuple[CorruptionKind, ...] = tuple(
    k for k in CorruptionKind if k is not CorruptionKind.TWO_APPROVED
)


@attrs.frozen
class Corruption:
    """A mutation of valid data, labelled: ``data`` is ``original`` with one thing broken.

    ``version_number`` names the version that is wrong (for TWO_APPROVED, the later of the
    two); ``detail`` says exactly what was changed.
    """

    kind: CorruptionKind
    data: Any
    original: Any
    version_number: int
    detail: str


def unknown_status_strings() -> st.SearchStrategy[str]:
    """Strings that are not a RegistrationVersionStatus (some close to real ones)."""
    known = {s.value for s in VersionStatus}
    return st.one_of(
        st.sampled_from(_UNKNOWN_STATUS_EXAMPLES),
        st.from_regex(r"\A[A-Z][A-Z_]{0,30}\Z"),
    ).filter(lambda value: value not in known)


def _corrupt(
    draw: st.DrawFn, item: Mapping[str, Any], kind: CorruptionKind
) -> tuple[dict[str, Any], str] | None:
    """``item`` with ``kind`` applied, and what was changed; None where ``kind`` cannot apply.

    The stamps of ``item`` must be strictly increasing along its path.
    """
    status = VersionStatus.parse(item["RegistrationVersionStatus"])
    history = StatusHistory.from_aws(item["RegistrationVersionStatusHistory"])
    out = dict(item)
    if kind is CorruptionKind.UNKNOWN_STATUS:
        out["RegistrationVersionStatus"] = draw(unknown_status_strings())
        return out, f"status {status.value} replaced by {out['RegistrationVersionStatus']!r}"
    own = history[status]
    if status is VersionStatus.DRAFT or own is None:
        return None
    if kind is CorruptionKind.MISSING_STAMP:
        changed = _without(history, {status})
        detail = f"{status.history_key} removed"
    elif kind is CorruptionKind.IMPOSSIBLE_PREDECESSOR:
        impossible = [
            s
            for s in VersionStatus
            if s.history_field is not None
            and s not in (VersionStatus.DRAFT, status)
            and history[s] is None
            and status not in LIFECYCLE.reachable_from(s)
        ]
        if not impossible or own <= history.draft:
            return None
        predecessor = draw(st.sampled_from(impossible))
        at = history.draft + (own - history.draft) * draw(st.integers(1, 999)) / 1000
        changed = history.with_stamp(predecessor, at)
        detail = f"{predecessor.history_key} added before {status.value}, which it cannot precede"
    else:
        stamped = list(history.stamped())
        pairs = [
            (a, b) for a in stamped for b in stamped if a[0].value < b[0].value and a[1] != b[1]
        ]
        if not pairs:
            return None
        (first, first_at), (second, second_at) = draw(st.sampled_from(pairs))
        changed = history.with_stamp(first, second_at).with_stamp(second, first_at)
        if LIFECYCLE.explain(LIFECYCLE.initial, status, changed) is not None:
            # This swap happens to fit another legal path; swap the status with its predecessor.
            (first, first_at), (second, second_at) = stamped[-2], stamped[-1]
            changed = history.with_stamp(first, second_at).with_stamp(second, first_at)
        detail = f"{first.history_key} and {second.history_key} swapped"
    out["RegistrationVersionStatusHistory"] = changed.to_aws()
    return out, detail


@st.composite
def corrupted_version_items(
    draw: st.DrawFn, *, kinds: tuple[CorruptionKind, ...] = _VERSION_KINDS, max_steps: int = 10
) -> Corruption:
    """A valid RegistrationVersions item with one thing broken, labelled with its kind.

    The kinds are those of a single version (all but TWO_APPROVED). Only MISSING_STAMP can
    still fit a legal path (a status passed without a stamp); every other kind cannot.
    """
    if not kinds or CorruptionKind.TWO_APPROVED in kinds:
        raise InvalidValueError("kinds must be a non-empty selection of single-version kinds")
    kind = draw(st.sampled_from(kinds))
    at = _start(draw)
    version = RegistrationVersion.new(_PLACEHOLDER_ID, draw(version_numbers()), at=at)
    triggers = draw(trigger_sequences(max_size=max_steps))
    status = LIFECYCLE.initial
    keep = 0
    for index, trigger in enumerate(triggers, start=1):
        following = LIFECYCLE.next_status(status, trigger)
        assert following is not None
        status = following
        if status.history_field is not None:
            keep = index
    for trigger in triggers[:keep] or ["submit"]:
        at = _later(draw, at, timedelta(seconds=1))
        version.fire(trigger, at=at)
    original = _with_denial(draw, version.to_aws())
    corrupted = _corrupt(draw, original, kind)
    assert corrupted is not None
    return Corruption(kind, corrupted[0], original, version.version_number, corrupted[1])


def _approved_item(number: int, draft: datetime) -> dict[str, Any]:
    version = RegistrationVersion.new(_PLACEHOLDER_ID, number, at=draft)
    for minutes, trigger in enumerate(("submit", "begin_review", "approve"), start=1):
        version.fire(trigger, at=draft + timedelta(minutes=minutes))
    return version.to_aws()


@st.composite
def corrupted_version_pages(
    draw: st.DrawFn,
    *,
    kinds: tuple[CorruptionKind, ...] = tuple(CorruptionKind),
    max_versions: int = 5,
    max_page_size: int = 3,
) -> Corruption:
    """Every page of DescribeRegistrationVersions, with one version (or the pair) broken.

    ``data`` and ``original`` are lists of pages. TWO_APPROVED makes two versions APPROVED,
    each with a history that is legal on its own.
    """
    if not kinds:
        raise InvalidValueError("kinds must not be empty")
    kind = draw(st.sampled_from(kinds))
    rid = draw(aws_registration_ids())
    # With two versions or more the first is finished or APPROVED, so every kind applies.
    minimum = 1 if kind is CorruptionKind.UNKNOWN_STATUS else 2
    made = _registration_versions(
        draw,
        rid,
        min_versions=minimum,
        max_versions=max_versions,
        max_steps=8,
        min_gap=timedelta(seconds=1),
    )
    items = [version.to_aws() for version in made]
    original = _pages(draw, rid, items, max_page_size)
    broken = [dict(item) for item in items]
    if kind is CorruptionKind.TWO_APPROVED:
        first, second = sorted(
            draw(st.sets(st.sampled_from(range(len(items))), min_size=2, max_size=2))
        )
        for index in (first, second):
            draft = StatusHistory.from_aws(items[index]["RegistrationVersionStatusHistory"]).draft
            broken[index] = _approved_item(items[index]["VersionNumber"], draft)
        number = items[second]["VersionNumber"]
        detail = f"versions {items[first]['VersionNumber']} and {number} both APPROVED"
    else:
        candidates = [i for i, version in enumerate(made) if _applies(version, kind)]
        index = draw(st.sampled_from(candidates))
        result = _corrupt(draw, items[index], kind)
        assert result is not None
        broken[index], detail = result
        number = items[index]["VersionNumber"]
    data = []
    start = 0
    for page in original:
        size = len(page["RegistrationVersions"])
        data.append({**page, "RegistrationVersions": broken[start : start + size]})
        start += size
    return Corruption(kind, data, original, number, detail)


def _applies(version: RegistrationVersion, kind: CorruptionKind) -> bool:
    if kind is CorruptionKind.UNKNOWN_STATUS:
        return True
    return (
        version.status is not VersionStatus.DRAFT and version.history[version.status] is not None
    )
