"""The shape of the code: capability packages depend on each other one way only."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import regsvc

PACKAGE = Path(regsvc.__file__).parent


def _imports(tree: ast.Module) -> list[str]:
    """Modules of regsvc that a module imports when it runs (not those it names only for
    type checking, inside `if TYPE_CHECKING:`)."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return [name for name in found if name.split(".")[0] == "regsvc"]


def _unit(module: str) -> str | None:
    """The package (or top-level module) of regsvc that a dotted module name belongs to."""
    parts = module.split(".")
    if len(parts) < 2:
        return None
    if (PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").exists():
        return parts[1]
    return None


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Package → the packages (and top-level modules) of regsvc it imports at run time.
    The application factory (regsvc/__init__.py) puts them together and is left out."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "__init__.py":
            continue
        source = _unit(_module_name(path)) or path.stem
        for imported in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = _unit(imported)
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path (first node repeated at the end), or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = walk(target)
                if cycle:
                    return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = walk(node)
            if cycle:
                return cycle
    return None


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_packages_import_each_other_one_way_only():
    graph = import_graph()
    assert "registration" in graph["claims"]  # the graph is really read
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between packages: " + " → ".join(cycle or [])


def test_no_view_imports_another_packages_view():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "__init__.py":  # the application factory registers them all
            continue
        own = _unit(_module_name(path))
        for imported in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            leaf = imported.split(".")[2:3]
            if leaf and leaf[0] in {"views", "console", "finance_views"} and _unit(imported) != own:
                offenders.append(f"{_module_name(path)} imports {imported}")
    assert offenders == []
