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

from .audit import AuditReport, Finding, FindingKind, _Auditor, _no_cycle_collection
from .errors import InvalidValueError, MalformedDataError

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice_v2 import PinpointSMSVoiceV2Client

    from .store import Store

__all__ = ["Progress", "audit_aws", "audit_store"]

Progress = Callable[[int, int], None]
"""Called after each registration: registrations read so far, versions read so far."""


def audit_aws(
    client: PinpointSMSVoiceV2Client,
    *,
    progress: Progress | None = None,
    on_page: Callable[[dict[str, Any]], None] | None = None,
) -> AuditReport:
    """Audit every registration the client's account holds, and every version of each.

    A failure to read the service raises the library's
    :class:`~registration_fsm.errors.BackendError` for it (as :class:`AwsBackend
    <registration_fsm.backends.AwsBackend>` maps botocore's errors); a page that is not the
    shape of AWS's model is a finding or an AuditInputError, as in a file. ``on_page`` sees
    every page as it is audited (to keep them for a report that draws the versions).
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
        auditor.add_pages(_seen(_pages(client, counts, progress), on_page), source, listed=True)
        return auditor.report()


def _seen(
    pages: Iterator[dict[str, Any]], on_page: Callable[[dict[str, Any]], None] | None
) -> Iterator[dict[str, Any]]:
    for page in pages:
        if on_page is not None:
            on_page(page)
        yield page


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
    from .backends._aws_core import _map_error

    operation_name = "".join(part.title() for part in operation.split("_"))
    try:
        yield from client.get_paginator(operation).paginate(**params)  # type: ignore[call-overload]
    except Exception as exc:
        mapped = _map_error(exc, operation_name)
        if mapped is None:
            raise
        raise mapped[0] from exc


def audit_store(
    store: Store,
    *,
    progress: Progress | None = None,
    on_page: Callable[[dict[str, Any]], None] | None = None,
) -> AuditReport:
    """Audit every registration a store holds: its versions by the rule of evidence, as an
    export would be, and its journal: the hash chain, a replay through the lifecycle, and
    the replay's end against the stored state. A tampered entry is a JOURNAL finding naming
    the entry (its sequence number)."""
    from .store import verify_journal

    for name in ("list", "journal"):
        if not callable(getattr(store, name, None)):
            raise InvalidValueError(
                f"{type(store).__name__} is not a registration_fsm.store.Store (no {name}())"
            )
    source = f"store:{type(store).__name__}"
    counts = [0, 0]
    with _no_cycle_collection():
        auditor = _Auditor()

        def pages() -> Iterator[dict[str, Any]]:
            for loaded in store.list():
                registration = loaded.registration
                rid = registration.registration_id
                yield registration.to_aws_versions(json_safe=True)
                for finding in verify_journal(store.journal(rid), loaded).findings:
                    where = (
                        "at the end of the journal"
                        if finding.sequence is None
                        else f"entry {finding.sequence}"
                    )
                    auditor.findings.append(
                        Finding(
                            FindingKind.JOURNAL,
                            f"journal {where}: {finding.kind.value}: {finding.detail}",
                            source,
                            rid,
                            finding.version_number,
                        )
                    )
                counts[0] += 1
                counts[1] += len(registration.versions)
                if progress is not None:
                    progress(counts[0], counts[1])

        auditor.add_pages(_seen(pages(), on_page), source, listed=True)
        return auditor.report()
