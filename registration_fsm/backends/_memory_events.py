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

import copy
import logging
import math
import random
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import InvalidValueError
from ..events import status_change_event
from ..rules import derive_registration_status
from ..statuses import RegistrationStatus

if TYPE_CHECKING:
    import threading

    from ..clock import Clock
    from ._memory_model import _Registration

__all__ = ["EventKnobs", "EventsMixin"]

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
    event: dict[str, Any]


class EventsMixin:
    """:meth:`subscribe_events`, :meth:`configure_events`, :meth:`drain_events`."""

    _lock: threading.RLock
    _clock: Clock
    _account_id: str
    _region: str
    _seed: int
    _registrations: dict[str, _Registration]

    def _init_events(self, log_limit: int | None) -> None:
        self._event_knobs = EventKnobs()
        self._event_choices = random.Random(0)
        self._event_ids = random.Random(self._seed ^ 0xE7E27B1D)
        self._event_status: dict[str, RegistrationStatus] = {}
        self._event_count = 0
        self._event_held: list[_Held] = []
        self._event_outbox: deque[dict[str, Any]] = deque(maxlen=log_limit)
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
            self._event_choices = random.Random(new.seed)
        return new

    def subscribe_events(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` with each event delivered; returns the unsubscriber.

        The callback runs in the thread of the change, while the simulator holds its
        (re-entrant) lock, so it sees the state the event reports and may call the simulator
        again. One that raises is logged and skipped: the change stands.
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
            out = tuple(self._event_outbox)
            self._event_outbox.clear()
            return out

    # -- producing --------------------------------------------------------------------------

    def _event_now(self) -> datetime:
        peek = getattr(self._clock, "peek", None)
        return peek() if callable(peek) else self._clock()

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
        event = status_change_event(
            event_id=str(uuid.UUID(int=self._event_ids.getrandbits(128), version=4)),
            account=self._account_id,
            region=self._region,
            registration_id=registration.id,
            registration_arn=registration.arn,
            registration_type=registration.type,
            version_number=registration.versions[-1].fsm.version_number,
            changed_at=when,
            current_status=status,
        )
        knobs = self._event_knobs
        if knobs.previous_status and previous is not None:
            event["detail"]["registrationDetails"]["previousStatus"] = previous.value
        self._event_stats["produced"] += 1
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
            self._event_outbox.append(copy.deepcopy(item.event))
            for callback in tuple(self._event_subscribers):
                try:
                    callback(copy.deepcopy(item.event))
                except Exception:
                    _log.exception(
                        "an event subscriber raised",
                        extra={"event_id": item.event["id"]},
                    )


def _status_of(registration: _Registration) -> RegistrationStatus:
    if registration.deleted:
        return RegistrationStatus.DELETED
    return derive_registration_status([v.fsm.status for v in registration.versions])


def knobs_from_wire(body: Mapping[str, Any]) -> dict[str, Any]:
    """The knob changes an emulator request asks for (its keys as the control API names them)."""
    names = {
        "DropRate": "drop_rate",
        "DuplicateRate": "duplicate_rate",
        "ReorderRate": "reorder_rate",
        "HoldBack": "hold_back",
        "Seed": "seed",
        "PreviousStatus": "previous_status",
    }
    unknown = sorted(set(body) - set(names) - {"DelaySeconds"})
    if unknown:
        raise InvalidValueError(
            f"unknown event knob {unknown[0]!r}; known: {', '.join(sorted(names))}, DelaySeconds"
        )
    changes = {names[k]: v for k, v in body.items() if k in names}
    if "DelaySeconds" in body:
        seconds = body["DelaySeconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise InvalidValueError(f"invalid DelaySeconds {seconds!r}: a number >= 0")
        if not (math.isfinite(seconds) and 0 <= seconds <= 10**9):
            raise InvalidValueError(f"invalid DelaySeconds {seconds!r}: a number >= 0")
        changes["delay"] = timedelta(seconds=seconds)
    if "previous_status" in changes and not isinstance(changes["previous_status"], bool):
        raise InvalidValueError("PreviousStatus must be a boolean")
    return changes
