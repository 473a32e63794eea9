"""The package's shape, over its import graph: no import cycle, imports only go down the layers,
no rule family imports another, no module over 500 lines. Every import statement counts: at
module level, inside a function, under `if TYPE_CHECKING:`; `from package import name` also
counts as importing the package itself (its `__init__` runs). The layers are drawn in
docs/ARCHITECTURE.md."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "integrity_lsp"
ROOT = PACKAGE.name

# Bottom to top; a module belongs to the layer of the longest prefix naming it. A module may
# import modules of its own layer (without a cycle) and of the layers below it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("syntax", ("syntax", "_version", "findings", "config")),
    ("project", ("project",)),
    ("analysis", ("analysis",)),
    ("rules", ("rules",)),
    ("checker", ("checker", "cache")),
    ("explain", ("explain",)),
    ("front ends", ("", "__main__", "cli", "fixer", "reporters", "server")),
)
RULE_FAMILIES = ("rules.races", "rules.guards", "rules.migrations")
MAX_LINES = 500


def module_names() -> dict[str, Path]:
    """Dotted module name (without the package prefix; "" for the package) -> file."""
    names: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imported(tree: ast.Module, name: str, is_package: bool) -> Iterator[str]:
    """The dotted names (absolute) every import statement of a module names, anywhere in it."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = [ROOT, *package.split(".")] if package else [ROOT]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (names without the package prefix)."""
    modules = module_names()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for dotted in imported(tree, name, path.name == "__init__.py"):
            if dotted != ROOT and not dotted.startswith(f"{ROOT}."):
                continue
            target = dotted.removeprefix(ROOT).removeprefix(".")
            while target not in modules:  # `from a.b import name`: the module a.b
                target = target.rpartition(".")[0]
            if target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def layer_of(module: str) -> int:
    best: tuple[int, int] | None = None
    for level, (_title, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = prefix == "" or module == prefix or module.startswith(f"{prefix}.")
            if inside and (best is None or len(prefix) > best[1]):
                best = (level, len(prefix))
    assert best is not None, f"{ROOT}.{module} is in no layer: add it to LAYERS"
    return best[0]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_counts_every_kind_of_import() -> None:
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import integrity_lsp.findings\n"
        "from integrity_lsp.syntax import nodes\n"
        "from . import context\n"
        "if TYPE_CHECKING:\n"
        "    from integrity_lsp.project.index import ProjectIndex\n"
        "def later():\n"
        "    from integrity_lsp.checker import check_source\n"
    )
    names = set(imported(ast.parse(source), "analysis.walker", is_package=False))
    assert {
        "integrity_lsp.findings",
        "integrity_lsp.syntax",
        "integrity_lsp.syntax.nodes",
        "integrity_lsp.analysis.context",
        "integrity_lsp.project.index",
        "integrity_lsp.checker",
    } <= names


def test_every_module_has_a_layer() -> None:
    for module in module_names():
        layer_of(module)


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_imports_only_go_down_the_layers() -> None:
    wrong = [
        f"{ROOT}.{module} ({LAYERS[layer_of(module)][0]}) imports {ROOT}.{target} "
        f"({LAYERS[layer_of(target)][0]})"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if layer_of(target) > layer_of(module)
    ]
    assert wrong == []


def test_no_rule_family_imports_another() -> None:
    def family(module: str) -> str | None:
        return next((f for f in RULE_FAMILIES if module == f or module.startswith(f"{f}.")), None)

    modules = module_names()
    assert all(family in modules for family in RULE_FAMILIES)
    wrong = [
        f"{ROOT}.{module} imports {ROOT}.{target}"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if family(module) is not None and family(target) not in (None, family(module))
    ]
    assert wrong == []


def test_no_module_over_500_lines() -> None:
    sizes = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in module_names().items()
    }
    assert {name: size for name, size in sizes.items() if size > MAX_LINES} == {}
