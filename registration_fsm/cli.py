"""The ``registration-fsm`` command line (also ``python -m registration_fsm``).

``main(argv=None)`` takes its arguments and output streams as parameters, so tests call it
in-process. Errors go to stderr with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from typing import TextIO

from .errors import RegistrationFsmError

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registration-fsm",
        description="The lifecycle of AWS SMS registration versions.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="walk a registration through a full life")
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
        parser.print_help(err)
        return 2
    except RegistrationFsmError as exc:
        err.write(f"registration-fsm: error: {exc}\n")
        return 2
