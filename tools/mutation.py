"""Mutation testing for registration_fsm, one fresh process per mutant.

mutmut 3's fast mode imports the package once and switches mutants on inside the running
process. Here that misleads twice: code that runs at import (the lifecycle compiled by
``Lifecycle.build()``, the trigger methods version.py generates) keeps the unmutated result,
and results held in caches (``Lifecycle.explain``'s) outlive the switch. So this driver writes
each mutant into its own copy of the project and runs the tests in a new interpreter.

Mutants are made from the AST of every function and method and of every assignment at module
or class level (the tables that run at import, which mutmut leaves alone): swapped arithmetic,
comparison and boolean operators, dropped ``not``, changed constants, ``return None``,
assignments of None, dropped calls, dropped keyword arguments, positional arguments replaced
by None, ``break``/``continue`` swapped. A module with more mutants than ``--sample`` is
measured on a seeded random sample of them.

Mutants listed in tools/equivalent_mutants.txt cannot change behaviour; they are left out of
the population before sampling, so the score is killed / (mutants - equivalents).

    python tools/mutation.py                      # the default modules, sampled
    python tools/mutation.py --module history --all --strict
    python tools/mutation.py --module lifecycle --list
"""

from __future__ import annotations

import argparse
import ast
import copy
import fnmatch
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "mutants"
EQUIVALENTS = ROOT / "tools" / "equivalent_mutants.txt"
DEFAULT_MODULES = (
    "statuses",
    "lifecycle",
    "history",
    "version",
    "registration",
    "_registration_rules",
    "_registration_reconcile",
    "_registration_shapes",
    "_registration_answers",
    "_registration_listeners",
    "moves",
    "audit",
)
_REGISTRATION_TESTS = (
    "test_registration_mutants.py",
    "test_registration_sharing.py",
    "test_registration.py",
    "test_registration_backend.py",
    "test_registration_services.py",
    "test_registration_races.py",
    "test_registration_listeners.py",
    "test_reconcile.py",
    "test_hostile_inputs.py",
)

# The test files run against a mutant of each module, the most telling first (pytest stops at
# the first failure). Running fewer files than the whole suite can only lower a score; the
# slowest property tests (test_evidence.py's hundreds of examples each) are left to the modules
# they are about.
_TESTS: dict[str, tuple[str, ...]] = {
    "statuses": (
        "test_statuses_mutants.py",
        "test_statuses.py",
        "test_readme.py",
        "test_history.py",
        "test_lifecycle.py",
        "test_version.py",
        "test_drift.py",
    ),
    "lifecycle": (
        "test_lifecycle_mutants.py",
        "test_lifecycle.py",
        "test_readme.py",
        "test_paths.py",
        "test_version.py",
        "test_version_fast_paths.py",
        "test_rules.py",
        "test_diagrams.py",
        "test_cli.py",
    ),
    "history": (
        "test_history_mutants.py",
        "test_history.py",
        "test_hostile_inputs.py",
        "test_version.py",
        "test_version_fast_paths.py",
        "test_lifecycle.py",
        "test_reconcile.py",
        "test_audit.py",
    ),
    "version": (
        "test_version_mutants.py",
        "test_version.py",
        "test_version_fast_paths.py",
        "test_version_backend.py",
        "test_hostile_inputs.py",
        "test_lifecycle.py",
        "test_registration.py",
        "test_store_body.py",
    ),
    # registration.py was split by what it does; its parts keep its tests.
    "registration": _REGISTRATION_TESTS,
    "_registration_rules": _REGISTRATION_TESTS,
    "_registration_reconcile": _REGISTRATION_TESTS,
    "_registration_shapes": (*_REGISTRATION_TESTS, "test_snapshot_read.py", "test_store_body.py"),
    "_registration_answers": _REGISTRATION_TESTS,
    "_registration_listeners": ("test_registration_listeners.py", *_REGISTRATION_TESTS),
    "moves": (
        "test_moves.py",
        "test_registration_listeners.py",
        "test_journal.py",
        "test_listeners_events.py",
        "test_events.py",
    ),
    "audit": (
        "test_audit_mutants.py",
        "test_audit_fast_path.py",
        "test_audit.py",
        "test_cli_audit.py",
        "test_hostile_inputs.py",
    ),
    "evidence": ("test_evidence_mutants.py", "test_evidence.py", "test_reconcile.py"),
    # Modules of a package are named by their path: --module store/_body.
    "_snapshot_read": ("test_snapshot_read.py", "test_store_body.py", *_REGISTRATION_TESTS),
    "store/_body": (
        "test_store_body.py",
        "test_store_cache.py",
        "test_snapshot_read.py",
        "test_store_contract.py",
    ),
    "store/_cache": ("test_store_cache.py", "test_registration_sharing.py", "test_store_body.py"),
    "store/_journal": ("test_journal.py", "test_store_contract.py", "test_service.py"),
}


