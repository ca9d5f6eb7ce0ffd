"""The journal: every committed move, appended and hash-chained, never rewritten.

A :class:`JournalMove` is what a caller hands to ``Store.save``: one move of one version,
from where it came (``local``, ``answer``, ``reconcile``, ``event``) and which worker made it.
The store numbers it, stamps the time it was recorded and chains it, in the transaction that
saves the registration, into a :class:`JournalEntry`. Each entry's hash is the SHA-256 of its
canonical JSON (sorted keys, no whitespace, ISO-8601 UTC times), which holds the previous
entry's hash: an entry edited, removed, moved or slipped in breaks the chain at that place.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from json import encoder as json_encoder
from typing import Any

import attrs

from ..errors import InvalidValueError, JournalDerivationError, MalformedDataError
from ..history import parse_timestamp, utc_text
from ..lifecycle import LIFECYCLE
from ..moves import (
    CREATE_TRIGGER,
    _optional_stamp,
    _optional_version_status,
    _version_status,
    unmoved,
    version_moves,
)
from ..registration import Registration
from ..statuses import VersionStatus
from ..version import RegistrationVersion, validate_registration_id, validate_version_number
from ._json_text import compact_encoder

__all__ = [
    "CREATE_TRIGGER",
    "GENESIS_HASH",
    "JournalEntry",
    "JournalMove",
    "JournalSource",
    "canonical_json",
    "chain",
    "journal_moves",
]

GENESIS_HASH = "0" * 64
"""The previous hash of a registration's first entry."""


class JournalSource(str, enum.Enum):
    """Where a move came from."""

    LOCAL = "local"
    """A move made by the model alone (a trigger fired locally)."""
    ANSWER = "answer"
    """AWS's answer to a call (Submit, Discard, CreateRegistrationVersion)."""
    RECONCILE = "reconcile"
    """Reading the versions back from AWS."""
    EVENT = "event"
    """An event delivered by AWS (EventBridge, SNS)."""

    def __str__(self) -> str:
        return self.value


def _iso(value: datetime | None) -> str | None:
    return None if value is None else utc_text(value)


def _utc(value: object, field: str) -> datetime:
    return parse_timestamp(value, field=field).astimezone(timezone.utc)


