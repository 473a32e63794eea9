"""The project's migration history: parsed migration files, the plan, and per-app state.

`MigrationHistory` belongs to a `ProjectIndex` (`history_for(index)`). Migration files are parsed
once per content (parso, never imported) and re-validated cheaply by stat; unsaved editor text
comes in through `file_changed(path, text)` (the index forwards its updates) or `sync` (the file
being checked). An app's replayed state is cached and recomputed only when one of that app's
migration files changes. The graph and the replay live in `migration_graph` / `migration_state`.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.project.field_classes import FieldClasses
from integrity_lsp.project.migrations.graph import (
    MigrationFile,
    MigrationKey,
    Operation,
    Plan,
    migration_plan,
)
from integrity_lsp.project.migrations.reader import parse_migration
from integrity_lsp.project.migrations.state import AppState, replay
from integrity_lsp.project.records import AppRecord
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.source import content_hash, parse

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

# ("disk", mtime_ns, size, field classes) or ("text", hash(digest), len, field classes)
Signature = tuple[str, int, int, FieldClasses, str]


@dataclass(frozen=True)
class MigrationContext:
    """A migration file with the state of its app in the plan it belongs to."""

    migration: MigrationFile
    app: AppState
    plan: Plan
    squashed: bool  # False when the file is a replaced migration (the unsquashed plan is used)


def _read_disk(path: Path) -> str | None:
    return read_project_text(path, errors="replace")


SNAPSHOT_SECONDS = 1.0


class MigrationHistory:
    """Migrations of every app with a `migrations/` package, parsed lazily and cached."""

    def __init__(
        self,
        apps: Callable[[], dict[str, AppRecord]],
        auth_user_model: Callable[[], str],
        read_text: Callable[[Path], str | None] = _read_disk,
        overlays: Callable[[], Mapping[Path, str]] | None = None,
        field_classes: Callable[[], FieldClasses] = FieldClasses,
        swappable: Callable[[], tuple[tuple[str, str], ...]] = tuple,
    ) -> None:
        self._apps = apps
        self._overlays = overlays
        self._auth_user_model = auth_user_model
        self._swappable = swappable
        self._field_classes = field_classes
        self._read_text = read_text
        self._overlay: dict[Path, str] = {}
        self._parsed: dict[Path, tuple[Signature, str, MigrationFile]] = {}
        self._plans: dict[bool, tuple[object, object, Plan]] = {}
        self._snapshot_seconds: float | None = SNAPSHOT_SECONDS
        # (label, squash) -> (key, state, the snapshot it was computed from)
        self._states: dict[tuple[str, bool], tuple[object, AppState, object]] = {}
        self._snapshot: tuple[float, object, dict[MigrationKey, MigrationFile]] | None = None

    # -------------------------------------------------------------- keeping up to date

    def file_changed(self, path: Path, text: str | None) -> None:
        """An editor's text for `path` (None: back to what is on disk, or deleted)."""
        path = Path(os.path.abspath(path))
        if not _is_migration_path(path):
            return
        if text is None:
            self._overlay.pop(path, None)
        else:
            self._overlay[path] = text
        self._snapshot = None

    def sync(self, path: Path, text: str) -> None:
        """Make sure the history sees `text` for `path` (the file being checked right now)."""
        path = Path(os.path.abspath(path))
        if path not in self._overlay:
            cached = self._parsed.get(path)
            digest = content_hash(text)
            if cached is not None and cached[1] == digest and cached[0] == self._signature(path):
                return
            disk = self._read_text(path)
            if disk is not None and content_hash(disk) == digest:
                return
        self._overlay[path] = text
        self._snapshot = None

    # -------------------------------------------------------------- reading

    def app_for(self, path: Path) -> AppRecord | None:
        path = Path(os.path.abspath(path))
        for app in self._apps().values():
            if app.migrations_path is not None and path.parent == app.migrations_path:
                return app if path.name != "__init__.py" else None
        if not _is_migration_path(path):
            return None
        folder = path.parent.parent
        for app in self._apps().values():
            if Path(os.path.abspath(app.path)) == folder:
                return app
        return None

    def _files_of(self, app: AppRecord) -> list[Path]:
        folder = Path(os.path.abspath(app.migrations_folder))
        names: set[Path] = set()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.endswith(".py") and entry.name != "__init__.py":
                        names.add(folder / entry.name)
        except OSError:
            pass
        overlaid = set(self._overlay) | set(self._overlays() if self._overlays else ())
        names.update(p for p in overlaid if p.parent == folder and p.name != "__init__.py")
        return sorted(p for p in names if p.stem.isidentifier() or p.stem[:1].isdigit())

    def _overlay_text(self, path: Path) -> str | None:
        """Unsaved text: ours (`file_changed`, `sync`), else the index's."""
        own = self._overlay.get(path)
        if own is None and self._overlays is not None:
            own = self._overlays().get(path)
        return own

    def _signature_of_text(self, text: str) -> Signature:
        return ("text", hash(content_hash(text)), len(text), *self._meaning())

    def _signature(self, path: Path) -> Signature | None:
        overlay = self._overlay_text(path)
        if overlay is not None:
            return self._signature_of_text(overlay)
        try:
            stat = path.stat()
        except OSError:
            return None
        return ("disk", stat.st_mtime_ns, stat.st_size, *self._meaning())

    def _meaning(self) -> tuple[FieldClasses, str]:
        """What a migration's records mean besides its text: the field classes (NullCharField)
        and the model `settings.AUTH_USER_MODEL` names, which the index may learn only once the
        models are linked (the project's one user model, `project.index.user_model`), after
        another process read the migrations."""
        return self._field_classes(), self._auth_user_model()

    def _migration(self, path: Path, label: str) -> MigrationFile | None:
        signature = self._signature(path)
        if signature is None:
            return None
        cached = self._parsed.get(path)
        if cached is not None and cached[0] == signature and cached[2].app_label == label:
            return cached[2]
        text = self._overlay_text(path)
        if text is None:
            text = self._read_text(path)
        if text is None:
            return None
        tree = parse(text)
        parsed = parse_migration(
            tree,
            path,
            label,
            auth_user_model=self._auth_user_model(),
            field_classes=self._field_classes(),
            swappable=self._swappable(),
        )
        parsed = _without_nodes(parsed)
        self._parsed[path] = (signature, content_hash(text), parsed)
        return parsed

    def app_migrations(self, app: AppRecord) -> list[MigrationFile]:
        if not app.has_migrations:
            return []
        found = []
        for path in self._files_of(app):
            migration = self._migration(path, app.label)
            if migration is not None and migration.has_migration_class:
                found.append(migration)
        return found

    def all_migrations(self) -> dict[MigrationKey, MigrationFile]:
        """Every app's migrations. Re-read from disk at most every SNAPSHOT_SECONDS: checking
        one file asks for them many times, and each time would stat every migration file."""
        overlays = self._overlays() if self._overlays else {}
        token = tuple(sorted((str(path), id(text), len(text)) for path, text in overlays.items()))
        now = time.monotonic()
        if self._snapshot is not None:
            taken, old_token, migrations = self._snapshot
            fresh = self._snapshot_seconds is None or now - taken < self._snapshot_seconds
            if old_token == token and fresh:
                return migrations
        migrations = self._read_all_migrations()
        self._snapshot = (now, token, migrations)
        return migrations

    def _read_all_migrations(self) -> dict[MigrationKey, MigrationFile]:
        result: dict[MigrationKey, MigrationFile] = {}
        for app in self._apps().values():
            for migration in self.app_migrations(app):
                result[migration.key] = migration
        return result

    def read_all(self) -> dict[Path, tuple[Signature, str, MigrationFile]]:
        """Read (parse) every migration now; what `adopt` takes in another process."""
        self.all_migrations()
        return dict(self._parsed)

    def parsed(self) -> dict[Path, tuple[Signature, str, MigrationFile]]:
        """The migrations read so far (what `adopt` takes), without reading any more."""
        return dict(self._parsed)

    def adopt(self, parsed: Mapping[Path, tuple[Signature, str, MigrationFile]]) -> None:
        """Migrations another process read (`read_all`): each is used while the file's
        signature (size and mtime, or the unsaved text) is still the one it was read with."""
        for path, entry in parsed.items():
            self._parsed.setdefault(path, entry)
        self._snapshot = None

    def hold_snapshots(self) -> None:
        """For one batch run (`check`): files do not change under it, so the snapshot of the
        migrations is kept until a text given to the history changes, however long it runs."""
        self._snapshot_seconds = None

    def plan(self, *, squash: bool = True) -> Plan:
        migrations = self.all_migrations()
        cached = self._plans.get(squash)
        if cached is not None and cached[0] is migrations:
            return cached[2]
        key = tuple(sorted((k, id(m)) for k, m in migrations.items()))
        plan = cached[2] if cached is not None and cached[1] == key else None
        if plan is None:
            plan = migration_plan(migrations, squash=squash)
        self._plans[squash] = (migrations, key, plan)
        return plan

    def app_state(self, label: str, *, squash: bool = True) -> AppState:
        """The state an app's migrations build (cached until one of them changes)."""
        migrations = self.all_migrations()
        cached = self._states.get((label, squash))
        if cached is not None and cached[2] is migrations:
            return cached[1]  # the same snapshot: nothing can have changed
        plan = self.plan(squash=squash)
        ordered = [migrations[key] for key in plan.order if key[0] == label]
        key = tuple(id(m) for m in ordered)
        unchanged = cached is not None and cached[0] == key
        state = cached[1] if cached is not None and unchanged else replay(label, ordered)
        self._states[(label, squash)] = (key, state, migrations)
        return state

    def context(self, path: Path) -> MigrationContext | None:
        """The migration at `path` with its app's state in the plan that applies it."""
        app = self.app_for(path)
        if app is None:
            return None
        path = Path(os.path.abspath(path))
        migration = self._migration(path, app.label)
        if migration is None or not migration.has_migration_class:
            return None
        for squash in (True, False):
            plan = self.plan(squash=squash)
            if migration.key in plan.order:
                return MigrationContext(
                    migration, self.app_state(app.label, squash=squash), plan, squash
                )
        return None


