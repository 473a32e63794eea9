"""Partial unique constraints that together cover every row: `UniqueConstraint("node",
condition=Q(draft_of__isnull=True))` beside the same fields with `Q(draft_of__isnull=False)`.
Whatever a row holds in the condition's field, one of them applies, so two inserts of one call
with the same values for the fields (and so the same condition field) always collide.

Conditions are evaluated (analysis/conditions.py) for every value the condition's field can
hold, as far as they decide it: NULL when the field is nullable, True and False for a boolean,
else any other value, which only `__isnull` terms can tell apart. A condition on another field,
a comparison or a transform is unknown there, and the group then covers nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from integrity_lsp.analysis.conditions import evaluate

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.records import FieldRecord, ModelRecord

_KEY = re.compile(r"(\w+)\s*=")
_BOOLEAN_CLASSES = ("BooleanField", "NullBooleanField")


class _AnyValue:
    """A non-NULL value the field holds that no literal of a condition names."""


def partitioned_sets(index: ProjectIndex, model: ModelRecord) -> list[frozenset[str]]:
    """The field sets whose partial unique constraints (same fields, plain, not functional)
    together cover every row of `model`."""
    groups: dict[tuple[frozenset[str], bool], list[str]] = {}
    for unique in index.unique_sets(model):
        if unique.condition is not None and unique.fields and not unique.functional:
            groups.setdefault((unique.fields, unique.nulls_distinct), []).append(unique.condition)
    found: list[frozenset[str]] = []
    for (fields, _), conditions in groups.items():
        if len(conditions) > 1 and _cover_every_row(index, model, conditions):
            found.append(fields)
    return found


def _cover_every_row(index: ProjectIndex, model: ModelRecord, conditions: list[str]) -> bool:
    def field_name(text: str) -> str | None:
        found = index.field(model, text)
        return found.name if found is not None else None

    names = {
        name
        for condition in conditions
        for key in _KEY.findall(condition)
        if (name := field_name(key.split("__")[0])) is not None
    }
    for name in sorted(names):
        field = index.field(model, name)
        if field is None:
            continue
        if all(
            any(evaluate(condition, {name: value}, field_name) is True for condition in conditions)
            for value in _values(field)
        ):
            return True
    return False


def _values(field: FieldRecord) -> list[object]:
    """Every value `field` can hold, as far as a condition can tell them apart."""
    held: list[object] = [True, False] if field.known_class in _BOOLEAN_CLASSES else [_AnyValue()]
    nullable = field.null or field.known_class == "NullBooleanField"
    return [*held, None] if nullable else held
