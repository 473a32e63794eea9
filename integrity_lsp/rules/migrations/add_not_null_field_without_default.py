"""## What it does
Finds a migration `AddField` that adds a NOT NULL column with nothing to put in the rows the
table already has, to a model created by an earlier migration.

## Why is this bad?
Adding a column fills every existing row with the field's *effective default*. With none, the
rows get NULL: `NOT NULL constraint failed: shop_product.weight_grams` on SQLite, `column
"weight_grams" … contains null values` on PostgreSQL. It passes on every empty development
database and fails on the first deploy to a database with rows. MariaDB does not fail: it fills
the existing rows with the column type's implicit zero value (`0` for a number, `''` for text),
so the migration applies and every existing row holds a value nobody chose (every product of the
integration suite weighs 0 g).

Columns Django's schema editor fills by itself (`BaseDatabaseSchemaEditor._effective_default`,
Django 5.2) are not reported:
- a `default=` other than `None` (also with `preserve_default=False`: the value is used once);
- a `db_default=` (Django ≥ 5.0: the database's own DEFAULT fills the rows);
- `blank=True` without `null=True` on a field whose `empty_strings_allowed` is true: `CharField`
  and its subclasses (`SlugField`, `EmailField`, `URLField`, …), `TextField`, `FilePathField`,
  `FileField`, `ImageField` get `""`, `BinaryField` gets `b""` (other field classes, such as
  `IntegerField` or `ForeignKey`, get nothing from `blank=True`);
- `auto_now` / `auto_now_add` on `DateTimeField`, `DateField`, `TimeField`: the current time;
- auto fields, `ManyToManyField` (no column) and `GeneratedField` (computed).

A model created in the same migration starts empty and is never reported; neither are proxy and
unmanaged models, nor a migration marked `initial = True` (makemigrations marks every migration
of an app's first run, such as the `0002_initial` that adds the ForeignKeys of a cycle between
apps: they build the tables together, before any row exists). A field class of the project that
fixes `null=True` in its `__init__` (django-oscar's `NullCharField`) is read as nullable.
Neither is a migration makemigrations named itself (`0002_auto_20140827_1705`) that depends
directly on the migration creating the model: makemigrations never writes such an `AddField`
for a table that already exists (it asks for a one-off default), so both came from one run —
the split initial migrations of Django 1.7 and 1.8, before `initial = True`.

Nor are a table a new migration created (per git, see below) with no data step since — no
database has it before the deploy — and a squashed migration (`replaces = [...]`): Django runs
it only on a database that applied none of what it replaces, a new one.

`check` reports it only in migrations that are new relative to the git base (the merge-base of
HEAD with the default branch, or with `--since REF`): untracked, changed, or added since. A
migration applied years ago is history; `--all-migrations` (or `migrations-since = "all"`)
checks them all, and outside git every migration is checked. The editor checks every open
migration.

## Example
```python
migrations.AddField(
    model_name="product",
    name="weight_grams",
    field=models.PositiveIntegerField(),
)
```

## Use instead
```python
migrations.AddField(
    model_name="product",
    name="weight_grams",
    field=models.PositiveIntegerField(db_default=0),  # Django >= 5.0
)
```
or the three-step recipe: add the column with `null=True`, fill it in a `RunPython` migration,
then `AlterField` it to NOT NULL.

## Fix safety
Unsafe. The recipe fix adds `null=True` to this `AddField` and writes two new migration files
after it (a `RunPython` backfill using `apps.get_model` that fills only the NULL rows, with a
placeholder you must check — `0`, `False`, `""` — or, where none fits, a stub that stops the
migration with a message naming the column; and an `AlterField` back to the field as written);
new migrations that depended on this one are rewired to depend on the last new one. On Django ≥
5.0 a second fix adds a `db_default=` to the field in the migration and in models.py; it changes
what inserts without a value store. A fix never edits a migration that may already be applied
(committed before the git base; outside git, one another migration depends on): a database that
ran it would refuse the next `migrate`. Such a finding comes without a fix.

## References
- [Migrations that add unique fields / non-nullable fields](https://docs.djangoproject.com/en/stable/howto/writing-migrations/)
- [Field.db_default](https://docs.djangoproject.com/en/stable/ref/models/fields/#db-default)
- [AddField](https://docs.djangoproject.com/en/stable/ref/migration-operations/#addfield)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.registry import register
from integrity_lsp.findings import Finding, Location
from integrity_lsp.project.migrations.columns import column_filler
from integrity_lsp.project.migrations.history import MigrationContext, operations_on_tables
from integrity_lsp.project.migrations.scope import on_new_table
from integrity_lsp.project.migrations.state import ModelState
from integrity_lsp.rules.migrations.fixes import db_default_fix, options_unknown, three_step_fix

CODE = "IL301"
NAME = "add-not-null-field-without-default"


_SELF_NAMED = re.compile(r"^\d{4}_auto_\d{8}_\d{4}$")


def _made_with_its_model(context: MigrationContext, model: ModelState) -> bool:
    """makemigrations never writes a NOT NULL AddField without a default for a model that
    already has a table (it asks for a one-off default, or quits). So in a migration it named
    itself (`0002_auto_20140827_1705`) that depends directly on the one creating the model,
    both came from one run: Django 1.7/1.8's split initial migrations, from before
    `initial = True` (django-oscar's analytics and basket 0002)."""
    migration = context.migration
    if not _SELF_NAMED.match(migration.name):
        return False
    return any((d.app_label, d.name) == model.created_by for d in migration.dependencies)


def check(ctx: Context) -> Iterator[Finding]:
    for pending in operations_on_tables(ctx.env.index, ctx.file):
        context, operation, model = pending.context, pending.operation, pending.model
        record = operation.field
        if operation.kind != "AddField" or record is None or operation.name is None:
            continue
        if model.created_by == context.migration.key or _made_with_its_model(context, model):
            continue
        if model.emptied_before(pending.before.sequence):
            continue  # a data step just before deleted every row
        if on_new_table(ctx.env.root, ctx.env.settings, ctx.env.index, pending):
            continue  # created by a migration no database has applied yet: still empty
        if record.null or record.primary_key or column_filler(record) is not None:
            continue
        if options_unknown(operation):
            continue
        column = f"{model.table()}.{record.column}"
        related = (
            Location(model.ref.path, model.ref.span, f"{model.name} as earlier migrations left it"),
        )
        fixes = [three_step_fix(ctx, context, operation, model)]
        fixes.append(db_default_fix(ctx, context, operation, model))
        yield Finding(
            code=CODE,
            name=NAME,
            message=(
                f"AddField adds the NOT NULL column {column} with no default to an existing "
                f"table: with rows in it the migration fails with `NOT NULL constraint failed: "
                f"{column}`"
            ),
            path=ctx.file.path,
            span=operation.callee_span,
            related=related,
            fixes=tuple(fix for fix in fixes if fix is not None),
        )


register(CODE, NAME, doc=__doc__, check_file=check, words=("AddField",), new_migrations_only=True)
