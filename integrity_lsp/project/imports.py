"""Import tables read from parso trees: which module (and attribute) each local name comes from.

`import a.b` binds `a` to the module `a`; `import a.b as c` binds `c` to `a.b`; `from . import
models as m` binds `m` to `(package, "models")` -- whether that is a module or an attribute is
decided later by whoever knows the modules (the index). Relative imports are resolved from the
importing file's dotted module name; without one they are dropped.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from integrity_lsp.syntax.source import cpython_tree, parse

_EMPTY: Mapping[str, tuple[str, str | None]] = MappingProxyType({})


@dataclass(frozen=True)
class ImportTable:
    """Local name -> (module, attribute); attribute None when the name is the module itself.

    `names` holds module-level imports; imports inside functions and classes are merged in
    only for names the module level does not bind (an approximation of scoping that is right
    for the common `def view(request): from .models import Product` shape).
    """

    names: Mapping[str, tuple[str, str | None]] = field(default_factory=lambda: _EMPTY)
    star_modules: tuple[str, ...] = ()

    def lookup(self, name: str) -> tuple[str, str | None] | None:
        return self.names.get(name)

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.names.items())), self.star_modules))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImportTable):
            return NotImplemented
        return dict(self.names) == dict(other.names) and self.star_modules == other.star_modules

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as a plain dict (a saved index: `cache/snapshot.py`); read-only again after."""
        return (_table, (dict(self.names), self.star_modules))


def _table(names: dict[str, tuple[str, str | None]], stars: tuple[str, ...]) -> ImportTable:
    return ImportTable(MappingProxyType(names), stars)


def resolve_relative(module: str | None, is_package: bool, level: int, dotted: str) -> str | None:
    """The absolute module named by `from <level dots><dotted> import …` inside `module`."""
    if level == 0:
        return dotted or None
    if not module:
        return None
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        if level - 1 >= len(parts):
            return None  # beyond the top-level package
        parts = parts[: len(parts) - (level - 1)]
    if dotted:
        parts = [*parts, *dotted.split(".")]
    return ".".join(parts) or None


def build_import_table(tree: Any, module: str | None, *, is_package: bool) -> ImportTable:
    """The import table of a parsed module (never raises on a half-typed file)."""
    top: dict[str, tuple[str, str | None]] = {}
    nested: dict[str, tuple[str, str | None]] = {}
    stars: list[str] = []
    for node in _iter_import_nodes(tree):
        target = top if _is_module_level(node) else nested
        try:
            _add_import(node, module, is_package, target, stars)
        except (AttributeError, IndexError, TypeError, ValueError):
            continue
    for name, value in nested.items():
        top.setdefault(name, value)
    return ImportTable(MappingProxyType(top), tuple(dict.fromkeys(stars)))


def import_table_of_text(text: str, module: str | None, *, is_package: bool) -> ImportTable:
    """`build_import_table` of the text, without a parso tree where CPython's parser accepts
    the text (ten times faster: a module read only for its imports need not be parsed twice)."""
    tree = cpython_tree(text)
    if tree is None:
        return build_import_table(parse(text), module, is_package=is_package)
    top: dict[str, tuple[str, str | None]] = {}
    nested: dict[str, tuple[str, str | None]] = {}
    stars: list[str] = []
    for statement, module_level in _ast_imports(tree):
        target = top if module_level else nested
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname is not None:
                    target[alias.asname] = (alias.name, None)
                else:
                    head = alias.name.split(".")[0]
                    target[head] = (head, None)
            continue
        base = resolve_relative(module, is_package, statement.level, statement.module or "")
        if base is None:
            continue
        for alias in statement.names:
            if alias.name == "*":
                stars.append(base)
            else:
                target[alias.asname or alias.name] = (base, alias.name)
    for name, value in nested.items():
        top.setdefault(name, value)
    return ImportTable(MappingProxyType(top), tuple(dict.fromkeys(stars)))


def _ast_imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Import statements in source order, each with whether it is at module level."""
    stack: list[tuple[ast.AST, bool]] = [(tree, True)]
    while stack:
        node, module_level = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, module_level
            continue
        if isinstance(node, ast.expr):
            continue  # imports are statements
        inner = module_level and not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        )
        stack.extend((child, inner) for child in reversed(list(ast.iter_child_nodes(node))))


def _iter_import_nodes(node: Any) -> Iterator[Any]:
    for child in getattr(node, "children", ()):
        kind = child.type
        if kind in ("import_name", "import_from"):
            yield child
        elif hasattr(child, "children") and kind not in ("atom", "atom_expr", "power", "trailer"):
            yield from _iter_import_nodes(child)


def _is_module_level(node: Any) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in ("funcdef", "classdef", "lambdef"):
            return False
        parent = parent.parent
    return True


def _add_import(
    node: Any,
    module: str | None,
    is_package: bool,
    target: dict[str, tuple[str, str | None]],
    stars: list[str],
) -> None:
    if node.type == "import_name":
        for path, alias in node._dotted_as_names():
            names = [leaf.value for leaf in path]
            if alias is not None:
                target[alias.value] = (".".join(names), None)
            else:
                target[names[0]] = (names[0], None)
        return
    dotted = ".".join(leaf.value for leaf in node.get_from_names())
    base = resolve_relative(module, is_package, node.level, dotted)
    if base is None:
        return
    if node.is_star_import():
        stars.append(base)
        return
    for name, alias in node._as_name_tuples():
        local = alias if alias is not None else name
        target[local.value] = (base, name.value)


def may_reach(text: str, module: str | None, *, is_package: bool, target: str) -> bool:
    """Can the code of `text` (module `module`) name `target` (`pkg.mod.func`)? Through an
    import of it or of a module or package on its path (a star import too), or with its
    module's last name before it written out (`signals.func(…)`, a dotted path in a string).
    Unknown for a module of unknown name (its relative imports cannot be resolved): it may."""
    holder, _, name = target.rpartition(".")
    if module is None or f"{holder.rpartition('.')[2]}.{name}" in text:
        return True
    table = import_table_of_text(text, module, is_package=is_package)
    imported = [m if attr is None else f"{m}.{attr}" for m, attr in table.names.values()]
    return any(target == path or target.startswith(path + ".") for path in imported) or any(
        target.startswith(star + ".") for star in table.star_modules
    )
