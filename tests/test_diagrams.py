from __future__ import annotations

import re
import stat
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registration_fsm import (
    DEFINITION,
    LIFECYCLE,
    GraphvizError,
    Initiator,
    InvalidHistory,
    InvalidRegistrationId,
    Lifecycle,
    MalformedDataError,
    MissingDependencyError,
    Provenance,
    RegistrationVersion,
    StatusHistory,
    SteppingClock,
    UnknownStatusError,
    VersionPath,
    VersionStatus,
    lifecycle_diagram,
    path_diagram,
    render_dot,
    render_mermaid,
    render_svg,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
SVG = "{http://www.w3.org/2000/svg}"
S = VersionStatus


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def walk(*triggers: str, registration_id: str = "reg-1") -> RegistrationVersion:
    version = RegistrationVersion.new(
        registration_id, clock=SteppingClock(T0, timedelta(minutes=7))
    )
    for trigger in triggers:
        version.fire(trigger)
    return version


# -- reading the rendered text back ----------------------------------------------------------

_MERMAID_LINK = re.compile(r'^ {4}(\w+) (-->|-\.->)(?:\|"(.*)"\|)? (\w+)$')
_MERMAID_NODE = re.compile(r'^ {4}(\w+)(\(\(\(|\(\(|\()"(.*)"(\){1,3})$')
_DOT_EDGE = re.compile(r'^ {4}"(\w+)" -> "(\w+)"(?: \[(.*)\])?;$')
_DOT_NODE = re.compile(r'^ {4}"(\w+)" \[(.*)\];$')
_DOT_ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]+)')


def mermaid_links(text: str) -> list[tuple[str, str, str | None, str]]:
    return [m.groups() for line in text.splitlines() if (m := _MERMAID_LINK.match(line))]


def mermaid_nodes(text: str) -> dict[str, tuple[str, str]]:
    return {m[1]: (m[2], m[3]) for line in text.splitlines() if (m := _MERMAID_NODE.match(line))}


def mermaid_link_styles(text: str) -> dict[int, str]:
    styles: dict[int, str] = {}
    for line in text.splitlines():
        if line.startswith("    linkStyle "):
            _, indexes, style = line.split()
            styles.update({int(i): style for i in indexes.split(",")})
    return styles


def mermaid_classes(text: str) -> dict[str, str]:
    classes: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("    class "):
            _, names, name = line.split()
            classes.update(dict.fromkeys(names.split(","), name))
    return classes


def dot_attributes(text: str | None) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _DOT_ATTRIBUTE.findall(text or "")}


def dot_edges(text: str) -> list[tuple[str, str, dict[str, str]]]:
    return [
        (m[1], m[2], dot_attributes(m[3]))
        for line in text.splitlines()
        if (m := _DOT_EDGE.match(line))
    ]


def dot_nodes(text: str) -> dict[str, dict[str, str]]:
    return {
        m[1]: dot_attributes(m[2]) for line in text.splitlines() if (m := _DOT_NODE.match(line))
    }


# -- the lifecycle ---------------------------------------------------------------------------


def test_the_description_holds_every_status_and_edge_of_the_definition() -> None:
    diagram = lifecycle_diagram()
    assert [n.status for n in diagram.nodes] == list(LIFECYCLE.statuses)
    assert [e.edge for e in diagram.edges] == list(LIFECYCLE.edges)
    assert {n.status for n in diagram.nodes if n.terminal} == LIFECYCLE.terminal
    assert {n.status for n in diagram.nodes if not n.core} == {
        S.AWS_REVIEWING,
        S.REQUIRES_OFFLINE_REVIEW,
    }
    assert [n.status for n in diagram.nodes if n.initial] == [S.DRAFT]
    assert not any(n.visited or n.current for n in diagram.nodes)
    assert not any(e.taken for e in diagram.edges)
    assert diagram.path is None


