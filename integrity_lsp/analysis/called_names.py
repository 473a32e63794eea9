"""Where the project calls a method by name: the files with a `.name(` call (a text index,
each file's called names read once per content) and the calls `x.name(…)` in a file. Walking
every tree of the project to find callers would cost more than the analysis that asks."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from parso.utils import split_lines

from integrity_lsp.analysis.write_scan import project_files
from integrity_lsp.syntax.nodes import Node, chain_parts, walk
from integrity_lsp.syntax.source import cpython_tree

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.syntax.source import SourceFile

_CALLED = re.compile(r"\.\s*(\w+)\s*\(")


def method_trailers(source: SourceFile, name: str) -> Iterator[Node]:
    """The `.name` trailers of the file's `….name(` text (found by the text first: walking
    every tree of the callers' files would cost more than the analysis)."""
    lines = split_lines(source.text)  # parso's lines: `str.splitlines` also splits at \f
    for number, line in enumerate(lines, start=1):
        for match in re.finditer(rf"\.\s*({re.escape(name)})\s*\(", line):
            leaf = source.tree.get_leaf_for_position((number, match.end(1) - 1))
            if leaf is None or leaf.type != "name" or leaf.value != name:
                continue
            trailer = leaf.parent
            if trailer.type == "trailer" and trailer.children[0].value == ".":
                yield trailer


def calls_of(source: SourceFile, name: str) -> Iterator[Node]:
    """`x.name(…)` calls of the file: the whole chain, exactly one call after the name."""
    for trailer in method_trailers(source, name):
        chain = trailer.parent
        _, trailers = chain_parts(chain)
        if len(trailers) == 2 and trailers[0] is trailer and trailers[1].children[0].value == "(":
            yield chain


NameIndex = dict[Path, tuple[tuple[int, int], frozenset[str]]]
_NAMES: NameIndex = {}
_FILES: list[tuple[object, tuple[Path, ...]]] = []


def files_calling(name: str, ctx: Context) -> Iterator[Path]:
    """The project's files with a `.name(` call; each file's called names are read once per
    content (keyed by its size and modification time)."""
    return files_with(name, ctx, _NAMES, lambda text: frozenset(_CALLED.findall(text)))


def files_with(
    name: str, ctx: Context, index: NameIndex, names_of: Callable[[str], frozenset[str]]
) -> Iterator[Path]:
    """The project's files whose `names_of(text)` holds `name`, the checked file first (from
    the text being checked, which may not be saved yet); `index` keeps each file's names per
    content (keyed by its size and modification time)."""
    if not _FILES or _FILES[0][0] is not ctx.env:
        _FILES[:] = [(ctx.env, tuple(project_files(ctx.env.root, ctx.env.settings)))]
    if name in names_of(ctx.file.text):
        yield ctx.file.path
    for path in _FILES[0][1]:
        if path == ctx.file.path:
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        key = (stat.st_mtime_ns, stat.st_size)
        cached = index.get(path)
        if cached is None or cached[0] != key:
            text = ctx.env.read_text(path)
            cached = index[path] = (key, names_of(text or ""))
        if name in cached[1]:
            yield path


def sole_holder(text: str, use: re.Pattern[str]) -> str | None:
    """The module-level function of `text` whose lines hold every match of `use`, when its own
    name appears nowhere else in the module (an `__all__` entry aside): the one code that runs
    those uses. None when the matches are spread or outside any function, when two functions
    share the name, or when the text does not compile."""
    module = cpython_tree(text)
    if module is None:
        return None
    lines = split_lines(text)
    hits = [number for number, line in enumerate(lines, start=1) if use.search(line)]
    functions = [s for s in module.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
    holders = [f for f in functions if hits and all(_span(f)[0] <= n <= _span(f)[1] for n in hits)]
    if len(holders) != 1 or [f.name for f in functions].count(holders[0].name) != 1:
        return None
    name = holders[0].name
    first, last = _span(holders[0])
    exported = {
        number
        for statement in module.body
        if isinstance(statement, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in statement.targets)
        for number in range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
    }
    own = re.compile(rf"\b{re.escape(name)}\b")
    for number, line in enumerate(lines, start=1):
        if not first <= number <= last and number not in exported and own.search(line):
            return None  # called or handed on elsewhere in its module
    return name


def _span(function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
    """The lines of a function, its decorators included."""
    first = min([function.lineno, *(decorator.lineno for decorator in function.decorator_list)])
    return first, function.end_lineno or function.lineno


def holding_definition(tree: Node, top: Node) -> Node | None:
    """The one other top-level function or class of the module (`tree`) that holds every use
    of the top-level definition `top`'s name outside `top`, when its own name is used nowhere
    in the module outside itself (kolibri's `create_superuser_and_provision_device`, called only
    by the `MorangoSyncCommand` base class of the sync commands next to it). None when a use
    sits in module-level code or in two definitions, or there is no such use."""
    holder = None
    for leaf in _uses(tree, str(top.name.value), top):
        outer = _top_definition(leaf)
        if outer is None or (holder is not None and outer is not holder):
            return None
        holder = outer
    if holder is None or any(True for _ in _uses(tree, str(holder.name.value), holder)):
        return None
    return holder


def _uses(tree: Node, name: str, definition: Node) -> Iterator[Node]:
    """The name leaves `name` of `tree` outside `definition` (its decorators included)."""
    start = definition.parent if definition.parent.type == "decorated" else definition
    for leaf in walk(tree):
        inside = start.start_pos <= leaf.start_pos <= definition.end_pos
        if leaf.type == "name" and leaf.value == name and not inside:
            yield leaf


def _top_definition(leaf: Node) -> Node | None:
    """The module-level `def` or `class` holding `leaf`; None in module-level code."""
    node = leaf
    while node.parent is not None and node.parent.type != "file_input":
        node = node.parent
    while node.type in ("decorated", "async_stmt"):
        node = node.children[-1]
    return node if node.type in ("funcdef", "classdef") else None
