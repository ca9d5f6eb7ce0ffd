from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest

from registration_fsm import (
    LIFECYCLE,
    ConflictError,
    FaultKind,
    InMemoryBackend,
    InternalServerError,
    InvalidRegistrationId,
    InvalidTransition,
    InvalidValueError,
    RegistrationStatus,
    ResourceNotFoundError,
    ServiceQuotaExceededError,
    ServiceUnavailableError,
    SteppingClock,
    ThrottlingError,
    UnknownTriggerError,
    ValidationError,
    VersionStatus,
)
from registration_fsm.backends import Backend, DeniedReason

V = VersionStatus
TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def backend() -> InMemoryBackend:
    return InMemoryBackend(SteppingClock(START, timedelta(minutes=1)))


def new_registration(backend: InMemoryBackend) -> str:
    return backend.create_registration(TYPE).registration_id


def test_it_is_a_backend() -> None:
    assert isinstance(InMemoryBackend(), Backend)


def test_a_new_registration_has_a_draft_version_1(backend: InMemoryBackend) -> None:
    info = backend.create_registration(TYPE, tags={"team": "sms"})
    assert re.fullmatch(r"registration-[0-9a-f]{32}", info.registration_id)
    assert info.registration_arn == (
        f"arn:aws:sms-voice:us-east-1:123456789012:registration/{info.registration_id}"
    )
    assert info.registration_type == TYPE
    assert info.status is RegistrationStatus.CREATED
    assert info.current_version_number == 1
    assert info.created == START
    assert info.tags == {"team": "sms"}
    (version,) = backend.describe_versions(info.registration_id)
    assert version.version_number == 1
    assert version.status is V.DRAFT
    assert version.history.draft == START
    assert version.registration_arn == info.registration_arn


def test_ids_are_distinct_and_repeat_from_run_to_run() -> None:
    first = [InMemoryBackend().create_registration(TYPE).registration_id for _ in range(1)]
    backend = InMemoryBackend()
    ids = [backend.create_registration(TYPE).registration_id for _ in range(50)]
    assert len(set(ids)) == 50
    assert ids[0] == first[0]
    other = InMemoryBackend(account_id="210987654321", region="eu-west-1")
    info = other.create_registration(TYPE)
    assert info.registration_id not in ids
    assert info.registration_arn.startswith("arn:aws:sms-voice:eu-west-1:210987654321:")


def test_the_default_clock_is_deterministic() -> None:
    one, two = InMemoryBackend(), InMemoryBackend()
    assert one.create_registration(TYPE).created == two.create_registration(TYPE).created


@pytest.mark.parametrize(
    "kwargs",
    [{"account_id": "12345"}, {"region": ""}, {"region": "us east"}, {"max_versions_per_day": -1}],
)
def test_bad_configuration_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        InMemoryBackend(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "has space", "x" * 65, 7])
def test_a_bad_registration_type_is_refused_before_anything(
    backend: InMemoryBackend, bad: object
) -> None:
    with pytest.raises(InvalidValueError, match="registration type"):
        backend.create_registration(bad)  # type: ignore[arg-type]
    assert backend.calls == ()


def test_the_arn_works_as_an_id(backend: InMemoryBackend) -> None:
    info = backend.create_registration(TYPE)
    answer = backend.submit(info.registration_arn)
    assert answer.registration_id == info.registration_id
    assert backend.describe_registration(info.registration_arn).registration_id == (
        info.registration_id
    )


