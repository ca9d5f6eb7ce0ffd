"""What every store offers: the :class:`Store` protocol and the values it passes around."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, runtime_checkable

import attrs

from .._registration_shapes import snapshot_parts
from ..errors import InvalidValueError, MalformedDataError
from ..history import parse_timestamp
from ..registration import Registration
from ..statuses import RegistrationStatus
from ..version import validate_registration_id, validate_version_number
from ._journal import JournalEntry, JournalMove
from ._json_text import compact_encoder

__all__ = ["SCHEMA_VERSION", "Intent", "Loaded", "Store"]

SCHEMA_VERSION = 2
"""The newest store schema this library writes and reads (2 added the events seen)."""


@attrs.frozen(init=False)
class Loaded:
    """A stored registration with the revision a compare-and-set save must name."""

    registration: Registration = attrs.field(eq=False)
    revision: int
    next_check_at: datetime | None = None
    """When the registration is next due for a check (``Store.list(due_before=...)``)."""
    journal_head: str | None = None
    """The hash of the registration's last journal entry (None: no entry yet)."""

    def __init__(
        self,
        registration: Registration,
        revision: int,
        next_check_at: datetime | None = None,
        journal_head: str | None = None,
    ) -> None:
        # Every load makes one, so the slots are set through their descriptors: attrs' own
        # frozen __init__ goes through object.__setattr__, half again as slow.
        _SET_REGISTRATION(self, registration)
        _SET_REVISION(self, revision)
        _SET_NEXT_CHECK(self, next_check_at)
        _SET_HEAD(self, journal_head)

    @property
    def registration_id(self) -> str:
        return self.registration.registration_id


_SET_REGISTRATION = vars(Loaded)["registration"].__set__
_SET_REVISION = vars(Loaded)["revision"].__set__
_SET_NEXT_CHECK = vars(Loaded)["next_check_at"].__set__
_SET_HEAD = vars(Loaded)["journal_head"].__set__


@attrs.frozen
class Intent:
    """A claim on one operation (``submit``, ``discard`` ...) of one version, with a lease.

    A worker claims it before calling AWS and releases it in the transaction that saves the
    answer. One left behind is the trace of a worker that died in between; ``token`` tells
    one claim from a later one on the same operation.
    """

    registration_id: str
    version_number: int
    operation: str
    worker_id: str
    claimed_at: datetime
    expires_at: datetime
    token: str

    def expired(self, at: datetime) -> bool:
        """True when the lease has run out at ``at``."""
        return at >= self.expires_at

    def __str__(self) -> str:
        return (
            f"{self.operation} of {self.registration_id} version {self.version_number} "
            f"(worker {self.worker_id}, lease until {self.expires_at.isoformat()})"
        )


