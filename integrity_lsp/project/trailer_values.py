"""What a trailer makes of a value, for the resolver's evaluator (`resolve.Resolver`):
`.attribute` of a model class (a manager), of an instance (a relation, a reverse accessor, a
generic relation, `__class__`) or of a manager/queryset (a method, `model`); a call (an
instance, a queryset, `get_or_create`'s tuple); a subscript (an element, a slice).
"""

from __future__ import annotations

from typing import Any

from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.records import (
    MANY_TO_MANY_FIELD_CLASSES,
    RELATION_FIELD_CLASSES,
    ModelRecord,
)
from integrity_lsp.project.values import (
    DEFAULT_MANAGERS,
    INSTANCE_METHODS,
    NOT_QUERYSET_METHODS,
    TUPLE_METHODS,
    ManagerTarget,
    Value,
)
from integrity_lsp.syntax.declarations import is_operator, literal


def apply_trailer(index: ProjectIndex, value: Value, trailer: Any) -> Value | None:
    opening = trailer.children[0]
    model = value.model
    if is_operator(opening, "."):
        attribute = str(trailer.children[1].value)
        return _attribute(index, value, attribute)
    if is_operator(opening, "("):
        if value.kind == "class":
            return Value("instance", model)
        if value.kind == "method":
            return _call_method(value)
        return None
    if is_operator(opening, "["):
        position = literal(trailer.children[1])
        if value.kind == "tuple":
            return Value("instance", model) if position == 0 else None
        if value.kind == "queryset":
            if isinstance(position, int):
                return Value("instance", model)
            if trailer.children[1].type == "subscript":  # a slice is still a queryset
                return value
    return None


def _attribute(index: ProjectIndex, value: Value, attribute: str) -> Value | None:
    model = value.model
    if value.kind == "class":
        if attribute in DEFAULT_MANAGERS or attribute in {
            manager.attribute for manager in index.managers(model)
        }:
            return Value("manager", model, ManagerTarget(model, attribute))
        return None
    if value.kind == "instance":
        if attribute == "__class__":
            return Value("class", model)
        return _instance_attribute(index, model, attribute)
    if value.kind in ("manager", "queryset"):
        if attribute == "model":
            return Value("class", model)
        return Value("method", model, value.manager, attribute)
    return None


def _instance_attribute(index: ProjectIndex, model: ModelRecord, attribute: str) -> Value | None:
    generic = index.generic_relation(model, attribute)
    if generic is not None:
        # `obj.tags` for `tags = GenericRelation(TaggedItem)`: TaggedItem's rows of `obj`
        fixed = (generic.content_type_field, generic.object_id_field)
        manager = ManagerTarget(generic.model, attribute, "generic", fixed_fields=fixed)
        return Value("manager", generic.model, manager)
    field = index.field(model, attribute)
    if field is not None and field.name == attribute:
        target = index.related_model(model, field)
        if target is None:
            return None
        if field.known_class in MANY_TO_MANY_FIELD_CLASSES:
            return Value(
                "manager",
                target,
                ManagerTarget(target, attribute, "many_to_many", field=field),
            )
        if field.known_class in RELATION_FIELD_CLASSES:
            return Value("instance", target)
        return None
    reverse = index.reverse_relations(model).get(attribute)
    if reverse is None:
        return None
    source_model, relation = reverse
    if relation.known_class in MANY_TO_MANY_FIELD_CLASSES:
        manager = ManagerTarget(source_model, attribute, "many_to_many", field=relation)
        return Value("manager", source_model, manager)
    if relation.known_class == "OneToOneField":
        return Value("instance", source_model)
    manager = ManagerTarget(
        source_model, attribute, "related", fixed_fields=(relation.name,), field=relation
    )
    return Value("manager", source_model, manager)


def _call_method(value: Value) -> Value | None:
    method = value.method
    model = value.model
    if method in INSTANCE_METHODS or method.startswith("create_"):
        return Value("instance", model)
    if method in TUPLE_METHODS:
        return Value("tuple", model)
    if method in NOT_QUERYSET_METHODS or method.startswith("_"):
        return None
    return Value("queryset", model, value.manager, method)
