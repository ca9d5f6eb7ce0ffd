"""Where the library's default timestamps come from, and a clock tests can drive."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from .errors import InvalidValueError
from .history import parse_timestamp

__all__ = ["Clock", "SteppingClock", "peek", "utc_now"]

Clock = Callable[[], datetime]
"""Any callable returning a timezone-aware datetime."""


def utc_now() -> datetime:
    """The current time in UTC; what the default clock returns."""
    return datetime.now(timezone.utc)


def peek(clock: Clock) -> datetime:
    """The time ``clock`` tells, read without moving it when it can (``SteppingClock.peek``):
    for reading the time where no event happens (scheduling, an event's delivery)."""
    look = getattr(clock, "peek", None)
    now: datetime = look() if callable(look) else clock()
    return now


# Same as utc_now, one Python call cheaper: it runs on every trigger fired without ``at=``.
DEFAULT_CLOCK: Clock = functools.partial(datetime.now, timezone.utc)


class SteppingClock:
    """A deterministic clock: each call returns the current time, then moves it on by ``step``.

    Useful in tests and demos, where timestamps must be reproducible. Thread-safe.

    >>> from datetime import datetime, timedelta, timezone
    >>> start = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> clock = SteppingClock(start, timedelta(minutes=1))
    >>> clock().isoformat(), clock().isoformat()
    ('2026-01-05T09:00:00+00:00', '2026-01-05T09:01:00+00:00')
    """

    def __init__(
        self,
        start: datetime | None = None,
        step: timedelta = timedelta(seconds=1),
    ) -> None:
        self._now = parse_timestamp(start if start is not None else utc_now(), field="start")
        if step < timedelta(0):
            raise InvalidValueError("a clock may not step backwards")
        self.step = step
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            now = self._now
            self._now = now + self.step
            return now

    def peek(self) -> datetime:
        """The time the next call will return, without moving the clock."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (not backwards) and return the new time."""
        if delta < timedelta(0):
            raise InvalidValueError("a clock may not move backwards")
        with self._lock:
            self._now += delta
            return self._now

    def __getstate__(self) -> dict[str, object]:
        return {"now": self._now, "step": self.step}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._now = state["now"]  # type: ignore[assignment]
        self.step = state["step"]  # type: ignore[assignment]
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SteppingClock(now={self._now.isoformat()!r}, step={self.step!r})"
