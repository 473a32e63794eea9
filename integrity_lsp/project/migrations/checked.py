"""The migration being checked, from its own text (not the disk's): its place in the history
(`MigrationContext`) and its operations, each with the state of its model's table just before
it runs (`operations_on_tables`: only tables that exist then, so rows may be in them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from integrity_lsp.project.migrations.graph import Operation
from integrity_lsp.project.migrations.history import MigrationContext, history_for
from integrity_lsp.project.migrations.reader import parse_migration
from integrity_lsp.project.migrations.state import Before, ModelState
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex


def current_operations(
    index: ProjectIndex, path: Path, text: str, tree: Any
) -> tuple[MigrationContext, list[Operation]] | None:
    """The migration being checked (its text, not the disk's) with its operations' nodes."""
    history = history_for(index)
    history.sync(path, text)
    context = history.context(path)
    if context is None:
        return None
    own = parse_migration(
        tree,
        context.migration.path,
        context.migration.app_label,
        auth_user_model=index.project_settings.auth_user_model,
        field_classes=index.field_classes,
        swappable=index.project_settings.swappable,
    )
    return context, list(own.operations)


@dataclass(frozen=True)
class PendingOperation:
    """An operation of the checked migration on a model whose table exists before it runs."""

    context: MigrationContext
    operation: Operation
    before: Before
    model: ModelState


def operations_on_tables(index: ProjectIndex, source: SourceFile) -> Iterator[PendingOperation]:
    """The checked migration's operations, each with its model's state just before it."""
    if not source.is_migration:
        return
    found = current_operations(index, source.path, source.text, source.tree)
    if found is None:
        return
    context, operations = found
    if context.migration.initial:
        return  # its tables are new: empty when it runs (see MigrationFile.initial)
    if context.migration.replaces:
        # A squashed migration runs only where none of the migrations it replaces was applied
        # (Django applies those instead where some were): on a new database, with empty tables.
        return
    for operation in operations:
        before = context.app.before.get((context.migration.name, operation.index))
        if before is not None and before.model is not None and before.model.has_table:
            yield PendingOperation(context, operation, before, before.model)
