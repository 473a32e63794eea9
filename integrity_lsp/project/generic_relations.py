"""Generic relations as written in a class body: `tags = GenericRelation(TaggedItem,
object_id_field="obj_pk")`, and a project subclass of `GenericRelation` whose `__init__` names
the related model itself (django-cms's `PlaceholderRelationField`, which calls
`super().__init__(Placeholder, object_id_field="object_id", content_type_field="content_type",
**kwargs)`). `obj.tags` is then a manager of `TaggedItem` that fills in the content type and
object id of `obj` (Django's `create_generic_related_manager`): what the index answers with
`generic_relation(model, attribute)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.declarations import (
    assignment_parts,
    call_arguments,
    dotted_name,
    dotted_parts,
    iter_statements,
    small_statements,
    split_call,
    string_value,
)
from integrity_lsp.syntax.nodes import walk

GENERIC_RELATION = ("django.contrib.contenttypes.fields", "GenericRelation")


@dataclass(frozen=True)
class ParsedGenericRelation:
    """One generic relation: `attribute` is "" for what a subclass's `__init__` passes on."""

    attribute: str
    target: str  # dotted class name as written, or "app_label.Model" when `is_string`
    is_string: bool = False
    object_id_field: str = "object_id"
    content_type_field: str = "content_type"


def generic_relations_of(suite: Any) -> tuple[ParsedGenericRelation, ...]:
    """The generic relations a class body declares, and what its `__init__` passes on."""
    found = []
    for statement in iter_statements(suite):
        if statement.type == "funcdef":
            passed_on = init_generic_relation(statement)
            found.extend([passed_on] if passed_on is not None else [])
            continue
        for small in small_statements(statement):
            if small.type != "expr_stmt":
                continue
            targets, _annotation, value = assignment_parts(small)
            if len(targets) == 1 and targets[0].type == "name" and value is not None:
                relation = parse_generic_relation(str(targets[0].value), value)
                found.extend([relation] if relation is not None else [])
    return tuple(found)


def parse_generic_relation(attribute: str, value: Any) -> ParsedGenericRelation | None:
    """`GenericRelation(Target, …)` assigned to `attribute` in a class body."""
    call = split_call(value)
    if call is None or (dotted_parts(call[0]) or "").split(".")[-1] != "GenericRelation":
        return None
    return _relation_of_call(attribute, call[1])


def init_generic_relation(funcdef: Any) -> ParsedGenericRelation | None:
    """What `__init__` passes to `super().__init__(Target, …)` (a subclass's fixed target)."""
    if funcdef.type != "funcdef" or funcdef.name.value != "__init__":
        return None
    for node in walk(funcdef):
        if node.type not in ("atom_expr", "power") or len(node.children) != 4:
            continue
        head, empty, method, call = node.children
        if head.type != "name" or head.value != "super" or len(empty.children) != 2:
            continue
        if method.get_code(include_prefix=False) != ".__init__":
            continue
        if call.type != "trailer" or call.children[0].value != "(":
            continue
        return _relation_of_call("", call)
    return None


def _relation_of_call(attribute: str, trailer: Any) -> ParsedGenericRelation | None:
    given = call_arguments(trailer)
    target = given.keywords.get("to")
    if target is None and given.positional:
        target = given.positional[0]
    if target is None:
        return None
    text = string_value(target)
    dotted = dotted_name(target) if text is None else None
    if text is None and dotted is None:
        return None
    object_id = string_value(given.keywords.get("object_id_field")) or "object_id"
    content_type = string_value(given.keywords.get("content_type_field")) or "content_type"
    return ParsedGenericRelation(
        attribute, text or dotted or "", text is not None, object_id, content_type
    )


@dataclass(frozen=True)
class GenericTarget:
    """`obj.<attribute>` through a generic relation: a manager of `model` that fills in these
    two fields with `obj`'s content type and primary key."""

    model: ModelRecord
    content_type_field: str
    object_id_field: str
