"""Hypothesis strategies for statuses, triggers, histories and versions.

Everything here is generated from the lifecycle definition, so the strategies follow it when
it changes. Install the ``testing`` extra (hypothesis) to use them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from ..lifecycle import LIFECYCLE, Lifecycle
from ..registration import Registration
from ..statuses import RegistrationStatus, VersionStatus
from ..version import RegistrationVersion

__all__ = [
    "REGISTRATION_ACTIONS",
    "aware_datetimes",
    "describe_pages",
    "registration_events",
    "registration_ids",
    "registration_statuses",
    "registrations",
    "trigger_names",
    "trigger_sequences",
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
        registration_type=draw(
            st.sampled_from(["US_TEN_DLC_BRAND_REGISTRATION", "US_TOLL_FREE_REGISTRATION"])
        ),
        at=at,
    )
    for _ in range(draw(st.integers(min_value=0, max_value=max_events))):
        latest = registration.latest
        moves: list[tuple[str, int | None]] = [
            (t, None) for t in latest.allowed_triggers() if t != "archive"
        ]
        if registration.can_create_version():
            moves.append(("create_version", None))
        approved = registration.approved_version_number
        if approved is not None and approved != latest.version_number:
            moves.append(("revoke", approved))
        if not moves:
            break
        action, number = draw(st.sampled_from(moves))
        at += draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)))
        if action == "create_version":
            registration.create_version(at=at)
        else:
            registration.fire(action, version_number=number, at=at)
    return registration


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
