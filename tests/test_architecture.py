"""The architecture, checked on the source: imports flow one way, without cycles; nothing below
the edges (the ``tracker`` command, ``tracker.open`` and the settings) reads the environment or
prints.

Imports are read with :mod:`ast`, function-level ones included (they are still dependencies);
``if TYPE_CHECKING:`` blocks are not imports at run time and are skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tle", "markets", "tracker", "tui")
#: Who may import whom: the libraries know nothing of the application, the core nothing of the UI
#: (``markets`` takes the distribution's version for its User-Agent from ``tle``).
ALLOWED = {"tle": {"tle"}, "markets": {"markets", "tle"}, "tracker": {"tle", "markets", "tracker"}, "tui": set(PACKAGES)}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")] = path
    return found


def _runtime_nodes(tree: ast.AST):
    """Every node but those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        yield node
        yield from _runtime_nodes(node)


def imports(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports (``from pkg import module`` counts the module)."""
    out: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{a.name}" for a in node.names}
            out |= subs if subs <= known else {node.module} | (subs & known)
    return {m for m in out if m in known}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(path, set(mods)) - {name} for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_cycles_are_found_when_there_are_some() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_flow_one_way() -> None:
    wrong = [
        f"{name} imports {dep}" for name, deps in graph().items() for dep in deps
        if dep.split(".")[0] not in ALLOWED[name.split(".")[0]]
    ]
    assert wrong == []


def test_only_the_edges_read_the_environment_or_print() -> None:
    edges = ("tracker.cli", "tracker.settings", "tracker")
    offenders = []
    for name, path in modules().items():
        if name in edges or name.startswith("tracker.cli.") or name.startswith("tui"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            text = ast.unparse(node) if isinstance(node, (ast.Attribute, ast.Call)) else ""
            if isinstance(node, ast.Attribute) and text in ("os.environ", "os.getenv"):
                offenders.append(f"{name}: {text}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{name}: print")
    assert offenders == []
