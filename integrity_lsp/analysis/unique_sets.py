"""Which unique set a write can repeat, and the `table.column` names the database reports.

A unique set collides when every column gets a value and at least one of those values is not
a constant of the call: a constant default, an unset char field (`""`) or a NULL where NULLs
are not distinct all repeat, and so does a relation's callable default (it picks an existing
row); another callable default (`uuid4`, a token generator), an auto field, `auto_now` or a NULL
where NULLs are distinct tell rows apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from enum import Enum
from typing import TYPE_CHECKING

from integrity_lsp.analysis.bindings import inserted_before
from integrity_lsp.analysis.conditions import UNKNOWN, evaluate, literal_value, literal_value_of
from integrity_lsp.analysis.django import constructor_call
from integrity_lsp.analysis.form_saves import FormSave
from integrity_lsp.analysis.fresh_values import is_fresh_value
from integrity_lsp.analysis.row_keys import copies_row_key
from integrity_lsp.analysis.save_fills import fields_save_fills
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.project.records import AUTO_FIELD_CLASSES, EMPTY_STRING_FIELD_CLASSES
from integrity_lsp.syntax.declarations import literal_text
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    arguments,
    statement_of,
    walk,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.records import FieldRecord, ModelRecord, UniqueSet

_FUNCTION_NAME = re.compile(r"[A-Za-z_][\w.]*")
CONSTANT_CALLS = frozenset({"Decimal", "decimal.Decimal", "UUID", "uuid.UUID"})


def column_of(index: ProjectIndex, model: ModelRecord, name: str) -> str:
    """`table.column` of a field, in the table that holds it (a multi-table parent's for an
    inherited field)."""
    field = index.field(model, name)
    if field is None:
        return f"{index.table_name(model)}.{name}"
    owner = model
    if field.name not in index.local_fields(model):
        owner = next(
            (p for p in index.parents(model) if field.name in index.local_fields(p)), model
        )
    return f"{index.table_name(owner)}.{field.column}"


def written_fields(index: ProjectIndex, model: ModelRecord, site: WriteSite) -> dict[str, Argument]:
    """Field name -> the value the site writes to it (`team_id=` is `team`; `pk` the pk)."""
    found: dict[str, Argument] = {}
    for key, argument in site.values.items():
        field = index.field(model, key) if "__" not in key else None
        if field is not None and not field.is_many_to_many:
            found[field.name] = argument
    return found


def _never(value: Node) -> bool:
    return False


def outside_condition(
    index: ProjectIndex, model: ModelRecord, unique: UniqueSet, written: Mapping[str, Node | None]
) -> bool:
    """Does the inserted row miss a partial constraint's `condition` for sure? Unwritten
    fields hold their literal default (NULL for a nullable one without); written constants
    their value; anything else is unknown (`UniqueConstraint(fields=["event"],
    condition=Q(default=True))` never matches a row that leaves `default` False)."""
    if not unique.condition:
        return False
    known: dict[str, object] = {}
    for name, field in index.all_fields(model).items():
        if name in written:
            value = written[name]
            literal = literal_value(value) if value is not None and is_constant(value) else UNKNOWN
            if literal is not UNKNOWN:
                known[name] = literal
        elif field.default is not None:
            literal = literal_value_of(field.default)
            if literal is not UNKNOWN:
                known[name] = literal
        elif field.null and field.db_default is None:
            known[name] = None

    def field_name(text: str) -> str | None:
        found = index.field(model, text)
        return found.name if found is not None else None

    return evaluate(unique.condition, known, field_name) is False


class Column(Enum):
    """What a write puts in a column whose value is not a visible expression."""

    UNSET = "unset"  # left to its default: it repeats only if that default is constant
    HIDDEN = "hidden"  # written, the value not visible (submitted data, a list built elsewhere)
    UNSURE = "unsure"  # may or may not be written: the set cannot be shown to repeat


ColumnValue = Node | Column


def colliding_unique_set(
    index: ProjectIndex,
    model: ModelRecord,
    written: dict[str, Argument] | None,
    distinct: Callable[[Node], bool] = _never,
    filled: frozenset[str] = frozenset(),
) -> UniqueSet | None:
    """A unique set the write can repeat: every column gets a value, at least one of them a
    non-constant one from the call (None: the values are not visible, as for `bulk_create` of a
    list built elsewhere; then every column must be one the caller has to fill). `distinct`
    says a value cannot repeat across requests (`uuid4()`, a row inserted just before);
    `filled` names the columns the model's own `save()` assigns (`save_fills`): one the write
    leaves unset holds the override's value, not a constant default."""

    def value_of(name: str, field: FieldRecord) -> ColumnValue:
        if written is None:
            return Column.HIDDEN if _must_be_written(field) else Column.UNSURE
        if name in written:
            return written[name].value
        return Column.UNSURE if name in filled else Column.UNSET

    row = None if written is None else {name: arg.value for name, arg in written.items()}
    return _colliding_set(index, model, value_of, distinct, row)


def colliding_form_set(
    index: ProjectIndex,
    model: ModelRecord,
    inputs: frozenset[str],
    sets: Mapping[str, Node | None],
    distinct: Callable[[Node], bool] = _never,
    filled: frozenset[str] = frozenset(),
    passed: Collection[UniqueSet] = (),
) -> UniqueSet | None:
    """A unique set (not one of `passed`) a form or serializer insert can repeat: every column
    comes from the submitted data (`inputs`), is set by the code (`sets`: field name -> value,
    None when the value is not visible) or is constant when unset (not one the model's `save()`
    fills: see `colliding_unique_set`); at least one is not a constant."""

    def value_of(name: str, field: FieldRecord) -> ColumnValue:
        if name in sets:
            value = sets[name]
            return Column.HIDDEN if value is None else value
        if name in inputs:
            return Column.HIDDEN
        return Column.UNSURE if name in filled else Column.UNSET

    row = {**dict.fromkeys(inputs), **sets}
    return _colliding_set(index, model, value_of, distinct, row, passed)


