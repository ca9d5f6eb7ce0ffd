"""The lifecycle's build, its checks and its introspection, asserted to the exact answer.

Each fault message, every fault of a definition with several, the order of triggers and edges,
and the compiled Machine's settings: what a mutation run found executed but never checked.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from transitions import Machine, MachineError

from registration_fsm import (
    DEFINITION,
    LIFECYCLE,
    Edge,
    Initiator,
    InvalidDefinition,
    Lifecycle,
    Provenance,
    StatusHistory,
    UnknownTriggerError,
    VersionStatus,
)

S = VersionStatus

# A small lifecycle over three statuses, to check the build on a definition we fully know.
SMALL_STATUSES = (S.DRAFT, S.SUBMITTED, S.APPROVED, S.DISCARDED)
SMALL = (
    ("DRAFT", "submit", "SUBMITTED", "customer", "documented", "sent"),
    ("DRAFT", "discard", "DISCARDED", "customer", "inferred"),
    ("SUBMITTED", "approve", "APPROVED", "aws", "observed", "ok"),
    ("SUBMITTED", "discard", "DISCARDED", "customer", "documented"),
    ("APPROVED", "discard", "DISCARDED", "customer", "documented"),
)


def _small(**kwargs: object) -> Lifecycle:
    return Lifecycle.build(SMALL, statuses=SMALL_STATUSES, **kwargs)  # type: ignore[arg-type]


def _faults(rows: object, **kwargs: object) -> tuple[str, ...]:
    with pytest.raises(InvalidDefinition) as info:
        Lifecycle.build(rows, **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == "invalid lifecycle definition: " + "; ".join(info.value.faults)
    return info.value.faults


def test_a_small_definition_compiles_to_exactly_its_rows() -> None:
    small = _small()
    assert small.statuses == SMALL_STATUSES
    assert small.initial is S.DRAFT
    assert small.terminal == frozenset({S.DISCARDED})
    assert small.triggers == ("submit", "discard", "approve")
    assert [str(e) for e in small.edges] == [
        "DRAFT --submit--> SUBMITTED",
        "DRAFT --discard--> DISCARDED",
        "SUBMITTED --approve--> APPROVED",
        "SUBMITTED --discard--> DISCARDED",
        "APPROVED --discard--> DISCARDED",
    ]
    assert [e.note for e in small.edges] == ["sent", "", "ok", "", ""]
    assert [e.provenance for e in small.edges] == [
        Provenance.DOCUMENTED,
        Provenance.INFERRED,
        Provenance.OBSERVED,
        Provenance.DOCUMENTED,
        Provenance.DOCUMENTED,
    ]
    assert dict(small.table[S.DRAFT]) == {"submit": S.SUBMITTED, "discard": S.DISCARDED}
    assert dict(small.table[S.SUBMITTED]) == {"approve": S.APPROVED, "discard": S.DISCARDED}
    assert dict(small.table[S.DISCARDED]) == {}
    assert set(small.table) == set(SMALL_STATUSES)
    assert small.allowed_triggers(S.SUBMITTED) == ("discard", "approve")
    assert small.allowed_triggers(S.DISCARDED) == ()
    assert small.customer_triggers == ("submit", "discard")
    assert small.aws_triggers == ("approve",)
    assert small.initiator("approve") is Initiator.AWS
    assert small.initiator("submit") is Initiator.CUSTOMER
    assert small.is_terminal(S.DISCARDED)
    assert not small.is_terminal(S.APPROVED)
    assert repr(small) == "<Lifecycle 4 statuses, 5 edges, initial DRAFT>"


def test_lookups_answer_per_status_and_trigger() -> None:
    small = _small()
    assert small.next_status(S.DRAFT, "submit") is S.SUBMITTED
    assert small.next_status(S.DRAFT, "approve") is None
    assert small.next_status(S.DISCARDED, "discard") is None
    edge = small.edge(S.SUBMITTED, "approve")
    assert edge is not None
    assert (edge.source, edge.trigger, edge.dest) == (S.SUBMITTED, "approve", S.APPROVED)
    assert small.edge(S.DRAFT, "approve") is None
    assert [e.trigger for e in small.edges_from(S.SUBMITTED)] == ["approve", "discard"]
    assert small.edges_from(S.DISCARDED) == ()
    assert small.check_trigger("approve") == "approve"
    for bad in ("revoke", "", None, 3):
        with pytest.raises(UnknownTriggerError) as info:
            small.check_trigger(bad)
        assert info.value.trigger == bad
        assert info.value.known == ("submit", "discard", "approve")
        with pytest.raises(UnknownTriggerError):
            small.next_status(S.DRAFT, bad)  # type: ignore[arg-type]
        with pytest.raises(UnknownTriggerError):
            small.initiator(bad)  # type: ignore[arg-type]


def test_the_machine_config_is_a_strict_transitions_machine() -> None:
    small = _small()
    config = small.machine_config()
    assert config == {
        "states": ["DRAFT", "SUBMITTED", "APPROVED", "DISCARDED"],
        "transitions": [
            {"trigger": "submit", "source": "DRAFT", "dest": "SUBMITTED"},
            {"trigger": "discard", "source": "DRAFT", "dest": "DISCARDED"},
            {"trigger": "approve", "source": "SUBMITTED", "dest": "APPROVED"},
            {"trigger": "discard", "source": "SUBMITTED", "dest": "DISCARDED"},
            {"trigger": "discard", "source": "APPROVED", "dest": "DISCARDED"},
        ],
        "initial": "DRAFT",
        "auto_transitions": False,
        "ignore_invalid_triggers": False,
    }
    # The compiled Machine itself has no to_<status> triggers and refuses what is not allowed.
    assert set(small.machine.events) == {"submit", "discard", "approve"}
    assert small.machine.initial == "DRAFT"
    assert small.machine.models == []  # no model attached: versions are not transitions models
    assert LIFECYCLE.machine.models == []

    class Model:
        state: str

    model = Model()
    Machine(model=model, **config)
    with pytest.raises(MachineError):
        model.approve()  # type: ignore[attr-defined]


def test_an_internal_transition_adds_no_destination() -> None:
    # A transition without a destination (transitions' internal transition) moves nothing.
    machine = Machine(
        model=None,
        states=["DRAFT", "SUBMITTED"],
        transitions=[
            {"trigger": "submit", "source": "DRAFT", "dest": "SUBMITTED"},
            {"trigger": "poke", "source": "DRAFT", "dest": None},
        ],
        initial="DRAFT",
        auto_transitions=False,
    )
    from registration_fsm.lifecycle import _compile

    compiled = _compile(machine, (S.DRAFT, S.SUBMITTED), ("submit", "poke"))
    assert compiled == {S.DRAFT: {"submit": S.SUBMITTED}, S.SUBMITTED: {}}


def test_terminal_defaults_to_the_statuses_that_say_so_and_can_be_given() -> None:
    assert LIFECYCLE.terminal == frozenset(s for s in S if s.is_terminal)
    given = _small(terminal=["DISCARDED"])
    assert given.terminal == frozenset({S.DISCARDED})
    assert _small(initial="DRAFT").initial is S.DRAFT


def test_every_row_fault_is_named_with_its_row() -> None:
    rows = [
        *SMALL,
        ("DRAFT", "submit"),
        ("DRAFT", "_hidden", "SUBMITTED", "customer", "inferred"),
        ("DRAFT", 5, "SUBMITTED", "customer", "inferred"),
        ("DRAFT", "send", "SUBMITTED", "carrier", "inferred"),
        ("DRAFT", "send", "SUBMITTED", "customer", "rumoured"),
        ("LIMBO", "wait", "NOWHERE", "aws", "inferred"),
        ("DRAFT", "submit", "APPROVED", "customer", "inferred"),
        ("DRAFT", "submit", "SUBMITTED", "customer", "inferred"),
        ("APPROVED", "submit", "DISCARDED", "aws", "inferred"),
        ("DRAFT", "submit", "SUBMITTED", "customer", "inferred", "note", "extra"),
    ]
    faults = _faults(rows, statuses=SMALL_STATUSES)
    assert faults == (
        "edge 6 ('DRAFT', 'submit'): expected 5 or 6 fields, got 2",
        "edge 7 ('DRAFT', '_hidden', 'SUBMITTED', 'customer', 'inferred'): "
        "trigger '_hidden' is not a public identifier",
        "edge 8 ('DRAFT', 5, 'SUBMITTED', 'customer', 'inferred'): "
        "trigger 5 is not a public identifier",
        "edge 9 ('DRAFT', 'send', 'SUBMITTED', 'carrier', 'inferred'): "
        "'carrier' is not a valid Initiator",
        "edge 10 ('DRAFT', 'send', 'SUBMITTED', 'customer', 'rumoured'): "
        "'rumoured' is not a valid Provenance",
        "edge 11 ('LIMBO', 'wait', 'NOWHERE', 'aws', 'inferred'): unknown source status 'LIMBO'",
        "edge 11 ('LIMBO', 'wait', 'NOWHERE', 'aws', 'inferred'): "
        "unknown destination status 'NOWHERE'",
        "edge 12 ('DRAFT', 'submit', 'APPROVED', 'customer', 'inferred'): "
        "(DRAFT, submit) has two destinations, SUBMITTED and APPROVED",
        "edge 13 ('DRAFT', 'submit', 'SUBMITTED', 'customer', 'inferred'): "
        "duplicate of edge DRAFT --submit--> SUBMITTED",
        "edge 14 ('APPROVED', 'submit', 'DISCARDED', 'aws', 'inferred'): "
        "trigger 'submit' is both customer and aws; a trigger has one initiator",
        "edge 15 ('DRAFT', 'submit', 'SUBMITTED', 'customer', 'inferred', 'note', 'extra'): "
        "expected 5 or 6 fields, got 7",
    )


def test_definition_level_faults_come_first_and_together() -> None:
    faults = _faults(SMALL, statuses=SMALL_STATUSES, initial="NEW", terminal=["GONE", "DRAFT"])
    assert faults == (
        "definition: unknown initial status 'NEW'",
        "definition: unknown terminal status 'GONE'",
    )
    faults = _faults(SMALL, statuses=SMALL_STATUSES, initial=None, terminal=[])
    assert faults == (
        "definition: unknown initial status None",
        "definition: no terminal status; every version must be able to end",
    )


def test_graph_faults_are_all_named_and_only_for_a_clean_table() -> None:
    rows = [
        ("DRAFT", "submit", "SUBMITTED", "customer", "documented"),
        ("SUBMITTED", "wait", "SUBMITTED", "aws", "inferred"),
        ("DISCARDED", "revive", "DRAFT", "customer", "inferred"),
    ]
    statuses = (S.DRAFT, S.SUBMITTED, S.APPROVED, S.DISCARDED, S.DENIED)
    faults = _faults(rows, statuses=statuses)
    assert faults == (
        "status APPROVED is unreachable from DRAFT",
        "status DISCARDED is unreachable from DRAFT",
        "status DENIED is unreachable from DRAFT",
        "non-terminal status DRAFT can never reach a terminal status",
        "non-terminal status SUBMITTED can never reach a terminal status",
        "non-terminal status APPROVED has no way out",
        "terminal status DISCARDED has edges leaving it",
    )
    # With a row fault as well, the graph is not judged: its faults would only echo the row's.
    faults = _faults([*rows, ("DRAFT", "x y", "DENIED", "aws", "inferred")], statuses=statuses)
    assert faults == (
        "edge 4 ('DRAFT', 'x y', 'DENIED', 'aws', 'inferred'): "
        "trigger 'x y' is not a public identifier",
    )


def test_a_terminal_status_given_explicitly_must_have_no_way_out() -> None:
    faults = _faults(SMALL, statuses=SMALL_STATUSES, terminal=["APPROVED", "DISCARDED"])
    assert faults == ("terminal status APPROVED has edges leaving it",)
    faults = _faults(SMALL, statuses=SMALL_STATUSES, terminal=["APPROVED"])
    assert faults == (
        "terminal status APPROVED has edges leaving it",
        "non-terminal status DISCARDED has no way out",
    )


def test_the_shipped_lifecycle_is_its_definition() -> None:
    assert len(LIFECYCLE.edges) == len(DEFINITION)
    for edge, row in zip(LIFECYCLE.edges, DEFINITION):
        assert (
            edge.source.value,
            edge.trigger,
            edge.dest.value,
            edge.initiator.value,
            edge.provenance.value,
            edge.note,
        ) == row
    assert LIFECYCLE.triggers == tuple(dict.fromkeys(row[1] for row in DEFINITION))
    assert LIFECYCLE.statuses == tuple(S)
    assert LIFECYCLE.initial is S.DRAFT
    for status in S:
        assert LIFECYCLE.allowed_triggers(status) == tuple(
            t for t in LIFECYCLE.triggers if LIFECYCLE.next_status(status, t) is not None
        )


def test_edges_and_enums_print_what_they_are() -> None:
    edge = Edge(S.DRAFT, "submit", S.SUBMITTED, Initiator.CUSTOMER, Provenance.DOCUMENTED)
    assert edge.note == ""
    assert str(edge) == "DRAFT --submit--> SUBMITTED"
    assert repr(edge) == "<Edge DRAFT --submit--> SUBMITTED (customer, documented)>"
    assert [str(i) for i in Initiator] == ["customer", "aws"]
    assert [str(p) for p in Provenance] == ["documented", "observed", "inferred"]
    assert Initiator("aws") is Initiator.AWS
    assert Provenance("observed") is Provenance.OBSERVED


def test_shortest_paths_break_ties_in_definition_order() -> None:
    # DRAFT -> DISCARDED: directly, and never through SUBMITTED.
    small = _small()
    path = small.shortest_path(S.DRAFT, S.DISCARDED)
    assert path == (small.edge(S.DRAFT, "discard"),)
    path = small.shortest_path(S.SUBMITTED, S.DISCARDED)
    assert path == (small.edge(S.SUBMITTED, "discard"),)
    assert small.shortest_path(S.DRAFT, S.APPROVED) == (
        small.edge(S.DRAFT, "submit"),
        small.edge(S.SUBMITTED, "approve"),
    )
    assert small.shortest_path(S.DISCARDED, S.DRAFT) is None
    assert small.shortest_path(S.APPROVED, S.APPROVED) == ()
    # Every shortest path of the shipped lifecycle is legal edge by edge and minimal.
    for start in S:
        for goal in S:
            path = LIFECYCLE.shortest_path(start, goal)
            reachable = goal in LIFECYCLE.reachable_from(start)
            assert (path is not None) == reachable
            if path:
                assert path[0].source is start
                assert path[-1].dest is goal
                for a, b in itertools.pairwise(path):
                    assert a.dest is b.source
                assert goal not in {e.dest for e in path[:-1]}
                assert start not in {e.dest for e in path}


def test_shortest_path_lengths_from_draft() -> None:
    lengths = {}
    for goal in S:
        path = LIFECYCLE.shortest_path(S.DRAFT, goal)
        assert path is not None
        lengths[goal] = len(path)
    assert lengths == {
        S.DRAFT: 0,
        S.SUBMITTED: 1,
        S.DISCARDED: 1,
        S.REVIEWING: 2,
        S.AWS_REVIEWING: 2,
        S.REQUIRES_AUTHENTICATION: 2,
        S.DENIED: 2,
        S.APPROVED: 3,
        S.REQUIRES_OFFLINE_REVIEW: 3,
        S.REVOKED: 4,
        S.ARCHIVED: 4,
    }


def test_reachable_from() -> None:
    assert LIFECYCLE.reachable_from(S.DRAFT) == frozenset(S)
    assert LIFECYCLE.reachable_from(S.APPROVED) == {S.APPROVED, S.REVOKED, S.ARCHIVED}
    assert LIFECYCLE.reachable_from(S.DENIED) == {S.DENIED}
    assert _small().reachable_from(S.SUBMITTED) == {S.SUBMITTED, S.APPROVED, S.DISCARDED}


# -- explain and path_through: which stamps prove which path ------------------------------

T0 = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def _t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _g(*statuses: VersionStatus) -> frozenset[VersionStatus]:
    return frozenset(statuses)


def _triggers(path: tuple[Edge, ...] | None) -> list[str] | None:
    return None if path is None else [e.trigger for e in path]


def _both(lifecycle: Lifecycle, *args: object, **kwargs: object) -> list[str] | None:
    """The answer of path_through, asked twice: the cached answer must be the computed one."""
    first = lifecycle.path_through(*args, **kwargs)  # type: ignore[arg-type]
    again = lifecycle.path_through(*args, **kwargs)  # type: ignore[arg-type]
    assert again == first
    return _triggers(first)


def test_path_through_enters_each_group_in_order() -> None:
    fresh = Lifecycle.build()
    groups = [_g(S.SUBMITTED), _g(S.REVIEWING), _g(S.APPROVED)]
    assert _both(fresh, S.DRAFT, S.APPROVED, groups) == ["submit", "begin_review", "approve"]
    assert _both(fresh, S.DRAFT, S.APPROVED, [_g(S.SUBMITTED, S.REVIEWING, S.APPROVED)]) == [
        "submit",
        "begin_review",
        "approve",
    ]
    assert (
        _both(fresh, S.DRAFT, S.APPROVED, [_g(S.REVIEWING), _g(S.SUBMITTED), _g(S.APPROVED)])
        is None
    )
    # A group left unentered, or a goal that is not the last group's, proves nothing.
    assert _both(fresh, S.DRAFT, S.SUBMITTED, [_g(S.SUBMITTED), _g(S.DENIED)]) is None
    assert _both(fresh, S.DRAFT, S.DRAFT, []) == []
    assert _both(fresh, S.DENIED, S.DENIED, []) == []
    assert _both(fresh, S.APPROVED, S.DRAFT, []) is None


def test_an_entered_status_with_a_field_must_be_stamped_unless_asked_not_to() -> None:
    fresh = Lifecycle.build()
    groups = [_g(S.SUBMITTED), _g(S.APPROVED)]
    assert _both(fresh, S.DRAFT, S.APPROVED, groups) is None
    assert _both(fresh, S.DRAFT, S.APPROVED, groups, unstamped=True) == [
        "submit",
        "begin_review",
        "approve",
    ]
    # REQUIRES_OFFLINE_REVIEW has no field: it is passed unstamped either way.
    assert _both(fresh, S.REVIEWING, S.REQUIRES_OFFLINE_REVIEW, []) == ["require_offline_review"]
    assert _both(fresh, S.REVIEWING, S.DENIED, [_g(S.DENIED)]) == ["deny"]
    assert _both(fresh, S.AWS_REVIEWING, S.REVIEWING, [_g(S.REVIEWING)]) == ["begin_review"]


def test_old_statuses_are_never_entered_again() -> None:
    fresh = Lifecycle.build()
    groups = [_g(S.APPROVED)]
    assert _both(fresh, S.SUBMITTED, S.APPROVED, groups, unstamped=True) == [
        "begin_review",
        "approve",
    ]
    assert (
        _both(fresh, S.SUBMITTED, S.APPROVED, groups, unstamped=True, old=_g(S.REVIEWING)) is None
    )


def test_a_status_of_the_start_instant_is_entered_again_only_at_that_instant() -> None:
    fresh = Lifecycle.build()
    groups = [_g(S.REQUIRES_AUTHENTICATION)]
    at_start = _g(S.REVIEWING)
    assert _both(fresh, S.REVIEWING, S.REQUIRES_AUTHENTICATION, groups, at_start=at_start) == [
        "require_authentication"
    ]
    assert _both(fresh, S.REVIEWING, S.REVIEWING, groups, at_start=at_start) is None
    assert _both(
        fresh, S.REVIEWING, S.REVIEWING, groups, at_start=at_start, first_at_start=True
    ) == ["require_authentication", "complete_authentication"]
    # Not once a later group came in between.
    later = [*groups, _g(S.DENIED)]
    assert (
        _both(fresh, S.REVIEWING, S.REVIEWING, later, at_start=at_start, first_at_start=True)
        is None
    )


def test_explain_refuses_a_stamp_older_than_the_draft() -> None:
    history = StatusHistory(T0, submitted=T0 - timedelta(minutes=1))
    assert LIFECYCLE.explain(S.DRAFT, S.SUBMITTED, history) is None
    assert LIFECYCLE.explain(S.DRAFT, S.DRAFT, history) is None


def test_explain_reads_groups_old_stamps_and_the_start_instant_from_the_history() -> None:
    fresh = Lifecycle.build()
    history = StatusHistory(T0, submitted=_t(1), reviewing=_t(2), approved=_t(3))
    assert _triggers(fresh.explain(S.DRAFT, S.APPROVED, history)) == [
        "submit",
        "begin_review",
        "approve",
    ]
    assert _triggers(fresh.explain(S.SUBMITTED, S.APPROVED, history)) == [
        "begin_review",
        "approve",
    ]
    assert _triggers(fresh.explain(S.REVIEWING, S.APPROVED, history)) == ["approve"]
    assert fresh.explain(S.APPROVED, S.APPROVED, history) == ()
    # Given an anchor, stamps before it are old and stamps at it are the start's instant.
    assert _triggers(fresh.explain(S.SUBMITTED, S.APPROVED, history, after=_t(1))) == [
        "begin_review",
        "approve",
    ]
    assert fresh.explain(S.SUBMITTED, S.APPROVED, history, after=_t(4)) is None
    # A start without a field (REQUIRES_OFFLINE_REVIEW) anchors at the DraftTimestamp.
    offline = StatusHistory(T0, submitted=_t(1), aws_reviewing=_t(2), reviewing=_t(4))
    assert fresh.explain(S.REQUIRES_OFFLINE_REVIEW, S.REVIEWING, offline) is None
    assert _triggers(
        fresh.explain(S.REQUIRES_OFFLINE_REVIEW, S.REVIEWING, offline, after=_t(3))
    ) == ["begin_review"]
    # The same answers again, now from the cache, and from the shared lifecycle.
    assert _triggers(fresh.explain(S.DRAFT, S.APPROVED, history)) == [
        "submit",
        "begin_review",
        "approve",
    ]
    assert LIFECYCLE.explain(S.DRAFT, S.APPROVED, history) == fresh.explain(
        S.DRAFT, S.APPROVED, history
    )


def test_the_cache_answers_for_each_flag_separately() -> None:
    fresh = Lifecycle.build()
    groups = [_g(S.SUBMITTED), _g(S.APPROVED)]
    answers = [
        _both(fresh, S.DRAFT, S.APPROVED, groups),
        _both(fresh, S.DRAFT, S.APPROVED, groups, unstamped=True),
        _both(fresh, S.DRAFT, S.APPROVED, groups, unstamped=True, old=_g(S.REVIEWING)),
        _both(fresh, S.DRAFT, S.APPROVED, groups, unstamped=True),
    ]
    assert answers == [None, ["submit", "begin_review", "approve"], None, answers[1]]


def test_the_explain_cache_stays_bounded() -> None:
    # Auditing a huge export must not grow memory without end: the cache holds 4096 answers.
    fresh = Lifecycle.build()
    statuses = list(S)
    sizes = []
    for mask in range(2**11):
        old = frozenset(s for i, s in enumerate(statuses) if mask >> i & 1)
        for unstamped in (False, True):
            for first in (False, True):
                fresh.path_through(
                    S.DRAFT, S.APPROVED, [], old=old, unstamped=unstamped, first_at_start=first
                )
                sizes.append(len(fresh._explain_cache))
    assert max(sizes) == 4096
    assert sizes[4095] == 4096
    assert sizes[4096] == 1


def test_the_start_instant_reaches_into_the_first_group_only_when_it_shares_it() -> None:
    fresh = Lifecycle.build()
    at_start = _g(S.REVIEWING)
    assert _both(fresh, S.SUBMITTED, S.APPROVED, [_g(S.APPROVED)], at_start=at_start) == [
        "begin_review",
        "approve",
    ]
    assert _both(fresh, S.SUBMITTED, S.APPROVED, [_g(S.APPROVED)], old=at_start) is None
    # REVIEWING of the start's instant, entered after the second group began: never.
    groups = [_g(S.SUBMITTED), _g(S.REQUIRES_AUTHENTICATION)]
    assert (
        _both(fresh, S.DRAFT, S.REVIEWING, groups, at_start=at_start, first_at_start=True) is None
    )


def test_explain_lets_the_start_return_within_its_own_instant() -> None:
    # REVIEWING at t1, an authentication at that same instant, and REVIEWING again.
    fresh = Lifecycle.build()
    history = StatusHistory(T0, submitted=_t(1), reviewing=_t(2), requires_authentication=_t(2))
    assert _triggers(fresh.explain(S.REVIEWING, S.REVIEWING, history)) == [
        "require_authentication",
        "complete_authentication",
    ]
    # The same with the authentication a minute later: REVIEWING's stamp would be stale.
    stale = StatusHistory(T0, submitted=_t(1), reviewing=_t(2), requires_authentication=_t(3))
    assert fresh.explain(S.REVIEWING, S.REVIEWING, stale) is None
    assert _triggers(fresh.explain(S.REVIEWING, S.REQUIRES_AUTHENTICATION, stale)) == [
        "require_authentication"
    ]
    # Stamps before the anchor are old, but the latest of them may be entered again at once.
    plain = StatusHistory(T0, submitted=_t(1), reviewing=_t(2), approved=_t(3))
    assert _triggers(fresh.explain(S.SUBMITTED, S.APPROVED, plain, after=_t(3))) == [
        "begin_review",
        "approve",
    ]
    assert fresh.explain(S.DRAFT, S.APPROVED, plain, after=_t(3)) is None