def test_files(module: str, without: list[str]) -> list[str]:
    """The test files present for ``module``, minus those matching a ``--without`` pattern."""
    names = _TESTS.get(module) or tuple(sorted(p.name for p in (ROOT / "tests").glob("test_*.py")))
    return [
        f"tests/{name}"
        for name in names
        if (ROOT / "tests" / name).exists()
        and not any(fnmatch.fnmatch(name, pattern) for pattern in without)
    ]


# --- making mutants ----------------------------------------------------------------------------

_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitAnd,
}
_CMP_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_NONE = ast.Constant(value=None)

Edit = Callable[[], None]


@dataclass
class Site:
    """A node inside a function and the edits that mutate it, in place."""

    qualname: str
    node: ast.AST
    where: tuple[ast.AST, str, int | None]
    edits: list[tuple[str, Edit]]


def _replace(parent: ast.AST, name: str, index: int | None, new: ast.AST) -> Edit:
    def edit() -> None:
        if index is None:
            setattr(parent, name, new)
        else:
            getattr(parent, name)[index] = new

    return edit


def _set(node: ast.AST, name: str, value: object) -> Edit:
    return lambda: setattr(node, name, value)


def _children(node: ast.AST) -> Iterator[tuple[str, int | None, ast.AST]]:
    """Child nodes with where they sit, skipping annotations and decorators."""
    for name, value in ast.iter_fields(node):
        if name in {"annotation", "returns", "decorator_list", "type_comment", "type_params"}:
            continue
        if isinstance(value, ast.AST):
            yield name, None, value
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield name, i, item


def _edits(parent: ast.AST, name: str, index: int | None, node: ast.AST) -> list[tuple[str, Edit]]:
    out: list[tuple[str, Edit]] = []
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        swap = _BINOP_SWAPS.get(type(node.op))
        if swap is not None:
            out.append(("operator", _set(node, "op", swap())))
        if isinstance(node, ast.AugAssign):
            plain = ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)
            out.append(("augmented", _replace(parent, name, index, plain)))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap_cmp = _CMP_SWAPS.get(type(op))
            if swap_cmp is not None:
                ops = list(node.ops)
                ops[i] = swap_cmp()
                out.append(("comparison", _set(node, "ops", ops)))
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        out.append(("boolean", _set(node, "op", other)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.Invert)):
        out.append(("unary", _replace(parent, name, index, node.operand)))
    elif isinstance(node, ast.Constant) and not isinstance(parent, ast.JoinedStr):
        value = node.value
        if isinstance(value, bool):
            out.append(("constant", _set(node, "value", not value)))
        elif isinstance(value, (int, float)):
            out.append(("constant", _set(node, "value", value + 1)))
        elif isinstance(value, str):
            out.append(("constant", _set(node, "value", f"XX{value}XX")))
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            out.append(("return", _set(node, "value", None)))
    elif isinstance(node, ast.Assign) and not (
        isinstance(node.value, ast.Constant) and node.value.value is None
    ):
        out.append(("assignment", _set(node, "value", copy.copy(_NONE))))
    elif isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
        out.append(("statement", _replace(parent, name, index, ast.Pass())))
    elif isinstance(node, ast.Break):
        out.append(("loop", _replace(parent, name, index, ast.Continue())))
    elif isinstance(node, ast.Continue):
        out.append(("loop", _replace(parent, name, index, ast.Break())))
    if isinstance(node, ast.Call):
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is not None:
                rest = node.keywords[:i] + node.keywords[i + 1 :]
                out.append(("keyword", _set(node, "keywords", rest)))
        for i, arg in enumerate(node.args):
            if not isinstance(arg, ast.Starred) and not (
                isinstance(arg, ast.Constant) and arg.value is None
            ):
                args = list(node.args)
                args[i] = copy.copy(_NONE)
                out.append(("argument", _set(node, "args", args)))
    return out


