"""The README's tables must say what the definition says."""

from __future__ import annotations

from pathlib import Path

from registration_fsm import LIFECYCLE, VersionStatus

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_edge_is_in_the_transitions_table() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| ") and "`" in line]
    for edge in LIFECYCLE.edges:
        row = (
            f"| {edge.source.value} | `{edge.trigger}` | {edge.dest.value} | "
            f"{edge.initiator.value} | {edge.provenance.value} | {edge.note} |"
        )
        assert row in rows, row
    assert sum(1 for line in rows if line.count("|") == 7) == len(LIFECYCLE.edges)


def test_every_status_is_in_the_status_table() -> None:
    for status in VersionStatus:
        assert f"| {status.value} | {'yes' if status.is_core else 'no (added later)'} |" in README
