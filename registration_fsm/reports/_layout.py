"""A layered layout of the lifecycle, computed here so that reports need no Graphviz.

Statuses are ranked top to bottom by the longest path from the initial status (edges that
lead back up, such as complete_authentication, are drawn beside the nodes). An edge that
spans several ranks gets a waypoint on each rank in between, and the slots of every rank are
ordered by the mean position of their neighbours, a few sweeps down and up, so few edges
cross and none runs through a status. The layout depends only on the lifecycle's statuses
and edges, so it is computed once and shared by every figure of a report.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import attrs

from ..lifecycle import Edge
from ..statuses import VersionStatus

__all__ = ["Layout", "Route", "layout"]

NODE_WIDTH = 184.0
NODE_HEIGHT = 34.0
_NODE_SLOT = 204.0
_WAYPOINT_SLOT = 64.0
_RANK_GAP = 78.0
_MARGIN = 24.0
_BACK_BULGE = 46.0
_SWEEPS = 6

Point = tuple[float, float]


@attrs.frozen
class Route:
    """Where one edge is drawn: cubic Bezier segments from ``points[0]`` to ``points[-1]``.

    ``controls`` holds two control points per segment. ``label`` is where its trigger goes.
    """

    edge: Edge
    points: tuple[Point, ...]
    controls: tuple[tuple[Point, Point], ...]
    label: Point
    back: bool

    def path(self) -> str:
        """The SVG path data of the route."""
        (x, y), *rest = self.points
        parts = [f"M{x:.1f},{y:.1f}"]
        for (end_x, end_y), ((ax, ay), (bx, by)) in zip(rest, self.controls):
            parts.append(f"C{ax:.1f},{ay:.1f} {bx:.1f},{by:.1f} {end_x:.1f},{end_y:.1f}")
        return "".join(parts)

    def arrow(self, size: float = 7.0) -> str:
        """The points of an arrowhead at the end of the route, along its last tangent."""
        (bx, by) = self.controls[-1][1]
        (ex, ey) = self.points[-1]
        dx, dy = ex - bx, ey - by
        length = (dx * dx + dy * dy) ** 0.5 or 1.0
        ux, uy = dx / length, dy / length
        left = (ex - ux * size - uy * size * 0.5, ey - uy * size + ux * size * 0.5)
        right = (ex - ux * size + uy * size * 0.5, ey - uy * size - ux * size * 0.5)
        return " ".join(f"{px:.1f},{py:.1f}" for px, py in ((ex, ey), left, right))


@attrs.frozen
class Layout:
    """Node centres, edge routes and the size of the drawing."""

    centres: dict[VersionStatus, Point]
    routes: tuple[Route, ...]
    width: float
    height: float


_CACHE: dict[tuple[tuple[VersionStatus, ...], tuple[Edge, ...]], Layout] = {}


def layout(statuses: Sequence[VersionStatus], edges: Sequence[Edge]) -> Layout:
    """The layout of a graph of ``statuses`` and ``edges`` (the first status is the initial)."""
    key = (tuple(statuses), tuple(edges))
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = _compute(key[0], key[1])
    return found


def _ranks(
    statuses: tuple[VersionStatus, ...], edges: tuple[Edge, ...]
) -> tuple[dict[VersionStatus, int], set[int]]:
    """Each status's rank, and the indexes of the edges found to lead back (DFS back edges)."""
    out: dict[VersionStatus, list[int]] = {s: [] for s in statuses}
    for i, edge in enumerate(edges):
        out[edge.source].append(i)
    back: set[int] = set()
    state: dict[VersionStatus, int] = {}

    def visit(status: VersionStatus) -> None:
        state[status] = 1
        for i in out[status]:
            dest = edges[i].dest
            if state.get(dest) == 1:
                back.add(i)
            elif dest not in state:
                visit(dest)
        state[status] = 2

    for status in statuses:
        if status not in state:
            visit(status)
    rank = dict.fromkeys(statuses, 0)
    for _ in statuses:  # longest path over the forward edges: at most len(statuses) rounds
        changed = False
        for i, edge in enumerate(edges):
            if (
                i not in back
                and edge.source is not edge.dest
                and rank[edge.dest] < rank[edge.source] + 1
            ):
                rank[edge.dest] = rank[edge.source] + 1
                changed = True
        if not changed:
            break
    return rank, back


