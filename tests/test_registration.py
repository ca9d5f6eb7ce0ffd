from __future__ import annotations

import copy
import itertools
import json
import pickle
import threading
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registration_fsm import (
    LIFECYCLE,
    InvalidTimestamp,
    InvalidTransition,
    InvalidValueError,
    MalformedDataError,
    Registration,
    RegistrationFsmError,
    RegistrationRuleError,
    RegistrationStatus,
    RegistrationVersion,
    StampOrderError,
    SteppingClock,
    UnknownStatusError,
    UnknownTriggerError,
    UnknownVersionError,
    VersionStatus,
    can_create_version,
)
from registration_fsm.audit import audit_data
from registration_fsm.backends import RegistrationInfo
from registration_fsm.testing.strategies import (
    REGISTRATION_ACTIONS,
    registration_events,
    registration_moves,
    registrations,
)

S = VersionStatus
R = RegistrationStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"
IN_FLIGHT = [
    S.DRAFT,
    S.SUBMITTED,
    S.AWS_REVIEWING,
    S.REVIEWING,
    S.REQUIRES_AUTHENTICATION,
    S.REQUIRES_OFFLINE_REVIEW,
]
SETTLED = [S.APPROVED, S.DISCARDED, S.DENIED, S.REVOKED, S.ARCHIVED]


def _clock() -> SteppingClock:
    return SteppingClock(T0, timedelta(minutes=1))


def _registration() -> Registration:
    return Registration.new(
        RID,
        registration_type="US_TEN_DLC_BRAND_REGISTRATION",
        registration_arn=ARN,
        clock=_clock(),
    )


def _version_in(status: VersionStatus, number: int, start: datetime) -> RegistrationVersion:
    """A version that reached ``status`` along the shortest path, one hour per step."""
    version = RegistrationVersion.new(RID, number, at=start)
    path = LIFECYCLE.shortest_path(S.DRAFT, status)
    assert path is not None
    for step, edge in enumerate(path, start=1):
        version.fire(edge.trigger, at=start + timedelta(hours=step))
    return version


def _with(*statuses: VersionStatus) -> Registration:
    return Registration(
        RID,
        [_version_in(s, n, T0 + timedelta(days=n)) for n, s in enumerate(statuses, start=1)],
        clock=_clock(),
    )


def _approve_latest(registration: Registration) -> None:
    registration.submit()
    registration.fire("begin_review")
    registration.fire("approve")


# -- creating and reading ---------------------------------------------------------------


def test_a_new_registration_has_one_draft_version() -> None:
    registration = _registration()
    assert [v.version_number for v in registration.versions] == [1]
    assert registration.latest.status is S.DRAFT
    assert registration.latest.registration_arn == ARN
    assert registration.status is R.CREATED
    assert registration.current_version_number == 1
    assert registration.approved_version_number is None
    assert registration.latest_denied_version_number is None
    assert registration.created == T0
    assert registration.registration_type == "US_TEN_DLC_BRAND_REGISTRATION"


def test_a_full_life_across_versions() -> None:
    registration = _registration()
    _approve_latest(registration)
    assert registration.status is R.COMPLETE
    assert registration.approved_version_number == 1

    second = registration.create_version()
    assert second.version_number == 2
    assert second.status is S.DRAFT
    assert registration.status is R.CREATED
    assert registration.approved_version_number == 1

    registration.submit()
    registration.fire("begin_review")
    registration.fire("deny")
    assert registration.status is R.REQUIRES_UPDATES
    assert registration.latest_denied_version_number == 2
    assert registration.approved_version_number == 1

    registration.create_version()
    _approve_latest(registration)
    first, _, third = registration.versions
    assert (first.status, third.status) == (S.ARCHIVED, S.APPROVED)
    assert first.history.archived == third.history.approved
    assert registration.approved_version_number == 3
    assert registration.latest_denied_version_number == 2
    assert registration.current_version_number == 3
    assert registration.status is R.COMPLETE


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([S.DRAFT], R.CREATED),
        ([S.SUBMITTED], R.SUBMITTED),
        ([S.AWS_REVIEWING], R.AWS_REVIEWING),
        ([S.REVIEWING], R.REVIEWING),
        ([S.REQUIRES_OFFLINE_REVIEW], R.REVIEWING),
        ([S.REQUIRES_AUTHENTICATION], R.REQUIRES_AUTHENTICATION),
        ([S.APPROVED], R.COMPLETE),
        ([S.DENIED], R.REQUIRES_UPDATES),
        ([S.REVOKED], R.REQUIRES_UPDATES),
        ([S.DISCARDED], R.REQUIRES_UPDATES),
        ([S.APPROVED, S.DRAFT], R.CREATED),
        ([S.APPROVED, S.DENIED], R.REQUIRES_UPDATES),
        ([S.APPROVED, S.DISCARDED], R.COMPLETE),
        ([S.DENIED, S.DISCARDED, S.DISCARDED], R.REQUIRES_UPDATES),
        ([S.DISCARDED, S.REVIEWING], R.REVIEWING),
    ],
)
def test_the_status_follows_the_latest_version_not_discarded(
    statuses: list[VersionStatus], expected: RegistrationStatus
) -> None:
    assert _with(*statuses).status is expected


