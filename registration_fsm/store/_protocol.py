"""What every store offers: the :class:`Store` protocol and the values it passes around."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from os import urandom as _urandom
from typing import Protocol, runtime_checkable

import attrs

from ..errors import InvalidValueError
from ..history import parse_timestamp
from ..registration import Registration
from ..statuses import RegistrationStatus
from ..version import validate_registration_id, validate_version_number
from ._journal import JournalEntry, JournalMove

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
        # 128 random bits as 32 hex digits, as uuid4().hex gives them (and secrets.token_hex,
        # through two more calls), without building a UUID.
        _urandom(16).hex(),
    )
