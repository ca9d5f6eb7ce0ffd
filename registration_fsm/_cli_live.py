"""``registration-fsm audit --from-aws`` and ``--store``: live sources for the audit command."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from .audit import AuditReport
from .errors import InvalidValueError, MissingDependencyError

__all__ = ["audit_live", "client"]


def audit_live(
    args: argparse.Namespace, err: TextIO, documents: list[tuple[str, object]] | None
) -> AuditReport:
    """Audit the live source ``args`` names, with a progress line on a terminal (stderr).

    ``documents``, when given, receives the pages read, for the reports that draw versions.
    """
    from .live_audit import audit_aws, audit_store

    tty = bool(getattr(err, "isatty", lambda: False)())

    def progress(registrations: int, versions: int) -> None:
        if tty:
            err.write(f"\r  {registrations} registrations, {versions} versions read")
            err.flush()

    pages: list[dict[str, Any]] = []
    keep = pages.append if documents is not None else None
    try:
        if args.from_aws:
            source = "aws"
            report = audit_aws(client(args), progress=progress, on_page=keep)
        else:
            from .store import open_store

            source = args.store
            store = open_store(args.store)
            try:
                report = audit_store(store, progress=progress, on_page=keep)
            finally:
                store.close()
    finally:
        if tty:
            err.write("\n")
    if documents is not None:
        documents.append((source, pages))
    return report


def client(args: argparse.Namespace, purpose: str = "to audit an account live") -> Any:
    """A client from the default boto3 session, with ``--region`` and ``--endpoint-url``."""
    try:
        import boto3  # type: ignore[import-untyped]
        from botocore.exceptions import BotoCoreError
    except ImportError:
        raise MissingDependencyError(
            "boto3", f"pip install 'registration-fsm[aws]' {purpose}"
        ) from None
    session = boto3.Session(region_name=args.region) if args.region else boto3.Session()
    try:
        return session.client("pinpoint-sms-voice-v2", endpoint_url=args.endpoint_url)
    except (BotoCoreError, ValueError) as exc:  # no region, a malformed endpoint URL
        raise InvalidValueError(f"cannot make a pinpoint-sms-voice-v2 client: {exc}") from None
