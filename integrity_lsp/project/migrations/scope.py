"""Which migrations are new: the ones the history rules report on, and the only ones a fix edits.

Teams lint the migrations they are adding, not the ones applied years ago (where the hazard is
long gone). `migrations-since` (`check --since REF`, `--all-migrations`) chooses:

- unset (`auto`): migrations new relative to the merge-base of HEAD with the default branch
  (see `project.vcs`): untracked, changed in the work tree or index, or added by commits since;
- a git ref: the same, relative to the merge-base of HEAD with that ref;
- `all`: every migration.

Outside git (no work tree, git not installed, no default branch) every migration is reported.

A fix never edits a migration that may already be applied: a database that applied it would
refuse the next `migrate` (`InconsistentMigrationHistory`) or never run the new step. With git,
a fix edits only new migrations (relative to the same base; with `all`, to the default branch).
Outside git only a leaf migration (one no other migration depends on) counts as new.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.config import Settings
from integrity_lsp.project.migrations.checked import PendingOperation
from integrity_lsp.project.migrations.graph import MigrationFile, MigrationKey
from integrity_lsp.project.migrations.history import history_for
from integrity_lsp.project.migrations.state import ModelState
from integrity_lsp.project.vcs import ChangedFiles, changed_files

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

ALL = "all"


@dataclass(frozen=True)
class MigrationScope:
    """The answer for one project root and its settings."""

    every_migration: bool  # report on all of them
    changes: ChangedFiles | None  # None: git cannot tell
    problem: str | None = None  # a `migrations-since` ref git does not know

    def reports_on(self, path: Path) -> bool:
        if self.every_migration or self.changes is None:
            return True
        return self.changes.is_new(path)


def migration_scope(root: Path, settings: Settings) -> MigrationScope:
    since = settings.migrations_since
    if since == ALL:
        return MigrationScope(True, None)
    changes = changed_files(root, since)
    if changes is None and since is not None and changed_files(root, None) is not None:
        problem = (
            f"migrations-since {since!r}: git knows no such commit; every migration is checked"
        )
        return MigrationScope(False, None, problem)
    return MigrationScope(False, changes)


def may_rewrite(
    root: Path, settings: Settings, path: Path, migrations: Iterable[MigrationFile]
) -> bool:
    """Whether a fix may edit the migration at `path` (it cannot have been applied anywhere
    that matters): new relative to the git base, else (outside git) a leaf."""
    since = settings.migrations_since
    changes = changed_files(root, None if since in (None, ALL) else since)
    if changes is not None:
        return changes.is_new(path)
    return is_leaf(path, migrations)


def is_leaf(path: Path, migrations: Iterable[MigrationFile]) -> bool:
    """No migration depends on this one (explicitly, through `__latest__` of its app, or by its
    own `run_before`), and no squashed migration replaces it."""
    everything = list(migrations)
    where = os.path.abspath(path)
    own = next((m for m in everything if os.path.abspath(m.path) == where), None)
    if own is None or own.run_before:
        return False
    for other in everything:
        if own.key in other.replaces:
            return False
        for dependency in other.dependencies:
            if (dependency.app_label, dependency.name) == own.key:
                return False
            if dependency.app_label == own.app_label and dependency.name == "__latest__":
                return False
    return True


def on_new_table(
    root: Path, settings: Settings, index: ProjectIndex, pending: PendingOperation
) -> bool:
    """The operation's table was created by a new migration, or by one makemigrations wrote
    less than a day before this one or in the same run (the split first run of Django 1.7/1.8),
    and nothing filled it since.

    For a migration git calls new, git alone decides: a table created by a migration
    committed before the base may be deployed and hold rows, however recent its header (a
    team that deploys several times a day). The headers speak for the migrations git cannot
    tell apart: both committed (`--all-migrations`), or no git."""
    migrations = history_for(index).all_migrations()
    sequence = pending.before.sequence
    migration = pending.context.migration
    since = settings.migrations_since
    changes = changed_files(root, None if since in (None, ALL) else since)
    git_decides = changes is not None and changes.is_new(migration.path)
    if not git_decides and (
        made_with_its_table(migration, pending.model, migrations, sequence)
        or second_half_of_first_run(migration, pending.model, migrations, sequence)
    ):
        return True
    return table_is_new(root, settings, pending.model, migrations, sequence)


SAME_WORK = timedelta(days=1)


def made_with_its_table(
    migration: MigrationFile,
    model: ModelState,
    migrations: Mapping[MigrationKey, MigrationFile],
    sequence: int,
) -> bool:
    """makemigrations wrote the migration creating the table less than a day before this one
    (their `# Generated by Django … on …` headers), and no data step has reached the table
    since: one piece of work, shipped together. A release cut between them, and a database
    that filled the table in those hours, is too unlikely to report on (labels_manager 0001 at
    09:56 and 0002 adding a unique constraint at 13:25 the same day, label-studio). A squashed
    creator's header tells when it was squashed, not when the table was made: not used."""
    creator = migrations.get(model.created_by)
    if creator is None or creator.replaces or migration.replaces:
        return False
    if creator.generated_at is None or migration.generated_at is None:
        return False
    if not timedelta(0) <= migration.generated_at - creator.generated_at < SAME_WORK:
        return False
    return not any(model.created_at < step < sequence for step, _names in model.data_steps)


