"""Code that expects duplicate rows and copes with them, so a `get_or_create()` on a lookup no
unique constraint covers never raises `MultipleObjectsReturned` there (IL104 stays silent)."""

from __future__ import annotations

from collections.abc import Mapping

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import handler_names, model_of, parse_orm_call
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import Node, normalised

_SCOPES = ("funcdef", "classdef", "file_input")
# `count() < 2`, `count() <= 1` and the mirrored forms: the guarded code runs only while at most
# one row matches
_AT_MOST_ONE = {("<", "2"), ("<=", "1")}
_MIRRORED = {">": "<", ">=": "<="}


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


def count_bounded(
    node: Node, lookup: Mapping[str, Node | None], model: ModelRecord, manager: str, ctx: Context
) -> bool:
    """The call runs only under `if <M>.objects.filter(…).count() < 2:` on the same model and
    manager, whose keywords are among the call's with the same values: the filter matches every
    row the call's `get()` can, so that `get()` never sees two. The code counts on duplicates
    and skips them (geonode's `set_resource_default_links` guards each default Link so)."""
    current = node
    while current.parent is not None and current.parent.type not in _SCOPES:
        parent = current.parent
        if parent.type == "if_stmt" and current.type == "suite":
            position = parent.children.index(current)
            if position >= 3 and parent.children[position - 3].type == "keyword":
                test = parent.children[position - 2]  # `if`/`elif` TEST `:` SUITE
                if _bounds_lookup(test, lookup, model, manager, ctx):
                    return True
        current = parent
    return False


def _bounds_lookup(
    test: Node, lookup: Mapping[str, Node | None], model: ModelRecord, manager: str, ctx: Context
) -> bool:
    counted = _counted_at_most_one(test)
    if counted is None:
        return False
    guard = parse_orm_call(counted, ctx.env.index)
    if guard is None or guard.method != "count" or guard.manager != manager:
        return False  # another manager may hide rows the call's get() finds
    keywords = guard.lookup(skip_last=True)  # filter() steps only: an exclude() narrows
    if keywords is None:
        return False
    for key, argument in keywords.items():
        value = lookup.get(key)
        if value is None or normalised(value) != normalised(argument.value):
            return False  # the guard filters on something the call does not (or otherwise)
    guarded = model_of(guard, ctx)
    return guarded is not None and guarded.label == model.label


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