def _is_migration_path(path: Path) -> bool:
    return path.parent.name == "migrations" and path.suffix == ".py" and path.name != "__init__.py"


def _strip(operation: Operation) -> Operation:
    nested = tuple(_strip(inner) for inner in operation.nested)
    return replace(operation, node=None, nested=nested)


def _without_nodes(migration: MigrationFile) -> MigrationFile:
    """The cached copy keeps no parso nodes (they would keep every tree alive)."""
    return replace(migration, operations=tuple(_strip(op) for op in migration.operations))


_FALLBACK: weakref.WeakKeyDictionary[ProjectIndex, MigrationHistory] = weakref.WeakKeyDictionary()


def history_for(index: ProjectIndex) -> MigrationHistory:
    """The index's migration history (its `migration_history` when it has one)."""
    own = getattr(index, "migration_history", None)
    if isinstance(own, MigrationHistory):
        return own
    history = _FALLBACK.get(index)
    if history is None:
        history = new_history(index)
        _FALLBACK[index] = history
    return history


def new_history(index: ProjectIndex) -> MigrationHistory:
    """What `ProjectIndex.__init__` creates: `self.migration_history = new_history(self)`."""
    return MigrationHistory(
        apps=lambda: index.apps,
        auth_user_model=lambda: index.project_settings.auth_user_model,
        swappable=lambda: index.project_settings.swappable,
        field_classes=lambda: index.field_classes,
        # The index's unsaved texts (editor buffers, a fixer's new files).
        overlays=lambda: getattr(index, "_overlay", {}),
    )