@runtime_checkable
class Store(Protocol):
    """Durable registrations with optimistic concurrency, a journal and operation intents.

    Every write of a registration and its journal entries is one transaction: it happens
    whole or not at all.
    """

    def migrate(self) -> int:
        """Bring the schema to :data:`SCHEMA_VERSION` (idempotent); return the version."""
        ...

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the store."""
        ...

    def load(self, registration_id: str) -> Loaded:
        """The registration and its revision; ``RegistrationNotStored`` when absent."""
        ...

    def save(
        self,
        registration: Registration,
        *,
        expected_revision: int | None,
        journal_entries: Sequence[JournalMove] = (),
        next_check_at: datetime | None = None,
        release: Intent | None = None,
    ) -> int:
        """Compare and set: store ``registration`` if its revision is still ``expected_revision``.

        ``None`` creates it, refusing an id already stored. The journal entries are appended
        and ``release`` released in the same transaction; a moved revision raises
        ``ConcurrentUpdateError``, a lost intent ``IntentLostError``, and nothing changes.
        Returns the new revision. Saving also ends any due-check lease (``claim_due``).
        """
        ...

    def list(
        self,
        *,
        status: RegistrationStatus | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> tuple[Loaded, ...]:
        """Stored registrations by status and by when next due, soonest due first."""
        ...

    def claim_due(self, limit: int, worker_id: str, lease: timedelta) -> tuple[Loaded, ...]:
        """Lease up to ``limit`` registrations due for a check now, none leased to another."""
        ...

    def journal(self, registration_id: str) -> tuple[JournalEntry, ...]:
        """The registration's journal, oldest entry first."""
        ...

    def claim_intent(
        self,
        registration_id: str,
        version_number: int,
        operation: str,
        worker_id: str,
        lease: timedelta,
    ) -> Intent:
        """Claim an operation; ``OperationInProgress`` while any intent for it is stored."""
        ...

    def take_over_intent(self, intent: Intent, worker_id: str, lease: timedelta) -> Intent:
        """Take over an expired intent (after reading the versions back), with a new lease."""
        ...

    def release_intent(self, intent: Intent) -> None:
        """Release an intent this claim still holds; ``IntentLostError`` otherwise."""
        ...

    def intents(self, registration_id: str) -> tuple[Intent, ...]:
        """The intents stored for a registration."""
        ...

    def expired_intents(self, at: datetime | None = None) -> tuple[Intent, ...]:
        """Every intent whose lease ran out by ``at`` (default: now), for ``recover()``."""
        ...

    def record_event(
        self, event_id: str, registration_id: str, *, at: datetime | None = None
    ) -> bool:
        """Record that an event was handled: True the first time, False when it was already.

        One atomic insert-if-absent, keyed by (registration id, event id), so that of several
        workers handling the same delivered event exactly one is told it is new.
        """
        ...

    def events_seen(self, registration_id: str) -> tuple[str, ...]:
        """The event ids recorded for a registration, in code point order."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


# -- checks and conversions shared by the stores ----------------------------------------------


def utc(value: object, field: str) -> datetime:
    return parse_timestamp(value, field=field).astimezone(timezone.utc)


def check_lease(lease: object) -> timedelta:
    if not isinstance(lease, timedelta) or lease <= timedelta(0):
        raise InvalidValueError(f"a lease is a positive timedelta, got {lease!r}")
    return lease


def check_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200 or "\x00" in value:
        raise InvalidValueError(f"{what} is a non-empty string of at most 200 characters")
    return value


def check_limit(limit: object, *, optional: bool = False) -> int | None:
    if limit is None and optional:
        return None
    if limit.__class__ is not int or limit < 1:
        raise InvalidValueError(f"a limit is a positive integer, got {limit!r}")
    return limit


def check_revision(revision: object) -> int | None:
    if revision is None:
        return None
    if revision.__class__ is not int or revision < 1:
        raise InvalidValueError(f"a revision is a positive integer or None, got {revision!r}")
    return revision


def check_moves(
    registration: Registration, moves: Sequence[JournalMove]
) -> tuple[JournalMove, ...]:
    if isinstance(moves, (str, bytes)):
        raise InvalidValueError("journal_entries is a sequence of JournalMove objects")
    out = tuple(moves)
    for move in out:
        if not isinstance(move, JournalMove):
            raise InvalidValueError(
                f"journal_entries holds JournalMove objects, got {type(move).__name__}"
            )
        if move.registration_id != registration.registration_id:
            raise InvalidValueError(
                f"a move of {move.registration_id} cannot be saved with "
                f"{registration.registration_id}"
            )
    return out


def check_release(registration: Registration, release: object) -> Intent | None:
    if release is None:
        return None
    if not isinstance(release, Intent):
        raise InvalidValueError(f"release is an Intent, got {type(release).__name__}")
    if release.registration_id != registration.registration_id:
        raise InvalidValueError(
            f"an intent of {release.registration_id} cannot be released by a save of "
            f"{registration.registration_id}"
        )
    return release


def check_event(event_id: object, registration_id: object) -> tuple[str, str]:
    """``record_event``'s checked (event id, registration id)."""
    return check_name(event_id, "an event id"), validate_registration_id(registration_id)


def check_registration(registration: object) -> Registration:
    if not isinstance(registration, Registration):
        raise InvalidValueError(f"expected a Registration, got {type(registration).__name__}")
    return registration


def new_intent(
    registration_id: object,
    version_number: object,
    operation: object,
    worker_id: object,
    lease: object,
    now: datetime,
) -> Intent:
    return Intent(
        validate_registration_id(registration_id),
        validate_version_number(version_number),
        check_name(operation, "an operation"),
        check_name(worker_id, "a worker id"),
        now,
        now + check_lease(lease),
        uuid.uuid4().hex,
    )


