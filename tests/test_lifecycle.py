from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from transitions import Machine, MachineError

from registration_fsm import (
    DEFINITION,
    LIFECYCLE,
    Initiator,
    InvalidDefinition,
    Lifecycle,
    Provenance,
    RegistrationVersion,
    StatusHistory,
    UnknownTriggerError,
    VersionStatus,
)
from registration_fsm.testing.strategies import trigger_names, version_statuses

S = VersionStatus
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _without(*pairs: tuple[str, str]) -> list[tuple[str, ...]]:
    return [row for row in DEFINITION if (row[0], row[1]) not in pairs]


# -- the definition --------------------------------------------------------------------


def test_the_definition_covers_every_trigger_the_api_needs() -> None:
    assert set(LIFECYCLE.triggers) == {
        "submit",
        "discard",
        "begin_review",
        "require_authentication",
        "complete_authentication",
        "approve",
        "deny",
        "revoke",
        "archive",
        "begin_aws_review",
        "require_offline_review",
    }


def test_customer_and_aws_triggers_partition_the_triggers() -> None:
    assert LIFECYCLE.customer_triggers == ("submit", "discard")
    assert set(LIFECYCLE.aws_triggers) == set(LIFECYCLE.triggers) - {"submit", "discard"}
    assert LIFECYCLE.initiator("submit") is Initiator.CUSTOMER
    assert LIFECYCLE.initiator("approve") is Initiator.AWS


def test_every_edge_states_its_provenance() -> None:
    by_pair = {(e.source, e.trigger): e for e in LIFECYCLE.edges}
    assert by_pair[(S.DRAFT, "submit")].provenance is Provenance.DOCUMENTED
    assert by_pair[(S.SUBMITTED, "deny")].provenance is Provenance.OBSERVED
    assert by_pair[(S.DRAFT, "discard")].provenance is Provenance.INFERRED
    assert by_pair[(S.REQUIRES_AUTHENTICATION, "complete_authentication")].provenance is (
        Provenance.INFERRED
    )
    for edge in LIFECYCLE.edges:
        if edge.provenance is Provenance.INFERRED:
            assert edge.note, f"inferred edge {edge} must say what was decided"


def test_terminal_statuses_refuse_everything_and_the_rest_have_a_way_out() -> None:
    assert LIFECYCLE.terminal == {S.DISCARDED, S.DENIED, S.REVOKED, S.ARCHIVED}
    for status in LIFECYCLE.statuses:
        assert bool(LIFECYCLE.allowed_triggers(status)) is not LIFECYCLE.is_terminal(status)


def test_every_status_is_reachable_from_draft() -> None:
    assert LIFECYCLE.reachable_from(S.DRAFT) == frozenset(VersionStatus)


def test_allowed_triggers_from_draft_and_reviewing() -> None:
    assert LIFECYCLE.allowed_triggers(S.DRAFT) == ("submit", "discard")
    assert set(LIFECYCLE.allowed_triggers(S.REVIEWING)) == {
        "require_authentication",
        "require_offline_review",
        "approve",
        "deny",
    }


def test_the_public_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        LIFECYCLE.table[S.DRAFT]["approve"] = S.APPROVED  # type: ignore[index]
    with pytest.raises(TypeError):
        LIFECYCLE.table[S.DRAFT] = {}  # type: ignore[index]


def test_shortest_paths() -> None:
    path = LIFECYCLE.shortest_path(S.DRAFT, S.ARCHIVED)
    assert path is not None
    assert [e.trigger for e in path] == ["submit", "begin_review", "approve", "archive"]
    assert LIFECYCLE.shortest_path(S.DRAFT, S.DRAFT) == ()
    assert LIFECYCLE.shortest_path(S.APPROVED, S.DRAFT) is None
    to_offline = LIFECYCLE.shortest_path(S.DRAFT, S.REQUIRES_OFFLINE_REVIEW)
    assert to_offline is not None
    assert len(to_offline) == 3


