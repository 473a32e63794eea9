"""Which values in a request handler come from the request, and which were checked against the
database before a write.

Request data is `request.POST/GET/data/query_params/body/…` (also through `self.request` and
`json.loads(request.body)`), the handler's URL or operation parameters, and `self.kwargs`;
names assigned from such values (in order, through tuple unpacking and `for` loops) carry it on.
A value that went through `get_object_or_404`, a `get()`, validated serializer data or a form's
`cleaned_data` is no longer raw request data, nor is an attribute of a row a query returned
(`Node.objects.filter(group=g)[0].graph_id`, `….first().team_id`), nor an attribute of a handler
parameter outside django-ninja (`project.organization_id`): a URL kwarg is a string or a number,
so a parameter with attributes is an object the view machinery handed in (sentry's
`convert_args` fetches the `project` row), where ninja's are schemas parsed from the request.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.analysis.django import parse_orm_call
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    arguments,
    chain_parts,
    code,
    normalised,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context

REQUEST_DATA = re.compile(
    r"\brequest\s*\.\s*(POST|GET|data|query_params|body|COOKIES|headers|META|FILES)\b"
    r"|\bself\s*\.\s*kwargs\b"
)
VALIDATED = re.compile(
    r"validated_data|cleaned_data|get_object_or_404\s*\(|get_list_or_404\s*\(|"
    r"\.\s*objects\s*\.\s*get\s*\("
)
INSTANCE_KEY = re.compile(r"\.\s*(pk|id)\s*$")  # `team.pk`: read from a model instance
# `Node.objects.filter(group=g)[0].graph_id`, `….first().team_id`: an attribute of a row the query
# returned (the whole value one chain from a manager): read from the database, not the request.
ROW_READ = re.compile(
    r"^[\w.]*\bobjects\s*\..*(?:\[\s*-?\d+\s*\]|\.\s*(?:first|last|earliest|latest)\s*\(\s*\))"
    r"\s*\.\s*\w+\s*$",
    re.DOTALL,
)
# `OrderSerializer(data=request.data)`, `NoteForm(request.POST)`: the object validates the data
# (its fields look their rows up); what it hands on is no raw request data.
VALIDATING = re.compile(r"^\s*[\w.]*(Serializer|Form|FormSet)\s*\(")
# `serializer.data["id"]` after `save()`: the representation of the row just written.
SERIALIZER_OUTPUT = re.compile(r"\b\w*serializer\w*\s*\.\s*data\b", re.IGNORECASE)
URL_IDENTIFIER = re.compile(r"^(pk|id|slug|uuid|key|code|name|username)$|_(pk|id|slug|uuid|key)$")
NOT_REQUEST_PARAMETERS = frozenset({"self", "cls", "request", "serializer", "form"})
NO_URL_PARAMETERS = frozenset({"perform_create", "perform_update", "form_valid", "save"})
LOOKUP_METHODS = frozenset({"get", "filter", "exists", "get_or_create", "in_bulk"})
SCOPES = ("funcdef", "classdef", "lambdef", "async_funcdef", "decorated")


@dataclass(frozen=True)
class RequestNames:
    """The names bound to request data at one point of a handler; `objects`: the handler
    parameters among them whose attributes are no request data (outside django-ninja a URL
    kwarg has none: a parameter read for attributes is an object the view was handed)."""

    names: frozenset[str]
    objects: frozenset[str] = frozenset()


def handler_parameters(ctx: Context, *, identifiers_only: bool = False) -> set[str]:
    """The handler's parameters that carry request data (URL kwargs, ninja operation params).
    With `identifiers_only`, a function taken for a view only because it takes `request` first
    passes on only parameters named like URL identifiers (`pk`, `team_id`, `slug`): misago's
    `merge_threads(request, validated_data, threads, merge_conflict)` is a helper handed
    objects, not a URL route."""
    handler = ctx.handler
    if handler is None:
        return set()
    function = handler.function
    if function.children[1].value in NO_URL_PARAMETERS:
        return set()
    plain_function = handler.kind == "django" and handler.class_node is None
    names = set()
    for param in function.get_params():
        if param.name.value in NOT_REQUEST_PARAMETERS:
            continue
        if identifiers_only and plain_function and not URL_IDENTIFIER.search(param.name.value):
            continue
        annotation = param.annotation
        if annotation is not None and _names_a_model(annotation, ctx):
            continue  # `team: Team`: an instance, resolved by the framework
        names.add(str(param.name.value))
    return names


def _names_a_model(annotation: Node, ctx: Context) -> bool:
    leaf = annotation.get_last_leaf() if hasattr(annotation, "children") else annotation
    try:
        return ctx.env.resolver.resolve_model(ctx.file, leaf) is not None
    except Exception:  # resolution is best effort
        return False


def request_derived_names(
    ctx: Context, before: Node, *, validated_by_objects: bool = False
) -> RequestNames:
    """Names bound to request data at the position of `before` in the handler."""
    names = handler_parameters(ctx, identifiers_only=validated_by_objects)
    handler = ctx.handler
    objects = set(names) if handler is not None and handler.kind != "ninja" else set()
    function = ctx.function
    if function is None:
        return RequestNames(frozenset(names), frozenset(objects))
    limit = before.start_pos
    clean = validated_by_objects
    for node in _in_order(function.children[-1]):
        if node.start_pos >= limit:
            break
        if node.type == "expr_stmt":
            last = node.children[-1]
            if last.type == "annassign" and len(last.children) == 4:
                derived = is_request_derived_in(last.children[3], names, objects, clean)
                _bind(node.children[0], derived, names, objects)
            elif node.children[1].type == "operator" and node.children[1].value == "=":
                derived = is_request_derived_in(last, names, objects, clean)
                for target in node.children[:-1:2]:
                    _bind(target, derived, names, objects)
        elif node.type == "for_stmt":
            derived = is_request_derived_in(node.children[3], names, objects, clean)
            _bind(node.children[1], derived, names, objects)
    return RequestNames(frozenset(names), frozenset(objects))


def _bind(target: Node, derived: bool, names: set[str], objects: set[str]) -> None:
    leaves = [target] if target.type == "name" else _target_names(target)
    for leaf in leaves:
        objects.discard(leaf.value)  # rebound: no longer the parameter the view was handed
        if derived:
            names.add(leaf.value)
        else:
            names.discard(leaf.value)


def _target_names(target: Node) -> list[Node]:
    if target.type in CALL_CHAIN_TYPES:
        return []  # `obj.attr = …` binds no name
    found = []
    for child in getattr(target, "children", []):
        if child.type == "name":
            found.append(child)
        elif child.type in ("testlist_star_expr", "exprlist", "atom", "testlist_comp"):
            found.extend(_target_names(child))
    return found


def _in_order(body: Node) -> list[Node]:
    """Statements and `for` headers of a function body in source order, not entering defs."""
    result: list[Node] = []
    stack = [body]
    while stack:
        current = stack.pop()
        if current.type in SCOPES:
            continue
        if current.type in ("expr_stmt", "for_stmt"):
            result.append(current)
        children = getattr(current, "children", None)
        if children:
            stack.extend(reversed(children))
    return result


def is_request_derived(
    value: Node, names: RequestNames, *, validated_by_objects: bool = False
) -> bool:
    """Does `value` carry raw request data (given the request-derived `names`)? With
    `validated_by_objects`, a serializer or form built from the request, and a serializer's
    `.data`, are not (their fields look rows up; IL204 asks whether a row was seen)."""
    return is_request_derived_in(value, names.names, names.objects, validated_by_objects)


def is_request_derived_in(
    value: Node, names: Collection[str], objects: Collection[str], validated_by_objects: bool
) -> bool:
    text = code(value)
    if VALIDATED.search(text) or INSTANCE_KEY.search(text):
        return False
    if value.type in CALL_CHAIN_TYPES and ROW_READ.match(text.strip()):
        return False
    if validated_by_objects and (VALIDATING.search(text) or SERIALIZER_OUTPUT.search(text)):
        return False
    if REQUEST_DATA.search(text):
        return True
    for leaf in _leaves(value):
        if leaf.type != "name" or leaf.value not in names:
            continue
        previous = leaf.get_previous_leaf()
        if previous is not None and previous.value == ".":
            continue  # an attribute name (`x.name`), not the name
        if leaf.value in objects and _attribute_read(leaf):
            continue  # `project.organization_id`: read off an object the view was handed
        return True
    return False


def _attribute_read(name: Node) -> bool:
    """`name.attr` not called: `project.organization_id`, not `pk.strip()`."""
    following = name.get_next_sibling()
    if following is None or following.type != "trailer" or following.children[0].value != ".":
        return False
    after = following.get_next_sibling()
    return not (after is not None and after.type == "trailer" and after.children[0].value == "(")


def _leaves(node: Node) -> list[Node]:
    if not hasattr(node, "children"):
        return [node]
    leaves = []
    leaf = node.get_first_leaf()
    last = node.get_last_leaf()
    while leaf is not None:
        leaves.append(leaf)
        if leaf is last:
            break
        leaf = leaf.get_next_leaf()
    return leaves


def checked_before(value: Node, ctx: Context, before: Node) -> bool:
    """Was the same value looked up (`get_object_or_404`, `get`, `filter(…).exists()`) earlier
    in the function? Then the parent row was seen to exist."""
    function = ctx.function
    if function is None:
        return False
    wanted = normalised(value)
    limit = before.start_pos
    stack = [function.children[-1]]
    while stack:
        node = stack.pop()
        if node.start_pos >= limit or node.type in SCOPES:
            continue
        if node.type in CALL_CHAIN_TYPES and _is_lookup(node, ctx):
            _, trailers = chain_parts(node)
            for trailer in trailers:
                if trailer.children[0].value == "(" and any(
                    normalised(arg.value) == wanted for arg in arguments(trailer)
                ):
                    return True
        stack.extend(getattr(node, "children", []))
    return False


def _is_lookup(node: Node, ctx: Context) -> bool:
    base, _ = chain_parts(node)
    if base.type == "name" and base.value in ("get_object_or_404", "get_list_or_404"):
        return True
    orm = parse_orm_call(node, ctx.env.index)
    return orm is not None and any(link.name in LOOKUP_METHODS for link in orm.methods)
