"""## What it does
Finds migrations that make existing columns unique — `AlterField(… unique=True)`,
`AddConstraint(UniqueConstraint(…))`, a new `AlterUniqueTogether` entry — with no data step
(`RunPython` or `RunSQL` reaching that model and mentioning one of the columns) earlier in the
app's migration graph since the columns existed; and `AddField(unique=True)` with a default on
an existing table.

## Why is this bad?
Creating a unique index fails where the table already holds duplicates: `UNIQUE constraint
failed: shop_product.barcode` on SQLite, `could not create unique index … Key (barcode)=(…) is
duplicated` on PostgreSQL — on the production database, not on an empty development one.
`AddField(unique=True, default=…)` always fails with two or more rows: the schema editor
evaluates the default once (a callable too), so every row gets the same value.

Not reported: a model created in the same migration (its table is empty), a migration marked
`initial = True` (part of the app's first makemigrations run), a set with a column the same
migration added as NULL for every row (NULLs never collide in a unique index), columns an older
unconditional constraint already kept unique (a subset of the new one), a conditional
constraint the same migration drops and adds back with a condition that only adds values no row
holds yet (`Q(status__in=(…))` with a status that was not among the column's `choices` before
the migration, and no data step of the migration writes it), functional `UniqueConstraint`s (their columns are expressions), models whose state the migrations do not
tell (after RunSQL or SeparateDatabaseAndState).

Nor are a table a new migration created (per git, see below) with no data step since — no
database has it before the deploy — and a squashed migration (`replaces = [...]`): Django runs
it only on a database that applied none of what it replaces, a new one.

A data step counts when it can change the rows that exist: a `RunPython` (reaching the model
through `apps.get_model`, or a reverse relation of a model it reached) that updates, saves or
deletes and mentions the column — also as a lookup (`code__isnull`) or by the name it had before
a `RenameField` — or that empties the table (`.objects.all().delete()`); a `RunSQL` that updates
or deletes naming the table; a step that runs a management command or raw SQL (what it touches
is not known). A step that only creates rows does not count: it may be the one that made the
duplicates.

`check` reports it only in migrations that are new relative to the git base (the merge-base of
HEAD with the default branch, or with `--since REF`): untracked, changed, or added since. A
migration applied years ago is history; `--all-migrations` (or `migrations-since = "all"`)
checks them all, and outside git every migration is checked. The editor checks every open
migration.

## Example
```python
migrations.AlterField(
    model_name="product",
    name="barcode",
    field=models.CharField(max_length=13, null=True, unique=True),
)
```

## Use instead
A `RunPython` migration that removes or merges the duplicates, in its own file before this one:
```python
def dedupe_product_barcode(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    ...

class Migration(migrations.Migration):
    dependencies = [("shop", "0005_product_barcode")]
    operations = [migrations.RunPython(dedupe_product_barcode, migrations.RunPython.noop)]
```

## Fix safety
Unsafe. The fix writes that migration (keeping the lowest pk of each group of duplicates and
deleting the others: a comment says what you must decide) and adds it to this migration's
`dependencies`. For `AddField(unique=True)` with a callable default it writes the recipe of the
Django docs instead: add the column nullable and not unique, give every row that shares its
value with an earlier row (or is NULL) its own value in a `RunPython` — values already unique
are kept — then `AlterField` to the field as written. A fix never edits a migration that may
already be applied (committed before the git base; outside git, one another migration depends
on): a database that ran it would refuse the next `migrate`. Such a finding comes without a fix.

## References
- [Migrations that add unique fields](https://docs.djangoproject.com/en/stable/howto/writing-migrations/#migrations-that-add-unique-fields)
- [UniqueConstraint](https://docs.djangoproject.com/en/stable/ref/models/constraints/#uniqueconstraint)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.registry import register
from integrity_lsp.findings import Finding, Fix, Location
from integrity_lsp.project.migrations.columns import column_filler, column_of
from integrity_lsp.project.migrations.graph import Operation
from integrity_lsp.project.migrations.history import MigrationContext, operations_on_tables
from integrity_lsp.project.migrations.scope import on_new_table
from integrity_lsp.project.migrations.state import Before, ModelState
from integrity_lsp.rules.migrations.conditions import covers_no_new_rows, pinned_values
from integrity_lsp.rules.migrations.fixes import data_step_before_fix, three_step_fix

CODE = "IL302"
NAME = "unique-on-existing-data"


def _new_unique_columns(operation: Operation, model: ModelState) -> list[tuple[str, ...]]:
    """The column sets this operation makes unique that were not unique before."""
    if operation.kind == "AlterField" and operation.field is not None and operation.name:
        before = model.field(operation.name)
        if before is not None and not before.record.is_unique and operation.field.is_unique:
            return [(operation.name,)]
        return []
    if operation.kind == "AlterUniqueTogether" and operation.unique_together is not None:
        return [entry for entry in operation.unique_together if entry not in model.unique_together]
    if operation.kind == "AddConstraint":
        return [c.fields for c in operation.constraints if c.kind == "unique" and c.fields]
    return []


def _guaranteed(model: ModelState, columns: tuple[str, ...]) -> bool:
    return any(existing <= set(columns) for existing in model.unique_sets())


def _model_when_the_migration_began(
    context: MigrationContext, operation: Operation, model: ModelState
) -> Before | None:
    """The model before this migration's first operation on it: a migration that drops a
    unique_together (or `unique=True`, or a conditional constraint) and adds a constraint over
    the same columns, or more, meets no duplicates."""
    for earlier in context.migration.operations:
        if earlier.index > operation.index:
            break
        before = context.app.before.get((context.migration.name, earlier.index))
        if before is not None and before.model is not None and before.model.key == model.key:
            return before
    return None


def _broadened_condition(
    context: MigrationContext, operation: Operation, columns: tuple[str, ...], start: Before | None
) -> bool:
    """A conditional constraint re-added with a condition that covers no existing row the old
    one did not cover (see `conditions`)."""
    first = context.app.before.get((context.migration.name, 0))
    now = context.app.before.get((context.migration.name, operation.index))
    if start is None or start.model is None or first is None or now is None or now.model is None:
        return False
    for constraint in operation.constraints:
        if constraint.kind != "unique" or constraint.fields != columns:
            continue
        pinned = pinned_values(constraint.condition)
        written = pinned is not None and now.model.data_step_between(
            first.sequence - 1, now.sequence, (pinned[0],)
        )  # a data step of this migration may have written the new values
        return covers_no_new_rows(constraint, start.model, written)
    return False


def _deduped(model: ModelState, columns: tuple[str, ...], sequence: int) -> bool:
    added = [f.added_at for name in columns if (f := model.field(name)) is not None]
    since = max(added, default=model.created_at)
    return model.data_step_between(since, sequence, columns)


def _null_everywhere(
    context: MigrationContext,
    operation: Operation,
    model: ModelState,
    columns: tuple[str, ...],
    sequence: int,
) -> bool:
    """One of the columns was added earlier in this same migration as NULL for every existing
    row, and nothing has filled it since: NULLs never collide in a unique index (wagtail 0055
    adds `translation_key` and `locale` with `null=True`, then makes the pair unique)."""
    for earlier in context.migration.operations:
        if earlier.index >= operation.index or earlier.kind != "AddField":
            continue
        if earlier.model != model.key or earlier.name not in columns or earlier.field is None:
            continue
        field = model.field(earlier.name)
        if field is None or not earlier.field.null or column_filler(earlier.field) is not None:
            continue
        if not model.data_step_between(field.added_at, sequence, (earlier.name,)):
            return True
    return False


def check(ctx: Context) -> Iterator[Finding]:
    for pending in operations_on_tables(ctx.env.index, ctx.file):
        context, operation, before, model = (
            pending.context, pending.operation, pending.before, pending.model
        )  # fmt: skip
        if model.unknown or model.created_by == context.migration.key:
            continue
        if on_new_table(ctx.env.root, ctx.env.settings, ctx.env.index, pending):
            continue  # created by a migration no database has applied yet: still empty
        if model.emptied_before(before.sequence):
            continue  # the last data step before deleted every row
        if operation.kind == "AddField":
            finding = _add_field(ctx, context, operation, model)
            if finding is not None:
                yield finding
            continue
        start = _model_when_the_migration_began(context, operation, model)
        at_start = (
            [set(found) for found in start.model.unique_sets()] if start and start.model else []
        )
        for columns in _new_unique_columns(operation, model):
            if _guaranteed(model, columns) or _deduped(model, columns, before.sequence):
                continue
            if any(existing <= set(columns) for existing in at_start):
                continue  # unique until this migration dropped it: no duplicates to meet
            if _null_everywhere(context, operation, model, columns, before.sequence):
                continue
            if _broadened_condition(context, operation, columns, start):
                continue  # the rows the new condition adds hold a value no row has yet
            where = ", ".join(column_of(model, name) for name in columns)
            fix = data_step_before_fix(ctx, context, model, columns)
            yield _finding(
                ctx,
                operation,
                model,
                f"{operation.kind} makes {where} unique with no earlier migration removing "
                f"duplicates: where rows share a value it fails with `UNIQUE constraint failed: "
                f"{where}`",
                fix,
            )
            break


def _add_field(
    ctx: Context, context: MigrationContext, operation: Operation, model: ModelState
) -> Finding | None:
    record = operation.field
    if record is None or not record.is_unique or record.is_many_to_many:
        return None
    filler = column_filler(record)
    if filler is None or filler in ("?", "no value needed"):
        return None
    if filler.startswith("db_default=") and "(" in filler:
        return None  # a database expression may give every row its own value
    column = f"{model.table()}.{record.column}"
    fix = three_step_fix(ctx, context, operation, model, unique=True)
    return _finding(
        ctx,
        operation,
        model,
        f"AddField adds the unique column {column} filled with one value ({filler}, evaluated "
        f"once) for every existing row: with two or more rows it fails with `UNIQUE constraint "
        f"failed: {column}`",
        fix,
    )


def _finding(
    ctx: Context, operation: Operation, model: ModelState, message: str, fix: Fix | None
) -> Finding:
    return Finding(
        code=CODE,
        name=NAME,
        message=message,
        path=ctx.file.path,
        span=operation.callee_span,
        related=(Location(model.ref.path, model.ref.span, f"{model.name} before this migration"),),
        fixes=(fix,) if fix is not None else (),
    )


register(
    CODE,
    NAME,
    doc=__doc__,
    check_file=check,
    words=("AddField", "AlterField", "AlterUniqueTogether", "AddConstraint"),
    new_migrations_only=True,
)
