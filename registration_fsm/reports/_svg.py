"""Inline SVG for the HTML report: a version's path over the lifecycle, and timelines.

Every drawing is styled by classes that the report's stylesheet defines, so a figure is
small and an export of many versions stays a file a browser opens. Nothing here reads data
the report did not escape: every text goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from html import escape

from ..lifecycle import Initiator, Provenance
from ..statuses import VersionStatus
from ._layout import NODE_HEIGHT, NODE_WIDTH, layout
from ._model import PathFigure, Stamp

__all__ = ["path_svg", "registration_timeline_svg", "version_timeline_svg", "when"]

_UTC = timezone.utc


def when(stamp: datetime) -> str:
    """A stamp as an ISO-8601 UTC time, to the second."""
    if stamp.tzinfo is not _UTC:
        stamp = stamp.astimezone(_UTC)
    return stamp.isoformat(timespec="seconds")[:-6] + "Z"


def _span(seconds: float) -> str:
    """A duration in the largest units that keep it readable: 3d 4h, 2h 5m, 41s."""
    seconds = round(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


def path_svg(figure: PathFigure) -> str:
    """The lifecycle with ``figure``'s path lit and what its findings blame marked."""
    diagram = figure.diagram
    shape = layout([n.status for n in diagram.nodes], [e.edge for e in diagram.edges])
    highlight = figure.legal
    parts = [
        f'<svg class="fig" viewBox="0 0 {shape.width:.0f} {shape.height:.0f}" '
        f'width="{shape.width:.0f}" height="{shape.height:.0f}" role="img">',
        f"<title>{escape(diagram.title)}</title>",
    ]
    labels = []
    for item, route in zip(diagram.edges, shape.routes):
        edge = item.edge
        classes = ["e", "cust" if edge.initiator is Initiator.CUSTOMER else "aws"]
        if edge.provenance is Provenance.INFERRED:
            classes.append("inf")
        if not highlight or not item.taken:
            classes.append("faded" if highlight or figure.claimed else "")
        else:
            classes.append("taken")
        css = " ".join(c for c in classes if c)
        tip = escape(f"{edge.source.value} --{edge.trigger}--> {edge.dest.value}")
        parts.append(
            f'<g class="{css}"><title>{tip}</title><path d="{route.path()}"/>'
            f'<polygon points="{route.arrow()}"/></g>'
        )
        text = edge.trigger
        if highlight and item.taken:
            text = ", ".join(str(step.number) for step in item.steps) + ". " + text
        if "faded" in classes:
            continue  # the edge's title names it; faded labels would only crowd the path
        x, y = route.label
        anchor = "end" if route.back else "middle"
        labels.append(
            f'<text class="el {css}" x="{x:.1f}" y="{y + 3:.1f}" '
            f'text-anchor="{anchor}">{escape(text)}</text>'
        )
    for first, second in figure.claimed:
        parts.append(_claim(shape.centres[first], shape.centres[second]))
    for node in diagram.nodes:
        status = node.status
        cx, cy = shape.centres[status]
        classes = ["n"]
        if highlight:
            classes.append("vis" if node.visited else "faded")
        elif status in figure.stamped:
            classes.append("vis")
        if status is figure.status:
            classes.append("cur")
        if status in figure.flagged:
            classes.append("bad")
        if status in figure.missing:
            classes.append("miss")
        x, y = cx - NODE_WIDTH / 2, cy - NODE_HEIGHT / 2
        parts.append(
            f'<g class="{" ".join(classes)}"><title>{escape(status.description)}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_WIDTH:.0f}" '
            f'height="{NODE_HEIGHT:.0f}" rx="8"/>'
        )
        if node.terminal:
            parts.append(
                f'<rect class="inner" x="{x + 3:.1f}" y="{y + 3:.1f}" '
                f'width="{NODE_WIDTH - 6:.0f}" height="{NODE_HEIGHT - 6:.0f}" rx="6"/>'
            )
        label = status.value
        if status in figure.missing:
            label += " (no stamp)"
        parts.append(f'<text x="{cx:.1f}" y="{cy + 4:.1f}">{escape(label)}</text></g>')
    parts.extend(labels)
    parts.append("</svg>")
    return "".join(parts)


