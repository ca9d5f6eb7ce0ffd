from __future__ import annotations

import pytest

from registration_fsm import (
    LIFECYCLE,
    Edge,
    InvalidValueError,
    RegistrationVersion,
    VersionStatus,
)
from registration_fsm.testing.paths import (
    EdgeRecorder,
    PathCase,
    check_path,
    edge_pair_paths,
    edge_pairs,
    edge_paths,
    parametrize_paths,
    path_cases,
    replay,
    status_paths,
)

S = VersionStatus


def _edge(source: S, trigger: str) -> Edge:
    edge = LIFECYCLE.edge(source, trigger)
    assert edge is not None
    return edge


# -- the generated paths ------------------------------------------------------------------


def test_every_status_has_its_shortest_path() -> None:
    paths = status_paths()
    assert set(paths) == set(LIFECYCLE.statuses)
    assert paths[S.DRAFT] == ()
    for status, path in paths.items():
        check_path(path)
        assert (path[-1].dest if path else S.DRAFT) is status
        assert len(path) == len(LIFECYCLE.shortest_path(S.DRAFT, status) or ())
    assert [e.trigger for e in paths[S.ARCHIVED]] == [
        "submit",
        "begin_review",
        "approve",
        "archive",
    ]


def test_every_edge_has_a_path_ending_with_it() -> None:
    paths = edge_paths()
    assert list(paths) == list(LIFECYCLE.edges)
    for edge, path in paths.items():
        check_path(path)
        assert path[-1] == edge
        assert path[:-1] == status_paths()[edge.source]


def test_every_pair_of_consecutive_edges_has_a_path() -> None:
    pairs = edge_pairs()
    expected = sum(len(LIFECYCLE.edges_from(e.dest)) for e in LIFECYCLE.edges)
    assert len(pairs) == expected == len(set(pairs))
    assert (_edge(S.REVIEWING, "approve"), _edge(S.APPROVED, "archive")) in pairs
    assert (_edge(S.DRAFT, "submit"), _edge(S.SUBMITTED, "deny")) in pairs
    for (first, second), path in edge_pair_paths().items():
        check_path(path)
        assert path[-2:] == (first, second)


def test_path_cases_of_each_kind() -> None:
    statuses, edges, pairs = (path_cases(k) for k in ("statuses", "edges", "pairs"))
    assert len(statuses) == len(LIFECYCLE.statuses)
    assert len(edges) == len(LIFECYCLE.edges)
    assert len(pairs) == len(edge_pairs())
    everything = path_cases("all")
    assert everything == statuses + edges + pairs
    ids = [case.id for case in everything]
    assert len(ids) == len(set(ids))
    assert "edge:SUBMITTED-deny-DENIED" in ids
    assert "pair:REVIEWING-approve-APPROVED+APPROVED-archive-ARCHIVED" in ids
    assert "status:DRAFT" in ids
    case = next(c for c in edges if c.id == "edge:SUBMITTED-deny-DENIED")
    assert case.triggers == ("submit", "deny")
    assert case.final is S.DENIED
    assert str(case) == case.id


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="unknown path kind 'loops'"):
        path_cases("loops")  # type: ignore[arg-type]


# -- the paths walk RegistrationVersion ---------------------------------------------------


@parametrize_paths("all")
def test_a_version_walks_every_generated_path(path_case: PathCase) -> None:
    version = replay(path_case)
    assert version.status is path_case.final
    explained = LIFECYCLE.explain(S.DRAFT, version.status, version.history)
    assert explained is not None
    assert len(explained) <= len(path_case.edges)
    for edge in path_case.edges:
        if edge.dest.history_field is not None:
            assert version.history[edge.dest] is not None


def test_the_parametrize_helper_names_each_case() -> None:
    mark = parametrize_paths("edges", argname="case")
    assert mark.args[0] == "case"
    assert len(mark.args[1]) == len(LIFECYCLE.edges)
    assert mark.kwargs["ids"] == [c.id for c in path_cases("edges")]


def test_replay_continues_a_version_from_where_the_path_starts() -> None:
    version = RegistrationVersion.new("registration-1")
    version.submit()
    replay([_edge(S.SUBMITTED, "begin_review"), _edge(S.REVIEWING, "approve")], version)
    assert version.status is S.APPROVED
    with pytest.raises(InvalidValueError, match="the path starts at DRAFT, the version is"):
        replay(status_paths()[S.SUBMITTED], version)


def test_check_path_names_the_first_bad_step() -> None:
    submit, deny = _edge(S.DRAFT, "submit"), _edge(S.SUBMITTED, "deny")
    approve = _edge(S.REVIEWING, "approve")
    assert check_path([submit, deny]) == (submit, deny)
    with pytest.raises(InvalidValueError, match="step 1 of the path starts at REVIEWING"):
        check_path([submit, approve])
    fake = Edge(S.DRAFT, "approve", S.APPROVED, submit.initiator, submit.provenance)
    with pytest.raises(InvalidValueError, match="step 0 of the path is not an edge"):
        check_path([fake])


# -- the edge recorder --------------------------------------------------------------------


def test_the_recorder_counts_edges_and_pairs_per_key() -> None:
    recorder = EdgeRecorder()
    submit, review = _edge(S.DRAFT, "submit"), _edge(S.SUBMITTED, "begin_review")
    recorder.record_path([submit, review], key=("r", 1))
    recorder.record(submit, key=("r", 2))
    recorder.record(review)
    assert recorder.counts == {submit: 2, review: 2}
    assert recorder.pair_counts == {(submit, review): 1}
    assert recorder.exercised == {submit, review}
    assert submit not in recorder.missing
    assert len(recorder.missing) == len(LIFECYCLE.edges) - 2
    assert recorder.statuses_reached == {S.DRAFT, S.SUBMITTED, S.REVIEWING}
    assert (submit, review) not in recorder.pairs_missing
    assert len(recorder.pairs_missing) == len(edge_pairs()) - 1
    summary = recorder.summary()
    assert summary.splitlines()[0] == f"edges exercised: 2 of {len(LIFECYCLE.edges)}"
    assert "     2x  DRAFT --submit--> SUBMITTED" in summary
    assert "   NOT   REVIEWING --approve--> APPROVED" in summary
    assert f"pairs of consecutive edges exercised: 1 of {len(edge_pairs())}" in summary
    data = recorder.as_dict()
    assert data["edges"]["DRAFT --submit--> SUBMITTED"] == 2
    assert "REVIEWING --approve--> APPROVED" in data["missing"]
    assert repr(recorder) == f"<EdgeRecorder 2 of {len(LIFECYCLE.edges)} edges exercised>"
    recorder.reset()
    assert recorder.counts == {}
    assert len(recorder.missing) == len(LIFECYCLE.edges)


def test_the_recorder_refuses_an_edge_of_another_lifecycle() -> None:
    submit = _edge(S.DRAFT, "submit")
    fake = Edge(S.DRAFT, "approve", S.APPROVED, submit.initiator, submit.provenance)
    with pytest.raises(InvalidValueError, match="not an edge of the lifecycle"):
        EdgeRecorder().record(fake)


def test_replaying_the_generated_cases_covers_every_edge_and_pair() -> None:
    recorder = EdgeRecorder()
    for number, case in enumerate(path_cases("all")):
        version = replay(case)
        assert version.status is case.final
        recorder.record_path(case.edges, key=number)
    assert recorder.missing == ()
    assert recorder.pairs_missing == ()
    assert "NOT" not in recorder.summary()
