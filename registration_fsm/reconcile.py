"""What reconciling a registration with the service changed, and what it found odd.

:meth:`Registration.reconcile <registration_fsm.Registration.reconcile>` returns a
:class:`ReconcileReport`. In strict mode (the default) an illegal remote move raises and
nothing changes, so the report only lists changes; in lenient mode the remote state is adopted
anyway and each oddity is recorded as an :class:`Anomaly` the caller can read.
"""

from __future__ import annotations

import enum
import operator
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

from .errors import MalformedDataError, RegistrationFsmError, UnknownHistoryKey, UnknownStatusError
from .history import _KEY_TO_INDEX, _MAX_TEXT, StatusHistory, parse_timestamp
from .lifecycle import Edge
from .statuses import VersionStatus
from .values import VersionInfo, validate_registration_arn, validate_registration_id

if TYPE_CHECKING:
    from .version import RegistrationVersion

__all__ = ["Anomaly", "AnomalyKind", "ReconcileReport", "VersionChange"]


class AnomalyKind(str, enum.Enum):
    """What kind of oddity a lenient reconcile adopted or skipped."""

    ILLEGAL_TRANSITION = "illegal_transition"
    """No legal path leads from the local status to the remote one along the remote stamps."""
    UNKNOWN_STATUS = "unknown_status"
    """The service reports a status this library does not know; that version was skipped."""
    UNKNOWN_STAMP = "unknown_stamp"
    """The remote history has a key this library does not know; that version was skipped."""
    UNREPRESENTABLE_STATE = "unrepresentable_state"
    """The remote status is not its latest stamp: no version can hold it; not adopted."""
    MULTIPLE_APPROVED = "multiple_approved"
    """After the reconcile, more than one version is APPROVED."""
    OLDER_VERSION_IN_FLIGHT = "older_version_in_flight"
    """After the reconcile, a version other than the latest is neither APPROVED nor finished."""
    DRAFTED_TOO_EARLY = "drafted_too_early"
    """After the reconcile, a version was drafted before the version before it settled."""
    LOCAL_ONLY_VERSION = "local_only_version"
    """A local version the service does not list (only reported by a full reconcile)."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Anomaly:
    """One oddity found while reconciling, in words a person can act on."""

    kind: AnomalyKind
    version_number: int | None
    detail: str
    from_status: VersionStatus | None = None
    to_status: VersionStatus | None = None

    def __str__(self) -> str:
        where = f"version {self.version_number}: " if self.version_number is not None else ""
        return f"{where}{self.kind.value}: {self.detail}"


@attrs.frozen
class VersionChange:
    """One version the reconcile changed or added.

    ``from_status`` is None for a version the model did not hold; ``path`` is the legal path
    that explains the move, or None when a lenient reconcile adopted an illegal one.
    """

    version_number: int
    from_status: VersionStatus | None
    to_status: VersionStatus
    path: tuple[Edge, ...] | None

    @property
    def added(self) -> bool:
        """True when the version was new to the model."""
        return self.from_status is None

    def __str__(self) -> str:
        start = "(new)" if self.from_status is None else self.from_status.value
        via = "illegal" if self.path is None else " -> ".join(e.trigger for e in self.path)
        return f"version {self.version_number}: {start} -> {self.to_status.value} ({via})"


@attrs.frozen
class ReconcileReport:
    """What a reconcile did: the versions it changed or added, and the anomalies it found."""

    changes: tuple[VersionChange, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()

    @property
    def changed(self) -> bool:
        """True when the model changed."""
        return bool(self.changes)


def _pages(pages: object) -> list[Mapping[str, Any]]:
    """One DescribeRegistrationVersions result, or several, as a list of pages."""
    if isinstance(pages, Mapping):
        found: list[object] = [pages]
    elif isinstance(pages, Iterable) and not isinstance(pages, (str, bytes)):
        found = list(pages)
    else:
        raise MalformedDataError(
            "expected a DescribeRegistrationVersions result or a list of them, "
            f"got {type(pages).__name__}",
            value=pages,
        )
    checked: list[Mapping[str, Any]] = []
    for number, page in enumerate(found):
        if not isinstance(page, Mapping):
            raise MalformedDataError(
                f"expected an object, got {type(page).__name__}", path=f"page {number}"
            )
        items = page.get("RegistrationVersions")
        if not isinstance(items, list):
            raise MalformedDataError(
                "no RegistrationVersions list: not a DescribeRegistrationVersions result",
                path=f"page {number}.RegistrationVersions",
                value=items,
            )
        checked.append(page)
    return checked


# -- the unchanged-version shortcut -------------------------------------------------------
#
# A syncer reads the same versions again and again, and most have not moved. Parsing a stamp
# in full (a boto3 datetime in dateutil's tzutc is rebuilt in UTC, range-checked and
# compared) is most of what reading a version costs, so a remote history that provably holds
# exactly the local stamps is answered with those stamps instead. "Provably" is narrow: an
# exact datetime in UTC (``timezone.utc`` or dateutil's ``tzutc``) with the same wall-clock
# fields, or any other value that ``parse_timestamp`` itself reads as the same instant. Any
# other key, value or count falls back to ``StatusHistory.from_aws``, so the result (and
# every error) is the full parse's, and the rule of evidence still judges every change.

_UTC = timezone.utc
_WALL = operator.attrgetter("year", "month", "day", "hour", "minute", "second", "microsecond")
_Stamps = tuple[datetime | None, ...]


def _tzutc_class() -> type | None:
    """dateutil's ``tzutc`` (botocore's zone) if dateutil is loaded; never imported here."""
    module = sys.modules.get("dateutil.tz.tz")
    found = getattr(module, "tzutc", None) if module is not None else None
    return found if isinstance(found, type) else None


_SEEN: dict[int, tuple[_Stamps, dict[Any, Any]]] = {}
"""Raw histories found to repeat a stamps tuple, by the tuple's id (the tuple is kept, so the
id cannot be reused): a raw history equal to one of them repeats the same stamps, and dict
equality is one comparison per stamp in C. Cleared when it grows past ``_SEEN_LIMIT``."""
_SEEN_LIMIT = 65_536


def _repeats(raw: object, stamps: _Stamps, tzutc: type | None) -> bool:
    """True when ``StatusHistory.from_aws(raw)`` would hold exactly ``stamps`` (model order)."""
    if type(raw) is not dict:
        return False
    seen = _SEEN.get(id(stamps))
    if seen is not None and seen[0] is stamps:
        try:
            if seen[1] == raw:
                return True
        except Exception:  # a hostile value's __eq__ raised: the checks below decide
            pass
    if not _repeats_checked(raw, stamps, tzutc):
        return False
    if len(_SEEN) >= _SEEN_LIMIT:
        _SEEN.clear()
    _SEEN[id(stamps)] = (stamps, dict(raw))
    return True


def _repeats_checked(raw: dict[Any, Any], stamps: _Stamps, tzutc: type | None) -> bool:
    if len(raw) != len(stamps) - stamps.count(None):
        return False
    for key, value in raw.items():
        index = _KEY_TO_INDEX.get(key) if type(key) is str else None
        stamp = None if index is None else stamps[index]
        if stamp is None:
            return False
        if value.__class__ is datetime:
            zone = value.tzinfo
            if zone is _UTC:
                if value != stamp:
                    return False
                continue
            if tzutc is not None and type(zone) is tzutc:
                # tzutc's offset is always zero: the same wall clock is the same instant.
                if _WALL(value) != _WALL(stamp):
                    return False
                continue
        elif type(value) is str and value.endswith("+00:00") and not value[0].isspace():
            # What parse_timestamp does with such a string, less the checks it cannot fail.
            if len(value) > _MAX_TEXT or "\x00" in value:
                return False
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return False
            if parsed.tzinfo is not _UTC or parsed != stamp:
                return False
            continue
        try:
            if parse_timestamp(value, field=key) != stamp:
                return False
        except RegistrationFsmError:
            return False
    return True


_OPTIONAL_KEYS = frozenset(
    {"RegistrationId", "RegistrationArn", "DeniedReasons", "AwsReview", "Feedback"}
)


class _Local:
    """The local versions' stamps, to read a remote version that repeats one for less."""

    __slots__ = ("_arn", "_id", "_known", "_tzutc")

    def __init__(self, versions: Iterable[RegistrationVersion]) -> None:
        self._known: dict[int, tuple[_Stamps, RegistrationVersion]] = {
            v.version_number: (v._state[1], v) for v in versions
        }
        self._tzutc = _tzutc_class()
        self._id: str | None = None
        self._arn: str | None = None

    def parse(self, item: object, registration_id: str, arn: str | None) -> VersionInfo:
        """``VersionInfo._parse(item, ...)`` with ``StatusHistory.from_aws``: the same value
        or the same error, less the work a repeated version makes again."""
        number = item.get("VersionNumber") if type(item) is dict else None
        found = self._known.get(number) if type(number) is int else None
        if found is None or not isinstance(number, int):
            return VersionInfo._parse(item, registration_id, arn, StatusHistory.from_aws)
        stamps, version = found

        def read(raw: object) -> StatusHistory:
            if not _repeats(raw, stamps, self._tzutc):
                return StatusHistory.from_aws(raw)
            history = version.history  # cached on the version, as the reconcile reads it
            cache = version._history_cache
            if cache is not None and cache[0] is stamps and cache[1] is history:
                return history
            return StatusHistory._from_stamps(stamps)

        assert type(item) is dict
        status = item.get("RegistrationVersionStatus")
        raw = item.get("RegistrationVersionStatusHistory")
        if status is None or raw is None or not _OPTIONAL_KEYS.isdisjoint(item):
            return VersionInfo._parse(item, registration_id, arn, read)
        # An item of the three keys every item has: _parse's checks, in its order, each
        # identifier checked once per call (a string that passed once passes again).
        if arn is not None and arn is not self._arn:
            self._arn = validate_registration_arn(arn)
        if registration_id is not self._id:
            self._id = validate_registration_id(registration_id)
        # The version number is a local version's: valid. No reasons, feedback or review.
        return VersionInfo(registration_id, number, VersionStatus.parse(status), read(raw), arn)