def _sites(tree: ast.Module) -> list[Site]:
    """Every mutable node inside a function body, in a fixed order."""
    sites: list[Site] = []
    defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

    def visit(
        parent: ast.AST, name: str, index: int | None, node: ast.AST, scope: list[str], fn: bool
    ) -> None:
        if isinstance(node, defs):
            # Defaults and decorators run at definition time; only bodies are mutated.
            inner = [*scope, node.name]
            in_body = fn or not isinstance(node, ast.ClassDef)
            for i, stmt in enumerate(node.body):
                if not (i == 0 and _docstring_stmt(stmt)):
                    visit(node, "body", i, stmt, inner, in_body)
            return
        if _is_type_checking(node):
            return
        if not fn and isinstance(node, (ast.Assign, ast.AnnAssign)) and not _is_all(node):
            fn = True  # module and class tables run at import: the trap of fast mode
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            scope = [*scope, ast.unparse(target)]
        if fn:
            edits = _edits(parent, name, index, node)
            if edits:
                sites.append(Site(".".join(scope), node, (parent, name, index), edits))
        for child_name, child_index, child in _children(node):
            visit(node, child_name, child_index, child, scope, fn)

    for i, stmt in enumerate(tree.body):
        visit(tree, "body", i, stmt, [], False)
    return sites