def test_unknown_trigger_names_raise() -> None:
    with pytest.raises(UnknownTriggerError) as info:
        LIFECYCLE.next_status(S.DRAFT, "sumbit")
    assert info.value.trigger == "sumbit"
    assert "submit" in info.value.known


# -- validation at build time ----------------------------------------------------------


def test_the_shipped_definition_builds() -> None:
    rebuilt = Lifecycle.build()
    assert rebuilt.edges == LIFECYCLE.edges


@pytest.mark.parametrize(
    ("rows", "kwargs", "fault"),
    [
        (
            [*DEFINITION, ("REVIEWING", "escalate", "ESCALATED", "aws", "inferred")],
            {},
            "unknown destination status 'ESCALATED'",
        ),
        (
            [*DEFINITION, ("LIMBO", "escalate", "REVIEWING", "aws", "inferred")],
            {},
            "unknown source status 'LIMBO'",
        ),
        (
            [*DEFINITION, ("DRAFT", "submit", "REVIEWING", "customer", "inferred")],
            {},
            "(DRAFT, submit) has two destinations, SUBMITTED and REVIEWING",
        ),
        (
            _without(("APPROVED", "revoke"), ("APPROVED", "archive")),
            {},
            "non-terminal status APPROVED has no way out",
        ),
        (
            _without(("REVIEWING", "approve")),
            {},
            "status APPROVED is unreachable from DRAFT",
        ),
        (
            [*DEFINITION, ("DENIED", "appeal", "REVIEWING", "customer", "inferred")],
            {},
            "terminal status DENIED has edges leaving it",
        ),
        (DEFINITION, {"terminal": []}, "no terminal status"),
        (
            [*DEFINITION, ("DRAFT", "not a name", "SUBMITTED", "customer", "inferred")],
            {},
            "is not a public identifier",
        ),
        (
            [*DEFINITION, ("REVIEWING", "submit", "SUBMITTED", "aws", "inferred")],
            {},
            "trigger 'submit' is both customer and aws",
        ),
        (
            [*DEFINITION, ("REVIEWING", "escalate", "DENIED", "carrier", "inferred")],
            {},
            "'carrier' is not a valid Initiator",
        ),
        (DEFINITION, {"initial": "NEW"}, "unknown initial status 'NEW'"),
        ([*DEFINITION, ("DRAFT", "submit")], {}, "expected 5 or 6 fields"),
    ],
)
def test_broken_definitions_fail_when_built(
    rows: list[tuple[str, ...]], kwargs: dict[str, object], fault: str
) -> None:
    with pytest.raises(InvalidDefinition) as info:
        Lifecycle.build(rows, **kwargs)  # type: ignore[arg-type]
    assert any(fault in f for f in info.value.faults), info.value.faults
    assert fault in str(info.value)


def test_a_status_that_cannot_reach_an_end_is_refused() -> None:
    rows = [
        *_without(("REQUIRES_AUTHENTICATION", "discard")),
        ("REQUIRES_AUTHENTICATION", "remind", "REQUIRES_AUTHENTICATION", "aws", "inferred"),
    ]
    rows = [r for r in rows if r[1] != "complete_authentication"]
    with pytest.raises(InvalidDefinition) as info:
        Lifecycle.build(rows)
    assert "REQUIRES_AUTHENTICATION can never reach a terminal status" in str(info.value)


def test_all_faults_are_reported_at_once() -> None:
    rows = [
        *DEFINITION,
        ("REVIEWING", "escalate", "ESCALATED", "aws", "inferred"),
        ("LIMBO", "wait", "DRAFT", "aws", "inferred"),
    ]
    with pytest.raises(InvalidDefinition) as info:
        Lifecycle.build(rows)
    assert len(info.value.faults) == 2


# -- the compiled lookup agrees with a transitions Machine -----------------------------


class _Model:
    state: str


def _machine_model() -> _Model:
    model = _Model()
    Machine(model=model, **LIFECYCLE.machine_config())
    return model


