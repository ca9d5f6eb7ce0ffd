"""The ``registration-fsm`` command line (also ``python -m registration_fsm``).

``main(argv=None)`` takes its arguments and output streams as parameters, so tests call it
in-process. Errors go to stderr with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TextIO

from .clock import SteppingClock
from .errors import RegistrationFsmError
from .lifecycle import LIFECYCLE
from .version import RegistrationVersion

__all__ = ["main"]

DEMO_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registration-fsm",
        description="The lifecycle of AWS SMS registration versions.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="walk a registration through a full life")
    return parser


def _run_demo(out: TextIO) -> int:
    """Two versions of one registration: version 2 is approved and archives version 1."""
    clock = SteppingClock(DEMO_START, timedelta(minutes=7))
    registration_id = "registration-0123456789abcdef0123456789abcdef"

    def show(version: RegistrationVersion, action: str) -> None:
        stamp = version.history[version.status] or version.history.latest
        out.write(
            f"  {stamp.isoformat()}  v{version.version_number}  "
            f"{version.status.value:<24} {action}\n"
        )

    out.write(f"Registration {registration_id}\n")
    v1 = RegistrationVersion.new(registration_id, 1, clock=clock)
    show(v1, "created (CreateRegistration)")
    for trigger in ("submit", "begin_review", "approve"):
        v1.fire(trigger)
        show(v1, f"{trigger} ({LIFECYCLE.initiator(trigger).value})")

    v2 = RegistrationVersion.new(registration_id, 2, clock=clock)
    show(v2, "created (CreateRegistrationVersion)")
    for trigger in ("submit", "begin_review", "approve"):
        v2.fire(trigger)
        show(v2, f"{trigger} ({LIFECYCLE.initiator(trigger).value})")
    v1.archive()
    show(v1, "archive (aws): version 2 was approved")

    out.write("\nFinal histories, in AWS's RegistrationVersionStatusHistory shape:\n")
    payload = {
        "RegistrationId": registration_id,
        "RegistrationVersions": [
            {
                "VersionNumber": v.version_number,
                "RegistrationVersionStatus": v.status.value,
                "RegistrationVersionStatusHistory": v.history.to_json(),
            }
            for v in (v2, v1)
        ],
    }
    out.write(json.dumps(payload, indent=2) + "\n")
    return 0


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
            return _run_demo(out)
        parser.print_help(err)
        return 2
    except RegistrationFsmError as exc:
        err.write(f"registration-fsm: error: {exc}\n")
        return 2