def _colliding_set(
    index: ProjectIndex,
    model: ModelRecord,
    value_of: Callable[[str, FieldRecord], ColumnValue],
    distinct: Callable[[Node], bool],
    row: Mapping[str, Node | None] | None,
    passed: Collection[UniqueSet] = (),
) -> UniqueSet | None:
    """The first unique set whose every column repeats across inserts (constant, or a value
    `distinct` does not tell apart) with at least one value varying by call. `row`: the
    inserted row's values for a partial constraint's condition (None: not visible, so the
    condition cannot rule the set out)."""
    for unique in index.unique_sets(model):
        if unique in passed:
            continue
        variable = False
        for name in sorted(unique.fields):
            field = index.field(model, name)
            if field is None:
                break
            value = value_of(name, field)
            if isinstance(value, Column):
                if value is Column.HIDDEN:
                    variable = True
                    continue
                if value is Column.UNSET and _constant_when_unset(field, unique):
                    continue
                break
            if distinct(value):
                break
            variable = variable or not is_constant(value)
        else:
            if variable and not (row is not None and outside_condition(index, model, unique, row)):
                return unique
    return None


def _must_be_written(field: FieldRecord) -> bool:
    return not (
        field.null
        or field.default is not None
        or field.db_default is not None
        or field.auto_now
        or field.auto_now_add
        or field.known_class in AUTO_FIELD_CLASSES
        or field.option("auto_created") == "True"
    )


def _constant_when_unset(field: FieldRecord, unique: UniqueSet) -> bool:
    """Does an unset column get the same value on every insert (so it cannot tell rows apart)?
    A nullable column whose write sends NULL (no default, or an explicit `default=None`) only
    repeats where NULLs are not distinct."""
    if field.null and field.filled_when_omitted() is None:
        return not unique.nulls_distinct
    if field.default is not None and picks_existing_row(field):
        return True
    default = field.default if field.default is not None else field.db_default
    if default is not None:
        return literal_text(default)
    return field.known_class in EMPTY_STRING_FIELD_CLASSES and not field.auto_now_add


def picks_existing_row(field: FieldRecord) -> bool:
    """A relation's callable default (pulpcore's `pulp_domain = ForeignKey(Domain,
    default=get_domain_pk)`) picks an existing row — the current or the default one — not a
    new value per call: concurrent inserts in one context write the same key."""
    default = field.default
    return (
        field.related_model is not None
        and default is not None
        and _FUNCTION_NAME.fullmatch(default.strip()) is not None
    )


def is_constant(node: Node) -> bool:
    """A literal, or an expression built only from literals (`-1`, `("a", 2)`, `Decimal("1")`)."""
    kind = node.type
    if kind in ("number", "string", "strings"):
        return not any(part.type == "fstring" for part in walk(node))
    if kind == "keyword":
        return node.value in ("True", "False", "None")
    if kind in ("factor", "arith_expr", "term"):
        return all(is_constant(c) for c in node.children if c.type != "operator")
    if kind == "atom":
        inner = node.children[1:-1]
        return all(is_constant(c) for c in inner if c.type != "operator")
    if kind in ("testlist_comp", "testlist", "exprlist"):
        if any(c.type in ("comp_for", "sync_comp_for") for c in node.children):
            return False
        return all(is_constant(c) for c in node.children if c.type != "operator")
    if kind in CALL_CHAIN_TYPES:
        found = constructor_call(node)
        if found is None or found[0] not in CONSTANT_CALLS:
            return False
        return all(is_constant(arg.value) for arg in arguments(found[2]))
    return False


def form_collision(
    saved: FormSave, function: Node, ctx: Context, passed: Collection[UniqueSet] = ()
) -> UniqueSet | None:
    """The unique set an insert through a ModelForm / ModelSerializer (`form_saves`) can repeat:
    its columns from the submitted data, from values the code sets (not a fresh value, a row
    `function` inserted before the save, or an existing row's key copied in: the save then
    updates that row) or constant when unset. The sets of `passed` are not asked about. A column
    the form's own code fills with a row it has just inserted
    (`model_forms.ModelFormClass.inserted_sets`) cannot be shown to repeat. None when the form's
    own `save()` catches the IntegrityError (`ModelFormClass.guarded_save`)."""
    index = ctx.env.index
    form = saved.form
    if form.guarded_save:
        return None  # the form's own save() answers the IntegrityError
    model = form.model
    sets: dict[str, Node | None] = {}
    inserted: set[str] = set()  # a row the form's own save inserted: never repeats
    for name in form.instance_sets:
        field = index.field(model, name)
        if field is not None and name in form.inserted_sets:
            inserted.add(field.name)
        elif field is not None:
            sets[field.name] = None
    for name, value in saved.sets.items():
        field = index.field(model, name)
        if field is not None and not field.is_many_to_many:
            sets[field.name] = value
    statement = statement_of(saved.node)
    pk = index.pk(model)
    key = sets.get(pk.name) if pk is not None else None

    def distinct(value: Node) -> bool:
        if value is key and copies_row_key(value, model, ctx):
            return True  # an existing row's key: the save updates that row
        return is_fresh_value(value, ctx) or inserted_before(value, function, statement, ctx)

    filled = fields_save_fills(model, ctx) | {name for name in inserted if name not in sets}
    return colliding_form_set(index, model, form.inputs, sets, distinct, filled, passed)
