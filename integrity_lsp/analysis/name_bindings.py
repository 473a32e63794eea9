"""Where a name of a function gets its value, by statement order (not control flow): the
plain `name = value` bindings `analysis.new_rows` and `analysis.new_row_returns` follow, and
whether a name holds a form that will insert a new row (`form = SignupForm(request.POST)`);
and the parso tree of another production file those searches read."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from integrity_lsp.syntax.nodes import Node, arguments, walk
from integrity_lsp.syntax.source import parse


@functools.lru_cache(maxsize=16)
def file_tree(text: str) -> Node:
    """A caller file's parso tree (callers are followed up several levels: read once)."""
    tree: Node = parse(text)
    return tree


def new_form(holder: str, function: Node, before: tuple[int, int]) -> bool:
    """`holder` is bound in `function`, before `before`, to a call without `instance=` (a
    ModelForm or ModelSerializer that will insert a new row), and never rebound."""
    source = last_binding(function, holder, before)
    if source is None or source.type not in ("atom_expr", "power"):
        return False
    trailer = source.children[-1]
    if trailer.type != "trailer" or trailer.children[0].value != "(":
        return False
    return all(
        argument.keyword != "instance" and not argument.star for argument in arguments(trailer)
    )


def rebound_before(function: Node, name: str, before: tuple[int, int]) -> bool:
    """`name` is assigned in `function` before `before` (any binding form)."""
    return any(node.start_pos < before for node in bindings(function, name))


def last_binding(function: Node, name: str, before: tuple[int, int]) -> Node | None:
    """The value of the last plain `name = value` (or `name: T = value`) in `function` before
    `before`; None when `name` is not bound there, or bound otherwise (a loop, `with … as`,
    `:=`, unpacking)."""
    found: Node | None = None
    for node in bindings(function, name):
        if node.start_pos >= before:
            continue
        if node.type != "expr_stmt" or node.children[0].type != "name":
            return None
        found = node.children[2] if len(node.children) == 3 else _annotated_value(node)
        if found is None:
            return None
    return found


def _annotated_value(node: Node) -> Node | None:
    """`value` of the annotated assignment `name: T = value` (an expr_stmt)."""
    last = node.children[-1]
    if len(node.children) == 2 and last.type == "annassign" and len(last.children) == 4:
        value: Node = last.children[3]
        return value
    return None


def bindings(function: Node, name: str) -> Iterator[Node]:
    """The statements and clauses of `function` that bind `name`, in order."""
    for node in walk(function):
        if node.type == "expr_stmt":
            # `x = y = v` lists its targets; `x += v` and `x: T = v` (an annassign) bind the first
            assigns = node.children[1].type == "operator" and node.children[1].value == "="
            targets = node.children[:-1:2] if assigns else node.children[:1]
        elif node.type in ("for_stmt", "sync_comp_for"):
            targets = [node.children[1]]
        elif node.type == "with_item":
            targets = [node.children[-1]]
        elif node.type == "namedexpr_test":
            targets = [node.children[0]]
        else:
            continue
        if any(
            leaf.type == "name" and leaf.value == name
            for target in targets
            for leaf in _target_leaves(target)
        ):
            yield node


def _target_leaves(target: Node) -> Iterator[Node]:
    """Names a target binds (`a`, `a, b`, `(a, b)`), not those inside `x.a` or `x[a]`."""
    if target.type == "name":
        yield target
    elif target.type in ("testlist_star_expr", "exprlist", "atom", "testlist_comp"):
        for child in target.children:
            yield from _target_leaves(child)
