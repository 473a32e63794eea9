"""What a `bulk_create` inserts, when its list is built visibly: the constructor of its
elements, as a `WriteSite` of the one write-site model (`analysis.writes`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.django import constructor_call
from integrity_lsp.analysis.writes import WriteSite, call_values, simple_statements
from integrity_lsp.syntax.nodes import (
    Node,
    arguments,
    assignment_target,
    chain_parts,
    expression_of,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context

_COMP_FOR = ("sync_comp_for", "comp_for")


def bulk_objects(site: WriteSite, ctx: Context) -> WriteSite | None:
    """The constructor `bulk_create` inserts, when its list is built visibly: a literal list, a
    comprehension (a bare generator argument too), or a name assigned one of those earlier in
    the function. In a classmethod
    writing through `cls.objects`, `cls(…)` is the model's constructor."""
    positional = [arg for arg in arguments(site.call) if arg.keyword is None and not arg.star]
    objs = positional[0].value if positional else None
    if objs is not None and objs.type == "name":
        scope = ctx.function if ctx.function is not None else ctx.file.tree
        bound = None
        for statement in simple_statements(scope):
            if statement.start_pos >= site.node.start_pos:
                break
            target = assignment_target(statement)
            if target is not None and target.type == "name" and target.value == objs.value:
                bound = expression_of(statement)
        objs = bound
    if objs is not None and objs.type == "argument" and objs.children[-1].type in _COMP_FOR:
        element = objs.children[0]  # `bulk_create(M(…) for x in xs)`: a bare generator
    elif objs is None or objs.type != "atom" or objs.children[0].value not in "([":
        return None
    else:
        inner = objs.children[1]
        element = inner.children[0] if inner.type == "testlist_comp" else inner
    found = constructor_call(element) or _own_class_call(element, site)
    if found is None:
        return None
    text, leaf, call = found
    values, complete = call_values(call, "")
    return WriteSite(element, "constructor", "", text, leaf, call, values, complete, receiver=text)


def _own_class_call(element: Node, site: WriteSite) -> tuple[str, Node, Node] | None:
    """`cls(…)` when the insert itself goes through `cls.objects` (the same class)."""
    base, trailers = chain_parts(element)
    if base.type != "name" or base.value != "cls" or len(trailers) != 1:
        return None
    if trailers[0].children[0].value != "(" or not site.receiver.startswith("cls."):
        return None
    return site.model_text or "cls", base, trailers[0]