def test_mermaid_draws_each_edge_dashed_when_inferred_and_coloured_by_initiator() -> None:
    text = render_mermaid(lifecycle_diagram())
    assert text.startswith(
        '---\ntitle: "Lifecycle of a registration version"\n---\nflowchart TD\n'
    )
    links = mermaid_links(text)
    assert links[0] == ("start", "-->", None, "DRAFT")
    assert len(links) == len(LIFECYCLE.edges) + 1
    styles = mermaid_link_styles(text)
    by_initiator: dict[Initiator, set[str]] = {Initiator.CUSTOMER: set(), Initiator.AWS: set()}
    for index, edge in enumerate(LIFECYCLE.edges, start=1):
        source, arrow, label, dest = links[index]
        assert (source, label, dest) == (edge.source.value, edge.trigger, edge.dest.value)
        assert (arrow == "-.->") is (edge.provenance is Provenance.INFERRED)
        by_initiator[edge.initiator].add(styles[index])
    assert len(by_initiator[Initiator.CUSTOMER]) == 1
    assert len(by_initiator[Initiator.AWS]) == 1
    assert by_initiator[Initiator.CUSTOMER] != by_initiator[Initiator.AWS]
    assert "stroke:#1f6fb2" in next(iter(by_initiator[Initiator.CUSTOMER]))


def test_mermaid_marks_terminal_statuses_and_the_later_ones() -> None:
    text = render_mermaid(lifecycle_diagram())
    nodes = mermaid_nodes(text)
    assert nodes.pop("start") == ("((", " ")
    assert set(nodes) == {s.value for s in LIFECYCLE.statuses}
    for status in LIFECYCLE.statuses:
        shape, label = nodes[status.value]
        assert label == status.value
        assert (shape == "(((") is (status in LIFECYCLE.terminal)
    classes = mermaid_classes(text)
    assert {name for name, c in classes.items() if c == "later"} == {
        "AWS_REVIEWING",
        "REQUIRES_OFFLINE_REVIEW",
    }


def test_dot_draws_the_same_conventions() -> None:
    text = render_dot(lifecycle_diagram())
    assert text.startswith("digraph registration_version {\n")
    assert text.endswith("}\n")
    edges = dot_edges(text)
    assert edges[0] == ("start", "DRAFT", {})
    assert len(edges) == len(LIFECYCLE.edges) + 1
    for (source, dest, attributes), edge in zip(edges[1:], LIFECYCLE.edges):
        assert (source, dest, attributes["label"]) == (
            edge.source.value,
            edge.dest.value,
            edge.trigger,
        )
        assert (attributes.get("style") == "dashed") is (edge.provenance is Provenance.INFERRED)
        expected = "#1f6fb2" if edge.initiator is Initiator.CUSTOMER else "#555555"
        assert attributes["color"] == expected
        assert edge.note in attributes["tooltip"]
    nodes = dot_nodes(text)
    for status in LIFECYCLE.statuses:
        attributes = nodes[status.value]
        assert (attributes.get("peripheries") == "2") is (status in LIFECYCLE.terminal)
        assert (attributes.get("fillcolor") == "#fff4d6") is (not status.is_core)
        assert attributes["tooltip"] == status.description


def test_rendering_is_deterministic_and_follows_the_definition() -> None:
    rebuilt = Lifecycle.build()
    assert render_mermaid(lifecycle_diagram()) == render_mermaid(lifecycle_diagram(rebuilt))
    assert render_dot(lifecycle_diagram()) == render_dot(lifecycle_diagram(rebuilt))

    rows = [list(row) for row in DEFINITION]
    assert rows[0][:5] == ["DRAFT", "submit", "SUBMITTED", "customer", "documented"]
    rows[0][4] = "inferred"
    changed = lifecycle_diagram(Lifecycle.build(rows))
    assert mermaid_links(render_mermaid(changed))[1] == ("DRAFT", "-.->", "submit", "SUBMITTED")
    assert dot_edges(render_dot(changed))[1][2]["style"] == "dashed"
    assert render_mermaid(changed) != render_mermaid(lifecycle_diagram())


