"""Rows a project stores several of on purpose: a loop that inserts rows sharing some columns.

weblate stores one `VerifiedEmail` per address of a social login:

    for add in current - existing:
        social.verifiedemail_set.create(email=add[0], is_deliverable=add[1])

Every pass writes the same `social` and another `email`: the project itself keeps several rows
per `social`, so `social` is no identity of the model and a `UniqueConstraint` on it would break
this very loop. `repeating_insert` finds such an insert for a set of columns: a `create()` /
`acreate()` of the model (through any manager, a related manager's own foreign key included) in
production code (not tests; migrations are not scanned), inside a `for` loop or a comprehension
of the same function, where

- each of the columns gets a value that the loop does not change: it reads no name the loop
  binds or assigns, and calls nothing (a call may answer differently on every pass);
- another value the insert writes does read such a name (the passes insert different rows, not
  one row retried), and the loop body holds no `break` or `return` (a retry loop inserts once).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Iterator
from pathlib import Path

from integrity_lsp.analysis.lookup_coverage import exact_lookup_fields
from integrity_lsp.analysis.write_scan import orm_writes_on_lines, prefilter_words, project_files
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.nodes import Argument, Node, chain_parts, walk
from integrity_lsp.syntax.source import SourceFile, cpython_tree

CREATES = frozenset({"create", "acreate"})
LOOPS = ("for_stmt", "while_stmt")
COMPREHENSIONS = ("comp_for", "sync_comp_for")
STOP = ("funcdef", "classdef", "lambdef", "file_input")


def repeating_insert(
    index: ProjectIndex,
    model: ModelRecord,
    columns: Iterable[str],
    resolver: Resolver,
    settings: Settings,
) -> WriteSite | None:
    """A production insert of `model` that stores several rows with the same values for all of
    `columns` (field names), if the project has one."""
    wanted = set(columns)
    if not wanted:
        return None
    labels = {model.label}
    for path, text, lines in _loop_creates(index, model, settings):
        source = SourceFile(path, text, index.module_name(path))
        for site in orm_writes_on_lines(source, index, resolver, labels, lines):
            if site.method in CREATES and _repeats(site, index, model, wanted):
                return site
    return None


def _loop_creates(
    index: ProjectIndex, model: ModelRecord, settings: Settings
) -> Iterator[tuple[Path, str, set[int]]]:
    """Production files with a loop that calls `create()` on a chain naming the model or one of
    its reverse accessors (`Checkin.objects.create`, `op.checkins.create`), and the lines those
    calls start on: CPython's parse finds them before the write scan resolves just these."""
    words = frozenset(prefilter_words(index, [model]) | {f"{model.name.lower()}_set"})
    for path in project_files(index.root, settings):
        if settings.is_test_path(path, index.root):
            continue
        text = read_project_text(path, encoding="utf-8-sig")
        if text is None or not any(word in text for word in words):
            continue
        lines = {line for line, names in _loop_create_calls(text) if names & words}
        if lines:
            yield path, text, lines


LOOP_NODES = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ListComp,
    ast.SetComp,
    ast.GeneratorExp,
    ast.DictComp,
)


@functools.lru_cache(maxsize=4096)
def _loop_create_calls(text: str) -> tuple[tuple[int, frozenset[str]], ...]:
    """Each `….create(…)` called inside a loop: its line and the names its chain holds (one
    CPython parse per file text, whatever model is asked about)."""
    module = cpython_tree(text)
    if module is None:
        return ()
    return tuple(
        (inner.lineno, _chain_names(inner.func.value))
        for loop in ast.walk(module)
        if isinstance(loop, LOOP_NODES)
        for inner in ast.walk(loop)
        if isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Attribute)
        and inner.func.attr in CREATES
    )


def _chain_names(chain: ast.expr) -> frozenset[str]:
    return frozenset(
        node.id if isinstance(node, ast.Name) else node.attr
        for node in ast.walk(chain)
        if isinstance(node, ast.Name | ast.Attribute)
    )


def _repeats(site: WriteSite, index: ProjectIndex, model: ModelRecord, wanted: set[str]) -> bool:
    loop = _enclosing_loop(site.node)
    if loop is None:
        return False
    bound = _loop_names(loop)
    by_field = {
        field: argument
        for key, argument in site.values.items()
        for field in exact_lookup_fields(index, model, {key: None})
    }
    if not wanted <= by_field.keys():
        return False
    if any(not _steady(_expression(by_field[name], site), bound) for name in wanted):
        return False
    return any(
        _reads(_expression(argument, site), bound)
        for name, argument in by_field.items()
        if name not in wanted
    )


def _enclosing_loop(node: Node) -> Node | None:
    current = node.parent
    while current is not None and current.type not in STOP:
        if current.type in LOOPS:
            if any(
                inner.type in ("break_stmt", "return_stmt")
                or (inner.type == "keyword" and inner.value in ("break", "return"))
                for inner in walk(current)
            ):
                return None  # a retry or search loop: it inserts once
            return current
        comprehension = [child for child in current.children if child.type in COMPREHENSIONS]
        if current.type in ("testlist_comp", "dictorsetmaker", "argument") and comprehension:
            return comprehension[0]
        current = current.parent
    return None


def _loop_names(loop: Node) -> set[str]:
    """Names a pass of the loop binds: its targets and whatever its body assigns."""
    names: set[str] = set()
    scope = loop.parent if loop.type in COMPREHENSIONS else loop
    for node in walk(scope):
        if node.type in ("for_stmt", "sync_comp_for"):
            names.update(_bound(node.children[1]))
        elif node.type == "expr_stmt":
            for target in node.children[:-1:2]:
                names.update(_bound(target))
        elif node.type in ("with_item", "namedexpr_test"):
            names.update(
                _bound(node.children[-1] if node.type == "with_item" else node.children[0])
            )
    return names


def _bound(target: Node) -> set[str]:
    if target.type == "name":
        return {target.value}
    return {leaf.value for leaf in walk(target) if leaf.type == "name"}


def _expression(argument: Argument, site: WriteSite) -> list[Node]:
    """The nodes a value is read from: a related manager's own key (the scan hands the method's
    trailer for it) is the manager expression (`social.verifiedemail_set` in
    `social.verifiedemail_set.create(…)`)."""
    if argument.value.type != "trailer":
        return [argument.value]
    head, trailers = chain_parts(site.node)
    prefix = [head]
    for trailer in trailers:
        if trailer is argument.value:
            break
        prefix.append(trailer)
    return prefix


def _steady(expression: list[Node], bound: set[str]) -> bool:
    """Reads no name the loop binds and calls nothing."""
    for part in expression:
        for node in walk(part):
            if node.type == "trailer" and node.children[0].value == "(":
                return False
    return not _reads(expression, bound)


def _reads(expression: list[Node], names: set[str]) -> bool:
    leaves = [leaf for part in expression for leaf in walk(part)]
    for leaf in leaves:
        if leaf.type != "name" or leaf.value not in names:
            continue
        previous = leaf.get_previous_leaf()
        if previous is None or previous.value != ".":
            return True
    return False
