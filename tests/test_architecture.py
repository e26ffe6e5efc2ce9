"""The house's shape, read from the imports, so that it cannot drift back.

Every import inside ``rectification/`` counts, those inside functions included (a function-
level import is still a dependency, only a hidden one); imports under ``if TYPE_CHECKING:``
do not, as they never run. Migrations are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "rectification"
MAX_LINES = 500

# (importing area, imported area): arrows that must never exist. An area is a module's
# first part below ``rectification`` (``services``, ``selectors`` …).
FORBIDDEN = {
    ("models", "services"),
    ("models", "selectors"),
    ("models", "views"),
    ("selectors", "services"),
    ("selectors", "views"),
    ("permissions", "services"),
    ("permissions", "selectors"),
    ("workflow", "services"),
    ("workflow", "selectors"),
    ("services", "views"),
    ("services", "tasks"),
    ("services", "devdata"),
    ("selectors", "devdata"),
    ("views", "devdata"),
    ("documents", "views"),
    ("documents", "services"),
    ("ledger", "views"),
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in APP.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(APP.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {sub.lineno for sub in ast.walk(node) if hasattr(sub, "lineno")}
    return lines


def _resolve(target: str, known: dict[str, Path]) -> str | None:
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skip = _type_checking_lines(tree)
    out = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            targets = [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, known)
            # A package's own __init__ is not a dependency of its modules for this purpose.
            if resolved and resolved != name and not name.startswith(resolved + "."):
                out.add(resolved)
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_cycle(graph):
    """Depth-first search for a back edge; the message names one loop."""
    state: dict[str, int] = {}  # 1: on the stack, 2: finished
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (loop := visit(nxt)):
                return loop
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            loop = visit(start)
            assert loop is None, "import cycle: " + " -> ".join(loop)


def test_no_arrow_points_the_wrong_way(graph):
    wrong = sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if (_area(source), _area(target)) in FORBIDDEN
    )
    assert wrong == []


def test_no_module_over_the_size_limit():
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_checks_see_a_cycle_and_a_wrong_arrow():
    """The search itself works: a made-up graph with a loop and a selector importing a service."""
    fake = {
        "rectification.selectors.a": {"rectification.services.b"},
        "rectification.services.b": {"rectification.selectors.a"},
    }
    with pytest.raises(AssertionError, match="import cycle"):
        test_no_import_cycle(fake)
    with pytest.raises(AssertionError):
        test_no_arrow_points_the_wrong_way(fake)
