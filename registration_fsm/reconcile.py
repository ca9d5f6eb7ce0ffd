"""What reconciling a registration with the service changed, and what it found odd.

:meth:`Registration.reconcile <registration_fsm.Registration.reconcile>` returns a
:class:`ReconcileReport`. In strict mode (the default) an illegal remote move raises and
nothing changes, so the report only lists changes; in lenient mode the remote state is adopted
anyway and each oddity is recorded as an :class:`Anomaly` the caller can read.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .errors import MalformedDataError, UnknownHistoryKey, UnknownStatusError
from .lifecycle import Edge
from .statuses import VersionStatus
from .values import VersionInfo

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


def parse_pages(
    pages: object, registration_id: str, registration_arn: str | None, *, strict: bool
) -> tuple[list[VersionInfo], list[Anomaly]]:
    """The versions in ``pages``, parsed; every page must belong to the registration.

    A status the library does not know raises UnknownStatusError in strict mode; in lenient
    mode the version is skipped and an anomaly says so. Any other malformed data raises.
    """
    infos: list[VersionInfo] = []
    anomalies: list[Anomaly] = []
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
                infos.append(
                    VersionInfo.from_aws(
                        item, registration_id=registration_id, registration_arn=arn
                    )
                )
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
