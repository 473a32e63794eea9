"""New migration files for the migration fixes: a free name next to the flagged migration, the
RunPython code that fills or dedupes existing rows, the module rendered, dependents rewired. A
new file is an `Edit` on a path that does not exist yet (span 1:0–1:0); `may_edit` says whether
a migration may be rewritten at all (`project.migrations.scope`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from integrity_lsp.analysis.context import Context
from integrity_lsp.findings import Edit, Span
from integrity_lsp.project.migrations.columns import EMPTY_STRING_COLUMN_CLASSES
from integrity_lsp.project.migrations.graph import MigrationKey, dependents
from integrity_lsp.project.migrations.history import MigrationContext, history_for
from integrity_lsp.project.migrations.scope import may_rewrite
from integrity_lsp.project.migrations.state import ModelState
from integrity_lsp.project.records import FieldRecord

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


def unique_migration_name(context: MigrationContext, ctx: Context, wanted: str) -> str:
    taken = {
        key[1] for key in history_for(ctx.env.index).all_migrations() if key[0] == context.app.label
    }
    name, counter = wanted, 2
    while name in taken or (context.migration.path.parent / f"{name}.py").exists():
        name, counter = f"{wanted}_{counter}", counter + 1
    return name


def number_prefix(name: str) -> str:
    match = re.match(r"\d+", name)
    return match.group(0) if match else name


def module_imports(tree: Any) -> list[str]:
    """The module-level import statements of a migration, verbatim."""
    found = []
    for statement in tree.children:
        node = statement.children[0] if statement.type == "simple_stmt" else statement
        if node.type in ("import_name", "import_from"):
            found.append(node.get_code(include_prefix=False).strip())
    return found


def render_migration(imports: list[str], functions: str, dependencies: str, operations: str) -> str:
    lines = sorted(set(imports), key=lambda line: (not line.startswith("import "), line))
    head = "\n".join(lines)
    body = f"\n\n{functions.rstrip()}\n" if functions else ""
    return (
        f"{head}\n{body}\n\nclass Migration(migrations.Migration):\n\n"
        f"    dependencies = {dependencies}\n\n"
        f"    operations = [\n{operations}    ]\n"
    )


def fill_function(
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


def dedupe_function(
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


def dependencies_node(tree: Any) -> Any | None:
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


def may_edit(ctx: Context, path: Path) -> bool:
    """A fix edits only a migration that cannot have been applied (project.migrations.scope)."""
    migrations = history_for(ctx.env.index).all_migrations().values()
    return may_rewrite(ctx.env.root, ctx.env.settings, path, migrations)


def new_migration_file(context: MigrationContext, name: str, content: str) -> Edit:
    return Edit(context.migration.path.parent / f"{name}.py", NEW_FILE, content)


def rewire_dependents(ctx: Context, old: MigrationKey, new: str) -> list[Edit]:
    """Every explicit dependency on `old` now names `new` (same app)."""
    edits = []
    for migration, dependency in dependents(
        history_for(ctx.env.index).all_migrations().values(), old
    ):
        assert dependency.name_span is not None
        edits.append(Edit(migration.path, dependency.name_span, f'"{new}"'))
    return edits