def test_every_version_status_maps_to_a_registration_status() -> None:
    for status in VersionStatus:
        if status is S.ARCHIVED:
            continue  # never the latest; covered by the mapping of a lone archived version
        assert isinstance(_with(status).status, RegistrationStatus)


def test_can_create_version_decides_by_the_latest_status() -> None:
    for status in SETTLED:
        assert can_create_version(status) is True
    for status in IN_FLIGHT:
        assert can_create_version(status) is False
    assert set(SETTLED) | set(IN_FLIGHT) == set(VersionStatus)
    assert can_create_version("DENIED") is True  # type: ignore[arg-type]
    with pytest.raises(UnknownStatusError):
        can_create_version("WITHDRAWN")  # type: ignore[arg-type]


def test_version_lookup() -> None:
    registration = _with(S.DENIED, S.DRAFT)
    assert registration.version(2) is registration.latest
    with pytest.raises(UnknownVersionError) as info:
        registration.version(3)
    assert info.value.known == (1, 2)
    assert isinstance(info.value, InvalidValueError)
    with pytest.raises(UnknownVersionError):
        registration.version(True)  # type: ignore[arg-type]


def test_versions_are_kept_in_number_order() -> None:
    one = _version_in(S.DENIED, 1, T0)
    two = _version_in(S.DRAFT, 2, T0 + timedelta(days=1))
    assert Registration(RID, [two, one]).versions == (one, two)


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        ([], "at least one version"),
        ("abc", "RegistrationVersion objects"),
        ([object()], "RegistrationVersion objects"),
        ([RegistrationVersion.new("other", 1, at=T0)], "belongs to 'other'"),
        (
            [RegistrationVersion.new(RID, 1, at=T0), RegistrationVersion.new(RID, 1, at=T0)],
            "two versions numbered 1",
        ),
    ],
)
def test_malformed_registrations_are_refused(versions: object, message: str) -> None:
    with pytest.raises(MalformedDataError, match=message):
        Registration(RID, versions)  # type: ignore[arg-type]


def test_bad_arn_type_and_created_are_refused() -> None:
    first = [RegistrationVersion.new(RID, 1, at=T0)]
    with pytest.raises(MalformedDataError, match="registration ARN"):
        Registration(RID, first, registration_arn=42)  # type: ignore[arg-type]
    with pytest.raises(MalformedDataError, match="not an sms-voice registration ARN"):
        Registration(RID, first, registration_arn="arn:aws:sms-voice:us-east-1:1:phone-number/x")
    with pytest.raises(InvalidValueError, match="invalid registration type"):
        Registration(RID, first, registration_type="")
    with pytest.raises(InvalidValueError, match="invalid registration type"):
        Registration(RID, first, registration_type="US TEN DLC")
    with pytest.raises(InvalidTimestamp):
        Registration(RID, first, created=datetime(2026, 1, 1))


def test_two_approved_versions_break_the_rules() -> None:
    with pytest.raises(RegistrationRuleError) as info:
        _with(S.APPROVED, S.APPROVED)
    assert info.value.reason == RegistrationRuleError.MULTIPLE_APPROVED
    assert info.value.version_number == 1


