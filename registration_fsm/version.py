"""One registration version: its status, its history, and the triggers that move it."""

from __future__ import annotations

import functools
import operator
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from .clock import DEFAULT_CLOCK, Clock
from .errors import (
    IllegalRemoteTransition,
    InvalidDefinition,
    InvalidHistory,
    InvalidTimestamp,
    InvalidTransition,
    InvalidValueError,
    MalformedDataError,
    StampOrderError,  # noqa: F401  (raised by the generated trigger bodies)
    UnexpectedAnswerError,
    UnknownTriggerError,
)
from .evidence import Proof, judge_stamps, require_aws_review
from .history import (
    _AWS_KEYS,
    STAMP_INDEX,
    StatusHistory,
    parse_timestamp,
    require_history,
    stamp_text,
)
from .history import (
    EARLIEST as _EARLIEST,
)
from .history import (
    LATEST as _LATEST,
)
from .lifecycle import LIFECYCLE, Edge
from .statuses import VersionStatus
from .values import (
    _ID_FULLMATCH,
    _ID_MAX,
    MAX_VERSION_NUMBER,
    VersionInfo,
    validate_registration_arn,
    validate_registration_id,
    validate_registration_type,
    validate_version_number,
)

if TYPE_CHECKING:
    from .backends.base import Backend

__all__ = [
    "RegistrationVersion",
    "SNAPSHOT_SCHEMA",
    "SNAPSHOT_SCHEMA_VERSION",
    "validate_registration_arn",
    "validate_registration_id",
    "validate_registration_type",
    "validate_version_number",
]

SNAPSHOT_SCHEMA = "registration_fsm/version"
SNAPSHOT_SCHEMA_VERSION = 1
SNAPSHOT_KEYS = frozenset(
    (
        "schema",
        "schema_version",
        "registration_id",
        "version_number",
        "registration_arn",
        "status",
        "history",
    )
)
"""The keys a version snapshot may hold (``to_dict`` writes all of them)."""
_UTC = timezone.utc
_datetime = datetime

# The hot path reads these private dicts directly; LIFECYCLE.table is the read-only public view.
_NEXT = LIFECYCLE._next
_ALLOWED = LIFECYCLE._allowed
_TRIGGERS = frozenset(LIFECYCLE.triggers)
_STAMP_COUNT = sum(1 for slot in STAMP_INDEX.values() if slot is not None)
# For RegistrationVersion.new(): the stamps of a fresh draft after its DraftTimestamp.
_UNSTAMPED: tuple[None, ...] = (None,) * (_STAMP_COUNT - 1)
_DRAFT = VersionStatus.DRAFT
_new_object = object.__new__
_Lock = threading.Lock

_State = tuple[VersionStatus, tuple["datetime | None", ...], datetime]


def _coerce_at(at: object) -> datetime:
    if not isinstance(at, datetime):
        raise InvalidTimestamp(
            at, f"expected a timezone-aware datetime, got {type(at).__name__}", field="at"
        )
    return parse_timestamp(at, field="at")


def held_state(status: VersionStatus, stamps: tuple[datetime | None, ...]) -> _State | None:
    """The state of ``status`` with these in-range UTC stamps, if a version can hold it (a
    draft stamp, and the status holding the latest stamp), else None: the one test of a
    state, for a version's own moves (:func:`_checked_state`) and for the stores' readers."""
    if stamps[0] is None:
        return None
    latest = max(filter(None, stamps))  # a datetime is never false
    slot = STAMP_INDEX[status]
    if slot is not None and stamps[slot] is not None and stamps[slot] != latest:
        return None
    return (status, stamps, latest)


def _checked_state(
    status: VersionStatus, history: object
) -> tuple[tuple[datetime | None, ...], datetime]:
    """The stamps and latest stamp of a state a version can hold, else InvalidHistory.

    This is what a snapshot must satisfy to be read back, so every state the model takes on,
    a leniently adopted one included, passes it: the status has the latest stamp.
    """
    require_history(history)
    assert isinstance(history, StatusHistory)
    stamps = history._stamps()
    state = held_state(status, stamps)
    if state is None:  # a StatusHistory always has its draft stamp: the status is not latest
        slot = STAMP_INDEX[status]
        own = None if slot is None else stamps[slot]
        assert own is not None
        later = [s.value for s, t in history.stamped() if t > own]
        raise InvalidHistory(
            status,
            f"{', '.join(later)} stamped after {status.value} ({own.isoformat()}); "
            "the status must be the latest stamp",
        )
    return stamps, state[2]


_F = TypeVar("_F", bound=Callable[..., VersionStatus])

# The body every trigger method runs. It is generated once per trigger, at import, so that the
# hot path is a single call with the trigger's own destination table bound in: about half the
# cost of a generic method taking the trigger's name. Customer triggers (a ``backend``
# parameter in their declaration) get one test in front that hands a call with a backend to
# ``_call_backend``; the local path stays the same single call. The lock is taken with
# acquire/release rather than ``with``: the same guarantee for about half the cost on CPython
# 3.10 and 3.11.
_TRIGGER_BODY = """
def {name}(self, {params}*, {kwparams}at=None):
{remote}    lock = self._lock
    lock.acquire()
    try:
        status, stamps, latest = self._state
        dest = _dest.get(status)
        if dest is None:
            raise self._refusal(status, {name!r})
        if at is None:
            at = self._clock()
        if at.__class__ is not _datetime or at.tzinfo is not _UTC or at >= _LATEST:
            at = _coerce_at(at)
        if at < latest:
            raise StampOrderError(at, latest, {name!r})
{store}
        return dest
    finally:
        lock.release()
"""

# How a trigger stores the move. A destination without a history field keeps the stamps; one
# with a field gets the stamps rebuilt in one tuple display with ``at`` in the field's slot,
# which costs a fraction of copying them through a list.
_STORE_UNSTAMPED = "        self._state = (dest, stamps, latest)"
_STORE_STAMPED = "        {names} = stamps\n        self._state = (dest, ({stamps}), at)"


def _store(trigger: str, dests: Iterable[VersionStatus]) -> str:
    """The store step of ``trigger``'s body; every destination must use the same slot."""
    slots = {STAMP_INDEX[dest] for dest in dests}
    if len(slots) != 1:
        raise InvalidDefinition(
            [
                f"trigger {trigger!r} leads to statuses stamped in different history fields; "
                "a generated trigger method stores one"
            ]
        )
    (slot,) = slots
    if slot is None:
        return _STORE_UNSTAMPED
    names = [f"_s{i}" for i in range(_STAMP_COUNT)]
    return _STORE_STAMPED.format(
        names=", ".join(names),
        stamps=", ".join("at" if i == slot else n for i, n in enumerate(names)),
    )


def _trigger(declared: _F) -> _F:
    """Give a declared trigger method its generated body, keeping its name, signature and doc.

    The declaration is what users, editors and mypy see; the body is compiled from
    ``_TRIGGER_BODY`` with the trigger's row of the compiled lifecycle.
    """
    name = declared.__name__
    if name not in _TRIGGERS:
        raise InvalidDefinition(
            [f"method {name!r} is declared as a trigger; the lifecycle has none"]
        )
    dest = {s: d[name] for s, d in _NEXT.items() if name in d}
    code = declared.__code__
    declared_params = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    params = kwparams = remote = ""
    if "backend" in declared_params:
        params = "backend=None, "
        test = "backend is not None"
        review = "False"
        if "aws_review" in declared_params:
            kwparams = "aws_review=False, "
            test += " or aws_review"
            review = "aws_review"
        remote = (
            f"    if {test}:\n        return self._call_backend({name!r}, backend, {review}, at)\n"
        )
    body = _TRIGGER_BODY.format(
        name=name,
        params=params,
        kwparams=kwparams,
        remote=remote,
        store=_store(name, dest.values()),
    )
    # Compiled inside a factory, so the method's globals are this module's (its annotations
    # resolve for typing.get_type_hints) and its destination table is a closure variable.
    indented = "".join(f"    {line}" if line.strip() else line for line in body.splitlines(True))
    factory: dict[str, Any] = {}
    exec(f"def _make(_dest):{indented}\n    return {name}\n", globals(), factory)
    generated = factory["_make"](dest)
    functools.update_wrapper(generated, declared)
    del generated.__wrapped__
    generated._lifecycle_trigger = name
    return generated  # type: ignore[no-any-return]


