"""Hypothesis strategies for statuses, triggers, histories and versions.

Everything here is generated from the lifecycle definition, so the strategies follow it when
it changes. Install the ``testing`` extra (hypothesis) to use them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from ..lifecycle import LIFECYCLE, Lifecycle
from ..statuses import RegistrationStatus, VersionStatus
from ..version import RegistrationVersion

__all__ = [
    "aware_datetimes",
    "registration_ids",
    "registration_statuses",
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
