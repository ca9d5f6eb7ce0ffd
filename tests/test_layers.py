"""The package's imports point only downward: no import circle, even through a lazy import."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "registration_fsm"
MODEL = {
    "statuses",
    "lifecycle",
    "history",
    "evidence",
    "values",
    "version",
    "registration",
    "rules",
    "reconcile",
    "errors",
    "clock",
    "_snapshot_read",
    "_registration_rules",
    "_registration_reconcile",
    "_registration_shapes",
    "_registration_answers",
    "_registration_listeners",
    "_listeners",
    "moves",
}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every registration_fsm module ``path`` imports at run time (TYPE_CHECKING excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("registration_fsm"):
                found.add(target)
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    if (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists():
                        found.add(candidate)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("registration_fsm"))
    return found - {_module(path)}


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        # A package's __init__ re-exports its children lazily; its own imports are its edges.
        graph[name] = {m for m in _imports(path) if m in modules}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            # A package importing its own child is how re-exports work, not a circle.
            if nxt == "registration_fsm" or node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_there_is_no_import_circle() -> None:
    assert _cycle(_graph()) is None


def test_the_model_imports_only_the_model() -> None:
    graph = _graph()
    for name in MODEL:
        outside = {m for m in graph[f"registration_fsm.{name}"] if m.split(".")[1] not in MODEL}
        assert not outside, f"{name} imports {sorted(outside)}"


def test_the_checker_finds_a_planted_circle() -> None:
    graph = {
        "registration_fsm.a": {"registration_fsm.b"},
        "registration_fsm.b": {"registration_fsm.a"},
    }
    assert _cycle(graph) == ["registration_fsm.a", "registration_fsm.b", "registration_fsm.a"]
