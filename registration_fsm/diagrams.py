"""Diagrams of the lifecycle, and of one version's path through it, drawn from the definition.

The lifecycle is first turned into a small renderer-neutral description (:class:`Diagram`);
the Mermaid and Graphviz DOT renderers only read that description, so neither can drift from
``DEFINITION`` or from the other. Their text is deterministic (definition order, nothing about
when it was generated), which is what lets a test compare the committed diagrams with the
definition.

Both renderers draw the same things the same way:

- customer API calls are blue and thicker, AWS-side events grey;
- inferred edges (modelling decisions, documented nowhere) are dashed;
- terminal statuses are marked: a double circle in Mermaid, a double border in DOT;
- the two statuses AWS added after the original nine have an amber fill.

Mermaid gets a ``flowchart``, not a ``stateDiagram-v2``: only flowcharts can style single
edges (``linkStyle``) and draw dashed ones (``-.->``). SVG comes from Graphviz's ``dot``,
run as a subprocess when asked for; nothing here needs it at import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

import attrs

from .errors import GraphvizError, InvalidHistory, MissingDependencyError
from .history import StatusHistory, require_history
from .lifecycle import LIFECYCLE, Edge, Initiator, Lifecycle, Provenance
from .statuses import VersionStatus
from .version import RegistrationVersion, validate_registration_id, validate_version_number

__all__ = [
    "Diagram",
    "DiagramEdge",
    "DiagramNode",
    "PathStep",
    "VersionPath",
    "lifecycle_diagram",
    "path_diagram",
    "render_dot",
    "render_mermaid",
    "render_svg",
]

LIFECYCLE_TITLE = "Lifecycle of a registration version"

_CUSTOMER = "#1f6fb2"
_AWS = "#555555"
_LATER_FILL = "#fff4d6"
_LATER_STROKE = "#b8860b"
_VISITED_FILL = "#e3f4e1"
_VISITED_STROKE = "#2e7d32"
_FADED_FILL = "#f7f7f7"
_FADED_STROKE = "#bbbbbb"
_FADED_TEXT = "#999999"
_UNTAKEN = "#cccccc"
_START = "start"


@attrs.frozen
class PathStep:
    """One edge a version took; ``at`` is when it entered ``edge.dest``, if the history says.

    The history keeps one stamp per status, the latest entry's, so a status entered twice has
    a time only on its last entry, and a status AWS did not stamp has none.
    """

    number: int
    edge: Edge
    at: datetime | None


@attrs.frozen
class VersionPath:
    """The way a version came to its status: the lifecycle's shortest path its history fits."""

    start: VersionStatus
    status: VersionStatus
    history: StatusHistory
    steps: tuple[PathStep, ...]
    registration_id: str | None = None
    version_number: int | None = None

    @classmethod
    def of(cls, version: RegistrationVersion, *, lifecycle: Lifecycle = LIFECYCLE) -> VersionPath:
        """The path of ``version``, read from its status and history."""
        return cls.from_history(
            version.status,
            version.history,
            registration_id=version.registration_id,
            version_number=version.version_number,
            lifecycle=lifecycle,
        )

    @classmethod
    def from_history(
        cls,
        status: VersionStatus | str,
        history: StatusHistory,
        *,
        registration_id: str | None = None,
        version_number: int | None = None,
        lifecycle: Lifecycle = LIFECYCLE,
    ) -> VersionPath:
        """The path to ``status`` that ``history`` supports, from the lifecycle's first status.

        Raises InvalidHistory when no legal path fits the stamps.
        """
        parsed = VersionStatus.parse(status)
        require_history(history)
        if registration_id is not None:
            validate_registration_id(registration_id)
        if version_number is not None:
            validate_version_number(version_number)
        start = lifecycle.initial
        edges = lifecycle.explain(start, parsed, history)
        if edges is None:
            shown = ", ".join(f"{s.value} {_when(t)}" for s, t in history.stamped())
            raise InvalidHistory(
                parsed, f"no legal path from {start.value} fits the stamps ({shown})"
            )
        last_entry = {edge.dest: number for number, edge in enumerate(edges, start=1)}
        steps = tuple(
            PathStep(number, edge, history[edge.dest] if last_entry[edge.dest] == number else None)
            for number, edge in enumerate(edges, start=1)
        )
        return cls(start, parsed, history, steps, registration_id, version_number)

    @property
    def statuses(self) -> tuple[VersionStatus, ...]:
        """The statuses visited, in order, the first one included."""
        return (self.start, *(step.edge.dest for step in self.steps))