class RegistrationVersion:
    """A registration version that moves only along the lifecycle.

    Each trigger is a method (``submit()``, ``approve()``, ...). A trigger the lifecycle does
    not allow raises :class:`~registration_fsm.InvalidTransition` and changes nothing; an
    allowed one stamps the new status into the history. Every change happens under the
    version's own lock and replaces the status and the history in one step, so threads firing
    triggers at one version never see a half-applied change.

    This is a stateful entity rather than an attrs value: its state changes in place under a
    lock, while the values it hands out (:class:`~registration_fsm.StatusHistory`) are frozen.
    """

    __slots__ = (
        "__weakref__",
        "_clock",
        "_history_cache",
        "_last_answer",
        "_lock",
        "_registration_arn",
        "_registration_id",
        "_state",
        "_text_memo",
        "_version_number",
    )

    _registration_id: str
    _version_number: int
    _registration_arn: str | None
    _clock: Clock
    _state: _State
    _history_cache: tuple[tuple[datetime | None, ...], StatusHistory] | None
    _last_answer: VersionInfo | None
    _lock: threading.Lock
    _text_memo: tuple[_State, str] | None
    """A store's text for this version in the state it names (``store._body.body``):
    carried by copies, and of no use once the state moves on."""

    def __init__(
        self,
        registration_id: str,
        version_number: int,
        *,
        status: VersionStatus | str,
        history: StatusHistory,
        registration_arn: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._registration_id = validate_registration_id(registration_id)
        self._version_number = validate_version_number(version_number)
        if registration_arn is not None:
            validate_registration_arn(registration_arn)
        self._registration_arn = registration_arn
        parsed = VersionStatus.parse(status)
        stamps, latest = _checked_state(parsed, history)
        self._clock = clock if clock is not None else DEFAULT_CLOCK
        self._state = (parsed, stamps, latest)
        self._history_cache = None
        self._last_answer = None
        self._lock = threading.Lock()
        self._text_memo = None

    @classmethod
    def new(
        cls,
        registration_id: str,
        version_number: int = 1,
        *,
        at: datetime | None = None,
        registration_arn: str | None = None,
        clock: Clock | None = None,
    ) -> RegistrationVersion:
        """A new version in DRAFT, its DraftTimestamp stamped at ``at`` (default: the clock)."""
        clock = clock if clock is not None else DEFAULT_CLOCK
        draft = clock() if at is None else at
        if (
            draft.__class__ is not _datetime
            or draft.tzinfo is not _UTC
            or not _EARLIEST <= draft < _LATEST
        ):
            draft = parse_timestamp(draft, field="at")
        # Creating versions is a hot path too. When every argument is of the plain, valid kind,
        # the state is set directly, skipping the StatusHistory that __init__ would take apart
        # again; anything else goes through __init__, which validates and raises as usual.
        if (
            cls.__init__ is _INIT
            and registration_id.__class__ is str
            and 0 < len(registration_id) <= _ID_MAX
            and _ID_FULLMATCH(registration_id) is not None
            and version_number.__class__ is int
            and 1 <= version_number <= MAX_VERSION_NUMBER
            and registration_arn is None
        ):
            version = _new_object(cls)
            version._registration_id = registration_id
            version._version_number = version_number
            version._registration_arn = registration_arn
            version._clock = clock
            version._state = (_DRAFT, (draft,) + _UNSTAMPED, draft)  # noqa: RUF005
            version._history_cache = None
            version._lock = _Lock()
            version._last_answer = None
            version._text_memo = None
            return version
        return cls(
            registration_id,
            version_number,
            status=VersionStatus.DRAFT,
            history=StatusHistory._from_stamps((draft, *_UNSTAMPED)),
            registration_arn=registration_arn,
            clock=clock,
        )

    # -- read-only views -------------------------------------------------------------------

    @property
    def registration_id(self) -> str:
        """The RegistrationId (or ARN) the version belongs to."""
        return self._registration_id

    @property
    def version_number(self) -> int:
        """The version's number within its registration, from 1."""
        return self._version_number

    @property
    def registration_arn(self) -> str | None:
        """The registration's ARN, when known."""
        return self._registration_arn

    @property
    def status(self) -> VersionStatus:
        """The current status."""
        return self._state[0]

    @property
    def history(self) -> StatusHistory:
        """When the version entered each status, as a frozen value."""
        stamps = self._state[1]
        cache = self._history_cache
        if cache is not None and cache[0] is stamps:
            return cache[1]
        history = StatusHistory._from_stamps(stamps)
        self._history_cache = (stamps, history)
        return history

    @property
    def clock(self) -> Clock:
        """The clock that stamps triggers fired without ``at=``."""
        return self._clock

    @property
    def is_terminal(self) -> bool:
        """True when the version can no longer move."""
        return not _ALLOWED[self._state[0]]

    def allowed_triggers(self) -> tuple[str, ...]:
        """The triggers allowed from the current status, in definition order."""
        return _ALLOWED[self._state[0]]

    def can(self, trigger: str) -> bool:
        """True when ``trigger`` is allowed now; an unknown trigger name raises."""
        if not isinstance(trigger, str) or trigger not in _TRIGGERS:
            raise UnknownTriggerError(trigger, LIFECYCLE.triggers)
        return trigger in _NEXT[self._state[0]]

    # -- the triggers ----------------------------------------------------------------------

    def fire(self, trigger: str, *, at: datetime | None = None) -> VersionStatus:
        """Fire a trigger by name; the named methods below are the typed way to do this."""
        if not isinstance(trigger, str) or trigger not in _TRIGGERS:
            raise UnknownTriggerError(trigger, LIFECYCLE.triggers)
        method: Callable[..., VersionStatus] = getattr(self, trigger)
        return method(at=at)

    @_trigger
    def submit(
        self,
        backend: Backend | None = None,
        *,
        aws_review: bool = False,
        at: datetime | None = None,
    ) -> VersionStatus:
        """Submit the draft for review (DRAFT -> SUBMITTED); a customer API call.

        Without ``backend``, the move is local and stamped at ``at`` (default: the clock).
        With one, SubmitRegistrationVersion is called (``aws_review`` asks for AWS's
        pre-review) and the service's answer is adopted, stamps included; see
        :meth:`_call_backend`.
        """
        raise NotImplementedError

    @_trigger
    def discard(
        self, backend: Backend | None = None, *, at: datetime | None = None
    ) -> VersionStatus:
        """Abandon the version (from DRAFT, SUBMITTED or REQUIRES_AUTHENTICATION).

        With ``backend``, DiscardRegistrationVersion is called and its answer adopted.
        """
        raise NotImplementedError

    @_trigger
    def begin_aws_review(self, *, at: datetime | None = None) -> VersionStatus:
        """AWS starts its pre-review of a version submitted with AwsReview (-> AWS_REVIEWING)."""
        raise NotImplementedError

    @_trigger
    def begin_review(self, *, at: datetime | None = None) -> VersionStatus:
        """The review starts or resumes (-> REVIEWING)."""
        raise NotImplementedError

    @_trigger
    def require_authentication(self, *, at: datetime | None = None) -> VersionStatus:
        """The brand must confirm by email (-> REQUIRES_AUTHENTICATION)."""
        raise NotImplementedError

    @_trigger
    def complete_authentication(self, *, at: datetime | None = None) -> VersionStatus:
        """The brand confirmed by email; the review resumes (-> REVIEWING)."""
        raise NotImplementedError

    @_trigger
    def require_offline_review(self, *, at: datetime | None = None) -> VersionStatus:
        """The version is held for a review outside the automated flow."""
        raise NotImplementedError

    @_trigger
    def approve(self, *, at: datetime | None = None) -> VersionStatus:
        """The review approves the version (REVIEWING -> APPROVED)."""
        raise NotImplementedError

    @_trigger
    def deny(self, *, at: datetime | None = None) -> VersionStatus:
        """The review or an automated check denies the version (-> DENIED)."""
        raise NotImplementedError

    @_trigger
    def revoke(self, *, at: datetime | None = None) -> VersionStatus:
        """A previous approval is withdrawn (APPROVED -> REVOKED)."""
        raise NotImplementedError

    @_trigger
    def archive(self, *, at: datetime | None = None) -> VersionStatus:
        """A newer version was approved, so this one retires (APPROVED -> ARCHIVED)."""
        raise NotImplementedError

    def _call_backend(
        self, trigger: str, backend: Backend | None, aws_review: bool, at: datetime | None
    ) -> VersionStatus:
        """Carry out a customer trigger through ``backend`` and adopt the service's answer.

        Under the version's lock: the trigger is checked locally first (InvalidTransition
        before any call), the backend is called, the answer must be for this registration and
        version (UnexpectedAnswerError otherwise), and the answer's status and history are
        adopted if a legal path leads there (IllegalRemoteTransition otherwise). Whatever
        fails, the version is left exactly as it was.
        """
        if backend is None:
            raise InvalidValueError(
                "aws_review=True needs a backend: locally, fire begin_aws_review() when AWS "
                "starts its pre-review"
            )
        if at is not None:
            raise InvalidValueError(
                f"at= applies to local moves only; with a backend, the service stamps the "
                f"{trigger}"
            )
        call = getattr(backend, trigger, None)
        if not callable(call):
            raise InvalidValueError(
                f"backend {type(backend).__name__} has no {trigger}() method; "
                "pass a registration_fsm.backends.Backend"
            )
        with self._lock:
            status = self._state[0]
            if trigger not in _NEXT[status]:
                raise self._refusal(status, trigger)
            rid = self._registration_id
            answer = call(rid, aws_review=True) if aws_review else call(rid)
            if not isinstance(answer, VersionInfo):
                raise MalformedDataError(
                    f"{type(backend).__name__}.{trigger}() returned "
                    f"{type(answer).__name__}, not a VersionInfo",
                    value=answer,
                )
            self._check_answer(answer)
            if aws_review:
                require_aws_review(rid, answer)
            self._adopt_unlocked(answer.status, answer.history, strict=True)
            self._last_answer = answer
            return answer.status

    def _check_answer(self, answer: VersionInfo) -> None:
        rid = self._registration_id
        same_registration = rid in (answer.registration_id, answer.registration_arn)
        if same_registration and self._registration_arn is not None:
            same_registration = answer.registration_arn in (None, self._registration_arn)
        if not same_registration:
            raise UnexpectedAnswerError(
                rid, self._version_number, answer, f"registration {answer.registration_id}"
            )
        if answer.version_number != self._version_number:
            raise UnexpectedAnswerError(
                rid,
                self._version_number,
                answer,
                f"version {answer.version_number} (the latest version of the registration)",
            )

    @property
    def last_answer(self) -> VersionInfo | None:
        """The service's answer to the last backend call made through this version, or None.

        It carries what the status and history do not: DeniedReasons, Feedback and AwsReview.
        It is a record of the last call, not part of the version's state: equality,
        :meth:`to_dict` and :meth:`to_aws` ignore it, and it is None after :meth:`from_dict`.
        """
        return self._last_answer

    def _refusal(self, status: VersionStatus, trigger: str) -> InvalidTransition:
        return InvalidTransition(
            status,
            trigger,
            _ALLOWED[status],
            registration_id=self._registration_id,
            version_number=self._version_number,
        )

    # -- adopting the service's view ------------------------------------------------------

    def adopt(
        self, status: VersionStatus | str, history: StatusHistory, *, strict: bool = True
    ) -> tuple[Edge, ...] | None:
        """Take the service's status and history for this version, if its stamps prove a move.

        The service may be ahead of the local model (AWS moves a version on by itself), so any
        destination is accepted that :func:`registration_fsm.evidence.judge` proves from the
        local state: the local stamps kept, every new stamp explained by a legal path that
        enters each stamped status in order. Returns the path taken. When the stamps prove no
        path, strict mode raises IllegalRemoteTransition (its ``reasons`` say why) and changes
        nothing; lenient mode (``strict=False``) adopts the remote state and returns None. A
        state no version can hold (a stamp later than the status's own) is refused with
        InvalidHistory in both modes, so whatever is adopted can be saved and read back.
        """
        with self._lock:
            return self._adopt_unlocked(status, history, strict=strict).path

    def _adopt_unlocked(
        self, status: VersionStatus | str, history: StatusHistory, *, strict: bool
    ) -> Proof:
        """:meth:`adopt` for callers that already hold the lock; returns the whole proof."""
        remote = VersionStatus.parse(status)
        require_history(history)
        current, stamps, _ = self._state
        proof = judge_stamps(current, stamps, remote, history)
        if proof.path is None and strict:
            raise IllegalRemoteTransition(
                self._registration_id,
                self._version_number,
                current,
                remote,
                history.to_aws(),
                [p.reason for p in proof.problems],
            )
        new_stamps, latest = _checked_state(remote, history)
        self._state = (remote, new_stamps, latest)
        if history.__class__ is StatusHistory:  # frozen: it is the version's history now
            self._history_cache = (new_stamps, history)
        return proof

    # -- snapshots and AWS shapes ----------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe snapshot; :meth:`from_dict` reads it back."""
        return self._snapshot()

    def _snapshot(self, state: _State | None = None) -> dict[str, Any]:
        """The snapshot of ``state`` (default: the version's state now)."""
        status, stamps, _ = self._state if state is None else state
        return {
            "schema": SNAPSHOT_SCHEMA,
            "schema_version": SNAPSHOT_SCHEMA_VERSION,
            "registration_id": self._registration_id,
            "version_number": self._version_number,
            "registration_arn": self._registration_arn,
            "status": status.value,
            "history": {key: stamp_text(stamp) for key, stamp in zip(_AWS_KEYS, stamps) if stamp},
        }

    @classmethod
    def from_dict(cls, data: object, *, clock: Clock | None = None) -> RegistrationVersion:
        """Read a snapshot written by :meth:`to_dict`; malformed data raises a library error."""
        data = snapshot_header(data, SNAPSHOT_SCHEMA, SNAPSHOT_SCHEMA_VERSION, "version")
        unknown = sorted(str(k) for k in data if k not in SNAPSHOT_KEYS)
        if unknown:
            raise MalformedDataError(f"unknown keys {unknown}", value=data)
        for key in ("registration_id", "version_number", "status", "history"):
            if key not in data:
                raise MalformedDataError(f"missing key {key!r}", path=key)
        return cls(
            data["registration_id"],
            data["version_number"],
            status=VersionStatus.parse(data["status"]),
            history=StatusHistory.from_aws(data["history"]),
            registration_arn=data.get("registration_arn"),
            clock=clock,
        )

    def to_aws(self) -> dict[str, Any]:
        """The version in the shape of AWS's RegistrationVersionInformation."""
        status, stamps, _ = self._state
        return {
            "VersionNumber": self._version_number,
            "RegistrationVersionStatus": status.value,
            "RegistrationVersionStatusHistory": StatusHistory._from_stamps(stamps).to_aws(),
        }

    @classmethod
    def from_info(
        cls, info: VersionInfo, *, clock: Clock | None = None, strict: bool = True
    ) -> RegistrationVersion:
        """A version in the state the service reports (a backend's ``VersionInfo``).

        Judged from DRAFT by the rule of evidence, as :meth:`from_aws` judges AWS's shape.
        """
        if not isinstance(info, VersionInfo):
            raise MalformedDataError(
                f"expected a VersionInfo, got {type(info).__name__}", value=info
            )
        version = cls.new(
            info.registration_id,
            info.version_number,
            at=info.history.draft,
            registration_arn=info.registration_arn,
            clock=clock,
        )
        version._adopt_unlocked(info.status, info.history, strict=strict)
        return version

    @classmethod
    def from_aws(
        cls,
        data: object,
        *,
        registration_id: str | None = None,
        registration_arn: str | None = None,
        clock: Clock | None = None,
        strict: bool = True,
    ) -> RegistrationVersion:
        """Read a version from an AWS response, if its stamps prove a legal path from DRAFT.

        ``data`` is one item of DescribeRegistrationVersions' ``RegistrationVersions`` (pass
        ``registration_id``, which the item lacks) or the result of Submit, Discard or
        CreateRegistrationVersion (which carries RegistrationId and RegistrationArn). The
        history is judged by the same rule as every remote state
        (:func:`registration_fsm.evidence.judge_new`): IllegalRemoteTransition when it proves
        no path, unless ``strict=False``.
        """
        if not isinstance(data, Mapping):
            raise MalformedDataError(f"expected an object, got {type(data).__name__}", value=data)
        for key in (
            "VersionNumber",
            "RegistrationVersionStatus",
            "RegistrationVersionStatusHistory",
        ):
            if key not in data:
                raise MalformedDataError(f"missing key {key!r}", path=key)
        rid = data.get("RegistrationId", registration_id)
        if rid is None:
            raise MalformedDataError(
                "no RegistrationId in the data; pass registration_id=", path="RegistrationId"
            )
        history = StatusHistory.from_aws(data["RegistrationVersionStatusHistory"])
        version = cls.new(
            rid,
            data["VersionNumber"],
            at=history.draft,
            registration_arn=data.get("RegistrationArn", registration_arn),
            clock=clock,
        )
        version._adopt_unlocked(data["RegistrationVersionStatus"], history, strict=strict)
        return version

    # -- value behaviour -------------------------------------------------------------------

    def _key(self) -> tuple[object, ...]:
        status, stamps, _ = self._state
        return (
            self._registration_id,
            self._version_number,
            self._registration_arn,
            status,
            stamps,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RegistrationVersion):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        arn = f", registration_arn={self._registration_arn!r}" if self._registration_arn else ""
        return (
            f"RegistrationVersion(registration_id={self._registration_id!r}, "
            f"version_number={self._version_number}{arn}, status={self.status.value}, "
            f"history={self.history!r})"
        )

    def __copy__(self) -> RegistrationVersion:
        # Copies are the service's hot path (every operation stages one). The state is one
        # immutable tuple, read in one step, so no lock is needed to copy it.
        clone = _new_object(RegistrationVersion)
        clone._registration_id = self._registration_id
        clone._version_number = self._version_number
        clone._registration_arn = self._registration_arn
        clone._state = self._state
        clone._clock = self._clock
        clone._history_cache = self._history_cache
        clone._last_answer = self._last_answer
        clone._lock = _Lock()
        clone._text_memo = self._text_memo
        return clone

    def __deepcopy__(self, memo: dict[int, Any]) -> RegistrationVersion:
        # The state is immutable all the way down; the clock is a service, shared on purpose.
        return self.__copy__()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "registration_id": self._registration_id,
            "version_number": self._version_number,
            "registration_arn": self._registration_arn,
            "state": self._state,
            "clock": self._clock,
            "last_answer": self._last_answer,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._registration_id = state["registration_id"]
        self._version_number = state["version_number"]
        self._registration_arn = state["registration_arn"]
        self._state = state["state"]
        self._clock = state["clock"]
        self._history_cache = None
        self._last_answer = state.get("last_answer")
        self._lock = threading.Lock()
        self._text_memo = None


def snapshot_header(
    data: object, schema: str, schema_version: int, kind: str
) -> Mapping[str, Any]:
    """``data``, refused unless it is an object naming ``schema`` at ``schema_version``: the
    check every snapshot reader (a version's, a registration's) starts with."""
    if data.__class__ is not dict and not isinstance(data, Mapping):
        raise MalformedDataError(f"expected an object, got {type(data).__name__}", value=data)
    if data.get("schema") != schema:
        raise MalformedDataError(
            f"not a registration_fsm {kind} snapshot (schema {data.get('schema')!r}, "
            f"expected {schema!r})",
            path="schema",
            value=data.get("schema"),
        )
    found = data.get("schema_version")
    if found.__class__ is not int or found != schema_version:
        raise MalformedDataError(
            f"unsupported schema_version {found!r}; this library reads {schema_version}",
            path="schema_version",
            value=found,
        )
    return data


def holding(versions: Iterable[RegistrationVersion]) -> _Holding:
    """Hold the locks of ``versions``, taken in version order, for a change spanning them."""
    return _Holding(versions)


class _Holding:
    """:func:`holding`'s context manager; a class rather than a generator, since every
    snapshot, answer and reconcile takes one."""

    __slots__ = ("_held", "_versions")

    def __init__(self, versions: Iterable[RegistrationVersion]) -> None:
        self._versions = versions
        self._held: list[threading.Lock] = []

    def __enter__(self) -> None:
        unique = {id(v): v for v in self._versions}.values()
        held = self._held
        try:
            for version in sorted(unique, key=_NUMBER):
                lock = version._lock
                lock.acquire()
                held.append(lock)
        except BaseException:
            self._release()
            raise

    def __exit__(self, *exc: object) -> None:
        self._release()

    def _release(self) -> None:
        held = self._held
        while held:
            held.pop().release()


_NUMBER = operator.attrgetter("version_number")


def copies(versions: tuple[RegistrationVersion, ...]) -> tuple[RegistrationVersion, ...]:
    """Copies of ``versions`` (in order, each once) as they all were at one instant."""
    held: list[threading.Lock] = []
    try:
        for version in versions:
            lock = version._lock
            lock.acquire()
            held.append(lock)
        return tuple([version.__copy__() for version in versions])
    finally:
        for lock in reversed(held):
            lock.release()


# new() takes its fast path only for RegistrationVersion's own __init__.
_INIT = RegistrationVersion.__init__


def _check_trigger_methods() -> None:
    missing = [
        t
        for t in LIFECYCLE.triggers
        if getattr(getattr(RegistrationVersion, t, None), "_lifecycle_trigger", None) != t
    ]
    if missing:
        raise InvalidDefinition(
            [f"trigger {t!r} has no method on RegistrationVersion" for t in missing]
        )


_check_trigger_methods()
