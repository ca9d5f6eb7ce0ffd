"""The audit as Markdown, for a pull request comment or a CI job summary.

A verdict line, a table of registrations, the findings by kind, and a table of findings
(at most :data:`MARKDOWN_ROWS`, so the text stays within what a comment holds). Every cell
escapes what Markdown or HTML would read as markup, so an export cannot inject either.
"""

from __future__ import annotations

import re

from ._model import KIND_MEANINGS, ReportModel

__all__ = ["MARKDOWN_ROWS", "render_markdown"]

MARKDOWN_ROWS = 100
"""The most findings (and registrations) the tables list; a line says how many more there are."""

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def _cell(value: object) -> str:
    return _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", str(value))).strip() or " "


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def render_markdown(model: ReportModel) -> str:
    """The report as GitHub-flavoured Markdown: a heading, tables, and a note when cut."""
    report = model.report
    mark = "PASS" if model.ok else "FAIL"
    lines = [f"### Registration audit: {mark}", "", _cell(report.summary()), ""]
    if model.errors:
        lines.append(f"**{_plural(len(model.errors), 'input')} could not be read:**")
        lines.append("")
        lines.extend(f"- {_cell(source)}: {_cell(detail)}" for source, detail in model.errors)
        lines.append("")
    lines += ["| registration | status | versions | findings |", "|---|---|---:|---:|"]
    for registration in model.registrations[:MARKDOWN_ROWS]:
        who = registration.registration_id or f"(no RegistrationId) {registration.source}"
        lines.append(
            f"| {_cell(who)} | {_cell(registration.status or 'not exported')} | "
            f"{len(registration.versions):,} | {registration.finding_count:,} |"
        )
    hidden = len(model.registrations) - MARKDOWN_ROWS
    if hidden > 0:
        lines += ["", f"... and {_plural(hidden, 'more registration')}."]
    if model.by_kind:
        lines += ["", "| kind | findings | what it means |", "|---|---:|---|"]
        for kind, count in model.by_kind:
            lines.append(f"| {_cell(kind.value)} | {count:,} | {_cell(KIND_MEANINGS[kind])} |")
        lines += ["", "| registration | version | kind | reason |", "|---|---:|---|---|"]
        for view in model.findings[:MARKDOWN_ROWS]:
            finding = view.finding
            number = "" if finding.version_number is None else str(finding.version_number)
            lines.append(
                f"| {_cell(finding.registration_id or finding.source)} | {number or ' '} | "
                f"{_cell(finding.kind.value)} | {_cell(finding.reason)} |"
            )
        hidden = len(model.findings) - MARKDOWN_ROWS
        if hidden > 0:
            lines += [
                "",
                f"... and {_plural(hidden, 'more finding')}: "
                "`registration-fsm audit --format html` shows them all.",
            ]
    return "\n".join(lines) + "\n"
