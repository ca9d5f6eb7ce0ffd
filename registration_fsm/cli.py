"""The ``registration-fsm`` command line (also ``python -m registration_fsm``).

``main(argv=None)`` takes its arguments and output streams as parameters, so tests call it
in-process. Errors go to stderr with exit code 2, never as a traceback. Each subcommand is
declared by its own ``_add_*`` function, which registers the function that runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._cli_sync import add_sync
from .errors import MalformedDataError, RegistrationFsmError

if TYPE_CHECKING:
    from .version import RegistrationVersion

__all__ = ["main"]

_Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]


class _CommandError(RegistrationFsmError):
    """A command's input cannot be used: an unreadable file, bad JSON, a missing version."""


DEFAULT_EMULATOR_PORT = 8566


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registration-fsm",
        description="The lifecycle of AWS SMS registration versions.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_package_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo(commands)
    _add_transitions(commands)
    _add_diagram(commands)
    _add_check_drift(commands)
    _add_audit(commands)
    _add_emulator(commands)
    add_sync(commands)
    return parser


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("registration-fsm")
    except PackageNotFoundError:
        return "(not installed)"


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line and return its exit code.

    A reader that closes the pipe early (``registration-fsm transitions | head``) ends the
    command quietly with exit code 1, as Python's own tools do.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = _build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exit_:  # a usage error (2), --help or --version (0)
        return exit_.code if isinstance(exit_.code, int) else 2
    handler: _Handler | None = getattr(args, "handler", None)
    try:
        if handler is None:
            parser.print_help(err)
            return 2
        code = handler(args, out, err)
        out.flush()
        return code
    except RegistrationFsmError as exc:
        err.write(f"registration-fsm: error: {_describe(exc)}\n")
        return 2
    except BrokenPipeError:
        _discard_stdout(out)
        return 1


def _describe(error: RegistrationFsmError) -> str:
    """One line for an error, with AWS's Reason where it carries one.

    The Reason tells apart refusals whose messages read alike (REGISTRATION_ALREADY_SUBMITTED
    against SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED), so it is never left out.
    """
    text = " ".join(str(error).split())
    reason = getattr(error, "reason", None)
    if isinstance(reason, str) and reason and reason not in text:
        text = f"{text} (Reason: {reason})"
    return text


def _byte_count(text: str) -> int:
    """An argparse type for a size limit: refused here, before any file is opened."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text[:40]!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number of bytes, got {count}")
    if count > _LARGEST_LIMIT:
        raise argparse.ArgumentTypeError(f"must be at most {_LARGEST_LIMIT} bytes, got {text}")
    return count


_LARGEST_LIMIT = 2**63 - 1


class _Renamed(argparse.Action):
    """An option spelled as it used to be: a usage error that names the new spelling."""

    def __init__(self, *args: Any, new: str, **kwargs: Any) -> None:
        self.new = new
        super().__init__(*args, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parser.error(f"{option_string} is now {self.new}")


def _discard_stdout(out: TextIO) -> None:
    """Point a closed stdout at /dev/null, so the interpreter's final flush stays quiet."""
    if out is not sys.stdout:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


# -- demo ------------------------------------------------------------------------------------


def _add_demo(commands: Any) -> None:
    command = commands.add_parser("demo", help="walk a registration through a full life")
    command.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ._demo import run_demo

    return run_demo(out)


# -- transitions -----------------------------------------------------------------------------


def _add_transitions(commands: Any) -> None:
    command = commands.add_parser(
        "transitions",
        help="list every allowed move of a version",
        description="Every edge of the lifecycle: from, trigger, to, initiator, provenance "
        "(json and markdown add the note on each edge).",
    )
    command.add_argument(
        "--format", choices=("table", "json", "markdown"), default="table", help="(default: table)"
    )
    command.set_defaults(handler=_run_transitions)


