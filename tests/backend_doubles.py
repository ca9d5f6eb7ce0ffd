"""Small backends for testing the conformance suite itself: one correct, two broken on purpose.

``ToyBackend`` keeps each registration as a list of RegistrationVersion objects and refuses
what AWS refuses; the broken ones change one behaviour each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import attrs

from registration_fsm import (
    ConflictError,
    RegistrationVersion,
    ResourceNotFoundError,
    SteppingClock,
    VersionStatus,
)
from registration_fsm.backends import DeniedReason, RegistrationInfo, VersionInfo
from registration_fsm.rules import can_create_version, derive_registration_status

S = VersionStatus
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def _arn(rid: str) -> str:
    return f"arn:aws:sms-voice:us-east-1:123456789012:registration/{rid}"


@attrs.define
class _Registration:
    registration_type: str
    created: datetime
    versions: list[RegistrationVersion]
    denials: dict[int, tuple[tuple[DeniedReason, ...], str | None]] = attrs.Factory(dict)


class ToyBackend:
    """A correct, minimal backend (customer calls and the AWS side)."""

    def __init__(self, clock: SteppingClock | None = None) -> None:
        self.clock = clock if clock is not None else SteppingClock(T0, timedelta(seconds=1))
        self._registrations: dict[str, _Registration] = {}

    def _get(self, rid: str) -> _Registration:
        try:
            return self._registrations[rid]
        except KeyError:
            raise ResourceNotFoundError(
                f"registration {rid} not found", resource_type="registration", resource_id=rid
            ) from None

    def _info(self, rid: str, version: RegistrationVersion, **extra: object) -> VersionInfo:
        reasons, feedback = self._get(rid).denials.get(version.version_number, ((), None))
        return VersionInfo(
            registration_id=rid,
            version_number=version.version_number,
            status=version.status,
            history=version.history,
            registration_arn=_arn(rid),
            denied_reasons=reasons,
            feedback=feedback,
            **extra,  # type: ignore[arg-type]
        )

    def create_registration(self, registration_type: str) -> RegistrationInfo:
        rid = f"registration-{len(self._registrations) + 1:032x}"
        now = self.clock()
        first = RegistrationVersion.new(rid, 1, at=now, registration_arn=_arn(rid))
        self._registrations[rid] = _Registration(registration_type, now, [first])
        return self.describe_registration(rid)

    def create_version(self, registration_id: str) -> VersionInfo:
        registration = self._get(registration_id)
        latest = registration.versions[-1]
        if not can_create_version(latest.status):
            raise ConflictError(
                "the latest version is still open",
                reason="CREATE_REGISTRATION_VERSION_NOT_ALLOWED",
            )
        version = RegistrationVersion.new(
            registration_id, latest.version_number + 1, at=self.clock()
        )
        registration.versions.append(version)
        return self._info(registration_id, version)

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        latest = self._get(registration_id).versions[-1]
        if not latest.can("submit"):
            raise ConflictError(
                f"version is {latest.status.value}",
                reason="SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED",
            )
        latest.submit(at=self.clock())
        return self._info(registration_id, latest, aws_review=aws_review)

    def discard(self, registration_id: str) -> VersionInfo:
        latest = self._get(registration_id).versions[-1]
        if not latest.can("discard"):
            raise ConflictError(
                f"version is {latest.status.value}",
                reason="DISCARD_REGISTRATION_VERSION_NOT_ALLOWED",
            )
        latest.discard(at=self.clock())
        return self._info(registration_id, latest)

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        versions = self._get(registration_id).versions
        return tuple(
            self._info(registration_id, v)
            for v in versions
            if version_numbers is None or v.version_number in version_numbers
        )

    def describe_registration(self, registration_id: str) -> RegistrationInfo:
        registration = self._get(registration_id)
        approved = [v.version_number for v in registration.versions if v.status is S.APPROVED]
        denied = [v.version_number for v in registration.versions if v.status is S.DENIED]
        return RegistrationInfo(
            registration_id=registration_id,
            registration_arn=_arn(registration_id),
            registration_type=registration.registration_type,
            status=derive_registration_status([v.status for v in registration.versions]),
            current_version_number=len(registration.versions),
            created=registration.created,
            approved_version_number=approved[0] if approved else None,
            latest_denied_version_number=denied[-1] if denied else None,
        )

    def play_aws(
        self,
        registration_id: str,
        trigger: str,
        *,
        version_number: int | None = None,
        denied_reasons: Sequence[DeniedReason] = (),
        feedback: str | None = None,
    ) -> VersionInfo:
        registration = self._get(registration_id)
        number = version_number if version_number is not None else len(registration.versions)
        version = registration.versions[number - 1]
        at = self.clock()
        version.fire(trigger, at=at)
        if trigger == "approve":
            for other in registration.versions:
                if other is not version and other.status is S.APPROVED:
                    other.archive(at=at)
        if trigger == "deny":
            registration.denials[number] = (tuple(denied_reasons), feedback)
        return self._info(registration_id, version)


class DiscardsAnything(ToyBackend):
    """Broken: discards the latest version from any status that is not finished."""

    def discard(self, registration_id: str) -> VersionInfo:
        latest = self._get(registration_id).versions[-1]
        if latest.can("discard") or latest.is_terminal:
            return super().discard(registration_id)
        history = latest.history.with_stamp(S.DISCARDED, self.clock())
        latest.adopt(S.DISCARDED, history, strict=False)
        return self._info(registration_id, latest)


class SubmitsTwice(ToyBackend):
    """Broken: a second submit of a SUBMITTED version is applied again instead of refused."""

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        latest = self._get(registration_id).versions[-1]
        if latest.status is not S.SUBMITTED:
            return super().submit(registration_id, aws_review=aws_review)
        history = latest.history.with_stamp(S.SUBMITTED, self.clock())
        latest.adopt(S.SUBMITTED, history, strict=False)
        return self._info(registration_id, latest, aws_review=aws_review)
