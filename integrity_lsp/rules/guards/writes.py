"""Write sites for the IL2xx rules: the inserts a request can reach, and the values they write.

A write site is `M.objects.create(…)` (or a manager `create_*`), `bulk_create(…)`, `M(…).save()`,
`obj.save()` where `obj = M(…)` earlier in the same function (attribute assignments in between
count as written values), or a bare constructor `M(…)`. Everything is structural; the model is
asked of the resolver only when a rule needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.django import (
    CREATE_METHODS,
    InstanceWrite,
    constructor_call,
    constructor_call_prefix,
    model_of,
    parse_orm_call,
)
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    arguments,
    assignment_target,
    chain_parts,
    expression_of,
    keyword_arguments,
    statement_of,
    walk,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord

CONSTANT_CALLS = frozenset({"Decimal", "decimal.Decimal", "UUID", "uuid.UUID"})
SCOPES = ("funcdef", "classdef", "lambdef")
HARMLESS_METHODS = frozenset(
    {"full_clean", "clean", "clean_fields", "validate_unique", "set_password"}
)


@dataclass(frozen=True)
class WriteSite:
    node: Node  # the expression reported: the create call, the `.save()` call, the constructor
    kind: str  # "create" | "bulk_create" | "save" | "constructor" | "update" (IL205)
    method: str  # "create", "create_user", "bulk_create", "save", "" for a bare constructor
    model_text: str
    model_leaf: Node | None
    call: Node  # the `( … )` trailer: field values (constructor, create) or bulk_create's options
    values: dict[str, Argument] = field(default_factory=dict)  # field keyword -> value
    opaque: bool = False  # `**kw`, positional values, or the instance handed elsewhere first
    manager: str | None = None  # the manager attribute of an ORM write (`objects`, `payments`)

    @property
    def statement(self) -> Node:
        return statement_of(self.node)


_LAST: tuple[Node, object, WriteSite | None] | None = None  # four rules ask about each node


def write_site(node: Node, ctx: Context) -> WriteSite | None:
    """The write `node` (an `atom_expr`/`power`) performs, if any."""
    global _LAST
    last = _LAST
    if last is not None and last[0] is node and last[1] is ctx.file:
        return last[2]
    found = _write_site(node, ctx) if node.type in CALL_CHAIN_TYPES else None
    _LAST = (node, ctx.file, found)
    return found


def _write_site(node: Node, ctx: Context) -> WriteSite | None:
    orm = parse_orm_call(node, ctx.env.index)
    if orm is not None:
        method = orm.method
        if len(orm.methods) != 1 or orm.final_call is None:
            return None
        if method in CREATE_METHODS or method.startswith("create_") or method == "bulk_create":
            kind = "bulk_create" if method == "bulk_create" else "create"
            values, opaque = _call_values(orm.final_call, method)
            return WriteSite(
                node,
                kind,
                method,
                orm.model_text,
                orm.model_leaf,
                orm.final_call,
                values,
                opaque,
                orm.manager,
            )
        return None
    if _is_save_call(node):
        return _save_site(node, ctx)
    found = constructor_call(node)
    if found is None or _is_chained(node):
        return None
    text, leaf, call = found
    values, opaque = _call_values(call, "")
    return WriteSite(node, "constructor", "", text, leaf, call, values, opaque)


def _call_values(call: Node, method: str) -> tuple[dict[str, Argument], bool]:
    values: dict[str, Argument] = {}
    opaque = False
    for argument in arguments(call):
        if argument.keyword is not None:
            values[argument.keyword] = argument
        elif method != "bulk_create":
            opaque = True  # positional field values or **kwargs: not every value is visible
    return values, opaque


def _is_chained(node: Node) -> bool:
    """`M(…).save()` is reported as a save, not as a constructor."""
    _, trailers = chain_parts(node)
    return len(trailers) > 1 and trailers[-1].children[0].value != "("


def _is_save_call(node: Node) -> bool:
    _, trailers = chain_parts(node)
    return (
        len(trailers) >= 2
        and trailers[-1].children[0].value == "("
        and trailers[-2].children[0].value == "."
        and trailers[-2].children[1].value == "save"
    )


def _save_site(node: Node, ctx: Context) -> WriteSite | None:
    """`M(…).save()`, or `obj.save()` after `obj = M(…)` in the same function."""
    base, trailers = chain_parts(node)
    if "update_fields" in keyword_arguments(trailers[-1]):
        return None  # an UPDATE of named columns, never an INSERT
    prefix = constructor_call_prefix(node)
    if prefix is not None:
        text, leaf, call = prefix
        values, opaque = _call_values(call, "")
        return WriteSite(node, "save", "save", text, leaf, call, values, opaque)
    if base.type != "name" or len(trailers) != 2:
        return None
    return _instance_save(node, base.value, ctx)


def _instance_save(node: Node, name: str, ctx: Context) -> WriteSite | None:
    scope = ctx.function if ctx.function is not None else ctx.file.tree
    save_statement = statement_of(node)
    site: WriteSite | None = None
    for statement in simple_statements(scope):
        if statement is save_statement:
            return None if site is None else replace(site, node=node)
        target = assignment_target(statement)
        if target is not None and target.type == "name" and target.value == name:
            site = _constructed(statement)  # rebound: to a new instance, or to anything else
        elif site is None:
            continue
        elif target is not None and _is_attribute_of(target, name):
            attribute = target.children[-1].children[1].value
            site.values[attribute] = Argument(attribute, expression_of(statement), "", statement)
        elif _hands_out(statement, name):
            site = replace(site, opaque=True)  # another function may set more fields
    return None


def _constructed(statement: Node) -> WriteSite | None:
    found = constructor_call(expression_of(statement))
    if found is None:
        return None
    text, leaf, call = found
    values, opaque = _call_values(call, "")
    return WriteSite(call, "save", "save", text, leaf, call, values, opaque)


def _hands_out(statement: Node, name: str) -> bool:
    """Is the instance passed somewhere, or a method other than a validation called on it?"""
    for leaf in walk(statement):
        if leaf.type != "name" or leaf.value != name:
            continue
        following = leaf.get_next_sibling()
        if following is None or following.type != "trailer" or following.children[0].value != ".":
            return True
        after = following.get_next_sibling()
        method = following.children[1].value
        is_call = after is not None and after.type == "trailer" and after.children[0].value == "("
        if is_call and method not in HARMLESS_METHODS:
            return True
    return False


def _is_attribute_of(target: Node, name: str) -> bool:
    if target.type not in CALL_CHAIN_TYPES:
        return False
    base, trailers = chain_parts(target)
    return (
        base.type == "name"
        and base.value == name
        and len(trailers) == 1
        and trailers[0].children[0].value == "."
    )


def simple_statements(scope: Node) -> list[Node]:
    """The simple statements of a function (or module), in order, not entering nested defs."""
    result: list[Node] = []
    body = scope.children[-1] if scope.type == "funcdef" else scope
    stack = [body]
    while stack:
        current = stack.pop()
        if current.type == "simple_stmt":
            result.append(current)
            continue
        if current.type in SCOPES or current.type in ("decorated", "async_funcdef"):
            continue
        children = getattr(current, "children", None)
        if children:
            stack.extend(reversed([c for c in children if hasattr(c, "children")]))
    return result


def resolve_model(site: WriteSite, ctx: Context) -> ModelRecord | None:
    if site.model_leaf is None:
        return None
    write = InstanceWrite(site.node, site.model_text, site.model_leaf, site.call)
    return model_of(write, ctx, site.manager)


def is_constant(node: Node) -> bool:
    """A literal, or an expression built only from literals (`-1`, `("a", 2)`, `Decimal("1")`)."""
    kind = node.type
    if kind in ("number", "string", "strings"):
        return not any(part.type == "fstring" for part in walk(node))
    if kind == "keyword":
        return node.value in ("True", "False", "None")
    if kind in ("factor", "arith_expr", "term"):
        return all(is_constant(c) for c in node.children if c.type != "operator")
    if kind == "atom":
        inner = node.children[1:-1]
        return all(is_constant(c) for c in inner if c.type != "operator")
    if kind in ("testlist_comp", "testlist", "exprlist"):
        if any(c.type in ("comp_for", "sync_comp_for") for c in node.children):
            return False
        return all(is_constant(c) for c in node.children if c.type != "operator")
    if kind in CALL_CHAIN_TYPES:
        found = constructor_call(node)
        if found is None or found[0] not in CONSTANT_CALLS:
            return False
        return all(is_constant(arg.value) for arg in arguments(found[2]))
    return False


def bulk_objects(site: WriteSite, ctx: Context) -> WriteSite | None:
    """The constructor `bulk_create` inserts, when its list is built visibly: a literal list, a
    comprehension, or a name assigned one of those earlier in the function."""
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
    if objs is None or objs.type != "atom" or objs.children[0].value not in "([":
        return None
    inner = objs.children[1]
    element = inner.children[0] if inner.type == "testlist_comp" else inner
    found = constructor_call(element)
    if found is None:
        return None
    text, leaf, call = found
    values, opaque = _call_values(call, "")
    return WriteSite(element, "constructor", "", text, leaf, call, values, opaque)