# -- one version's path ----------------------------------------------------------------------


def test_the_path_of_an_archived_version() -> None:
    version = walk("submit", "begin_review", "approve", "archive")
    path = VersionPath.of(version)
    assert path.statuses == (S.DRAFT, S.SUBMITTED, S.REVIEWING, S.APPROVED, S.ARCHIVED)
    assert [s.number for s in path.steps] == [1, 2, 3, 4]
    assert [s.edge.trigger for s in path.steps] == ["submit", "begin_review", "approve", "archive"]
    assert [s.at for s in path.steps] == [at(7), at(14), at(21), at(28)]
    assert (path.registration_id, path.version_number, path.status) == ("reg-1", 1, S.ARCHIVED)


def test_a_status_without_a_stamp_has_no_time() -> None:
    version = walk("submit", "begin_aws_review", "require_offline_review")
    path = VersionPath.of(version)
    assert path.statuses[-1] is S.REQUIRES_OFFLINE_REVIEW
    assert path.steps[-1].at is None
    text = render_mermaid(path_diagram(path))
    assert mermaid_nodes(text)["REQUIRES_OFFLINE_REVIEW"][1] == (
        "REQUIRES_OFFLINE_REVIEW<br/>(no timestamp)"
    )
    assert (
        "AWS_REVIEWING",
        "-.->",
        "step 3: require_offline_review",
        "REQUIRES_OFFLINE_REVIEW",
    ) in (mermaid_links(text))


def test_a_status_entered_twice_has_a_time_only_on_its_last_entry() -> None:
    # In this smaller lifecycle, REQUIRES_AUTHENTICATION is reachable only through REVIEWING, so
    # the history below forces REVIEWING to be entered twice.
    rows = [
        ("DRAFT", "submit", "SUBMITTED", "customer", "documented"),
        ("SUBMITTED", "begin_review", "REVIEWING", "aws", "documented"),
        ("REVIEWING", "require_authentication", "REQUIRES_AUTHENTICATION", "aws", "inferred"),
        ("REQUIRES_AUTHENTICATION", "complete_authentication", "REVIEWING", "aws", "inferred"),
        ("REVIEWING", "approve", "APPROVED", "aws", "documented"),
        ("APPROVED", "archive", "ARCHIVED", "aws", "documented"),
    ]
    small = Lifecycle.build(
        rows,
        statuses=(
            S.DRAFT,
            S.SUBMITTED,
            S.REVIEWING,
            S.REQUIRES_AUTHENTICATION,
            S.APPROVED,
            S.ARCHIVED,
        ),
        terminal=["ARCHIVED"],
    )
    history = StatusHistory(
        at(0), submitted=at(1), requires_authentication=at(3), reviewing=at(4), approved=at(5)
    )
    path = VersionPath.from_history("APPROVED", history, lifecycle=small)
    assert [(s.edge.dest, s.at) for s in path.steps] == [
        (S.SUBMITTED, at(1)),
        (S.REVIEWING, None),
        (S.REQUIRES_AUTHENTICATION, at(3)),
        (S.REVIEWING, at(4)),
        (S.APPROVED, at(5)),
    ]
    diagram = path_diagram(path, lifecycle=small)
    reviewing = next(n for n in diagram.nodes if n.status is S.REVIEWING)
    assert reviewing.entered_at == at(4)
    assert mermaid_links(render_mermaid(diagram))[2] == (
        "SUBMITTED",
        "-->",
        "step 2: begin_review",
        "REVIEWING",
    )


def test_a_history_no_path_fits_is_refused() -> None:
    history = StatusHistory(at(0), submitted=at(1), denied=at(2), approved=at(3))
    with pytest.raises(InvalidHistory, match=r"no legal path from DRAFT fits the stamps") as info:
        VersionPath.from_history(S.APPROVED, history)
    assert info.value.status is S.APPROVED
    assert "DENIED 2026-01-05T09:02:00Z" in str(info.value)


