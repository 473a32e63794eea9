"""What two concurrent `get_or_create()` inserts write, for IL104: the fields `defaults` gives,
the constant an omitted field is written as, and whether a partial constraint's condition holds
for the inserted row."""

from __future__ import annotations

import ast
import re
from typing import Any

from integrity_lsp.analysis.lookup_coverage import exact_lookup_fields
from integrity_lsp.analysis.partitioned_sets import partitioned_sets
from integrity_lsp.analysis.unique_sets import picks_existing_row
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.records import (
    AUTO_FIELD_CLASSES,
    EMPTY_STRING_FIELD_CLASSES,
    FieldRecord,
    ModelRecord,
    UniqueSet,
)
from integrity_lsp.syntax.declarations import UNKNOWN, string_value
from integrity_lsp.syntax.nodes import Node, arguments, keyword_arguments

NOT_LOOKUPS = ("defaults", "create_defaults")


def default_keys(call: Node | None) -> set[str]:
    """The fields `defaults=`/`create_defaults=` give (all of them unknown when not a dict)."""
    keys: set[str] = set()
    for name in NOT_LOOKUPS:
        argument = keyword_arguments(call).get(name)
        if argument is None:
            continue
        value = argument.value
        if value.type in ("atom_expr", "power") and value.children[0].type == "name":
            if value.children[0].value == "dict" and len(value.children) == 2:  # dict(k=v)
                call_arguments = arguments(value.children[1])
                if all(argument.keyword for argument in call_arguments):
                    keys.update(str(argument.keyword) for argument in call_arguments)
                    continue
            return {"*"}
        if value.type != "atom" or value.children[0].value != "{":
            return {"*"}
        items = value.children[1]
        entries = items.children if items.type == "dictorsetmaker" else [items]
        for position in range(0, len(entries), 4):
            key = entries[position]
            text = string_value(key) if key.type == "string" else None
            if text is None:
                return {"*"}
            keys.add(text)
    return keys


def covered_by_the_created_row(
    index: ProjectIndex, model: ModelRecord, lookup: dict[str, Node | None], given: set[str]
) -> bool:
    """Does a unique set cover what two concurrent calls insert? Its fields are looked up
    exactly or left at a constant the insert writes (weblate's `Variant(component, key)` with
    `variant_regex` defaulting to ""), and a partial constraint's condition holds for the row
    (a soft-delete `UniqueConstraint(…, condition=Q(deleted_at__isnull=True))` when the insert
    leaves `deleted_at` NULL). Then the second insert fails and `get_or_create` fetches the
    first's row. Partial constraints that together cover every row (analysis/partitioned_sets)
    cover whatever else the insert writes: both rows fall under the same one."""
    exact = exact_lookup_fields(index, model, lookup)
    if any(
        fields <= exact.keys() and not any(_value_of(exact[name]) is None for name in fields)
        for fields in partitioned_sets(index, model)
    ):
        return True
    if "*" in given:
        return False
    constants = {
        name: value
        for name, field in index.all_fields(model).items()
        if name not in exact
        and name not in given
        and field.attname not in given
        and (value := _written_when_omitted(field)) is not UNKNOWN
    }
    for unique in index.unique_sets(model):
        if unique.functional:
            continue  # a lookup of its fields may miss the row its key collides with
        if not unique.fields & exact.keys() or not unique.fields <= exact.keys() | constants.keys():
            continue  # a set of constants alone makes every insert collide: another bug
        values = {
            name: _value_of(exact[name]) if name in exact else constants[name]
            for name in unique.fields
        }
        if unique.nulls_distinct and any(value is None for value in values.values()):
            continue
        if unique.condition is not None and not _condition_holds(
            unique.condition, lookup, constants
        ):
            continue
        return True
    return False


def constant_when_omitted(field: FieldRecord, unique: UniqueSet) -> bool:
    """Two inserts that omit `field` write the same value for it into `unique`'s index (not
    NULL where NULLs are distinct)."""
    value = _written_when_omitted(field)
    return value is not UNKNOWN and not (value is None and unique.nulls_distinct)


def _written_when_omitted(field: FieldRecord) -> Any:
    """The constant an insert writes for an omitted field (a literal default, NULL, Django's
    "", the row a relation's callable default picks), or UNKNOWN (another callable default, an
    auto field, a value filled on save)."""
    if field.primary_key or field.auto_now or field.auto_now_add or field.db_default is not None:
        return UNKNOWN
    if field.option("auto_created") == "True" or field.known_class in AUTO_FIELD_CLASSES:
        return UNKNOWN
    if field.default is not None:
        literal = _literal_text(field.default)
        if literal is UNKNOWN and picks_existing_row(field):
            # the row the relation's callable default picks: never NULL, equal only to itself
            return ("row picked by", field.default.strip())
        return literal
    if field.null:
        return None
    if field.known_class in EMPTY_STRING_FIELD_CLASSES:
        return ""
    return UNKNOWN


def _literal_text(text: str) -> Any:
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return UNKNOWN
    return value if isinstance(value, str | int | float | bool) or value is None else UNKNOWN


def _value_of(node: Node | None) -> Any:
    return UNKNOWN if node is None else _literal_text(node.get_code(include_prefix=False))


_TERM = re.compile(r"(\w+)\s*=\s*([^,()]+)")


def _condition_holds(
    condition: str, lookup: dict[str, Node | None], constants: dict[str, Any]
) -> bool:
    """Every term of an AND-only `Q(…)` condition holds for the inserted row: pinned by the
    lookup, or met by the constant the insert writes (`deleted_at__isnull=True` by NULL)."""
    terms = _TERM.findall(condition)
    if not terms or re.search(r"[|~]", condition):
        return False
    for key, literal_text in terms:
        expected = _literal_text(literal_text)
        if key in lookup:
            if expected is UNKNOWN or _value_of(lookup[key]) != expected:
                return False
        elif key.endswith("__isnull") and key[: -len("__isnull")] in constants:
            if expected is not True or constants[key[: -len("__isnull")]] is not None:
                return False
        elif key in constants:
            if expected is UNKNOWN or constants[key] != expected:
                return False
        else:
            return False
    return True
