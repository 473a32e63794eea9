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

import re
from pathlib import Path
from typing import Any

from parso.utils import split_lines

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django_version import django_version
from integrity_lsp.findings import Applicability, Edit, Fix, Span
from integrity_lsp.project.migrations.columns import EMPTY_STRING_COLUMN_CLASSES
from integrity_lsp.project.migrations.graph import MigrationKey, Operation, dependents
from integrity_lsp.project.migrations.history import MigrationContext, history_for
from integrity_lsp.project.migrations.scope import may_rewrite
from integrity_lsp.project.migrations.state import ModelState
from integrity_lsp.project.records import FieldRecord
from integrity_lsp.syntax.declarations import call_arguments, split_call

NEW_FILE = Span(1, 0, 1, 0)
INTEGER_CLASSES = re.compile(r"^(Positive)?(Big|Small)?IntegerField$|^(Decimal|Float)Field$")


def placeholder_value(record: FieldRecord) -> str | None:
    """A neutral value for existing rows, by field class; None when there is none to suggest."""
    if INTEGER_CLASSES.match(record.field_class):
        return "0"
    if record.field_class in ("BooleanField", "NullBooleanField"):
        return "False"
    if record.field_class in EMPTY_STRING_COLUMN_CLASSES - {"BinaryField"}:
        return '""'
    return None


# ---------------------------------------------------------------- text positions


def _position(text: str, offset: int) -> tuple[int, int]:
    before = split_lines(text[:offset])
    return len(before), len(before[-1])


def _offset(text: str, line: int, column: int) -> int:
    lines = split_lines(text, keepends=True)
    return sum(len(part) for part in lines[: line - 1]) + column


def append_argument(path: Path, text: str, closing: tuple[int, int], argument: str) -> Edit:
    """Insert `argument` as the last item before the closing bracket at `closing` (the bracket's
    own position), minding an empty list and a trailing comma."""
    end = _offset(text, *closing)
    cursor = end - 1
    while cursor >= 0 and text[cursor] in " \t\r\n":
        cursor -= 1
    previous = text[cursor] if cursor >= 0 else "("
    if "\n" in text[cursor:end] and previous not in "([":
        # One item a line: a new line like the last item's, with a trailing comma.
        line_start = text.rfind("\n", 0, cursor) + 1
        indent = re.match(r"[ \t]*", text[line_start:]).group(0)  # type: ignore[union-attr]
        separator = "" if previous == "," else ","
        content = f"{separator}\n{indent}{argument},"
    elif previous in "([":
        content = argument
    elif previous == ",":
        content = " " + argument
    else:
        content = ", " + argument
    return Edit(path, Span.point(*_position(text, cursor + 1)), content)


def _field_call(operation: Operation) -> Any | None:
    call = split_call(operation.node) if operation.node is not None else None
    if call is None:
        return None
    args = call_arguments(call[1])
    node = args.keywords.get("field")
    if node is None and len(args.positional) >= 3:
        node = args.positional[2]
    return node if node is not None and split_call(node) is not None else None


def options_unknown(operation: Operation) -> bool:
    """The field call takes `*args` or `**options`: its null, unique or default is not known
    (openwisp's `CharField(**app_settings.HARDWARE_ID_OPTIONS)`)."""
    call = _field_call(operation)
    parts = split_call(call) if call is not None else None
    return parts is not None and call_arguments(parts[1]).has_star


def _keyword_edits(
    path: Path, text: str, call_node: Any, add: dict[str, str], drop: tuple[str, ...] = ()
) -> list[Edit]:
    """Edits to a call: drop keyword arguments, then add `name=value` ones at the end."""
    _parts, trailer = split_call(call_node) or (None, None)
    if trailer is None:
        return []
    edits: list[Edit] = []
    inner = trailer.children[1] if len(trailer.children) == 3 else None
    items: list[Any] = []
    if inner is not None:
        items = list(inner.children) if inner.type == "arglist" else [inner]
    for position, item in enumerate(items):
        if item.type != "argument" or item.children[0].value not in drop:
            continue
        start, end = item.start_pos, item.end_pos
        following = items[position + 1] if position + 1 < len(items) else None
        if following is not None and following.type == "operator":  # the comma after it
            after = items[position + 2] if position + 2 < len(items) else None
            end = after.start_pos if after is not None else following.end_pos
        elif position > 0:  # the last argument: take the comma before it
            start = items[position - 1].start_pos
        edits.append(Edit(path, Span(*start, *end), ""))
    existing = call_arguments(trailer).keywords
    for name, value in add.items():
        if name not in existing:
            edits.append(
                append_argument(path, text, trailer.children[-1].start_pos, f"{name}={value}")
            )
    return edits


# ---------------------------------------------------------------- new files


