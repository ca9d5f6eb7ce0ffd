"""Live audits: every registration of an account, read from the service as the audit goes.

:func:`audit_aws` pages through DescribeRegistrations and, for each registration,
DescribeRegistrationVersions, and audits the pages as they arrive with the same rule of
evidence as an exported file: nothing is written, and no page is kept once audited. The
caller's boto3 client carries the region, credentials, endpoint and retries (botocore's, as
everywhere in this library).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .audit import AuditReport, _Auditor, _no_cycle_collection
from .errors import InvalidValueError, MalformedDataError

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice_v2 import PinpointSMSVoiceV2Client

__all__ = ["Progress", "audit_aws"]

Progress = Callable[[int, int], None]
"""Called after each registration: registrations read so far, versions read so far."""


def audit_aws(
    client: PinpointSMSVoiceV2Client, *, progress: Progress | None = None
) -> AuditReport:
    """Audit every registration the client's account holds, and every version of each.

    A failure to read the service raises the library's
    :class:`~registration_fsm.errors.BackendError` for it (as :class:`AwsBackend
    <registration_fsm.backends.AwsBackend>` maps botocore's errors); a page that is not the
    shape of AWS's model is a finding or an AuditInputError, as in a file.
    """
    for name in ("get_paginator", "describe_registrations", "describe_registration_versions"):
        if not callable(getattr(client, name, None)):
            raise InvalidValueError(
                f"{type(client).__name__} has no {name}(); pass "
                'boto3.client("pinpoint-sms-voice-v2")'
            )
    source = f"aws:{getattr(getattr(client, 'meta', None), 'region_name', None) or 'default'}"
    counts = [0, 0]
    with _no_cycle_collection():
        auditor = _Auditor()
        auditor.add_pages(_pages(client, counts, progress), source, listed=True)
        return auditor.report()


def _pages(
    client: PinpointSMSVoiceV2Client, counts: list[int], progress: Progress | None
) -> Iterator[dict[str, Any]]:
    for page in _paginate(client, "describe_registrations", {}):
        registrations = page.get("Registrations")
        if not isinstance(registrations, list):
            raise MalformedDataError("expected a list", path="Registrations", value=registrations)
        yield {"Registrations": registrations}
        for registration in registrations:
            rid = registration.get("RegistrationId") if isinstance(registration, dict) else None
            if not isinstance(rid, str):
                continue  # the audit reports the malformed record itself
            for versions in _paginate(
                client, "describe_registration_versions", {"RegistrationId": rid}
            ):
                items = versions.get("RegistrationVersions")
                counts[1] += len(items) if isinstance(items, list) else 0
                yield {
                    "RegistrationId": versions.get("RegistrationId", rid),
                    "RegistrationVersions": items,
                }
            counts[0] += 1
            if progress is not None:
                progress(counts[0], counts[1])


def _paginate(
    client: PinpointSMSVoiceV2Client, operation: str, params: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    from .backends.aws import _map_error

    operation_name = "".join(part.title() for part in operation.split("_"))
    try:
        yield from client.get_paginator(operation).paginate(**params)  # type: ignore[call-overload]
    except Exception as exc:
        mapped = _map_error(exc, operation_name)
        if mapped is None:
            raise
        raise mapped[0] from exc
