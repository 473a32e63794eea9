"""Which existing rows a conditional unique constraint covers, for IL302.

A migration that drops a conditional `UniqueConstraint` and adds it back over the same columns
with a broader condition meets duplicates only among the rows the new condition adds. When the
condition pins one column to a set of values (`Q(status="open")`, `Q(status__in=(...))`) and
every value it adds is one no row can hold yet — not among the column's `choices` before the
migration, and no data step in the migration has written it — the rows it covers were already
unique (wagtail 0050: `needs_changes` is a status the same migration introduces).

A condition `Q(column__isnull=True)` on a column that was NOT NULL when the migration began
covers no existing row at all, unless a data step of the migration writes the column first: the
index starts empty (pretalx: a foreign key made nullable, then a constraint for the NULL rows).

A condition that is false for the one value a column added earlier in the same migration gave
every existing row (`AddField` of `external_id` with `default=""`, then a constraint with
`condition=~Q(external_id="")`) covers no existing row either, unless a data step has written the
column since.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from integrity_lsp.analysis.conditions import UNKNOWN, evaluate, literal_value_of
from integrity_lsp.project.migrations.columns import column_filler
from integrity_lsp.project.migrations.drift import canonical_condition
from integrity_lsp.project.migrations.graph import Operation
from integrity_lsp.project.migrations.state import ModelState
from integrity_lsp.project.records import ConstraintRecord, FieldRecord


def pinned_values(condition: str | None) -> tuple[str, frozenset[Any]] | None:
    """`Q(column=v)` / `Q(column__exact=v)` / `Q(column__in=(v, …))` with literal values: the
    column and the values it may hold; None for any other condition."""
    if condition is None:
        return None
    leaf = canonical_condition(condition)
    if not isinstance(leaf, tuple) or len(leaf) != 3 or leaf[0] != "leaf":
        return None
    key, source = leaf[1], leaf[2]
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None
    column, _, lookup = key.partition("__")
    if lookup in ("", "exact") and _hashable(value):
        return column, frozenset([value])
    if isinstance(value, (tuple, list)) and lookup == "in" and all(map(_hashable, value)):
        return column, frozenset(value)
    return None


def _hashable(value: Any) -> bool:
    return isinstance(value, (str, int, bool, float)) or value is None


def choice_values(model: ModelState, column: str) -> frozenset[Any] | None:
    """The literal `choices` values of a field in this state; None when it has none or they
    cannot be read."""
    state = model.field(column)
    if state is None:
        return None
    source = dict(state.record.options).get("choices")
    if source is None:
        return None
    try:
        choices = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None
    values: set[Any] = set()
    for choice in choices:
        if not isinstance(choice, (tuple, list)) or len(choice) != 2:
            return None
        if isinstance(choice[1], (tuple, list)):  # a named group of choices
            return None
        values.add(choice[0])
    return frozenset(values)


def covers_no_new_rows(new: ConstraintRecord, at_start: ModelState, data_step_on: bool) -> bool:
    """Before the migration, a conditional unique constraint over some of `new`'s columns
    covered every existing row `new` covers (`data_step_on`: a data step of the migration,
    before `new` is added, may have written the condition's column)."""
    pinned = pinned_values(new.condition)
    if pinned is None or new.has_expressions:
        return False
    column, values = pinned
    for old in at_start.constraints:
        record = old.record
        if record.kind != "unique" or record.has_expressions or not record.fields:
            continue
        if not set(record.fields) <= set(new.fields):
            continue
        before = pinned_values(record.condition)
        if before is None or before[0] != column:
            continue
        added = values - before[1]
        if not added:
            return True
        choices = choice_values(at_start, column)
        if choices is not None and not data_step_on and not added & choices:
            return True
    return False


def null_column_of(condition: str | None) -> str | None:
    """`Q(column__isnull=True)` alone: the column; None for any other condition."""
    leaf = canonical_condition(condition) if condition is not None else None
    if not isinstance(leaf, tuple) or len(leaf) != 3 or leaf[0] != "leaf":
        return None
    column, _, lookup = str(leaf[1]).partition("__")
    return column if lookup == "isnull" and leaf[2].strip() == "True" else None


def covers_no_row(new: ConstraintRecord, at_start: ModelState, data_step_on: bool) -> bool:
    """The condition selects the rows where a column is NULL, and that column was NOT NULL
    when the migration began (`data_step_on`: a data step of the migration, before `new` is
    added, may have written it): no existing row is covered."""
    column = null_column_of(new.condition)
    if column is None or new.has_expressions or data_step_on:
        return False
    state = at_start.field(column)
    return state is not None and not state.record.null


def excluded_by_added_columns(
    operations: Sequence[Operation], operation: Operation, model: ModelState, sequence: int
) -> bool:
    """Every conditional unique constraint `operation` adds is false for the existing rows: a
    column of its condition was added earlier in the same migration (`operations`) with one
    value for every row, and no data step has written it since (`sequence`: the state before
    `operation`)."""
    conditions = [c.condition for c in operation.constraints if c.kind == "unique"]
    if not conditions or any(condition is None for condition in conditions):
        return False
    added: dict[str, Any] = {}
    for earlier in operations:
        if earlier.index >= operation.index or earlier.kind != "AddField":
            continue
        if earlier.model != model.key or earlier.name is None or earlier.field is None:
            continue
        state = model.field(earlier.name)
        if state is None or model.data_step_between(state.added_at, sequence, (earlier.name,)):
            continue
        value = _filled_value(earlier.field)
        if value is not UNKNOWN:
            added[earlier.name] = value
    return bool(added) and all(
        evaluate(condition, added, lambda name: name) is False
        for condition in conditions
        if condition is not None
    )


def _filled_value(record: FieldRecord) -> Any:
    """The value `AddField` gives every existing row, as a Python literal: None for NULL,
    `""` for a blank char column, a literal `default`; UNKNOWN otherwise."""
    filler = column_filler(record)
    if filler is None:
        return None
    if filler == '""':
        return ""
    if filler.startswith("default="):
        return literal_value_of(record.default)
    return UNKNOWN
