"""Transition listeners and the library's log records: told once per committed move, in order.

A service publishes the moves of each save after the store committed it. Listeners are called
outside every lock of the library, by the thread (or task) that committed or by the one already
delivering, in commit order per registration; one that raises is logged and the others still
run, and nothing is undone or repeated. The ``registration_fsm`` logger gets one INFO record
per committed move, with the move's values as ``extra`` keys (registration_id, version_number,
trigger, from_status, to_status, stamp, source, worker_id), and never a field value or a
credential.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from .errors import InvalidValueError, UnknownStatusError, UnknownTriggerError
from .lifecycle import LIFECYCLE
from .moves import CREATE_TRIGGER, TransitionEvent
from .statuses import VersionStatus

__all__ = ["Listener", "Listeners", "Subscription", "logger"]

logger = logging.getLogger("registration_fsm")
# A library logs, the application decides where it goes: without this, Python's last-resort
# handler would print every WARNING on stderr of programs that never configured logging.
logger.addHandler(logging.NullHandler())

Listener = Callable[[TransitionEvent], object]


def _statuses(value: Iterable[VersionStatus | str] | None) -> frozenset[VersionStatus] | None:
    if value is None:
        return None
    if isinstance(value, (str, VersionStatus)):
        value = (value,)
    found = set()
    for item in value:
        try:
            found.add(VersionStatus(item))
        except ValueError:
            raise UnknownStatusError(item) from None
    return frozenset(found)


def _triggers(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = (value,)
    known = set(LIFECYCLE.triggers) | {CREATE_TRIGGER}
    found = set()
    for item in value:
        if item not in known:
            raise UnknownTriggerError(item, sorted(known))
        found.add(item)
    return frozenset(found)


@attrs.frozen(eq=False)
class Subscription:
    """One listener and what it wants; :meth:`cancel` stops its calls."""

    callback: Listener
    statuses: frozenset[VersionStatus] | None
    """Moves *into* these statuses (None: every one)."""
    triggers: frozenset[str] | None
    """Moves along these edges, ``create`` for a new version (None: every one)."""
    _owner: Listeners = attrs.field(repr=False)

    def wants(self, event: TransitionEvent) -> bool:
        return (self.statuses is None or event.to_status in self.statuses) and (
            self.triggers is None or event.edge in self.triggers
        )

    def cancel(self) -> None:
        self._owner.unsubscribe(self)


class Listeners:
    """The subscriptions of one service (or registration) and the queue of moves to deliver."""

    def __init__(self) -> None:
        self._subscriptions: tuple[Subscription, ...] = ()
        self._lock = threading.Lock()
        self._queue: deque[TransitionEvent] = deque()
        self._delivering = False

    @property
    def active(self) -> bool:
        """Whether anybody listens (moves are worth working out)."""
        return bool(self._subscriptions)

    def subscribe(
        self,
        callback: Listener,
        *,
        statuses: Iterable[VersionStatus | str] | None = None,
        triggers: Iterable[str] | None = None,
    ) -> Subscription:
        if not callable(callback):
            raise InvalidValueError(f"a listener must be callable, got {callback!r}")
        subscription = Subscription(callback, _statuses(statuses), _triggers(triggers), self)
        with self._lock:
            self._subscriptions += (subscription,)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions = tuple(s for s in self._subscriptions if s is not subscription)

    def committed(self, events: Sequence[TransitionEvent], worker_id: str) -> None:
        """Record moves the store has just committed: logged now, queued for delivery.

        Called in commit order (the caller holds what orders commits of one registration);
        :meth:`deliver` then calls the listeners, outside that.
        """
        if not logger.isEnabledFor(logging.INFO):
            self.queue(events)
            return
        for event in events:
            logger.info(
                "%s version %d: %s -> %s (%s, %s)",
                event.registration_id,
                event.version_number,
                event.from_status.value if event.from_status is not None else "new",
                event.to_status.value,
                event.edge,
                event.source,
                extra=_extra(event, worker_id),
            )
        self.queue(events)

    def queue(self, events: Sequence[TransitionEvent]) -> None:
        """Queue committed moves for :meth:`deliver`, without logging them."""
        if self._subscriptions:
            with self._lock:
                self._queue.extend(events)

    def deliver(self) -> None:
        """Call the listeners for every queued move, oldest first, unless another thread is
        already doing so (it will deliver these too)."""
        with self._lock:
            if self._delivering or not self._queue:
                return
            self._delivering = True
        try:
            while True:
                with self._lock:
                    if not self._queue:
                        return
                    event = self._queue.popleft()
                    subscriptions = self._subscriptions
                for subscription in subscriptions:
                    if subscription.wants(event):
                        _call(subscription, event)
        finally:
            with self._lock:
                self._delivering = False
            if self._queue:
                self.deliver()


def _call(subscription: Subscription, event: TransitionEvent) -> None:
    try:
        subscription.callback(event)
    except Exception:
        logger.exception(
            "a transition listener raised; the move stays committed",
            extra={
                "registration_id": event.registration_id,
                "listener": repr(subscription.callback),
            },
        )


def _extra(event: TransitionEvent, worker_id: str) -> dict[str, Any]:
    return {
        "registration_id": event.registration_id,
        "version_number": event.version_number,
        "trigger": event.edge,
        "from_status": event.from_status.value if event.from_status is not None else None,
        "to_status": event.to_status.value,
        "stamp": event.stamp.isoformat() if event.stamp is not None else None,
        "source": event.source,
        "worker_id": worker_id,
    }
