"""The conformance suite passes correct backends and catches broken ones, shrunk to the point."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pytest
from backend_doubles import DiscardsAnything, SubmitsTwice, ToyBackend
from hypothesis import Phase, seed, settings
from hypothesis.stateful import run_state_machine_as_test

from registration_fsm import (
    LIFECYCLE,
    ConflictError,
    Initiator,
    InvalidValueError,
    RegistrationStatus,
    VersionStatus,
)
from registration_fsm.backends import DeniedReason, RegistrationInfo, VersionInfo
from registration_fsm.backends.aws import AwsBackend
from registration_fsm.backends.memory import InMemoryBackend
from registration_fsm.testing.conformance import (
    BackendConformance,
    NonConformance,
    conformance_suite,
    drive_path,
)
from registration_fsm.testing.paths import EdgeRecorder, PathCase, parametrize_paths, path_cases

S = VersionStatus

# Broken backends fail within a few steps: short runs find them fast and shrink them well.
# report_multiple_bugs=False: after a first failure Hypothesis otherwise goes on generating
# for up to ten seconds of wall-clock time, so on a loaded machine the example it shrinks
# (and so the exact steps asserted below) would depend on timing, not only on the seed.
_HUNT = settings(
    max_examples=300,
    stateful_step_count=10,
    deadline=None,
    database=None,
    phases=[Phase.generate, Phase.shrink],
    report_multiple_bugs=False,
)


def _counterexample(suite: type[BackendConformance]) -> tuple[NonConformance, list[str]]:
    """Run ``suite`` until it fails; return the error and Hypothesis's shrunk steps."""
    with pytest.raises(NonConformance) as raised:
        run_state_machine_as_test(suite, settings=_HUNT)
    notes = "\n".join(getattr(raised.value, "__notes__", []))
    steps = [
        line.removeprefix("state.")
        for line in notes.splitlines()
        if line.startswith("state.")
        and not line.startswith(("state.service_matches", "state.teardown"))
    ]
    return raised.value, steps


def _replay(suite: type[BackendConformance], steps: list[str]) -> NonConformance | None:
    """Run printed steps on a fresh machine, checking after each; return the failure, if any."""
    machine = suite()
    try:
        for step in steps:
            eval(f"state.{step}", {"DeniedReason": DeniedReason}, {"state": machine})
            machine.service_matches_the_lifecycle()
    except NonConformance as error:
        return error
    except InvalidValueError:  # a step whose precondition no longer holds
        return None
    return None


def _one_minimal(suite: type[BackendConformance], steps: list[str], check: str) -> list[str]:
    """Drop steps (and lower registration indexes) while the same check still fails.

    Hypothesis's shrinker can stop at a local minimum (a refused call left in, say); this
    pass shows what the shortest counterexample inside its answer is.
    """
    assert (failure := _replay(suite, steps)) is not None
    assert failure.check == check
    changed = True
    while changed:
        changed = False
        for index in range(1, len(steps)):
            candidates = [steps[:index] + steps[index + 1 :]]
            lowered = re.sub(r"registration=\d+", "registration=0", steps[index])
            if lowered != steps[index]:
                candidates.append([*steps[:index], lowered, *steps[index + 1 :]])
            for candidate in candidates:
                failure = _replay(suite, candidate)
                if failure is not None and failure.check == check:
                    steps, changed = candidate, True
                    break
            if changed:
                break
    return steps


# -- correct backends pass ----------------------------------------------------------------


def test_a_correct_backend_passes_and_the_run_is_counted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    suite = conformance_suite(ToyBackend)
    run_state_machine_as_test(
        suite, settings=settings(deadline=None, database=None, derandomize=True)
    )
    assert suite.examples_run >= 10
    assert suite.steps_run >= suite.examples_run
    recorder = suite.recorder
    assert recorder.exercised.isdisjoint(recorder.missing)
    assert recorder.exercised | set(recorder.missing) == set(LIFECYCLE.edges)
    assert len(recorder.exercised) >= len(LIFECYCLE.edges) // 2
    with capsys.disabled():
        print(f"\nToyBackend: {suite.examples_run} runs, {suite.steps_run} steps")
        print(recorder.summary())
    # What the random run missed, the generated paths reach: together they cover every edge.
    for case in path_cases("edges"):
        if case.edges[-1] in recorder.missing:
            backend = ToyBackend()
            drive_path(backend, backend, case, recorder=recorder)
    assert recorder.missing == ()


