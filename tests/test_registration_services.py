"""Registrations against the simulator and, over HTTP, against the emulator."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from registration_fsm import (
    LIFECYCLE,
    AwsBackend,
    FaultKind,
    InMemoryBackend,
    ReconcileReport,
    Registration,
    RegistrationFsmError,
    VersionStatus,
    audit_data,
)
from registration_fsm.emulator import Emulator

S = VersionStatus
TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
MakeClient = Callable[..., Any]


def _truth(backend: InMemoryBackend, rid: str) -> list[dict[str, Any]]:
    return [info.to_aws() for info in backend.peek(rid)]


def _mine(registration: Registration) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = registration.to_aws_versions()["RegistrationVersions"]
    return items


# -- over HTTP, through AwsBackend and a stock boto3 client ------------------------------


def test_reconcile_across_several_pages_through_the_emulator(
    emulator: Emulator, make_client: MakeClient
) -> None:
    client = make_client()
    backend = AwsBackend(client, page_size=2)
    aws = emulator.backend
    registration = Registration.create(backend, TYPE)
    rid = registration.registration_id
    assert registration.registration_arn is not None
    assert registration.registration_type == TYPE

    registration.submit(backend)
    aws.play_aws(rid, "begin_review")
    aws.play_aws(rid, "approve")
    registration.reconcile(backend)
    registration.create_version(backend)
    registration.submit(backend, aws_review=True)
    assert registration.latest.status is S.AWS_REVIEWING
    aws.play_aws(rid, "deny")
    registration.reconcile(backend)
    registration.create_version(backend)
    registration.discard(backend)
    registration.create_version(backend)
    registration.submit(backend)

    # Meanwhile the service moves on without the model: reviews, an approval that archives
    # version 1, and a new version created by another client.
    aws.play_aws(rid, "begin_review")
    aws.play_aws(rid, "require_authentication")
    aws.play_aws(rid, "complete_authentication")
    aws.play_aws(rid, "approve")
    client.create_registration_version(RegistrationId=rid)

    calls_before = Counter(name for name, _ in aws.calls)
    report = registration.reconcile(backend)
    pages = Counter(name for name, _ in aws.calls) - calls_before
    assert pages["describe_versions"] == 3  # five versions, two to a page
    assert [(c.version_number, c.from_status, c.to_status) for c in report.changes] == [
        (1, S.APPROVED, S.ARCHIVED),
        (4, S.SUBMITTED, S.APPROVED),
        (5, None, S.DRAFT),
    ]
    path = report.changes[1].path
    assert path is not None
    # The shortest path the stamps support: REVIEWING's first entry left no stamp of its own.
    assert [e.trigger for e in path] == [
        "require_authentication",
        "complete_authentication",
        "approve",
    ]
    assert report.anomalies == ()
    assert _mine(registration) == _truth(aws, rid)
    assert registration.approved_version_number == 4
    assert registration.latest_denied_version_number == 2

    # The same through pages the caller holds: boto3's paginator, then AWS's own records.
    paginator = client.get_paginator("describe_registration_versions")
    assert (
        registration.reconcile_pages(
            paginator.paginate(RegistrationId=rid, PaginationConfig={"PageSize": 2})
        )
        == ReconcileReport()
    )
    rebuilt = Registration.from_aws(
        client.describe_registrations(RegistrationIds=[rid])["Registrations"][0],
        paginator.paginate(RegistrationId=rid, PaginationConfig={"PageSize": 2}),
    )
    assert rebuilt == registration
    assert audit_data(
        list(paginator.paginate(RegistrationId=rid, PaginationConfig={"PageSize": 2}))
    ).ok


def test_a_lost_submit_answer_is_read_back_once_through_the_emulator(
    emulator: Emulator, make_client: MakeClient
) -> None:
    backend = AwsBackend(make_client(attempts=1))
    registration = Registration.create(backend, TYPE)
    rid = registration.registration_id
    emulator.backend.inject(FaultKind.LOST_ANSWER, operation="submit")
    assert registration.submit(backend) is S.SUBMITTED
    applied = [a for a in emulator.backend.applied if a[0] == "submit"]
    assert applied == [("submit", rid, 1)]
    assert _mine(registration) == _truth(emulator.backend, rid)


# -- against the simulator: random customer calls, AWS events and faults ----------------

_FAULTS = [
    FaultKind.THROTTLING,
    FaultKind.INTERNAL_ERROR,
    FaultKind.TIMEOUT,
    FaultKind.LOST_ANSWER,
]
_OPERATIONS = ["submit", "discard", "create_version", "describe_versions", None]
_AWS = [t for t in LIFECYCLE.aws_triggers if t != "archive"]

_ANY_STEP = st.one_of(
    st.tuples(st.just("submit"), st.booleans()),
    st.tuples(st.just("discard"), st.none()),
    st.tuples(st.just("create_version"), st.none()),
    st.tuples(st.just("reconcile"), st.none()),
    st.tuples(st.just("aws"), st.sampled_from(_AWS)),
    st.tuples(st.just("revoke_older"), st.none()),
    st.tuples(st.just("fault"), st.tuples(st.sampled_from(_FAULTS), st.sampled_from(_OPERATIONS))),
)


def _useful(backend: InMemoryBackend, rid: str) -> list[tuple[str, Any]]:
    """The moves the service would accept now, read from its truth."""
    truth = backend.peek(rid)
    latest = truth[-1].status
    moves: list[tuple[str, Any]] = [
        ("aws", t) for t in LIFECYCLE.allowed_triggers(latest) if t in _AWS
    ]
    if latest is S.DRAFT:
        moves += [("submit", False), ("submit", True)]
    if LIFECYCLE.next_status(latest, "discard") is not None:
        moves.append(("discard", None))
    if latest in (S.APPROVED, S.DISCARDED, S.DENIED, S.REVOKED):
        moves.append(("create_version", None))
    if any(i.status is S.APPROVED for i in truth[:-1]):
        moves.append(("revoke_older", None))
    return moves


def _behind_or_equal(registration: Registration, backend: InMemoryBackend) -> None:
    """Every local version is one the service passed through, on its way to its state now."""
    truth = {info.version_number: info for info in backend.peek(registration.registration_id)}
    for version in registration.versions:
        remote = truth[version.version_number]
        trial = copy.copy(version)
        trial.adopt(remote.status, remote.history)  # strict: raises if the model diverged


@given(st.data())
def test_random_calls_events_and_faults_keep_the_model_on_the_service_path(
    data: st.DataObject,
) -> None:
    backend = InMemoryBackend()
    registration = Registration.create(backend, TYPE)
    rid = registration.registration_id
    errors: Counter[str] = Counter()
    for _ in range(data.draw(st.integers(min_value=0, max_value=40), label="steps")):
        choice = data.draw(st.integers(min_value=0, max_value=9))
        if choice < 6:
            action, argument = data.draw(st.sampled_from(_useful(backend, rid)))
        elif choice == 6:
            action, argument = "reconcile", None
        else:
            action, argument = data.draw(_ANY_STEP)
        before = registration.to_dict()
        try:
            if action == "submit":
                registration.submit(backend, aws_review=argument)
            elif action == "discard":
                registration.discard(backend)
            elif action == "create_version":
                registration.create_version(backend)
            elif action == "reconcile":
                registration.reconcile(backend)
            elif action == "aws":
                backend.play_aws(rid, argument)
            elif action == "revoke_older":
                approved = [i for i in backend.peek(rid)[:-1] if i.status is S.APPROVED]
                if approved:
                    backend.play_aws(rid, "revoke", version_number=approved[0].version_number)
            else:
                kind, operation = argument
                backend.inject(kind, operation=operation)
        except RegistrationFsmError as error:
            errors[type(error).__name__] += 1
            assert registration.to_dict() == before, action
        _behind_or_equal(registration, backend)
        statuses = [v.status for v in registration.versions]
        assert statuses.count(S.APPROVED) <= 1
    for name in errors:
        event(f"raised {name}")
    event(f"{len(backend.peek(rid))} versions")

    submits = Counter(a for a in backend.applied if a[0] == "submit")
    assert max(submits.values(), default=0) <= 1  # no version was ever submitted twice

    backend.clear_faults()
    registration.reconcile(backend)
    assert _mine(registration) == _truth(backend, rid)
    snapshot = registration.to_dict()
    assert registration.reconcile(backend) == ReconcileReport()
    assert registration.to_dict() == snapshot
    assert audit_data(registration.to_aws_versions(json_safe=True)).ok