# Django 1.9 (December 2015) began marking every migration of an app's first makemigrations run
# `initial = True` (`MigrationFile.initial`, silent in `operations_on_tables`).
FIRST_RUN_MARKED = datetime(2015, 12, 1)
_AUTO_SECOND = re.compile(r"0002_auto_(\d{8})_\d{4}")


def second_half_of_first_run(
    migration: MigrationFile,
    model: ModelState,
    migrations: Mapping[MigrationKey, MigrationFile],
    sequence: int,
) -> bool:
    """The table was created by the app's `0001_initial`, and this migration is the rest of the
    same makemigrations run: Django splits an app's first run in two when its models wait for
    another app's (a foreign key to the user model, a base class), writing `0001_initial` and a
    `0002_auto_<date>_<time>` on top of it that carries the remaining CreateModels and the
    options of the first half's models (django-cms 0001_initial + 0002_auto_20140816_1918, whose
    `unique_together` on Page is part of creating Page). Both ship in the same release; a
    database runs them together, with nothing in the table between them.

    Django 1.9 and later mark both halves `initial = True`; what is read here is the unmarked
    pair of Django 1.7/1.8: the auto name dated before 1.9, no `# Generated by Django` header
    (1.9 and later write one, and mark the pair), depending on that `0001_initial` (which
    depends on no migration of its own app), with CreateModel operations of its own, and no
    data step between. A second migration with all of these written days later by the same
    Django is not told apart: a limit, on migrations more than ten years old."""
    creator = migrations.get(model.created_by)
    if creator is None or creator.name != "0001_initial" or creator.replaces:
        return False
    if creator.app_label != migration.app_label or migration.replaces:
        return False
    named = _AUTO_SECOND.fullmatch(migration.name)
    if named is None or migration.generated_at is not None:
        return False
    try:
        if datetime.strptime(named.group(1), "%Y%m%d") >= FIRST_RUN_MARKED:
            return False
    except ValueError:
        return False
    own = creator.app_label
    if any(dependency.app_label == own for dependency in creator.dependencies):
        return False
    if not any((d.app_label, d.name) == creator.key for d in migration.dependencies):
        return False
    if not any(operation.kind == "CreateModel" for operation in migration.operations):
        return False
    return not any(model.created_at < step < sequence for step, _names in model.data_steps)


def table_is_new(
    root: Path,
    settings: Settings,
    model: ModelState,
    migrations: Mapping[MigrationKey, MigrationFile],
    sequence: int,
) -> bool:
    """The model's table is created by a new migration (one no database has applied: git
    says so) and no data step has reached it since: when the new migrations run on a database
    with rows, this table is still empty."""
    since = settings.migrations_since
    changes = changed_files(root, None if since in (None, ALL) else since)
    creator = migrations.get(model.created_by)
    if changes is None or creator is None or not changes.is_new(creator.path):
        return False
    return not any(model.created_at < step < sequence for step, _names in model.data_steps)
