"""A stateful conformance suite: drive any Backend and check it never breaks the lifecycle.

:func:`conformance_suite` builds a Hypothesis ``RuleBasedStateMachine`` for your backend. It
makes registrations and versions, submits (with and without AwsReview) and discards, and has
the AWS side approve, deny, revoke and so on, while it keeps its own reference model: one of
the library's :class:`~registration_fsm.Registration` objects per registration, its versions
moved only along :data:`~registration_fsm.LIFECYCLE`'s edges. After every step it reads every
registration back and checks:

- every status is a legal status and every history is explained by a legal path;
- every change since the last step is a legal move: the call's own edge, followed only by
  AWS-side edges (AWS may move a version on by itself), with the earlier stamps kept;
- at most one version of a registration is APPROVED;
- no submit is lost or duplicated: the versions with a SubmittedTimestamp are exactly those
  whose submit the backend acknowledged, once (a second submit may be answered with the
  version as it stands, as AwsBackend does, but never applied again);
- the registration's numbers and status agree with the reference, and the library's
  Registration accepts the backend's view;
- calls the lifecycle forbids are refused with the ConflictException AWS raises, and leave
  everything unchanged; calls it allows succeed.

A failed check raises :class:`NonConformance`, and Hypothesis shrinks the run to the shortest
sequence of calls that shows it. The edges the run took are counted in an
:class:`~registration_fsm.testing.paths.EdgeRecorder`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

import attrs
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ..backends.base import Backend, DeniedReason, RegistrationInfo, VersionInfo
from ..errors import (
    ConflictError,
    InvalidValueError,
    RegistrationFsmError,
    ResourceNotFoundError,
    StampOrderError,
)
from ..evidence import ProblemKind, judge, judge_new
from ..history import StatusHistory
from ..lifecycle import LIFECYCLE, Edge, Initiator
from ..registration import Registration
from ..statuses import VersionStatus
from ..version import RegistrationVersion
from .paths import EdgeRecorder, PathCase, check_path
from .strategies import REGISTRATION_TYPES

__all__ = [
    "AwsSide",
    "BackendConformance",
    "NonConformance",
    "conformance_suite",
    "drive_path",
]

#: The ConflictException reasons AWS gives when it refuses each customer call.
REFUSAL_REASONS: dict[str, frozenset[str]] = {
    "submit": frozenset(
        {"SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED", "REGISTRATION_ALREADY_SUBMITTED"}
    ),
    "discard": frozenset({"DISCARD_REGISTRATION_VERSION_NOT_ALLOWED"}),
    "create_version": frozenset({"CREATE_REGISTRATION_VERSION_NOT_ALLOWED"}),
}

# Archiving is not an event of its own: it happens when a newer version is approved.
_PLAYED_TRIGGERS: tuple[str, ...] = tuple(t for t in LIFECYCLE.aws_triggers if t != "archive")
_MISSING_ID = "registration-conformance-never-created"
_TEXT = st.text(
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,-", min_size=1, max_size=40
)


@runtime_checkable
class AwsSide(Protocol):
    """What plays AWS's part: moves a version along an AWS-side edge of the lifecycle.

    ``InMemoryBackend`` is one; so is the backend behind the emulator. Approving a version
    must archive the registration's previously approved version in the same step.
    """

    def play_aws(
        self,
        registration_id: str,
        trigger: str,
        *,
        version_number: int | None = None,
        denied_reasons: Sequence[DeniedReason] = (),
        feedback: str | None = None,
    ) -> VersionInfo:
        """Fire the AWS-side ``trigger`` at a version (the latest by default); return it."""
        ...


class NonConformance(AssertionError):
    """The backend did something the lifecycle, or AWS, would not.

    ``check`` names the rule that was broken (for example ``illegal-transition`` or
    ``duplicated-submit``); the message says what the backend did and what was expected.
    """

    def __init__(
        self,
        check: str,
        message: str,
        *,
        registration_id: str | None = None,
        version_number: int | None = None,
    ) -> None:
        self.check = check
        self.registration_id = registration_id
        self.version_number = version_number
        where = ""
        if registration_id is not None:
            where = f"{registration_id}"
            if version_number is not None:
                where += f" version {version_number}"
            where += ": "
        super().__init__(f"[{check}] {where}{message}")


@attrs.define
class _ModelVersion:
    version: RegistrationVersion
    submits: int = 0
    denied_reasons: tuple[DeniedReason, ...] | None = None
    feedback: str | None = None


@attrs.define
class _ModelRegistration:
    """The reference: the library's Registration, and what the suite counts per version."""

    registration: Registration
    versions: list[_ModelVersion] = attrs.Factory(list)

    @property
    def registration_id(self) -> str:
        return self.registration.registration_id

    @property
    def latest(self) -> _ModelVersion:
        return self.versions[-1]

    def approved(self) -> list[_ModelVersion]:
        return [v for v in self.versions if v.version.status is VersionStatus.APPROVED]


