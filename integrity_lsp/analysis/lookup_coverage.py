"""Whether a lookup is covered by a database uniqueness guarantee: the one place that decides
it (IL104, the race rules, explain), per SPEC: every field of a unique set among the lookup's
exact keyword arguments (`team` and `team_id` are one column), no literal `None` for a field of
a set whose NULLs are distinct, and a partial constraint only when the lookup pins its
condition."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from integrity_lsp.syntax.nodes import Node, normalised

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.records import ModelRecord, UniqueSet


def exact_lookup_fields(
    index: ProjectIndex, model: ModelRecord, lookup: Mapping[str, Node | None]
) -> dict[str, Node | None]:
    """Field name -> value for kwargs that are exact equality on a concrete field."""
    exact: dict[str, Node | None] = {}
    for key, value in lookup.items():
        if "__" in key:
            continue
        name = key
        if key == "pk":
            pk = next((f for f in index.all_fields(model).values() if f.primary_key), None)
            name = pk.name if pk else "id"
        field = index.field(model, name)
        if field is None:
            continue
        exact[field.name] = value
    return exact


def covering_unique_set(
    index: ProjectIndex, model: ModelRecord, lookup: Mapping[str, Node | None]
) -> UniqueSet | None:
    """The DB uniqueness guarantee that makes `lookup` match at most one row, if any.

    Coverage per SPEC: every field of a unique set among the exact-lookup kwargs (`team` and
    `team_id` are one column), no literal `None` for a field of a set whose NULLs are distinct,
    and a partial constraint only when the lookup pins its condition.
    """
    exact = exact_lookup_fields(index, model, lookup)
    for unique in index.unique_sets(model):
        if unique.functional or not unique.fields or not unique.fields <= exact.keys():
            continue
        if unique.nulls_distinct and any(_is_none(exact[name]) for name in unique.fields):
            continue
        if unique.condition is not None and not _condition_pinned(unique.condition, lookup):
            continue
        return unique
    return None


def _is_none(value: Node | None) -> bool:
    return value is not None and value.type == "keyword" and value.value == "None"


def _condition_pinned(condition: str, lookup: Mapping[str, Node | None]) -> bool:
    """`Q(is_active=True)` is pinned by a lookup `is_active=True` (every term, same literal)."""
    terms = re.findall(r"(\w+)\s*=\s*([^,()]+)", condition)
    if not terms or re.search(r"[|~]", condition):
        return False
    for key, literal in terms:
        value = lookup.get(key)
        if value is None or normalised(value) != "".join(literal.split()):
            return False
    return True