def test_an_older_version_in_flight_breaks_the_rules() -> None:
    with pytest.raises(RegistrationRuleError) as info:
        _with(S.REVIEWING, S.DRAFT)
    assert info.value.reason == RegistrationRuleError.OLDER_VERSION_IN_FLIGHT
    assert (info.value.version_number, info.value.status) == (1, S.REVIEWING)


# -- creating versions ------------------------------------------------------------------


@pytest.mark.parametrize("status", IN_FLIGHT)
def test_create_version_is_refused_while_the_latest_is_in_flight(status: VersionStatus) -> None:
    registration = _with(status)
    before = registration.to_dict()
    with pytest.raises(RegistrationRuleError) as info:
        registration.create_version()
    assert info.value.reason == "CREATE_REGISTRATION_VERSION_NOT_ALLOWED"
    assert info.value.status is status
    assert status.value in str(info.value)
    assert registration.to_dict() == before


@pytest.mark.parametrize("status", [S.APPROVED, S.DISCARDED, S.DENIED, S.REVOKED])
def test_create_version_is_allowed_after_a_settled_latest(status: VersionStatus) -> None:
    registration = _with(status)
    new = registration.create_version(at=T0 + timedelta(days=30))
    assert (new.version_number, new.status) == (2, S.DRAFT)
    assert new.history.draft == T0 + timedelta(days=30)
    assert registration.latest is new


def test_create_version_cannot_be_stamped_before_the_latest_stamp() -> None:
    registration = _with(S.DENIED)
    before = registration.to_dict()
    with pytest.raises(StampOrderError):
        registration.create_version(at=T0)
    with pytest.raises(InvalidTimestamp):
        registration.create_version(at="2026-12-01T00:00:00Z")  # type: ignore[arg-type]
    assert registration.to_dict() == before


# -- moving versions --------------------------------------------------------------------


def test_submit_and_discard_act_on_the_latest_version() -> None:
    registration = _with(S.DENIED, S.DRAFT)
    assert registration.submit(at=T0 + timedelta(days=9)) is S.SUBMITTED
    assert registration.versions[0].status is S.DENIED
    assert registration.discard(at=T0 + timedelta(days=10)) is S.DISCARDED
    assert registration.latest.history.discarded == T0 + timedelta(days=10)


def test_a_refused_submit_raises_invalid_transition_and_changes_nothing() -> None:
    registration = _with(S.APPROVED)
    before = registration.to_dict()
    with pytest.raises(InvalidTransition) as info:
        registration.submit()
    assert (info.value.status, info.value.trigger) == (S.APPROVED, "submit")
    assert registration.to_dict() == before


def test_aws_review_without_a_backend_is_refused() -> None:
    registration = _registration()
    with pytest.raises(InvalidValueError, match="begin_aws_review"):
        registration.submit(aws_review=True)
    assert registration.latest.status is S.DRAFT


def test_older_versions_are_read_only() -> None:
    registration = _with(S.DENIED, S.SUBMITTED)
    before = registration.to_dict()
    with pytest.raises(RegistrationRuleError) as info:
        registration.fire("begin_review", version_number=1)
    assert info.value.reason == RegistrationRuleError.VERSION_READ_ONLY
    assert registration.to_dict() == before


def test_the_approved_version_can_be_revoked_while_a_newer_one_is_in_review() -> None:
    registration = _with(S.APPROVED, S.REVIEWING)
    assert registration.fire("revoke", version_number=1, at=T0 + timedelta(days=4)) is S.REVOKED
    assert registration.approved_version_number is None
    assert registration.status is R.REVIEWING


def test_archive_is_never_fired_by_itself() -> None:
    registration = _with(S.APPROVED, S.DRAFT)
    with pytest.raises(RegistrationRuleError) as info:
        registration.fire("archive", version_number=1)
    assert info.value.reason == RegistrationRuleError.ARCHIVED_BY_APPROVAL_ONLY
    assert registration.versions[0].status is S.APPROVED


