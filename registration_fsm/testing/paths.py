"""Explicit test cases from the lifecycle graph, and a record of the edges a run exercised.

Random walks rarely reach deep statuses (ARCHIVED needs a second version approved after the
first). So, as XState's path generation does, the cases here are computed from the graph: the
shortest path to every status, every edge (the shortest path to its source, then the edge) and
every pair of consecutive edges. They are plain data (tuples of :class:`~registration_fsm.Edge`)
and :func:`parametrize_paths` turns them into pytest parameters.

:class:`EdgeRecorder` answers the other half: which edges, and which pairs of edges, did a
Hypothesis run actually take? The conformance suite feeds one.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ..clock import Clock, SteppingClock
from ..errors import InvalidValueError
from ..lifecycle import LIFECYCLE, Edge, Lifecycle
from ..statuses import VersionStatus
from ..version import RegistrationVersion

if TYPE_CHECKING:
    import pytest

__all__ = [
    "EdgeRecorder",
    "PathCase",
    "PathKind",
    "check_path",
    "edge_pair_paths",
    "edge_pairs",
    "edge_paths",
    "parametrize_paths",
    "path_cases",
    "replay",
    "status_paths",
]

Path = tuple[Edge, ...]
PathKind = Literal["statuses", "edges", "pairs", "all"]

_KINDS: tuple[str, ...] = ("statuses", "edges", "pairs", "all")
_REPLAY_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
_REPLAY_ID = "registration-0123456789abcdef0123456789abcdef"


def status_paths(lifecycle: Lifecycle = LIFECYCLE) -> dict[VersionStatus, Path]:
    """The shortest path from the initial status to every status (empty for the initial one)."""
    paths: dict[VersionStatus, Path] = {}
    for status in lifecycle.statuses:
        path = lifecycle.shortest_path(lifecycle.initial, status)
        if path is not None:
            paths[status] = path
    return paths


def edge_paths(lifecycle: Lifecycle = LIFECYCLE) -> dict[Edge, Path]:
    """For every edge, the shortest path to its source followed by the edge itself."""
    to_status = status_paths(lifecycle)
    return {edge: (*to_status[edge.source], edge) for edge in lifecycle.edges}


def edge_pairs(lifecycle: Lifecycle = LIFECYCLE) -> tuple[tuple[Edge, Edge], ...]:
    """Every pair of consecutive edges: the first one's destination is the second one's source."""
    return tuple(
        (first, second) for first in lifecycle.edges for second in lifecycle.edges_from(first.dest)
    )


def edge_pair_paths(lifecycle: Lifecycle = LIFECYCLE) -> dict[tuple[Edge, Edge], Path]:
    """For every pair of consecutive edges, the shortest path to the first, then both."""
    to_status = status_paths(lifecycle)
    return {
        (first, second): (*to_status[first.source], first, second)
        for first, second in edge_pairs(lifecycle)
    }


@attrs.frozen
class PathCase:
    """One generated test case: a legal path from the initial status, and what it covers."""

    kind: Literal["status", "edge", "pair"]
    covers: str
    """The status, edge or pair of edges the case exists for, as text."""
    edges: Path

    @property
    def id(self) -> str:
        """A short, stable name for test reports, e.g. ``edge:SUBMITTED-deny-DENIED``."""
        if self.kind == "status":
            return f"status:{self.covers}"
        steps = self.edges[-2:] if self.kind == "pair" else self.edges[-1:]
        text = "+".join(f"{e.source.value}-{e.trigger}-{e.dest.value}" for e in steps)
        return f"{self.kind}:{text}"

    @property
    def triggers(self) -> tuple[str, ...]:
        """The triggers to fire, in order."""
        return tuple(edge.trigger for edge in self.edges)

    @property
    def final(self) -> VersionStatus:
        """The status the path ends in."""
        return self.edges[-1].dest if self.edges else LIFECYCLE.initial

    def __str__(self) -> str:
        return self.id


def path_cases(kind: PathKind = "edges", lifecycle: Lifecycle = LIFECYCLE) -> list[PathCase]:
    """The generated cases of one ``kind``: statuses, edges, pairs of edges, or all of them."""
    if kind not in _KINDS:
        raise InvalidValueError(f"unknown path kind {kind!r}; expected one of {', '.join(_KINDS)}")
    cases: list[PathCase] = []
    if kind in ("statuses", "all"):
        cases.extend(
            PathCase("status", status.value, path)
            for status, path in status_paths(lifecycle).items()
        )
    if kind in ("edges", "all"):
        cases.extend(
            PathCase("edge", str(edge), path) for edge, path in edge_paths(lifecycle).items()
        )
    if kind in ("pairs", "all"):
        cases.extend(
            PathCase("pair", f"{first} then {second}", path)
            for (first, second), path in edge_pair_paths(lifecycle).items()
        )
    return cases


def parametrize_paths(
    kind: PathKind = "edges", argname: str = "path_case", lifecycle: Lifecycle = LIFECYCLE
) -> pytest.MarkDecorator:
    """``@pytest.mark.parametrize`` over :func:`path_cases`, each case named by its id::

    @parametrize_paths("edges")
    def test_every_edge(path_case):
        assert replay(path_case).status is path_case.final
    """
    import pytest

    cases = path_cases(kind, lifecycle)
    return pytest.mark.parametrize(argname, cases, ids=[case.id for case in cases])


def check_path(path: Sequence[Edge] | PathCase, lifecycle: Lifecycle = LIFECYCLE) -> Path:
    """Return the path as a tuple of edges if each edge is the lifecycle's and starts where the
    previous one ended; raise InvalidValueError naming the first step that does not."""
    edges = path.edges if isinstance(path, PathCase) else tuple(path)
    for index, edge in enumerate(edges):
        if not isinstance(edge, Edge) or lifecycle.edge(edge.source, edge.trigger) != edge:
            raise InvalidValueError(
                f"step {index} of the path is not an edge of the lifecycle: {edge!r}"
            )
        if index and edges[index - 1].dest is not edge.source:
            raise InvalidValueError(
                f"step {index} of the path starts at {edge.source.value}, but step "
                f"{index - 1} ended at {edges[index - 1].dest.value}"
            )
    return edges


def replay(
    path: Sequence[Edge] | PathCase,
    version: RegistrationVersion | None = None,
    *,
    clock: Clock | None = None,
) -> RegistrationVersion:
    """Fire the path's triggers at ``version`` (by default a new DRAFT) and return it.

    Each step must land where the edge says; a version that goes elsewhere, or refuses, is a
    failure of the version, raised as AssertionError or InvalidTransition. Without ``version``
    the stamps come from ``clock`` (by default a SteppingClock one minute per step).
    """
    edges = check_path(path)
    if version is None:
        clock = clock if clock is not None else SteppingClock(_REPLAY_START, timedelta(minutes=1))
        version = RegistrationVersion.new(_REPLAY_ID, clock=clock)
    if edges and version.status is not edges[0].source:
        raise InvalidValueError(
            f"the path starts at {edges[0].source.value}, the version is {version.status.value}"
        )
    for index, edge in enumerate(edges):
        landed = version.fire(edge.trigger)
        assert landed is edge.dest, f"step {index} ({edge}) landed in {landed.value}"
    return version


class EdgeRecorder:
    """Counts the edges (and pairs of consecutive edges) that a test run took.

    Feed it with :meth:`record` or :meth:`record_path`; pass a ``key`` (for example the
    registration id and version number) so that consecutive edges of the same version count
    as a pair. Read :attr:`exercised` / :attr:`missing`, or print :meth:`summary`. Thread-safe.
    """

    def __init__(self, lifecycle: Lifecycle = LIFECYCLE) -> None:
        self.lifecycle = lifecycle
        self._lock = threading.Lock()
        self._edges: Counter[Edge] = Counter()
        self._pairs: Counter[tuple[Edge, Edge]] = Counter()
        self._last: dict[Hashable, Edge] = {}

    def record(self, edge: Edge, *, key: Hashable | None = None) -> None:
        """Count one traversal of ``edge``; with ``key``, also the pair it closes."""
        if self.lifecycle.edge(edge.source, edge.trigger) != edge:
            raise InvalidValueError(f"{edge!r} is not an edge of the lifecycle")
        with self._lock:
            self._edges[edge] += 1
            if key is not None:
                previous = self._last.get(key)
                if previous is not None and previous.dest is edge.source:
                    self._pairs[(previous, edge)] += 1
                self._last[key] = edge

    def record_path(self, path: Iterable[Edge], *, key: Hashable | None = None) -> None:
        """Count every edge of ``path``, in order."""
        for edge in path:
            self.record(edge, key=key)

    def reset(self) -> None:
        """Forget everything recorded."""
        with self._lock:
            self._edges.clear()
            self._pairs.clear()
            self._last.clear()

    @property
    def counts(self) -> Mapping[Edge, int]:
        """How often each edge was taken (only edges taken at least once)."""
        with self._lock:
            return dict(self._edges)

    @property
    def pair_counts(self) -> Mapping[tuple[Edge, Edge], int]:
        """How often each pair of consecutive edges was taken."""
        with self._lock:
            return dict(self._pairs)

    @property
    def exercised(self) -> frozenset[Edge]:
        """The edges taken at least once."""
        with self._lock:
            return frozenset(self._edges)

    @property
    def missing(self) -> tuple[Edge, ...]:
        """The lifecycle's edges never taken, in definition order."""
        with self._lock:
            return tuple(e for e in self.lifecycle.edges if e not in self._edges)

    @property
    def pairs_missing(self) -> tuple[tuple[Edge, Edge], ...]:
        """The pairs of consecutive edges never taken."""
        with self._lock:
            return tuple(p for p in edge_pairs(self.lifecycle) if p not in self._pairs)

    @property
    def statuses_reached(self) -> frozenset[VersionStatus]:
        """The statuses some recorded edge led to, plus the initial status."""
        with self._lock:
            return frozenset({self.lifecycle.initial, *(e.dest for e in self._edges)})

    def summary(self) -> str:
        """A report for people: every edge with its count, the missing ones marked."""
        counts = self.counts
        pairs = self.pair_counts
        edges = self.lifecycle.edges
        all_pairs = edge_pairs(self.lifecycle)
        taken = sum(1 for e in edges if e in counts)
        pairs_taken = sum(1 for p in all_pairs if p in pairs)
        lines = [f"edges exercised: {taken} of {len(edges)}"]
        for edge in edges:
            count = counts.get(edge, 0)
            mark = f"{count:>6}x" if count else "   NOT "
            lines.append(f"  {mark}  {edge}")
        lines.append(f"pairs of consecutive edges exercised: {pairs_taken} of {len(all_pairs)}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The counts as JSON-safe data: edge text to count, and the missing edges."""
        counts = self.counts
        return {
            "edges": {str(e): counts.get(e, 0) for e in self.lifecycle.edges},
            "missing": [str(e) for e in self.missing],
            "pairs_exercised": len(self.pair_counts),
            "pairs_total": len(edge_pairs(self.lifecycle)),
        }

    def __repr__(self) -> str:
        return (
            f"<EdgeRecorder {len(self.exercised)} of {len(self.lifecycle.edges)} edges exercised>"
        )
