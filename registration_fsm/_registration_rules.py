"""The rules between a registration's versions, checked over the versions as a whole.

At most one version is APPROVED; only the latest version is a draft or under review; a new
version is drafted no earlier than the one before it settled. A strict model never breaks
them. A lenient reconcile may adopt a state that does (AWS is the truth), and the snapshot
then declares each break by name, so that reading it back accepts those and nothing else.
"""

from __future__ import annotations

import contextvars
import itertools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from .errors import MalformedDataError, RegistrationRuleError
from .history import STAMP_INDEX
from .rules import can_create_version
from .statuses import VersionStatus

if TYPE_CHECKING:
    from .version import RegistrationVersion

__all__ = ["ACCEPTED", "declared_violations", "rule_violations"]

_V = VersionStatus
# The rule violations a snapshot declares, accepted while from_dict() rebuilds it: only what a
# lenient reconcile left behind, and named, so a snapshot cannot slip in anything else.
ACCEPTED: contextvars.ContextVar[frozenset[tuple[str, int | None]]] = contextvars.ContextVar(
    "accepted", default=frozenset()
)


def rule_violations(
    rid: str, versions: Sequence[RegistrationVersion]
) -> list[RegistrationRuleError]:
    """Every registration rule that ``versions`` (oldest first) break."""
    if _keeps_every_rule(versions):
        return []
    states = [(v.version_number, v._state[0]) for v in versions]
    found: list[RegistrationRuleError] = []
    approved = [n for n, s in states if s is _V.APPROVED]
    for number in approved[:-1]:
        found.append(
            RegistrationRuleError(
                rid,
                RegistrationRuleError.MULTIPLE_APPROVED,
                f"version {number} is APPROVED, and so is version {approved[-1]}; approving a "
                "newer version archives the older one",
                version_number=number,
                status=_V.APPROVED,
            )
        )
    latest = states[-1][0] if states else None
    for number, status in states[:-1]:
        if not can_create_version(status):
            found.append(
                RegistrationRuleError(
                    rid,
                    RegistrationRuleError.OLDER_VERSION_IN_FLIGHT,
                    f"version {number} is {status.value} but version {latest} is newer; a "
                    "new version is only created once the latest is APPROVED or finished",
                    version_number=number,
                    status=status,
                )
            )
    for older, newer in itertools.pairwise(versions):
        settled = _settled_at(older)
        draft = newer._state[1][0]
        if settled is not None and draft is not None and draft < settled:
            found.append(
                RegistrationRuleError(
                    rid,
                    RegistrationRuleError.DRAFTED_TOO_EARLY,
                    f"version {newer.version_number} was drafted at {draft.isoformat()}, "
                    f"before version {older.version_number} settled at {settled.isoformat()}; "
                    "a new version is only created once the previous one settled",
                    version_number=newer.version_number,
                    status=newer._state[0],
                )
            )
    return found


def _keeps_every_rule(versions: Sequence[RegistrationVersion]) -> bool:
    """:func:`rule_violations` is empty: one pass, for every store's load and save."""
    approved = 0
    settled: datetime | None = None
    last = len(versions) - 1
    for index, version in enumerate(versions):
        state = version._state
        status = state[0]
        if status is _APPROVED:
            approved += 1
        if index < last and status not in _MAY_BE_FOLLOWED:
            return False
        draft = state[1][0]
        if settled is not None and draft is not None and draft < settled:
            return False
        slot = _SETTLED_SLOT.get(status)
        settled = None if slot is None else state[1][slot]
    return approved <= 1


# Where a version that allowed the next one to be created settled: ARCHIVED and REVOKED come
# from APPROVED, possibly after the next version was created.
_SETTLED_BY = {
    _V.APPROVED: _V.APPROVED,
    _V.ARCHIVED: _V.APPROVED,
    _V.REVOKED: _V.APPROVED,
    _V.DISCARDED: _V.DISCARDED,
    _V.DENIED: _V.DENIED,
}
_SETTLED_SLOT = {status: STAMP_INDEX[settled] for status, settled in _SETTLED_BY.items()}


def _settled_at(version: RegistrationVersion) -> datetime | None:
    slot = _SETTLED_SLOT.get(version._state[0])
    return None if slot is None else version._state[1][slot]


_APPROVED = _V.APPROVED
_MAY_BE_FOLLOWED = frozenset(status for status in _V if can_create_version(status))

_DECLARABLE = (
    RegistrationRuleError.MULTIPLE_APPROVED,
    RegistrationRuleError.OLDER_VERSION_IN_FLIGHT,
    RegistrationRuleError.DRAFTED_TOO_EARLY,
)


def declared_violations(items: object) -> frozenset[tuple[str, int | None]]:
    if not isinstance(items, list):
        raise MalformedDataError(
            f"expected a list, got {type(items).__name__}", path="rule_violations", value=items
        )
    declared = set()
    for item in items:
        reason = item.get("reason") if isinstance(item, Mapping) else None
        number = item.get("version_number") if isinstance(item, Mapping) else None
        if (
            not isinstance(item, Mapping)
            or set(item) != {"reason", "version_number"}
            or reason not in _DECLARABLE
            or isinstance(number, bool)
            or not isinstance(number, int)
        ):
            raise MalformedDataError(
                "expected {'reason': MULTIPLE_APPROVED, OLDER_VERSION_IN_FLIGHT or "
                "DRAFTED_TOO_EARLY, 'version_number': int}",
                path="rule_violations",
                value=item,
            )
        declared.add((reason, number))
    return frozenset(declared)