def test_fire_checks_its_trigger_and_version() -> None:
    registration = _with(S.DRAFT)
    with pytest.raises(UnknownTriggerError):
        registration.fire("publish")
    with pytest.raises(UnknownVersionError):
        registration.fire("submit", version_number=7)


def test_approving_archives_the_older_approved_version_at_the_same_time() -> None:
    registration = _with(S.APPROVED, S.REVIEWING)
    at = T0 + timedelta(days=5)
    assert registration.fire("approve", at=at) is S.APPROVED
    first, second = registration.versions
    assert first.status is S.ARCHIVED
    assert first.history.archived == at == second.history.approved
    assert registration.approved_version_number == 2


def test_an_approval_whose_archive_fails_changes_nothing() -> None:
    # Version 1 was approved on day 10; approving version 2 on day 5 would archive it before
    # its own approval, so the whole step is refused.
    first = _version_in(S.APPROVED, 1, T0 + timedelta(days=10) - timedelta(hours=3))
    second = _version_in(S.REVIEWING, 2, T0)
    # Version 2 drafted before version 1 settled: refused, unless a snapshot declares it (as
    # one a lenient reconcile left behind does).
    with pytest.raises(RegistrationRuleError) as caught:
        Registration(RID, [first, second])
    assert caught.value.reason == RegistrationRuleError.DRAFTED_TOO_EARLY
    assert caught.value.version_number == 2
    snapshot = {
        "schema": "registration_fsm/registration",
        "schema_version": 1,
        "registration_id": RID,
        "versions": [first.to_dict(), second.to_dict()],
        "rule_violations": [{"reason": "DRAFTED_TOO_EARLY", "version_number": 2}],
    }
    registration = Registration.from_dict(snapshot)
    assert registration.to_dict()["rule_violations"] == snapshot["rule_violations"]
    before = registration.to_dict()
    with pytest.raises(StampOrderError):
        registration.fire("approve", at=T0 + timedelta(days=5))
    assert registration.to_dict() == before


# -- snapshots and AWS shapes -----------------------------------------------------------


def test_snapshots_round_trip_through_json() -> None:
    registration = _registration()
    _approve_latest(registration)
    registration.create_version()
    snapshot = json.loads(json.dumps(registration.to_dict()))
    assert snapshot["schema"] == "registration_fsm/registration"
    assert snapshot["schema_version"] == 1
    restored = Registration.from_dict(snapshot)
    assert restored == registration
    assert restored.to_dict() == registration.to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema": "registration_fsm/version"}, "not a registration_fsm registration"),
        ({"schema_version": 2}, "unsupported schema_version"),
        ({"schema_version": True}, "unsupported schema_version"),
        ({"extra": 1}, "unknown keys"),
        ({"versions": {}}, "expected a list"),
        ({"versions": [{"schema": "x"}]}, "not a registration_fsm version"),
        ({"created": "yesterday"}, "created"),
    ],
)
def test_malformed_snapshots_are_refused(change: dict[str, object], message: str) -> None:
    snapshot = _registration().to_dict() | change
    with pytest.raises(RegistrationFsmError, match=message):
        Registration.from_dict(snapshot)


def test_snapshot_missing_keys_and_wrong_types() -> None:
    snapshot = _registration().to_dict()
    del snapshot["versions"]
    with pytest.raises(MalformedDataError, match="missing key 'versions'"):
        Registration.from_dict(snapshot)
    with pytest.raises(MalformedDataError, match="expected an object"):
        Registration.from_dict([])


def test_to_aws_reads_back_as_registration_information() -> None:
    registration = _registration()
    _approve_latest(registration)
    registration.create_version()
    registration.submit()
    registration.fire("deny")
    info = RegistrationInfo.from_aws(registration.to_aws())
    assert info.registration_id == RID
    assert info.registration_arn == ARN
    assert info.status is R.REQUIRES_UPDATES
    assert info.current_version_number == 2
    assert info.approved_version_number == 1
    assert info.latest_denied_version_number == 2
    assert info.created == T0
    assert json.loads(json.dumps(registration.to_aws(json_safe=True)))["CreatedTimestamp"] == (
        T0.isoformat()
    )


