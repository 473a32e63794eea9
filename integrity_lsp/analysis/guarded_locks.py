"""When a lock a helper skips for a falsy key is not needed: the row is outside the constraint.

A lock helper may return early when the new row's flag is off (`lock_helpers`):

    def make_only_default(model, org, data):
        if not data.get("is_default"):
            return
        Org.objects.select_for_update().filter(pk=org.pk).first()
        model.objects.filter(org=org, is_default=True).update(is_default=False)

    make_only_default(CasePipeline, org, serializer.validated_data)
    serializer.save(org=org)

The save skips the lock only when the serializer's data has no true `is_default`: the row is
then saved with False, or with the field's default when the data leaves it out. A partial
unique constraint `UniqueConstraint(fields=["org"], condition=Q(is_default=True))` covers no
such row, so only the inserts that took the lock can collide on it, and they queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.conditions import UNKNOWN, evaluate, literal_value_of
from integrity_lsp.syntax.nodes import Node, code

if TYPE_CHECKING:
    from integrity_lsp.analysis.form_saves import FormSave
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.records import ModelRecord, UniqueSet

_BOOLEAN_CLASSES = ("BooleanField", "NullBooleanField")
_SUBMITTED = {"serializer": "validated_data", "form": "cleaned_data"}


def form_data_skip_outside(
    saved: FormSave, unique: UniqueSet, index: ProjectIndex, passed: Node, key: str
) -> bool:
    """`passed` is the data the form or serializer saves (`serializer.validated_data`,
    `form.cleaned_data`), the code does not set `key` itself, and a row whose `key` is falsy
    misses `unique`'s condition."""
    form = saved.form
    submitted = f"{saved.variable}.{_SUBMITTED.get(form.kind, 'validated_data')}"
    if code(passed).strip() != submitted:
        return False
    field = index.field(form.model, key)
    if field is None or field.name in saved.sets or field.name in form.instance_sets:
        return False
    return falsy_outside(index, form.model, unique, field.name)


def falsy_outside(index: ProjectIndex, model: ModelRecord, unique: UniqueSet, name: str) -> bool:
    """Does every row whose boolean `name` is falsy — False, NULL where the field allows it, or
    its default when the data leaves it out — miss `unique`'s condition for sure?"""
    field = index.field(model, name)
    if not unique.condition or field is None or field.known_class not in _BOOLEAN_CLASSES:
        return False
    values: list[object] = [False, *([None] if field.null else [])]
    if field.default is not None:
        default = literal_value_of(field.default)
        if default is UNKNOWN:
            return False
        values.append(default)

    def field_name(text: str) -> str | None:
        found = index.field(model, text)
        return found.name if found is not None else None

    condition = unique.condition
    return all(evaluate(condition, {name: value}, field_name) is False for value in values)
