"""A registration's shapes: its snapshot (``to_dict``/``from_dict``) and AWS's shapes.

A snapshot is what a store keeps; reading one back rebuilds and checks every version, and the
registration's rules, so a snapshot that was edited into something the model cannot hold is
refused by name. The AWS shapes are what DescribeRegistrations and
DescribeRegistrationVersions return, read (``from_aws``) under the rule of evidence and written
(``to_aws``) with the status the versions derive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ._registration_reconcile import dedupe
from ._registration_rules import ACCEPTED, declared_violations, rule_violations
from ._snapshot_read import versions_from_snapshots
from .clock import Clock
from .errors import MalformedDataError
from .history import parse_timestamp
from .reconcile import parse_pages
from .rules import derive_registration_status
from .statuses import VersionStatus
from .values import RegistrationInfo, VersionInfo
from .version import RegistrationVersion, _State, holding, snapshot_header

if TYPE_CHECKING:
    from .registration import Registration

__all__ = [
    "HEAD_KEYS",
    "REGISTRATION_SCHEMA",
    "REGISTRATION_SCHEMA_VERSION",
    "from_aws",
    "from_dict",
    "from_infos",
    "snapshot_head",
    "snapshot_parts",
    "snapshot_states",
    "to_aws",
    "to_aws_versions",
    "to_dict",
]

REGISTRATION_SCHEMA = "registration_fsm/registration"
REGISTRATION_SCHEMA_VERSION = 1

_V = VersionStatus
HEAD_KEYS = (
    "schema",
    "schema_version",
    "registration_id",
    "registration_arn",
    "registration_type",
    "created",
)
"""The keys of a snapshot before its versions, in the order :func:`snapshot_head` writes them."""
_SNAPSHOT_KEYS = frozenset({*HEAD_KEYS, "versions", "rule_violations"})


def to_dict(reg: Registration) -> dict[str, Any]:
    """Registration.to_dict."""
    out, states, violations = snapshot_parts(reg)
    out["versions"] = [version._snapshot(state) for version, state in states]
    if violations:
        out["rule_violations"] = violations
    return out


def snapshot_parts(
    reg: Registration,
) -> tuple[dict[str, Any], list[tuple[RegistrationVersion, _State]], list[dict[str, Any]]]:
    """What :func:`to_dict` is made of: the keys before ``versions`` (:func:`snapshot_head`),
    then each version with its state and the ``rule_violations`` (:func:`snapshot_states`)."""
    return (snapshot_head(reg), *snapshot_states(reg))


def snapshot_head(reg: Registration) -> dict[str, Any]:
    """The keys of :func:`to_dict` before ``versions``: fixed when the registration is made."""
    return {
        "schema": REGISTRATION_SCHEMA,
        "schema_version": REGISTRATION_SCHEMA_VERSION,
        "registration_id": reg._registration_id,
        "registration_arn": reg._registration_arn,
        "registration_type": reg._registration_type,
        "created": None if reg._created is None else reg._created.isoformat(),
    }


def snapshot_states(
    reg: Registration, *, private: bool = False
) -> tuple[list[tuple[RegistrationVersion, _State]], list[dict[str, Any]]]:
    """Each version with its state, and the ``rule_violations`` (empty: none), read at one
    instant under every lock.

    A store writes its body from these, reusing the text it keeps for an unchanged version.
    ``private`` says that no other thread can reach ``reg`` (a store's own snapshot), so
    no lock is taken."""
    if private:
        return _states(reg)
    with reg._lock, holding(reg._held):
        return _states(reg)


def _states(
    reg: Registration,
) -> tuple[list[tuple[RegistrationVersion, _State]], list[dict[str, Any]]]:
    versions = reg._held
    states = [(version, version._state) for version in versions]
    violations = rule_violations(reg._registration_id, versions)
    return states, [{"reason": v.reason, "version_number": v.version_number} for v in violations]


def from_dict(
    cls: type[Registration],
    data: object,
    *,
    clock: Clock | None = None,
    read: list[RegistrationVersion] | None = None,
) -> Registration:
    """Registration.from_dict. ``read``: the versions ``data["versions"]`` holds, already
    read from their text exactly as :func:`versions_from_snapshots` reads them, all of
    ``data["registration_id"]`` with ``data["registration_arn"]``, both checked."""
    data = snapshot_header(data, REGISTRATION_SCHEMA, REGISTRATION_SCHEMA_VERSION, "registration")
    unknown = sorted(str(k) for k in data if k not in _SNAPSHOT_KEYS)
    if unknown:
        raise MalformedDataError(f"unknown keys {unknown}", value=data)
    for key in ("registration_id", "versions"):
        if key not in data:
            raise MalformedDataError(f"missing key {key!r}", path=key)
    items = data["versions"]
    if not isinstance(items, list):
        raise MalformedDataError(
            f"expected a list, got {type(items).__name__}", path="versions", value=items
        )
    created = data.get("created")
    token = ACCEPTED.set(declared_violations(data.get("rule_violations", [])))
    try:
        if read is not None:
            return cls._from_read(
                data["registration_id"],
                read,
                registration_arn=data.get("registration_arn"),
                registration_type=data.get("registration_type"),
                created=None if created is None else parse_timestamp(created, field="created"),
                clock=clock,
            )
        return cls(
            data["registration_id"],
            versions_from_snapshots(items, clock),
            registration_arn=data.get("registration_arn"),
            registration_type=data.get("registration_type"),
            created=None if created is None else parse_timestamp(created, field="created"),
            clock=clock,
        )
    finally:
        ACCEPTED.reset(token)


def from_aws(
    cls: type[Registration],
    registration: object,
    version_pages: object,
    *,
    clock: Clock | None = None,
) -> Registration:
    """Registration.from_aws."""
    info = (
        registration
        if isinstance(registration, RegistrationInfo)
        else RegistrationInfo.from_aws(registration)
    )
    infos, _ = parse_pages(version_pages, info.registration_id, info.registration_arn, strict=True)
    return from_infos(cls, info, infos, clock)


def from_infos(
    cls: type[Registration], info: RegistrationInfo, infos: list[VersionInfo], clock: Clock | None
) -> Registration:
    """The registration ``info`` names, from every one of its versions."""
    remote = dedupe(infos)
    numbers = [i.version_number for i in remote]
    if not numbers or numbers[-1] != info.current_version_number:
        raise MalformedDataError(
            f"CurrentVersionNumber is {info.current_version_number} but the pages hold "
            f"versions {numbers}; pass every page of DescribeRegistrationVersions",
            path="RegistrationVersions",
        )
    versions = [
        RegistrationVersion.from_info(
            attrs.evolve(
                item,
                registration_id=info.registration_id,
                registration_arn=info.registration_arn,
            ),
            clock=clock,
        )
        for item in remote
    ]
    return cls(
        info.registration_id,
        versions,
        registration_arn=info.registration_arn,
        registration_type=info.registration_type,
        created=info.created,
        clock=clock,
    )


def to_aws(reg: Registration, *, json_safe: bool = False) -> dict[str, Any]:
    """Registration.to_aws."""
    states = reg._states()
    approved = [n for n, s in states if s is _V.APPROVED]
    denied = [n for n, s in states if s is _V.DENIED]
    out: dict[str, Any] = {}
    if reg._registration_arn is not None:
        out["RegistrationArn"] = reg._registration_arn
    out["RegistrationId"] = reg._registration_id
    if reg._registration_type is not None:
        out["RegistrationType"] = reg._registration_type
    out["RegistrationStatus"] = derive_registration_status([s for _, s in states]).value
    out["CurrentVersionNumber"] = states[-1][0]
    if approved:
        out["ApprovedVersionNumber"] = approved[-1]
    if denied:
        out["LatestDeniedVersionNumber"] = denied[-1]
    created = reg.created
    out["CreatedTimestamp"] = created.isoformat() if json_safe else created
    return out


def to_aws_versions(reg: Registration, *, json_safe: bool = False) -> dict[str, Any]:
    """Registration.to_aws_versions."""
    with reg._lock:
        versions = reg._held
        items = []
        for version in versions:
            item = version.to_aws()
            if json_safe:
                item["RegistrationVersionStatusHistory"] = version.history.to_json()
            items.append(item)
    out: dict[str, Any] = {}
    if reg._registration_arn is not None:
        out["RegistrationArn"] = reg._registration_arn
    out["RegistrationId"] = reg._registration_id
    out["RegistrationVersions"] = items
    return out