@pytest.mark.parametrize("json_safe", [False, True])
def test_from_aws_rebuilds_the_registration(json_safe: bool) -> None:
    registration = _registration()
    _approve_latest(registration)
    registration.create_version()
    _approve_latest(registration)
    pages = registration.to_aws_versions(json_safe=json_safe)
    rebuilt = Registration.from_aws(registration.to_aws(json_safe=json_safe), pages)
    assert rebuilt == registration
    split = [
        pages | {"RegistrationVersions": pages["RegistrationVersions"][1:]},
        pages | {"RegistrationVersions": pages["RegistrationVersions"][:1]},
    ]
    assert Registration.from_aws(registration.to_aws(), split) == registration


def test_from_aws_needs_the_current_version_and_legal_histories() -> None:
    registration = _with(S.DENIED, S.DRAFT)
    info = registration.to_aws() | {"RegistrationArn": ARN, "RegistrationType": "T"}
    pages = registration.to_aws_versions()
    with pytest.raises(MalformedDataError, match="CurrentVersionNumber is 3"):
        Registration.from_aws(info | {"CurrentVersionNumber": 3}, pages)
    broken = copy.deepcopy(pages)
    history = broken["RegistrationVersions"][0]["RegistrationVersionStatusHistory"]
    history["ApprovedTimestamp"] = history["DraftTimestamp"] + timedelta(minutes=1)
    from registration_fsm import IllegalRemoteTransition

    with pytest.raises(IllegalRemoteTransition):
        Registration.from_aws(info, broken)


def test_copies_and_pickles_are_independent() -> None:
    registration = _with(S.APPROVED, S.REVIEWING)
    for clone in (
        copy.copy(registration),
        copy.deepcopy(registration),
        pickle.loads(pickle.dumps(registration)),
    ):
        assert clone == registration
        clone.fire("approve", at=T0 + timedelta(days=9))
        assert clone != registration
        assert registration.latest.status is S.REVIEWING


def test_repr_shows_status_and_versions() -> None:
    text = repr(_with(S.APPROVED, S.DRAFT))
    assert "CREATED" in text
    assert "1: APPROVED" in text
    assert "2: DRAFT" in text


# -- threads ----------------------------------------------------------------------------


def test_racing_submits_let_exactly_one_through() -> None:
    registration = _registration()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def worker() -> None:
        barrier.wait()
        try:
            registration.submit()
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("refused")

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["refused"] * 7


def test_readers_never_see_two_approved_versions() -> None:
    registration = _registration()
    _approve_latest(registration)
    done = threading.Event()
    reading = threading.Event()
    seen: list[int] = []

    def reader() -> None:
        while not done.is_set():
            statuses = [v.status for v in registration.versions]
            seen.append(statuses.count(S.APPROVED))
            reading.set()

    thread = threading.Thread(target=reader)
    thread.start()
    assert reading.wait(60)  # `seen` must not depend on when the scheduler runs the reader
    try:
        for _ in range(150):
            registration.create_version()
            _approve_latest(registration)
    finally:
        done.set()
        thread.join()
    assert seen
    assert max(seen) <= 1
    assert [v.status for v in registration.versions].count(S.ARCHIVED) == 150


# -- properties -------------------------------------------------------------------------


def _check_invariants(registration: Registration) -> None:
    versions = registration.versions
    statuses = [v.status for v in versions]
    assert statuses.count(S.APPROVED) <= 1
    for version in versions[:-1]:
        assert version.status in SETTLED
    numbers = [v.version_number for v in versions]
    assert numbers == list(range(1, len(versions) + 1))
    for version in versions:
        history = version.history
        assert LIFECYCLE.explain(S.DRAFT, version.status, history) is not None
        own = history[version.status]
        if version.status.history_field is not None:
            assert own == history.latest
    for earlier, later in itertools.pairwise(versions):
        assert later.history.draft >= earlier.history.draft
    report = audit_data(registration.to_aws_versions(json_safe=True))
    assert report.ok, [str(f) for f in report.findings]
    approved = [v.version_number for v in versions if v.status is S.APPROVED]
    denied = [v.version_number for v in versions if v.status is S.DENIED]
    assert registration.approved_version_number == (approved[-1] if approved else None)
    assert registration.latest_denied_version_number == (denied[-1] if denied else None)
    assert registration.current_version_number == numbers[-1]