@attrs.frozen
class DiagramNode:
    """A status as drawn: what kind it is and, in a path diagram, whether it was visited."""

    status: VersionStatus
    initial: bool
    terminal: bool
    core: bool
    visited: bool = False
    current: bool = False
    entered_at: datetime | None = None


@attrs.frozen
class DiagramEdge:
    """An edge as drawn, with the steps of a path that took it (none in a lifecycle diagram)."""

    edge: Edge
    steps: tuple[PathStep, ...] = ()

    @property
    def taken(self) -> bool:
        """True when the path drawn went along this edge."""
        return bool(self.steps)


@attrs.frozen
class Diagram:
    """What a renderer draws: statuses and edges in definition order, and maybe a path."""

    title: str
    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    path: VersionPath | None = None


def lifecycle_diagram(lifecycle: Lifecycle = LIFECYCLE) -> Diagram:
    """The whole lifecycle, every status and edge."""
    nodes = tuple(_node(lifecycle, s) for s in lifecycle.statuses)
    return Diagram(LIFECYCLE_TITLE, nodes, tuple(DiagramEdge(e) for e in lifecycle.edges))


def _node(lifecycle: Lifecycle, status: VersionStatus, **path: Any) -> DiagramNode:
    """A status as a node; ``path`` adds what one version's path says about it."""
    return DiagramNode(
        status=status,
        initial=status is lifecycle.initial,
        terminal=lifecycle.is_terminal(status),
        core=status.is_core,
        **path,
    )


def path_diagram(
    version: RegistrationVersion | VersionPath, *, lifecycle: Lifecycle = LIFECYCLE
) -> Diagram:
    """The lifecycle with one version's path over it: visited statuses and taken edges lit."""
    path = version if isinstance(version, VersionPath) else VersionPath.of(version)
    visited = set(path.statuses)
    steps_of: dict[tuple[VersionStatus, str], list[PathStep]] = {}
    for step in path.steps:
        steps_of.setdefault((step.edge.source, step.edge.trigger), []).append(step)
    nodes = tuple(
        _node(
            lifecycle,
            s,
            visited=s in visited,
            current=s is path.status,
            entered_at=path.history[s] if s in visited else None,
        )
        for s in lifecycle.statuses
    )
    edges = tuple(
        DiagramEdge(e, tuple(steps_of.get((e.source, e.trigger), ()))) for e in lifecycle.edges
    )
    if path.registration_id is not None:
        who = f"{path.registration_id} version {path.version_number or '?'}"
    elif path.version_number is not None:
        who = f"Version {path.version_number}"
    else:
        who = "A registration version"
    return Diagram(f"{who}: {path.status.value}", nodes, edges, path)


# -- Mermaid ---------------------------------------------------------------------------------


