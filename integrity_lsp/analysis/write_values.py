"""What a write sets a field to, read from the call as written: `None`, a literal, or data
(`value_kind`); literal mappings (`{"a": x}`, `dict(a=x)`) and lists of field names; `obj.attr`
assignment targets; the field a keyword sets (`field_name_of`)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Literal

from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Argument, Node, arguments, chain_parts

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.records import ModelRecord

ValueKind = Literal["none", "literal", "data"]
_LITERAL_TYPES = frozenset({"number", "string", "strings", "fstring"})


def value_kind(node: Node) -> ValueKind:
    if node.type == "keyword" and node.value == "None":
        return "none"
    if node.type in _LITERAL_TYPES or (node.type == "keyword" and node.value in ("True", "False")):
        return "literal"
    if node.type == "factor" and node.children[-1].type == "number":
        return "literal"
    return "data"


def dict_entries(node: Node) -> list[Argument] | None:
    """`{"a": x, "b": y}` / `dict(a=x)` as keyword arguments; None when not a literal mapping."""
    if node.type == "atom" and node.children[0].value == "{":
        if len(node.children) == 2:
            return []
        body = node.children[1]
        if body.type != "dictorsetmaker":
            return None
        items = body.children
        entries: list[Argument] = []
        for position in range(0, len(items), 4):
            key = string_literal(items[position])
            if key is None or position + 2 >= len(items) or items[position + 1].value != ":":
                return None
            entries.append(Argument(key, items[position + 2]))
        return entries
    if node.type in CALL_CHAIN_TYPES:
        base, trailers = chain_parts(node)
        if base.type == "name" and base.value == "dict" and len(trailers) == 1:
            args = arguments(trailers[0])
            if all(arg.keyword is not None for arg in args):
                return args
    return None


def string_items(node: Node) -> list[str] | None:
    if node.type != "atom" or node.children[0].value not in "[(":
        return None
    inner = node.children[1] if len(node.children) == 3 else None
    items = [] if inner is None else inner.children if inner.type == "testlist_comp" else [inner]
    names = []
    for item in items:
        if item.type == "operator":
            continue
        value = string_literal(item)
        if value is None:
            return None
        names.append(value)
    return names


def string_literal(node: Node) -> str | None:
    """The value of a plain string literal node, else None."""
    if node.type != "string":
        return None
    try:
        value = ast.literal_eval(node.value)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def is_attribute_of(target: Node, name: str) -> bool:
    """`name.attr` as an assignment target."""
    if target.type not in CALL_CHAIN_TYPES or len(target.children) != 2:
        return False
    base, trailer = target.children
    return bool(
        base.type == "name"
        and base.value == name
        and trailer.type == "trailer"
        and trailer.children[0].value == "."
    )


def field_name_of(index: ProjectIndex, model: ModelRecord, keyword: str | None) -> str | None:
    """The field a write's keyword sets (`team_id` and `team` set `team`; `pk` the primary key);
    lookups with `__` set nothing (Django drops them when creating)."""
    if keyword is None or "__" in keyword:
        return None
    if keyword == "pk":
        pk = index.pk(model)
        return pk.name if pk is not None else None
    found = index.field(model, keyword)
    return None if found is None else found.name
