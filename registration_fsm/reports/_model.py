"""What a report shows, independent of how it is drawn: registrations, versions, findings.

The audit's :class:`~registration_fsm.audit.AuditReport` says what is wrong; a report also
needs what was there (each version's status and stamps), so :func:`build_report` walks the
parsed exports the audit read and files every finding under the version it concerns. Each
version gets a :class:`PathFigure`: the lifecycle with the version's path lit and what its
findings blame marked. Versions whose status, order of stamps and marks agree share one
figure, so a large export draws a handful of figures, not one per version.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import attrs

from ..audit import AuditReport, Finding, FindingKind
from ..diagrams import Diagram, VersionPath, lifecycle_diagram, path_diagram
from ..history import STAMPED_STATUSES, StatusHistory, parse_timestamp
from ..lifecycle import LIFECYCLE
from ..statuses import VersionStatus

__all__ = [
    "FindingView",
    "KIND_MEANINGS",
    "PathFigure",
    "RegistrationView",
    "ReportModel",
    "Stamp",
    "VersionView",
    "build_report",
]

_STATUS = {s.value: s for s in VersionStatus}
_KEY_INDEX = {s.history_key: i for i, s in enumerate(STAMPED_STATUSES)}
_KEY_STATUS = {s.history_key: s for s in STAMPED_STATUSES}
_STAMPED = STAMPED_STATUSES
_KEYS = tuple(s.history_key or "" for s in STAMPED_STATUSES)
_KEY_PATTERN = re.compile(r"\b([A-Z][A-Za-z]*Timestamp)\b")
_REACH = {s: LIFECYCLE.reachable_from(s) for s in VersionStatus}
_DRAFT = LIFECYCLE.initial


def _maker(index: int) -> Any:
    status, key = STAMPED_STATUSES[index], _KEYS[index]
    return lambda at: Stamp(status, key, at, False)


_CLEAN = tuple(_maker(i) for i in range(len(STAMPED_STATUSES)))
# Findings that blame the version's status itself rather than one of its stamps.
_BLAME_STATUS = frozenset({FindingKind.MULTIPLE_APPROVED, FindingKind.REGISTRATION_MISMATCH})


class Stamp(NamedTuple):
    """One stamp of a version's history; ``flagged`` when a finding blames it.

    A tuple, not an attrs class: a report makes one per stamp of every version.
    """

    status: VersionStatus
    key: str
    at: datetime
    flagged: bool = False


@attrs.frozen
class FindingView:
    """A finding with its place in the report: its own anchor and the version it concerns."""

    finding: Finding
    anchor: str
    target: str | None
    """The anchor of the version (or registration) the finding concerns; None if not shown."""


@attrs.frozen
class PathFigure:
    """A version's path drawn over the lifecycle, with what its findings blame marked.

    ``diagram`` is :func:`~registration_fsm.diagrams.path_diagram` when a legal path fits the
    stamps; otherwise the bare lifecycle, with the stamped statuses in ``stamped`` and the
    order the stamps claim in ``claimed``.
    """

    anchor: str
    diagram: Diagram
    status: VersionStatus
    legal: bool
    stamped: frozenset[VersionStatus]
    flagged: frozenset[VersionStatus]
    """Statuses whose stamp a finding blames (or the status itself, for registration-level
    contradictions)."""
    missing: frozenset[VersionStatus]
    """Statuses that should have a stamp and have none."""
    claimed: tuple[tuple[VersionStatus, VersionStatus], ...]
    """Consecutive stamps (oldest first) that no legal path visits in that order."""
    versions: int = 0


class VersionView(NamedTuple):
    """One version as a report shows it (a tuple: a report makes one per version)."""

    anchor: str
    number: int | None
    status_text: str
    status: VersionStatus | None
    stamps: tuple[Stamp, ...]
    """Oldest first."""
    findings: tuple[FindingView, ...]
    figure: str | None
    """The anchor of its PathFigure; None for a version whose status is unknown."""

    @property
    def ok(self) -> bool:
        return not self.findings


@attrs.frozen
class RegistrationView:
    """One registration: its record (if describe-registrations was given) and its versions."""

    anchor: str
    registration_id: str | None
    source: str
    status: str | None
    """RegistrationStatus from describe-registrations; None when no record was exported."""
    versions: tuple[VersionView, ...]
    """By version number."""
    findings: tuple[FindingView, ...]
    """Findings about the registration that name no version shown here."""

    @property
    def finding_count(self) -> int:
        return len(self.findings) + sum(len(v.findings) for v in self.versions)


@attrs.frozen
class ReportModel:
    """Everything a renderer draws, in the order it is drawn."""

    report: AuditReport
    registrations: tuple[RegistrationView, ...]
    findings: tuple[FindingView, ...]
    figures: Mapping[str, PathFigure]
    errors: tuple[tuple[str, str], ...]
    """(source, what is wrong) for each input that could not be read at all."""

    @property
    def by_kind(self) -> tuple[tuple[FindingKind, int], ...]:
        """Every kind with its number of findings, most frequent first, then in enum order."""
        counts = dict.fromkeys(FindingKind, 0)
        for view in self.findings:
            counts[view.finding.kind] += 1
        order = list(FindingKind)
        return tuple(
            sorted(
                ((k, n) for k, n in counts.items() if n), key=lambda p: (-p[1], order.index(p[0]))
            )
        )

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.errors


@attrs.define
class _Group:
    anchor: str
    registration_id: str | None
    source: str
    status: str | None = None
    items: dict[int, tuple[str, Any, list[tuple[datetime, int]]]] = attrs.field(factory=dict)


def _group_key(registration_id: str | None, source: str) -> object:
    return registration_id if registration_id is not None else (None, source)


def _pages(data: object) -> Iterable[Mapping[str, Any]]:
    for page in data if isinstance(data, list) else [data]:
        if isinstance(page, Mapping):
            yield page


def _stamps_of(history: object) -> list[tuple[datetime, int]]:
    """The readable stamps of a history, unsorted; unreadable ones are left to the audit."""
    pairs: list[tuple[datetime, int]] = []
    if not isinstance(history, Mapping):
        return pairs
    fromiso = datetime.fromisoformat
    for key, value in history.items():
        index = _KEY_INDEX.get(key) if isinstance(key, str) else None
        if index is None or value is None:
            continue
        stamp: datetime | None = None
        if value.__class__ is str:
            try:
                stamp = fromiso(value)
            except ValueError:
                stamp = None
            if stamp is not None and stamp.tzinfo is None:
                stamp = None
        if stamp is None:
            try:
                stamp = parse_timestamp(value, field=key)
            except Exception:  # an unreadable stamp is already a MALFORMED finding
                continue
        pairs.append((stamp, index))
    return pairs


class _Builder:
    def __init__(self, report: AuditReport) -> None:
        self.report = report
        self.groups: dict[object, _Group] = {}
        self.figures: dict[object, PathFigure] = {}
        self.uses: dict[str, int] = {}

    def group(self, registration_id: str | None, source: str) -> _Group:
        key = _group_key(registration_id, source)
        found = self.groups.get(key)
        if found is None:
            found = self.groups[key] = _Group(f"r{len(self.groups) + 1}", registration_id, source)
        return found

    def add(self, data: object, source: str) -> None:
        for page in _pages(data):
            if "RegistrationVersions" in page:
                rid = page.get("RegistrationId")
                items = page["RegistrationVersions"]
                if not isinstance(items, list) or not (rid is None or isinstance(rid, str)):
                    continue
                group = self.group(rid, source)
                for item in items:
                    if not isinstance(item, Mapping):
                        continue
                    number = item.get("VersionNumber")
                    if number.__class__ is not int or number in group.items:
                        continue
                    text = item.get("RegistrationVersionStatus")
                    shown = text if isinstance(text, str) else "(none)"
                    history = item.get("RegistrationVersionStatusHistory")
                    group.items[number] = (shown, item, _stamps_of(history))
            elif "Registrations" in page and isinstance(page["Registrations"], list):
                for item in page["Registrations"]:
                    rid = item.get("RegistrationId") if isinstance(item, Mapping) else None
                    if isinstance(rid, str):
                        group = self.group(rid, source)
                        if group.status is None:
                            status = item.get("RegistrationStatus")
                            group.status = status if isinstance(status, str) else "(none)"

    def build(self, errors: Sequence[tuple[str, str]]) -> ReportModel:
        by_version: dict[tuple[object, int | None], list[Finding]] = {}
        for finding in self.report.findings:
            place = (_group_key(finding.registration_id, finding.source), finding.version_number)
            by_version.setdefault(place, []).append(finding)
        for finding in self.report.findings:  # a registration named only in findings
            if finding.registration_id is not None:
                self.group(finding.registration_id, finding.source)
        views: dict[int, FindingView] = {}
        counter = iter(range(1, len(self.report.findings) + 1))

        def view(finding: Finding, target: str | None) -> FindingView:
            made = FindingView(finding, f"f{next(counter)}", target)
            views[id(finding)] = made
            return made

        shown: dict[object, list[VersionView]] = {}
        for key, group in self.groups.items():
            versions = shown[key] = []
            for number in sorted(group.items):
                text, _item, pairs = group.items[number]
                found = by_version.pop((key, number), [])
                anchor = f"{group.anchor}v{number}"
                versions.append(self.version(anchor, number, text, pairs, found, view))
        # Left: findings about a registration's record, or a version number none shows.
        rest: dict[object, list[Finding]] = {}
        for (key, _number), found in list(by_version.items()):
            if key in self.groups:
                rest.setdefault(key, []).extend(found)
                del by_version[(key, _number)]
        registrations = [
            RegistrationView(
                group.anchor,
                group.registration_id,
                group.source,
                group.status,
                tuple(shown[key]),
                tuple(view(f, group.anchor) for f in rest.get(key, [])),
            )
            for key, group in self.groups.items()
        ]
        for found in by_version.values():  # findings about no registration (a bad record)
            for finding in found:
                view(finding, None)
        findings = tuple(views[id(f)] for f in self.report.findings)
        figures = {
            figure.anchor: attrs.evolve(figure, versions=self.uses.get(figure.anchor, 0))
            for figure in self.figures.values()
        }
        return ReportModel(self.report, tuple(registrations), findings, figures, tuple(errors))

    def version(
        self,
        anchor: str,
        number: int,
        text: str,
        pairs: list[tuple[datetime, int]],
        found: list[Finding],
        view: Any,
    ) -> VersionView:
        pairs.sort()
        status = _STATUS.get(text)
        findings = tuple(view(f, anchor) for f in found)
        flagged, missing = _blamed(status, pairs, found) if found else (frozenset(), frozenset())
        if flagged:
            stamps = tuple(
                Stamp(_STAMPED[i], _KEYS[i], at, _STAMPED[i] in flagged) for at, i in pairs
            )
        else:
            stamps = tuple([_CLEAN[i](at) for at, i in pairs])
        figure = None
        if status is not None:
            figure = self.figure(status, pairs, flagged, missing, bool(found)).anchor
        return VersionView(anchor, number, text, status, stamps, findings, figure)

    def figure(
        self,
        status: VersionStatus,
        pairs: list[tuple[datetime, int]],
        flagged: frozenset[VersionStatus],
        missing: frozenset[VersionStatus],
        any_findings: bool,
    ) -> PathFigure:
        order: list[int] = []
        previous = None
        for at, index in pairs:
            order.append(index if at != previous else ~index)
            previous = at
        key = (status, tuple(order), flagged, missing, any_findings)
        known = self.figures.get(key)
        if known is None:
            known = self.figures[key] = _figure(
                f"p{len(self.figures) + 1}", status, pairs, flagged, missing
            )
        self.uses[known.anchor] = self.uses.get(known.anchor, 0) + 1
        return known


def _blamed(
    status: VersionStatus | None, pairs: list[tuple[datetime, int]], found: list[Finding]
) -> tuple[frozenset[VersionStatus], frozenset[VersionStatus]]:
    """The statuses whose stamps the findings blame, and those they say lack a stamp."""
    present = {STAMPED_STATUSES[i] for _, i in pairs}
    flagged: set[VersionStatus] = set()
    missing: set[VersionStatus] = set()
    for finding in found:
        if finding.kind in _BLAME_STATUS and status is not None:
            flagged.add(status)
            continue
        for key in _KEY_PATTERN.findall(finding.reason):
            named = _KEY_STATUS.get(key)
            if named is None:
                continue
            (flagged if named in present else missing).add(named)
        if finding.kind is FindingKind.ILLEGAL_PATH:
            flagged.update(present - {_DRAFT})
    return frozenset(flagged), frozenset(missing)


def _figure(
    anchor: str,
    status: VersionStatus,
    pairs: list[tuple[datetime, int]],
    flagged: frozenset[VersionStatus],
    missing: frozenset[VersionStatus],
) -> PathFigure:
    stamps: list[datetime | None] = [None] * len(STAMPED_STATUSES)
    for at, index in pairs:
        stamps[index] = at
    stamped = frozenset(STAMPED_STATUSES[i] for _, i in pairs)
    diagram: Diagram | None = None
    if stamps[0] is not None and status in _REACH[_DRAFT]:
        history = StatusHistory._from_stamps(tuple(stamps))
        if LIFECYCLE.explain(_DRAFT, status, history) is not None:
            diagram = path_diagram(VersionPath.from_history(status, history))
    legal = diagram is not None
    claimed: list[tuple[VersionStatus, VersionStatus]] = []
    if diagram is None:
        diagram = lifecycle_diagram()
        order = [STAMPED_STATUSES[i] for _, i in pairs]
        if not flagged and not missing:
            flagged = stamped - {_DRAFT}
        for first, second in itertools.pairwise(order):
            if second not in _REACH[first] or first in flagged or second in flagged:
                claimed.append((first, second))
        if order and order[-1] is not status and (order[-1], status) not in claimed:
            claimed.append((order[-1], status))
    return PathFigure(
        anchor, diagram, status, legal, stamped, flagged, missing, tuple(claimed), versions=0
    )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector while a report makes its many small objects.

    A report of a large export makes a few objects per stamp, none of them in a cycle; the
    collector would scan them again and again as they pile up, for nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_report(
    report: AuditReport,
    documents: Iterable[tuple[str, object]],
    *,
    errors: Sequence[tuple[str, str]] = (),
) -> ReportModel:
    """The model of a report: ``report`` is the audit of ``documents``, (source, parsed JSON)
    pairs as :func:`~registration_fsm.audit.load_export` returned them; ``errors`` lists the
    inputs that could not be read, as (source, reason)."""
    with collector_paused():
        builder = _Builder(report)
        for source, data in documents:
            builder.add(data, source)
        return builder.build(errors)


KIND_MEANINGS: Mapping[FindingKind, str] = {
    FindingKind.STAMPS_OUT_OF_ORDER: "two stamps in an order no legal path produces, a stamp "
    "earlier than DraftTimestamp, or a stamp later than the current status's own",
    FindingKind.IMPOSSIBLE_PREDECESSOR: "a stamp for a status that can never lead to the "
    "current status",
    FindingKind.MISSING_STAMP: "no DraftTimestamp, or no stamp for a status the version is in "
    "or must have passed",
    FindingKind.ILLEGAL_PATH: "no legal path visits the stamped statuses in the order of their "
    "stamps",
    FindingKind.MULTIPLE_APPROVED: "a registration with more than one APPROVED version",
    FindingKind.UNKNOWN_STATUS: "a version or registration status this library does not know",
    FindingKind.UNKNOWN_STAMP: "a history key this library does not know: a stamp no legal "
    "path explains",
    FindingKind.DUPLICATE_VERSION: "the same version twice, with different contents",
    FindingKind.REGISTRATION_MISMATCH: "describe-registrations contradicts the versions",
    FindingKind.MALFORMED: "a record without the fields or types of AWS's model",
    FindingKind.JOURNAL: "a store's journal that does not hold: an entry edited, removed, "
    "reordered or slipped in, a forbidden move, or a replay ending elsewhere than the store",
}
"""What each kind of finding means, in a few words, for the summary of a report."""