def _trigger(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidValueError(f"a journal trigger is a non-empty string, got {value!r}")
    return value


def _worker(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidValueError(f"a worker id is a string or None, got {value!r}")
    return value


@attrs.frozen
class JournalMove:
    """One move of one version, before the store numbers and chains it."""

    registration_id: str = attrs.field(converter=validate_registration_id)
    version_number: int = attrs.field(converter=validate_version_number)
    trigger: str = attrs.field(converter=_trigger)
    from_status: VersionStatus | None = attrs.field(converter=_optional_version_status)
    """None for the creation of the version (trigger :data:`CREATE_TRIGGER`)."""
    to_status: VersionStatus = attrs.field(converter=_version_status)
    stamp: datetime | None = attrs.field(converter=_optional_stamp)
    """AWS's stamp of the status entered, when the history holds it."""
    source: JournalSource = attrs.field(converter=JournalSource)
    worker_id: str | None = attrs.field(default=None, converter=_worker)


@attrs.frozen
class JournalEntry:
    """A committed move as the journal holds it: numbered, timed and chained."""

    registration_id: str
    sequence: int
    """1 for a registration's first entry, then one more for each."""
    version_number: int
    trigger: str
    from_status: VersionStatus | None
    to_status: VersionStatus
    stamp: datetime | None
    source: JournalSource
    worker_id: str | None
    recorded_at: datetime
    previous_hash: str
    hash: str

    @property
    def move(self) -> JournalMove:
        """The move this entry records."""
        return JournalMove(
            self.registration_id,
            self.version_number,
            self.trigger,
            self.from_status,
            self.to_status,
            self.stamp,
            self.source,
            self.worker_id,
        )

    def computed_hash(self) -> str:
        """The hash this entry's content and previous hash call for."""
        return _sha256(canonical_json(self).encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-safe data, hash included; :meth:`from_dict` reads it back."""
        data = _content(self)
        data["hash"] = self.hash
        return data

    @classmethod
    def from_dict(cls, data: object) -> JournalEntry:
        """Read an entry written by :meth:`to_dict`; its hash is kept, not recomputed."""
        if not isinstance(data, dict):
            raise MalformedDataError(f"expected an object, got {type(data).__name__}")
        keys = set(_FIELDS) | {"hash"}
        if set(data) != keys:
            raise MalformedDataError(
                f"a journal entry has the keys {sorted(keys)}, got {sorted(data)}", value=data
            )
        move = JournalMove(
            data["registration_id"],
            data["version_number"],
            data["trigger"],
            data["from_status"],
            data["to_status"],
            data["stamp"],
            data["source"],
            data["worker_id"],
        )
        sequence = data["sequence"]
        if sequence.__class__ is not int or sequence < 1:
            raise MalformedDataError(f"sequence must be a positive integer, got {sequence!r}")
        return _entry(
            move,
            sequence,
            _utc(data["recorded_at"], "recorded_at"),
            _hash_text(data["previous_hash"], "previous_hash"),
            _hash_text(data["hash"], "hash"),
        )


_FIELDS = (
    "registration_id",
    "sequence",
    "version_number",
    "trigger",
    "from_status",
    "to_status",
    "stamp",
    "source",
    "worker_id",
    "recorded_at",
    "previous_hash",
)


def _hash_text(value: object, field: str) -> str:
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        raise MalformedDataError(f"{field} must be 64 lowercase hex digits, got {value!r}")
    return value


def _content(entry: JournalEntry) -> dict[str, Any]:
    return _fields(entry, entry.sequence, _iso(entry.recorded_at), entry.previous_hash)


def _fields(
    move: JournalMove | JournalEntry, sequence: int, recorded: str | None, previous_hash: str
) -> dict[str, Any]:
    """Every field of an entry but its hash, JSON-safe: what the hash is taken over."""
    return dict(zip(_FIELDS, _move_row(move, sequence, recorded, previous_hash)))


def canonical_json(entry: JournalEntry) -> str:
    """The text an entry's hash is taken over: every field but the hash, canonically."""
    return _CANONICAL(_content(entry))


_CANONICAL = compact_encoder(sort_keys=True)
"""``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=True)``."""
_sha256 = hashlib.sha256


def _entry(
    move: JournalMove, sequence: int, recorded_at: datetime, previous_hash: str, hash_: str
) -> JournalEntry:
    """``JournalEntry(...)`` of a move and its chaining, set through the slots (JournalEntry
    converts nothing; its frozen ``__init__`` sets twelve fields one ``object.__setattr__``
    at a time)."""
    entry = _new_object(JournalEntry)
    put = _PUT_ENTRY
    put[0](entry, move.registration_id)
    put[1](entry, sequence)
    put[2](entry, move.version_number)
    put[3](entry, move.trigger)
    put[4](entry, move.from_status)
    put[5](entry, move.to_status)
    put[6](entry, move.stamp)
    put[7](entry, move.source)
    put[8](entry, move.worker_id)
    put[9](entry, recorded_at)
    put[10](entry, previous_hash)
    put[11](entry, hash_)
    return entry


def chain(
    moves: Iterable[JournalMove],
    *,
    recorded_at: datetime,
    after: JournalEntry | None = None,
) -> tuple[JournalEntry, ...]:
    """Number, time and chain ``moves`` after ``after`` (the registration's last entry)."""
    items = tuple(moves)
    if after is not None:
        for move in items:
            if move.registration_id != after.registration_id:
                raise InvalidValueError(
                    f"a move of {move.registration_id} cannot follow the journal of "
                    f"{after.registration_id}"
                )
    return chain_from(
        items,
        recorded_at=recorded_at,
        sequence=0 if after is None else after.sequence,
        previous_hash=GENESIS_HASH if after is None else after.hash,
    )


def chain_from(
    moves: Iterable[JournalMove], *, recorded_at: datetime, sequence: int, previous_hash: str
) -> tuple[JournalEntry, ...]:
    """:func:`chain` after the entry numbered ``sequence`` whose hash is ``previous_hash``."""
    rows = chain_rows(
        moves, recorded_at=recorded_at, sequence=sequence, previous_hash=previous_hash
    )
    return tuple([entry for entry, _ in rows])


def chain_rows(
    moves: Iterable[JournalMove], *, recorded_at: datetime, sequence: int, previous_hash: str
) -> list[tuple[JournalEntry, tuple[Any, ...]]]:
    """:func:`chain_from`, each entry with its fields as its hash was taken over them (the
    times as ISO-8601 UTC text), then its hash: the row a store of text writes."""
    recorded = _utc(recorded_at, "recorded_at")
    recorded_text = utc_text(recorded)
    previous = previous_hash
    out: list[tuple[JournalEntry, tuple[Any, ...]]] = []
    for move in moves:
        sequence += 1
        row = _move_row(move, sequence, recorded_text, previous)
        # A previous hash that is no text is no hash a store keeps: left to the encoder.
        text = (
            _canonical_row(*row)
            if previous.__class__ is str
            else _CANONICAL(dict(zip(_FIELDS, row)))
        )
        digest = _sha256(text.encode()).hexdigest()
        out.append((_entry(move, sequence, recorded, previous, digest), (*row, digest)))
        previous = digest
    return out


def _move_row(
    move: JournalMove | JournalEntry, sequence: int, recorded: str | None, previous: str
) -> tuple[Any, ...]:
    """An entry's fields but its hash, JSON-safe, in the order of ``_FIELDS`` (the journal's
    columns): the row a store of text writes, and what the hash is taken over."""
    start, stamp = move.from_status, move.stamp
    return (
        move.registration_id,
        sequence,
        move.version_number,
        move.trigger,
        None if start is None else start.value,
        move.to_status.value,
        None if stamp is None else utc_text(stamp),
        move.source.value,
        move.worker_id,
        recorded,
        previous,
    )


def _canonical_row(
    registration_id: str,
    sequence: int,
    version_number: int,
    trigger: str,
    from_status: str | None,
    to_status: str,
    stamp: str | None,
    source: str,
    worker_id: str | None,
    recorded_at: str,
    previous_hash: str,
) -> str:
    """``_CANONICAL(dict(zip(_FIELDS, row)))`` of a :func:`_move_row`, written out.

    Decision (issue 11): the encoder sorted and encoded the eleven fields in 38,000 machine
    instructions per entry, a twentieth of a submit's own work. Here the keys are in sorted
    order already; a status, a source and a time are text that JSON writes as it is (capital
    or small letters, digits, ``_``, ``-``, ``:``, ``.``, ``+``), so only the four texts a
    caller chooses are escaped, by the encoder's own C function. A test holds this to
    ``json.dumps(..., sort_keys=True)``.
    """
    start = "null" if from_status is None else f'"{from_status}"'
    entered = "null" if stamp is None else f'"{stamp}"'
    worker = "null" if worker_id is None else _json_string(worker_id)
    return (
        f'{{"from_status":{start},"previous_hash":{_json_string(previous_hash)},'
        f'"recorded_at":"{recorded_at}","registration_id":{_json_string(registration_id)},'
        f'"sequence":{sequence:d},"source":"{source}","stamp":{entered},'
        f'"to_status":"{to_status}","trigger":{_json_string(trigger)},'
        f'"version_number":{version_number:d},"worker_id":{worker}}}'
    )


_json_string = json_encoder.encode_basestring_ascii


def journal_moves(
    before: Registration | None,
    after: Registration,
    *,
    source: JournalSource | str,
    worker_id: str | None = None,
) -> tuple[JournalMove, ...]:
    """The moves that take ``before`` (None: nothing stored yet) to ``after``, per version.

    A version new in ``after`` gets a creation entry (:data:`CREATE_TRIGGER`, to DRAFT at its
    DraftTimestamp), then its moves. Each version's moves are the legal path the evidence rule
    (:func:`registration_fsm.evidence.judge`) proves from its old status and history to its new
    ones; each entry's stamp is the new history's stamp of the status it enters (None for an
    earlier entry into a status the path enters again, whose stamp AWS overwrote). A change
    the stamps prove no path for raises :class:`JournalDerivationError`.
    """
    origin = source if source.__class__ is JournalSource else JournalSource(source)
    worker_id = _worker(worker_id)
    rid = after.registration_id
    if before is not None and before.registration_id != rid:
        raise InvalidValueError(
            f"cannot journal {before.registration_id} becoming {rid}: not the same registration"
        )
    # Read as held: the versions are only read here, so a shared one is not copied.
    old = {} if before is None else {v._version_number: v for v in before._held}
    held = after._held
    gone = sorted(set(old) - {v._version_number for v in held})
    if gone:
        raise JournalDerivationError(
            rid, gone[0], "the version is gone: versions never vanish", ()
        )
    moves: list[JournalMove] = []
    for version in held:
        prior = old.get(version._version_number)
        # Most versions did not move (one operation moves one): asked here, before any work;
        # a version both sides share (a store's cached one) is the same object.
        if prior is None or not (prior is version or unmoved(prior, version)):
            moves.extend(_version_moves(prior, version, origin, worker_id))
    return tuple(moves)


def _version_moves(
    before: RegistrationVersion | None,
    after: RegistrationVersion,
    source: JournalSource,
    worker_id: str | None,
) -> list[JournalMove]:
    rid, number = after._registration_id, after._version_number
    return [
        _move_of((rid, number, trigger, start, dest, stamp, source, worker_id))
        for trigger, start, dest, stamp in version_moves(before, after)
    ]


def _move_of(fields: tuple[Any, ...]) -> JournalMove:
    """``JournalMove(*fields)`` for fields that are already what its converters return (a
    version's own id and number, an edge of the lifecycle, its statuses, a UTC stamp held by
    a history, a source, a checked worker id): set through the slots, converting nothing."""
    move = _new_object(JournalMove)
    for put, value in zip(_PUT_MOVE, fields):
        put(move, value)
    return move


_new_object = object.__new__
_PUT_MOVE = tuple(vars(JournalMove)[field.name].__set__ for field in attrs.fields(JournalMove))
_PUT_ENTRY = tuple(vars(JournalEntry)[field.name].__set__ for field in attrs.fields(JournalEntry))


def replay_edge_ok(status: VersionStatus | None, entry: JournalMove | JournalEntry) -> bool:
    """Whether ``entry`` is a legal move from ``status`` (None: the version does not exist)."""
    if entry.from_status is not status:
        return False
    if status is None:
        return entry.trigger == CREATE_TRIGGER and entry.to_status is VersionStatus.DRAFT
    edge = LIFECYCLE.edge(status, entry.trigger)
    return edge is not None and edge.dest is entry.to_status


def entries_of(entries: Sequence[JournalEntry]) -> tuple[JournalEntry, ...]:
    """``entries`` as a tuple, refusing anything that is not a :class:`JournalEntry`."""
    for item in entries:
        if not isinstance(item, JournalEntry):
            raise InvalidValueError(f"expected JournalEntry objects, got {type(item).__name__}")
    return tuple(entries)
