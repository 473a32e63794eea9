"""The migration operation that introduced a constraint, found by walking the app's plan.

The app's migrations are read in the order Django applies them (the project's migration
history); each operation on the model (under any of its former names) is asked whether the
property holds after it: a field being unique / NOT NULL / a foreign key / a positive-integer
check, a `unique_together` entry, or a named constraint. The operation that last turned the
property on is the one that introduced what the database enforces now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.explain.catalogue import KnownConstraint
from integrity_lsp.explain.messages import Kind
from integrity_lsp.project.migrations.graph import migration_plan
from integrity_lsp.project.migrations.history import MigrationHistory, history_for
from integrity_lsp.project.records import (
    POSITIVE_FIELD_CLASSES,
    FieldRecord,
    ModelRecord,
    SourceRef,
)

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.migrations.graph import MigrationFile, MigrationKey, Operation


@dataclass(frozen=True)
class Introduced:
    """Where a constraint came from: `migrations.AlterField` in `0004_product_sku_unique`."""

    ref: SourceRef
    operation: str
    migration: str


_FIELD_PROPERTIES: dict[str, Callable[[FieldRecord], bool]] = {
    "unique": lambda field: field.is_unique,
    "not_null": lambda field: not field.null and not field.is_many_to_many,
    "foreign_key": lambda field: field.is_foreign_key,
    "check": lambda field: field.field_class in POSITIVE_FIELD_CLASSES,
}


def introduced_by(
    index: ProjectIndex,
    model: ModelRecord,
    kind: Kind,
    fields: Sequence[FieldRecord],
    constraint: KnownConstraint | None,
) -> Introduced | None:
    """The operation that introduced the violated constraint, or None when none is known."""
    operations = _model_operations(index, model)
    if not operations:
        return None
    if constraint is not None and not constraint.generated:
        return _track(operations, _NamedConstraint(constraint.name))
    if constraint is not None and constraint.description.startswith("unique_together"):
        return _track(operations, _Together(frozenset(f.name for f in constraint.fields)))
    if len(fields) == 1 and kind in _FIELD_PROPERTIES:
        names = {fields[0].name}
        for _, op in reversed(operations):
            if op.kind == "RenameField" and op.new_name in names and op.name:
                names.add(op.name)
        return _track(operations, _FieldProperty(frozenset(names), _FIELD_PROPERTIES[kind]))
    return None


def _model_operations(
    index: ProjectIndex, model: ModelRecord
) -> list[tuple[MigrationFile, Operation]]:
    """The operations of the model's app in plan order, for the model under any of its names."""
    history = history_for(index)
    try:
        migrations = _app_migrations(index, history, model)
        plan = migration_plan(migrations)
    except (OSError, RecursionError, ValueError):
        return []
    ordered = [migrations[key] for key in plan.order if key[0] == model.app_label]
    operations = [(migration, op) for migration in ordered for op in migration.operations]
    names = {model.name.lower()}
    for _, op in reversed(operations):
        if op.kind == "RenameModel" and op.new_name and op.new_name.lower() in names and op.model:
            names.add(op.model)
    return [(migration, op) for migration, op in operations if op.model in names]


def _app_migrations(
    index: ProjectIndex, history: MigrationHistory, model: ModelRecord
) -> dict[MigrationKey, MigrationFile]:
    """The migrations of the model's app only (its order within the app does not depend on
    other apps): reading every app's migrations cost seconds on a large project."""
    app = index.app_for_path(model.ref.path)
    if app is None or app.label != model.app_label:
        return {
            key: migration
            for key, migration in history.all_migrations().items()
            if key[0] == model.app_label
        }
    return {migration.key: migration for migration in history.app_migrations(app)}


class _Property:
    """What to look for in an operation; `after` says whether it holds after `op` (None: no
    change)."""

    def after(self, op: Operation, holds: bool) -> bool | None:
        raise NotImplementedError


@dataclass
class _FieldProperty(_Property):
    names: frozenset[str]  # the field's name now and before any RenameField
    predicate: Callable[[FieldRecord], bool]

    def after(self, op: Operation, holds: bool) -> bool | None:
        if op.kind == "CreateModel":
            return any(f.name in self.names and self.predicate(f) for f in op.fields)
        if op.kind == "DeleteModel":
            return False
        if op.name not in self.names or op.kind == "RenameField":
            return None
        if op.kind in ("AddField", "AlterField") and op.field is not None:
            return self.predicate(op.field)
        if op.kind == "RemoveField":
            return False
        return None


@dataclass
class _Together(_Property):
    fields: frozenset[str]

    def after(self, op: Operation, holds: bool) -> bool | None:
        if op.kind in ("CreateModel", "AlterUniqueTogether"):
            entries = op.unique_together or ()
            return any(frozenset(entry) == self.fields for entry in entries)
        if op.kind == "DeleteModel":
            return False
        return None


@dataclass
class _NamedConstraint(_Property):
    name: str

    def after(self, op: Operation, holds: bool) -> bool | None:
        if op.kind in ("CreateModel", "AddConstraint"):
            present = any(record.name == self.name for record in op.constraints)
            return present if op.kind == "CreateModel" else (True if present else None)
        if op.kind == "RemoveConstraint" and op.constraint_name == self.name:
            return False
        if op.kind == "DeleteModel":
            return False
        return None


def _track(
    operations: Sequence[tuple[MigrationFile, Operation]], wanted: _Property
) -> Introduced | None:
    holds = False
    found: Introduced | None = None
    for migration, op in operations:
        after = wanted.after(op, holds)
        if after is None:
            continue
        if after and not holds:
            found = Introduced(SourceRef(migration.path, op.span), op.kind, migration.name)
        elif not after:
            found = None
        holds = after
    return found if holds else None
