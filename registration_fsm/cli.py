"""The ``registration-fsm`` command line (also ``python -m registration_fsm``).

``main(argv=None)`` takes its arguments and output streams as parameters, so tests call it
in-process. Errors go to stderr with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from .errors import RegistrationFsmError

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registration-fsm",
        description="The lifecycle of AWS SMS registration versions.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="walk a registration through a full life")
    _add_audit_command(commands)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line and return its exit code."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = _build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exit_:  # a usage error (2) or --help (0)
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        if args.command == "demo":
            from ._demo import run_demo

            return run_demo(out)
        if args.command == "audit":
            return _run_audit(args, out, err)
        parser.print_help(err)
        return 2
    except RegistrationFsmError as exc:
        err.write(f"registration-fsm: error: {exc}\n")
        return 2


def _add_audit_command(commands: Any) -> None:
    from .audit import MAX_EXPORT_BYTES

    audit = commands.add_parser(
        "audit",
        help="check exported registration histories for illegal paths",
        description=(
            "Check the JSON printed by `aws pinpoint-sms-voice-v2 "
            "describe-registration-versions` (and describe-registrations): every version "
            "whose history is not a legal path is reported with its reason. Exit status: 0 "
            "clean, 1 findings, 2 unreadable input."
        ),
    )
    audit.add_argument("files", nargs="+", metavar="FILE", help="an export file (JSON)")
    audit.add_argument("--json", action="store_true", help="print the report as JSON")
    audit.add_argument(
        "--max-bytes",
        type=int,
        default=MAX_EXPORT_BYTES,
        metavar="N",
        help=f"refuse files larger than N bytes (default {MAX_EXPORT_BYTES})",
    )


def _run_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Audit the files together; report unreadable ones on stderr and exit 2 if any."""
    import json

    from .audit import _Auditor, load_export
    from .errors import AuditInputError

    auditor = _Auditor()
    errors: list[AuditInputError] = []
    for path in args.files:
        try:
            auditor.add(load_export(path, max_bytes=args.max_bytes), path)
        except AuditInputError as unreadable:
            errors.append(unreadable)
        except (RecursionError, MemoryError) as exhausted:
            errors.append(
                AuditInputError(path, f"too large or deep to audit ({type(exhausted).__name__})")
            )
    report = auditor.report()
    for error in errors:
        err.write(f"registration-fsm: error: {error}\n")
    if args.json:
        payload = report.to_json()
        payload["errors"] = [{"source": e.source, "error": e.detail} for e in errors]
        out.write(json.dumps(payload, indent=2) + "\n")
    else:
        for finding in report.findings:
            out.write(f"{finding}\n")
        out.write(report.summary() + "\n")
    if errors:
        return 2
    return 0 if report.ok else 1