def test_the_in_memory_backend_conforms(capsys: pytest.CaptureFixture[str]) -> None:
    suite = conformance_suite(InMemoryBackend)
    run_state_machine_as_test(  # pinned: the edge count below depends on what is generated
        suite, settings=settings(deadline=None, database=None, derandomize=True)
    )
    assert suite.examples_run >= 10
    assert suite.steps_run > suite.examples_run
    assert len(suite.recorder.exercised) >= len(LIFECYCLE.edges) // 2
    with capsys.disabled():
        print(f"\nInMemoryBackend: {suite.examples_run} runs, {suite.steps_run} steps")
        print(suite.recorder.summary())


def test_aws_backend_on_the_emulator_conforms(
    emulator: Any, make_client: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client(attempts=1)
    suite = conformance_suite(lambda: AwsBackend(client), lambda backend: emulator.backend)
    # Every step is an HTTP round trip: a tenth of the profile's examples, at least 25.
    examples = max(25, settings.default.max_examples // 10)
    run_state_machine_as_test(  # pinned: whether a submit is generated must not be luck
        suite,
        settings=settings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            database=None,
            derandomize=True,
        ),
    )
    assert suite.examples_run >= examples
    assert suite.steps_run > suite.examples_run
    # Every call went over HTTP: the simulator saw the customer calls the suite made.
    assert any(name == "submit" for name, _ in emulator.backend.calls)
    with capsys.disabled():
        print(f"\nAwsBackend on the emulator: {suite.examples_run} runs, {suite.steps_run} steps")
        print(suite.recorder.summary())


@parametrize_paths("pairs")
def test_the_in_memory_backend_walks_every_pair_of_edges(path_case: PathCase) -> None:
    backend = InMemoryBackend()
    final = drive_path(backend, backend, path_case)
    assert final.status is path_case.final


def test_aws_backend_walks_every_edge_through_the_emulator(
    emulator: Any, make_client: Callable[..., Any]
) -> None:
    backend = AwsBackend(make_client(attempts=1))
    recorder = EdgeRecorder()
    for case in path_cases("edges"):
        final = drive_path(backend, emulator.backend, case, recorder=recorder)
        assert final.status is case.final
    assert recorder.missing == ()


class _CustomerOnly:
    """A backend without an AWS side: only customer calls can be made."""

    def __init__(self) -> None:
        self._inner = ToyBackend()
        self.create_registration = self._inner.create_registration
        self.create_version = self._inner.create_version
        self.submit = self._inner.submit
        self.discard = self._inner.discard
        self.describe_versions = self._inner.describe_versions
        self.describe_registration = self._inner.describe_registration


def test_without_an_aws_side_only_customer_edges_are_taken() -> None:
    suite = conformance_suite(_CustomerOnly)  # type: ignore[arg-type]
    run_state_machine_as_test(
        suite, settings=settings(max_examples=20, deadline=None, database=None, derandomize=True)
    )
    assert suite.recorder.exercised
    assert all(e.initiator is Initiator.CUSTOMER for e in suite.recorder.exercised)


def test_the_aws_side_can_be_a_separate_object() -> None:
    shared = ToyBackend()
    suite = conformance_suite(_CustomerOnly, lambda backend: shared)  # type: ignore[arg-type]
    machine = suite()
    assert machine.aws is shared


def test_the_suite_refuses_a_bad_registration_count() -> None:
    with pytest.raises(InvalidValueError, match="registration_count must be at least 1, got 0"):
        conformance_suite(ToyBackend, registration_count=0)


# -- broken backends are caught, with the shortest counterexample -------------------------


def _assert_every_step_is_needed(
    suite: type[BackendConformance], steps: list[str], check: str
) -> None:
    assert (failure := _replay(suite, steps)) is not None
    assert failure.check == check
    for index in range(1, len(steps)):
        shorter = steps[:index] + steps[index + 1 :]
        failure = _replay(suite, shorter)
        assert failure is None or failure.check != check, shorter


# What Hypothesis generates, and so where its shrinker stops, depends on more than the seed:
# it also draws constants from the local modules loaded (every test module, in a full run),
# so the exact steps change whenever a test file does. These tests assert what every
# counterexample of the bug must show, and reduce it to a 1-minimal one themselves.


def test_a_backend_that_allows_an_illegal_discard_is_caught() -> None:
    suite = seed(0)(conformance_suite(DiscardsAnything))
    error, steps = _counterexample(suite)
    assert error.check == "illegal-transition"
    found = re.search(r"discard from (\w+) succeeded", str(error))
    assert found is not None, str(error)
    assert LIFECYCLE.next_status(VersionStatus(found.group(1)), "discard") is None
    minimal = _one_minimal(suite, steps, "illegal-transition")
    _assert_every_step_is_needed(suite, minimal, "illegal-transition")
    assert minimal[0] == "create_registrations()"
    assert re.fullmatch(r"discard\(registration=\d\)", minimal[-1])
    assert len(minimal) >= 3  # created, moved on at least once, discarded
    assert len(steps) >= len(minimal)


def test_a_backend_that_applies_a_submit_twice_is_caught() -> None:
    suite = seed(0)(conformance_suite(SubmitsTwice))
    error, steps = _counterexample(suite)
    assert error.check == "duplicated-submit"
    assert error.version_number == 1
    assert "submit from SUBMITTED succeeded" in str(error)
    minimal = _one_minimal(suite, steps, "duplicated-submit")
    _assert_every_step_is_needed(suite, minimal, "duplicated-submit")
    first, second = minimal[1:]
    assert minimal[0] == "create_registrations()"
    number = re.fullmatch(r"submit\(aws_review=False, registration=(\d)\)", first)
    assert number is not None, first
    assert re.fullmatch(rf"submit\(aws_review=(True|False), registration={number[1]}\)", second)
    assert len(steps) >= len(minimal)


# -- each check, driven step by step ------------------------------------------------------


class _LosesSubmits(ToyBackend):
    """Answers a submit as done but never applies it."""

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        latest = self._get(registration_id).versions[-1]
        if not latest.can("submit"):
            return super().submit(registration_id, aws_review=aws_review)
        return self._info(registration_id, latest, aws_review=aws_review)


class _NeverArchives(ToyBackend):
    """Approves a newer version but leaves the older approved one APPROVED."""

    def play_aws(self, registration_id: str, trigger: str, **kwargs: object) -> VersionInfo:
        registration = self._get(registration_id)
        number = kwargs.get("version_number") or len(registration.versions)
        assert isinstance(number, int)
        version = registration.versions[number - 1]
        version.fire(trigger, at=self.clock())
        return self._info(registration_id, version)


class _WrongReason(ToyBackend):
    def discard(self, registration_id: str) -> VersionInfo:
        latest = self._get(registration_id).versions[-1]
        if not latest.can("discard"):
            raise ConflictError("no", reason="SOMETHING_ELSE")
        return super().discard(registration_id)


class _SubmitsBehindTheScenes(ToyBackend):
    """Submits the draft of every registration when any registration is described."""

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        for registration in self._registrations.values():
            if registration.versions[-1].can("submit") and self._armed:
                registration.versions[-1].submit(at=self.clock())
        return super().describe_versions(registration_id, version_numbers)

    _armed = False


def _machine(backend: type[ToyBackend]) -> BackendConformance:
    machine = conformance_suite(backend)()
    machine.create_registrations()
    machine.service_matches_the_lifecycle()
    return machine


def test_a_lost_submit_is_caught() -> None:
    machine = _machine(_LosesSubmits)
    with pytest.raises(NonConformance, match=r"\[lost-submit\].*no SubmittedTimestamp"):
        machine.submit(registration=0, aws_review=False)


def test_two_approved_versions_are_caught() -> None:
    machine = _machine(_NeverArchives)
    for step in ("submit", "aws_begin_review", "aws_approve", "create_version"):
        kwargs = {"aws_review": False} if step == "submit" else {}
        getattr(machine, step)(registration=0, **kwargs)
        machine.service_matches_the_lifecycle()
    machine.submit(registration=0, aws_review=False)
    machine.aws_begin_review(registration=0)
    with pytest.raises(NonConformance, match=r"\[two-approved\].*version 1.*left this version"):
        machine.aws_approve(registration=0)


def test_a_refusal_with_the_wrong_reason_is_caught() -> None:
    machine = _machine(_WrongReason)
    machine.submit(registration=0, aws_review=False)
    machine.aws_begin_review(registration=0)
    with pytest.raises(NonConformance, match=r"\[refusal\].*'SOMETHING_ELSE'"):
        machine.discard(registration=0)


class _StaleStatus(ToyBackend):
    """Reports every registration as CREATED, whatever its versions say."""

    def describe_registration(self, registration_id: str) -> RegistrationInfo:
        return attrs.evolve(
            super().describe_registration(registration_id), status=RegistrationStatus.CREATED
        )


def test_a_registration_status_that_disagrees_with_the_versions_is_caught() -> None:
    machine = _machine(_StaleStatus)
    machine.submit(registration=0, aws_review=False)
    with pytest.raises(NonConformance, match=r"\[registration\].*CREATED.*SUBMITTED"):
        machine.service_matches_the_lifecycle()


def test_a_customer_move_nobody_made_is_caught() -> None:
    machine = _machine(_SubmitsBehindTheScenes)
    _SubmitsBehindTheScenes._armed = True
    try:
        with pytest.raises(NonConformance, match=r"\[duplicated-submit\].*nobody made"):
            machine.service_matches_the_lifecycle()
    finally:
        _SubmitsBehindTheScenes._armed = False


def test_aws_moving_a_version_on_by_itself_is_accepted_and_recorded() -> None:
    machine = _machine(ToyBackend)
    machine.submit(registration=0, aws_review=True)
    backend = machine.backend
    assert isinstance(backend, ToyBackend)
    rid = machine.registrations[0].registration_id
    backend.play_aws(rid, "begin_aws_review")
    backend.play_aws(rid, "begin_review")
    machine.service_matches_the_lifecycle()
    assert machine.registrations[0].latest.version.status is S.REVIEWING
    recorded = {str(e) for e in machine.recorder.exercised}
    assert "SUBMITTED --begin_aws_review--> AWS_REVIEWING" in recorded
    assert "AWS_REVIEWING --begin_review--> REVIEWING" in recorded


def test_calls_on_a_registration_that_does_not_exist_must_raise_not_found() -> None:
    class Lenient(ToyBackend):
        def describe_registration(self, registration_id: str):  # type: ignore[no-untyped-def]
            if registration_id not in self._registrations:
                return None
            return super().describe_registration(registration_id)

    _machine(ToyBackend).unknown_registration(operation="describe_registration")
    with pytest.raises(NonConformance, match=r"\[not-found\]"):
        _machine(Lenient).unknown_registration(operation="describe_registration")


def test_denied_reasons_must_be_kept() -> None:
    from registration_fsm.backends import DeniedReason

    class Forgetful(ToyBackend):
        def describe_versions(self, registration_id, version_numbers=None):  # type: ignore[no-untyped-def]
            return tuple(
                VersionInfo(
                    registration_id=i.registration_id,
                    version_number=i.version_number,
                    status=i.status,
                    history=i.history,
                )
                for i in super().describe_versions(registration_id, version_numbers)
            )

    machine = _machine(Forgetful)
    machine.submit(registration=0, aws_review=False)
    machine.aws_deny(registration=0, denied_reasons=[DeniedReason("R", "short")], feedback="fix")
    with pytest.raises(NonConformance, match=r"\[denial\]"):
        machine.service_matches_the_lifecycle()


# -- explicit paths through a backend -----------------------------------------------------


@parametrize_paths("edges")
def test_the_backend_walks_every_edge(path_case: PathCase) -> None:
    backend = ToyBackend()
    final = drive_path(backend, backend, path_case)
    assert final.status is path_case.final


def test_driving_every_generated_case_covers_the_graph() -> None:
    recorder = EdgeRecorder()
    for case in path_cases("all"):
        backend = ToyBackend()
        drive_path(backend, backend, case, recorder=recorder)
    assert recorder.missing == ()
    assert recorder.pairs_missing == ()


def test_drive_path_reports_a_backend_that_goes_elsewhere() -> None:
    submit = LIFECYCLE.edge(S.DRAFT, "submit")
    assert submit is not None
    backend = _LosesSubmits()
    with pytest.raises(NonConformance, match=r"\[path\].*step 0 \(DRAFT --submit--> SUBMITTED\)"):
        drive_path(backend, backend, [submit])


def test_drive_path_starts_at_draft() -> None:
    review = LIFECYCLE.edge(S.SUBMITTED, "begin_review")
    assert review is not None
    backend = ToyBackend()
    with pytest.raises(InvalidValueError, match="the path starts at SUBMITTED"):
        drive_path(backend, backend, [review])


# -- the package ----------------------------------------------------------------------------


def test_the_testing_package_exports_sorted_names() -> None:
    from registration_fsm import testing

    assert testing.__all__ == sorted(testing.__all__)
    for name in testing.__all__:
        assert getattr(testing, name) is not None


def test_importing_the_library_imports_neither_the_kit_nor_pytest() -> None:
    import subprocess
    import sys

    code = (
        "import sys, registration_fsm;"
        "print([m for m in ('registration_fsm.testing', 'hypothesis', 'pytest') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
