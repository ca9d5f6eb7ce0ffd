"""InMemoryBackend: a simulator of the registration API, for tests, demos and the emulator.

It keeps registrations and their numbered versions in memory and answers the customer
operations as the service does: only the latest version can be submitted or discarded,
refusals raise the ConflictException AWS raises (with its Reason), unknown ids raise
ResourceNotFoundException. Every status move goes through the lifecycle, so the simulator
can never take a path the library calls illegal. The AWS side (reviews, approvals, denials)
moves only when a test asks, through :meth:`InMemoryBackend.play_aws`, and failures of the
transport are injected with :meth:`InMemoryBackend.inject`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone

from ..clock import Clock, SteppingClock
from ..errors import (
    ConflictError,
    InvalidValueError,
    ResourceNotFoundError,
    ServiceQuotaExceededError,
    UnknownTriggerError,
    ValidationError,
)
from ..lifecycle import LIFECYCLE
from ..rules import _submit_conflict_reason, can_create_version, derive_registration_status
from ..statuses import RegistrationStatus, VersionStatus
from ..version import RegistrationVersion, validate_registration_id, validate_version_number
from ._catalogue import SAMPLE_CATALOGUE, Catalogue
from ._memory_events import EventKnobs, EventsMixin, SimulatorLock
from ._memory_faults import OPERATIONS, FaultKind, FaultsMixin, _Fault
from ._memory_forms import FormsMixin, _Attachment, _unknown_type
from ._memory_model import _Registration, _Version
from ._memory_state import StateMixin
from .base import DeniedReason, RegistrationInfo, VersionInfo, validate_registration_type

__all__ = ["EventKnobs", "FaultKind", "InMemoryBackend", "OPERATIONS"]

SIMULATOR_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
"""Where the simulator's default clock starts, so that its timestamps are reproducible."""

_TOKEN_MAX = 64
_MASK64 = (1 << 64) - 1