def _apply(registration: Registration, action: str, number: int | None, at: datetime) -> None:
    if action == "create_version":
        registration.create_version(at=at)
    elif number is None and action in ("submit", "discard"):
        getattr(registration, action)(at=at)
    else:
        registration.fire(action, version_number=number, at=at)


def _step(registration: Registration, action: str, number: int | None, at: datetime) -> None:
    """Apply one event; check that a refusal changed nothing and a success kept the rules."""
    before = [(v.version_number, v.status, v.history) for v in registration.versions]
    previous_approved = registration.approved_version_number
    latest = registration.latest.version_number
    try:
        _apply(registration, action, number, at)
    except RegistrationFsmError:
        assert [(v.version_number, v.status, v.history) for v in registration.versions] == before
        return
    after = [(v.version_number, v.status, v.history) for v in registration.versions]
    changed = {n for (n, s, h) in after if (n, s, h) not in before}
    assert changed <= {latest, previous_approved, registration.current_version_number}, (
        action,
        number,
        changed,
    )
    _check_invariants(registration)


@given(st.data())
def test_invariants_hold_after_every_event(data: st.DataObject) -> None:
    """Allowed moves interleaved with arbitrary events, allowed or not, up to many versions."""
    registration = Registration.new(RID, at=T0)
    at = T0
    for _ in range(data.draw(st.integers(min_value=0, max_value=120), label="steps")):
        if data.draw(st.integers(min_value=0, max_value=3)):
            action, number = data.draw(st.sampled_from(registration_moves(registration)))
        else:
            action = data.draw(st.sampled_from(REGISTRATION_ACTIONS))
            number = data.draw(st.none() | st.integers(min_value=1, max_value=30))
        at += data.draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))
        _step(registration, action, number, at)


@given(registrations(max_events=60), registration_events(max_size=40))
def test_arbitrary_events_on_a_registration_with_many_versions(
    registration: Registration, events: list[tuple[str, int | None, timedelta]]
) -> None:
    at = max(v.history.latest for v in registration.versions)
    for action, number, step in events:
        at += step
        _step(registration, action, number, at)


@given(registrations(max_events=80))
def test_generated_registrations_keep_the_rules(registration: Registration) -> None:
    _check_invariants(registration)
    assert Registration.from_dict(registration.to_dict()) == registration
    rebuilt = Registration.from_aws(
        registration.to_aws() | {"RegistrationArn": ARN, "RegistrationType": "T"},
        registration.to_aws_versions(json_safe=True),
    )
    assert (
        rebuilt.to_aws_versions()["RegistrationVersions"]
        == (registration.to_aws_versions()["RegistrationVersions"])
    )


@given(st.sampled_from(list(VersionStatus)))
def test_can_create_version_agrees_with_the_rule_check(status: VersionStatus) -> None:
    if status is S.ARCHIVED:
        return
    registration = _with(status)
    try:
        registration.create_version(at=T0 + timedelta(days=60))
    except RegistrationRuleError:
        assert not can_create_version(status)
    else:
        assert can_create_version(status)


def test_registrations_reconcile_and_the_audit_load_on_first_use() -> None:
    import subprocess
    import sys

    code = (
        "import sys, registration_fsm\n"
        "lazy = ('registration', 'reconcile', 'audit', 'backends', 'diagrams', 'drift')\n"
        "loaded = [m for m in lazy\n"
        "          if 'registration_fsm.' + m in sys.modules]\n"
        "assert loaded == [], loaded\n"
        "assert registration_fsm.Registration.__module__ == 'registration_fsm.registration'\n"
        "assert registration_fsm.audit_data.__module__ == 'registration_fsm.audit'\n"
        "assert registration_fsm.Anomaly.__module__ == 'registration_fsm.reconcile'\n"
        "assert registration_fsm.render_mermaid.__module__ == 'registration_fsm.diagrams'\n"
        "assert registration_fsm.check_drift.__module__ == 'registration_fsm.drift'\n"
        "assert all(hasattr(registration_fsm, name) for name in registration_fsm.__all__)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr
