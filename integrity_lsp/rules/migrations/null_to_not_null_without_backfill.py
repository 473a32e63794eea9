"""## What it does
Finds an `AlterField` that turns a `null=True` column NOT NULL without a value for the rows that
are NULL: no `default` (other than `None`), no `db_default`, and no data step (`RunPython` or
`RunSQL` reaching that model and mentioning the field) earlier in the app's migration graph since
the column was added.

## Why is this bad?
`SET NOT NULL` fails while any row is NULL: `NOT NULL constraint failed: shop_product.category_id`
on SQLite, `column "category_id" … contains null values` on PostgreSQL. MariaDB (in its default
strict mode) fails too, but with `DataError: (1265, "Data truncated for column 'category_id'…")`,
not an `IntegrityError`.

With a `default=` (kept or with `preserve_default=False`) or a `db_default=`, Django's schema
editor first updates the NULL rows to it, and the change is safe. On PostgreSQL and MySQL
`blank=True` or `auto_now` alone does not fill them (only SQLite's table rebuild uses that
effective default), so they do not count.

A model created in the same migration starts empty and is never reported; neither are a
migration marked `initial = True` (part of the app's first makemigrations run) and models whose
state the migrations do not tell (after RunSQL or SeparateDatabaseAndState).

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
    name="category",
    field=models.ForeignKey(on_delete=models.PROTECT, to="shop.category"),
)
```

## Use instead
A `RunPython` migration before it that fills the NULL rows, or a default used once:
```python
migrations.AlterField(
    model_name="profile",
    name="phone",
    field=models.CharField(blank=True, default="", max_length=20),
    preserve_default=False,
)
```

## Fix safety
Unsafe. The fix writes a `RunPython` backfill migration (with `apps.get_model`) placed before
this one, whose value you must choose. For numbers, booleans and text it sets a neutral
placeholder (`0`, `False`, `""`) on the NULL rows. For other fields (a `ForeignKey`, a date, …)
it is a stub: it raises `RuntimeError("choose the <field> of existing <Model> rows here")` while
NULL rows exist, so the migration stops, on every database, until you write the backfill. It
touches only NULL rows. The new migration takes this one's `dependencies`, and this one (new, so
not yet applied anywhere) depends on it. A fix never edits a migration that may already be
applied (committed before the git base; outside git, one another migration depends on): a
database that ran it would refuse the next `migrate`. Such a finding comes without a fix.

## References
- [AlterField](https://docs.djangoproject.com/en/stable/ref/migration-operations/#alterfield)
- [Writing data migrations](https://docs.djangoproject.com/en/stable/topics/migrations/#data-migrations)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.registry import register
from integrity_lsp.findings import Finding, Location
from integrity_lsp.project.migrations.columns import column_of, has_default
from integrity_lsp.project.migrations.history import operations_on_tables
from integrity_lsp.project.migrations.scope import on_new_table
from integrity_lsp.rules.migrations.fixes import data_step_before_fix, options_unknown

CODE = "IL303"
NAME = "null-to-not-null-without-backfill"


def check(ctx: Context) -> Iterator[Finding]:
    for pending in operations_on_tables(ctx.env.index, ctx.file):
        context, operation, before, model = (
            pending.context, pending.operation, pending.before, pending.model
        )  # fmt: skip
        record = operation.field
        if operation.kind != "AlterField" or record is None or operation.name is None:
            continue
        if model.unknown:
            continue
        previous = model.field(operation.name)
        if previous is None or not previous.record.null or record.null or record.is_many_to_many:
            continue
        if has_default(record) or record.db_default is not None:
            continue
        if options_unknown(operation):
            continue
        if model.created_by == context.migration.key:
            continue
        if on_new_table(ctx.env.root, ctx.env.settings, ctx.env.index, pending):
            continue  # created by a migration no database has applied yet: still empty
        if model.data_step_between(previous.added_at, before.sequence, [operation.name]):
            continue
        column = column_of(model, operation.name)
        fix = data_step_before_fix(ctx, context, model, (operation.name,), backfill=record)
        yield Finding(
            code=CODE,
            name=NAME,
            message=(
                f"AlterField makes {column} NOT NULL with no default and no earlier backfill: "
                f"where rows are NULL it fails with `NOT NULL constraint failed: {column}`"
            ),
            path=ctx.file.path,
            span=operation.callee_span,
            related=(
                Location(previous.ref.path, previous.ref.span, f"{column} made nullable here"),
            ),
            fixes=(fix,) if fix is not None else (),
        )


register(CODE, NAME, doc=__doc__, check_file=check, words=("AlterField",), new_migrations_only=True)
