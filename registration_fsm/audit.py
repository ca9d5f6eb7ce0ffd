"""Audit exported registration histories: did every version take a legal path?

Compliance teams keep what ``aws pinpoint-sms-voice-v2 describe-registration-versions`` (and
``describe-registrations``) print, and must show that no version took an illegal path. This
module checks such exports, one file or many, and reports every version whose history is not a
legal path through the lifecycle, with a precise reason.

A version is flagged when :meth:`Lifecycle.explain <registration_fsm.Lifecycle.explain>` finds
no legal path from DRAFT to its status along its stamps, and also where the stamps contradict
the lifecycle in ways that explain's anchoring lets pass: a stamp at or before DraftTimestamp
for a status that can never precede the current one, a stamp earlier than DraftTimestamp, or a
status without its own stamp. Across versions, a registration may hold one APPROVED version.

Input that cannot be read as an export at all (not a file, too big, not text, not JSON, nested
too deeply, not the shape of either command's output) raises :class:`AuditInputError`; a
malformed version inside a readable export is a MALFORMED finding, so one bad record does not
hide the rest.

The check is built for large exports: a version's verdict depends only on its status and the
order of its stamps, and real exports repeat a handful of orders, so each order is judged once.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from .errors import AuditInputError, InvalidValueError
from .evidence import ProblemKind, judge_new
from .history import EARLIEST, LATEST, STAMPED_STATUSES, StatusHistory, parse_timestamp
from .lifecycle import LIFECYCLE
from .statuses import RegistrationStatus, VersionStatus

__all__ = [
    "AuditReport",
    "Finding",
    "FindingKind",
    "MAX_EXPORT_BYTES",
    "audit_data",
    "audit_files",
    "audit_json",
    "load_export",
]

MAX_EXPORT_BYTES = 64 * 1024 * 1024
"""The largest export file :func:`load_export` reads (64 MiB, about 150,000 versions)."""

_MAX_VERSION = 100_000
_CACHE_SIZE = 4096
_UTC = timezone.utc


class FindingKind(str, enum.Enum):
    """What is wrong with a version or a registration in an export."""

    STAMPS_OUT_OF_ORDER = "stamps_out_of_order"
    """Two stamps in an order no legal path produces (or a stamp later than the status's)."""
    IMPOSSIBLE_PREDECESSOR = "impossible_predecessor"
    """A stamp for a status that can never lead to the version's current status."""
    MISSING_STAMP = "missing_stamp"
    """No DraftTimestamp, or no stamp for a status the version is in or must have passed."""
    ILLEGAL_PATH = "illegal_path"
    """No legal path visits the stamped statuses in the order of their stamps."""
    MULTIPLE_APPROVED = "multiple_approved"
    """More than one APPROVED version in one registration."""
    UNKNOWN_STATUS = "unknown_status"
    """A status this library does not know (AWS may have added it)."""
    UNKNOWN_STAMP = "unknown_stamp"
    """A history key this library does not know: a stamp no legal path explains."""
    DUPLICATE_VERSION = "duplicate_version"
    """The same version number twice, with different contents."""
    REGISTRATION_MISMATCH = "registration_mismatch"
    """A registration's version numbers contradict its versions."""
    MALFORMED = "malformed"
    """A record without the fields or types AWS's model gives it."""
    JOURNAL = "journal"
    """A store's journal that does not hold: an entry edited, removed, reordered or slipped
    in, a move the lifecycle forbids, or a replay ending elsewhere than the stored state."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Finding:
    """One problem in an export: where it is, what kind it is, and why, in words."""

    kind: FindingKind
    reason: str
    source: str
    registration_id: str | None = None
    version_number: int | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.registration_id is not None:
            where.append(self.registration_id)
        if self.version_number is not None:
            where.append(f"version {self.version_number}")
        return f"{': '.join(where)}: {self.kind.value}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        """The finding as a JSON-safe dict."""
        return {
            "source": self.source,
            "registration_id": self.registration_id,
            "version_number": self.version_number,
            "kind": self.kind.value,
            "reason": self.reason,
        }


@attrs.frozen
class AuditReport:
    """The outcome of an audit: every finding, and how much was checked."""

    findings: tuple[Finding, ...]
    versions_checked: int
    registrations_checked: int
    sources: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def summary(self) -> str:
        """One line: how much was checked and how many findings."""

        def count(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        found = count(len(self.findings), "finding") if self.findings else "no findings"
        return (
            f"audited {count(self.versions_checked, 'version')} of "
            f"{count(self.registrations_checked, 'registration')} in "
            f"{count(len(self.sources), 'source')}: {found}"
        )

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-safe dict."""
        return {
            "ok": self.ok,
            "versions_checked": self.versions_checked,
            "registrations_checked": self.registrations_checked,
            "sources": list(self.sources),
            "findings": [f.to_json() for f in self.findings],
        }


# -- judging one order of stamps ---------------------------------------------------------------

_STATUS = {s.value: s for s in VersionStatus}
_KEY_INDEX = {s.history_key: i for i, s in enumerate(STAMPED_STATUSES)}
_KEYS: tuple[str, ...] = tuple(s.history_key or "" for s in STAMPED_STATUSES)
_DRAFT_INDEX = _KEY_INDEX["DraftTimestamp"]
_DRAFT = LIFECYCLE.initial
_APPROVED = VersionStatus.APPROVED
_STATUSES = tuple(VersionStatus)
_CODE = {status: code for code, status in enumerate(_STATUSES, start=1)}
_STAND_IN = EARLIEST
_LOW_YEAR = EARLIEST.year - 1
_HIGH_YEAR = LATEST.year
# Between these years a fixed offset (under a day) cannot carry a stamp out of bounds.
_SAFE_LOW = EARLIEST.year
_SAFE_HIGH = LATEST.year - 1
_Problem = tuple[FindingKind, str]
_VERDICTS: dict[tuple[VersionStatus, tuple[int, ...]], tuple[_Problem, ...]] = {}


def _key(status: VersionStatus) -> str:
    return status.history_key or status.value


_FINDING_OF = {
    ProblemKind.CONTRADICTS_LOCAL: FindingKind.STAMPS_OUT_OF_ORDER,
    ProblemKind.MISSING_STAMP: FindingKind.MISSING_STAMP,
    ProblemKind.IMPOSSIBLE_PREDECESSOR: FindingKind.IMPOSSIBLE_PREDECESSOR,
    ProblemKind.STAMPS_OUT_OF_ORDER: FindingKind.STAMPS_OUT_OF_ORDER,
    ProblemKind.ILLEGAL_PATH: FindingKind.ILLEGAL_PATH,
}


def _placeholder(status: VersionStatus, stamp: datetime) -> str:
    """A stamp in a cached reason: its key, and its value filled in per version."""
    return f"{{{_key(status)}}}"


def _judge(status: VersionStatus, order: tuple[int, ...]) -> tuple[_Problem, ...]:
    """Everything wrong with a version in ``status`` whose stamps fall in ``order``.

    ``order`` lists the indexes (in STAMPED_STATUSES) of the stamped statuses, oldest first;
    an index stored as ``~i`` has the same stamp as the one before it. The verdict is the one
    rule of evidence's (:func:`registration_fsm.evidence.judge_new`), asked with stand-in
    stamps one second apart: it depends only on their order.
    """
    stamps: list[datetime | None] = [None] * len(STAMPED_STATUSES)
    group = -1
    for code in order:
        if code >= 0:
            group += 1
        stamps[code if code >= 0 else ~code] = _STAND_IN + timedelta(seconds=group)
    if stamps[_DRAFT_INDEX] is None:
        return (
            (
                FindingKind.MISSING_STAMP,
                "no DraftTimestamp: every version starts as a DRAFT, and AWS always stamps it",
            ),
        )
    proof = judge_new(status, StatusHistory._from_stamps(tuple(stamps)), show=_placeholder)
    return tuple((_FINDING_OF[p.kind], p.reason) for p in proof.problems)


def _verdict(status: VersionStatus, order: tuple[int, ...]) -> tuple[_Problem, ...]:
    key = (status, order)
    try:
        return _VERDICTS[key]
    except KeyError:
        pass
    verdict = _judge(status, order)
    if len(_VERDICTS) >= _CACHE_SIZE:
        _VERDICTS.clear()
    _VERDICTS[key] = verdict
    return verdict


@attrs.frozen
class _Shape:
    """What the audit knows of every record of one status with one set of history keys whose
    stamps rise strictly in the order ``names`` gives them."""

    status: VersionStatus
    code: int
    names: tuple[str, ...]
    verdict: tuple[_Problem, ...]
    check: Callable[[str, dict[str, Any]], int | None]
    """``check(status_text, history)``: the record's fingerprint if its history has exactly
    these keys, holding strings without NUL that ``datetime.fromisoformat`` reads as aware
    stamps rising strictly in the order of ``names`` within EARLIEST to LATEST; else None."""


_SHAPES: dict[tuple[str, ...], _Shape | None] = {}


def _shape(key: tuple[str, ...]) -> _Shape | None:
    """The shape of a record of status ``key[0]`` with the history keys ``key[1:]``, stamped
    in that order; None if the status or a key is unknown, or there are no keys."""
    status = _STATUS.get(key[0])
    indexes = tuple(_KEY_INDEX.get(name, -1) for name in key[1:])
    shape = None
    if status is not None and indexes and -1 not in indexes:
        names = tuple(_KEYS[i] for i in indexes)
        shape = _Shape(status, _CODE[status], names, _verdict(status, indexes), _checker(names))
    if len(_SHAPES) >= _CACHE_SIZE:
        _SHAPES.clear()
    _SHAPES[key] = shape
    return shape


def _checker(names: tuple[str, ...]) -> Callable[[str, dict[str, Any]], int | None]:
    """The check of a shape with these history keys, compiled: one call per record, the
    stamps read by name, parsed and compared in one chain, the fingerprint hashed inline as
    :func:`_common_fingerprint` hashes it."""
    stamps = [f"s{i}" for i in range(len(names))]
    by_name = "".join(f"s{i}, " for i in sorted(range(len(names)), key=names.__getitem__))
    source = "\n".join(
        [
            "def check(text, history):",
            f"    if len(history) != {len(names)}:",
            "        return None",
            "    try:",
            *(f"        {s} = history[{name!r}]" for s, name in zip(stamps, names)),
            f"        if {' or '.join(f'NUL in {s}' for s in stamps)}:",
            "            return None",
            f"        if low <= {' < '.join(f'parse({s})' for s in stamps)} < high:",
            f"            return hash((text, SORTED, ({by_name})))",
            "    except (KeyError, TypeError, ValueError):",
            "        pass",
            "    return None",
        ]
    )
    scope: dict[str, Any] = {
        "low": EARLIEST,
        "high": LATEST,
        "parse": datetime.fromisoformat,
        "NUL": "\x00",
        "SORTED": tuple(sorted(names)),
    }
    exec(source, scope)  # built from the library's own history keys, never from input
    return scope["check"]  # type: ignore[no-any-return]


def _common_fingerprint(status: object, history: Mapping[Any, Any]) -> int:
    """The fingerprint of a record of exactly a number, a status and a history: its status and
    its history's items in the order of their keys (so key order does not count)."""
    names = sorted(history)
    return hash((status, tuple(names), tuple([history[name] for name in names])))


# -- walking an export ---------------------------------------------------------------------------


@attrs.define
class _Group:
    """What the audit keeps about one registration while it reads the exports."""

    registration_id: str | None
    source: str
    versions: dict[int, int] = attrs.field(factory=dict)
    """Per version number, a fingerprint of its record: a second record of the same number
    with other contents is a duplicate."""
    approved: list[int] = attrs.field(factory=list)
    """The numbers of the APPROVED versions, as read."""
    codes: bytearray = attrs.field(factory=bytearray)
    """Per version number, its status's code (0: not read, or a status the library does not
    know). With ``versions`` holding only fingerprints, an audit keeps a few bytes per
    version rather than the version itself, so pages can be dropped once read."""

    def status(self, number: int) -> VersionStatus | None:
        """The status of version ``number``, if it was read and is one the library knows."""
        code = self.codes[number] if number < len(self.codes) else 0
        return _STATUSES[code - 1] if code else None

    info: Mapping[str, Any] | None = None
    info_source: str = ""


class _Auditor:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.groups: dict[object, _Group] = {}
        self.sources: list[str] = []
        self.checked = 0

    def add(self, data: object, source: str) -> None:
        """Audit one loaded document; AuditInputError if it is not an export."""
        self.add_pages(
            data if isinstance(data, list) else [data], source, listed=isinstance(data, list)
        )

    def add_pages(self, pages: Iterable[object], source: str, *, listed: bool) -> None:
        """Audit a document's pages as they come (the items of its top-level list, if
        ``listed``): a page is not needed once it has been audited."""
        self.sources.append(source)
        for number, page in enumerate(pages):
            where = f"item {number} of the top-level list" if listed else ""
            if not isinstance(page, Mapping):
                raise AuditInputError(
                    source,
                    f"{where or 'the top level'} is {_kind(page)}; expected the JSON object "
                    "that describe-registration-versions or describe-registrations prints",
                )
            if "RegistrationVersions" in page:
                self._versions_page(page, source, where)
            elif "Registrations" in page:
                self._registrations_page(page, source, where)
            else:
                raise AuditInputError(
                    source,
                    f"{where or 'the top-level object'} has neither RegistrationVersions nor "
                    "Registrations: not an export of describe-registration-versions or "
                    "describe-registrations",
                )

    def _group(self, registration_id: str | None, source: str) -> _Group:
        key: object = registration_id if registration_id is not None else (None, source)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group(registration_id, source)
        return group

    def _versions_page(self, page: Mapping[str, Any], source: str, where: str) -> None:
        items = page["RegistrationVersions"]
        if not isinstance(items, list):
            raise AuditInputError(
                source,
                f"RegistrationVersions {('in ' + where) if where else ''} is {_kind(items)}, "
                "not a list",
            )
        rid = page.get("RegistrationId")
        if rid is not None and not isinstance(rid, str):
            raise AuditInputError(source, f"RegistrationId is {_kind(rid)}, not a string")
        self._audit_versions(items, self._group(rid, source), source)

    def _audit_versions(self, items: list[Any], group: _Group, source: str) -> None:
        # The hot loop: everything common is inline; anything unusual goes to _slow().
        findings = self.findings
        known = group.versions
        approved = group.approved
        codes = group.codes
        code_of = _CODE
        rid = group.registration_id
        fromiso = datetime.fromisoformat
        low, high = EARLIEST, LATEST
        status_of = _STATUS.get
        index_of = _KEY_INDEX.get
        verdicts = _VERDICTS
        shapes = _SHAPES
        guesses: dict[str, _Shape] = {}
        checked = 0
        for position, item in enumerate(items):
            parsed = None
            if item.__class__ is dict:
                number = item.get("VersionNumber")
                text = item.get("RegistrationVersionStatus")
                history = item.get("RegistrationVersionStatusHistory")
                # The common record: string stamps rising strictly in the order of their keys,
                # all in range. Its verdict is cached with its shape, so no sort, no order.
                # Anything else (a tie, another order, a None, a datetime, a bad stamp) takes
                # the general path below, which accepts every record this one does, alike.
                if (
                    number.__class__ is int
                    and 0 < number <= _MAX_VERSION
                    and text.__class__ is str
                    and history.__class__ is dict
                ):
                    shape = guesses.get(text)
                    mark = shape.check(text, history) if shape is not None else None
                    if mark is None:
                        key = (text, *history)
                        try:
                            shape = shapes[key]
                        except KeyError:
                            shape = _shape(key)
                        if shape is not None:
                            mark = shape.check(text, history)
                            if mark is not None:
                                guesses[text] = shape
                    if mark is not None and shape is not None:
                        if len(item) != 3:
                            mark = _fingerprint(item)
                        seen = known.get(number)
                        if seen is not None:
                            if seen != mark:
                                findings.append(_duplicate(number, position, source, rid))
                            continue
                        known[number] = mark
                        if number >= len(codes):
                            _grow(codes, number)
                        codes[number] = shape.code
                        if shape.status is _APPROVED:
                            approved.append(number)
                        checked += 1
                        if shape.verdict:
                            shown = {
                                name: fromiso(stamp).isoformat() for name, stamp in history.items()
                            }
                            for kind, reason in shape.verdict:
                                findings.append(
                                    Finding(
                                        kind,
                                        reason.format_map(_Missing(shown)),
                                        source,
                                        rid,
                                        number,
                                    )
                                )
                        continue
                status = status_of(text) if text.__class__ is str else None
                if (
                    number.__class__ is int
                    and 0 < number <= _MAX_VERSION
                    and status is not None
                    and history.__class__ is dict
                ):
                    pairs = []
                    for key, value in history.items():
                        index = index_of(key)
                        if index is None:
                            break
                        if value is None:
                            continue
                        if value.__class__ is str:
                            if "\x00" in value:
                                break
                            try:
                                stamp = fromiso(value)
                            except ValueError:
                                break
                            # Only fixed offsets pass; the year is checked before anything
                            # converts to UTC, which overflows at the ends of the calendar.
                            year = stamp.year
                            if stamp.tzinfo.__class__ is not timezone or not (
                                _SAFE_LOW < year < _SAFE_HIGH
                                or (_LOW_YEAR <= year <= _HIGH_YEAR and low <= stamp < high)
                            ):
                                break
                        elif (
                            value.__class__ is datetime
                            and value.tzinfo.__class__ is timezone
                            and _LOW_YEAR <= value.year <= _HIGH_YEAR
                            and low <= value < high
                        ):
                            stamp = value
                        else:
                            break
                        pairs.append((stamp, index))
                    else:
                        parsed = (number, status, pairs)
                        fingerprint = (
                            _common_fingerprint(text, history)
                            if len(item) == 3
                            else _fingerprint(item)
                        )
            if parsed is None:
                parsed = self._slow(item, position, group, source)
                if parsed is None:
                    continue
                fingerprint = _fingerprint(item)
            number, status, pairs = parsed
            seen = known.get(number)
            if seen is not None:
                if seen != fingerprint:
                    findings.append(_duplicate(number, position, source, rid))
                continue
            known[number] = fingerprint
            if number >= len(codes):
                _grow(codes, number)
            codes[number] = code_of[status]
            if status is _APPROVED:
                approved.append(number)
            checked += 1
            pairs.sort()
            previous = None
            order = []
            for stamp, index in pairs:
                order.append(index if stamp != previous else ~index)
                previous = stamp
            key = (status, tuple(order))
            verdict = verdicts.get(key)
            if verdict is None:
                verdict = _verdict(status, key[1])
            if verdict:
                shown = {_KEYS[i]: s.isoformat() for s, i in pairs}
                for kind, reason in verdict:
                    findings.append(
                        Finding(kind, reason.format_map(_Missing(shown)), source, rid, number)
                    )
        self.checked += checked

    def _slow(
        self, item: object, position: int, group: _Group, source: str
    ) -> tuple[int, VersionStatus, list[tuple[datetime, int]]] | None:
        """Parse a version the fast path did not take, or record why it cannot be checked."""
        rid = group.registration_id

        def malformed(reason: str, number: int | None = None) -> None:
            self.findings.append(
                Finding(
                    FindingKind.MALFORMED,
                    f"item {position} of RegistrationVersions: {reason}",
                    source,
                    rid,
                    number,
                )
            )

        if not isinstance(item, Mapping):
            malformed(f"{_kind(item)}, not an object")
            return None
        number = item.get("VersionNumber")
        if isinstance(number, bool) or not isinstance(number, int):
            shown = "missing" if "VersionNumber" not in item else f"{number!r}"
            malformed(f"VersionNumber is {shown}, not an integer from 1 to 100000")
            return None
        if not 0 < number <= _MAX_VERSION:
            malformed(f"VersionNumber {number} is outside 1 to 100000")
            return None
        text = item.get("RegistrationVersionStatus")
        if not isinstance(text, str):
            shown = "missing" if "RegistrationVersionStatus" not in item else _kind(text)
            malformed(f"RegistrationVersionStatus is {shown}, not a string", number)
            return None
        status = _STATUS.get(text)
        if status is None:
            fingerprint = _fingerprint(item)
            if number in group.versions:
                if group.versions[number] != fingerprint:
                    self.findings.append(
                        Finding(
                            FindingKind.DUPLICATE_VERSION,
                            f"version {number} appears twice with different contents",
                            source,
                            rid,
                            number,
                        )
                    )
                return None
            group.versions[number] = fingerprint  # its code stays 0, as for a number not read
            self.findings.append(
                Finding(
                    FindingKind.UNKNOWN_STATUS,
                    f"status {text!r} is not one this library knows; if AWS added it, "
                    "upgrade registration_fsm",
                    source,
                    rid,
                    number,
                )
            )
            self.checked += 1
            return None
        history = item.get("RegistrationVersionStatusHistory")
        if not isinstance(history, Mapping):
            shown = "missing" if "RegistrationVersionStatusHistory" not in item else _kind(history)
            malformed(f"RegistrationVersionStatusHistory is {shown}, not an object", number)
            return None
        pairs: list[tuple[datetime, int]] = []
        for key, value in history.items():
            index = _KEY_INDEX.get(key) if isinstance(key, str) else None
            if index is None:
                self.findings.append(
                    Finding(
                        FindingKind.UNKNOWN_STAMP,
                        f"history key {key!r} is not one this library knows: a stamp no "
                        "legal path explains (if AWS added a status, upgrade registration_fsm)",
                        source,
                        rid,
                        number,
                    )
                )
                continue
            if value is None:
                continue
            try:
                pairs.append((parse_timestamp(value, field=key), index))
            except InvalidValueError as error:
                detail = getattr(error, "reason", str(error))
                malformed(f"{key} {value!r} is not a timestamp: {detail}", number)
                return None
        return number, status, pairs

    def _registrations_page(self, page: Mapping[str, Any], source: str, where: str) -> None:
        items = page["Registrations"]
        if not isinstance(items, list):
            raise AuditInputError(
                source,
                f"Registrations {('in ' + where) if where else ''} is {_kind(items)}, not a list",
            )
        for position, item in enumerate(items):
            rid = item.get("RegistrationId") if isinstance(item, Mapping) else None
            if not isinstance(rid, str):
                self.findings.append(
                    Finding(
                        FindingKind.MALFORMED,
                        f"item {position} of Registrations has no RegistrationId string",
                        source,
                    )
                )
                continue
            group = self._group(rid, source)
            if group.info is None:
                group.info, group.info_source = item, source

    def _check_registration(self, group: _Group) -> None:
        info, source, rid = group.info, group.info_source, group.registration_id
        if info is None:
            return

        def found(kind: FindingKind, reason: str, number: int | None = None) -> None:
            self.findings.append(Finding(kind, reason, source, rid, number))

        status = info.get("RegistrationStatus")
        if not isinstance(status, str):
            found(FindingKind.MALFORMED, f"RegistrationStatus is {_kind(status)}, not a string")
        elif status not in RegistrationStatus.__members__:
            found(
                FindingKind.UNKNOWN_STATUS,
                f"registration status {status!r} is not one this library knows; if AWS added "
                "it, upgrade registration_fsm",
            )
        numbers: dict[str, int | None] = {}
        for key in ("CurrentVersionNumber", "ApprovedVersionNumber", "LatestDeniedVersionNumber"):
            value = info.get(key)
            if value is None and key != "CurrentVersionNumber":
                numbers[key] = None
            elif isinstance(value, bool) or not isinstance(value, int):
                shown = "missing" if value is None else repr(value)
                found(FindingKind.MALFORMED, f"{key} is {shown}, not an integer")
                return
            elif not 0 < value <= _MAX_VERSION:
                found(FindingKind.MALFORMED, f"{key} {value} is outside 1 to 100000")
                return
            else:
                numbers[key] = value
        current = numbers["CurrentVersionNumber"]
        assert current is not None
        approved = numbers["ApprovedVersionNumber"]
        denied = numbers["LatestDeniedVersionNumber"]
        for key, value in (
            ("ApprovedVersionNumber", approved),
            ("LatestDeniedVersionNumber", denied),
        ):
            if value is not None and value > current:
                found(
                    FindingKind.REGISTRATION_MISMATCH,
                    f"{key} {value} is newer than CurrentVersionNumber {current}",
                    value,
                )
        if approved is not None and approved == denied:
            found(
                FindingKind.REGISTRATION_MISMATCH,
                f"version {approved} is both ApprovedVersionNumber and LatestDeniedVersionNumber",
                approved,
            )
        for number in sorted(n for n in group.versions if group.status(n) is not None):
            if number > current:
                found(
                    FindingKind.REGISTRATION_MISMATCH,
                    f"version {number} is listed, but CurrentVersionNumber is {current}",
                    number,
                )
        named_approved = group.status(approved) if approved is not None else None
        if named_approved in _NEVER_APPROVED:
            found(
                FindingKind.REGISTRATION_MISMATCH,
                f"ApprovedVersionNumber is {approved}, but version {approved} is "
                f"{named_approved.value}, which is never an approved version",
                approved,
            )
        named_denied = group.status(denied) if denied is not None else None
        if named_denied is not None and named_denied is not _DENIED:
            found(
                FindingKind.REGISTRATION_MISMATCH,
                f"LatestDeniedVersionNumber is {denied}, but version {denied} is "
                f"{named_denied.value}, not DENIED",
                denied,
            )

    def report(self) -> AuditReport:
        for group in self.groups.values():
            approved = sorted(group.approved)
            for number in approved[:-1]:
                others = [str(n) for n in approved if n != number]
                named = (
                    f"version {others[0]}"
                    if len(others) == 1
                    else f"versions {', '.join(others[:-1])} and {others[-1]}"
                )
                self.findings.append(
                    Finding(
                        FindingKind.MULTIPLE_APPROVED,
                        f"APPROVED, and so is {named}: a registration has at most "
                        "one APPROVED version (approving a newer one archives the older)",
                        group.source,
                        group.registration_id,
                        number,
                    )
                )
            self._check_registration(group)
        return AuditReport(
            findings=tuple(self.findings),
            versions_checked=self.checked,
            registrations_checked=len(self.groups),
            sources=tuple(self.sources),
        )


_DENIED = VersionStatus.DENIED
_NEVER_APPROVED = frozenset(VersionStatus) - {
    VersionStatus.APPROVED,
    VersionStatus.ARCHIVED,
    VersionStatus.REVOKED,
}


def _grow(codes: bytearray, number: int) -> None:
    """Make room for version ``number``, doubling: a run of rising numbers rarely extends."""
    codes.extend(bytes(min(max(number + 1, 2 * len(codes)), _MAX_VERSION + 1) - len(codes)))


def _duplicate(number: int, position: int, source: str, rid: str | None) -> Finding:
    return Finding(
        FindingKind.DUPLICATE_VERSION,
        f"version {number} appears twice with different contents "
        f"(item {position} of RegistrationVersions differs from the first)",
        source,
        rid,
        number,
    )


def _fingerprint(item: object) -> int:
    """A hash of a version record's contents, equal for equal records (key order aside).

    The common shape (number, status, history) is hashed as the audit's hot loop hashes it.
    """
    if isinstance(item, Mapping) and len(item) == 3:
        history = item.get("RegistrationVersionStatusHistory")
        if (
            isinstance(history, Mapping)
            and "VersionNumber" in item
            and "RegistrationVersionStatus" in item
        ):
            try:
                return _common_fingerprint(item["RegistrationVersionStatus"], history)
            except Exception:  # an odd value (a tzinfo that raises): fall through
                pass
    try:
        return hash(_frozen(item))
    except Exception:  # hashing a user's datetime asks its tzinfo, which may raise anything
        return hash(("repr", repr(item)))


def _frozen(value: object) -> object:
    if isinstance(value, Mapping):
        return ("map", frozenset((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(_frozen(v) for v in value))
    try:
        hash(value)
    except Exception:  # unhashable, or a datetime whose tzinfo raises
        return ("repr", repr(value))
    return value


class _Missing(dict[str, str]):
    """Format values for a reason; a stamp the version lacks shows as 'none'."""

    def __missing__(self, key: str) -> str:
        return "none"


def _kind(value: object) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }
    return names.get(type(value), f"a {type(value).__name__}")


# -- entry points --------------------------------------------------------------------------------


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector while an export is read and audited.

    Parsing and auditing make millions of containers and no cycles: at 10^6 versions the
    collector's passes over them cost about as much as the audit itself, for nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def audit_data(data: object, *, source: str = "<data>") -> AuditReport:
    """Audit an export already loaded (from JSON, or as boto3 returned it).

    ``data`` is the output of describe-registration-versions or describe-registrations (a
    dict), or a list of such outputs (for example every page). Raises AuditInputError if it is
    neither.
    """
    with _no_cycle_collection():
        auditor = _Auditor()
        auditor.add(data, source)
        return auditor.report()


def audit_files(
    paths: Iterable[str | os.PathLike[str]], *, max_bytes: int = MAX_EXPORT_BYTES
) -> AuditReport:
    """Audit export files together (pages of one registration may sit in different files).

    Raises AuditInputError for the first file that cannot be read as an export.
    """
    with _no_cycle_collection():
        auditor = _Auditor()
        for path in paths:
            auditor.add(load_export(path, max_bytes=max_bytes), os.fspath(path))
        return auditor.report()


def audit_json(text: str | bytes, *, source: str = "<json>") -> AuditReport:
    """Audit an export given as JSON text, as the AWS CLI printed it.

    Text that cannot be read (not JSON, bad encoding, nested too deeply, not an export)
    raises AuditInputError, as :func:`load_export` does for a file.
    """
    with _no_cycle_collection():
        if isinstance(text, (bytes, bytearray)):
            text = _decode(bytes(text), source)
        elif not isinstance(text, str):
            raise AuditInputError(source, f"expected JSON text, got {type(text).__name__}")
        auditor = _Auditor()
        start = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
        if text.startswith("[", start):
            # A list of pages is read one page at a time, each dropped once audited: the
            # audit then holds one page and a few bytes per version, not the whole export.
            auditor.add_pages(_list_items(text, start, source), source, listed=True)
        else:
            auditor.add(_loads(text, source), source)
        return auditor.report()


def _audit_loaded(documents: Sequence[tuple[str, object]]) -> AuditReport:
    with _no_cycle_collection():
        auditor = _Auditor()
        for source, data in documents:
            auditor.add(data, source)
        return auditor.report()


def load_export(path: str | os.PathLike[str], *, max_bytes: int = MAX_EXPORT_BYTES) -> object:
    """Read and parse one export file; AuditInputError says why it cannot be read.

    The file must be a regular file (not a FIFO or a device) of at most ``max_bytes``,
    UTF-8 (or UTF-16/32 with a byte order mark, as some shells write) and JSON nested at
    most 100 levels deep with no integer longer than 4,300 digits.
    """
    from ._input import load_json

    return load_json(path, max_bytes=max_bytes)


def _list_items(text: str, start: int, source: str) -> Iterator[object]:
    """The items of the JSON list at ``text[start]``, parsed one by one, as json.loads would
    (within the same nesting and digit limits)."""
    from ._input import check_depth, json_decoder

    check_depth(text, source)
    decode = json_decoder().raw_decode
    index = _WHITESPACE.match(text, start + 1).end()  # type: ignore[union-attr]
    if text.startswith("]", index):
        index += 1
    else:
        while True:
            with _json_errors(source):
                item, index = decode(text, index)
            yield item
            index = _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]
            if text.startswith(",", index):
                index = _WHITESPACE.match(text, index + 1).end()  # type: ignore[union-attr]
                continue
            if text.startswith("]", index):
                index += 1
                break
            _loads(text, source)  # names the error as json.loads does
            raise AuditInputError(source, "not JSON")
    if _WHITESPACE.match(text, index).end() != len(text):  # type: ignore[union-attr]
        _loads(text, source)
        raise AuditInputError(source, "not JSON: extra data after the list")


def _decode(raw: bytes, source: str) -> str:
    from ._input import decode_text

    return decode_text(raw, source)


def _loads(text: str, source: str) -> object:
    from ._input import parse_json_text

    return parse_json_text(text, source)


def _json_errors(source: str) -> contextlib.AbstractContextManager[None]:
    """JSON the audit cannot read, as the AuditInputError that says why."""
    from ._input import json_errors

    return json_errors(source)


_WHITESPACE = re.compile(r"[ \t\n\r]*")