def _unique_name(context: MigrationContext, ctx: Context, wanted: str) -> str:
    taken = {
        key[1] for key in history_for(ctx.env.index).all_migrations() if key[0] == context.app.label
    }
    name, counter = wanted, 2
    while name in taken or (context.migration.path.parent / f"{name}.py").exists():
        name, counter = f"{wanted}_{counter}", counter + 1
    return name


def _prefix(name: str) -> str:
    match = re.match(r"\d+", name)
    return match.group(0) if match else name


def _imports(tree: Any) -> list[str]:
    """The module-level import statements of a migration, verbatim."""
    found = []
    for statement in tree.children:
        node = statement.children[0] if statement.type == "simple_stmt" else statement
        if node.type in ("import_name", "import_from"):
            found.append(node.get_code(include_prefix=False).strip())
    return found


def _render(imports: list[str], functions: str, dependencies: str, operations: str) -> str:
    lines = sorted(set(imports), key=lambda line: (not line.startswith("import "), line))
    head = "\n".join(lines)
    body = f"\n\n{functions.rstrip()}\n" if functions else ""
    return (
        f"{head}\n{body}\n\nclass Migration(migrations.Migration):\n\n"
        f"    dependencies = {dependencies}\n\n"
        f"    operations = [\n{operations}    ]\n"
    )