def render_mermaid(diagram: Diagram) -> str:
    """The diagram as a Mermaid flowchart (GitHub renders it in a ``mermaid`` code block)."""
    highlight = diagram.path is not None
    lines = ["---", f"title: {json.dumps(diagram.title)}", "---", "flowchart TD"]
    lines.extend(f"    %% {text}" for text in _legend(highlight, "double circle"))
    lines.append(f'    {_START}((" "))')
    classes: dict[str, list[str]] = {}
    for node in diagram.nodes:
        name = node.status.value
        label = _mermaid_text(name)
        if highlight and node.visited:
            label += "<br/>" + _mermaid_text(_when(node.entered_at))
        shape = ('((("', '")))') if node.terminal else ('("', '")')
        lines.append(f"    {name}{shape[0]}{label}{shape[1]}")
        css_class = _node_class(node, highlight)
        if css_class:
            classes.setdefault(css_class, []).append(name)

    initial = next(n.status.value for n in diagram.nodes if n.initial)
    lines.append(f"    {_START} --> {initial}")
    link_styles: dict[str, list[int]] = {}
    for index, item in enumerate(diagram.edges, start=1):
        edge = item.edge
        arrow = "-.->" if edge.provenance is Provenance.INFERRED else "-->"
        label = "<br/>".join(_mermaid_text(t) for t in _edge_label(item, highlight))
        lines.append(f'    {edge.source.value} {arrow}|"{label}"| {edge.dest.value}')
        link_styles.setdefault(_mermaid_link_style(item, highlight), []).append(index)

    lines.append(f"    classDef {_START} fill:#222222,stroke:#222222")
    lines.extend(
        f"    classDef {name} {style}"
        for name, style in _MERMAID_CLASSES.items()
        if name in classes
    )
    lines.append(f"    class {_START} {_START}")
    lines.extend(f"    class {','.join(names)} {name}" for name, names in classes.items())
    lines.extend(
        f"    linkStyle {','.join(map(str, indexes))} {style}"
        for style, indexes in link_styles.items()
    )
    return "\n".join(lines) + "\n"


_MERMAID_CLASSES = {
    "later": f"fill:{_LATER_FILL},stroke:{_LATER_STROKE}",
    "visited": f"fill:{_VISITED_FILL},stroke:{_VISITED_STROKE}",
    "current": f"fill:{_VISITED_FILL},stroke:{_VISITED_STROKE},stroke-width:4px",
    "unvisited": f"fill:{_FADED_FILL},stroke:{_FADED_STROKE},color:{_FADED_TEXT}",
}


def _node_class(node: DiagramNode, highlight: bool) -> str | None:
    if highlight:
        if node.current:
            return "current"
        return "visited" if node.visited else "unvisited"
    return None if node.core else "later"


def _mermaid_link_style(item: DiagramEdge, highlight: bool) -> str:
    if highlight and not item.taken:
        return f"stroke:{_UNTAKEN},stroke-width:1px,color:{_FADED_TEXT}"
    colour = _CUSTOMER if item.edge.initiator is Initiator.CUSTOMER else _AWS
    width = "3px" if highlight else ("2.5px" if colour == _CUSTOMER else "1.5px")
    return f"stroke:{colour},stroke-width:{width},color:{colour}"