def test_bad_arguments_to_a_path_raise_library_errors() -> None:
    history = StatusHistory(at(0))
    with pytest.raises(UnknownStatusError):
        VersionPath.from_history("PENDING", history)
    with pytest.raises(MalformedDataError, match="history must be a StatusHistory"):
        VersionPath.from_history("DRAFT", {"DraftTimestamp": at(0)})  # type: ignore[arg-type]
    with pytest.raises(InvalidRegistrationId):
        VersionPath.from_history("DRAFT", history, registration_id="no spaces")
    assert VersionPath.from_history("DRAFT", history).steps == ()


def test_a_path_diagram_lights_the_visited_statuses_and_taken_edges() -> None:
    version = walk("submit", "begin_review", "deny", registration_id="registration-9")
    diagram = path_diagram(version)
    assert diagram.title == "registration-9 version 1: DENIED"
    assert diagram.path == VersionPath.of(version)
    visited = {n.status for n in diagram.nodes if n.visited}
    assert visited == {S.DRAFT, S.SUBMITTED, S.REVIEWING, S.DENIED}
    assert [n.status for n in diagram.nodes if n.current] == [S.DENIED]
    taken = [(e.edge.source, e.edge.trigger) for e in diagram.edges if e.taken]
    assert taken == [(S.DRAFT, "submit"), (S.SUBMITTED, "begin_review"), (S.REVIEWING, "deny")]
    anonymous = VersionPath.from_history(version.status, version.history)
    assert path_diagram(anonymous).title == "A registration version: DENIED"
    numbered = attrs.evolve(anonymous, version_number=3)
    assert path_diagram(numbered).title == "Version 3: DENIED"


def test_the_path_in_mermaid() -> None:
    version = walk("submit", "begin_review", "deny")
    text = render_mermaid(path_diagram(version))
    classes = mermaid_classes(text)
    assert classes["DENIED"] == "current"
    assert {n for n, c in classes.items() if c == "visited"} == {"DRAFT", "SUBMITTED", "REVIEWING"}
    assert classes["APPROVED"] == "unvisited"
    nodes = mermaid_nodes(text)
    assert nodes["REVIEWING"][1] == "REVIEWING<br/>2026-01-05T09:14:00Z"
    assert nodes["APPROVED"][1] == "APPROVED"
    links = mermaid_links(text)
    styles = mermaid_link_styles(text)
    bold = {i for i, style in styles.items() if "stroke-width:3px" in style}
    assert [links[i][2] for i in sorted(bold)] == [
        "step 1: submit<br/>2026-01-05T09:07:00Z",
        "step 2: begin_review<br/>2026-01-05T09:14:00Z",
        "step 3: deny<br/>2026-01-05T09:21:00Z",
    ]
    assert "stroke:#1f6fb2" in styles[min(bold)]
    assert all("stroke:#cccccc" in s for i, s in styles.items() if i not in bold)


def test_the_path_in_dot() -> None:
    version = walk("submit", "discard")
    text = render_dot(path_diagram(version))
    nodes = dot_nodes(text)
    assert nodes["DISCARDED"]["label"] == "DISCARDED\\n2026-01-05T09:14:00Z"
    assert nodes["DISCARDED"]["penwidth"] == "2.5"
    assert nodes["DISCARDED"]["fillcolor"] == "#e3f4e1"
    assert nodes["APPROVED"]["fontcolor"] == "#999999"
    taken = [(s, d, a["label"]) for s, d, a in dot_edges(text) if a.get("penwidth") == "2.5"]
    assert taken == [
        ("DRAFT", "SUBMITTED", "step 1: submit\\n2026-01-05T09:07:00Z"),
        ("SUBMITTED", "DISCARDED", "step 2: discard\\n2026-01-05T09:14:00Z"),
    ]


_TRIGGERS = st.lists(st.integers(min_value=0, max_value=len(LIFECYCLE.triggers)), max_size=12)


