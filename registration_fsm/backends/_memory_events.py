"""The simulator's EventBridge events (a private part of :class:`InMemoryBackend`).

When a registration's status changes, AWS publishes a ``Registration Status Change`` event,
on a best-effort basis: events can be lost, repeated, late or out of order. The simulator
produces the same event (EventBridge's envelope, the registration's status, the change's
time from the simulator's clock in epoch milliseconds, ids that repeat from run to run) for
each operation that changes a registration's status, and delivers it to in-process
subscribers and to an outbox that :meth:`EventsMixin.drain_events` empties. The
:class:`EventKnobs` make the delivery as unreliable as AWS's may be, reproducibly: a seeded
generator decides which event is dropped, duplicated or moved behind the next one, and events
can be held back by a number of later events or by simulated time.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from ..clock import peek
from ..errors import InvalidValueError
from ..events import RegistrationStatusEvent
from ..rules import derive_registration_status
from ..statuses import RegistrationStatus

if TYPE_CHECKING:
    from types import TracebackType

    from ..clock import Clock
    from ._memory_model import _Registration

__all__ = ["EventKnobs", "EventsMixin", "SimulatorLock"]

EventCallback = Callable[[dict[str, Any]], object]
_log = logging.getLogger("registration_fsm.backends.memory")


def _rate(value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and 0 <= value <= 1)
    ):
        raise InvalidValueError(f"invalid rate {value!r}: a number from 0 to 1")
    return float(value)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise InvalidValueError(f"invalid hold_back {value!r}: an integer from 0 to 1000000")
    return value


def _delay(value: object) -> timedelta:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise InvalidValueError(f"invalid delay {value!r}: a timedelta >= 0")
    return value


def _seed(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"invalid seed {value!r}: an integer")
    return value


@attrs.frozen
class EventKnobs:
    """How unreliable the simulator's event delivery is; the default delivers each event once,
    in order, at once.

    ``drop_rate``: the share of events never delivered. ``duplicate_rate``: the share
    delivered twice (the same id, as EventBridge repeats an event). ``reorder_rate``: the
    share moved behind the event produced after it. ``hold_back``: each event waits until
    this many later events were produced. ``delay``: each event waits until the simulator's
    clock reaches its time plus ``delay``. ``seed`` makes the choices repeat from run to run.
    ``previous_status`` adds ``previousStatus`` to the details, as some AWS samples show;
    the documented event has none.
    """

    drop_rate: float = attrs.field(default=0.0, converter=_rate)
    duplicate_rate: float = attrs.field(default=0.0, converter=_rate)
    reorder_rate: float = attrs.field(default=0.0, converter=_rate)
    hold_back: int = attrs.field(default=0, converter=_count)
    delay: timedelta = attrs.field(default=timedelta(0), converter=_delay)
    seed: int = attrs.field(default=0, converter=_seed)
    previous_status: bool = attrs.field(default=False, converter=bool)


@attrs.frozen(eq=False)
class _Held:
    sequence: int
    due_sequence: int
    due_time: datetime
    late: bool
    event: RegistrationStatusEvent


class SimulatorLock:
    """The simulator's re-entrant lock, which delivers events once nobody holds it.

    Events released under the lock are queued; when the outermost holder lets go, they are
    handed to the subscribers in the order they were released, outside the lock, so that a
    subscriber may call the simulator from any thread. One thread delivers at a time; a
    thread that finds another delivering leaves its events to it (which also covers a
    subscriber whose own calls release events: they follow the event being delivered).
    """

    __slots__ = ("_deliver", "_delivering", "_depth", "_lock", "_queue")

    def __init__(self, deliver: Callable[[RegistrationStatusEvent], None]) -> None:
        self._lock = threading.RLock()
        self._delivering = threading.Lock()
        self._depth = 0
        self._queue: deque[RegistrationStatusEvent] = deque()
        self._deliver = deliver

    def __enter__(self) -> None:
        self._lock.acquire()
        self._depth += 1

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._depth -= 1
        outermost = self._depth == 0
        self._lock.release()
        if outermost and self._queue:
            self._flush()

    def queue(self, event: RegistrationStatusEvent) -> None:
        """Deliver ``event`` once the lock is let go (call with the lock held)."""
        self._queue.append(event)

    def _flush(self) -> None:
        while self._queue:
            if not self._delivering.acquire(blocking=False):
                return  # another thread (or this one, further up) is delivering: it takes ours
            try:
                while True:
                    with self._lock:
                        if not self._queue:
                            break
                        event = self._queue.popleft()
                    self._deliver(event)
            finally:
                self._delivering.release()


class EventsMixin:
    """:meth:`subscribe_events`, :meth:`configure_events`, :meth:`drain_events`."""

    _lock: SimulatorLock
    _clock: Clock
    _account_id: str
    _region: str
    _seed: int
    _registrations: dict[str, _Registration]

    def _init_events(self, log_limit: int | None) -> None:
        self._event_knobs = _RELIABLE
        self._event_plain = True  # delivered once, in order, at once: no need to hold any
        self._event_choices = random.Random(0)
        self._event_ids = random.Random(self._seed ^ 0xE7E27B1D)
        self._event_status: dict[str, RegistrationStatus] = {}
        self._event_count = 0
        self._event_held: list[_Held] = []
        self._event_outbox: deque[RegistrationStatusEvent] = deque(maxlen=log_limit)
        self._event_subscribers: list[EventCallback] = []
        self._event_stats = {"produced": 0, "dropped": 0, "duplicated": 0, "released": 0}

    # -- configuration --------------------------------------------------------------------

    @property
    def event_knobs(self) -> EventKnobs:
        """How the events are delivered now."""
        return self._event_knobs

    def configure_events(self, knobs: EventKnobs | None = None, **changes: Any) -> EventKnobs:
        """Set how events are delivered: ``knobs``, or the current ones with ``changes``.

        The seeded generator starts over, so the same knobs give the same choices.
        """
        base = self._event_knobs if knobs is None else knobs
        if not isinstance(base, EventKnobs):
            raise InvalidValueError(f"knobs must be EventKnobs, got {type(base).__name__}")
        try:
            new = attrs.evolve(base, **changes)
        except TypeError as exc:
            raise InvalidValueError(f"unknown event knob: {exc}") from None
        with self._lock:
            self._event_knobs = new
            self._event_plain = new in (_RELIABLE, _PREVIOUS)
            self._event_choices = random.Random(new.seed)
        return new

    def subscribe_events(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` with each event delivered; returns the unsubscriber.

        Callbacks run after the call that made the change has let go of the simulator's
        lock, in the order the events were released, in the thread of the change (or in one
        already delivering), so they may call the simulator from any thread; by then the state
        may have moved on, as it may have when AWS's event arrives. One that raises is logged
        and skipped: the change stands.
        """
        if not callable(callback):
            raise InvalidValueError(f"callback must be callable, got {type(callback).__name__}")
        with self._lock:
            self._event_subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._event_subscribers:
                    self._event_subscribers.remove(callback)

        return unsubscribe

    # -- reading ----------------------------------------------------------------------------

    @property
    def pending_events(self) -> int:
        """How many events are held back (by ``hold_back``, ``delay`` or ``reorder_rate``)."""
        with self._lock:
            return len(self._event_held)

    @property
    def event_stats(self) -> dict[str, int]:
        """Counts since the start: events produced, dropped, duplicated and released."""
        with self._lock:
            return dict(self._event_stats)

    def drain_events(self, *, flush: bool = False) -> tuple[dict[str, Any], ...]:
        """The events delivered since the last drain, in delivery order, and empty the outbox.

        Events held back whose time has come (by the clock, read without moving it) are
        delivered first; with ``flush``, every held event is, in the order the knobs give.
        The outbox keeps the latest ``log_limit`` events.
        """
        with self._lock:
            self._event_release(self._event_now(), flush=flush)
            out = tuple(e.to_eventbridge() for e in self._event_outbox)
            self._event_outbox.clear()
            return out

    # -- producing --------------------------------------------------------------------------

    def _event_now(self) -> datetime:
        return peek(self._clock)

    def _event_baseline(self) -> None:
        """Take the current statuses as known, announcing nothing (after a restore)."""
        self._event_status = {r.id: _status_of(r) for r in self._registrations.values()}

    def _announce(self, registration: _Registration, at: datetime | None = None) -> None:
        """Produce the event for ``registration`` if its status changed since the last one."""
        status = _status_of(registration)
        previous = self._event_status.get(registration.id)
        if previous is status:
            return
        self._event_status[registration.id] = status
        when = at if at is not None else self._event_now()
        self._event_count += 1
        knobs = self._event_knobs
        # A frozen value: the held copies and the outbox share it, and each delivery gets
        # its own dict from it.
        event = RegistrationStatusEvent(
            event_id=_uuid4(self._event_ids.getrandbits(128)),
            time=when,
            account=self._account_id,
            region=self._region,
            registration_id=registration.id,
            registration_arn=registration.arn,
            registration_type=registration.type,
            version_number=registration.versions[-1].fsm.version_number,
            changed_at=when,
            current_status=status,
            previous_status=previous if knobs.previous_status else None,
            resources=(registration.arn,),
        )
        self._event_stats["produced"] += 1
        if self._event_plain and not self._event_held:
            self._event_stats["released"] += 1
            self._event_outbox.append(event)
            if self._event_subscribers:
                self._lock.queue(event)
            return
        choices = self._event_choices
        dropped = choices.random() < knobs.drop_rate
        copies = 2 if choices.random() < knobs.duplicate_rate else 1
        if dropped:
            self._event_stats["dropped"] += 1
        else:
            self._event_stats["duplicated"] += copies - 1
            for _ in range(copies):
                late = choices.random() < knobs.reorder_rate
                self._event_held.append(
                    _Held(
                        self._event_count,
                        self._event_count + knobs.hold_back + int(late),
                        when + knobs.delay,
                        late,
                        event,
                    )
                )
        self._event_release(when)

    def _event_release(self, now: datetime, *, flush: bool = False) -> None:
        held = self._event_held
        if not held:
            return
        count = self._event_count
        ready = [h for h in held if flush or (h.due_sequence <= count and h.due_time <= now)]
        if not ready:
            return
        taken = {id(h) for h in ready}
        self._event_held = [h for h in held if id(h) not in taken]
        for item in sorted(ready, key=lambda h: (h.due_sequence, h.late, h.sequence)):
            self._event_stats["released"] += 1
            self._event_outbox.append(item.event)
            if self._event_subscribers:
                self._lock.queue(item.event)

    def _deliver_event(self, event: RegistrationStatusEvent) -> None:
        with self._lock:
            callbacks = tuple(self._event_subscribers)
        for callback in callbacks:
            try:
                callback(event.to_eventbridge())
            except Exception:
                _log.exception("an event subscriber raised", extra={"event_id": event.event_id})


_RELIABLE = EventKnobs()
_PREVIOUS = attrs.evolve(_RELIABLE, previous_status=True)
_V4 = (0xFFFFFFFFFFFF0FFF3FFFFFFFFFFFFFFF, 0x00000000000040008000000000000000)


def _uuid4(bits: int) -> str:
    """``bits`` as a version 4 UUID's text (what uuid.UUID(int=..., version=4) gives)."""
    text = f"{(bits & _V4[0]) | _V4[1]:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _status_of(registration: _Registration) -> RegistrationStatus:
    if registration.deleted:
        return RegistrationStatus.DELETED
    return derive_registration_status([v.fsm.status for v in registration.versions])
