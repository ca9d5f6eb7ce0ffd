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

DEFAULT_EMULATOR_PORT = 8566


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registration-fsm",
        description="The lifecycle of AWS SMS registration versions.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="walk a registration through a full life")
    emulator = commands.add_parser(
        "emulator",
        help="serve the registration API on HTTP, for boto3 clients under test",
        description="Serve the in-memory simulator of the registration API over HTTP; point "
        "boto3's endpoint_url at it. Requests are not authenticated.",
    )
    emulator.add_argument(
        "--port", type=int, default=DEFAULT_EMULATOR_PORT, help="0 picks a free port"
    )
    emulator.add_argument("--host", default="127.0.0.1", help="the address to listen on")
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
        if args.command == "emulator":
            return _run_emulator(args.host, args.port, out, err)
        parser.print_help(err)
        return 2
    except RegistrationFsmError as exc:
        err.write(f"registration-fsm: error: {exc}\n")
        return 2


def _run_emulator(host: str, port: int, out: TextIO, err: TextIO) -> int:
    """Serve until interrupted; the endpoint is printed first, so scripts can read it."""
    from .emulator import Emulator

    try:
        emulator = Emulator(host=host, port=port)
    except OSError as exc:
        err.write(f"registration-fsm: error: cannot listen on {host}:{port}: {exc}\n")
        return 2
    if host not in ("127.0.0.1", "localhost"):
        err.write(
            f"registration-fsm: warning: the emulator authenticates nobody; anyone who reaches "
            f"{emulator.endpoint_url} can use it\n"
        )
    out.write(f"registration-fsm emulator listening on {emulator.endpoint_url}\n")
    out.flush()
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        out.write("registration-fsm emulator stopped\n")
    return 0
