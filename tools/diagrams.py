"""Regenerate diagrams/ and the README's lifecycle diagram from the lifecycle definition.

Run by ``make diagrams``. The SVG needs Graphviz's ``dot``; the Mermaid and DOT files and the
README are written first, so they are fresh even where Graphviz is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from registration_fsm import (
    RegistrationFsmError,
    lifecycle_diagram,
    render_dot,
    render_mermaid,
    render_svg,
)

ROOT = Path(__file__).resolve().parent.parent
README_HEADING = "## The lifecycle as a diagram"
FENCE = "```mermaid\n"


def readme_with_diagram(readme: str, mermaid: str) -> str:
    """``readme`` with the first Mermaid block under README_HEADING replaced by ``mermaid``."""
    section = readme.index(README_HEADING)
    start = readme.index(FENCE, section) + len(FENCE)
    end = readme.index("```", start)
    return readme[:start] + mermaid + readme[end:]


def main() -> int:
    diagram = lifecycle_diagram()
    mermaid = render_mermaid(diagram)
    target = ROOT / "diagrams"
    target.mkdir(exist_ok=True)
    (target / "lifecycle.mmd").write_text(mermaid, encoding="utf-8")
    (target / "lifecycle.dot").write_text(render_dot(diagram), encoding="utf-8")
    readme = ROOT / "README.md"
    readme.write_text(
        readme_with_diagram(readme.read_text(encoding="utf-8"), mermaid), encoding="utf-8"
    )
    try:
        svg = render_svg(diagram)
    except RegistrationFsmError as exc:
        print(f"diagrams: {exc}", file=sys.stderr)
        return 1
    (target / "lifecycle.svg").write_text(svg, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