def _run_transitions(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .lifecycle import LIFECYCLE

    rows = [
        {
            "from": e.source.value,
            "trigger": e.trigger,
            "to": e.dest.value,
            "initiator": e.initiator.value,
            "provenance": e.provenance.value,
            "note": e.note,
        }
        for e in LIFECYCLE.edges
    ]
    if args.format == "json":
        out.write(json.dumps(rows, indent=2) + "\n")
    elif args.format == "markdown":
        keys = list(rows[0])
        out.write("| " + " | ".join(keys) + " |\n")
        out.write("|" + "---|" * len(keys) + "\n")
        for row in rows:
            cells = (row[k].replace("|", "\\|") for k in keys)
            out.write("| " + " | ".join(cells) + " |\n")
    else:
        keys = ["from", "trigger", "to", "initiator", "provenance"]
        widths = {k: max(len(k), *(len(row[k]) for row in rows)) for k in keys}
        out.write("  ".join(k.upper().ljust(widths[k]) for k in keys).rstrip() + "\n")
        for row in rows:
            out.write("  ".join(row[k].ljust(widths[k]) for k in keys).rstrip() + "\n")
    return 0


# -- diagram ---------------------------------------------------------------------------------


def _add_diagram(commands: Any) -> None:
    command = commands.add_parser(
        "diagram",
        help="draw the lifecycle, or one version's path through it",
        description="Draw the lifecycle. With FILE, draw one version's path over it, read "
        "from a snapshot (RegistrationVersion.to_dict) or from AWS JSON: the result of "
        "Submit, Discard or CreateRegistrationVersion, or the output of "
        "DescribeRegistrationVersions. FILE '-' reads standard input.",
    )
    command.add_argument("file", nargs="?", metavar="FILE", help="a version to draw")
    command.add_argument(
        "--format", choices=("mermaid", "dot", "svg"), default="mermaid", help="(default: mermaid)"
    )
    command.add_argument("--output", "-o", metavar="PATH", help="write here instead of stdout")
    command.add_argument(
        "--version-number",
        type=int,
        metavar="N",
        help="with DescribeRegistrationVersions output, the version to draw (default: latest)",
    )
    command.add_argument(
        "--version", action=_Renamed, new="--version-number", nargs="?", help=argparse.SUPPRESS
    )
    command.set_defaults(handler=_run_diagram)


def _run_diagram(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .diagrams import lifecycle_diagram, path_diagram, render_dot, render_mermaid, render_svg

    if args.file is None:
        if args.version_number is not None:
            raise _CommandError("--version-number chooses a version from FILE; give FILE too")
        diagram = lifecycle_diagram()
    else:
        data = _read_json(args.file)
        diagram = path_diagram(_version_from_document(data, args.version_number))
    renderers = {"mermaid": render_mermaid, "dot": render_dot, "svg": render_svg}
    text = renderers[args.format](diagram)
    if args.output is None:
        out.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    return 0


def _read_json(name: str) -> Any:
    """A JSON document from a regular file, or from standard input for ``-``."""
    from ._input import load_json

    return load_json(name, stdin=sys.stdin)


def _version_from_document(data: object, version_number: int | None) -> RegistrationVersion:
    """The RegistrationVersion a snapshot or an AWS response describes."""
    from .version import RegistrationVersion

    if not isinstance(data, Mapping):
        raise MalformedDataError(f"expected a JSON object, got {type(data).__name__}")
    if "schema" in data:
        version = RegistrationVersion.from_dict(data)
    elif "RegistrationVersions" in data:
        version = _pick_described_version(data, version_number)
    elif "RegistrationVersionStatus" in data:
        version = RegistrationVersion.from_aws(data)
    else:
        raise MalformedDataError(
            "not a version snapshot, a Submit, Discard or CreateRegistrationVersion result, "
            "or a DescribeRegistrationVersions output"
        )
    if version_number is not None and version.version_number != version_number:
        raise _CommandError(
            f"the file holds version {version.version_number}, not version {version_number}"
        )
    return version


def _pick_described_version(
    data: Mapping[str, Any], version_number: int | None
) -> RegistrationVersion:
    from .version import RegistrationVersion

    items = data["RegistrationVersions"]
    if not isinstance(items, list) or not items:
        raise MalformedDataError("expected a non-empty list", path="RegistrationVersions")
    numbers: list[int] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise MalformedDataError("expected an object", path="RegistrationVersions[]")
        number = item.get("VersionNumber")
        if isinstance(number, bool) or not isinstance(number, int):
            raise MalformedDataError(
                "expected an integer", path="RegistrationVersions[].VersionNumber", value=number
            )
        numbers.append(number)
    wanted = version_number if version_number is not None else max(numbers)
    if wanted not in numbers:
        listed = ", ".join(str(n) for n in sorted(numbers))
        raise _CommandError(f"no version {wanted} in the file; it holds versions {listed}")
    item = items[numbers.index(wanted)]
    return RegistrationVersion.from_aws(
        item,
        registration_id=data.get("RegistrationId"),
        registration_arn=data.get("RegistrationArn"),
    )


# -- check-drift -----------------------------------------------------------------------------


def _add_check_drift(commands: Any) -> None:
    command = commands.add_parser(
        "check-drift",
        help="compare the library's statuses with botocore's model of the API",
        description="Compare VersionStatus, RegistrationStatus and the history fields with the "
        "pinpoint-sms-voice-v2 model that botocore ships (or a service-2 model file). "
        "Exit status 1 when they differ.",
    )
    command.add_argument(
        "--model",
        metavar="FILE",
        help="a service-2 JSON model (.json or .json.gz) to compare with",
    )
    command.set_defaults(handler=_run_check_drift)


def _run_check_drift(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .drift import check_drift, load_service_model

    model, source = load_service_model(args.model)
    report = check_drift(model, source=source)
    out.write("\n".join(report.lines()) + "\n")
    return 1 if report.has_drift else 0


# -- emulator --------------------------------------------------------------------------------


def _add_emulator(commands: Any) -> None:
    command = commands.add_parser(
        "emulator",
        help="serve the registration API on HTTP, for boto3 clients under test",
        description="Serve the in-memory simulator of the registration API over HTTP; point "
        "boto3's endpoint_url at it. Requests are not authenticated.",
    )
    command.add_argument(
        "--port", type=int, default=DEFAULT_EMULATOR_PORT, help="0 picks a free port"
    )
    command.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on: a loopback address (127.0.0.0/8, ::1, localhost)",
    )
    command.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="listen on --host even beyond loopback, accepting that anyone who reaches it "
        "can use it (it authenticates nobody)",
    )
    command.add_argument(
        "--state",
        metavar="FILE",
        help="load the simulator's state from FILE if it exists, and save it there on exit",
    )
    command.add_argument(
        "--catalogue",
        metavar="FILE",
        nargs="+",
        help="registration type, section and field definitions captured with the AWS CLI "
        "(describe-registration-*-definitions output) instead of the built-in sample",
    )
    command.add_argument(
        "--wall-clock", action="store_true", help="stamp with the time now, not 2026-01-01"
    )
    command.add_argument(
        "--seed", type=int, help="draw ids from this seed, so that runs do not collide"
    )
    command.add_argument(
        "--deny-incomplete",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="deny submitted versions with REQUIRED fields unset when the AWS side moves them "
        "on, as AWS was observed to (the default; --no-deny-incomplete plays what it is told)",
    )
    command.set_defaults(handler=_run_emulator)


def _run_emulator(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Serve until interrupted; the endpoint is printed first, so scripts can read it."""
    from .backends import SAMPLE_CATALOGUE, Catalogue, InMemoryBackend
    from .clock import utc_now
    from .emulator import Emulator, is_loopback

    host: str = args.host
    port: int = args.port
    backend = InMemoryBackend(
        clock=utc_now if args.wall_clock else None,
        catalogue=Catalogue.load(*args.catalogue) if args.catalogue else SAMPLE_CATALOGUE,
        deny_incomplete=args.deny_incomplete,
        id_seed=args.seed,
    )
    state = Path(args.state) if args.state else None
    if state is not None and state.exists():
        backend.load(state)
    if not is_loopback(host) and args.allow_non_loopback:
        err.write(
            f"registration-fsm: warning: the emulator authenticates nobody; anyone who reaches "
            f"{host} port {port} can use it\n"
        )
    try:
        emulator = Emulator(
            backend, host=host, port=port, allow_non_loopback=args.allow_non_loopback
        )
    except OSError as exc:
        err.write(f"registration-fsm: error: cannot listen on {host}:{port}: {exc}\n")
        return 2
    out.write(f"registration-fsm emulator listening on {emulator.endpoint_url}\n")
    out.flush()
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        out.write("registration-fsm emulator stopped\n")
    if state is not None:
        try:
            backend.save(state)
        except OSError as exc:
            err.write(f"registration-fsm: error: cannot save the state to {state}: {exc}\n")
            return 2
    return 0


# -- audit -----------------------------------------------------------------------------------


def _add_audit(commands: Any) -> None:
    from .audit import MAX_EXPORT_BYTES

    command = commands.add_parser(
        "audit",
        help="check exported registration histories for illegal paths",
        description="Check the JSON printed by `aws pinpoint-sms-voice-v2 "
        "describe-registration-versions` (and describe-registrations), one file or many: "
        "every version whose history is not a legal path is reported with its reason. "
        "Exit status: 0 clean, 1 findings, 2 unreadable input.",
    )
    command.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="an export file (JSON), '-' for standard input; or a live source:",
    )
    command.add_argument(
        "--from-aws",
        action="store_true",
        help="audit every registration of the account, read live with the default boto3 "
        "session (DescribeRegistrations, DescribeRegistrationVersions)",
    )
    command.add_argument("--region", help="with --from-aws: the AWS region")
    command.add_argument(
        "--endpoint-url", help="with --from-aws: another endpoint (the emulator, for one)"
    )
    command.add_argument(
        "--store",
        metavar="URL",
        help="audit a store (sqlite:///path or postgresql://...): every registration by the "
        "rule of evidence, and every journal's hash chain, replayed against the stored state",
    )
    command.add_argument(
        "--format",
        choices=_AUDIT_FORMATS,
        default=None,
        help="text (one line per finding, the default), json, html (a self-contained page "
        "with timelines and path diagrams), junit (XML, a test case per version) or markdown "
        "(tables for a pull request comment or a CI job summary)",
    )
    command.add_argument(
        "--json", action="store_true", help="print the report as JSON (same as --format json)"
    )
    command.add_argument(
        "--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    command.add_argument(
        "--max-bytes",
        type=_byte_count,
        default=MAX_EXPORT_BYTES,
        metavar="N",
        help=f"refuse files larger than N bytes (default: {MAX_EXPORT_BYTES})",
    )
    command.set_defaults(handler=_run_audit)


def _run_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Audit the files together: the report covers the readable ones, and each unreadable one
    gets an error line (exit 2, and a summary that says the audit is incomplete)."""
    from ._input import STDIN, STDIN_SOURCE, load_json
    from .audit import _Auditor
    from .errors import AuditInputError

    if args.files.count(STDIN) > 1:
        raise _CommandError("standard input can be read only once; give '-' once")
    form = _audit_format(args)
    live = bool(args.from_aws) + (args.store is not None)
    if live + bool(args.files) != 1:
        raise _CommandError("give export FILEs, --from-aws or --store URL: exactly one of them")
    if (args.region or args.endpoint_url) and not args.from_aws:
        raise _CommandError("--region and --endpoint-url go with --from-aws")
    output = _audit_output(args.output)
    auditor = _Auditor()
    errors: list[AuditInputError] = []
    documents: list[tuple[str, object]] = []
    if live:
        from ._cli_live import audit_live

        report = audit_live(args, err, documents if form in _MODEL_FORMATS else None)
    for path in args.files:
        source = STDIN_SOURCE if path == STDIN else path
        try:
            data = load_json(path, max_bytes=args.max_bytes, stdin=sys.stdin)
            auditor.add(data, source)
            if form in _MODEL_FORMATS:
                documents.append((source, data))
        except AuditInputError as unreadable:
            errors.append(unreadable)
        except RegistrationFsmError as refused:
            errors.append(AuditInputError(source, _describe(refused)))
        except MemoryError:
            errors.append(AuditInputError(source, "too large to audit (MemoryError)"))
    if not live:
        report = auditor.report()
    if form in _MODEL_FORMATS:
        from . import reports

        model = reports.build_report(
            report, documents, errors=[(e.source, e.detail) for e in errors]
        )
        renderers = {
            "html": reports.render_html,
            "junit": reports.render_junit,
            "markdown": reports.render_markdown,
        }
        text = renderers[form](model)
    elif form == "json":
        payload = report.to_json()
        payload["ok"] = report.ok and not errors
        payload["errors"] = [{"source": e.source, "error": e.detail} for e in errors]
        text = json.dumps(payload, indent=2) + "\n"
    else:
        lines = [f"{finding}\n" for finding in report.findings]
        summary = _incomplete_summary(report, len(errors)) if errors else report.summary()
        text = "".join(lines) + summary + "\n"
    if output is None:
        out.write(text)
    else:
        _write_report(output, text)
    for error in errors:
        err.write(f"registration-fsm: error: {error}\n")
    if errors:
        return 2
    return 0 if report.ok else 1


def _incomplete_summary(report: Any, unread: int) -> str:
    """The summary when some files could not be read: never "no findings", which would
    read as a clean audit."""

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    found = f": {count(len(report.findings), 'finding')}" if report.findings else ""
    return (
        f"audited {count(report.versions_checked, 'version')} of "
        f"{count(report.registrations_checked, 'registration')} in "
        f"{count(len(report.sources), 'source')}{found}; {count(unread, 'file')} could not "
        "be read, so the audit is incomplete"
    )


_AUDIT_FORMATS = ("text", "json", "html", "junit", "markdown")
_MODEL_FORMATS = frozenset({"html", "junit", "markdown"})


def _audit_format(args: argparse.Namespace) -> str:
    if args.json and args.format not in (None, "json"):
        raise _CommandError(f"--json and --format {args.format} disagree; give one of them")
    if args.json:
        return "json"
    return "text" if args.format is None else str(args.format)


def _audit_output(name: str | None) -> Path | None:
    """The file to write the report to, refused before any work if it cannot be one."""
    if name is None or name == "-":
        return None
    path = Path(name)
    if path.is_dir():
        raise _CommandError(f"cannot write the report to {name}: it is a directory")
    if path.exists() and not path.is_file():
        raise _CommandError(f"cannot write the report to {name}: not a regular file")
    if not path.parent.is_dir():
        raise _CommandError(f"cannot write the report to {name}: no directory {path.parent}")
    return path


def _write_report(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _CommandError(f"cannot write the report to {path}: {exc.strerror or exc}") from None