def _show(values: tuple[object, ...]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


def _stamps(history: StatusHistory) -> str:
    return ", ".join(f"{s.history_key}={t.isoformat()}" for s, t in history.stamped())


class BackendConformance(RuleBasedStateMachine):
    """The rules and checks; :func:`conformance_suite` binds them to your backend."""

    backend_factory: ClassVar[Callable[[], Backend]]
    aws_side_factory: ClassVar[Callable[[Backend], AwsSide] | None] = None
    recorder: ClassVar[EdgeRecorder]
    registration_count: ClassVar[int] = 2
    registration_types: ClassVar[tuple[str, ...]] = REGISTRATION_TYPES
    examples_run: ClassVar[int] = 0
    """How many runs (Hypothesis examples) the class has started, shrinking included."""
    steps_run: ClassVar[int] = 0
    """How many rule steps all runs took together."""

    def __init__(self) -> None:
        super().__init__()
        cls = type(self)
        cls.examples_run += 1
        self.backend = cls.backend_factory()
        self.aws: AwsSide | None
        if cls.aws_side_factory is not None:
            self.aws = cls.aws_side_factory(self.backend)
        elif isinstance(self.backend, AwsSide):
            self.aws = self.backend
        else:
            self.aws = None
        self.registrations: list[_ModelRegistration] = []
        self.log: list[str] = []
        """What each step did, one line per move or refusal."""

    # -- helpers -----------------------------------------------------------------------

    def _step(self) -> None:
        type(self).steps_run += 1

    def _note(self, text: str) -> None:
        """Keep ``text`` in :attr:`log`, and in the report of a failing Hypothesis run."""
        self.log.append(text)
        with contextlib.suppress(InvalidArgument):  # driven by hand, outside a Hypothesis test
            note(text)

    def _label(self, registration: _ModelRegistration, model: _ModelVersion) -> str:
        index = self.registrations.index(registration)
        return f"registration {index} version {model.version.version_number}"

    def _pick(self, index: int) -> _ModelRegistration:
        return self.registrations[index % len(self.registrations)]

    def _fail(
        self,
        check: str,
        message: str,
        registration: _ModelRegistration | None = None,
        version: _ModelVersion | None = None,
    ) -> NonConformance:
        return NonConformance(
            check,
            message,
            registration_id=registration.registration_id if registration else None,
            version_number=version.version.version_number if version else None,
        )

    def _follow(
        self,
        registration: _ModelRegistration,
        model: _ModelVersion,
        info: VersionInfo,
        trigger: str | None,
        what: str,
    ) -> tuple[Edge, ...]:
        """Check that ``info`` is a legal next state of ``model`` and adopt it.

        ``trigger`` is the edge the call must have taken first (None when nothing was
        called: only AWS-side moves may have happened since).
        """
        version = model.version
        current, old = version.status, version.history
        latest = old.latest
        first: tuple[Edge, ...] = ()
        start, local = current, old
        if trigger is not None:
            edge = LIFECYCLE.edge(current, trigger)
            assert edge is not None
            first = (edge,)
            start = edge.dest
            if edge.dest.history_field is not None:
                stamp = info.history[edge.dest]
                if stamp is None:
                    raise self._fail(
                        "lost-" + trigger if trigger in ("submit", "discard") else "history",
                        f"{what} succeeded but the answer has no {edge.dest.history_key} "
                        f"(status {info.status.value}; {_stamps(info.history)})",
                        registration,
                        model,
                    )
                if stamp < latest:
                    raise self._fail(
                        "history",
                        f"{what} stamped {edge.dest.value} at {stamp.isoformat()}, before the "
                        f"version's latest stamp {latest.isoformat()}",
                        registration,
                        model,
                    )
                local = old.with_stamp(edge.dest, stamp)
        # The library's one rule of evidence decides, as it does for every remote state.
        proof = judge(start, local, info.status, info.history)
        rest = proof.path
        if rest is None:
            contradicts = any(p.kind is ProblemKind.CONTRADICTS_LOCAL for p in proof.problems)
            raise self._fail(
                "history" if contradicts else "illegal-transition",
                f"after {what} the backend reports {info.status.value} ({_stamps(info.history)}); "
                f"no legal path leads there from {start.value}: {proof}",
                registration,
                model,
            )
        customer = [e for e in rest if e.initiator is Initiator.CUSTOMER]
        if customer:
            check = (
                "duplicated-submit" if customer[0].trigger == "submit" else "illegal-transition"
            )
            raise self._fail(
                check,
                f"after {what} the backend reports {info.status.value}, which takes a customer "
                f"call ({customer[0]}) that nobody made",
                registration,
                model,
            )
        path = (*first, *rest)
        entered = {e.dest for e in path}
        for status, stamp in old.stamped():
            new = info.history[status]
            if new != stamp and not (status in entered and new is not None and new >= stamp):
                raise self._fail(
                    "history",
                    f"after {what} the {status.history_key} changed from {stamp.isoformat()} to "
                    f"{new.isoformat() if new else 'nothing'}",
                    registration,
                    model,
                )
        for status, stamp in info.history.stamped():
            if old[status] is None and status not in entered:
                raise self._fail(
                    "history",
                    f"after {what} the backend shows a {status.history_key} "
                    f"({stamp.isoformat()}) for a status the version never entered",
                    registration,
                    model,
                )
        version.adopt(info.status, info.history, strict=False)
        self.recorder.record_path(path, key=(registration.registration_id, version.version_number))
        if path:
            moves = "".join(f" --{e.trigger}--> {e.dest.value}" for e in path)
            self._note(f"{self._label(registration, model)}: {current.value}{moves} ({what})")
        return path

    def _refused(
        self,
        call: str,
        registration: _ModelRegistration,
        model: _ModelVersion,
        attempt: Callable[[], object],
    ) -> None:
        """Make a call the model forbids; it must raise the ConflictException AWS raises."""
        status = model.version.status
        try:
            answer = attempt()
        except ConflictError as error:
            if error.reason not in REFUSAL_REASONS[call]:
                raise self._fail(
                    "refusal",
                    f"{call} from {status.value} was refused with reason {error.reason!r}; "
                    f"AWS gives one of {sorted(REFUSAL_REASONS[call])}",
                    registration,
                    model,
                ) from error
            self._note(f"{self._label(registration, model)}: {call} refused ({error.reason})")
            return
        check = "illegal-transition"
        if call == "submit" and model.submits:
            check = "duplicated-submit"
            if isinstance(answer, VersionInfo) and self._acknowledged(registration, model, answer):
                return
        shown = (
            f"{answer.status.value} ({_stamps(answer.history)})"
            if isinstance(answer, VersionInfo)
            else repr(answer)
        )
        raise self._fail(
            check,
            f"{call} from {status.value} succeeded, answering {shown}; the lifecycle forbids "
            "it and AWS refuses it with ConflictException",
            registration,
            model,
        )

    def _acknowledged(
        self, registration: _ModelRegistration, model: _ModelVersion, answer: VersionInfo
    ) -> bool:
        """Whether a second submit was answered as already done, with nothing applied again.

        A backend that cannot tell a retry of its own lost submit from a second submit (AWS
        gives no idempotency token) may answer with the version as it stands, as AwsBackend
        does after REGISTRATION_ALREADY_SUBMITTED. That is not a duplicate as long as the
        SubmittedTimestamp is the one the first submit made and the state is a legal one.
        """
        first = model.version.history.submitted
        if answer.version_number != model.version.version_number:
            return False
        if first is None or answer.history.submitted != first:
            return False
        self._follow(registration, model, answer, None, "a repeated submit")
        self._note(f"{self._label(registration, model)}: repeated submit answered as done")
        return True

    def _describe(self, registration: _ModelRegistration) -> tuple[VersionInfo, ...]:
        infos = self.backend.describe_versions(registration.registration_id)
        numbers = [i.version_number for i in infos]
        expected = list(range(1, len(registration.versions) + 1))
        if numbers != expected:
            raise self._fail(
                "versions",
                f"describe_versions lists versions {numbers}; expected {expected}",
                registration,
            )
        return infos

    # -- customer operations ------------------------------------------------------------

    @initialize()
    def create_registrations(self) -> None:
        """Create the registrations the run works on, and check each starts as AWS's would."""
        self._step()
        for index in range(self.registration_count):
            registration_type = self.registration_types[index % len(self.registration_types)]
            info = self.backend.create_registration(registration_type)
            rid = info.registration_id
            if any(r.registration_id == rid for r in self.registrations):
                raise NonConformance(
                    "registration", "create_registration reused an id", registration_id=rid
                )
            if info.current_version_number != 1 or info.registration_type != registration_type:
                raise NonConformance(
                    "registration", f"create_registration answered {info!r}", registration_id=rid
                )
            (first,) = self.backend.describe_versions(rid)
            self._check_new(first, 1)
            reference = Registration.new(
                rid,
                registration_type=registration_type,
                registration_arn=info.registration_arn,
                at=first.history.draft,
            )
            model = _ModelRegistration(reference, [_ModelVersion(reference.latest)])
            self.registrations.append(model)

    def _check_new(self, info: VersionInfo, number: int) -> None:
        """A version just created must be the next number, a DRAFT with only its draft stamp."""
        history = info.history
        if info.version_number != number:
            raise NonConformance(
                "versions",
                f"the new version is number {info.version_number}; expected {number}",
                registration_id=info.registration_id,
            )
        if info.status is not VersionStatus.DRAFT or history.stamped() != (
            (VersionStatus.DRAFT, history.draft),
        ):
            raise NonConformance(
                "history",
                f"a new version must be a DRAFT with only its DraftTimestamp, got "
                f"{info.status.value} ({_stamps(history)})",
                registration_id=info.registration_id,
                version_number=info.version_number,
            )

    @rule(registration=st.integers(min_value=0, max_value=7))
    def create_version(self, registration: int) -> None:
        self._step()
        model = self._pick(registration)
        latest = model.latest
        rid = model.registration_id
        if not model.registration.can_create_version():
            self._refused(
                "create_version", model, latest, lambda: self.backend.create_version(rid)
            )
            return
        info = self.backend.create_version(rid)
        self._check_new(info, len(model.versions) + 1)
        try:
            new = model.registration.create_version(at=info.history.draft)
        except StampOrderError as error:
            raise self._fail(
                "history",
                f"the new version's DraftTimestamp is earlier than the latest stamp: {error}",
                model,
            ) from error
        model.versions.append(_ModelVersion(new))
        self._note(
            f"registration {self.registrations.index(model)}: version {new.version_number} created"
        )

    @rule(registration=st.integers(min_value=0, max_value=7), aws_review=st.booleans())
    def submit(self, registration: int, aws_review: bool) -> None:
        self._step()
        model = self._pick(registration)
        latest = model.latest
        rid = model.registration_id
        if not latest.version.can("submit"):
            self._refused(
                "submit", model, latest, lambda: self.backend.submit(rid, aws_review=aws_review)
            )
            return
        info = self.backend.submit(rid, aws_review=aws_review)
        self._check_answer(model, latest, info, "submit")
        self._follow(model, latest, info, "submit", "submit")
        latest.submits += 1

    @rule(registration=st.integers(min_value=0, max_value=7))
    def discard(self, registration: int) -> None:
        self._step()
        model = self._pick(registration)
        latest = model.latest
        rid = model.registration_id
        if not latest.version.can("discard"):
            self._refused("discard", model, latest, lambda: self.backend.discard(rid))
            return
        info = self.backend.discard(rid)
        self._check_answer(model, latest, info, "discard")
        self._follow(model, latest, info, "discard", "discard")

    def _check_answer(
        self, registration: _ModelRegistration, model: _ModelVersion, info: VersionInfo, call: str
    ) -> None:
        number = model.version.version_number
        if info.version_number != number or info.registration_id != registration.registration_id:
            raise self._fail(
                "answer",
                f"{call} answered for {info.registration_id} version {info.version_number}; "
                f"it acts on the latest version, {number}",
                registration,
                model,
            )

    @rule(
        operation=st.sampled_from(
            ["create_version", "submit", "discard", "describe_versions", "describe_registration"]
        )
    )
    def unknown_registration(self, operation: str) -> None:
        """Calls on a registration that does not exist raise ResourceNotFoundError."""
        self._step()
        call: Callable[[str], object] = getattr(self.backend, operation)
        try:
            answer = call(_MISSING_ID)
        except ResourceNotFoundError:
            return
        raise NonConformance(
            "not-found",
            f"{operation} on a registration that does not exist answered {answer!r}",
            registration_id=_MISSING_ID,
        )

    # -- AWS-side events -----------------------------------------------------------------

    def _aws_targets(self, trigger: str) -> list[tuple[_ModelRegistration, _ModelVersion]]:
        """The versions AWS could move with ``trigger``: the latest, or an approved older one."""
        if self.aws is None:
            return []
        targets = []
        for registration in self.registrations:
            for model in registration.versions:
                if not model.version.can(trigger):
                    continue
                if model is registration.latest or model.version.status is VersionStatus.APPROVED:
                    targets.append((registration, model))
        return targets

    def _play(
        self,
        trigger: str,
        index: int,
        denied_reasons: Sequence[DeniedReason] = (),
        feedback: str | None = None,
    ) -> None:
        self._step()
        targets = self._aws_targets(trigger)
        if not targets:  # only when driven by hand: Hypothesis checks the precondition
            raise InvalidValueError(f"no version can take the AWS-side {trigger} now")
        # The registration the index names, or the next one the event applies to.
        count = len(self.registrations)
        order = {id(r): (self.registrations.index(r) - index) % count for r, _ in targets}
        registration, model = min(targets, key=lambda t: order[id(t[0])])
        assert self.aws is not None
        previously_approved = [v for v in registration.approved() if v is not model]
        info = self.aws.play_aws(
            registration.registration_id,
            trigger,
            version_number=model.version.version_number,
            denied_reasons=denied_reasons,
            feedback=feedback,
        )
        self._follow(registration, model, info, trigger, f"the AWS-side {trigger}")
        if trigger == "deny":
            model.denied_reasons = tuple(denied_reasons)
            model.feedback = feedback
        if trigger == "approve":
            # Approving archives the version approved before, in the same step.
            infos = {i.version_number: i for i in self._describe(registration)}
            for older in previously_approved:
                if infos[older.version.version_number].status is VersionStatus.APPROVED:
                    raise self._fail(
                        "two-approved",
                        f"approving version {model.version.version_number} left this version "
                        "APPROVED; AWS archives it in the same step",
                        registration,
                        older,
                    )
                self._follow(
                    registration,
                    older,
                    infos[older.version.version_number],
                    "archive",
                    f"approving version {model.version.version_number}",
                )

    # -- checks after every step ---------------------------------------------------------

    @invariant()
    def service_matches_the_lifecycle(self) -> None:
        for registration in self.registrations:
            infos = self._describe(registration)
            approved = []
            for info, model in zip(infos, registration.versions):
                if not judge_new(info.status, info.history).proven:
                    raise self._fail(
                        "history",
                        f"status {info.status.value} with history ({_stamps(info.history)}) is "
                        "not explained by any legal path",
                        registration,
                        model,
                    )
                if info.status != model.version.status or info.history != model.version.history:
                    self._follow(registration, model, info, None, "the last step")
                if info.status is VersionStatus.APPROVED:
                    approved.append(info.version_number)
                self._check_submits(registration, model, info)
                denial = (info.denied_reasons, info.feedback)
                if (
                    model.denied_reasons is not None
                    and info.status is VersionStatus.DENIED
                    and denial != (model.denied_reasons, model.feedback)
                ):
                    raise self._fail(
                        "denial",
                        f"denied with {model.denied_reasons!r} and feedback "
                        f"{model.feedback!r}, the backend shows {info.denied_reasons!r} and "
                        f"{info.feedback!r}",
                        registration,
                        model,
                    )
            if len(approved) > 1:
                raise self._fail(
                    "two-approved", f"versions {approved} are all APPROVED", registration
                )
            self._check_registration(registration, infos)

    def _check_submits(
        self, registration: _ModelRegistration, model: _ModelVersion, info: VersionInfo
    ) -> None:
        stamped = info.history.submitted is not None
        if model.submits > 1:
            raise self._fail(
                "duplicated-submit",
                f"the backend acknowledged {model.submits} submits of one version",
                registration,
                model,
            )
        if stamped and not model.submits:
            raise self._fail(
                "duplicated-submit",
                "the version shows a SubmittedTimestamp but no submit of it was acknowledged",
                registration,
                model,
            )
        if model.submits and not stamped:
            raise self._fail(
                "lost-submit",
                "the backend acknowledged a submit but the version has no SubmittedTimestamp",
                registration,
                model,
            )

    def _check_registration(
        self, registration: _ModelRegistration, infos: tuple[VersionInfo, ...]
    ) -> None:
        """The registration as the backend describes it agrees with the reference, and the
        library's Registration accepts the backend's view (its rules between versions)."""
        info: RegistrationInfo = self.backend.describe_registration(registration.registration_id)
        reference = registration.registration
        expected = (
            reference.registration_id,
            reference.current_version_number,
            reference.approved_version_number,
            reference.latest_denied_version_number,
            reference.status,
        )
        seen = (
            info.registration_id,
            info.current_version_number,
            info.approved_version_number,
            info.latest_denied_version_number,
            info.status,
        )
        if seen != expected:
            raise self._fail(
                "registration",
                "describe_registration shows (id, current, approved, latest denied, status) = "
                f"{_show(seen)}; the reference Registration has {_show(expected)}",
                registration,
            )
        page = {
            "RegistrationId": info.registration_id,
            "RegistrationVersions": [i.to_aws() for i in infos],
        }
        try:
            Registration.from_aws(info, [page])
        except RegistrationFsmError as error:
            raise self._fail(
                "registration",
                f"the library's Registration refuses the backend's view: {error}",
                registration,
            ) from error


def _aws_rule(trigger: str) -> Any:
    """The rule that plays the AWS-side ``trigger``; enabled only when some version allows it."""

    def enabled(self: BackendConformance) -> bool:
        return bool(self._aws_targets(trigger))

    if trigger == "deny":

        def play_deny(
            self: BackendConformance,
            registration: int,
            denied_reasons: list[DeniedReason],
            feedback: str | None,
        ) -> None:
            self._play(trigger, registration, denied_reasons, feedback)

        play_deny.__name__ = f"aws_{trigger}"
        return precondition(enabled)(
            rule(
                registration=st.integers(min_value=0, max_value=7),
                denied_reasons=st.lists(
                    st.builds(DeniedReason, reason=_TEXT, short_description=_TEXT), max_size=2
                ),
                feedback=st.none() | _TEXT,
            )(play_deny)
        )

    def play(self: BackendConformance, registration: int) -> None:
        self._play(trigger, registration)

    play.__name__ = f"aws_{trigger}"
    return precondition(enabled)(rule(registration=st.integers(min_value=0, max_value=7))(play))


for _trigger in _PLAYED_TRIGGERS:
    setattr(BackendConformance, f"aws_{_trigger}", _aws_rule(_trigger))


def conformance_suite(
    backend_factory: Callable[[], Backend],
    aws_side_factory: Callable[[Backend], AwsSide] | None = None,
    *,
    recorder: EdgeRecorder | None = None,
    registration_count: int = 2,
    name: str = "BackendConformanceSuite",
) -> type[BackendConformance]:
    """A state machine class that checks the backends ``backend_factory`` makes.

    ``backend_factory`` is called once per run and must return a fresh (or at least
    independent) backend. ``aws_side_factory`` is called with that backend and returns what
    plays AWS's part; by default the backend itself does, if it has ``play_aws``; otherwise
    only customer calls are made. The class's ``recorder`` counts the edges taken::

        Suite = conformance_suite(InMemoryBackend)
        TestMyBackend = Suite.TestCase          # collected by pytest / unittest
        # or: hypothesis.stateful.run_state_machine_as_test(Suite)
        print(Suite.recorder.summary())
    """
    if registration_count < 1:
        raise InvalidValueError(f"registration_count must be at least 1, got {registration_count}")
    namespace: dict[str, Any] = {
        "backend_factory": staticmethod(backend_factory),
        "aws_side_factory": (
            staticmethod(aws_side_factory) if aws_side_factory is not None else None
        ),
        "recorder": recorder if recorder is not None else EdgeRecorder(),
        "registration_count": registration_count,
        "examples_run": 0,
        "steps_run": 0,
    }
    return type(name, (BackendConformance,), namespace)


def drive_path(
    backend: Backend,
    aws_side: AwsSide,
    path: Sequence[Edge] | PathCase,
    *,
    registration_type: str = REGISTRATION_TYPES[0],
    recorder: EdgeRecorder | None = None,
) -> VersionInfo:
    """Walk a new registration's first version along ``path`` through a real backend.

    Customer edges are backend calls, AWS-side edges are played by ``aws_side``; ARCHIVED is
    reached the only way AWS allows, by approving a newer version. Each step must land exactly
    where its edge says, or NonConformance is raised. Returns the version as the backend
    finally describes it. Use it with :func:`~registration_fsm.testing.paths.path_cases` to
    cover every status, edge or pair of edges of your backend deterministically.
    """
    edges = check_path(path)
    if edges and edges[0].source is not LIFECYCLE.initial:
        raise InvalidValueError(
            f"the path starts at {edges[0].source.value}; "
            f"a new version is {LIFECYCLE.initial.value}"
        )
    rid = backend.create_registration(registration_type).registration_id

    def play(trigger: str, number: int) -> VersionInfo:
        if trigger == "submit":
            return backend.submit(rid)
        if trigger == "discard":
            return backend.discard(rid)
        return aws_side.play_aws(rid, trigger, version_number=number)

    for index, edge in enumerate(edges):
        if edge.trigger == "archive":
            newer = backend.create_version(rid).version_number
            for trigger in ("submit", "begin_review", "approve"):
                play(trigger, newer)
            (answer,) = backend.describe_versions(rid, [1])
        else:
            answer = play(edge.trigger, 1)
        stamped = edge.dest.history_field is None or answer.history[edge.dest] is not None
        if answer.version_number != 1 or answer.status is not edge.dest or not stamped:
            raise NonConformance(
                "path",
                f"step {index} ({edge}) left version {answer.version_number} in "
                f"{answer.status.value} ({_stamps(answer.history)})",
                registration_id=rid,
                version_number=1,
            )
        if recorder is not None:
            recorder.record(edge, key=(rid, 1))
    (final,) = backend.describe_versions(rid, [1])
    expected = edges[-1].dest if edges else LIFECYCLE.initial
    if final.status is not expected:
        raise NonConformance(
            "path",
            f"the walk ended in {expected.value}, describe_versions shows {final.status.value}",
            registration_id=rid,
            version_number=1,
        )
    return final
