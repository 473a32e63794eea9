"""A migration that failed over existing rows: which migration, which fields, what to repair.

When the database refused rows already in a table (`ParsedError.existing_rows`), the writes that
stored them ran before the constraint existed; what fails now is the migration adding it. This
reads the migration migrate was applying (`Applying shop.0003_x...`), the fields a migration made
NOT NULL (for MySQL's 1138, which names no column), and words the notes: which rows are in the
way, which migration to put the repair before, and how.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from integrity_lsp.explain.catalogue import KnownConstraint
from integrity_lsp.explain.introduced import Introduced, introduced_by
from integrity_lsp.explain.messages import DATA_TRUNCATED, Violation
from integrity_lsp.explain.tracebacks import MigrationKey
from integrity_lsp.project.migrations.history import history_for
from integrity_lsp.project.records import FieldRecord, ModelRecord

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.migrations.graph import MigrationFile

# The operations of a migration that can make existing rows break a constraint.
_SCHEMA_OPERATIONS = frozenset(
    {"AddField", "AlterField", "AddConstraint", "AlterUniqueTogether", "AddIndex", "CreateModel"}
)


def applying_migration(index: ProjectIndex, key: MigrationKey | None) -> MigrationFile | None:
    """The project's migration file for `key` (app label, name), when the project has it."""
    if key is None:
        return None
    try:
        return history_for(index).all_migrations().get(key)
    except (OSError, RecursionError, ValueError):
        return None


def touched_fields(
    index: ProjectIndex, migration: MigrationFile
) -> list[tuple[ModelRecord, str | None]]:
    """(model, field name or None for the whole model) for each schema operation of
    `migration` on a model the project has now."""
    found: list[tuple[ModelRecord, str | None]] = []
    for op in migration.operations:
        if op.kind not in _SCHEMA_OPERATIONS or op.model is None:
            continue
        model = index.get_model(f"{migration.app_label}.{op.model}")
        if model is not None:
            field = op.name if op.kind in ("AddField", "AlterField") else None
            found.append((model, field))
    return found


def made_not_null(
    index: ProjectIndex, models: Sequence[ModelRecord]
) -> list[tuple[ModelRecord, FieldRecord]]:
    """The NOT NULL fields of `models` whose NOT NULL an `AlterField` added to an existing
    column: what a NOT NULL over NULL rows can be about when the database names no column."""
    found = []
    for model in models:
        for field in index.local_fields(model).values():
            if field.null or field.is_many_to_many:
                continue
            introduced = introduced_by(index, model, "not_null", [field], None)
            if introduced is not None and introduced.operation == "AlterField":
                found.append((model, field))
    return found


def existing_rows_notes(
    violation: Violation,
    table: str | None,
    fields: Sequence[FieldRecord],
    constraint: KnownConstraint | None,
    introduced: Introduced | None,
    applying: MigrationKey | None,
) -> list[str]:
    """What the rows already in the table break, and where and how to repair them."""
    where = table or "the table"
    if violation.rebuilt_table is not None:
        cause = (
            f"raised while a migration rebuilt {where}: Django's SQLite schema editor copies "
            f"every row into {violation.rebuilt_table}, then renames it, so rows already in "
            f"{where} {_problem(violation, fields, constraint)}"
        )
    else:
        cause = (
            f"raised by a migration, not by a write: rows already in {where} "
            f"{_problem(violation, fields, constraint)}"
        )
    notes = [cause]
    operation = introduced.operation if introduced is not None else None
    notes.append(_repair(violation, operation, _failing_migration(introduced, applying)))
    confirmed = (
        introduced is not None and applying is not None and introduced.migration == applying[1]
    )
    if violation.raw.startswith(DATA_TRUNCATED) and not confirmed:
        notes.append(
            "MariaDB says 'Data truncated' when a migration makes a column holding NULL NOT "
            "NULL, and also when existing values do not fit a column's new type: the "
            "migration's operation on the column tells which"
        )
    if introduced is not None and operation == "CreateModel":
        notes.append(
            f"the migrations create this constraint with the table ({introduced.migration}): a "
            "database holding such rows was not built by them (a faked migration or a change "
            "by hand)"
        )
    elif introduced is not None and applying is not None and not confirmed:
        notes.append(
            f"migrate was applying {applying[0]}.{applying[1]}; what the database enforces now "
            f"was added by {introduced.operation} in {introduced.migration}"
        )
    return notes


def _failing_migration(introduced: Introduced | None, applying: MigrationKey | None) -> str | None:
    """The migration to repair the rows before: the one migrate was applying, else the one
    that adds the constraint to an existing table."""
    if applying is not None:
        return f"{applying[0]}.{applying[1]}"
    if introduced is not None and introduced.operation != "CreateModel":
        return introduced.migration
    return None


def _columns_text(violation: Violation, fields: Sequence[FieldRecord]) -> str:
    """The columns, as the rows hold them (`customer_id`, not the field `customer`)."""
    return ", ".join([field.column for field in fields] or violation.columns)


def _problem(
    violation: Violation, fields: Sequence[FieldRecord], constraint: KnownConstraint | None
) -> str:
    columns = _columns_text(violation, fields)
    if violation.kind == "unique":
        subject = f"({columns})" if "," in columns else columns or "the unique key"
        if violation.values and len(violation.values) == len(violation.columns) > 0:
            pairs = ", ".join(
                f"{column}={value}"
                for column, value in zip(violation.columns, violation.values, strict=True)
            )
            return f"hold duplicates of {subject}: {pairs} is duplicated"
        if violation.values:
            return f"hold duplicates of {subject}: {violation.values[0]!r} is duplicated"
        return f"hold duplicates of {subject}"
    if violation.kind == "not_null":
        return f"hold NULL in {columns}" if columns else "hold NULL in the column made NOT NULL"
    if violation.kind == "check":
        name = constraint.name if constraint is not None else violation.constraint
        return f"fail the check {name!r}" if name else "fail the check"
    referenced = violation.referenced_table or "the referenced table"
    return f"point at rows missing from {referenced}"


def _repair(violation: Violation, operation: str | None, failing: str | None) -> str:
    before = (
        f"before {failing}"
        if failing
        else "before the migration that failed (migrate's output names it: `Applying …`)"
    )
    # PostgreSQL refuses to alter a table with pending trigger events in the same transaction as
    # a data change to it, so the repair goes in a migration of its own.
    data_migration = f"a data migration of its own (RunPython) that runs {before}"
    add_field = f"AddField in {failing}" if failing else "AddField"
    if violation.kind == "unique" and operation == "AddField":
        return (
            f"{add_field} gives every existing row the same value, so a new unique column starts "
            "out duplicated: add it without unique (null=True), fill distinct values in a "
            "RunPython, then make it unique with AlterField (Django's how-to: migrations that "
            "add unique fields)."
        )
    if violation.kind == "not_null" and operation == "AddField":
        return (
            f"{add_field} adds the column to existing rows without a value: give it a default "
            "(makemigrations' one-off default), or add it with null=True, fill it in a "
            "RunPython, then make it NOT NULL with AlterField."
        )
    if violation.kind == "unique":
        return f"Remove or merge the duplicates in {data_migration}, then migrate again."
    if violation.kind == "not_null":
        return (
            f"Fill the NULLs in {data_migration}, or give the field a default for the migration "
            "(makemigrations' one-off default): Django writes it into the NULL rows before it "
            "adds NOT NULL."
        )
    if violation.kind == "check":
        return f"Correct the failing rows in {data_migration}, then migrate again."
    return f"Delete or repoint those rows in {data_migration}, then migrate again."