def body(registration: Registration, *, private: bool = False) -> str:
    """The stored text of ``registration``: ``json.dumps(to_dict())``, compact.

    Decision (issue 11): a version whose state has not moved since it was read or written is
    written as the text it was read or written as (``RegistrationVersion._text_memo``), so a
    save encodes only the versions that changed. A body the store wrote reads back as that
    same text; a version read from a body edited by hand keeps its hand's spelling until it
    moves, which parses to the same version. ``private``: no other thread can reach
    ``registration`` (the store's own snapshot), so no lock is taken to read it.
    """
    head, states, violations = snapshot_parts(registration, private=private)
    parts = []
    for version, state in states:
        memo = version._text_memo
        if memo is not None and memo[0] is state:
            parts.append(memo[1])
        else:
            text = _ENCODE(version._snapshot(state))
            version._text_memo = (state, text)
            parts.append(text)
    out = _ENCODE(head)[:-1] + ',"versions":[' + ",".join(parts) + "]"
    if violations:
        out += ',"rule_violations":' + _ENCODE(violations)
    return out + "}"


def registration_from(text: str | dict[str, Any]) -> Registration:
    """The registration a stored body holds; ``MalformedDataError`` when it is not one."""
    spans: list[str] | None = None
    if isinstance(text, str):
        scanned = _scan_body(text)
        if scanned is not None:
            data, spans = scanned
        else:
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise MalformedDataError(
                    f"the stored body is not JSON: {exc}", path="body"
                ) from exc
    else:
        data = text
    registration = Registration.from_dict(data)
    if spans:
        _keep_spans(registration, data["versions"], spans)
    return registration


def _scan_body(text: str) -> tuple[dict[str, Any], list[str] | None] | None:
    """``json.loads(text)`` of a JSON object, with the text of each item of its ``versions``
    array; None for any other text, which ``json.loads`` then reads (or refuses).

    The values are decoded by json's own scanner, one top-level value at a time, between
    JSON's own whitespace (PostgreSQL prints ``jsonb`` with spaces), and a key given twice
    keeps its last value as ``json.loads`` does, so what this returns is what ``json.loads``
    returns.
    """
    scan = _SCAN
    data: dict[str, Any] = {}
    spans: list[str] | None = None
    try:
        if text[0] != "{":
            return None
        i = _skip(text, 1)
        while True:
            if text[i] != '"':
                return None
            key, i = scan(text, i)
            i = _skip(text, i)
            if text[i] != ":":
                return None
            i = _skip(text, i + 1)
            if key != "versions":
                value, i = scan(text, i)
            elif text[i] == "[":
                value, spans, i = _scan_array(text, _skip(text, i + 1))
            else:  # the last "versions" is what counts, and this one is no array
                value, i = scan(text, i)
                spans = None
            data[key] = value
            i = _skip(text, i)
            mark = text[i]
            if mark == ",":
                i = _skip(text, i + 1)
            elif mark == "}" and _skip(text, i + 1) == len(text):
                return data, spans
            else:
                return None
    except (IndexError, StopIteration, ValueError, _Unexpected):
        return None


def _scan_array(text: str, i: int) -> tuple[list[Any], list[str], int]:
    """The array whose first item (or end) is at ``i``: its items, their texts, its end."""
    items: list[Any] = []
    spans: list[str] = []
    if text[i] == "]":
        return items, spans, i + 1
    scan = _SCAN
    while True:
        item, after = scan(text, i)
        items.append(item)
        spans.append(text[i:after])
        mark = text[after]
        if mark == ",":
            i = after + 1
            if text[i] in _BLANKS:
                i = _skip(text, i)
        elif mark == "]":
            return items, spans, after + 1
        elif mark in _BLANKS:
            after = _skip(text, after)
            if text[after] == ",":
                i = _skip(text, after + 1)
            elif text[after] == "]":
                return items, spans, after + 1
            else:
                raise _Unexpected
        else:
            raise _Unexpected


def _skip(text: str, i: int) -> int:
    """The index of the first character at or after ``i`` that is not JSON whitespace."""
    if i < len(text) and text[i] in _BLANKS:
        return _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]
    return i


def _keep_spans(registration: Registration, items: list[Any], spans: list[str]) -> None:
    """Give each version the text of the item it was read from (see :func:`body`)."""
    by_number = {
        item["version_number"]: span
        for item, span in zip(items, spans)
        if item.__class__ is dict and item.get("version_number").__class__ is int
    }
    if len(by_number) != len(items):
        return
    for version in registration._held:
        span = by_number.get(version._version_number)
        if span is not None:
            version._text_memo = (version._state, span)


class _Unexpected(Exception):
    """A versions array ``_scan_array`` cannot read: the text is left to ``json.loads``."""


_SCAN: Any = vars(json.JSONDecoder())["scan_once"]
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_BLANKS = frozenset(" \t\n\r")
_ENCODE = compact_encoder(sort_keys=False)
"""``json.dumps(..., separators=(",", ":"))``: a snapshot is a tree of fresh dicts and lists."""