def _is_all(node: ast.Assign | ast.AnnAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _docstring_stmt(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_type_checking(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )


@dataclass
class Mutant:
    module: str
    number: int
    id: str
    line: int
    before: str
    after: str
    source: str = field(repr=False)


def _window(before: str, after: str, limit: int = 60) -> tuple[str, str]:
    """The two texts cut down to where they differ, with a little context either side."""
    before, after = " ".join(before.split()), " ".join(after.split())
    if max(len(before), len(after)) <= 2 * limit:
        return before, after
    prefix = 0
    while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(before), len(after)) - prefix
        and before[-1 - suffix] == after[-1 - suffix]
    ):
        suffix += 1
    start = max(0, prefix - limit // 2)

    def cut(text: str) -> str:
        end = min(len(text), len(text) - suffix + limit // 2)
        return ("..." if start else "") + text[start:end] + ("..." if end < len(text) else "")

    return cut(before), cut(after)


def mutants_of(module: str) -> list[Mutant]:
    """Every mutant of ``registration_fsm/<module>.py``, each with its mutated source."""
    path = ROOT / "registration_fsm" / f"{module}.py"
    text = path.read_text(encoding="utf-8")
    count = sum(len(site.edits) for site in _sites(ast.parse(text)))
    out: list[Mutant] = []
    seen: dict[str, int] = {}
    for number in range(count):
        tree = ast.parse(text)
        flat = [(site, kind, edit) for site in _sites(tree) for kind, edit in site.edits]
        site, kind, edit = flat[number]
        node = site.node
        context = _statement_of(tree, node)
        before = ast.unparse(context)
        edit()
        if context is node:
            parent, name, index = site.where
            now = getattr(parent, name) if index is None else getattr(parent, name)[index]
            after = ast.unparse(now)
        else:
            after = ast.unparse(context)
        before, after = _window(before, after)
        source = ast.unparse(ast.fix_missing_locations(tree))
        key = f"{module}.py::{site.qualname}::{kind}::{before} => {after}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key} #{seen[key]}"
        out.append(Mutant(module, number, key, getattr(node, "lineno", 0), before, after, source))
    return out


def _statement_of(tree: ast.Module, node: ast.AST) -> ast.AST:
    """The innermost simple statement (or the test of a compound one) holding ``node``."""
    best: ast.AST = node
    for candidate in ast.walk(tree):
        if isinstance(candidate, (ast.If, ast.While)) and any(
            n is node for n in ast.walk(candidate.test)
        ):
            return candidate.test
        if isinstance(candidate, ast.For) and any(n is node for n in ast.walk(candidate.iter)):
            return candidate.iter
        if (
            isinstance(candidate, ast.stmt)
            and not isinstance(
                candidate,
                (ast.If, ast.While, ast.For, ast.With, ast.Try, ast.FunctionDef, ast.ClassDef),
            )
            and any(n is node for n in ast.walk(candidate))
        ):
            best = candidate
    return best


def load_equivalents() -> dict[str, str]:
    """The committed list: one ``<mutant id>  # <why it cannot change behaviour>`` a line."""
    if not EQUIVALENTS.exists():
        return {}
    out: dict[str, str] = {}
    for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, reason = line.partition("  # ")
        if not sep or not reason.strip():
            raise SystemExit(f"{EQUIVALENTS.name}: every line needs '  # <reason>': {line!r}")
        out[key.strip()] = reason.strip()
    return out


# --- running them ------------------------------------------------------------------------------


def _prepare(workdir: Path) -> None:
    """A copy of the project's files (tracked or new, not ignored) to mutate."""
    if workdir.exists():
        shutil.rmtree(workdir)
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if name.startswith("mutants/") or not source.is_file():
            continue
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The copy comes first on the path; no stale bytecode can stand in for a mutant.
    env["PYTHONPATH"] = str(workdir)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["HYPOTHESIS_PROFILE"] = "mutation"  # tests/conftest.py: derandomized, no database
    return env


def _pytest(workdir: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    shutil.rmtree(workdir / ".hypothesis", ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        *tests,
    ]
    start = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=workdir,
            env=_environment(workdir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    elapsed = time.monotonic() - start
    if done.returncode == 0:
        return "survived", elapsed
    if done.returncode in (1, 2, 3):
        return "killed", elapsed
    raise SystemExit(f"pytest exited {done.returncode} in {workdir}: the driver is broken")


def _check_copy(workdir: Path, module: str) -> None:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import registration_fsm.{module.replace('/', '.')} as m; print(m.__file__)",
        ],
        cwd=workdir,
        env=_environment(workdir),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(probe).resolve().is_relative_to(workdir.resolve()):
        raise SystemExit(f"the copy is not what Python imports: {probe}")


@dataclass
class ModuleResult:
    module: str
    population: int
    equivalents: int
    sampled: list[Mutant]
    outcomes: dict[int, str] = field(default_factory=dict)

    @property
    def killed(self) -> int:
        return sum(1 for o in self.outcomes.values() if o in {"killed", "timeout"})

    @property
    def score(self) -> float:
        return 100.0 * self.killed / len(self.sampled) if self.sampled else 100.0


def run_module(
    module: str,
    args: argparse.Namespace,
    workdirs: Queue[Path],
    equivalents: dict[str, str],
) -> ModuleResult:
    every = mutants_of(module)
    live = [m for m in every if m.id not in equivalents]
    if args.only:
        live = [m for m in live if any(text in m.id for text in args.only)]
    sampled = live
    if not args.all and len(live) > args.sample:
        sampled = sorted(
            random.Random(args.seed).sample(live, args.sample), key=lambda m: m.number
        )
    result = ModuleResult(module, len(every), len(every) - len(live), sampled)
    how = (
        f"all {len(sampled)}"
        if len(sampled) == len(live)
        else f"a random sample (seed {args.seed}) of {len(sampled)} of {len(live)}"
    )
    print(
        f"{module}.py: {len(every)} mutants, {result.equivalents} listed as equivalent; "
        f"running {how}",
        flush=True,
    )
    tests = test_files(module, args.without or [])
    target = Path("registration_fsm") / f"{module}.py"
    original = (ROOT / target).read_text(encoding="utf-8")
    digest = hashlib.sha256(original.encode()).hexdigest()
    record = WORK / f"results-{module.replace('/', '.')}.json"
    if args.resume and record.exists():
        # More tests can only kill more: a mutant killed on this very source by a subset of
        # these test files stays killed.
        previous = json.loads(record.read_text(encoding="utf-8"))
        if previous.get("source") == digest and set(previous.get("tests", [])) <= set(tests):
            killed = previous.get("killed_ids", [])
            for mutant in sampled:
                if mutant.id in killed:
                    result.outcomes[mutant.number] = "killed"
            print(f"  --resume: {len(result.outcomes)} killed before on this source", flush=True)

    # The unmutated code, printed back from its AST as every mutant is, must pass: so no
    # mutant is killed by the printing. It also sets the time limit for a mutant.
    workdir = workdirs.get()
    try:
        (workdir / target).write_text(ast.unparse(ast.parse(original)), encoding="utf-8")
        _check_copy(workdir, module)
        outcome, baseline = _pytest(workdir, tests, timeout=600)
    finally:
        workdirs.put(workdir)
    if outcome != "survived":
        raise SystemExit(f"{module}.py: the tests fail without any mutant ({outcome})")
    timeout = max(30.0, 4 * baseline)
    lock = threading.Lock()

    def one(mutant: Mutant) -> None:
        workdir = workdirs.get()
        try:
            (workdir / target).write_text(mutant.source, encoding="utf-8")
            outcome, elapsed = _pytest(workdir, tests, timeout)
        finally:
            (workdir / target).write_text(original, encoding="utf-8")
            workdirs.put(workdir)
        with lock:
            result.outcomes[mutant.number] = outcome
            done = len(result.outcomes)
            if args.verbose or outcome == "survived" or done % 25 == 0:
                print(
                    f"  [{done}/{len(sampled)}] {outcome:8} {elapsed:5.1f}s  line {mutant.line}: "
                    f"{mutant.id}",
                    flush=True,
                )

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(one, [m for m in sampled if m.number not in result.outcomes]))
    killed_before = []
    if record.exists():
        previous = json.loads(record.read_text(encoding="utf-8"))
        if previous.get("source") == digest and set(previous.get("tests", [])) <= set(tests):
            killed_before = previous.get("killed_ids", [])
    killed_now = [m.id for m in sampled if result.outcomes[m.number] in {"killed", "timeout"}]
    WORK.mkdir(exist_ok=True)
    record.write_text(
        json.dumps(
            {
                "source": digest,
                "tests": tests,
                "killed_ids": sorted(set(killed_before) | set(killed_now)),
                "score": f"{result.killed}/{len(sampled)}",
                "survivors": [m.id for m in sampled if result.outcomes[m.number] == "survived"],
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", help="a module of registration_fsm")
    parser.add_argument("--sample", type=int, default=150, help="mutants per module (150)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the sample (2026)")
    parser.add_argument("--all", action="store_true", help="run every mutant, no sample")
    parser.add_argument("--jobs", type=int, default=2, help="parallel test processes (2)")
    parser.add_argument("--strict", action="store_true", help="exit 1 under --threshold")
    parser.add_argument("--threshold", type=float, default=95.0, help="percent (95)")
    parser.add_argument("--only", action="append", help="run mutants whose id contains this")
    parser.add_argument(
        "--without", action="append", help="leave out test files matching this glob"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="count as killed what a previous run killed on the same source; run the rest",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--show", type=int, help="print the mutated source of mutant N")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every outcome")
    args = parser.parse_args(argv)
    modules = args.module or list(DEFAULT_MODULES)
    equivalents = load_equivalents()

    if args.list or args.show is not None:
        for module in modules:
            for mutant in mutants_of(module):
                if args.show is not None and mutant.number == args.show:
                    print(mutant.source)
                elif args.list:
                    mark = "equivalent " if mutant.id in equivalents else ""
                    print(f"{mutant.number:4} line {mutant.line:4} {mark}{mutant.id}")
        return 0

    known = {m.id for module in modules for m in mutants_of(module)}
    stale = [key for key in equivalents if key.split("::")[0][:-3] in modules and key not in known]
    for key in stale:
        print(f"note: equivalent mutant no longer generated: {key}")

    start = time.monotonic()
    workdirs: Queue[Path] = Queue()
    for i in range(max(1, args.jobs)):
        workdir = WORK / f"w{i}"
        _prepare(workdir)
        workdirs.put(workdir)
    results = [run_module(module, args, workdirs, equivalents) for module in modules]
    elapsed = time.monotonic() - start

    print(f"\nmutation score (killed / mutants run), {elapsed / 60:.1f} minutes:")
    failing = False
    for result in results:
        how = "all" if len(result.sampled) + result.equivalents >= result.population else "sample"
        print(
            f"  {result.module + '.py':18} {result.killed:4}/{len(result.sampled):<4} "
            f"{result.score:5.1f}%  ({how}; {result.population} mutants, "
            f"{result.equivalents} equivalent)"
        )
        failing = failing or result.score < args.threshold
    if failing and args.strict:
        print(f"under {args.threshold:g}% in at least one module")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