def _machine_next(status: VersionStatus, trigger: str) -> VersionStatus | None:
    model = _machine_model()
    model.state = status.value  # set the status directly; only the lookup is compared
    try:
        getattr(model, trigger)()
    except MachineError:
        return None
    return VersionStatus(model.state)


def test_compiled_lookup_equals_the_machine_on_every_pair() -> None:
    for status in LIFECYCLE.statuses:
        for trigger in LIFECYCLE.triggers:
            assert LIFECYCLE.next_status(status, trigger) == _machine_next(status, trigger)


@given(version_statuses(), trigger_names())
def test_compiled_lookup_equals_the_machine(status: VersionStatus, trigger: str) -> None:
    assert LIFECYCLE.next_status(status, trigger) == _machine_next(status, trigger)


@given(st.lists(trigger_names(), max_size=25))
def test_compiled_lookup_equals_the_machine_on_random_sequences(triggers: list[str]) -> None:
    model = _machine_model()
    status = LIFECYCLE.initial
    for trigger in triggers:
        expected = LIFECYCLE.next_status(status, trigger)
        try:
            getattr(model, trigger)()
        except MachineError:
            assert expected is None
        else:
            assert expected is not None
            assert VersionStatus(model.state) is expected
            status = expected
        assert model.state == status.value


# -- explain: which legal path a history shows -----------------------------------------


def test_explain_a_plain_approval() -> None:
    history = StatusHistory(T0, submitted=_at(1), reviewing=_at(2), approved=_at(3))
    path = LIFECYCLE.explain(S.DRAFT, S.APPROVED, history)
    assert path is not None
    assert [e.trigger for e in path] == ["submit", "begin_review", "approve"]


def test_explain_refuses_an_unstamped_intermediate_status() -> None:
    # Nothing documents AWS leaving an entered status unstamped: SUBMITTED must carry its stamp.
    history = StatusHistory(T0, aws_reviewing=_at(1))
    assert LIFECYCLE.explain(S.DRAFT, S.AWS_REVIEWING, history) is None
    stamped = StatusHistory(T0, submitted=_at(1), aws_reviewing=_at(2))
    path = LIFECYCLE.explain(S.DRAFT, S.AWS_REVIEWING, stamped)
    assert path is not None
    assert [e.trigger for e in path] == ["submit", "begin_aws_review"]


def test_explain_passes_requires_offline_review_unstamped() -> None:
    # REQUIRES_OFFLINE_REVIEW has no history field, so a path may pass it without a stamp.
    history = StatusHistory(T0, submitted=_at(1), reviewing=_at(2), denied=_at(3))
    path = LIFECYCLE.explain(S.DRAFT, S.DENIED, history)
    assert path is not None
    assert [e.trigger for e in path] == ["submit", "begin_review", "deny"]
    path = LIFECYCLE.explain(
        S.DRAFT, S.REQUIRES_OFFLINE_REVIEW, history.with_stamp(S.DENIED, _at(2))
    )
    assert path is None
    offline = StatusHistory(T0, submitted=_at(1), reviewing=_at(2))
    path = LIFECYCLE.explain(S.DRAFT, S.REQUIRES_OFFLINE_REVIEW, offline)
    assert path is not None
    assert [e.dest for e in path][-1] is S.REQUIRES_OFFLINE_REVIEW


def test_explain_follows_the_order_of_the_stamps() -> None:
    # Authentication was required while SUBMITTED, then the review started: two stamps, in order.
    history = StatusHistory(T0, submitted=_at(1), requires_authentication=_at(2), reviewing=_at(3))
    path = LIFECYCLE.explain(S.DRAFT, S.REVIEWING, history)
    assert path is not None
    assert [e.dest for e in path] == [S.SUBMITTED, S.REQUIRES_AUTHENTICATION, S.REVIEWING]


def test_explain_refuses_stamps_out_of_order() -> None:
    history = StatusHistory(T0, submitted=_at(3), reviewing=_at(2), approved=_at(4))
    assert LIFECYCLE.explain(S.DRAFT, S.APPROVED, history) is None