def _claim(a: tuple[float, float], b: tuple[float, float]) -> str:
    """A red dashed arrow from one stamped status to the next, as the stamps claim."""

    def trim(origin: tuple[float, float], towards: tuple[float, float]) -> tuple[float, float]:
        dx, dy = towards[0] - origin[0], towards[1] - origin[1]
        scale = min(
            (NODE_WIDTH / 2 + 4) / abs(dx) if dx else float("inf"),
            (NODE_HEIGHT / 2 + 4) / abs(dy) if dy else float("inf"),
        )
        return (origin[0] + dx * scale, origin[1] + dy * scale)

    if a == b:
        x, y = a[0] - NODE_WIDTH / 2, a[1]
        d = (
            f"M{x:.1f},{y - 6:.1f}C{x - 40:.1f},{y - 30:.1f} "
            f"{x - 40:.1f},{y + 30:.1f} {x:.1f},{y + 6:.1f}"
        )
        head = (x, y + 6)
        tail = (x - 40, y + 30)
    else:
        start, end = trim(a, b), trim(b, a)
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        dx, dy = end[0] - start[0], end[1] - start[1]
        bend = 0.18
        tail = (mx - dy * bend, my + dx * bend)
        head = end
        d = f"M{start[0]:.1f},{start[1]:.1f}Q{tail[0]:.1f},{tail[1]:.1f} {end[0]:.1f},{end[1]:.1f}"
    hx, hy = head
    dx, dy = hx - tail[0], hy - tail[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    points = (
        (hx, hy),
        (hx - ux * 8 - uy * 4, hy - uy * 8 + ux * 4),
        (hx - ux * 8 + uy * 4, hy - uy * 8 - ux * 4),
    )
    shown = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    return (
        '<g class="claim"><title>the order the stamps claim: no legal path</title>'
        f'<path d="{d}"/><polygon points="{shown}"/></g>'
    )


# -- timelines -------------------------------------------------------------------------------

_LANE = 18.0
_GUTTER = 190.0
_PLOT = 760.0
_TICKS = 6


def _ticks(first: datetime, last: datetime) -> list[tuple[float, str]]:
    """Evenly spaced ticks across [first, last], labelled to the precision the span needs."""
    seconds = (last - first).total_seconds()
    if seconds <= 0:
        return [(0.0, when(first))]
    result = []
    for i in range(_TICKS):
        share = i / (_TICKS - 1)
        at = first + timedelta(seconds=seconds * share)
        text = when(at)
        if seconds >= 3 * 86_400:
            text = text[:10]
        elif seconds >= 600:
            text = text[:16].replace("T", " ")
        result.append((share, text))
    return result


def registration_timeline_svg(lanes: Sequence[tuple[str, str, Sequence[Stamp]]]) -> str:
    """Every stamp of the given versions on one time axis, one lane per version.

    ``lanes`` holds (label, anchor, stamps) per version; the scale is shared, so the gaps
    between versions and between stamps are drawn as they were.
    """
    stamps = [s.at for _, _, lane in lanes for s in lane]
    if not stamps:
        return ""
    first, last = min(stamps), max(stamps)
    seconds = (last - first).total_seconds() or 1.0
    height = 34 + _LANE * len(lanes)
    width = _GUTTER + _PLOT + 20

    def x_of(at: datetime) -> float:
        return _GUTTER + _PLOT * (at - first).total_seconds() / seconds

    parts = [
        f'<svg class="tl" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" role="img"><title>Timeline of every stamp, to scale</title>'
    ]
    for share, text in _ticks(first, last):
        x = _GUTTER + _PLOT * share
        anchor = "start" if share == 0 else ("end" if share == 1 else "middle")
        parts.append(
            f'<line class="tick" x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{height - 4:.0f}"/>'
            f'<text class="tk" x="{x:.1f}" y="12" text-anchor="{anchor}">{text}</text>'
        )
    for row, (label, anchor, lane) in enumerate(lanes):
        y = 30 + _LANE * row
        parts.append(
            f'<a href="#{anchor}"><text class="ll" x="{_GUTTER - 8:.0f}" y="{y + 4:.1f}" '
            f'text-anchor="end">{escape(label)}</text></a>'
        )
        if not lane:
            continue
        parts.append(
            f'<line class="lane" x1="{x_of(lane[0].at):.1f}" y1="{y:.1f}" '
            f'x2="{x_of(lane[-1].at):.1f}" y2="{y:.1f}"/>'
        )
        for stamp in lane:
            css = "st bad" if stamp.flagged else f"st {_stamp_class(stamp.status)}"
            radius = 5 if stamp.flagged else 3.5
            parts.append(
                f'<circle class="{css}" cx="{x_of(stamp.at):.1f}" cy="{y:.1f}" r="{radius}">'
                f"<title>{escape(stamp.key)} {when(stamp.at)}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _stamp_class(status: VersionStatus) -> str:
    if status is VersionStatus.APPROVED:
        return "ok"
    if status.is_terminal:
        return "end"
    return "mid"


def version_timeline_svg(stamps: Sequence[Stamp]) -> str:
    """One version's stamps on its own time axis, each labelled with its status and time."""
    if not stamps:
        return ""
    first, last = stamps[0].at, stamps[-1].at
    seconds = (last - first).total_seconds() or 1.0
    width = _PLOT + 120
    height = 34 + 28 * len(stamps)
    parts = [
        f'<svg class="tl" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" role="img"><title>The stamps of this version, to scale, over '
        f"{_span((last - first).total_seconds())}</title>",
        f'<line class="lane" x1="20" y1="20" x2="{20 + _PLOT:.0f}" y2="20"/>',
    ]
    for row, stamp in enumerate(stamps):
        x = 20 + _PLOT * (stamp.at - first).total_seconds() / seconds
        y = 44 + 28 * row
        css = "st bad" if stamp.flagged else f"st {_stamp_class(stamp.status)}"
        offset = (stamp.at - first).total_seconds()
        text = f"{stamp.status.value} {when(stamp.at)}"
        if row:
            text += f" (+{_span(offset)})"
        anchor = "end" if x > 20 + _PLOT * 0.6 else "start"
        shift = -8 if anchor == "end" else 8
        parts.append(
            f'<line class="drop" x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{y:.1f}"/>'
            f'<circle class="{css}" cx="{x:.1f}" cy="20" r="4.5">'
            f"<title>{escape(stamp.key)} {when(stamp.at)}</title></circle>"
            f'<text class="sl{" badt" if stamp.flagged else ""}" x="{x + shift:.1f}" '
            f'y="{y + 4:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
