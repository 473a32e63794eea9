"""The one write-site model: which rows a statement inserts or updates, and with what values.

A `WriteSite` is one write as the code spells it: `M.objects.create(…)` (`acreate`, a manager's
`create_*`), `get_or_create`/`update_or_create` (and their `a…` forms), `bulk_create`,
`bulk_update`, `qs.update(…)`, `M(…).save()`, `obj.save()` after `obj = M(…)` (attribute
assignments in between are written values too), and a bare constructor `M(…)`. Everything here
is structural (read from parso nodes); `site_model` asks the resolver which model it writes.

The race rules (IL101–IL103), the IL2xx rules and `explain` (through `analysis.write_scan`) all
read writes from here, so they never disagree about what a line writes. Links of a many-to-many
table and deletes of a parent row are sites of this model too (`analysis.related_writes`); on
top of it: the inserts of a block (`block_inserts`), what a `bulk_create` inserts
(`bulk_objects`), the relation a related manager's write fills in (`write_relations`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

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
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.records import ModelRecord

WriteKind = Literal[
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
    "update",
    "save",
    "constructor",
    # `analysis.related_writes` (no rule judges these; explain lists them):
    "m2m_add",  # `obj.tags.add(…)`: a row of the auto-created through table
    "delete",  # `parent.delete()`: refused by a child's foreign key
]
# The kinds that insert a row for sure or may (the IL2xx rules judge these).
INSERT_KINDS: frozenset[WriteKind] = frozenset({"create", "bulk_create", "save", "constructor"})
SCOPES = ("funcdef", "classdef", "lambdef")
HARMLESS_METHODS = frozenset(
    {"full_clean", "clean", "clean_fields", "validate_unique", "set_password"}
)


@dataclass(frozen=True)
class WriteSite:
    """One write. `values` maps each keyword as written (`customer_id`, `pk`) to its value;
    `complete` is False when more may be set than is visible (`**kwargs`, positional values,
    the instance handed to other code before its save)."""

    node: Node  # the expression reported: the create call, the `.save()` call, the constructor
    kind: WriteKind
    method: str  # as written: "create", "create_user", "bulk_create", "save", "" (constructor)
    model_text: str
    model_leaf: Node | None
    call: Node  # the `( … )` trailer: field values (constructor, create) or bulk_create's options
    values: Mapping[str, Argument] = field(default_factory=dict)
    complete: bool = True
    manager: str | None = None  # the manager attribute of an ORM write (`objects`, `payments`)
    receiver: str = ""  # the manager expression (`Product.objects`), or the class for a save
    target: Node | None = None  # `obj` in `obj = M.objects.create(…)` / `obj = M(…)`
    returned: bool = False  # `return M.objects.create(…)`
    lookup: tuple[str, ...] = ()  # get_or_create / update_or_create: the lookup keywords
    model: ModelRecord | None = None  # set by `site_model` / `write_scan` when resolved
    path: Path | None = None  # set by `write_scan` (project-wide listings)

    @property
    def statement(self) -> Node:
        return statement_of(self.node)

    @property
    def opaque(self) -> bool:
        return not self.complete

    @property
    def kwargs(self) -> dict[str, Argument]:
        """The keyword arguments of the call as written (the constructor's, for a save)."""
        return keyword_arguments(self.call)

    @property
    def positional(self) -> list[Argument]:
        """Positional and starred arguments of the call."""
        return [arg for arg in arguments(self.call) if arg.keyword is None]


def is_create_method(method: str) -> bool:
    return method in CREATE_METHODS or method.startswith("create_")


_LAST: tuple[Node, object, WriteSite | None] | None = None  # four rules ask about each node


def write_site(node: Node, ctx: Context) -> WriteSite | None:
    """The insert `node` (an `atom_expr`/`power`) performs, if any (one of INSERT_KINDS)."""
    global _LAST
    last = _LAST
    if last is not None and last[0] is node and last[1] is ctx.file:
        return last[2]
    found = _write_site(node, ctx) if node.type in CALL_CHAIN_TYPES else None
    _LAST = (node, ctx.file, found)
    return found


def _write_site(node: Node, ctx: Context) -> WriteSite | None:
    orm = orm_write(node, ctx.env.index)
    if orm is not None:
        return orm if orm.kind in ("create", "bulk_create") else None
    if _is_save_call(node):
        return _save_site(node, ctx)
    found = constructor_call(node)
    if found is None or _is_chained(node):
        return None
    text, leaf, call = found
    values, complete = call_values(call, "")
    return WriteSite(node, "constructor", "", text, leaf, call, values, complete, receiver=text)


def orm_write(node: Node, index: ProjectIndex | None) -> WriteSite | None:
    """`<manager>.create(…)` / `.create_*(…)` / `.bulk_create(…)` called on the manager itself
    (not on a queryset chain), as a WriteSite without a target."""
    orm = parse_orm_call(node, index)
    if orm is None or len(orm.methods) != 1 or orm.final_call is None:
        return None
    method = orm.method
    if index is not None and method in index.fetching_creators():
        return None  # a manager method that only gets or creates: no insert of its own
    if is_create_method(method):
        kind: WriteKind = "create"
    elif method == "bulk_create":
        kind = "bulk_create"
    else:
        return None
    values, complete = call_values(orm.final_call, method)
    return WriteSite(
        node, kind, method, orm.model_text, orm.model_leaf, orm.final_call, values, complete,
        manager=orm.manager, receiver=orm.receiver,
    )  # fmt: skip


def call_values(call: Node, method: str) -> tuple[dict[str, Argument], bool]:
    """Keyword values of a call, and whether they are all of them."""
    values: dict[str, Argument] = {}
    complete = True
    for argument in arguments(call):
        if argument.keyword is not None:
            values[argument.keyword] = argument
        elif method != "bulk_create":
            complete = False  # positional field values or **kwargs: not every value is visible
    return values, complete


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
        values, complete = call_values(call, "")
        return WriteSite(node, "save", "save", text, leaf, call, values, complete, receiver=text)
    if base.type != "name" or len(trailers) != 2:
        return None
    return _instance_save(node, base.value, ctx)


def _instance_save(node: Node, name: str, ctx: Context) -> WriteSite | None:
    scope = ctx.function if ctx.function is not None else ctx.file.tree
    save_statement = statement_of(node)
    site: WriteSite | None = None
    values: dict[str, Argument] = {}
    for statement in simple_statements(scope):
        if statement is save_statement:
            return None if site is None else replace(site, node=node, values=values)
        target = assignment_target(statement)
        if target is not None and target.type == "name" and target.value == name:
            site = _constructed(statement)  # rebound: to a new instance, or to anything else
            values = dict(site.values) if site is not None else {}
        elif site is None:
            continue
        elif target is not None and _is_attribute_of(target, name):
            attribute = target.children[-1].children[1].value
            values[attribute] = Argument(attribute, expression_of(statement), "", statement)
        elif target is not None and target.type in ("testlist_star_expr", "exprlist"):
            # `obj.author, _ = get_author(…)`: the attribute is set, to a value unseen here
            for element in target.children:
                if _is_attribute_of(element, name):
                    attribute = element.children[-1].children[1].value
                    values[attribute] = Argument(attribute, expression_of(statement), "", statement)
        elif _hands_out(statement, name):
            site = replace(site, complete=False)  # another function may set more fields
    return None


def _constructed(statement: Node) -> WriteSite | None:
    found = constructor_call(expression_of(statement))
    if found is None:
        return None
    text, leaf, call = found
    values, complete = call_values(call, "")
    target = assignment_target(statement)
    return WriteSite(
        call, "save", "save", text, leaf, call, values, complete, receiver=text, target=target
    )


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


def site_model(site: WriteSite, ctx: Context) -> ModelRecord | None:
    """The model a write is of, asked of the resolver (None when it cannot tell)."""
    if site.model is not None:
        return site.model
    if site.model_leaf is None:
        return None
    write = InstanceWrite(site.node, site.model_text, site.model_leaf, site.call)
    return model_of(write, ctx, site.manager)