def parse_pages(
    pages: object,
    registration_id: str,
    registration_arn: str | None,
    *,
    strict: bool,
    local: Iterable[RegistrationVersion] = (),
) -> tuple[list[VersionInfo], list[Anomaly]]:
    """The versions in ``pages``, parsed; every page must belong to the registration.

    A status the library does not know raises UnknownStatusError in strict mode; in lenient
    mode the version is skipped and an anomaly says so. Any other malformed data raises.
    ``local`` are the versions the model holds: a remote history that repeats one's stamps
    exactly is not parsed again (the result is the same either way).
    """
    infos: list[VersionInfo] = []
    anomalies: list[Anomaly] = []
    shortcut = _Local(local)
    names = {registration_id} | ({registration_arn} if registration_arn else set())
    for number, page in enumerate(_pages(pages)):
        owner, owner_arn = page.get("RegistrationId"), page.get("RegistrationArn")
        for key, value in (("RegistrationId", owner), ("RegistrationArn", owner_arn)):
            if value is not None and not isinstance(value, str):
                raise MalformedDataError(
                    f"expected a string, got {type(value).__name__}",
                    path=f"page {number}.{key}",
                    value=value,
                )
        if owner is not None and owner not in names and owner_arn not in names:
            raise MalformedDataError(
                f"the page belongs to registration {owner!r}, not {registration_id!r}",
                path=f"page {number}.RegistrationId",
                value=owner,
            )
        arn = page.get("RegistrationArn")
        arn = arn if isinstance(arn, str) else registration_arn
        for item in page["RegistrationVersions"]:
            try:
                infos.append(shortcut.parse(item, registration_id, arn))
            except (UnknownStatusError, UnknownHistoryKey) as error:
                if strict:
                    raise
                version = item.get("VersionNumber") if isinstance(item, Mapping) else None
                known = version if isinstance(version, int) else None
                if isinstance(error, UnknownHistoryKey):
                    anomalies.append(
                        Anomaly(
                            AnomalyKind.UNKNOWN_STAMP,
                            known,
                            f"history key {error.key!r} is unknown to this library; "
                            "version skipped",
                        )
                    )
                else:
                    anomalies.append(
                        Anomaly(
                            AnomalyKind.UNKNOWN_STATUS,
                            known,
                            f"status {error.value!r} is unknown to this library; version skipped",
                        )
                    )
    return infos, anomalies