def _mix(value: int) -> int:
    """splitmix64: spreads a counter into ids that look random but repeat from run to run."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


class InMemoryBackend(EventsMixin, FaultsMixin, FormsMixin, StateMixin):
    """A thread-safe, deterministic simulator of the registration API (a ``Backend``).

    ``clock`` stamps every change (default: a :class:`~registration_fsm.SteppingClock`
    starting at 2026-01-01T00:00:00Z and moving one second per change). Registration ids
    look like AWS's (``registration-`` and 32 hex digits) and are the same from run to run
    (``id_seed`` picks another sequence, so that runs with different seeds do not collide;
    pass ``clock=registration_fsm.clock.utc_now`` for the wall clock); ARNs are
    ``arn:aws:sms-voice:<region>:<account_id>:registration/<id>``, and every operation
    accepts either. ``max_versions_per_day`` simulates the quota behind
    ``REGISTRATION_VERSIONS_CREATED_PER_DAY`` (None: no limit; AWS does not publish it).

    ``catalogue`` holds the registration types and their forms (default: the invented
    :data:`~registration_fsm.backends.SAMPLE_CATALOGUE`; None accepts any type and has no
    forms). With ``deny_incomplete``, the AWS side denies a submitted version whose REQUIRED
    fields have no value as soon as it is asked to move it on, as AWS's automated check was
    seen to do seconds after such a submit; by default it plays what it is told. The logs
    keep the latest ``log_limit`` entries each (None: all), so a long-running emulator stays
    flat in memory; :meth:`clear_logs` empties them. :meth:`save` and :meth:`load` keep the
    state in a JSON file. Each change of a registration's status produces AWS's EventBridge
    event, to :meth:`subscribe_events` callbacks and :meth:`drain_events`, as unreliably as
    :meth:`configure_events` says.

    The simulator's decisions where AWS documents nothing are in :mod:`registration_fsm.rules`
    (when a version may be created, which Reason a refused submit carries, the registration's
    status). Logs for tests: :attr:`applied` lists every effect, :attr:`calls` every call.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        max_versions_per_day: int | None = None,
        catalogue: Catalogue | None = SAMPLE_CATALOGUE,
        deny_incomplete: bool = False,
        log_limit: int | None = 100_000,
        id_seed: int | None = None,
    ) -> None:
        if not (isinstance(account_id, str) and len(account_id) == 12 and account_id.isdigit()):
            raise InvalidValueError(f"invalid account id {account_id!r}: expected 12 digits")
        if not (
            isinstance(region, str) and region and all(c.isalnum() or c == "-" for c in region)
        ):
            raise InvalidValueError(f"invalid region {region!r}: expected e.g. 'us-east-1'")
        if max_versions_per_day is not None and (
            isinstance(max_versions_per_day, bool)
            or not isinstance(max_versions_per_day, int)
            or max_versions_per_day < 0
        ):
            raise InvalidValueError(
                f"invalid max_versions_per_day {max_versions_per_day!r}: "
                "expected None or an integer >= 0"
            )
        if catalogue is not None and not isinstance(catalogue, Catalogue):
            raise InvalidValueError(f"catalogue must be a Catalogue or None, got {catalogue!r}")
        if log_limit is not None and (
            isinstance(log_limit, bool) or not isinstance(log_limit, int) or log_limit < 1
        ):
            raise InvalidValueError(f"invalid log_limit {log_limit!r}: None or an integer >= 1")
        self._catalogue = catalogue
        self._deny_incomplete = bool(deny_incomplete)
        self._clock: Clock = clock if clock is not None else SteppingClock(SIMULATOR_EPOCH)
        self._account_id = account_id
        self._region = region
        self._max_versions_per_day = max_versions_per_day
        if id_seed is not None and (isinstance(id_seed, bool) or not isinstance(id_seed, int)):
            raise InvalidValueError(f"invalid id_seed {id_seed!r}: None or an integer")
        self._seed = int(account_id) ^ sum(ord(c) << (8 * (i % 8)) for i, c in enumerate(region))
        if id_seed is not None:
            self._seed = _mix(_mix(id_seed & _MASK64) ^ self._seed)
        self._lock = SimulatorLock(self._deliver_event)
        self._registrations: dict[str, _Registration] = {}
        self._by_arn: dict[str, _Registration] = {}
        self._tokens: dict[str, tuple[str, str]] = {}
        self._faults: list[_Fault] = []
        self._applied: deque[tuple[str, str, int]] = deque(maxlen=log_limit)
        self._calls: deque[tuple[str, str | None]] = deque(maxlen=log_limit)
        self._ids = 0
        self._attachments: dict[str, _Attachment] = {}
        self._attachment_tokens: dict[str, str] = {}
        self._associated: dict[str, str] = {}
        self._created_per_day: dict[date, int] = {}
        self._init_events(log_limit)

    # -- configuration and logs -------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The clock that stamps every change."""
        return self._clock

    @property
    def account_id(self) -> str:
        """The account id in the simulator's ARNs."""
        return self._account_id

    @property
    def region(self) -> str:
        """The region in the simulator's ARNs."""
        return self._region

    # -- lookups and views --------------------------------------------------------------------

    def _find(self, registration_id: str) -> _Registration:
        found = self._registrations.get(registration_id) or self._by_arn.get(registration_id)
        if found is None:
            raise ResourceNotFoundError(
                f"Registration {registration_id} does not exist",
                code="ResourceNotFoundException",
                resource_type="registration",
                resource_id=registration_id,
            )
        return found

    def _info(
        self, registration: _Registration, version: _Version, *, submit: bool = False
    ) -> VersionInfo:
        fsm = version.fsm
        return VersionInfo(
            registration_id=registration.id,
            version_number=fsm.version_number,
            status=fsm.status,
            history=fsm.history,
            registration_arn=registration.arn,
            denied_reasons=version.denied_reasons,
            feedback=version.feedback,
            aws_review=version.aws_review if submit else None,
        )

    def _registration_info(self, registration: _Registration) -> RegistrationInfo:
        versions = registration.versions
        approved = [
            v.fsm.version_number for v in versions if v.fsm.status is VersionStatus.APPROVED
        ]
        denied = [v.fsm.version_number for v in versions if v.fsm.status is VersionStatus.DENIED]
        return RegistrationInfo(
            registration_id=registration.id,
            registration_arn=registration.arn,
            registration_type=registration.type,
            status=RegistrationStatus.DELETED
            if registration.deleted
            else derive_registration_status([v.fsm.status for v in versions]),
            current_version_number=versions[-1].fsm.version_number,
            created=registration.created,
            approved_version_number=approved[-1] if approved else None,
            latest_denied_version_number=denied[-1] if denied else None,
            additional_attributes=dict(registration.attributes),
            tags=dict(registration.tags),
        )

    def peek(self, registration_id: str) -> tuple[VersionInfo, ...]:
        """The simulator's truth about every version, oldest first.

        Unlike :meth:`describe_versions`, this is not a customer call: it is not logged and
        never fails with an injected fault, so tests can compare a local model with it.
        """
        with self._lock:
            registration = self._find(validate_registration_id(registration_id))
            return tuple(self._info(registration, v) for v in registration.versions)

    def _new_id(self, prefix: str) -> str:
        """An id that looks random and is the same from run to run: ``prefix`` + 32 hex."""
        self._ids += 1
        base = self._seed ^ 0x5DEECE66D + 2 * self._ids
        return f"{prefix}{_mix(base):016x}{_mix(base + 1):016x}"

    def _conflict(self, registration: _Registration, reason: str, message: str) -> ConflictError:
        # Like AwsBackend's, the error carries the service's latest version.
        return ConflictError(
            message,
            code="ConflictException",
            reason=reason,
            resource_type="registration",
            resource_id=registration.id,
            current=self._info(registration, registration.versions[-1]),
        )

    def _move(
        self, registration: _Registration, version: _Version, trigger: str, at: datetime
    ) -> None:
        version.fsm.fire(trigger, at=at)
        self._applied.append((trigger, registration.id, version.fsm.version_number))

    # -- customer operations ------------------------------------------------------------------

    def create_registration(
        self,
        registration_type: str,
        *,
        tags: Mapping[str, str] | None = None,
        client_token: str | None = None,
    ) -> RegistrationInfo:
        """CreateRegistration: a new registration whose version 1 is a DRAFT.

        A ``client_token`` seen before returns the registration it created, as AWS's
        idempotency token does (botocore fills one in by itself); the same token with another
        RegistrationType raises ConflictError.
        """
        validate_registration_type(registration_type)
        if self._catalogue is not None and registration_type not in self._catalogue:
            raise _unknown_type(registration_type)
        tag_map = _validate_tags(tags)
        if client_token is not None and (
            not isinstance(client_token, str) or not 1 <= len(client_token) <= _TOKEN_MAX
        ):
            raise InvalidValueError(
                f"invalid client token {client_token!r}: 1 to 64 printable characters"
            )
        with self._lock:
            fault = self._enter("create_registration", None)
            if client_token is not None and client_token in self._tokens:
                known_id, known_type = self._tokens[client_token]
                if known_type != registration_type:
                    raise ConflictError(
                        f"ClientToken {client_token} was used for a {known_type} registration",
                        code="ConflictException",
                        reason="RESOURCE_ALREADY_EXISTS",
                        resource_type="registration",
                        resource_id=known_id,
                    )
                return self._answer(
                    fault,
                    "create_registration",
                    self._registration_info(self._registrations[known_id]),
                )
            number = len(self._registrations) + 1
            high, low = _mix(self._seed + 2 * number), _mix(self._seed + 2 * number + 1)
            registration_id = f"registration-{high:016x}{low:016x}"
            arn = (
                f"arn:aws:sms-voice:{self._region}:{self._account_id}:"
                f"registration/{registration_id}"
            )
            now = self._clock()
            registration = _Registration(registration_id, arn, registration_type, now, tag_map)
            registration.versions.append(
                _Version(RegistrationVersion.new(registration_id, 1, at=now, registration_arn=arn))
            )
            self._registrations[registration_id] = registration
            self._by_arn[arn] = registration
            if client_token is not None:
                self._tokens[client_token] = (registration_id, registration_type)
            self._applied.append(("create_registration", registration_id, 1))
            self._announce(registration, now)
            return self._answer(
                fault, "create_registration", self._registration_info(registration)
            )

    def create_version(self, registration_id: str) -> VersionInfo:
        """CreateRegistrationVersion: a new DRAFT after a latest version that allows one.

        Refused with CREATE_REGISTRATION_VERSION_NOT_ALLOWED unless the latest version is
        APPROVED or finished (see :func:`registration_fsm.rules.can_create_version`).
        """
        validate_registration_id(registration_id)
        with self._lock:
            fault = self._enter("create_version", registration_id)
            registration = self._find(registration_id)
            self._active(registration)
            latest = registration.versions[-1].fsm
            if not can_create_version(latest.status):
                raise self._conflict(
                    registration,
                    "CREATE_REGISTRATION_VERSION_NOT_ALLOWED",
                    f"Registration {registration.id} version {latest.version_number} is "
                    f"{latest.status.value}; a new version can be created once it is approved, "
                    "denied, discarded, revoked or archived",
                )
            now = self._clock()
            if self._max_versions_per_day is not None:
                today = now.date()
                if self._created_per_day.get(today, 0) >= self._max_versions_per_day:
                    raise ServiceQuotaExceededError(
                        f"At most {self._max_versions_per_day} registration versions can be "
                        "created per day",
                        code="ServiceQuotaExceededException",
                        reason="REGISTRATION_VERSIONS_CREATED_PER_DAY",
                    )
                self._created_per_day[today] = self._created_per_day.get(today, 0) + 1
            number = validate_version_number(latest.version_number + 1)
            version = _Version(
                RegistrationVersion.new(
                    registration.id, number, at=now, registration_arn=registration.arn
                ),
                registration.versions[-1].values,
            )
            registration.versions.append(version)
            self._applied.append(("create_version", registration.id, number))
            self._announce(registration, now)
            return self._answer(fault, "create_version", self._info(registration, version))

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        """SubmitRegistrationVersion on the latest version.

        With ``aws_review``, the version moves on to AWS_REVIEWING in the same step
        (SUBMITTED, then begin_aws_review), both stamped at the same instant, and the answer
        shows AWS_REVIEWING: the simulator answers with the state the request left behind.
        """
        validate_registration_id(registration_id)
        if not isinstance(aws_review, bool):
            raise InvalidValueError(f"aws_review must be a bool, got {aws_review!r}")
        with self._lock:
            fault = self._enter("submit", registration_id)
            registration = self._find(registration_id)
            self._active(registration)
            version = registration.versions[-1]
            status = version.fsm.status
            reason = _submit_conflict_reason(status)
            if reason == "REGISTRATION_ALREADY_SUBMITTED":
                raise self._conflict(
                    registration,
                    reason,
                    f"Registration {registration.id} version {version.fsm.version_number} "
                    f"was already submitted and is {status.value}",
                )
            if reason is not None:
                raise self._conflict(
                    registration,
                    reason,
                    f"Registration {registration.id} version {version.fsm.version_number} is "
                    f"{status.value}; only a DRAFT version can be submitted",
                )
            now = self._clock()
            self._move(registration, version, "submit", now)
            version.aws_review = aws_review
            if aws_review:
                self._move(registration, version, "begin_aws_review", now)
            self._announce(registration, now)
            return self._answer(fault, "submit", self._info(registration, version, submit=True))

    def discard(self, registration_id: str) -> VersionInfo:
        """DiscardRegistrationVersion on the latest version (refused where the lifecycle is)."""
        validate_registration_id(registration_id)
        with self._lock:
            fault = self._enter("discard", registration_id)
            registration = self._find(registration_id)
            self._active(registration)
            version = registration.versions[-1]
            status = version.fsm.status
            if LIFECYCLE.next_status(status, "discard") is None:
                raise self._conflict(
                    registration,
                    "DISCARD_REGISTRATION_VERSION_NOT_ALLOWED",
                    f"Registration {registration.id} version {version.fsm.version_number} is "
                    f"{status.value}; only a DRAFT, SUBMITTED or REQUIRES_AUTHENTICATION "
                    "version can be discarded",
                )
            now = self._clock()
            self._move(registration, version, "discard", now)
            self._announce(registration, now)
            return self._answer(fault, "discard", self._info(registration, version))

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        """DescribeRegistrationVersions, oldest first; all versions, or the numbers given.

        A number the registration does not have raises ValidationError with Reason
        UNKNOWN_REGISTRATION_VERSION.
        """
        validate_registration_id(registration_id)
        wanted = None
        if version_numbers is not None:
            wanted = sorted({validate_version_number(n) for n in version_numbers})
        with self._lock:
            fault = self._enter("describe_versions", registration_id)
            registration = self._find(registration_id)
            versions = registration.versions
            if wanted is not None:
                missing = [n for n in wanted if n > len(versions)]
                if missing:
                    raise ValidationError(
                        f"Registration {registration.id} has no version "
                        f"{', '.join(map(str, missing))}",
                        code="ValidationException",
                        reason="UNKNOWN_REGISTRATION_VERSION",
                        fields=[{"Name": "VersionNumbers", "Message": "unknown version number"}],
                    )
                versions = [versions[n - 1] for n in wanted]
            return self._answer(
                fault, "describe_versions", tuple(self._info(registration, v) for v in versions)
            )

    def describe_registration(self, registration_id: str) -> RegistrationInfo:
        """DescribeRegistrations for one registration."""
        validate_registration_id(registration_id)
        with self._lock:
            fault = self._enter("describe_registration", registration_id)
            info = self._registration_info(self._find(registration_id))
            return self._answer(fault, "describe_registration", info)

    def describe_registrations(
        self, registration_ids: Sequence[str] | None = None
    ) -> tuple[RegistrationInfo, ...]:
        """DescribeRegistrations: the registrations given (each must exist), or all of them.

        All registrations come in the order they were created.
        """
        ids = None
        if registration_ids is not None:
            ids = [validate_registration_id(r) for r in registration_ids]
        with self._lock:
            fault = self._enter("describe_registrations", None)
            if ids is None:
                found = list(self._registrations.values())
            else:
                found = list({id(r): r for r in map(self._find, ids)}.values())
            infos = tuple(self._registration_info(r) for r in found)
            return self._answer(fault, "describe_registrations", infos)

    # -- the AWS side -------------------------------------------------------------------------

    def play_aws(
        self,
        registration_id: str,
        trigger: str,
        *,
        version_number: int | None = None,
        denied_reasons: Iterable[DeniedReason] = (),
        feedback: str | None = None,
    ) -> VersionInfo:
        """Play an AWS-side move: ``trigger`` is one of ``LIFECYCLE.aws_triggers``.

        It acts on the latest version unless ``version_number`` is given. A move the lifecycle
        does not allow raises InvalidTransition and changes nothing. Approving a version
        archives the version approved before it, in the same step and at the same instant.
        ``denied_reasons`` and ``feedback`` go with ``deny`` only. This is not a customer
        call: it is neither logged in :attr:`calls` nor subject to injected faults.
        """
        if trigger not in LIFECYCLE.aws_triggers:
            if trigger in LIFECYCLE.triggers:
                raise InvalidValueError(
                    f"{trigger} is a customer trigger; call {trigger}() on the backend"
                )
            raise UnknownTriggerError(trigger, LIFECYCLE.aws_triggers)
        reasons = tuple(denied_reasons)
        for reason in reasons:
            if not isinstance(reason, DeniedReason):
                raise InvalidValueError(
                    f"denied_reasons takes DeniedReason values, got {type(reason).__name__}"
                )
        if feedback is not None and not isinstance(feedback, str):
            raise InvalidValueError(f"feedback must be a string, got {type(feedback).__name__}")
        if (reasons or feedback is not None) and trigger != "deny":
            raise InvalidValueError("denied_reasons and feedback go with the deny trigger only")
        validate_registration_id(registration_id)
        if version_number is not None:
            validate_version_number(version_number)
        with self._lock:
            registration = self._find(registration_id)
            versions = registration.versions
            if version_number is None:
                version = versions[-1]
            elif version_number > len(versions):
                raise InvalidValueError(
                    f"registration {registration.id} has no version {version_number} "
                    f"(its latest is {len(versions)})"
                )
            else:
                version = versions[version_number - 1]
            fsm = version.fsm
            if self._deny_incomplete and trigger != "deny" and fsm.can("deny"):
                missing = self.missing_fields(registration.id) if version is versions[-1] else ()
                if missing:  # the automated check AWS runs seconds after such a submit
                    trigger, feedback = "deny", None
                    reasons = (
                        DeniedReason(
                            reason="REQUIRED_FIELDS_MISSING",
                            short_description="Required fields have no value: "
                            + ", ".join(missing),
                        ),
                    )
            if not fsm.can(trigger):
                raise fsm._refusal(fsm.status, trigger)
            now = self._clock()
            if trigger == "approve":
                for other in versions:
                    if other is not version and other.fsm.status is VersionStatus.APPROVED:
                        self._move(registration, other, "archive", now)
            self._move(registration, version, trigger, now)
            if trigger == "deny":
                version.denied_reasons = reasons
                version.feedback = feedback
            self._announce(registration, now)
            return self._info(registration, version)

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"<InMemoryBackend {self._account_id} {self._region}: "
                f"{len(self._registrations)} registrations, {len(self._faults)} faults pending>"
            )


def _validate_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise InvalidValueError(f"tags must be a mapping of str to str, got {type(tags).__name__}")
    for key, value in tags.items():
        if not (
            isinstance(key, str)
            and 1 <= len(key) <= 128
            and isinstance(value, str)
            and len(value) <= 256
        ):
            raise InvalidValueError(
                f"invalid tag {key!r}: {value!r}; keys take 1 to 128 characters, values up to 256"
            )
    return dict(tags)
