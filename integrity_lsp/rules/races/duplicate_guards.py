"""Code that expects duplicate rows and copes with them, so a `get_or_create()` on a lookup no
unique constraint covers never raises `MultipleObjectsReturned` there, or answers it (IL104 stays
silent)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from integrity_lsp.analysis.bindings import last_binding
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import FILTER_METHODS, OrmCall, model_of, parse_orm_call
from integrity_lsp.analysis.exception_handlers import except_clauses, handler_names
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    arguments,
    chain_parts,
    expression_of,
    links,
    normalised,
    statement_of,
    walk,
)

_SCOPES = ("funcdef", "classdef", "file_input")
# `count() < 2`, `count() <= 1` and the mirrored forms: the guarded code runs only while at most
# one row matches
_AT_MOST_ONE = {("<", "2"), ("<=", "1")}
_MIRRORED = {">": "<", ">=": "<="}
# what a handler does with the rows it reads again: all of them, or one
_ALL_OR_ONE = frozenset({"update", "delete", "first", "last"})


def duplicates_handled(node: Node) -> bool:
    """Inside a `try` whose handlers catch `MultipleObjectsReturned`: the caller expects
    duplicates and copes with them (pretix's check-in falls back to `.first()`)."""
    current = node.parent
    while current is not None and current.type not in _SCOPES:
        if current.type == "try_stmt":
            clauses = [child for child in current.children if child.type == "except_clause"]
            if any("MultipleObjectsReturned" in handler_names(clause) for clause in clauses):
                return True
        current = current.parent
    return False


def duplicates_repaired(
    node: Node, lookup: Mapping[str, Node | None], model: ModelRecord, manager: str, ctx: Context
) -> bool:
    """Inside the body of a `try` whose broad handler (`except Exception`, a bare `except`)
    reads the call's rows again, `<M>.objects.filter(…)` on the same model and manager with the
    call's keywords among its own (same values), and updates or deletes every one of them, or
    takes one (`.update(…)`, `.delete()`, `.first()`, `.last()`): the handler is the code's
    answer to the `MultipleObjectsReturned` the call raises once two rows match (geonode's
    metadata links: `except Exception:` updates every matching link)."""
    for current, parent in _enclosing(node):
        if parent.type == "try_stmt" and current is parent.children[2]:  # `try` `:` BODY
            for clause, block in except_clauses(parent):
                broad = {"Exception", "BaseException"}.intersection(handler_names(clause))
                if broad and _rereads(block, lookup, model, manager, ctx):
                    return True
    return False


def _rereads(
    block: Node, lookup: Mapping[str, Node | None], model: ModelRecord, manager: str, ctx: Context
) -> bool:
    for expression in walk(block):
        if expression.type not in CALL_CHAIN_TYPES:
            continue
        read = parse_orm_call(expression, ctx.env.index)
        if read is None or read.method not in _ALL_OR_ONE or read.manager != manager:
            continue
        found = read.lookup(skip_last=True)
        if not found or any(
            key not in found or value is None or normalised(found[key].value) != normalised(value)
            for key, value in lookup.items()
        ):
            continue
        read_model = model_of(read, ctx)
        if read_model is not None and read_model.label == model.label:
            return True
    return False


def count_bounded(
    node: Node, lookup: Mapping[str, Node | None], model: ModelRecord, manager: str, ctx: Context
) -> bool:
    """The call runs only under `if <M>.objects.filter(…).count() < 2:` on the same model and
    manager, whose keywords are among the call's with the same values: the filter matches every
    row the call's `get()` can, so that `get()` never sees two. The code counts on duplicates
    and skips them (geonode's `set_resource_default_links` guards each default Link so)."""
    for current, parent in _enclosing(node):
        if parent.type == "if_stmt" and current.type == "suite":
            position = parent.children.index(current)
            if position >= 3 and parent.children[position - 3].type == "keyword":
                test = parent.children[position - 2]  # `if`/`elif` TEST `:` SUITE
                if _bounds_lookup(test, lookup, model, manager, ctx):
                    return True
    return False


def _enclosing(node: Node) -> Iterator[tuple[Node, Node]]:
    """Each (child, parent) pair from `node` up to, not into, its function or class."""
    current = node
    while current.parent is not None and current.parent.type not in _SCOPES:
        yield current, current.parent
        current = current.parent


def _bounds_lookup(
    test: Node, lookup: Mapping[str, Node | None], model: ModelRecord, manager: str, ctx: Context
) -> bool:
    counted = _counted_at_most_one(test)
    if counted is None:
        return False
    read = _guard_filters(counted, ctx)
    if read is None:
        return False
    guard, keywords = read
    if guard.manager != manager:
        return False  # another manager may hide rows the call's get() finds
    for key, value in keywords:
        looked_up = lookup.get(key)
        if looked_up is None or not _same_value(looked_up, value):
            return False  # the guard filters on something the call does not (or otherwise)
    guarded = model_of(guard, ctx)
    return guarded is not None and guarded.label == model.label


def _same_value(looked_up: Node, counted: Node) -> bool:
    """The call looks up what the guard counts: the same expression, or `counted or fallback`,
    the same whenever the counted value is set (geonode counts `name=instance.alternate` and
    looks up `name=instance.alternate or instance.name`)."""
    if normalised(looked_up) == normalised(counted):
        return True
    return looked_up.type == "or_test" and normalised(looked_up.children[0]) == normalised(counted)


def _guard_filters(counted: Node, ctx: Context) -> tuple[OrmCall, list[tuple[str, Node]]] | None:
    """The queryset `counted` counts and its filter keywords: `M.objects.filter(…).count()`, or
    `qs.filter(…).count()` with `qs = M.objects.filter(…)` bound earlier in the function
    (geonode's `dataset_legends.filter(url=…).count()`): filter() steps only, an exclude()
    narrows."""
    guard = parse_orm_call(counted, ctx.env.index)
    if guard is not None:
        found = guard.lookup(skip_last=True)
        if guard.method != "count" or found is None:
            return None
        return guard, [(key, argument.value) for key, argument in found.items()]
    base, trailers = chain_parts(counted)
    steps = links(trailers)
    if base.type != "name" or ctx.function is None or not steps or steps[-1].name != "count":
        return None
    keywords: list[tuple[str, Node]] = []
    for step in steps[:-1]:
        if step.name not in FILTER_METHODS or step.call is None:
            return None
        for argument in arguments(step.call):
            if argument.keyword is None:
                return None  # Q objects or **kwargs: not a plain lookup
            keywords.append((argument.keyword, argument.value))
    binding = last_binding(ctx.function, str(base.value), statement_of(counted))
    bound = parse_orm_call(expression_of(binding), ctx.env.index) if binding else None
    found = bound.lookup() if bound is not None and bound.method in FILTER_METHODS else None
    if bound is None or found is None:
        return None
    return bound, [(key, argument.value) for key, argument in found.items()] + keywords


def _counted_at_most_one(test: Node) -> Node | None:
    """The `….count()` expression of a test `….count() < 2` (or `<= 1`, `2 > ….count()`)."""
    while test.type == "atom" and test.children[0].type == "operator":
        test = test.children[1]  # `( … )` around a test written over several lines
    if test.type != "comparison" or len(test.children) != 3:
        return None
    left, operator, right = test.children
    sign = operator.get_code().strip()
    if right.type != "number" and left.type == "number":
        left, right, sign = right, left, _MIRRORED.get(sign, "")
    if right.type != "number" or (sign, right.get_code().strip()) not in _AT_MOST_ONE:
        return None
    return left if left.type in ("atom_expr", "power") else None
