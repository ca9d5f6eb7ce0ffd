"""Reconciling a registration: the service's versions applied to the model, all or nothing.

Each remote version is judged by the rule of evidence from the local one (or from DRAFT when
the model does not hold it); the registration's rules are then checked over the result. Strict
mode refuses the whole read at the first problem; lenient mode adopts and lists each oddity as
an anomaly. Nothing is put in place until every version has been judged.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ._listeners import logger
from ._registration_rules import rule_violations
from .errors import InvalidHistory, MalformedDataError
from .reconcile import Anomaly, AnomalyKind, ReconcileReport, VersionChange
from .values import VersionInfo
from .version import RegistrationVersion, holding

if TYPE_CHECKING:
    from .backends.base import Backend
    from .registration import Registration

__all__ = ["checked_infos", "dedupe", "reconcile_locked", "stamps_text", "warned"]


def dedupe(infos: Iterable[VersionInfo]) -> list[VersionInfo]:
    """The versions sorted by number; the same version twice must read the same."""
    by_number: dict[int, VersionInfo] = {}
    for info in infos:
        seen = by_number.setdefault(info.version_number, info)
        if (seen.status, seen.history) != (info.status, info.history):
            raise MalformedDataError(
                f"version {info.version_number} appears twice, as {seen.status.value} and "
                f"{info.status.value}",
                path="RegistrationVersions",
            )
    return [by_number[n] for n in sorted(by_number)]


def checked_infos(reg: Registration, infos: object, backend: Backend | None) -> list[VersionInfo]:
    called = "the versions" if backend is None else f"{type(backend).__name__}.describe_versions()"
    if isinstance(infos, (str, bytes, Mapping)) or not isinstance(infos, Iterable):
        raise MalformedDataError(
            f"{called} returned {type(infos).__name__}, not a sequence of VersionInfo",
            value=infos,
        )
    infos = list(infos)
    names = {reg._registration_id, reg._registration_arn} - {None}
    for info in infos:
        if not isinstance(info, VersionInfo):
            raise MalformedDataError(
                f"{called} returned {type(info).__name__} items, not VersionInfo",
                value=info,
            )
        if info.registration_id not in names and info.registration_arn not in names:
            raise MalformedDataError(
                f"the service listed a version of registration {info.registration_id!r}, "
                f"not {reg._registration_id!r}",
                path="RegistrationId",
                value=info.registration_id,
            )
    return infos


def reconcile_locked(
    reg: Registration,
    infos: list[VersionInfo],
    anomalies: list[Anomaly],
    *,
    strict: bool,
    complete: bool,
) -> ReconcileReport:
    remote = dedupe(infos)
    versions = reg._versions
    by_number = {v.version_number: v for v in versions}
    touched = [by_number[i.version_number] for i in remote if i.version_number in by_number]
    with holding(touched):
        staged: dict[int, RegistrationVersion] = {}
        changes: list[VersionChange] = []
        for info in remote:
            number = info.version_number
            local = by_number.get(number)
            if local is None:
                trial = RegistrationVersion.new(
                    reg._registration_id,
                    number,
                    at=info.history.draft,
                    registration_arn=reg._registration_arn,
                    clock=reg._clock,
                )
                start = None
            elif local.status is info.status and local.history == info.history:
                continue
            else:
                trial = copy.copy(local)
                start = local.status
            before = trial.status
            try:
                proof = trial._adopt_unlocked(info.status, info.history, strict=strict)
            except InvalidHistory as error:
                # Only lenient mode gets here: strict refuses first, as unproven.
                anomalies.append(
                    Anomaly(
                        AnomalyKind.UNREPRESENTABLE_STATE,
                        number,
                        f"the remote state ({info.status.value}; "
                        f"{stamps_text(info)}) is one no version can hold: "
                        f"{error.reason}; not adopted",
                        before,
                        info.status,
                    )
                )
                continue
            if proof.path is None:
                why = "; ".join(p.reason for p in proof.problems)
                anomalies.append(
                    Anomaly(
                        AnomalyKind.ILLEGAL_TRANSITION,
                        number,
                        f"no legal path from {before.value} to {info.status.value} "
                        f"fits the remote history ({stamps_text(info)}): {why}; "
                        "adopted",
                        before,
                        info.status,
                    )
                )
            staged[number] = trial
            changes.append(VersionChange(number, start, info.status, proof.path))
        merged = {**by_number, **staged}
        violations = rule_violations(reg._registration_id, [merged[n] for n in sorted(merged)])
        if violations and strict:
            raise violations[0]
        for violation in violations:
            kind = AnomalyKind(violation.reason.lower())
            anomalies.append(Anomaly(kind, violation.version_number, violation.detail))
        if complete:
            listed = {i.version_number for i in remote}
            anomalies.extend(
                Anomaly(
                    AnomalyKind.LOCAL_ONLY_VERSION,
                    v.version_number,
                    f"the service does not list version {v.version_number}; kept",
                )
                for v in versions
                if v.version_number not in listed
            )
        for number, trial in staged.items():
            if number in by_number:
                by_number[number]._state = trial._state
        if any(n not in by_number for n in staged):
            reg._versions = tuple(merged[n] for n in sorted(merged))
    return ReconcileReport(tuple(changes), tuple(anomalies))


def stamps_text(info: VersionInfo) -> str:
    return ", ".join(f"{k}={v.isoformat()}" for k, v in info.history.to_aws().items())


def warned(registration_id: str, report: ReconcileReport) -> ReconcileReport:
    """``report``, once each of its anomalies is logged as a WARNING (outside every lock)."""
    for anomaly in report.anomalies:
        logger.warning(
            "%s: reconcile anomaly: %s",
            registration_id,
            anomaly,
            extra={
                "registration_id": registration_id,
                "version_number": anomaly.version_number,
                "anomaly": anomaly.kind.value,
                "from_status": None if anomaly.from_status is None else anomaly.from_status.value,
                "to_status": None if anomaly.to_status is None else anomaly.to_status.value,
            },
        )
    return report
