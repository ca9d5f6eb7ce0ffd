"""Committed moves: what changed between two states of a version, and the event a listener gets.

A change the library makes (a local trigger, AWS's answer, a reconcile) can take a version
through several statuses at once, as when an answer is already ahead of the request. The
moves are the legal path the rule of evidence (:func:`registration_fsm.evidence.judge`)
proves from the old status and history to the new ones, one per edge: the journal records
them (:func:`registration_fsm.store.journal_moves`) and listeners hear them
(:class:`TransitionEvent`), so the two can never tell different stories.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Literal

import attrs

from .errors import InvalidValueError, JournalDerivationError
from .evidence import judge_new, judge_stamps
from .history import parse_timestamp
from .statuses import VersionStatus
from .values import validate_registration_id, validate_version_number

if TYPE_CHECKING:
    from .store import JournalEntry, JournalMove
    from .version import RegistrationVersion

__all__ = [
    "CREATE_TRIGGER",
    "TRANSITION_SOURCES",
    "Move",
    "TransitionEvent",
    "TransitionSource",
    "version_moves",
]

CREATE_TRIGGER = "create"
"""The edge of a version's creation: from no status to DRAFT."""

TransitionSource = Literal["local", "answer", "reconcile", "event"]
"""Where a committed move came from (the journal's sources, as plain strings)."""
TRANSITION_SOURCES: tuple[TransitionSource, ...] = ("local", "answer", "reconcile", "event")

Move = tuple[str, "VersionStatus | None", VersionStatus, "datetime | None"]
"""One move of a version: (trigger, from status, to status, stamp of the status entered)."""

_UTC = timezone.utc
_DRAFT = VersionStatus.DRAFT


def unmoved(before: RegistrationVersion, after: RegistrationVersion) -> bool:
    """Whether ``after`` holds the status and stamps ``before`` holds: no move between them.

    Compared as the versions hold them, the same test as comparing ``status`` and
    ``history`` without building two StatusHistory objects per version."""
    return before._state is after._state or before._state[:2] == after._state[:2]


def version_moves(before: RegistrationVersion | None, after: RegistrationVersion) -> list[Move]:
    """The moves that take ``before`` (None: the version is new) to ``after``.

    A new version starts with its creation (:data:`CREATE_TRIGGER`, to DRAFT at its
    DraftTimestamp). Each move's stamp is the new history's stamp of the status it enters, or
    None for an earlier entry into a status the path enters again, whose stamp AWS
    overwrote. A change the stamps prove no path for raises :class:`JournalDerivationError`.
    """
    moves: list[Move] = []
    if before is not None and unmoved(before, after):
        return moves
    history = after.history
    if before is None:
        moves.append((CREATE_TRIGGER, None, _DRAFT, history[_DRAFT]))
        proof = judge_new(after.status, history)
    else:
        start, stamps, _ = before._state
        proof = judge_stamps(start, stamps, after.status, history)
    if proof.path is None:
        raise JournalDerivationError(
            after.registration_id,
            after.version_number,
            f"the stamps prove no legal path: {proof}",
            proof.problems,
        )
    last = {edge.dest: i for i, edge in enumerate(proof.path)}
    for i, edge in enumerate(proof.path):
        stamp = history[edge.dest] if last[edge.dest] == i else None
        moves.append((edge.trigger, edge.source, edge.dest, stamp))
    return moves


def _source(value: object) -> TransitionSource:
    text = getattr(value, "value", value)
    if text not in TRANSITION_SOURCES:
        raise InvalidValueError(
            f"invalid transition source {value!r}: one of {', '.join(TRANSITION_SOURCES)}"
        )
    return text


def _version_status(value: object) -> VersionStatus:
    return VersionStatus.parse(value)


def _optional_version_status(value: object) -> VersionStatus | None:
    return None if value is None else VersionStatus.parse(value)


def _optional_stamp(value: object) -> datetime | None:
    return None if value is None else parse_timestamp(value, field="stamp").astimezone(_UTC)


def _edge(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidValueError(f"invalid edge {value!r}: expected a trigger name")
    return value


@attrs.frozen
class TransitionEvent:
    """One committed move of one version, as a listener receives it.

    ``edge`` is the trigger's name (``create`` for a version's creation, whose
    ``from_status`` is None); ``stamp`` is AWS's stamp of the status entered, when its history
    holds one; ``source`` says what made the move: a local trigger, AWS's answer to a call,
    reconciling, or an event.
    """

    registration_id: str = attrs.field(converter=validate_registration_id)
    version_number: int = attrs.field(converter=validate_version_number)
    edge: str = attrs.field(converter=_edge)
    from_status: VersionStatus | None = attrs.field(converter=_optional_version_status)
    to_status: VersionStatus = attrs.field(converter=_version_status)
    stamp: datetime | None = attrs.field(converter=_optional_stamp)
    source: TransitionSource = attrs.field(converter=_source)

    @classmethod
    def from_journal(cls, entry: JournalEntry | JournalMove) -> TransitionEvent:
        """The event for a journal entry (or a move before the store chained it)."""
        return cls(
            entry.registration_id,
            entry.version_number,
            entry.trigger,
            entry.from_status,
            entry.to_status,
            entry.stamp,
            entry.source,
        )
