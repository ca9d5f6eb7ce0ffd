"""``registration-fsm audit --from-aws`` and ``--store``: live sources for the audit command."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from .audit import AuditReport
from .errors import MissingDependencyError

__all__ = ["audit_live"]


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
            report = audit_aws(_client(args), progress=progress, on_page=keep)
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


def _client(args: argparse.Namespace) -> Any:
    try:
        import boto3  # type: ignore[import-untyped]
    except ImportError:
        raise MissingDependencyError(
            "boto3", "pip install 'registration-fsm[aws]' to audit an account live"
        ) from None
    session = boto3.Session(region_name=args.region) if args.region else boto3.Session()
    return session.client("pinpoint-sms-voice-v2", endpoint_url=args.endpoint_url)
