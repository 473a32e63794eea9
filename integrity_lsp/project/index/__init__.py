"""ProjectIndex: the project's files -> modules -> apps -> models, kept up to date incrementally.

Build walks the root once (skipping VCS folders, virtualenvs, node_modules, site-packages,
`__pycache__` and `Settings.exclude`), reads each `.py` file, hashes it and scans it with a
regular expression for class statements. Only files that can hold models are parsed: models
modules (for their re-exports), `apps.py`, and files with a class whose bases name a model-ish
class (a base containing "Model", ending in "Manager"/"QuerySet", a Django built-in, or --
transitively -- another such class). Settings are read statically (`settings_reader`).

A link step then decides which classes are models by resolving bases across files (import
tables, re-exports, star imports), assigns app labels, normalises relation targets and builds
frozen `ModelRecord`s. Inherited facts (abstract fields, Meta inheritance, multi-table parents,
proxies, implicit primary keys) are computed on demand and cached per generation.

`update_file` re-indexes one file by content hash; `generation` is bumped whenever model
facts change. The index is not thread-safe: use it from one thread at a time.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from integrity_lsp.config import Settings
from integrity_lsp.project.apps import app_folder
from integrity_lsp.project.builtin import builtin_modules, is_builtin_path
from integrity_lsp.project.db_names import truncate_name
from integrity_lsp.project.imports import import_table_of_text
from integrity_lsp.project.index.files import CLASS_NAMES_KEY, ClassKey, Link
from integrity_lsp.project.index.generic import IndexGenericRelations
from integrity_lsp.project.index.linker import is_dotted
from integrity_lsp.project.index.managers import FETCHING_CREATORS_KEY
from integrity_lsp.project.index.user_model import in_template, inferred_user_model
from integrity_lsp.project.loaders import Loader, forwarders
from integrity_lsp.project.models import ParsedClass, ParsedModule
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.settings_reader import is_settings_candidate
from integrity_lsp.syntax.source import content_hash


class ProjectIndex(IndexGenericRelations):
    """The cross-file model of one project. See the module docstring."""

    @classmethod
    def build(
        cls,
        root: Path,
        settings: Settings,
        *,
        apps_known: Callable[[ProjectIndex], None] | None = None,
    ) -> ProjectIndex:
        """Index the project. `apps_known` is called once the apps and settings are read and
        before the models are parsed (what takes the time): `check` starts reading the
        migrations in another process then, which needs nothing more."""
        index = cls(root, settings)
        for path in index._walk():
            text = index._read_disk(path)
            if text is not None:
                index._files[path] = index._scan(path, text)
        index._refresh_modules()
        index._modelish = index._compute_modelish()
        index.field_classes = index._read_field_classes()
        index.pre_save_fills = index._read_pre_save_fills()
        app_modules = [state for state in index._files.values() if state.path.name == "apps.py"]
        for state in app_modules:
            index._parse_if_wanted(state)
        index._refresh_apps_and_settings()
        if apps_known is not None:
            apps_known(index)
        for state in index._files.values():
            if state.path.name != "apps.py":
                index._parse_if_wanted(state)
        index._relink()
        return index

    def update_file(self, path: Path, text: str | None) -> bool:
        """Re-index one file (`text` None: deleted). True when model facts changed."""
        path = Path(os.path.abspath(path))
        if not self.is_index_source(path):
            return False
        old = self._files.get(path)
        self._lazy_imports.pop(path, None)
        self._lazy_loaders.pop(path, None)
        if text is None:
            self._overlay.pop(path, None)
            if old is None:
                return False
            del self._files[path]
            state = None
        else:
            self._overlay[path] = text
            digest = content_hash(text)
            if old is not None and old.digest == digest:
                return False
            state = self._scan(path, text)
            self._files[path] = state
        if any(version.creators or version.catching for version in (old, state) if version):
            # a function a `create_*` method hands on to may be in any file (`guarded_creators`)
            self._memo.pop(FETCHING_CREATORS_KEY, None)
        structural = path.name == "__init__.py" and (old is None or state is None)
        if structural:
            self._refresh_modules()
        elif state is not None:
            state.module = self.module_name(path)
            if old is None and state.module is not None:
                self._path_by_module.setdefault(state.module, path)
        elif old is not None and old.module and self._path_by_module.get(old.module) == path:
            del self._path_by_module[old.module]
        if old is None or state is None:  # a module appeared or went: aliases may change
            self._module_aliases.clear()
            if path.name == "manage.py":
                self._refresh_modules()
        was_relevant = old is not None and (old.parsed is not None or old.app_configs != ())
        classes_changed = (old.classes if old else ()) != (state.classes if state else ())
        if classes_changed:
            self._memo.pop(CLASS_NAMES_KEY, None)
            modelish = self._compute_modelish()
            if modelish != self._modelish:
                self._modelish = modelish
                for other in self._files.values():
                    if other is not state and (other.parsed is None) == self._wants_parse(other):
                        self._parse_if_wanted(other)
        now_relevant = state is not None and self._parse_if_wanted(state)
        versions = [version for version in (old, state) if version is not None]
        if any(version.defines_field_class for version in versions):
            field_classes = self._read_field_classes()
            now_relevant |= field_classes != self.field_classes
            self.field_classes = field_classes
        receivers_changed = False  # what IL203 knows changed, not what the models say
        if any(version.mentions_pre_save for version in versions):
            fills = self._read_pre_save_fills()
            receivers_changed = fills != self.pre_save_fills
            self.pre_save_fills = fills
        if structural:
            for other in self._files.values():
                if other.parsed is not None and other.parsed.module != other.module:
                    self._parse_if_wanted(other)
        touches_settings = is_settings_candidate(path) or path in self.settings_facts.files
        touches_apps = (
            app_folder(path) is not None
            or path.name == "apps.py"
            or (path.name == "__init__.py" and path.parent.name == "migrations")
            or any(
                version.names_default_config
                or (version.path.name == "__init__.py" and version.mentions_app_config)
                for version in versions
            )
        )
        if not (was_relevant or now_relevant or touches_settings or touches_apps or structural):
            if receivers_changed:
                self.generation += 1
            return receivers_changed
        before = self._snapshot()
        if touches_settings or touches_apps or structural:
            self._refresh_apps_and_settings()
        self._relink()
        if self._snapshot() == before and not receivers_changed:
            return False
        self.generation += 1
        return True

    def _snapshot(self) -> tuple[Any, ...]:
        return (
            self.field_classes,
            self.apps,
            self.project_settings,
            self.settings_facts,
            self._link.models,
        )

    def _relink(self) -> None:
        self._memo.clear()
        modules: dict[str, ParsedModule] = {}
        for parsed in builtin_modules():
            modules[parsed.module or str(parsed.path)] = parsed
        for path in sorted(self._files):
            found = self._files[path].parsed
            if found is not None:
                modules.setdefault(found.module or str(path), found)
        classes: dict[ClassKey, tuple[ParsedClass, ParsedModule]] = {}
        for name, parsed in modules.items():
            for cls in parsed.classes:
                classes.setdefault((name, cls.name), (cls, parsed))
        self._link = Link(modules, classes, {}, {}, {}, {})
        self._labels = {}
        self._bare_relations = {}
        self._library_modules = set()
        self._load_library_bases()
        classes = self._link.classes
        model_keys = [key for key in classes if self._is_model_class(key)]
        apps_by_name = {app.name: app for app in self.apps.values()}
        self._labels = {key: self._app_label(key, apps_by_name) for key in model_keys}
        self._infer_user_model(model_keys)
        self._canonical = {
            f"{label}.{key[1]}".lower(): f"{label}.{key[1]}" for key, label in self._labels.items()
        }
        models = {key: self._make_record(key) for key in model_keys}
        self._link.models = models
        by_path: dict[Path, list[ModelRecord]] = {}
        for record in models.values():
            by_path.setdefault(record.ref.path, []).append(record)
            external = self.is_builtin(record)
            current = self._link.by_label.get(record.label_lower)
            if current is None or (self.is_builtin(current) and not external):
                self._link.by_label[record.label_lower] = record
        self._link.by_path = {path: tuple(records) for path, records in by_path.items()}
        for record in self._link.by_label.values():
            if not record.abstract and not record.proxy:
                self._link.by_table.setdefault(self.table_name(record), record)

    def _infer_user_model(self, model_keys: list[ClassKey]) -> None:
        """AUTH_USER_MODEL from the project's one concrete user model when no settings name it."""
        if self.settings_facts.auth_user_model is not None:
            return
        label = inferred_user_model(
            model_keys,
            self._labels,
            {key: entry[0] for key, entry in self._link.classes.items()},
            self._base_keys,
            lambda key: (
                not self._library_module(key[0])
                and not is_builtin_path(self._link.classes[key][1].path)
                and not self.settings.is_test_path(self._link.classes[key][1].path, self.root)
                and not in_template(self._link.classes[key][1].path, self.root)
            ),
        )
        label = label or "auth.User"
        if label != self.project_settings.auth_user_model:
            settings = dataclasses.replace(self.project_settings, auth_user_model=label)
            self.project_settings = settings

    def models(self) -> Iterator[ModelRecord]:
        """Every model (abstract ones included): the project's, then unshadowed built-ins."""
        for record in self._link.models.values():
            if not self.is_builtin(record):
                yield record
        for record in self._link.by_label.values():
            if self.is_builtin(record):
                yield record

    def is_builtin(self, model: ModelRecord) -> bool:
        """Not the project's: one of Django's own models, or an installed package's."""
        return is_builtin_path(model.ref.path) or model.module in self._library_modules

    def model_for_class(self, module: str, name: str) -> ModelRecord | None:
        """The model class `name` of `module` is, following re-exports and star imports."""
        key = self.resolve_symbol(module, name)
        return self._link.models.get(key) if key is not None else None

    def model_for_expression(self, module: str, text: str) -> ModelRecord | None:
        """The model a dotted expression written in `module` names (`shop_models.Product`)."""
        key = self.resolve_expression(module, text) if is_dotted(text) else None
        return self._link.models.get(key) if key is not None else None

    def model_for_table(self, table: str) -> ModelRecord | None:
        found = self._link.by_table.get(table)
        if found is None:
            lowered = table.lower()
            found = next(
                (model for name, model in self._link.by_table.items() if name.lower() == lowered),
                None,
            )
        return found

    def models_defined_in(self, path: Path) -> tuple[ModelRecord, ...]:
        return self._link.by_path.get(Path(os.path.abspath(path)), ())

    def loaders(self, module: str) -> Mapping[str, Loader]:
        """The top-level functions of a project or installed module that only forward to a
        model loader (`project/loaders.py`), read once per file version."""
        module = self.canonical_module(module)
        path = self.path_for_module(module)
        if path is not None:
            state = self._files.get(path)
            digest = state.digest if state is not None else ""
        else:
            path = self.libraries.module_path(module)
            try:
                stat = path.stat() if path is not None else None
            except OSError:
                stat = None
            if path is None or stat is None:
                return {}
            digest = f"{stat.st_size}:{stat.st_mtime_ns}"
        cached = self._lazy_loaders.get(path)
        if cached is None or cached[0] != digest:
            text = self._text(path) or ""
            table = import_table_of_text(text, module, is_package=path.name == "__init__.py")
            cached = (digest, forwarders(text, table))
            self._lazy_loaders[path] = cached
        return cached[1]

    def user_model(self) -> ModelRecord | None:
        """The model AUTH_USER_MODEL names (read statically), else the built-in auth.User."""
        return self.get_model(self.project_settings.auth_user_model) or self.get_model("auth.User")


__all__ = ["ClassKey", "ProjectIndex", "truncate_name"]
