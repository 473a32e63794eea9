"""The project's subclasses of a class, for a generic base that leaves an attribute to them
(a view whose `serializer_class` each concrete view sets). Candidate files are found by text
first — each file's `class X(…)` base names read once per content — and a class counts when
one of its bases resolves (`handlers.class_definition`) to the class itself; subclasses of
subclasses follow. Production code only: test modules, management commands and migrations
define no views that serve requests. At most `MAX_SUBCLASSES` are returned (a bounded cost
on frameworks with hundreds of views)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.called_names import NameIndex, files_with
from integrity_lsp.analysis.handlers import class_bases, class_definition, project_source
from integrity_lsp.syntax.nodes import Node
from integrity_lsp.syntax.source import is_command_code

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.syntax.source import SourceFile

MAX_SUBCLASSES = 400
_CLASS_BASES = re.compile(r"^[ \t]*class\s+\w+\s*\(([^)]*)\)", re.MULTILINE)
_WORD = re.compile(r"\w+")
_BASE_NAMES: NameIndex = {}


def project_subclasses(classdef: Node, source: SourceFile, ctx: Context) -> Iterator[
    tuple[Node, SourceFile]
]:  # fmt: skip
    """Every production class of the project deriving from `classdef` (directly or through
    other project classes), each once, nearest first."""
    pending = [(str(classdef.children[1].value), source.path)]
    seen = {(source.path, pending[0][0])}
    count = 0
    while pending:
        name, path = pending.pop(0)
        for candidate in _files_naming(name, ctx):
            other = ctx.file if candidate == ctx.file.path else project_source(candidate, ctx)
            if other is None or not _production(other, ctx):
                continue
            for subclass in _classdefs(other.tree):
                key = (other.path, str(subclass.children[1].value))
                if key in seen or not _derives(subclass, other, name, path, ctx):
                    continue
                seen.add(key)
                pending.append((key[1], other.path))
                yield subclass, other
                count += 1
                if count >= MAX_SUBCLASSES:
                    return


def _derives(subclass: Node, source: SourceFile, name: str, path: Path, ctx: Context) -> bool:
    """Does one of the class's bases name the class `name` defined in `path`?"""
    for base in class_bases(subclass):
        base = base.split("[", 1)[0]
        if base.rsplit(".", 1)[-1] != name:
            continue
        found = class_definition(base, source, ctx)
        if found is not None and found[1].path == path and found[0].children[1].value == name:
            return True
    return False


def _classdefs(tree: Node) -> Iterator[Node]:
    """The module's class statements, also under `if`/`try` at module level."""
    pending = list(tree.children)
    while pending:
        node = pending.pop(0)
        if node.type == "classdef":
            yield node
        elif node.type == "decorated" and node.children[-1].type == "classdef":
            yield node.children[-1]
        elif node.type in ("if_stmt", "try_stmt", "suite"):
            pending.extend(node.children)


def _production(source: SourceFile, ctx: Context) -> bool:
    root, settings = ctx.env.root, ctx.env.settings
    if settings.is_test_path(source.path, root) or source.is_migration:
        return False
    return not is_command_code(source.path, source.text, root)


def _files_naming(name: str, ctx: Context) -> Iterator[Path]:
    """The project's files with a class statement naming `name` among its bases (read once per
    content, keyed by size and modification time); the file being checked from its text."""
    return files_with(name, ctx, _BASE_NAMES, _base_names)


def _base_names(text: str) -> frozenset[str]:
    return frozenset(
        word for match in _CLASS_BASES.finditer(text) for word in _WORD.findall(match.group(1))
    )
