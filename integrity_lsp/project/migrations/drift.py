"""Where models.py and the state the migrations build disagree, in makemigrations' words.

`model_drift` compares one model's local fields (nullability, uniqueness, column, db_default,
relation target), `unique_together`, named constraints and `db_table` with its replayed
`ModelState`, and names the operation `makemigrations` would write for each difference
("Alter field code on coupon", "Create constraint discount_lte_100 on model coupon").
Constraint conditions are compared after normalising `Q(...)` objects the way Django
deconstructs them (keyword arguments sorted, `&`/`|`/`~` folded), so `Q(price__gte=0)` in
models.py equals `models.Q(("price__gte", 0))` in a migration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from integrity_lsp.project.field_classes import (
    DJANGO_FIELD_CLASSES,
    KNOWN_THIRD_PARTY_FIELD_CLASSES,
)
from integrity_lsp.project.migrations.graph import MigrationFile
from integrity_lsp.project.migrations.state import ModelState
from integrity_lsp.project.records import ConstraintRecord, FieldRecord, ModelRecord, SourceRef
from integrity_lsp.syntax.declarations import (
    UNKNOWN,
    call_arguments,
    collection_items,
    dotted_parts,
    literal,
    split_call,
)
from integrity_lsp.syntax.source import parse_bracketed

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex


@dataclass(frozen=True)
class Drift:
    operation: str  # what makemigrations would write
    ref: SourceRef  # where models.py says it
    detail: str  # what differs
    migration: SourceRef | None  # the last migration that touched it


def renamed_models(migrations: Iterable[MigrationFile]) -> dict[str, str]:
    """`app.oldname` -> `app.NewName` for every RenameModel: it repoints the ForeignKeys of
    every app to the model, although their own migrations still name the old one."""
    renames: dict[str, str] = {}
    for migration in migrations:
        for operation in migration.operations:
            if operation.kind == "RenameModel" and operation.model and operation.new_name:
                old = f"{migration.app_label}.{operation.model}".lower()
                renames[old] = f"{migration.app_label}.{operation.new_name}"
    return renames


def model_drift(
    index: ProjectIndex,
    model: ModelRecord,
    state: ModelState | None,
    renamed: Mapping[str, str] | None = None,
) -> list[Drift]:
    key = model.name.lower()
    if state is None:
        return [Drift(f"Create model {model.name}", model.ref, "no migration creates it", None)]
    if state.unknown or not state.has_table:
        return []
    found: list[Drift] = []
    local = index.local_fields(model)
    for name, record in local.items():
        current = state.field(name)
        if current is None:
            if not _class_known(record):
                continue  # a class whose column (if any) is unknown: django-cms's
                # PlaceholderRelationField(GenericRelation), netbox's taggit manager field
            found.append(Drift(f"Add field {name} to {key}", record.ref, "no column", state.ref))
            continue
        differences = _field_differences(
            record, current.record, renamed or {}, lambda label: index.get_model(label) is not None
        )
        if differences:
            detail = "; ".join(differences)
            found.append(Drift(f"Alter field {name} on {key}", record.ref, detail, current.ref))
    if _bases_known(index, model):
        unread = index.unread_attributes(model)
        for name, current in state.fields.items():
            if name not in local and name not in unread:
                found.append(
                    Drift(f"Remove field {name} from {key}", model.ref, "a column", current.ref)
                )
    found.extend(_constraint_drift(index, model, state, key))
    if (model.db_table or None) != (state.db_table or None):
        table = model.db_table or f"{model.app_label}_{key}"
        where = model.meta_ref or model.ref
        found.append(
            Drift(
                f"Rename table for {key} to {table}",
                where,
                f"the migrations name the table {state.table()}",
                state.db_table_ref or state.ref,
            )
        )
    return found


# Field classes of Django's contrib apps: known columns, though not in DJANGO_FIELD_CLASSES.
_CONTRIB_FIELD_CLASSES = frozenset(
    {
        "ArrayField", "HStoreField", "CICharField", "CIEmailField", "CITextField",
        "IntegerRangeField", "BigIntegerRangeField", "DecimalRangeField", "DateTimeRangeField",
        "DateRangeField", "SearchVectorField", "GeometryField", "PointField", "LineStringField",
        "PolygonField", "MultiPointField", "MultiLineStringField", "MultiPolygonField",
        "GeometryCollectionField", "RasterField",
    }
)  # fmt: skip


def _class_known(field: FieldRecord) -> bool:
    """Is it known what the field's class writes to the table: Django's own, a project class
    deriving from one, or a third-party one the index knows (modelcluster's ParentalKey)?"""
    if field.third_party:
        return False
    return (
        field.django_class is not None
        or field.field_class in DJANGO_FIELD_CLASSES
        or field.field_class in KNOWN_THIRD_PARTY_FIELD_CLASSES
        or field.field_class in _CONTRIB_FIELD_CLASSES
        or field.option("auto_created") == "True"
    )


def _model_label(target: str) -> bool:
    """`app.Model` as written; not a call or an expression the reader kept as text
    (`swapper.get_model_name("wagtailcore", "Page")`), nor a `settings.X_MODEL` whose value
    was not read (django-plans' `PLANS_PLAN_MODEL`, swapper's default): those are unknown."""
    return re.fullmatch(r"\w+\.\w+", target) is not None and not target.startswith("settings.")


def _field_differences(
    model: FieldRecord,
    state: FieldRecord,
    renamed: Mapping[str, str],
    is_model: Callable[[str], bool],
) -> list[str]:
    if not _class_known(model):
        return []  # an installed package's field class may fix options in its `__init__`
        # (openwisp-utils' FallbackBooleanChoiceField sets null=True): they are unknown
    found = []
    if model.null != state.null and not model.option_unknown("null"):  # `null=settings.X`
        found.append("null=True in models.py" if model.null else "NOT NULL in models.py")
    if model.is_unique != state.is_unique:
        found.append(
            "unique in models.py, not in the migrations"
            if model.is_unique
            else "unique in the migrations, not in models.py"
        )
    if model.column != state.column:
        found.append(f"column {model.column} in models.py, {state.column} in the migrations")
    if (model.db_default is None) != (state.db_default is None):
        found.append("db_default differs")
    if model.is_many_to_many != state.is_many_to_many:
        found.append("a many-to-many in one and a column in the other")
    left, right = model.related_model, state.related_model
    seen: set[str] = set()
    while right and right.lower() in renamed and right.lower() not in seen:
        seen.add(right.lower())
        right = renamed[right.lower()]
    if (
        left
        and right
        and _model_label(left)
        and _model_label(right)
        and left.lower() != right.lower()
        and is_model(left)  # not a class expression left unresolved (`beat_models.Solar`)
    ):
        found.append(f"points at {left} in models.py, {right} in the migrations")
    return found


def _bases_known(index: ProjectIndex, model: ModelRecord) -> bool:
    for base in model.bases:
        if base.split(".")[-1] == "Model":
            continue
        if index.model_for_expression(model.module, base) is None:
            return False
    return True


def _constraint_drift(
    index: ProjectIndex, model: ModelRecord, state: ModelState, key: str
) -> list[Drift]:
    found: list[Drift] = []
    records = index.constraints(model)
    together = [c for c in records if c.kind == "unique_together"]
    if {frozenset(c.fields) for c in together} != {frozenset(t) for t in state.unique_together}:
        where = together[0].ref if together else model.meta_ref or model.ref
        found.append(
            Drift(
                f"Alter unique_together for {key} ({len(together)} constraint(s))",
                where,
                "unique_together differs",
                state.together_ref or state.ref,
            )
        )
    named = {c.name: c for c in records if c.kind != "unique_together" and c.name}
    migrated = {c.record.name: c for c in state.constraints if c.record.name}
    for name, record in named.items():
        existing = migrated.get(name)
        if existing is None:
            found.append(
                Drift(
                    f"Create constraint {name} on model {key}",
                    record.ref,
                    "never migrated",
                    state.ref,
                )
            )
        elif not same_constraint(record, existing.record):
            found.append(
                Drift(
                    f"Remove constraint {name} from model {key}, then Create constraint {name} "
                    f"on model {key}",
                    record.ref,
                    "its definition differs from the migrated one",
                    existing.ref,
                )
            )
    for name, existing in migrated.items():
        if name not in named:
            found.append(
                Drift(
                    f"Remove constraint {name} from model {key}",
                    model.meta_ref or model.ref,
                    "migrated but no longer in models.py",
                    existing.ref,
                )
            )
    return found


def same_constraint(left: ConstraintRecord, right: ConstraintRecord) -> bool:
    """Do two constraints enforce the same thing? Unknowable parts count as the same."""
    if left.kind != right.kind:
        return False
    if left.has_expressions or right.has_expressions:
        return True
    if left.kind == "unique" and (
        tuple(left.fields) != tuple(right.fields)
        or bool(left.nulls_distinct is False) != bool(right.nulls_distinct is False)
        or left.deferrable != right.deferrable
    ):
        return False
    if (left.condition is None) != (right.condition is None):
        return False
    if left.condition is None or right.condition is None:
        return True
    a, b = canonical_condition(left.condition), canonical_condition(right.condition)
    if a is None or b is None:
        return True
    return bool(a == b)


# ---------------------------------------------------------------- Q normal form

_QUALIFIED_CALL = re.compile(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_]\w*\()")


def canonical_condition(text: str) -> Any:
    """A hashable normal form of a Q expression; None when it cannot be read."""
    node = parse_bracketed(text)
    if node is None:
        return None
    try:
        return _canonical(node)
    except (ValueError, AttributeError, IndexError):
        return None


def _canonical(node: Any) -> Any:
    if node.type == "atom" and node.children[0].value == "(" and len(node.children) == 3:
        return _canonical(node.children[1])
    if node.type in ("and_expr", "expr"):
        connector = "AND" if node.type == "and_expr" else "OR"
        parts = [_canonical(c) for c in node.children if c.type != "operator"]
        return _combine(connector, False, parts)
    if node.type == "factor" and node.children[0].value == "~":
        inner = _canonical(node.children[1])
        return (
            (inner[0], not inner[1], inner[2])
            if inner[0] != "leaf"
            else ("AND", True, frozenset([inner]))
        )
    call = split_call(node)
    if call is None or (dotted_parts(call[0]) or "").split(".")[-1] != "Q":
        raise ValueError("not a Q expression")
    args = call_arguments(call[1])
    connector = literal(args.keywords.get("_connector")) or "AND"
    negated = literal(args.keywords.get("_negated")) is True
    children: list[Any] = []
    for positional in args.positional:
        items = collection_items(positional) if positional.type == "atom" else None
        key = literal(items[0]) if items is not None and len(items) == 2 else None
        if items is not None and isinstance(key, str):
            children.append(("leaf", key, _value(items[1])))
        else:
            children.append(_canonical(positional))
    for name in sorted(args.keywords):
        if name not in ("_connector", "_negated"):
            children.append(("leaf", name, _value(args.keywords[name])))
    return _combine(str(connector), negated, children)


def _combine(connector: str, negated: bool, children: list[Any]) -> Any:
    flat: list[Any] = []
    for child in children:
        if child[0] == connector and not child[1]:
            flat.extend(child[2])
        else:
            flat.append(child)
    if len(flat) == 1 and not negated:
        return flat[0]
    return (connector, negated, frozenset(flat))


def _value(node: Any) -> str:
    value = literal(node)
    if value is not UNKNOWN:
        return repr(value)
    return "".join(_QUALIFIED_CALL.sub("", node.get_code(include_prefix=False)).split())
