"""The inserts of a block, in order: what the race rules (IL101–IL103) look for after a check.

Creates through a manager, `M(…).save()` and `obj.save()` after `obj = M(…)` in the block, as
`WriteSite`s of the one write-site model (`analysis.writes`), each with the name it binds and
whether it is returned.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.django import constructor_call, constructor_call_prefix, parse_orm_call
from integrity_lsp.analysis.writes import WriteSite, call_values, is_create_method, orm_write
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    assignment_target,
    chain_parts,
    expression_of,
    is_return,
    statements,
)

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

_DEFINITIONS = ("funcdef", "classdef", "decorated", "async_funcdef", "lambdef")


def writes_in(block: Node, index: ProjectIndex | None) -> list[WriteSite]:
    """The inserts of a block in order (not looking into nested functions or classes): creates
    through a manager, `M(…).save()` and `obj.save()` after `obj = M(…)` in the block; each
    with the name it binds (`target`) and whether it is returned."""
    found: list[WriteSite] = []
    stack = list(statements(block)) if block.type == "suite" else [block]
    constructed: dict[str, WriteSite] = {}
    for statement in _flatten(stack):
        if statement.type != "simple_stmt":
            continue
        expression = expression_of(statement)
        target = assignment_target(statement)
        orm = parse_orm_call(expression, index) if expression.type in CALL_CHAIN_TYPES else None
        if orm is not None and is_create_method(orm.method):
            site = orm_write(expression, index)
            if site is not None and site.kind == "create":
                found.append(replace(site, target=target, returned=is_return(statement)))
            continue
        write = _block_save(expression, constructed)
        if write is not None:
            found.append(write)
            continue
        constructor = constructor_call(expression)
        if constructor is not None and target is not None and target.type == "name":
            text, leaf, call = constructor
            values, complete = call_values(call, "")
            constructed[target.value] = WriteSite(
                expression, "save", "save", text, leaf, call, values, complete, receiver=text
            )
    return found


def _block_save(expression: Node, constructed: dict[str, WriteSite]) -> WriteSite | None:
    """`M(…).save()` in one expression, or `obj.save()` after `obj = M(…)`."""
    if expression.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(expression)
    if (
        len(trailers) < 2
        or trailers[-2].children[0].value != "."
        or trailers[-2].children[1].value != "save"
    ):
        return None
    if base.type == "name" and len(trailers) == 2 and base.value in constructed:
        return replace(constructed[base.value], node=expression, target=base)
    inner = constructor_call_prefix(expression)
    if inner is None:
        return None
    text, leaf, call = inner
    values, complete = call_values(call, "")
    return WriteSite(expression, "save", "save", text, leaf, call, values, complete, receiver=text)


def _flatten(statements_: list[Node]) -> list[Node]:
    """Simple statements of a block and of its nested compound statements (not defs)."""
    result: list[Node] = []
    stack = list(reversed(statements_))
    while stack:
        node = stack.pop()
        if node.type == "simple_stmt":
            result.append(node)
        elif node.type in _DEFINITIONS:
            continue
        elif hasattr(node, "children"):
            stack.extend(reversed([c for c in node.children if hasattr(c, "children")]))
    return result