def test_submit_moves_the_latest_draft(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    answer = backend.submit(rid)
    assert answer.status is V.SUBMITTED
    assert answer.aws_review is False
    assert answer.history.submitted == START + timedelta(minutes=1)
    assert backend.describe_registration(rid).status is RegistrationStatus.SUBMITTED
    assert backend.applied[-1] == ("submit", rid, 1)


def test_submit_with_aws_review_stamps_both_steps_at_one_instant(
    backend: InMemoryBackend,
) -> None:
    rid = new_registration(backend)
    answer = backend.submit(rid, aws_review=True)
    assert answer.status is V.AWS_REVIEWING
    assert answer.aws_review is True
    assert answer.history.submitted == answer.history.aws_reviewing
    assert LIFECYCLE.explain(V.DRAFT, answer.status, answer.history) is not None
    assert backend.applied[-2:] == (("submit", rid, 1), ("begin_aws_review", rid, 1))
    assert backend.describe_registration(rid).status is RegistrationStatus.AWS_REVIEWING


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (["submit"], "REGISTRATION_ALREADY_SUBMITTED"),
        (["submit", "begin_review"], "REGISTRATION_ALREADY_SUBMITTED"),
        (["submit", "require_authentication"], "REGISTRATION_ALREADY_SUBMITTED"),
        (["submit", "begin_review", "require_offline_review"], "REGISTRATION_ALREADY_SUBMITTED"),
        (["submit", "begin_review", "approve"], "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"),
        (["submit", "deny"], "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"),
        (["discard"], "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"),
    ],
)
def test_submit_refusals_carry_aws_reasons(
    backend: InMemoryBackend, path: list[str], reason: str
) -> None:
    rid = new_registration(backend)
    walk(backend, rid, path)
    before = backend.peek(rid)
    with pytest.raises(ConflictError) as caught:
        backend.submit(rid)
    assert caught.value.reason == reason
    assert caught.value.code == "ConflictException"
    assert caught.value.resource_type == "registration"
    assert caught.value.resource_id == rid
    assert backend.peek(rid) == before


def walk(backend: InMemoryBackend, rid: str, path: list[str]) -> None:
    for trigger in path:
        if trigger == "submit":
            backend.submit(rid)
        elif trigger == "discard":
            backend.discard(rid)
        else:
            backend.play_aws(rid, trigger)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([], True),
        (["submit"], True),
        (["submit", "require_authentication"], True),
        (["submit", "begin_review"], False),
        (["submit", "begin_aws_review"], False),
        (["submit", "deny"], False),
        (["submit", "begin_review", "approve"], False),
        (["discard"], False),
    ],
)
def test_discard_follows_the_lifecycle(
    backend: InMemoryBackend, path: list[str], allowed: bool
) -> None:
    rid = new_registration(backend)
    walk(backend, rid, path)
    if allowed:
        assert backend.discard(rid).status is V.DISCARDED
    else:
        before = backend.peek(rid)
        with pytest.raises(ConflictError) as caught:
            backend.discard(rid)
        assert caught.value.reason == "DISCARD_REGISTRATION_VERSION_NOT_ALLOWED"
        assert backend.peek(rid) == before


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([], False),
        (["submit"], False),
        (["submit", "begin_review"], False),
        (["submit", "require_authentication"], False),
        (["submit", "begin_aws_review", "require_offline_review"], False),
        (["submit", "begin_review", "approve"], True),
        (["submit", "deny"], True),
        (["discard"], True),
        (["submit", "begin_review", "approve", "revoke"], True),
    ],
)
def test_create_version_waits_for_the_latest(
    backend: InMemoryBackend, path: list[str], allowed: bool
) -> None:
    rid = new_registration(backend)
    walk(backend, rid, path)
    if allowed:
        answer = backend.create_version(rid)
        assert (answer.version_number, answer.status) == (2, V.DRAFT)
        assert backend.describe_registration(rid).current_version_number == 2
    else:
        with pytest.raises(ConflictError) as caught:
            backend.create_version(rid)
        assert caught.value.reason == "CREATE_REGISTRATION_VERSION_NOT_ALLOWED"
        assert len(backend.peek(rid)) == 1


