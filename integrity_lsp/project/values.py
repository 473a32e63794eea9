"""What a call-site expression can evaluate to (`Value`: a model class, an instance, a manager,
a queryset, the `(obj, created)` tuple of `get_or_create`; `ManagerTarget`: what a manager writes
to), the ORM method names that decide it, and the expression-chain helpers the resolver reads
expressions with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrity_lsp.project.records import FieldRecord, ModelRecord
from integrity_lsp.syntax.declarations import collection_items, is_operator

DEFAULT_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
INSTANCE_METHODS = frozenset(
    {
        "get",
        "create",
        "first",
        "last",
        "latest",
        "earliest",
        "aget",
        "acreate",
        "afirst",
        "alast",
        "alatest",
        "aearliest",
        "get_by_natural_key",
        "in_bulk_one",
    }
)
TUPLE_METHODS = frozenset(
    {"get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create"}
)
NOT_QUERYSET_METHODS = frozenset(
    {
        "count",
        "exists",
        "update",
        "delete",
        "aggregate",
        "values_list",
        "values",
        "bulk_create",
        "bulk_update",
        "in_bulk",
        "iterator",
        "contains",
        "acount",
        "aexists",
        "aupdate",
        "adelete",
        "explain",
        "add",
        "remove",
        "clear",
        "set",
    }
)
MODEL_GETTERS = frozenset({"get_user_model", "get_model"})


@dataclass(frozen=True)
class ManagerTarget:
    """What a manager expression writes to.

    kind: "manager" (`Product.objects`), "related" (`team.members`: `fixed_fields` names the
    ForeignKey the related manager fills in), "many_to_many" (`article.tags`), "generic"
    (`page.placeholders` through a `GenericRelation`: `fixed_fields` are its content type and
    object id fields), "queryset" (`Product.objects.filter(...)`).
    """

    model: ModelRecord
    manager: str
    kind: str = "manager"
    fixed_fields: tuple[str, ...] = ()
    field: FieldRecord | None = None


@dataclass(frozen=True)
class Value:
    """What an expression evaluates to."""

    kind: str  # "class" | "instance" | "manager" | "queryset" | "tuple" | "method"
    model: ModelRecord
    manager: ManagerTarget | None = None
    method: str = ""


def expression_parts(node: Any) -> list[Any]:
    """The parts of an expression chain; a Name leaf inside a chain gives the chain up to it."""
    if node is None:
        return []
    if node.type in ("atom_expr", "power"):
        children = list(node.children)
        if children and children[0].type == "keyword" and children[0].value == "await":
            return children[1:]
        return children
    if node.type == "name":
        parent = node.parent
        chain, end = None, 0
        if parent is not None and parent.type == "trailer" and is_operator(parent.children[0], "."):
            chain = parent.parent
            end = chain.children.index(parent) + 1 if chain is not None else 0
        elif parent is not None and parent.type in ("atom_expr", "power"):
            chain, end = parent, parent.children.index(node) + 1  # after `await`, if any
        if chain is None or chain.type not in ("atom_expr", "power"):
            return [node]
        if (
            node.value in MODEL_GETTERS
            and end < len(chain.children)
            and is_call(chain.children[end])
        ):
            end += 1  # `get_user_model()` / `apps.get_model(...)` name the model with the call
        parts = list(chain.children[:end])
        return parts[1:] if parts and parts[0].type == "keyword" else parts
    if node.type == "atom" and is_operator(node.children[0], "(") and len(node.children) == 3:
        return expression_parts(node.children[1])
    return [node]


def is_call(node: Any) -> bool:
    return bool(node.type == "trailer" and is_operator(node.children[0], "("))


def attribute_name(parts: list[Any], index: int) -> str | None:
    if index >= len(parts):
        return None
    trailer = parts[index]
    if trailer.type == "trailer" and is_operator(trailer.children[0], "."):
        return str(trailer.children[1].value)
    return None


def leading_names(parts: list[Any]) -> list[str]:
    names = [str(parts[0].value)]
    for index in range(1, len(parts)):
        attribute = attribute_name(parts, index)
        if attribute is None:
            break
        names.append(attribute)
    return names


def tuple_position(target: Any, definition: Any) -> int | None:
    """The position of `definition` in a tuple target (`team, created = …`)."""
    if target.type == "name":
        return None
    items = collection_items(target)
    if items is None:
        return None
    for position, item in enumerate(items):
        if item is definition:
            return position
    return None