def _fill_function(
    function: str, app: str, model: ModelState, record: FieldRecord, unique: bool
) -> tuple[str, list[str]]:
    """The RunPython code that fills the new column of existing rows, and its imports."""
    cls, name = model.name, record.name
    head = f'def {function}(apps, schema_editor):\n    {cls} = apps.get_model("{app}", "{cls}")\n'
    default = record.default or ""
    if unique and re.fullmatch(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", default):
        module = default.rsplit(".", 1)[0]
        return (
            head
            + f"    # The column was added with one {name} for every row: the first row keeps it,\n"
            + "    # every other row sharing a value (or NULL) gets its own. Unique values stay.\n"
            + "    seen = set()\n"
            + f'    for row in {cls}.objects.order_by("pk"):\n'
            + f"        if row.{name} is not None and row.{name} not in seen:\n"
            + f"            seen.add(row.{name})\n"
            + "            continue\n"
            + f"        row.{name} = {default}()\n"
            + f"        while row.{name} in seen:\n"
            + f"            row.{name} = {default}()\n"
            + f"        seen.add(row.{name})\n"
            + f'        row.save(update_fields=["{name}"])\n',
            [f"import {module}"],
        )
    value = None if unique else placeholder_value(record)
    if value is None:
        return (
            head
            + f"    # Decide: the {name} of the rows that already exist, then replace this check.\n"
            + f"    if {cls}.objects.filter({name}__isnull=True).exists():\n"
            + f'        raise RuntimeError("choose the {name} of existing {cls} rows here")\n',
            [],
        )
    return (
        head
        + f"    # Decide: {value} is a placeholder for the {name} of rows that already exist.\n"
        + f"    {cls}.objects.filter({name}__isnull=True).update({name}={value})\n",
        [],
    )


def _editable(ctx: Context, path: Path) -> bool:
    """A fix edits only a migration that cannot have been applied (project.migrations.scope)."""
    migrations = history_for(ctx.env.index).all_migrations().values()
    return may_rewrite(ctx.env.root, ctx.env.settings, path, migrations)


def _new_file(context: MigrationContext, name: str, content: str) -> Edit:
    return Edit(context.migration.path.parent / f"{name}.py", NEW_FILE, content)


def _rewire(ctx: Context, old: MigrationKey, new: str) -> list[Edit]:
    """Every explicit dependency on `old` now names `new` (same app)."""
    edits = []
    for migration, dependency in dependents(
        history_for(ctx.env.index).all_migrations().values(), old
    ):
        assert dependency.name_span is not None
        edits.append(Edit(migration.path, dependency.name_span, f'"{new}"'))
    return edits


# ---------------------------------------------------------------- the fixes


def three_step_fix(
    ctx: Context,
    context: MigrationContext,
    operation: Operation,
    model: ModelState,
    *,
    unique: bool = False,
) -> Fix | None:
    """AddField nullable here; a RunPython backfill; an AlterField back to the field as written."""
    record, field_call = operation.field, _field_call(operation)
    if record is None or field_call is None or not context.squashed:
        return None
    app, migration = context.app.label, context.migration
    rewired = dependents(history_for(ctx.env.index).all_migrations().values(), migration.key)
    if not all(_editable(ctx, path) for path in [migration.path, *(m.path for m, _ in rewired)]):
        return None
    path, text = ctx.file.path, ctx.file.text
    drop = ("unique",) if unique else ()
    edits = _keyword_edits(path, text, field_call, {"null": "True"}, drop)
    slug = f"{model.key}_{record.name}"
    backfill = _unique_name(context, ctx, f"{_prefix(migration.name)}_backfill_{slug}")
    alter = _unique_name(context, ctx, f"{_prefix(migration.name)}_alter_{slug}")
    function = f"{'regenerate' if unique else 'backfill'}_{slug}"
    code, extra = _fill_function(function, app, model, record, unique)
    noop = "migrations.RunPython.noop"
    backfill_text = _render(
        ["from django.db import migrations", *extra],
        code,
        f'[\n        ("{app}", "{migration.name}"),\n    ]',
        f"        migrations.RunPython({function}, {noop}),\n",
    )
    keep = "" if operation.preserve_default else "\n            preserve_default=False,"
    field_source = field_call.get_code(include_prefix=False).strip()
    alter_text = _render(
        ["from django.db import migrations, models", *_imports(ctx.file.tree)],
        "",
        f'[\n        ("{app}", "{backfill}"),\n    ]',
        "        migrations.AlterField(\n"
        f'            model_name="{model.key}",\n'
        f'            name="{record.name}",\n'
        f"            field={field_source},{keep}\n"
        "        ),\n",
    )
    edits += [_new_file(context, backfill, backfill_text), _new_file(context, alter, alter_text)]
    edits += _rewire(ctx, migration.key, alter)
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
    record, field_call = operation.field, _field_call(operation)
    if version is None or version < (5, 0) or record is None or field_call is None:
        return None
    if not _editable(ctx, context.migration.path):
        return None
    value = placeholder_value(record)
    if value is None:
        return None
    edits = _keyword_edits(ctx.file.path, ctx.file.text, field_call, {"db_default": value})
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
    deps_node = _dependencies_node(ctx.file.tree)
    if deps_node is None or not context.squashed or not columns:
        return None
    if not _editable(ctx, migration.path):
        return None
    app, cls = context.app.label, model.name
    kind = "backfill" if backfill is not None else "dedupe"
    slug = f"{model.key}_{'_'.join(columns)}"
    name = _unique_name(context, ctx, f"{_prefix(migration.name)}_{kind}_{slug}")
    function = f"{kind}_{slug}"
    imports = ["from django.db import migrations"]
    if backfill is not None:
        code, extra = _fill_function(function, app, model, backfill, unique=False)
        imports += extra
    else:
        imports = ["from django.db import migrations, models"]
        code = _dedupe_function(function, app, cls, model, columns)
    dependencies = deps_node.get_code(include_prefix=False).strip()
    if "settings." in dependencies:
        imports.append("from django.conf import settings")
    content = _render(
        imports,
        code,
        dependencies,
        f"        migrations.RunPython({function}, migrations.RunPython.noop),\n",
    )
    closing = deps_node.children[-1].start_pos
    entry = f'("{app}", "{name}")'
    edits = (
        _new_file(context, name, content),
        append_argument(ctx.file.path, ctx.file.text, closing, entry),
    )
    return Fix(f"Add {name} ({kind} {cls} rows) before this migration", Applicability.UNSAFE, edits)


def _dedupe_function(
    function: str, app: str, cls: str, model: ModelState, columns: tuple[str, ...]
) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    nullable = [c for c in columns if (f := model.field(c)) is not None and f.record.null]
    exclude = "".join(f"\n        .exclude({c}__isnull=True)" for c in nullable)
    return (
        f"def {function}(apps, schema_editor):\n"
        f"    # Decide: this keeps the row with the lowest pk of each group of duplicates and\n"
        f"    # deletes the others. Merging them, or changing their values, may be what your\n"
        f"    # data needs (rows pointing at a deleted one are deleted or blocked by on_delete).\n"
        f'    {cls} = apps.get_model("{app}", "{cls}")\n'
        f"    duplicates = (\n"
        f"        {cls}.objects{exclude}\n"
        f"        .values({names})\n"
        f'        .annotate(keep=models.Min("pk"), rows=models.Count("pk"))\n'
        f"        .filter(rows__gt=1)\n"
        f"    )\n"
        f"    for group in duplicates:\n"
        f'        keep = group.pop("keep")\n'
        f'        group.pop("rows")\n'
        f"        {cls}.objects.filter(**group).exclude(pk=keep).delete()\n"
    )


def _dependencies_node(tree: Any) -> Any | None:
    for classdef in tree.iter_classdefs():
        for statement in classdef.children[-1].children:
            node = statement.children[0] if statement.type == "simple_stmt" else statement
            if (
                node.type == "expr_stmt"
                and node.children[0].type == "name"
                and node.children[0].value == "dependencies"
                and node.children[-1].type == "atom"
                and node.children[-1].children[0].value == "["
            ):
                return node.children[-1]
    return None