@given(choices=_TRIGGERS, gaps=st.lists(st.integers(0, 3), min_size=12, max_size=12))
def test_any_walk_has_a_path_that_ends_where_the_version_is(
    choices: list[int], gaps: list[int]
) -> None:
    version = RegistrationVersion.new("reg-1", at=T0)
    now = T0
    fired = 0
    for choice, gap in zip(choices, gaps):
        allowed = version.allowed_triggers()
        if not allowed:
            break
        now += timedelta(seconds=gap)
        version.fire(allowed[choice % len(allowed)], at=now)
        fired += 1
    path = VersionPath.of(version)
    assert path.statuses[0] is S.DRAFT
    assert path.statuses[-1] is version.status
    for before, step in zip(path.statuses, path.steps):
        assert step.edge.source is before
        assert step.edge in LIFECYCLE.edges
    # explain() requires the statuses stamped after the draft; one stamped at the very instant
    # of the draft may be passed by.
    stamped = {status for status, stamp in version.history.stamped() if stamp > T0}
    assert stamped <= set(path.statuses)
    assert len(path.steps) <= fired
    times = [s.at for s in path.steps if s.at is not None]
    assert times == sorted(times)
    taken = {(s.edge.source, s.edge.trigger) for s in path.steps}
    styles = mermaid_link_styles(render_mermaid(path_diagram(path)))
    assert sum("stroke-width:3px" in s for s in styles.values()) == len(taken)


# -- SVG -------------------------------------------------------------------------------------


def _titles(svg: str, kind: str) -> list[str]:
    root = ET.fromstring(svg.encode())
    return [g.findtext(f"{SVG}title", "") for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def test_the_lifecycle_as_svg(graphviz_dot: str) -> None:
    svg = render_svg(lifecycle_diagram(), dot_command=graphviz_dot)
    assert sorted(_titles(svg, "node")) == sorted(["start", *(s.value for s in S)])
    assert len(_titles(svg, "edge")) == len(LIFECYCLE.edges) + 1
    assert "Lifecycle of a registration version" in svg


def test_a_path_as_svg(graphviz_dot: str) -> None:
    svg = render_svg(path_diagram(walk("submit", "begin_review", "approve")))
    root = ET.fromstring(svg.encode())
    filled = {
        g.findtext(f"{SVG}title")
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "node" and 'fill="#e3f4e1"' in ET.tostring(g, encoding="unicode")
    }
    assert filled == {"DRAFT", "SUBMITTED", "REVIEWING", "APPROVED"}
    assert "step 3: approve" in svg


def test_titles_with_quotes_survive_dot(graphviz_dot: str) -> None:
    diagram = attrs.evolve(lifecycle_diagram(), title='a "quoted" \\ title')
    svg = render_svg(diagram, dot_command=graphviz_dot)
    assert "a &quot;quoted&quot; \\ title" in svg


def test_a_missing_dot_is_a_clear_error() -> None:
    with pytest.raises(MissingDependencyError, match="install Graphviz") as info:
        render_svg(lifecycle_diagram(), dot_command="registration-fsm-no-such-dot")
    assert info.value.dependency == "Graphviz's dot"


def _script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-dot"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_a_failing_dot_is_a_graphviz_error(tmp_path: Path) -> None:
    broken = _script(tmp_path, "echo 'syntax error in line 1' >&2; exit 3")
    with pytest.raises(GraphvizError, match="exited with status 3") as info:
        render_svg(lifecycle_diagram(), dot_command=broken)
    assert "syntax error in line 1" in info.value.stderr
    silent = _script(tmp_path, "cat >/dev/null")
    with pytest.raises(GraphvizError, match="printed no SVG"):
        render_svg(lifecycle_diagram(), dot_command=silent)


def test_a_hanging_dot_times_out(tmp_path: Path) -> None:
    slow = _script(tmp_path, "exec sleep 5")
    with pytest.raises(GraphvizError, match=r"did not finish within 0\.2 seconds"):
        render_svg(lifecycle_diagram(), dot_command=slow, timeout=0.2)