def test_explain_refuses_a_status_whose_stamp_cannot_precede_it() -> None:
    history = StatusHistory(T0, submitted=_at(1), denied=_at(2), approved=_at(3))
    assert LIFECYCLE.explain(S.DRAFT, S.APPROVED, history) is None


def test_explain_refuses_a_status_that_is_not_the_latest_stamp() -> None:
    history = StatusHistory(T0, submitted=_at(1), reviewing=_at(2), approved=_at(3))
    assert LIFECYCLE.explain(S.DRAFT, S.REVIEWING, history) is None


def test_explain_from_a_later_start() -> None:
    history = StatusHistory(T0, submitted=_at(1), reviewing=_at(2), denied=_at(3))
    path = LIFECYCLE.explain(S.SUBMITTED, S.DENIED, history)
    assert path is not None
    assert [e.trigger for e in path] == ["begin_review", "deny"]
    assert LIFECYCLE.explain(S.DENIED, S.DENIED, history) == ()
    assert LIFECYCLE.explain(S.APPROVED, S.DENIED, history) is None


def test_explain_a_return_to_review_after_authentication() -> None:
    history = StatusHistory(T0, submitted=_at(1), requires_authentication=_at(3), reviewing=_at(4))
    path = LIFECYCLE.explain(S.REVIEWING, S.REVIEWING, history, after=_at(2))
    assert path is not None
    assert [e.trigger for e in path] == ["require_authentication", "complete_authentication"]


def test_explain_accepts_equal_stamps() -> None:
    history = StatusHistory(T0, submitted=T0, reviewing=T0, approved=T0)
    assert LIFECYCLE.explain(S.DRAFT, S.APPROVED, history) is not None


def test_explain_refuses_a_status_stamped_before_another_stamp_even_at_the_anchor() -> None:
    # REVIEWING is stamped at the anchor, REQUIRES_AUTHENTICATION after it: a version that ends
    # in REVIEWING entered nothing after its last entry, whatever the anchor hides.
    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    history = StatusHistory(
        t,
        submitted=t + timedelta(days=1),
        reviewing=t + timedelta(days=1),
        requires_authentication=t + timedelta(days=2),
    )
    after = t + timedelta(days=1)
    assert LIFECYCLE.explain(S.SUBMITTED, S.REVIEWING, history, after=after) is None
    assert LIFECYCLE.explain(S.SUBMITTED, S.REQUIRES_AUTHENTICATION, history, after=after)


def test_explain_allows_a_status_entered_again_at_the_instant_of_its_stamp() -> None:
    # All of AWS_REVIEWING, REVIEWING, REQUIRES_AUTHENTICATION and REVIEWING again happen at
    # one instant: REVIEWING's stamp is both its entries' time.
    t = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    version = RegistrationVersion.new("reg-1", at=t)
    version.submit(at=t)
    later = t + timedelta(seconds=1)
    for trigger in (
        "begin_aws_review",
        "begin_review",
        "require_authentication",
        "complete_authentication",
    ):
        version.fire(trigger, at=later)
    path = LIFECYCLE.explain(VersionStatus.DRAFT, version.status, version.history)
    assert path is not None
    assert path[-1].trigger == "complete_authentication"
    # Not once something stamped later came in between.
    history = version.history.with_stamp("APPROVED", later + timedelta(seconds=1))
    assert LIFECYCLE.explain(VersionStatus.DRAFT, VersionStatus.REVIEWING, history) is None


@given(st.lists(st.sampled_from(LIFECYCLE.triggers), max_size=14), st.data())
def test_every_legal_walk_is_explained_even_with_equal_stamps(
    triggers: list[str], data: st.DataObject
) -> None:
    t = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    version = RegistrationVersion.new("reg-1", at=t)
    for trigger in triggers:
        if version.can(trigger):
            t += timedelta(seconds=data.draw(st.integers(min_value=0, max_value=1)))
            version.fire(trigger, at=t)
    assert LIFECYCLE.explain(VersionStatus.DRAFT, version.status, version.history) is not None
