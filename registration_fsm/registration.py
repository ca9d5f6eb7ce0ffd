"""A registration as a whole: its numbered versions, the rules between them, and its status.

A version moves along the lifecycle by itself; a registration adds what AWS enforces across
versions. Only the latest version changes (the one APPROVED version can still lose its
approval); a new version is created only once the latest is APPROVED or finished; at most one
version is APPROVED, and approving a newer one archives the older one in the same step.

Most of these rules are modelling decisions: AWS documents the statuses and the reason codes,
not the whole rule set. Each decision is written next to the code that makes it and in the
README's "Registrations" section.
"""

from __future__ import annotations

import copy
import operator
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._listeners import Listener, Listeners, Subscription
from ._registration_answers import adopt_created, adopt_remote, checked_answer
from ._registration_listeners import Change as _Change
from ._registration_reconcile import checked_infos, reconcile_locked, warned
from ._registration_rules import ACCEPTED, rule_violations
from ._registration_shapes import (
    REGISTRATION_SCHEMA,
    REGISTRATION_SCHEMA_VERSION,
    from_aws,
    from_dict,
    from_infos,
    to_aws,
    to_aws_versions,
    to_dict,
)
from .clock import Clock
from .errors import (
    InvalidTimestamp,
    InvalidValueError,
    MalformedDataError,
    RegistrationRuleError,
    StampOrderError,
    UnknownVersionError,
)
from .history import parse_timestamp
from .lifecycle import LIFECYCLE
from .reconcile import ReconcileReport, parse_pages
from .rules import can_create_version, derive_registration_status
from .statuses import RegistrationStatus, VersionStatus
from .values import RegistrationInfo, VersionInfo
from .version import (
    RegistrationVersion,
    copies,
    holding,
    validate_registration_arn,
    validate_registration_id,
    validate_registration_type,
    validate_version_number,
)

if TYPE_CHECKING:
    from .backends.base import Backend

__all__ = [
    "REGISTRATION_SCHEMA",
    "REGISTRATION_SCHEMA_VERSION",
    "Registration",
    "can_create_version",
]

_V = VersionStatus


def _coerce_at(at: object) -> datetime:
    if not isinstance(at, datetime):
        raise InvalidTimestamp(
            at, f"expected a timezone-aware datetime, got {type(at).__name__}", field="at"
        )
    return parse_timestamp(at, field="at")


def _no_local_stamp(at: object, operation: str) -> None:
    if at is not None:
        raise InvalidValueError(
            f"at= applies to local moves only; with a backend, the service stamps the {operation}"
        )


def _operation(backend: object, name: str) -> Any:
    call = getattr(backend, name, None)
    if not callable(call):
        raise InvalidValueError(
            f"backend {type(backend).__name__} has no {name}() method; pass a "
            "registration_fsm.backends.Backend"
        )
    return call


class Registration:
    """A registration and its versions, oldest first, moving under the registration's rules.

    Change the versions through the registration (:meth:`submit`, :meth:`discard`,
    :meth:`create_version`, :meth:`fire`, :meth:`reconcile`): it holds its own lock, and the
    locks of the versions it changes, so that a change spanning two versions (an approval that
    archives the older approved version) happens in one step, and a refused change leaves
    everything as it was. Firing triggers at a version directly bypasses the registration's
    rules.
    """

    __slots__ = (
        "__weakref__",
        "_clock",
        "_created",
        "_head_text",
        "_held",
        "_listeners",
        "_lock",
        "_registration_arn",
        "_registration_id",
        "_registration_type",
    )

    _registration_id: str
    _registration_arn: str | None
    _registration_type: str | None
    _created: datetime | None
    _clock: Clock
    _held: tuple[RegistrationVersion, ...]
    _head_text: str | None
    """A store's text for the keys of the body before its versions (``store._body.body``):
    they never change, so copies carry it."""
    _lock: threading.Lock
    _listeners: Listeners | None

    def __init__(
        self,
        registration_id: str,
        versions: Iterable[RegistrationVersion],
        *,
        registration_arn: str | None = None,
        registration_type: str | None = None,
        created: datetime | None = None,
        clock: Clock | None = None,
    ) -> None:
        rid = validate_registration_id(registration_id)
        if registration_arn is not None:
            validate_registration_arn(registration_arn)
        if registration_type is not None:
            validate_registration_type(registration_type)
        if isinstance(versions, (str, bytes, Mapping)) or not isinstance(versions, Iterable):
            raise MalformedDataError(
                f"versions must be RegistrationVersion objects, got {type(versions).__name__}",
                path="versions",
            )
        held: dict[int, RegistrationVersion] = {}
        for version in versions:
            if not isinstance(version, RegistrationVersion):
                raise MalformedDataError(
                    f"versions must be RegistrationVersion objects, got {type(version).__name__}",
                    path="versions",
                    value=version,
                )
            if version.registration_id != rid:
                raise MalformedDataError(
                    f"version {version.version_number} belongs to {version.registration_id!r}, "
                    f"not {rid!r}",
                    path="versions",
                )
            if held.setdefault(version.version_number, version) is not version:
                raise MalformedDataError(
                    f"two versions numbered {version.version_number}", path="versions"
                )
        if not held:
            raise MalformedDataError(
                "a registration has at least one version (CreateRegistration makes version 1)",
                path="versions",
            )
        self._settle(
            rid,
            tuple(held[n] for n in sorted(held)),
            registration_arn,
            registration_type,
            created,
            clock,
        )

    def _settle(
        self,
        rid: str,
        ordered: tuple[RegistrationVersion, ...],
        registration_arn: str | None,
        registration_type: str | None,
        created: datetime | None,
        clock: Clock | None,
    ) -> None:
        """The rest of ``__init__``, for versions checked to be ``rid``'s, in order."""
        violations = rule_violations(rid, ordered)
        accepted = ACCEPTED.get()
        for violation in violations:
            if (violation.reason, violation.version_number) not in accepted:
                raise violation
        self._registration_id = rid
        self._registration_arn = registration_arn
        self._registration_type = registration_type
        self._created = None if created is None else _coerce_at(created)
        self._clock = clock if clock is not None else ordered[-1].clock
        self._held = ordered
        self._head_text = None
        self._lock = threading.Lock()
        self._listeners = None

    @classmethod
    def _from_read(
        cls,
        registration_id: str,
        versions: list[RegistrationVersion],
        *,
        registration_arn: str | None,
        registration_type: str | None,
        created: datetime | None,
        clock: Clock | None,
    ) -> Registration:
        """``cls(registration_id, versions, ...)`` for versions a store's reader made from
        one body: all of ``registration_id`` (already checked, as is ``registration_arn``), so
        only their order is asked before the rules."""
        numbers = [version._version_number for version in versions]
        if cls.__init__ is not _REGISTRATION_INIT or not all(map(_LESS, numbers, numbers[1:])):
            return cls(
                registration_id,
                versions,
                registration_arn=registration_arn,
                registration_type=registration_type,
                created=created,
                clock=clock,
            )
        if registration_type is not None:
            validate_registration_type(registration_type)
        registration = _new_object(cls)
        registration._settle(
            registration_id,
            tuple(versions),
            registration_arn,
            registration_type,
            created,
            clock,
        )
        return registration

    # -- copy on write ---------------------------------------------------------------------

    @property
    def _versions(self) -> tuple[RegistrationVersion, ...]:
        """The versions, this registration's own: the way to them for anything that changes
        them or hands them out. Read-only work on the current state reads ``_held``."""
        held = self._held
        if held.__class__ is not tuple:
            return self._unshare()
        return held

    @_versions.setter
    def _versions(self, versions: tuple[RegistrationVersion, ...]) -> None:
        self._held = versions

    def _unshare(self) -> tuple[RegistrationVersion, ...]:
        # Decision (issue 11): a store's cache hands every load a registration whose versions
        # are the cached snapshot's own objects, in a _Shared tuple, and nobody changes a
        # version of a _Shared tuple in place. The first touch that could change a version or
        # let one out copies them (once: threads racing here get the same copies), so a load
        # that is only read costs no copy and no caller's change can reach another caller or
        # the cache. Whether versions are shared is the type of the one ``_held`` attribute,
        # so a reader (``__copy__``) sees the tuple and its sharing in one read. An answer
        # changes only the latest version, so it takes only that one as its own
        # (:meth:`_own_latest`, a _SharedHead tuple): a submit then copies one version, not all.
        with _UNSHARING:
            held = self._held
            kind = held.__class__
            if kind is _Shared:
                held = self._held = tuple([version.__copy__() for version in held])
            elif kind is _SharedHead:
                *shared, latest = held
                held = self._held = (*[version.__copy__() for version in shared], latest)
            return held

    def _own_latest(self) -> RegistrationVersion:
        """The latest version, this registration's own, for a change to it alone; the older
        versions stay shared."""
        held = self._held
        if held.__class__ is not _Shared:
            return held[-1]
        with _UNSHARING:
            held = self._held
            if held.__class__ is _Shared:
                held = self._held = _SharedHead((*held[:-1], held[-1].__copy__()))
            return held[-1]

    def _own_held(self) -> tuple[RegistrationVersion, ...]:
        """The versions of ``_held`` that are this registration's own, not shared: all, the
        latest or none, so always the last ones."""
        held = self._held
        kind = held.__class__
        if kind is tuple:
            return held
        return held[-1:] if kind is _SharedHead else ()

    def _shared_copy(self) -> Registration:
        """A copy of a registration marked shared (:meth:`_share`), which never changes: its
        fields are read without its lock."""
        return self._clone(self._held)

    def _clone(self, versions: tuple[RegistrationVersion, ...]) -> Registration:
        """A registration like this one holding ``versions``, with no listeners."""
        clone = _new_object(Registration)
        clone._registration_id = self._registration_id
        clone._registration_arn = self._registration_arn
        clone._registration_type = self._registration_type
        clone._created = self._created
        clone._clock = self._clock
        clone._held = versions
        clone._head_text = self._head_text
        clone._lock = threading.Lock()
        clone._listeners = None
        return clone

    def _share(self) -> None:
        """Mark this registration's versions as shared: from now on nobody changes them in
        place, and copies of it take them as they are. For a private snapshot only (a store's
        cache), whose own versions no caller holds."""
        held = self._held
        if held.__class__ is not _Shared:
            self._held = _Shared(held)

    @classmethod
    def new(
        cls,
        registration_id: str,
        *,
        registration_type: str | None = None,
        registration_arn: str | None = None,
        at: datetime | None = None,
        clock: Clock | None = None,
    ) -> Registration:
        """A new registration, its version 1 a DRAFT stamped at ``at`` (CreateRegistration)."""
        first = RegistrationVersion.new(
            registration_id, 1, at=at, registration_arn=registration_arn, clock=clock
        )
        return cls(
            registration_id,
            [first],
            registration_arn=registration_arn,
            registration_type=registration_type,
            clock=clock,
        )

    # -- read-only views -------------------------------------------------------------------

    @property
    def registration_id(self) -> str:
        """The RegistrationId (or ARN) the service knows the registration by."""
        return self._registration_id

    @property
    def registration_arn(self) -> str | None:
        """The registration's ARN, when known."""
        return self._registration_arn

    @property
    def registration_type(self) -> str | None:
        """AWS's RegistrationType (e.g. US_TEN_DLC_BRAND_REGISTRATION), when known."""
        return self._registration_type

    @property
    def created(self) -> datetime:
        """When the registration was created: as given, else version 1's (or the oldest) draft."""
        if self._created is not None:
            return self._created
        return self._held[0].history.draft

    @property
    def clock(self) -> Clock:
        """The clock that stamps changes made without ``at=``."""
        return self._clock

    @property
    def versions(self) -> tuple[RegistrationVersion, ...]:
        """The versions, oldest first: the live objects (see :meth:`snapshot` for a
        consistent view while other threads change the registration)."""
        return self._versions

    @property
    def latest(self) -> RegistrationVersion:
        """The latest version: the one Submit and Discard act on."""
        return self._versions[-1]

    def version(self, version_number: int) -> RegistrationVersion:
        """The version numbered ``version_number``; UnknownVersionError if there is none."""
        return self._find(self._versions, version_number)

    def _find(
        self, versions: Sequence[RegistrationVersion], version_number: object
    ) -> RegistrationVersion:
        for version in versions:
            if version.version_number == version_number and not isinstance(version_number, bool):
                return version
        raise UnknownVersionError(
            self._registration_id, version_number, [v.version_number for v in versions]
        )

    def _states(self) -> list[tuple[int, VersionStatus]]:
        with self._lock:
            return [(v._version_number, v._state[0]) for v in self._held]

    def _statuses(self) -> list[VersionStatus]:
        """The versions' statuses, oldest first, read at one instant."""
        with self._lock:
            return [v._state[0] for v in self._held]

    @property
    def status(self) -> RegistrationStatus:
        """The registration's status, derived from its versions (see the README's table).

        It follows the latest version that was not discarded. AWS's own RegistrationStatus
        can lag behind the versions for days, so the versions are the better guide.
        """
        return derive_registration_status(self._statuses())

    @property
    def current_version_number(self) -> int:
        """The number of the latest version (AWS's CurrentVersionNumber)."""
        return self._held[-1].version_number

    @property
    def approved_version_number(self) -> int | None:
        """The number of the APPROVED version, or None (AWS's ApprovedVersionNumber)."""
        approved = [n for n, s in self._states() if s is _V.APPROVED]
        return approved[-1] if approved else None

    @property
    def latest_denied_version_number(self) -> int | None:
        """The number of the newest DENIED version, or None (AWS's LatestDeniedVersionNumber)."""
        denied = [n for n, s in self._states() if s is _V.DENIED]
        return denied[-1] if denied else None

    def can_create_version(self) -> bool:
        """True when :meth:`create_version` would be allowed now."""
        return can_create_version(self._held[-1].status)

    # -- listeners ------------------------------------------------------------------------

    def subscribe(
        self,
        callback: Listener,
        *,
        statuses: Iterable[VersionStatus | str] | None = None,
        triggers: Iterable[str] | None = None,
    ) -> Subscription:
        """Call ``callback`` with a :class:`~registration_fsm.moves.TransitionEvent` once per
        move made through this registration, into one of ``statuses`` and along one of
        ``triggers`` (None: any), after the change is in place and outside the registration's
        locks, in the order the changes were made.

        The moves are those the journal of a service would record: the legal path the stamps
        prove (a submit answered as already REVIEWING is two moves), ``source`` ``local``,
        ``answer`` or ``reconcile``. A listener that raises is logged on the
        ``registration_fsm`` logger; the change stays and the other listeners still run. A
        lenient reconcile that adopts a state no legal path reaches tells no listener (there is
        no move to name); its report's anomalies say what happened. Copies, snapshots and
        pickles start with no listeners, and moves made on a version directly, bypassing the
        registration, are not heard.
        """
        with self._lock:
            listeners = self._listeners
            if listeners is None:
                listeners = self._listeners = Listeners()
        return listeners.subscribe(callback, statuses=statuses, triggers=triggers)

    # -- changes ---------------------------------------------------------------------------

    def create_version(
        self, backend: Backend | None = None, *, at: datetime | None = None
    ) -> RegistrationVersion:
        """Add a new DRAFT version (CreateRegistrationVersion) and return it.

        Refused with RegistrationRuleError (reason CREATE_REGISTRATION_VERSION_NOT_ALLOWED)
        while the latest version is a draft or under review, before any call. Without
        ``backend`` the new version is stamped at ``at`` (default: the clock), not earlier than
        the latest stamp of the latest version. With one, CreateRegistrationVersion is called
        and the new version is the service's answer, which must be the next version number
        (UnexpectedAnswerError otherwise: reconcile, then try again).
        """
        with _Change(self, "local" if backend is None else "answer"):
            number = self._check_create()
            if backend is not None:
                _no_local_stamp(at, "create_version")
                answer = _operation(backend, "create_version")(self._registration_id)
                return adopt_created(
                    self, checked_answer(self, answer, backend, "create_version", number)
                )
            latest_stamp = self._versions[-1]._state[2]
            stamp = _coerce_at(self._clock() if at is None else at)
            if stamp < latest_stamp:
                raise StampOrderError(stamp, latest_stamp, "create_version")
            new = RegistrationVersion.new(
                self._registration_id,
                number,
                at=stamp,
                registration_arn=self._registration_arn,
                clock=self._clock,
            )
            self._versions = (*self._versions, new)
            return new

    def _check_create(self) -> int:
        """The number of the version CreateRegistrationVersion would make, if it may."""
        latest = self._held[-1]
        status = latest._state[0]
        if not can_create_version(status):
            raise RegistrationRuleError(
                self._registration_id,
                RegistrationRuleError.CREATE_VERSION_NOT_ALLOWED,
                f"cannot create a version while version {latest.version_number} is "
                f"{status.value}; allowed once it is APPROVED, DISCARDED, DENIED or REVOKED",
                version_number=latest.version_number,
                status=status,
            )
        return validate_version_number(latest.version_number + 1)

    def check(self, operation: str) -> int:
        """Whether ``operation`` (``submit``, ``discard`` or ``create_version``) may be sent now.

        Returns the number of the version the call is about (the latest, or the one
        CreateRegistrationVersion would make); raises what the call would raise locally
        (InvalidTransition, RegistrationRuleError) otherwise. For services that call the
        backend themselves and hand the answer to :meth:`adopt_answer`.
        """
        with self._lock:
            if operation == "create_version":
                return self._check_create()
            return self._check_remote(operation, self._held[-1]).version_number

    def adopt_answer(
        self, operation: str, answer: VersionInfo, *, aws_review: bool = False
    ) -> VersionStatus:
        """Take the service's answer to ``operation``, made by the caller, as the methods that
        call a backend do: checked first, judged by the rule of evidence, all or nothing.

        Returns the status of the version the answer is about.
        """
        with _Change(self, "answer"):
            if operation == "create_version":
                number = self._check_create()
                return adopt_created(
                    self, checked_answer(self, answer, None, operation, number)
                ).status
            latest = self._check_remote(operation)
            with latest._lock:
                return adopt_remote(
                    self,
                    latest,
                    checked_answer(self, answer, None, operation, latest.version_number),
                    aws_review,
                )

    def submit(
        self,
        backend: Backend | None = None,
        *,
        aws_review: bool = False,
        at: datetime | None = None,
    ) -> VersionStatus:
        """Submit the latest version (SubmitRegistrationVersion) and return its new status.

        Without ``backend`` the move is local, stamped at ``at`` (default: the clock); the
        AWS pre-review is then an AWS-side event (``fire("begin_aws_review")``), so
        ``aws_review`` needs a backend. With one, the submit is checked locally first
        (InvalidTransition before any call), the service is called, and its answer, which may
        be ahead of the request, is adopted if a legal path leads there; any error leaves the
        registration as it was.
        """
        if aws_review and backend is None:
            raise InvalidValueError(
                "aws_review=True needs a backend: locally, fire begin_aws_review() when AWS "
                "starts its pre-review"
            )
        with _Change(self, "local" if backend is None else "answer"):
            if backend is not None:
                return self._remote("submit", backend, aws_review, at)
            return self._apply([(self._versions[-1], "submit")], at)[0]

    def discard(
        self, backend: Backend | None = None, *, at: datetime | None = None
    ) -> VersionStatus:
        """Discard the latest version (DiscardRegistrationVersion) and return its new status.

        With ``backend``, as :meth:`submit`: checked locally, then called, then adopted.
        """
        with _Change(self, "local" if backend is None else "answer"):
            if backend is not None:
                return self._remote("discard", backend, False, at)
            return self._apply([(self._versions[-1], "discard")], at)[0]

    def _remote(
        self, trigger: str, backend: Backend, aws_review: bool, at: datetime | None
    ) -> VersionStatus:
        """Carry out a customer trigger through ``backend``; the caller holds the lock.

        The latest version's lock is held from the local check to the adoption, so the answer
        is adopted from the state the request was made in. An answer that reaches APPROVED
        archives the older approved version at the answer's ApprovedTimestamp, as the service
        does in the same step. The answer is kept as the version's ``last_answer``.
        """
        _no_local_stamp(at, trigger)
        call = _operation(backend, trigger)
        latest = self._check_remote(trigger)
        with latest._lock:
            rid = self._registration_id
            answer = checked_answer(
                self,
                call(rid, aws_review=True) if aws_review else call(rid),
                backend,
                trigger,
                latest.version_number,
            )
            return adopt_remote(self, latest, answer, aws_review)

    def _check_remote(
        self, trigger: str, latest: RegistrationVersion | None = None
    ) -> RegistrationVersion:
        """The latest version (or ``latest``, read only), if ``trigger`` (a customer call) may
        be sent for it."""
        if trigger not in ("submit", "discard"):
            raise InvalidValueError(
                f"unknown operation {trigger!r}: submit, discard or create_version"
            )
        if latest is None:
            latest = self._own_latest()
        status = latest._state[0]
        if LIFECYCLE.next_status(status, trigger) is None:
            raise latest._refusal(status, trigger)
        return latest

    def fire(
        self, trigger: str, *, version_number: int | None = None, at: datetime | None = None
    ) -> VersionStatus:
        """Fire ``trigger`` at the latest version (or at ``version_number``) under the rules.

        This is how tests and simulations play the AWS side. Only the latest version moves,
        except that the APPROVED version can always be revoked; ``archive`` is never fired by
        itself: approving a newer version archives the older approved one, stamped at the
        same time, in the same step. Returns the new status of the version fired at.
        """
        LIFECYCLE.check_trigger(trigger)
        with _Change(self, "local"):
            versions = self._versions
            latest = versions[-1]
            target = latest if version_number is None else self._find(versions, version_number)
            if trigger == "archive":
                raise RegistrationRuleError(
                    self._registration_id,
                    RegistrationRuleError.ARCHIVED_BY_APPROVAL_ONLY,
                    f"version {target.version_number} cannot be archived by itself; it is "
                    "archived when a newer version is approved",
                    version_number=target.version_number,
                    status=target.status,
                )
            if target is not latest and trigger != "revoke":
                raise RegistrationRuleError(
                    self._registration_id,
                    RegistrationRuleError.VERSION_READ_ONLY,
                    f"version {target.version_number} is not the latest "
                    f"(version {latest.version_number}); only the latest version moves, and "
                    "an older APPROVED version can only be revoked",
                    version_number=target.version_number,
                    status=target.status,
                )
            plan = [(target, trigger)]
            if trigger == "approve":
                plan += [
                    (v, "archive") for v in versions if v is not target and v.status is _V.APPROVED
                ]
            return self._apply(plan, at)[0]

    def _apply(
        self, plan: Sequence[tuple[RegistrationVersion, str]], at: datetime | None
    ) -> list[VersionStatus]:
        """Fire each (version, trigger) of ``plan`` at one time, all or nothing.

        The triggers are fired at copies first, so that any refusal leaves every version as it
        was; then the new states are put in place while the versions' locks are held, the
        first version of the plan last: an approval lands after the archive it causes, so even
        a reader that takes no lock never sees two APPROVED versions.
        """
        stamp = self._clock() if at is None else at
        with holding(v for v, _ in plan):
            staged = []
            for version, trigger in plan:
                trial = copy.copy(version)
                trial.fire(trigger, at=stamp)
                staged.append((version, trial._state))
            for version, state in reversed(staged):
                version._state = state
        return [state[0] for _, state in staged]

    # -- reconciling with the service ------------------------------------------------------

    def reconcile(self, backend: Backend, *, strict: bool = True) -> ReconcileReport:
        """Bring the model up to date with the service: every version, every page.

        See :meth:`reconcile_pages`; in addition, a local version the service does not list
        is reported as a LOCAL_ONLY_VERSION anomaly (it is kept).
        """

        describe = _operation(backend, "describe_versions")
        with _Change(self, "reconcile"):
            # The read and the apply are one step relative to this registration's other
            # operations: a discard() from another thread cannot land between them, be
            # rewound by a stale read, or be blamed on AWS.
            infos = describe(self._registration_id)
            report = reconcile_locked(
                self, checked_infos(self, infos, backend), [], strict=strict, complete=True
            )
        return warned(self._registration_id, report)

    def reconcile_versions(
        self, infos: object, *, strict: bool = True, complete: bool = True
    ) -> ReconcileReport:
        """:meth:`reconcile` with the versions a caller read itself (``VersionInfo`` values,
        as ``Backend.describe_versions`` returns them): for services that drive the backend.

        ``complete`` says they are every version the service lists, so that a local version
        missing from them is reported.
        """
        with _Change(self, "reconcile"):
            report = reconcile_locked(
                self, checked_infos(self, infos, None), [], strict=strict, complete=complete
            )
        return warned(self._registration_id, report)

    def reconcile_pages(self, pages: object, *, strict: bool = True) -> ReconcileReport:
        """Apply DescribeRegistrationVersions results the caller already holds.

        ``pages`` is one result or a list of them, as boto3 returns them (datetimes) or as
        the AWS CLI prints them (ISO-8601 strings). Each remote version must be reachable from
        the local one by a legal path that the remote stamps support; a version the model
        does not hold is checked as a path from DRAFT and added. Strict mode (the default)
        raises IllegalRemoteTransition, UnknownStatusError or RegistrationRuleError and changes
        nothing at all; lenient mode adopts the remote state and lists each oddity in the
        report's ``anomalies``, each also logged as a WARNING on the ``registration_fsm``
        logger. Applying the same pages again changes nothing. Versions the pages do not
        mention are left as they are.
        """
        infos, anomalies = parse_pages(
            pages,
            self._registration_id,
            self._registration_arn,
            strict=strict,
            local=self._versions,
        )
        with _Change(self, "reconcile"):
            report = reconcile_locked(self, infos, anomalies, strict=strict, complete=False)
        return warned(self._registration_id, report)

    # -- snapshots and AWS shapes ----------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe snapshot; :meth:`from_dict` reads it back."""
        return to_dict(self)

    @property
    def rule_violations(self) -> tuple[RegistrationRuleError, ...]:
        """The registration rules the versions break now: empty, unless a lenient reconcile
        adopted such a state. :meth:`to_dict` records them, so the snapshot reads back."""
        with self._lock:
            return tuple(rule_violations(self._registration_id, self._held))

    @classmethod
    def from_dict(cls, data: object, *, clock: Clock | None = None) -> Registration:
        """Read a snapshot written by :meth:`to_dict`; malformed data raises a library error."""
        return from_dict(cls, data, clock=clock)

    @classmethod
    def from_aws(
        cls,
        registration: object,
        version_pages: object,
        *,
        clock: Clock | None = None,
    ) -> Registration:
        """Build a registration from what the service returns.

        ``registration`` is a RegistrationInformation (an item of DescribeRegistrations, or a
        :class:`~registration_fsm.backends.RegistrationInfo`); ``version_pages`` is one
        DescribeRegistrationVersions result or a list of them. Every version's history must be
        a legal path from DRAFT (IllegalRemoteTransition otherwise), the pages must include
        the current version and nothing newer, and the registration's rules must hold.
        """
        return from_aws(cls, registration, version_pages, clock=clock)

    @classmethod
    def from_backend(
        cls, backend: Backend, registration_id: str, *, clock: Clock | None = None
    ) -> Registration:
        """Read a registration and every version of it from ``backend``, as :meth:`from_aws`."""
        info = backend.describe_registration(registration_id)
        versions = list(backend.describe_versions(info.registration_id))
        return from_infos(cls, info, versions, clock)

    @classmethod
    def create(
        cls, backend: Backend, registration_type: str, *, clock: Clock | None = None
    ) -> Registration:
        """CreateRegistration through ``backend``, then the registration as the service has it."""
        info = backend.create_registration(registration_type)
        return cls.from_backend(backend, info.registration_id, clock=clock)

    @classmethod
    def _from_infos(
        cls, info: RegistrationInfo, infos: list[VersionInfo], clock: Clock | None
    ) -> Registration:
        return from_infos(cls, info, infos, clock)

    def to_aws(self, *, json_safe: bool = False) -> dict[str, Any]:
        """The registration in AWS's RegistrationInformation shape, with the derived status.

        Keys the model does not know (the ARN or the type) are left out; ``json_safe`` writes
        CreatedTimestamp as an ISO-8601 string, as the AWS CLI prints it.
        """
        return to_aws(self, json_safe=json_safe)

    def to_aws_versions(self, *, json_safe: bool = False) -> dict[str, Any]:
        """The versions as one DescribeRegistrationVersions result, oldest first.

        With ``json_safe`` the stamps are ISO-8601 strings, as ``aws pinpoint-sms-voice-v2
        describe-registration-versions`` prints them.
        """
        return to_aws_versions(self, json_safe=json_safe)

    # -- value behaviour -------------------------------------------------------------------

    def _key(self) -> tuple[object, ...]:
        return (
            self._registration_id,
            self._registration_arn,
            self._registration_type,
            self.created,
            tuple(v._key() for v in self._held),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Registration):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{v.version_number}: {v.status.value}" for v in self._held)
        return f"<Registration {self._registration_id} {self.status.value} versions {{{shown}}}>"

    def __copy__(self) -> Registration:
        with self._lock:
            held = self._held
            kind = held.__class__
            if kind is _Shared:
                versions = held
            elif kind is _SharedHead:
                versions = _SharedHead((*held[:-1], *copies(held[-1:])))
            else:
                versions = copies(held)
        return self._clone(versions)

    def __deepcopy__(self, memo: dict[int, Any]) -> Registration:
        return self.__copy__()

    def snapshot(self) -> Registration:
        """A consistent copy: every version as it was at one instant, under every lock.

        ``versions`` hands out the live versions, which other threads may move while a reader
        walks them (an approval archives the older version in the same step, so a reader
        visiting one version, then the other, can see both APPROVED). Read a snapshot instead.
        """
        return self.__copy__()

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            versions = copies(self._held)  # its own copies, whoever unpickles or reuses them
        return {
            "registration_id": self._registration_id,
            "registration_arn": self._registration_arn,
            "registration_type": self._registration_type,
            "created": self._created,
            "clock": self._clock,
            "versions": versions,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._registration_id = state["registration_id"]
        self._registration_arn = state["registration_arn"]
        self._registration_type = state["registration_type"]
        self._created = state["created"]
        self._clock = state["clock"]
        self._held = tuple(state["versions"])
        self._head_text = None
        self._lock = threading.Lock()
        self._listeners = None


class _Shared(tuple["RegistrationVersion", ...]):
    """Versions shared by a cached snapshot and its copies: never changed in place."""

    __slots__ = ()


class _SharedHead(tuple["RegistrationVersion", ...]):
    """Versions shared as in :class:`_Shared`, but the latest, which is the holder's own."""

    __slots__ = ()


_new_object = object.__new__
_UNSHARING = threading.Lock()
_REGISTRATION_INIT = Registration.__init__
_LESS = operator.lt
