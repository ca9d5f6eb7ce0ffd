"""The committed diagrams must match what the lifecycle definition draws now.

When one of these fails, the definition changed: run ``make diagrams`` and commit the result.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from registration_fsm import LIFECYCLE, lifecycle_diagram, render_dot, render_mermaid

ROOT = Path(__file__).resolve().parent.parent
DIAGRAMS = ROOT / "diagrams"
HINT = "the committed diagram is stale: run `make diagrams` and commit the result"


def readme_mermaid() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.index("## The lifecycle as a diagram")
    start = readme.index("```mermaid\n", section) + len("```mermaid\n")
    return readme[start : readme.index("```", start)]


def test_the_mermaid_file_is_fresh() -> None:
    committed = (DIAGRAMS / "lifecycle.mmd").read_text(encoding="utf-8")
    assert committed == render_mermaid(lifecycle_diagram()), HINT


def test_the_dot_file_is_fresh() -> None:
    committed = (DIAGRAMS / "lifecycle.dot").read_text(encoding="utf-8")
    assert committed == render_dot(lifecycle_diagram()), HINT


def test_the_readme_embeds_the_fresh_mermaid_diagram() -> None:
    assert readme_mermaid() == render_mermaid(lifecycle_diagram()), HINT


def test_the_committed_svg_draws_every_status_and_edge() -> None:
    # Graphviz versions lay out differently, so the SVG is checked for content, not bytes.
    root = ET.parse(DIAGRAMS / "lifecycle.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    groups = [g for g in root.iter(f"{ns}g") if g.get("class") in {"node", "edge"}]
    nodes = {g.findtext(f"{ns}title") for g in groups if g.get("class") == "node"}
    edges = [g.findtext(f"{ns}title") for g in groups if g.get("class") == "edge"]
    assert nodes == {"start", *(s.value for s in LIFECYCLE.statuses)}, HINT
    expected = ["start->DRAFT", *(f"{e.source.value}->{e.dest.value}" for e in LIFECYCLE.edges)]
    assert sorted(edges) == sorted(expected), HINT
