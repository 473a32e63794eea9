"""Fixes that rewrite migration history: new migration files, rewired dependencies, keywords.

A new file is an `Edit` on a path that does not exist yet (span 1:0–1:0). New migrations go
either after the flagged one (the three-step recipe: nullable column, `RunPython` backfill,
`AlterField` back; dependents of the flagged migration are rewired to the last new one) or before
it (a `RunPython` dedupe or backfill in its own file, which the flagged migration then depends
on). Data and schema changes stay in separate files: PostgreSQL refuses to alter a table with
pending trigger events in the transaction that changed its rows.

Every fix edits only migrations that cannot have been applied (`project.migrations.scope`:
new relative to the git base; outside git, a leaf): the flagged one, and for the recipe the new
migrations that depend on it. Otherwise it is not offered: a database that applied an edited
migration would refuse the next `migrate`, or never run the inserted step.
"""

from __future__ import annotations

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django_version import django_version
from integrity_lsp.findings import Applicability, Fix
from integrity_lsp.project.migrations.graph import Operation, dependents
from integrity_lsp.project.migrations.history import MigrationContext, history_for
from integrity_lsp.project.migrations.state import ModelState
from integrity_lsp.project.records import FieldRecord
from integrity_lsp.rules.migrations.call_edits import (
    append_argument,
    field_call,
    keyword_edits,
    options_unknown,
)
from integrity_lsp.rules.migrations.migration_files import (
    dedupe_function,
    dependencies_node,
    fill_function,
    may_edit,
    module_imports,
    new_migration_file,
    number_prefix,
    placeholder_value,
    render_migration,
    rewire_dependents,
    unique_migration_name,
)

__all__ = ["data_step_before_fix", "db_default_fix", "options_unknown", "three_step_fix"]


def three_step_fix(
    ctx: Context,
    context: MigrationContext,
    operation: Operation,
    model: ModelState,
    *,
    unique: bool = False,
) -> Fix | None:
    """AddField nullable here; a RunPython backfill; an AlterField back to the field as written."""
    record, call = operation.field, field_call(operation)
    if record is None or call is None or not context.squashed:
        return None
    app, migration = context.app.label, context.migration
    rewired = dependents(history_for(ctx.env.index).all_migrations().values(), migration.key)
    if not all(may_edit(ctx, path) for path in [migration.path, *(m.path for m, _ in rewired)]):
        return None
    path, text = ctx.file.path, ctx.file.text
    drop = ("unique",) if unique else ()
    edits = keyword_edits(path, text, call, {"null": "True"}, drop)
    slug = f"{model.key}_{record.name}"
    number = number_prefix(migration.name)
    backfill = unique_migration_name(context, ctx, f"{number}_backfill_{slug}")
    alter = unique_migration_name(context, ctx, f"{number}_alter_{slug}")
    function = f"{'regenerate' if unique else 'backfill'}_{slug}"
    code, extra = fill_function(function, app, model, record, unique)
    noop = "migrations.RunPython.noop"
    backfill_text = render_migration(
        ["from django.db import migrations", *extra],
        code,
        f'[\n        ("{app}", "{migration.name}"),\n    ]',
        f"        migrations.RunPython({function}, {noop}),\n",
    )
    keep = "" if operation.preserve_default else "\n            preserve_default=False,"
    field_source = call.get_code(include_prefix=False).strip()
    alter_text = render_migration(
        ["from django.db import migrations, models", *module_imports(ctx.file.tree)],
        "",
        f'[\n        ("{app}", "{backfill}"),\n    ]',
        "        migrations.AlterField(\n"
        f'            model_name="{model.key}",\n'
        f'            name="{record.name}",\n'
        f"            field={field_source},{keep}\n"
        "        ),\n",
    )
    edits.append(new_migration_file(context, backfill, backfill_text))
    edits.append(new_migration_file(context, alter, alter_text))
    edits += rewire_dependents(ctx, migration.key, alter)
    what = "give each row its own value" if unique else "backfill"
    return Fix(
        f"Add {record.name} as nullable, {what} in {backfill}, then AlterField in {alter}",
        Applicability.UNSAFE,
        tuple(edits),
    )


def db_default_fix(
    ctx: Context, context: MigrationContext, operation: Operation, model: ModelState
) -> Fix | None:
    """`db_default=<placeholder>` on the field, in this migration and in models.py."""
    version = django_version(ctx)
    record, call = operation.field, field_call(operation)
    if version is None or version < (5, 0) or record is None or call is None:
        return None
    if not may_edit(ctx, context.migration.path):
        return None
    value = placeholder_value(record)
    if value is None:
        return None
    edits = keyword_edits(ctx.file.path, ctx.file.text, call, {"db_default": value})
    index = ctx.env.index
    declared = index.get_model(f"{context.app.label}.{model.name}")
    if declared is not None:
        own = index.local_fields(declared).get(record.name)
        other = ctx.env.read_text(own.ref.path) if own is not None else None
        if own is not None and other is not None and own.db_default is None:
            end = (own.ref.span.end_line, own.ref.span.end_column - 1)
            edits.append(append_argument(own.ref.path, other, end, f"db_default={value}"))
    return Fix(
        f"Add db_default={value} to {record.name} (migration and model)",
        Applicability.UNSAFE,
        tuple(edits),
    )


def data_step_before_fix(
    ctx: Context,
    context: MigrationContext,
    model: ModelState,
    columns: tuple[str, ...],
    *,
    backfill: FieldRecord | None = None,
) -> Fix | None:
    """A new migration with a RunPython dedupe of `columns` (or a backfill of one nullable field),
    placed before this one: it gets this migration's dependencies, and this one depends on it."""
    migration = context.migration
    deps_node = dependencies_node(ctx.file.tree)
    if deps_node is None or not context.squashed or not columns:
        return None
    if not may_edit(ctx, migration.path):
        return None
    app, cls = context.app.label, model.name
    kind = "backfill" if backfill is not None else "dedupe"
    slug = f"{model.key}_{'_'.join(columns)}"
    name = unique_migration_name(context, ctx, f"{number_prefix(migration.name)}_{kind}_{slug}")
    function = f"{kind}_{slug}"
    imports = ["from django.db import migrations"]
    if backfill is not None:
        code, extra = fill_function(function, app, model, backfill, unique=False)
        imports += extra
    else:
        imports = ["from django.db import migrations, models"]
        code = dedupe_function(function, app, cls, model, columns)
    dependencies = deps_node.get_code(include_prefix=False).strip()
    if "settings." in dependencies:
        imports.append("from django.conf import settings")
    content = render_migration(
        imports,
        code,
        dependencies,
        f"        migrations.RunPython({function}, migrations.RunPython.noop),\n",
    )
    closing = deps_node.children[-1].start_pos
    entry = f'("{app}", "{name}")'
    edits = (
        new_migration_file(context, name, content),
        append_argument(ctx.file.path, ctx.file.text, closing, entry),
    )
    return Fix(f"Add {name} ({kind} {cls} rows) before this migration", Applicability.UNSAFE, edits)
