"""Reports of an audit for people and pipelines: HTML, JUnit XML and Markdown.

:func:`build_report` turns an :class:`~registration_fsm.audit.AuditReport` and the exports it
read into a renderer-neutral :class:`ReportModel`; each renderer only reads that model.
"""

from __future__ import annotations

from ._html import DETAIL_LIMIT, LANE_LIMIT, render_html
from ._junit import render_junit
from ._markdown import MARKDOWN_ROWS, render_markdown
from ._model import (
    KIND_MEANINGS,
    FindingView,
    PathFigure,
    RegistrationView,
    ReportModel,
    Stamp,
    VersionView,
    build_report,
)

__all__ = [
    "DETAIL_LIMIT",
    "FindingView",
    "KIND_MEANINGS",
    "LANE_LIMIT",
    "MARKDOWN_ROWS",
    "PathFigure",
    "RegistrationView",
    "ReportModel",
    "Stamp",
    "VersionView",
    "build_report",
    "render_html",
    "render_junit",
    "render_markdown",
]