def test_only_the_latest_version_is_acted_on(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    walk(backend, rid, ["submit", "deny"])
    backend.create_version(rid)
    assert backend.submit(rid).version_number == 2
    first, second = backend.peek(rid)
    assert (first.status, second.status) == (V.DENIED, V.SUBMITTED)


def test_unknown_ids_are_not_found(backend: InMemoryBackend) -> None:
    missing = "registration-00000000000000000000000000000000"
    for call in (
        backend.submit,
        backend.discard,
        backend.create_version,
        backend.describe_versions,
        backend.describe_registration,
    ):
        with pytest.raises(ResourceNotFoundError) as caught:
            call(missing)
        assert caught.value.resource_id == missing
        assert caught.value.resource_type == "registration"
        assert caught.value.code == "ResourceNotFoundException"
    with pytest.raises(ResourceNotFoundError):
        backend.describe_registrations([missing])
    with pytest.raises(ResourceNotFoundError):
        backend.play_aws(missing, "approve")


def test_malformed_ids_fail_before_any_call(backend: InMemoryBackend) -> None:
    with pytest.raises(InvalidRegistrationId):
        backend.submit("not an id")
    with pytest.raises(InvalidRegistrationId):
        backend.describe_registrations(["ok", "not ok"])
    assert backend.calls == ()


def test_describe_versions_by_number(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    walk(backend, rid, ["discard"])
    backend.create_version(rid)
    assert [v.version_number for v in backend.describe_versions(rid, [2, 1, 2])] == [1, 2]
    with pytest.raises(ValidationError) as caught:
        backend.describe_versions(rid, [3])
    assert caught.value.reason == "UNKNOWN_REGISTRATION_VERSION"
    assert caught.value.fields[0]["Name"] == "VersionNumbers"


def test_describe_registrations_lists_all_in_creation_order(backend: InMemoryBackend) -> None:
    ids = [new_registration(backend) for _ in range(3)]
    assert [r.registration_id for r in backend.describe_registrations()] == ids
    assert [r.registration_id for r in backend.describe_registrations(ids[:1] * 2)] == ids[:1]


# -- the AWS side -------------------------------------------------------------------------


def test_approving_a_newer_version_archives_the_older_in_the_same_step(
    backend: InMemoryBackend,
) -> None:
    rid = new_registration(backend)
    walk(backend, rid, ["submit", "begin_review", "approve"])
    assert backend.describe_registration(rid).approved_version_number == 1
    backend.create_version(rid)
    walk(backend, rid, ["submit", "begin_review"])
    answer = backend.play_aws(rid, "approve")
    first, second = backend.peek(rid)
    assert answer == second
    assert first.status is V.ARCHIVED
    assert first.history.archived == second.history.approved
    info = backend.describe_registration(rid)
    assert info.approved_version_number == 2
    assert info.status is RegistrationStatus.COMPLETE
    assert backend.applied[-2:] == (("archive", rid, 1), ("approve", rid, 2))


def test_deny_keeps_reasons_and_feedback(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    backend.submit(rid)
    reason = DeniedReason("WEBSITE", "Unreachable", documentation_link="https://example.com")
    answer = backend.play_aws(rid, "deny", denied_reasons=[reason], feedback="fix it")
    assert answer.denied_reasons == (reason,)
    assert answer.feedback == "fix it"
    assert backend.describe_versions(rid)[0] == answer
    info = backend.describe_registration(rid)
    assert info.latest_denied_version_number == 1
    assert info.status is RegistrationStatus.REQUIRES_UPDATES


def test_play_aws_acts_on_a_given_version(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    walk(backend, rid, ["submit", "begin_review", "approve"])
    backend.create_version(rid)
    answer = backend.play_aws(rid, "revoke", version_number=1)
    assert (answer.version_number, answer.status) == (1, V.REVOKED)
    assert backend.describe_registration(rid).approved_version_number is None
    with pytest.raises(InvalidValueError, match="no version 3"):
        backend.play_aws(rid, "approve", version_number=3)


def test_play_aws_refuses_what_the_lifecycle_refuses(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    before = backend.peek(rid)
    with pytest.raises(InvalidTransition) as caught:
        backend.play_aws(rid, "approve")
    assert caught.value.status is V.DRAFT
    assert backend.peek(rid) == before
    with pytest.raises(InvalidValueError, match="customer trigger"):
        backend.play_aws(rid, "submit")
    with pytest.raises(UnknownTriggerError):
        backend.play_aws(rid, "explode")
    backend.submit(rid)
    with pytest.raises(InvalidValueError, match="deny trigger only"):
        backend.play_aws(rid, "begin_review", feedback="no")
    with pytest.raises(InvalidValueError, match="DeniedReason"):
        backend.play_aws(rid, "deny", denied_reasons=[{"Reason": "X"}])  # type: ignore[list-item]


def test_every_aws_trigger_can_be_played() -> None:
    played = set()
    for edge in LIFECYCLE.edges:
        if edge.trigger not in LIFECYCLE.aws_triggers:
            continue
        backend = InMemoryBackend()
        rid = new_registration(backend)
        path = LIFECYCLE.shortest_path(V.DRAFT, edge.source)
        assert path is not None
        walk(backend, rid, [e.trigger for e in path])
        answer = backend.play_aws(rid, edge.trigger)
        assert answer.status is edge.dest
        played.add(edge.trigger)
    assert played == set(LIFECYCLE.aws_triggers)


# -- quota, tokens ------------------------------------------------------------------------


def test_the_daily_version_quota() -> None:
    clock = SteppingClock(START, timedelta(minutes=1))
    backend = InMemoryBackend(clock, max_versions_per_day=1)
    rid = new_registration(backend)
    backend.discard(rid)
    backend.create_version(rid)
    backend.discard(rid)
    with pytest.raises(ServiceQuotaExceededError) as caught:
        backend.create_version(rid)
    assert caught.value.reason == "REGISTRATION_VERSIONS_CREATED_PER_DAY"
    clock.advance(timedelta(days=1))
    assert backend.create_version(rid).version_number == 3


def test_a_client_token_makes_create_registration_idempotent(backend: InMemoryBackend) -> None:
    first = backend.create_registration(TYPE, client_token="token-1")
    assert backend.create_registration(TYPE, client_token="token-1") == first
    assert len(backend.describe_registrations()) == 1
    with pytest.raises(ConflictError):
        backend.create_registration("US_TOLL_FREE_REGISTRATION", client_token="token-1")
    with pytest.raises(InvalidValueError):
        backend.create_registration(TYPE, client_token="")


# -- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        (FaultKind.THROTTLING, ThrottlingError),
        (FaultKind.INTERNAL_ERROR, InternalServerError),
        (FaultKind.TIMEOUT, ServiceUnavailableError),
    ],
)
def test_faults_that_fail_without_effect(
    backend: InMemoryBackend, kind: FaultKind, error: type[Exception]
) -> None:
    rid = new_registration(backend)
    backend.inject(kind, operation="submit")
    before = backend.peek(rid)
    with pytest.raises(error):
        backend.submit(rid)
    assert backend.peek(rid) == before
    assert backend.submit(rid).status is V.SUBMITTED
    assert [a for a in backend.applied if a[0] == "submit"] == [("submit", rid, 1)]


def test_a_lost_answer_takes_effect(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    backend.inject(FaultKind.LOST_ANSWER)
    with pytest.raises(ServiceUnavailableError) as caught:
        backend.submit(rid)
    assert caught.value.retryable
    assert backend.peek(rid)[0].status is V.SUBMITTED
    assert backend.applied[-1] == ("submit", rid, 1)


def test_faults_are_used_in_order_and_by_operation(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    backend.inject(FaultKind.THROTTLING, operation="discard", count=2)
    backend.inject(FaultKind.INTERNAL_ERROR)
    assert backend.pending_faults == (
        (FaultKind.THROTTLING, "discard", 2),
        (FaultKind.INTERNAL_ERROR, None, 1),
    )
    with pytest.raises(InternalServerError):
        backend.describe_versions(rid)
    backend.describe_versions(rid)
    with pytest.raises(ThrottlingError):
        backend.discard(rid)
    assert backend.pending_faults == ((FaultKind.THROTTLING, "discard", 1),)
    backend.clear_faults()
    assert backend.discard(rid).status is V.DISCARDED
    assert backend.calls[-1] == ("discard", rid)


def test_inject_checks_its_arguments(backend: InMemoryBackend) -> None:
    with pytest.raises(InvalidValueError):
        backend.inject("THROTTLING")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="unknown operation"):
        backend.inject(FaultKind.TIMEOUT, operation="SubmitRegistrationVersion")
    with pytest.raises(InvalidValueError):
        backend.inject(FaultKind.TIMEOUT, count=0)
    assert backend.pending_faults == ()


def test_play_aws_is_not_subject_to_faults(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    backend.submit(rid)
    backend.inject(FaultKind.THROTTLING)
    assert backend.play_aws(rid, "begin_review").status is V.REVIEWING
    assert backend.pending_faults == ((FaultKind.THROTTLING, None, 1),)


def test_concurrent_submits_apply_once(backend: InMemoryBackend) -> None:
    rid = new_registration(backend)
    results: list[object] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        try:
            results.append(backend.submit(rid).status)
        except ConflictError as exc:
            results.append(exc.reason)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(V.SUBMITTED) == 1
    assert results.count("REGISTRATION_ALREADY_SUBMITTED") == 7
    assert [a for a in backend.applied if a[0] == "submit"] == [("submit", rid, 1)]
