"""When a stored registration is next due for a check: a polling interval per version status.

AWS moves versions on by itself, over days, and says so by best-effort events; a service that
polls must not poll what cannot move and must not hammer what moves slowly. The defaults follow
how long AWS's steps take (the documented review times: 10DLC brands 1-2 business days,
toll-free up to 15 business days, campaigns up to 4 weeks; an empty draft was observed denied
about 3 seconds after its submit):

========================  ==========  ==================================================
status                    interval    why
========================  ==========  ==================================================
SUBMITTED                 5 minutes   automated checks and the pre-review start within minutes
AWS_REVIEWING             15 minutes  the automated pre-review is short
REQUIRES_AUTHENTICATION   1 hour      waits for a person to click a link (30 days at most)
REVIEWING                 6 hours     human review takes days to weeks
REQUIRES_OFFLINE_REVIEW   12 hours    undocumented; slower than a review, presumably
APPROVED                  24 hours    only a revocation can still come
DRAFT and the terminal    never       nothing moves them but the customer
========================  ==========  ==================================================

A registration is due at the soonest of its versions' checks, with jitter (a fraction of the
interval, drawn per check) so that a fleet of registrations submitted together does not poll
together. Everything is configurable: ``Schedule(intervals={...}, jitter=...)``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import attrs

from .errors import InvalidValueError
from .registration import Registration
from .statuses import VersionStatus

__all__ = ["DEFAULT_INTERVALS", "DEFAULT_SCHEDULE", "Schedule"]

DEFAULT_INTERVALS: Mapping[VersionStatus, timedelta] = {
    VersionStatus.SUBMITTED: timedelta(minutes=5),
    VersionStatus.AWS_REVIEWING: timedelta(minutes=15),
    VersionStatus.REQUIRES_AUTHENTICATION: timedelta(hours=1),
    VersionStatus.REVIEWING: timedelta(hours=6),
    VersionStatus.REQUIRES_OFFLINE_REVIEW: timedelta(hours=12),
    VersionStatus.APPROVED: timedelta(hours=24),
}


def _intervals(
    value: Mapping[VersionStatus | str, timedelta | None],
) -> dict[VersionStatus, timedelta]:
    if not isinstance(value, Mapping):
        raise InvalidValueError(
            f"intervals must be a mapping of status to timedelta, got {value!r}"
        )
    checked: dict[VersionStatus, timedelta] = {}
    for key, interval in value.items():
        try:
            status = VersionStatus(key)
        except ValueError:
            raise InvalidValueError(f"unknown version status {key!r} in intervals") from None
        if interval is None:
            continue
        if not isinstance(interval, timedelta) or interval <= timedelta(0):
            raise InvalidValueError(
                f"the interval of {status.value} must be a positive timedelta or None, "
                f"got {interval!r}"
            )
        if status is VersionStatus.DRAFT or status.is_terminal:
            raise InvalidValueError(f"{status.value} cannot move by itself: it is never polled")
        checked[status] = interval
    return checked


def _jitter(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise InvalidValueError(f"jitter must be a fraction from 0 to below 1, got {value!r}")
    return float(value)


@attrs.frozen
class Schedule:
    """Polling intervals per version status (None or absent: never polled) and jitter.

    ``random`` draws the jitter (a seeded ``random.Random(...).random`` makes it reproducible).
    """

    intervals: Mapping[VersionStatus, timedelta] = attrs.field(
        default=DEFAULT_INTERVALS, converter=_intervals
    )
    jitter: float = attrs.field(default=0.1, converter=_jitter)
    random: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)

    def interval(self, registration: Registration) -> timedelta | None:
        """The soonest interval of the registration's versions; None when none is polled."""
        # The statuses read at one instant, without taking the versions out (a registration
        # loaded from a store's cache would copy them to hand them out).
        intervals = self.intervals
        found = [intervals[s] for s in registration._statuses() if s in intervals]
        return min(found) if found else None

    def next_check(self, registration: Registration, now: datetime) -> datetime | None:
        """When the registration is next due, or None when nothing about it can move."""
        interval = self.interval(registration)
        if interval is None:
            return None
        spread = self.jitter * (2 * self.random() - 1)
        return now + interval * (1 + spread)


DEFAULT_SCHEDULE = Schedule()
"""The defaults above, with 10% jitter."""