def _mermaid_text(text: str) -> str:
    return (
        text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


# -- Graphviz DOT ----------------------------------------------------------------------------


def render_dot(diagram: Diagram) -> str:
    """The diagram in Graphviz's DOT language."""
    highlight = diagram.path is not None
    title = "\n".join((diagram.title, *_legend(highlight, "double border")))
    lines = [
        "digraph registration_version {",
        f"    graph [label={_dot(title)}, labelloc=t, fontname=Helvetica, fontsize=13, "
        "nodesep=0.45, ranksep=0.5];",
        "    node [shape=box, style=rounded, fontname=Helvetica, fontsize=11, "
        'margin="0.15,0.06"];',
        "    edge [fontname=Helvetica, fontsize=9, arrowsize=0.7];",
        f'    {_dot(_START)} [shape=point, width=0.14, label=""];',
    ]
    for node in diagram.nodes:
        label = node.status.value
        if highlight and node.visited:
            label += "\n" + _when(node.entered_at)
        attributes = {"label": _dot(label), "tooltip": _dot(node.status.description)}
        if node.terminal:
            attributes["peripheries"] = "2"
        if highlight:
            if node.visited:
                attributes.update(
                    style='"rounded,filled"',
                    fillcolor=_dot(_VISITED_FILL),
                    color=_dot(_VISITED_STROKE),
                )
                if node.current:
                    attributes["penwidth"] = "2.5"
            else:
                attributes.update(color=_dot(_FADED_STROKE), fontcolor=_dot(_FADED_TEXT))
        elif not node.core:
            attributes.update(
                style='"rounded,filled"', fillcolor=_dot(_LATER_FILL), color=_dot(_LATER_STROKE)
            )
        lines.append(f"    {_dot(node.status.value)} [{_dot_attributes(attributes)}];")

    initial = next(n.status.value for n in diagram.nodes if n.initial)
    lines.append(f"    {_dot(_START)} -> {_dot(initial)};")
    for item in diagram.edges:
        edge = item.edge
        attributes = {
            "label": _dot("\n".join(_edge_label(item, highlight))),
            "tooltip": _dot(f"{edge.initiator.value}, {edge.provenance.value}: {edge.note}"),
        }
        if highlight and not item.taken:
            attributes.update(color=_dot(_UNTAKEN), fontcolor=_dot(_FADED_TEXT))
        else:
            colour = _CUSTOMER if edge.initiator is Initiator.CUSTOMER else _AWS
            attributes.update(color=_dot(colour), fontcolor=_dot(colour))
            if highlight:
                attributes["penwidth"] = "2.5"
            elif edge.initiator is Initiator.CUSTOMER:
                attributes["penwidth"] = "2"
        if edge.provenance is Provenance.INFERRED:
            attributes["style"] = "dashed"
        lines.append(
            f"    {_dot(edge.source.value)} -> {_dot(edge.dest.value)} "
            f"[{_dot_attributes(attributes)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _dot_attributes(attributes: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in attributes.items())


# -- SVG -------------------------------------------------------------------------------------


def render_svg(diagram: Diagram, *, dot_command: str = "dot", timeout: float = 60.0) -> str:
    """The diagram as SVG, drawn by Graphviz's ``dot`` (which must be installed).

    Raises MissingDependencyError when ``dot_command`` is not found, GraphvizError when it
    fails or takes longer than ``timeout`` seconds.
    """
    import shutil
    import subprocess

    executable = shutil.which(dot_command)
    if executable is None:
        raise MissingDependencyError(
            "Graphviz's dot",
            f"{dot_command!r} was not found on PATH; install Graphviz "
            "(Debian and Ubuntu: apt-get install graphviz)",
        )
    try:
        done = subprocess.run(
            [executable, "-Tsvg"],
            input=render_dot(diagram),
            capture_output=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"{executable} did not finish within {timeout:g} seconds") from None
    except OSError as exc:
        raise GraphvizError(f"could not run {executable}: {exc}") from None
    if done.returncode != 0:
        raise GraphvizError(
            f"{executable} exited with status {done.returncode}", stderr=done.stderr
        )
    if "<svg" not in done.stdout:
        raise GraphvizError(f"{executable} printed no SVG", stderr=done.stderr)
    return done.stdout


# -- shared ----------------------------------------------------------------------------------


def _legend(highlight: bool, terminal_mark: str) -> Iterable[str]:
    if highlight:
        return (
            "green: the statuses the version entered, with the time of its latest entry",
            "bold edges: the path taken, step by step (blue: customer call, grey: AWS event)",
            "dashed: inferred edge",
            f"{terminal_mark}: terminal status",
        )
    return (
        "blue: customer API call",
        "grey: AWS-side event",
        "dashed: inferred edge, documented nowhere",
        f"{terminal_mark}: terminal status",
        "amber: status added to the API after the original nine",
    )


def _edge_label(item: DiagramEdge, highlight: bool) -> list[str]:
    """The lines of an edge's label: its trigger, or in a path, each step with its time."""
    if not (highlight and item.taken):
        return [item.edge.trigger]
    lines: list[str] = []
    for step in item.steps:
        lines.append(f"step {step.number}: {item.edge.trigger}")
        if step.at is not None:
            lines.append(_when(step.at))
    return lines


def _when(stamp: datetime | None) -> str:
    if stamp is None:
        return "(no timestamp)"
    text = stamp.astimezone(timezone.utc).isoformat()
    return text.removesuffix("+00:00") + "Z"