def _compute(statuses: tuple[VersionStatus, ...], edges: tuple[Edge, ...]) -> Layout:
    rank, back = _ranks(statuses, edges)
    depth = max(rank.values(), default=0) + 1
    # Slots: a status, or ("w", edge index, rank) for a waypoint of a long edge.
    rows: list[list[object]] = [[] for _ in range(depth)]
    for status in statuses:
        rows[rank[status]].append(status)
    chains: dict[int, list[object]] = {}
    for i, edge in enumerate(edges):
        if i in back:
            chains[i] = [edge.source, edge.dest]
            continue
        chain: list[object] = [edge.source]
        for r in range(rank[edge.source] + 1, rank[edge.dest]):
            waypoint = ("w", i, r)
            rows[r].append(waypoint)
            chain.append(waypoint)
        chain.append(edge.dest)
        chains[i] = chain
    above: dict[object, list[object]] = {}
    below: dict[object, list[object]] = {}
    for i, chain in chains.items():
        if i in back:
            continue
        for upper, lower in itertools.pairwise(chain):
            below.setdefault(upper, []).append(lower)
            above.setdefault(lower, []).append(upper)

    def place(row: list[object]) -> dict[object, float]:
        widths = [_NODE_SLOT if isinstance(s, VersionStatus) else _WAYPOINT_SLOT for s in row]
        x = -sum(widths) / 2
        spots = {}
        for slot, width in zip(row, widths):
            spots[slot] = x + width / 2
            x += width
        return spots

    spots: dict[object, float] = {}
    for row in rows:
        spots.update(place(row))
    for sweep in range(_SWEEPS):
        down = sweep % 2 == 0
        for r in range(1, depth) if down else range(depth - 2, -1, -1):
            neighbours = above if down else below

            def mean(slot: object, neighbours: dict[object, list[object]] = neighbours) -> float:
                near = neighbours.get(slot, [])
                return sum(spots[n] for n in near) / len(near) if near else spots[slot]

            rows[r].sort(key=mean)
            spots.update(place(rows[r]))
    left = min(spots.values()) - _NODE_SLOT / 2
    right = max(spots.values()) + _NODE_SLOT / 2 + _BACK_BULGE
    offset = _MARGIN - left

    def point(slot: object) -> Point:
        r = rank[slot] if isinstance(slot, VersionStatus) else slot[2]  # type: ignore[index]
        return (spots[slot] + offset, _MARGIN + NODE_HEIGHT / 2 + r * _RANK_GAP)

    centres = {s: point(s) for s in statuses}
    routes = []
    # Spread the ends of the edges that leave (or enter) a status along its bottom (or top).
    exits: dict[VersionStatus, list[int]] = {}
    entries: dict[VersionStatus, list[int]] = {}
    for i in chains:
        if i not in back:
            exits.setdefault(edges[i].source, []).append(i)
            entries.setdefault(edges[i].dest, []).append(i)

    def port(
        status: VersionStatus,
        i: int,
        ends: dict[VersionStatus, list[int]],
        bottom: bool,
        towards: dict[int, float],
    ) -> Point:
        group = sorted(ends[status], key=lambda j: towards[j])
        share = (group.index(i) + 1) / (len(group) + 1)
        cx, cy = centres[status]
        x = cx - NODE_WIDTH * 0.35 + NODE_WIDTH * 0.7 * share
        return (x, cy + (NODE_HEIGHT / 2 if bottom else -NODE_HEIGHT / 2))

    first_after = {i: point(chain[1])[0] for i, chain in chains.items()}
    last_before = {i: point(chain[-2])[0] for i, chain in chains.items()}
    for i, edge in enumerate(edges):
        chain = chains[i]
        if i in back:
            (sx, sy), (dx, dy) = centres[edge.source], centres[edge.dest]
            start = (sx + NODE_WIDTH / 2, sy + 6)
            end = (dx + NODE_WIDTH / 2, dy - 6)
            bulge = max(start[0], end[0]) + _BACK_BULGE
            controls = (((bulge, start[1]), (bulge, end[1])),)
            label = (bulge - 6, (start[1] + end[1]) / 2)
            routes.append(Route(edge, (start, end), controls, label, True))
            continue
        points = [port(edge.source, i, exits, True, first_after)]
        points += [point(w) for w in chain[1:-1]]
        points.append(port(edge.dest, i, entries, False, last_before))
        controls_list = []
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            middle = (by - ay) / 2
            controls_list.append(((ax, ay + middle), (bx, by - middle)))
        if len(points) > 2:
            label = points[1]
        else:
            (ax, ay), (bx, by) = points
            label = ((ax + bx) / 2, (ay + by) / 2)
        routes.append(Route(edge, tuple(points), tuple(controls_list), label, False))
    width = right - left + 2 * _MARGIN
    height = 2 * _MARGIN + NODE_HEIGHT + (depth - 1) * _RANK_GAP
    return Layout(centres, tuple(routes), width, height)
