"""Telling a registration's listeners the moves each change through it made.

The moves come from the same derivation as a service's journal
(:func:`registration_fsm.moves.version_moves`), from each version as it was before the change
to what it is after, so a listener and a journal cannot tell different stories.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .errors import JournalDerivationError
from .moves import TransitionEvent, TransitionSource, version_moves

if TYPE_CHECKING:
    from ._listeners import Listeners
    from .registration import Registration
    from .version import RegistrationVersion

__all__ = ["Change", "moves_since"]


def moves_since(
    registration: Registration,
    before: Mapping[int, RegistrationVersion],
    source: TransitionSource,
) -> list[TransitionEvent]:
    """The moves from ``before`` (copies of the versions, by number) to the versions now.

    A version a lenient reconcile adopted without a proven path has no move to name, so it is
    left out; the reconcile's report and log say what happened to it.
    """
    rid = registration._registration_id
    events: list[TransitionEvent] = []
    for version in registration._versions:
        try:
            moves = version_moves(before.get(version.version_number), version)
        except JournalDerivationError:
            continue
        number = version.version_number
        events.extend(TransitionEvent(rid, number, *move, source) for move in moves)
    return events


class Change:
    """A change through the registration: its lock held, and its moves told once it is made.

    Without listeners this is the lock alone. With them, the versions are copied on the way in
    and their moves queued on the way out, under the lock, so that the queue keeps the order
    of the changes; the listeners are called once the lock is released. A change that raises
    changed nothing, so it tells nothing.
    """

    __slots__ = ("_before", "_listeners", "_registration", "_source")

    _before: dict[int, RegistrationVersion] | None
    _listeners: Listeners | None

    def __init__(self, registration: Registration, source: TransitionSource) -> None:
        self._registration = registration
        self._source = source

    def __enter__(self) -> None:
        registration = self._registration
        registration._lock.acquire()
        listeners = self._listeners = registration._listeners
        self._before = (
            {v.version_number: copy.copy(v) for v in registration._versions}
            if listeners is not None and listeners.active
            else None
        )

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        registration = self._registration
        listeners = self._listeners
        try:
            if kind is None and self._before is not None and listeners is not None:
                listeners.queue(moves_since(registration, self._before, self._source))
        finally:
            registration._lock.release()
        if listeners is not None and self._before is not None:
            listeners.deliver()
