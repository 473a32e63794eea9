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

import contextlib
import functools
import hashlib
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from integrity_lsp.config import DEFAULT_EXCLUDE, Settings
from integrity_lsp.project.apps import (
    AppConfigInfo,
    app_folder,
    choose_config,
    containing_app,
    discover_apps,
    module_name_for,
    parse_app_configs,
)
from integrity_lsp.project.builtin import (
    KNOWN_MODULES,
    MODEL_ROOTS,
    builtin_app_label,
    builtin_modules,
    is_builtin_path,
)
from integrity_lsp.project.field_classes import (
    FieldClasses,
    may_define_field_class,
    read_field_classes,
)
from integrity_lsp.project.imports import ImportTable, import_table_of_text
from integrity_lsp.project.models import (
    GET_USER_MODEL,
    ParsedClass,
    ParsedManager,
    ParsedMeta,
    ParsedModule,
    normalise_relation,
    parse_module,
)
from integrity_lsp.project.records import (
    AUTO_FIELD_CLASSES,
    MANY_TO_MANY_FIELD_CLASSES,
    RELATION_FIELD_CLASSES,
    AppRecord,
    ConstraintRecord,
    FieldRecord,
    ManagerRecord,
    ModelRecord,
    ProjectSettings,
    SourceRef,
    UniqueSet,
)
from integrity_lsp.project.settings_reader import (
    SettingsFacts,
    find_settings_path,
    is_settings_candidate,
    read_settings,
)
from integrity_lsp.project.signals import PreSaveFills, may_connect_pre_save, read_pre_save_fills
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.source import content_hash, parse

ClassKey = tuple[str, str]  # (module, class name)

SKIP_DIRS = frozenset({*DEFAULT_EXCLUDE, "site-packages", "node_modules", "__pycache__"})
MAX_FILE_BYTES = 2_000_000
_CLASS_RE = re.compile(r"^[ \t]*class[ \t]+(\w+)[ \t]*(?:\(([^)]*)\))?[ \t]*:", re.MULTILINE)
_MODELISH_BASE = re.compile(r"Model|Manager$|QuerySet$")
# Django's, DRF's, django-filter's and factory_boy's classes named after models are not models:
# a project's forms.py, admin.py and serializers need not be parsed to index it.
_NOT_MODEL_BASE = re.compile(
    r"(Form|FormSet|Admin|Inline|Serializer|ViewSet|View|Backend|Field|Schema|Filter|FilterSet"
    r"|Resource|TestCase|Factory)$"
)
_MAX_NAME_LENGTH = (("postgis", 63), ("postgresql", 63), ("mysql", 64), ("oracle", 30))
_DEPTH = 30
_FROM_QUERYSET = re.compile(r"^([\w.]+)\.from_queryset\(\s*([\w.]+)\s*\)$")


@dataclass
class _File:
    path: Path
    digest: str
    module: str | None
    classes: tuple[tuple[str, tuple[str, ...]], ...]  # regex scan: (name, base last names)
    mentions_app_config: bool = False
    defines_field_class: bool = False  # a class with a `…Field` base, and an `__init__`
    mentions_pre_save: bool = False
    parsed: ParsedModule | None = None
    app_configs: tuple[AppConfigInfo, ...] = ()


@dataclass
class _Link:
    """Everything derived from the parsed files; rebuilt when facts change."""

    modules: dict[str, ParsedModule]
    classes: dict[ClassKey, tuple[ParsedClass, ParsedModule]]
    models: dict[ClassKey, ModelRecord]
    by_label: dict[str, ModelRecord]
    by_table: dict[str, ModelRecord]
    by_path: dict[Path, tuple[ModelRecord, ...]]


class ProjectIndex:
    """The cross-file model of one project. See the module docstring."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = Path(os.path.abspath(root))
        self.settings = settings
        self.apps: dict[str, AppRecord] = {}
        self.project_settings = ProjectSettings()
        self.generation = 0
        self.settings_facts = SettingsFacts()
        self._files: dict[Path, _File] = {}
        self._overlay: dict[Path, str] = {}
        self._init_cache: dict[Path, bool] = {}
        self._path_by_module: dict[str, Path] = {}
        self._modelish: frozenset[str] = frozenset()
        self._lazy_imports: dict[Path, tuple[str, ImportTable]] = {}
        self._link = _Link({}, {}, {}, {}, {}, {})
        self._labels: dict[ClassKey, str] = {}
        self._canonical: dict[str, str] = {}  # "shop.product" -> "shop.Product"
        self._bare_relations: dict[SourceRef, str] = {}  # field -> "Team" of ForeignKey("Team")
        self._memo: dict[tuple[str, Any], Any] = {}
        self.field_classes = FieldClasses()
        self.pre_save_fills = PreSaveFills()

    # ------------------------------------------------------------------ building

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

    def _walk(self) -> Iterator[Path]:
        for folder, dirnames, filenames in os.walk(self.root):
            base = Path(folder)
            dirnames[:] = sorted(
                name
                for name in dirnames
                if name not in SKIP_DIRS
                and not name.startswith(".")
                and not (base / name / "pyvenv.cfg").exists()
                and not self._excluded(base / name)
            )
            for name in sorted(filenames):
                if name.endswith(".py") and not self._excluded(base / name):
                    yield base / name

    def _excluded(self, path: Path) -> bool:
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return True
        if set(relative.parts) & SKIP_DIRS:
            return True
        return self.settings.is_excluded(relative, self.root)

    def _read_disk(self, path: Path) -> str | None:
        # Regular files only: a FIFO or device named *.py would block the read forever.
        return read_project_text(
            path, errors="replace", regular_only=True, max_bytes=MAX_FILE_BYTES
        )

    def _text(self, path: Path) -> str | None:
        overlay = self._overlay.get(path)
        return overlay if overlay is not None else self._read_disk(path)

    def _scan(self, path: Path, text: str) -> _File:
        classes = []
        for match in _CLASS_RE.finditer(text):
            bases = []
            for part in (match.group(2) or "").split(","):
                part = part.split("[")[0].strip()
                if part and "=" not in part:
                    bases.append(part.rsplit(".", 1)[-1])
            classes.append((match.group(1), tuple(bases)))
        field_class = may_define_field_class(text) and any(bases for _name, bases in classes)
        return _File(
            path,
            content_hash(text),
            None,
            tuple(classes),
            "AppConfig" in text,
            defines_field_class=field_class,
            mentions_pre_save=may_connect_pre_save(text),
        )

    def is_plain_class(self, name: str) -> bool:
        """The project defines classes of this name and none may be a model (by name, the
        over-approximation the index parses by): `Name(…)` never constructs a model."""
        names = self._memo.get(_CLASS_NAMES)
        if names is None:
            names = frozenset(n for state in self._files.values() for n, _bases in state.classes)
            self._memo[_CLASS_NAMES] = names
        return name in names and name not in self._modelish and name not in _builtin_names()

    def _compute_modelish(self) -> frozenset[str]:
        """Class names that may be models/managers, by name alone (a cheap over-approximation)."""
        children: dict[str, set[str]] = {}
        queue: deque[str] = deque()
        seeds = {cls.name for module in builtin_modules() for cls in module.classes}
        for state in self._files.values():
            for name, bases in state.classes:
                for base in bases:
                    children.setdefault(base, set()).add(name)
                if any(_is_modelish_base(base, seeds) for base in bases):
                    queue.append(name)
        found: set[str] = set()
        while queue:
            name = queue.popleft()
            if name in found:
                continue
            found.add(name)
            queue.extend(children.get(name, ()))
        return frozenset(found)

    def _read_field_classes(self) -> FieldClasses:
        """The project's field classes that fix `null`, `unique`, … in their `__init__`."""
        candidates = [cls for state in self._files.values() for cls in state.classes]
        texts = (
            text
            for state in self._files.values()
            if state.defines_field_class and (text := self._text(state.path)) is not None
        )
        return read_field_classes(candidates, texts)

    def _read_pre_save_fills(self) -> PreSaveFills:
        texts = (
            text
            for state in self._files.values()
            if state.mentions_pre_save and (text := self._text(state.path)) is not None
        )
        return read_pre_save_fills(texts)

    def _wants_parse(self, state: _File) -> bool:
        path = state.path
        if path.name == "models.py" or path.parent.name == "models":
            return True
        if path.name == "apps.py" and state.mentions_app_config:
            return True
        return any(name in self._modelish for name, _bases in state.classes)

    def _parse_if_wanted(self, state: _File) -> bool:
        """Parse a file that may hold models; True when it was parsed."""
        if not self._wants_parse(state):
            state.parsed = None
            state.app_configs = ()
            return False
        text = self._text(state.path)
        if text is None:
            return False
        state.module = self.module_name(state.path)
        is_package = state.path.name == "__init__.py"
        try:
            tree = parse(text)
            state.parsed = parse_module(tree, state.path, state.module, is_package=is_package)
            if state.path.name == "apps.py" and state.mentions_app_config:
                state.app_configs = tuple(parse_app_configs(tree))
        except RecursionError:  # absurdly nested code: index nothing from this file
            state.parsed = None
            state.app_configs = ()
        return True

    def _refresh_modules(self) -> None:
        self._init_cache.clear()
        self._path_by_module.clear()
        for path in sorted(self._files, key=lambda p: (len(p.parts), str(p))):
            state = self._files[path]
            state.module = self.module_name(path)
            if state.module is not None:
                self._path_by_module.setdefault(state.module, path)

    def _refresh_apps_and_settings(self) -> None:
        files = sorted(self._files)
        settings_path = find_settings_path(
            files,
            configured=self.settings.settings_module,
            read_text=self._text,
            path_for_module=self.path_for_module,
        )
        try:
            self.settings_facts = read_settings(
                settings_path,
                read_text=self._text,
                module_of=self.module_name,
                path_for_module=self.path_for_module,
            )
        except RecursionError:  # a 1,000-deep expression in settings: read it as empty
            self.settings_facts = read_settings(
                None,
                read_text=self._text,
                module_of=self.module_name,
                path_for_module=self.path_for_module,
            )
        self.project_settings = self.settings_facts.project_settings(self.settings.atomic_requests)
        self.apps = discover_apps(
            (path for path in files if app_folder(path) is not None),
            module_of=self.module_name,
            config_of=self._app_config,
            has_migrations=lambda folder: (
                (folder / "migrations" / "__init__.py") in self._files
                or (folder / "migrations").is_dir()
            ),
            installed=self.project_settings.installed_apps,
        )

    def _app_config(self, folder: Path) -> AppConfigInfo | None:
        state = self._files.get(folder / "apps.py")
        if state is None:
            return None
        return choose_config(state.app_configs, self.module_name(folder / "__init__.py"))

    # ------------------------------------------------------------------ incremental updates

    def is_index_source(self, path: Path) -> bool:
        """Whether `update_file(path, …)` can matter: a Python file under the root, not excluded."""
        path = Path(os.path.abspath(path))
        return path.suffix == ".py" and not self._excluded(path)

    def update_file(self, path: Path, text: str | None) -> bool:
        """Re-index one file (`text` None: deleted). True when model facts changed."""
        path = Path(os.path.abspath(path))
        if not self.is_index_source(path):
            return False
        old = self._files.get(path)
        self._lazy_imports.pop(path, None)
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
        structural = path.name == "__init__.py" and (old is None or state is None)
        if structural:
            self._refresh_modules()
        elif state is not None:
            state.module = self.module_name(path)
            if old is None and state.module is not None:
                self._path_by_module.setdefault(state.module, path)
        elif old is not None and old.module and self._path_by_module.get(old.module) == path:
            del self._path_by_module[old.module]
        was_relevant = old is not None and (old.parsed is not None or old.app_configs != ())
        classes_changed = (old.classes if old else ()) != (state.classes if state else ())
        if classes_changed:
            self._memo.pop(_CLASS_NAMES, None)
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

    # ------------------------------------------------------------------ modules and apps

    def module_name(self, path: Path) -> str | None:
        """The dotted module name of a file (None outside any importable layout)."""
        return module_name_for(Path(os.path.abspath(path)), self._has_init)

    def _has_init(self, folder: Path) -> bool:
        cached = self._init_cache.get(folder)
        if cached is None:
            init = folder / "__init__.py"
            if init in self._files:
                cached = True
            elif folder == self.root or self.root in folder.parents:
                cached = False  # every file under the root was walked
            else:
                cached = init.exists()
            self._init_cache[folder] = cached
        return cached

    def path_for_module(self, module: str) -> Path | None:
        return self._path_by_module.get(module)

    def app_for_path(self, path: Path) -> AppRecord | None:
        path = Path(os.path.abspath(path))
        best: AppRecord | None = None
        for app in self.apps.values():
            if (app.path == path or app.path in path.parents) and (
                best is None or len(app.path.parts) > len(best.path.parts)
            ):
                best = app
        return best

    def _is_module(self, name: str) -> bool:
        return name in self._path_by_module or name in KNOWN_MODULES or name in self._link.modules

    # ------------------------------------------------------------------ linking

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
        self._link = _Link(modules, classes, {}, {}, {}, {})
        self._labels = {}
        self._bare_relations = {}
        model_keys = [key for key in classes if self._is_model_class(key)]
        apps_by_name = {app.name: app for app in self.apps.values()}
        self._labels = {key: self._app_label(key, apps_by_name) for key in model_keys}
        self._canonical = {
            f"{label}.{key[1]}".lower(): f"{label}.{key[1]}" for key, label in self._labels.items()
        }
        models = {key: self._make_record(key) for key in model_keys}
        self._link.models = models
        by_path: dict[Path, list[ModelRecord]] = {}
        for record in models.values():
            by_path.setdefault(record.ref.path, []).append(record)
            builtin = is_builtin_path(record.ref.path)
            current = self._link.by_label.get(record.label_lower)
            if current is None or (is_builtin_path(current.ref.path) and not builtin):
                self._link.by_label[record.label_lower] = record
        self._link.by_path = {path: tuple(records) for path, records in by_path.items()}
        for record in self._link.by_label.values():
            if not record.abstract and not record.proxy:
                self._link.by_table.setdefault(self.table_name(record), record)

    def _imports_of(self, module: str) -> tuple[ImportTable, ParsedModule | None] | None:
        parsed = self._link.modules.get(module)
        if parsed is not None:
            return parsed.imports, parsed
        path = self._path_by_module.get(module)
        if path is None:
            return None
        state = self._files.get(path)
        digest = state.digest if state else ""
        cached = self._lazy_imports.get(path)
        if cached is None or cached[0] != digest:
            text = self._text(path) or ""
            table = import_table_of_text(text, module, is_package=path.name == "__init__.py")
            cached = (digest, table)
            self._lazy_imports[path] = cached
        return cached[1], None

    def resolve_symbol(self, module: str, name: str, _depth: int = 0) -> ClassKey | None:
        """The class `name` in `module` is, following re-exports; an external key when unknown."""
        memo_key = ("symbol", (module, name))
        if memo_key in self._memo:
            return self._memo[memo_key]  # type: ignore[no-any-return]
        self._memo[memo_key] = None  # cycle guard
        result = self._resolve_symbol(module, name, _depth)
        self._memo[memo_key] = result
        return result

    def _resolve_symbol(self, module: str, name: str, depth: int) -> ClassKey | None:
        if (module, name) in self._link.classes or depth > _DEPTH:
            return (module, name)
        found = self._imports_of(module)
        if found is None:
            return None if self._is_module(f"{module}.{name}") else (module, name)
        imports, parsed = found
        imported = imports.lookup(name)
        if imported is not None:
            source_module, attribute = imported
            if attribute is None or self._is_module(f"{source_module}.{attribute}"):
                return None
            return self.resolve_symbol(source_module, attribute, depth + 1)
        alias = parsed.alias(name) if parsed is not None else None
        if alias is not None and alias != name:
            if alias == GET_USER_MODEL:
                return self._user_key()
            return self.resolve_expression(module, alias, depth + 1)
        for star in imports.star_modules:
            key = self.resolve_symbol(star, name, depth + 1)
            if key is not None and key in self._link.classes:
                return key
        return None

    def resolve_expression(self, module: str, text: str, _depth: int = 0) -> ClassKey | None:
        """The class a dotted expression written in `module` names (`models.Model`, `P`)."""
        parts = text.split(".")
        if len(parts) == 1:
            return self.resolve_symbol(module, parts[0], _depth)
        found = self._imports_of(module)
        imported = found[0].lookup(parts[0]) if found else None
        if imported is None:
            return None  # an attribute of a local class (`Base.Meta`) or an unknown name
        return self.resolve_imported(imported, parts[1:], _depth)

    def resolve_imported(
        self, imported: tuple[str, str | None], rest: list[str], _depth: int = 0
    ) -> ClassKey | None:
        """The class named by an import-table entry followed by attribute names: `(shop,
        models)` + `["Product"]` for `from shop import models; models.Product`."""
        source_module, attribute = imported
        if attribute is not None:
            is_module = self._is_module(f"{source_module}.{attribute}")
            if not is_module and not (rest and attribute[:1].islower()):
                return None if rest else self.resolve_symbol(source_module, attribute, _depth + 1)
            source_module = f"{source_module}.{attribute}"
        if not rest:
            return None  # a module, not a class
        while len(rest) > 1 and self._is_module(f"{source_module}.{rest[0]}"):
            source_module = f"{source_module}.{rest[0]}"
            rest = rest[1:]
        if len(rest) != 1:
            return None
        return self.resolve_symbol(source_module, rest[0], _depth + 1)

    def model_for_key(self, key: ClassKey | None) -> ModelRecord | None:
        return self._link.models.get(key) if key is not None else None

    def models_using(self, module: str, name: str) -> tuple[ModelRecord, ...]:
        """Concrete models that declare a manager built from the class `name` of `module` (as
        `objects = ProductManager()`, `Manager.from_queryset(ProductQuerySet)()` or
        `ProductQuerySet.as_manager()`, or a subclass of it), themselves or through an
        abstract base; multi-table children inheriting it from a concrete parent are left out."""
        key = self.resolve_symbol(module, name)
        table = self._manager_users()
        return tuple(record for model in table.get(key, ()) if (record := self._record(model)))

    def _manager_users(self) -> dict[ClassKey | None, list[ClassKey]]:
        memo_key = ("manager_users", None)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        table: dict[ClassKey | None, list[ClassKey]] = {}
        for key, model in self._link.models.items():
            if model.abstract:
                continue
            for ancestor in self._mro(key):
                entry = self._link.classes.get(ancestor)
                record = self._record(ancestor)
                if entry is None or record is None:
                    continue
                if ancestor != key and not record.abstract:
                    break  # managers of a concrete parent are the parent's own
                for manager in entry[0].managers:
                    if not self._is_manager(ancestor, manager):
                        continue
                    for expr in (manager.manager_expr, manager.queryset_expr):
                        target = self.resolve_expression(ancestor[0], expr) if expr else None
                        if target is None:
                            continue
                        for used in (target, *self._mro(target)[1:]):
                            if key not in table.setdefault(used, []):
                                table[used].append(key)
        self._memo[memo_key] = table
        return table

    def _base_keys(self, key: ClassKey) -> list[ClassKey]:
        memo_key = ("bases", key)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        entry = self._link.classes.get(key)
        if entry is None:
            return []
        cls = entry[0]
        module = key[0]
        result = []
        bases: list[str] = []
        for base in cls.bases:  # `Manager.from_queryset(QS)` as a base: both classes count
            match = _FROM_QUERYSET.match(base)
            bases.extend(match.groups() if match else (base,))
        for base in bases:
            resolved = self.resolve_expression(module, base) if _is_dotted(base) else None
            if resolved is None and base in ("models.Model", "Model"):
                resolved = ("django.db.models", "Model")
            if resolved is not None and resolved != key:
                result.append(resolved)
        self._memo[memo_key] = result
        return result

    def _is_model_class(self, key: ClassKey) -> bool:
        if key not in self._link.classes:
            return False
        return any(self._is_model_base(base, 0) for base in self._base_keys(key))

    def _is_model_base(self, key: ClassKey, depth: int) -> bool:
        if key in MODEL_ROOTS:
            return True
        if depth > _DEPTH:
            return False
        memo_key = ("is_model", key)
        if memo_key in self._memo:
            return self._memo[memo_key]  # type: ignore[no-any-return]
        self._memo[memo_key] = False
        if key in self._link.classes:
            result = any(self._is_model_base(base, depth + 1) for base in self._base_keys(key))
        else:  # a third-party base we cannot read: trust its name (not django_filters'
            # ModelChoiceFilter, nor DRF's ModelSerializer: the same names as the pre-scan)
            result = (
                "Model" in key[1]
                and not key[0].startswith("django.")
                and not _NOT_MODEL_BASE.search(key[1])
            )
        self._memo[memo_key] = result
        return result

    def _app_label(self, key: ClassKey, apps_by_name: dict[str, AppRecord]) -> str:
        declared = self._meta_value(key, "app_label")
        if isinstance(declared, str):
            return declared
        module = key[0]
        builtin = builtin_app_label(module)
        if builtin is not None:
            return builtin
        app = containing_app(module, apps_by_name)
        if app is not None:
            return app.label
        path = self._link.classes[key][1].path
        app = self.app_for_path(path)
        if app is not None:
            return app.label
        return module.split(".")[0] if "." in module else path.parent.name

    def _make_record(self, key: ClassKey) -> ModelRecord:
        cls, _parsed = self._link.classes[key]
        module = key[0]
        labels = self._labels
        label = labels[key]
        auth_user_model = self.project_settings.auth_user_model

        def resolve_class(text: str) -> str | None:
            target = self.resolve_expression(module, text) if _is_dotted(text) else None
            if target is None or target not in labels:
                return None
            return f"{labels[target]}.{target[1]}"

        fields = []
        for parsed_field in cls.fields:
            record = self.field_classes.apply(parsed_field.record)
            if parsed_field.relation is not None:
                related = normalise_relation(
                    parsed_field.relation,
                    app_label=label,
                    resolve_class=resolve_class,
                    auth_user_model=auth_user_model,
                )
                record = replace(record, related_model=self._canonical_label(related))
                relation = parsed_field.relation
                if (
                    relation.kind == "string"
                    and "." not in relation.text
                    and relation.text != "self"
                ):
                    self._bare_relations[record.ref] = relation.text
            fields.append(record)
        meta = cls.meta
        own_constraints: tuple[ConstraintRecord, ...] = ()
        abstract = meta is not None and meta.abstract
        if meta is not None:
            own_constraints = (*meta.unique_together, *meta.constraints)
            if not abstract:
                own_constraints = _format_names(own_constraints, label, cls.name)
        db_table = self._meta_value(key, "db_table")
        return ModelRecord(
            app_label=label,
            name=cls.name,
            module=module,
            ref=cls.ref,
            bases=cls.bases,
            abstract=abstract,
            proxy=self._meta_value(key, "proxy") is True,
            db_table=db_table if isinstance(db_table, str) else None,
            fields=tuple(fields),
            constraints=own_constraints,
            managers=tuple(
                self._manager_record(key, manager)
                for manager in cls.managers
                if self._is_manager(key, manager)
            ),
            meta_ref=meta.ref if meta is not None else None,
            body_end=cls.body_end,
        )

    def _canonical_label(self, label: str) -> str:
        return self._canonical.get(label.lower(), label)

    def _is_manager(self, key: ClassKey, manager: ParsedManager) -> bool:
        """A manager by its call shape, or because its class derives from a *Manager class."""
        if manager.by_pattern:
            return True
        target = self.resolve_expression(key[0], manager.manager_expr or "")
        if target is None or target not in self._link.classes:
            return False
        return any(
            ancestor[1].endswith(("Manager", "QuerySet"))
            for ancestor in (*self._mro(target), *self._base_keys(target))
        )

    def _manager_record(self, key: ClassKey, manager: ParsedManager) -> ManagerRecord:
        methods: list[str] = []
        for expr in (manager.manager_expr, manager.queryset_expr):
            if expr is None:
                continue
            target = self.resolve_expression(key[0], expr)
            if target is not None and target in self._link.classes:
                for ancestor in self._mro(target):
                    entry = self._link.classes.get(ancestor)
                    if entry is not None:
                        methods.extend(entry[0].create_methods)
        name = (manager.manager_expr or manager.queryset_expr or manager.manager_class).split(".")
        written = manager.manager_class if manager.queryset_expr else name[-1]
        return ManagerRecord(manager.attribute, written, tuple(dict.fromkeys(methods)))

    # ------------------------------------------------------------------ MRO and Meta

    def _mro(self, key: ClassKey) -> tuple[ClassKey, ...]:
        memo_key = ("mro", key)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        self._memo[memo_key] = (key,)  # cycle guard
        bases = [base for base in self._base_keys(key) if base in self._link.classes]
        sequences = [list(self._mro(base)) for base in bases] + [list(bases)]
        result = [key]
        while True:
            sequences = [sequence for sequence in sequences if sequence]
            if not sequences:
                break
            for sequence in sequences:
                head = sequence[0]
                if not any(head in other[1:] for other in sequences):
                    break
            else:  # inconsistent hierarchy (Python would raise): fall back to depth-first
                result.extend(k for s in sequences for k in s if k not in result)
                break
            result.append(head)
            for sequence in sequences:
                if sequence[0] == head:
                    del sequence[0]
        mro = tuple(result)
        self._memo[memo_key] = mro
        return mro

    def _meta(self, key: ClassKey) -> ParsedMeta | None:
        entry = self._link.classes.get(key)
        return entry[0].meta if entry else None

    def _meta_source(self, key: ClassKey) -> ClassKey | None:
        """The class whose `Meta` Django reads for `key`: its own, else `getattr(cls, "Meta")`."""
        if self._meta(key) is not None:
            return key
        return self._inherited_meta(key)

    def _inherited_meta(self, key: ClassKey) -> ClassKey | None:
        # Only abstract models keep `Meta` as a class attribute (concrete ones pop it).
        for ancestor in self._mro(key)[1:]:
            meta = self._meta(ancestor)
            if meta is not None and meta.abstract:
                return ancestor
        return None

    def _meta_attribute_owner(self, key: ClassKey) -> ClassKey | None:
        """The class whose Meta `key.Meta` evaluates to."""
        meta = self._meta(key)
        if meta is not None and meta.abstract:
            return key
        return self._inherited_meta(key)

    def _meta_declaring(
        self, owner: ClassKey | None, option: str, depth: int = 0
    ) -> ClassKey | None:
        """Follow `class Meta(Parent.Meta)` bases to the Meta that declares `option`."""
        if owner is None or depth > _DEPTH:
            return None
        meta = self._meta(owner)
        if meta is None:
            return None
        if option in meta.declared:
            return owner
        for base in meta.bases:
            if not base.endswith(".Meta"):
                continue
            parent = self.resolve_expression(owner[0], base[: -len(".Meta")])
            found = self._meta_declaring(self._meta_attribute_owner_safe(parent), option, depth + 1)
            if found is not None:
                return found
        return None

    def _meta_attribute_owner_safe(self, key: ClassKey | None) -> ClassKey | None:
        return self._meta_attribute_owner(key) if key in self._link.classes else None

    def _meta_value(self, key: ClassKey, option: str) -> Any:
        owner = self._meta_declaring(self._meta_source(key), option)
        if owner is None:
            return None
        meta = self._meta(owner)
        return getattr(meta, option, None) if meta is not None else None

    def _meta_list(
        self, owner: ClassKey | None, option: str, depth: int = 0
    ) -> list[ConstraintRecord]:
        """The records of `unique_together` or `constraints` in the Meta `owner` stands for."""
        declaring = self._meta_declaring(owner, option)
        meta = self._meta(declaring) if declaring else None
        if meta is None or declaring is None or depth > _DEPTH:
            return []
        if option == "unique_together":
            own, extends = meta.unique_together, meta.unique_together_extends
        else:
            own, extends = meta.constraints, meta.constraints_extends
        records: list[ConstraintRecord] = []  # `[*Base.Meta.constraints, …]`: inherited first
        for text in extends:
            parent = self.resolve_expression(declaring[0], text)
            records.extend(
                self._meta_list(self._meta_attribute_owner_safe(parent), option, depth + 1)
            )
        records.extend(own)
        return records

    # ------------------------------------------------------------------ public queries

    def models(self) -> Iterator[ModelRecord]:
        """Every model (abstract ones included): the project's, then unshadowed built-ins."""
        for record in self._link.models.values():
            if not is_builtin_path(record.ref.path):
                yield record
        for record in self._link.by_label.values():
            if is_builtin_path(record.ref.path):
                yield record

    def is_builtin(self, model: ModelRecord) -> bool:
        return is_builtin_path(model.ref.path)

    def get_model(self, label: str) -> ModelRecord | None:
        """`"shop.Product"` (model name case-insensitive) -> the model."""
        return self._link.by_label.get(label.lower()) if "." in label else None

    def model_for_class(self, module: str, name: str) -> ModelRecord | None:
        """The model class `name` of `module` is, following re-exports and star imports."""
        key = self.resolve_symbol(module, name)
        return self._link.models.get(key) if key is not None else None

    def model_for_expression(self, module: str, text: str) -> ModelRecord | None:
        """The model a dotted expression written in `module` names (`shop_models.Product`)."""
        key = self.resolve_expression(module, text) if _is_dotted(text) else None
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

    def user_model(self) -> ModelRecord | None:
        """The model AUTH_USER_MODEL names (read statically), else the built-in auth.User."""
        return self.get_model(self.project_settings.auth_user_model) or self.get_model("auth.User")

    def _user_key(self) -> ClassKey | None:
        wanted = self.project_settings.auth_user_model.lower()
        found = [
            key for key, label in self._labels.items() if f"{label}.{key[1]}".lower() == wanted
        ]
        found.sort(key=lambda key: key[0].startswith("django."))
        if found:
            return found[0]
        return ("django.contrib.auth.models", "User")

    def _key(self, model: ModelRecord) -> ClassKey:
        return (model.module, model.name)

    def _record(self, key: ClassKey) -> ModelRecord | None:
        return self._link.models.get(key)

    def ancestors(self, model: ModelRecord) -> tuple[ModelRecord, ...]:
        """Every model base class in MRO order, abstract ones included."""
        return tuple(
            record
            for key in self._mro(self._key(model))[1:]
            if (record := self._record(key)) is not None
        )

    def parents(self, model: ModelRecord) -> tuple[ModelRecord, ...]:
        """Concrete ancestors in MRO order (Django's `_meta.get_parent_list()`)."""
        return tuple(
            record for record in self.ancestors(model) if not record.abstract and not record.proxy
        )

    def concrete_model(self, model: ModelRecord) -> ModelRecord:
        """The model whose table a proxy uses (the model itself when not a proxy)."""
        current = model
        for _ in range(_DEPTH):
            if not current.proxy:
                return current
            parent = next(
                (
                    record
                    for key in self._base_keys(self._key(current))
                    if (record := self._record(key)) is not None and not record.abstract
                ),
                None,
            )
            if parent is None:
                return current
            current = parent
        return current

    def _direct_concrete_parents(self, model: ModelRecord) -> list[ModelRecord]:
        """The concrete models `model` links to by a `<parent>_ptr` (multi-table inheritance)."""
        found: list[ModelRecord] = []
        for key in self._base_keys(self._key(model)):
            record = self._record(key)
            if record is None:
                continue
            if record.abstract:
                candidates = self._direct_concrete_parents(record)
            else:
                candidates = [self.concrete_model(record)]
            for candidate in candidates:
                if candidate not in found and candidate != model:
                    found.append(candidate)
        return found

    def local_fields(self, model: ModelRecord) -> dict[str, FieldRecord]:
        """Fields whose columns live in `model`'s own table: declared, abstract-inherited, the
        `<parent>_ptr` links and the implicit `id` (Django's local fields)."""
        if model.proxy:
            return self.local_fields(self.concrete_model(model))
        memo_key = ("local", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is None:
            cached = self._compute_local_fields(model)
            self._memo[memo_key] = cached
        return cached

    def _compute_local_fields(self, model: ModelRecord) -> dict[str, FieldRecord]:
        key = self._key(model)
        cls = self._link.classes[key][0]
        fields: dict[str, FieldRecord] = {field.name: field for field in model.fields}
        inherited: set[str] = set()
        parents = self._direct_concrete_parents(model)
        for parent in parents:
            inherited.update(self.all_fields(parent))
        direct = set(self._base_keys(key))
        for base_key in self._mro(key)[1:]:
            base = self._record(base_key)
            if base is None or not base.abstract or base_key not in direct:
                continue  # Django copies fields from direct abstract bases, in MRO order
            for name, field in self.local_fields(base).items():
                if name not in fields and name not in cls.attributes and name not in inherited:
                    fields[name] = self._copied_to(field, model)
        if not model.abstract:
            links = {
                field.related_model
                for field in fields.values()
                if field.field_class == "OneToOneField" and field.option("parent_link") == "True"
            }
            for position, parent in enumerate(parents):
                name = f"{parent.name.lower()}_ptr"
                if parent.label in links or name in fields:
                    continue
                fields[name] = FieldRecord(
                    name=name,
                    field_class="OneToOneField",
                    ref=model.ref,
                    primary_key=position == 0,
                    related_model=parent.label,
                    options=(("parent_link", "True"), ("auto_created", "True")),
                )
            if parents and not any(field.primary_key for field in fields.values()):
                first = next(
                    (
                        name
                        for name, field in fields.items()
                        if field.field_class == "OneToOneField"
                        and field.related_model == parents[0].label
                    ),
                    None,
                )
                if first is not None:
                    fields[first] = replace(fields[first], primary_key=True)
            if not parents and not any(field.primary_key for field in fields.values()):
                implicit = FieldRecord(
                    name="id",
                    field_class=self._auto_field_class(model),
                    ref=model.ref,
                    primary_key=True,
                    options=(("auto_created", "True"),),
                )
                fields = {"id": implicit, **fields}
        return fields

    def _copied_to(self, field: FieldRecord, model: ModelRecord) -> FieldRecord:
        """An abstract parent's field as the child has it: `ForeignKey("Team")` (no app label)
        points into the child's app, as Django resolves it against the concrete class."""
        bare = self._bare_relations.get(field.ref)
        if bare is None:
            return field
        return replace(field, related_model=self._canonical_label(f"{model.app_label}.{bare}"))

    def _auto_field_class(self, model: ModelRecord) -> str:
        if is_builtin_path(model.ref.path):
            return "AutoField"  # contrib apps set default_auto_field = "…AutoField"
        app = self.apps.get(model.app_label)
        config = self._app_config(app.path) if app is not None else None
        path = (config.default_auto_field if config else None) or (
            self.settings_facts.default_auto_field
        )
        name = (path or "django.db.models.AutoField").rsplit(".", 1)[-1]
        return name if name in AUTO_FIELD_CLASSES else "AutoField"

    def all_fields(self, model: ModelRecord) -> dict[str, FieldRecord]:
        """Every field queryable on `model`: local fields first, then multi-table parents'."""
        return dict(self._all_fields(model))

    def _all_fields(self, model: ModelRecord) -> dict[str, FieldRecord]:
        if model.proxy:
            return self._all_fields(self.concrete_model(model))
        memo_key = ("all", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is None:
            self._memo[memo_key] = {}  # cycle guard
            cached = dict(self.local_fields(model))
            for parent in self._direct_concrete_parents(model):
                for name, field in self._all_fields(parent).items():
                    cached.setdefault(name, field)
            self._memo[memo_key] = cached
        return cached

    def field(self, model: ModelRecord, name: str) -> FieldRecord | None:
        """A field by name or attname (`team` / `team_id`), or `pk`."""
        if name == "pk":
            return self.pk(model)
        fields = self._all_fields(model)
        found = fields.get(name)
        if found is not None:
            return found
        if name.endswith("_id"):
            candidate = fields.get(name[:-3])
            if candidate is not None and candidate.attname == name:
                return candidate
        return next((field for field in fields.values() if field.attname == name), None)

    def pk(self, model: ModelRecord) -> FieldRecord | None:
        return next(
            (field for field in self._all_fields(model).values() if field.primary_key), None
        )

    def managers(self, model: ModelRecord) -> tuple[ManagerRecord, ...]:
        """Managers available on `model`, own first, then inherited; `objects` when none."""
        memo_key = ("managers", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        found: dict[str, ManagerRecord] = {}
        for key in self._mro(self._key(model)):
            record = self._record(key)
            if record is not None:
                for manager in record.managers:
                    found.setdefault(manager.attribute, manager)
        if not found and "objects" not in self._all_fields(model):
            found["objects"] = ManagerRecord("objects", "Manager")
        result = tuple(found.values())
        self._memo[memo_key] = result
        return result

    def constraints(self, model: ModelRecord) -> tuple[ConstraintRecord, ...]:
        """The constraints and unique_together entries Django's `_meta` has for `model`.

        Meta inheritance as Django does it: a model without its own `Meta` uses the first
        abstract ancestor's; its own `Meta` inherits only what `class Meta(Parent.Meta)`
        passes on; concrete parents' Meta is never inherited (their constraints live on their
        own table); a proxy has its concrete model's. Names are interpolated
        (`%(app_label)s`, `%(class)s`) for concrete models.
        """
        if model.proxy:
            return self.constraints(self.concrete_model(model))
        memo_key = ("constraints", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is None:
            source = self._meta_source(self._key(model))
            records = [
                *self._meta_list(source, "unique_together"),
                *self._meta_list(source, "constraints"),
            ]
            cached = tuple(records)
            if source is not None and not model.abstract:
                cached = _format_names(cached, model.app_label, model.name)
            self._memo[memo_key] = cached
        return cached

    def unique_sets(self, model: ModelRecord) -> tuple[UniqueSet, ...]:
        """Every database uniqueness guarantee on `model`'s rows.

        The primary key, `unique=True` fields, OneToOneFields, `unique_together` entries and
        `UniqueConstraint(fields=…)` (its `condition` and `nulls_distinct` copied), plus those
        of multi-table parents (their unique columns cover lookups on the child). Left out on
        purpose: functional `UniqueConstraint(*expressions)` (not a set of columns) and
        `deferrable=Deferrable.DEFERRED` ones (checked at COMMIT, so `get_or_create` cannot
        recover from the IntegrityError), and `unique_for_date/month/year` (not in the DB).
        """
        if model.proxy:
            return self.unique_sets(self.concrete_model(model))
        memo_key = ("unique", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        self._memo[memo_key] = ()
        sets: list[UniqueSet] = []
        for field in self.local_fields(model).values():
            if field.is_many_to_many or not field.is_unique:
                continue
            if field.primary_key:
                description = f"primary key {field.name}"
            elif field.unique:
                description = f"unique=True on {field.name}"
            else:
                description = f"OneToOneField {field.name}"
            sets.append(UniqueSet(frozenset({field.name}), field.ref, description))
        for record in self.constraints(model):
            if record.kind == "unique_together":
                names = self._canonical_fields(model, record.fields)
                description = f"unique_together ({', '.join(record.fields)})"
                sets.append(UniqueSet(names, record.ref, description))
            elif record.kind == "unique":
                if record.has_expressions or record.deferrable == "DEFERRED" or not record.fields:
                    continue
                sets.append(
                    UniqueSet(
                        self._canonical_fields(model, record.fields),
                        record.ref,
                        f"UniqueConstraint '{record.name}'" if record.name else "UniqueConstraint",
                        constraint_name=record.name,
                        condition=record.condition,
                        nulls_distinct=record.nulls_distinct is not False,
                    )
                )
        for parent in self._direct_concrete_parents(model):
            sets.extend(self.unique_sets(parent))
        result = tuple(dict.fromkeys(sets))
        self._memo[memo_key] = result
        return result

    def _canonical_fields(self, model: ModelRecord, names: Iterable[str]) -> frozenset[str]:
        return frozenset(
            field.name if (field := self.field(model, name)) is not None else name for name in names
        )

    def table_name(self, model: ModelRecord) -> str:
        """`db_table` as Django computes it (proxies use their concrete model's table)."""
        concrete = self.concrete_model(model)
        if concrete.db_table:
            return concrete.db_table
        return truncate_name(
            f"{concrete.app_label}_{concrete.name.lower()}", self._max_name_length()
        )

    def _max_name_length(self) -> int | None:
        engine = self.settings_facts.engine or ""
        for marker, length in _MAX_NAME_LENGTH:
            if marker in engine:
                return length
        return None

    def related_model(self, model: ModelRecord, field: FieldRecord) -> ModelRecord | None:
        """The model a relation field points at (`"self"` meaning `model`)."""
        if field.related_model is None:
            return None
        if field.related_model == "self":
            return model
        return self.get_model(field.related_model)

    def reverse_relations(self, model: ModelRecord) -> dict[str, tuple[ModelRecord, FieldRecord]]:
        """Reverse accessor name -> (model holding the relation, the field), for `model` and its
        multi-table parents: `team.members` for `ForeignKey(Team, related_name="members")`,
        `team.member_set` without one."""
        table = self._reverse_table()
        found: dict[str, tuple[ModelRecord, FieldRecord]] = {}
        for target in (self.concrete_model(model), *self.parents(model)):
            for name, entry in table.get(target.label_lower, {}).items():
                found.setdefault(name, entry)
        return found

    def _reverse_table(self) -> dict[str, dict[str, tuple[ModelRecord, FieldRecord]]]:
        memo_key = ("reverse", None)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        table: dict[str, dict[str, tuple[ModelRecord, FieldRecord]]] = {}
        for model in self._link.by_label.values():
            if model.abstract or model.proxy:
                continue
            for field in self.local_fields(model).values():
                if field.field_class not in RELATION_FIELD_CLASSES | MANY_TO_MANY_FIELD_CLASSES:
                    continue
                if field.option("auto_created") == "True":
                    continue
                target = self.related_model(model, field)
                if target is None:
                    continue
                accessor = _accessor_name(model, field)
                if accessor is not None:
                    table.setdefault(target.label_lower, {}).setdefault(accessor, (model, field))
        self._memo[memo_key] = table
        return table


def _accessor_name(model: ModelRecord, field: FieldRecord) -> str | None:
    related_name = field.option("related_name")
    if related_name is not None:
        value = related_name.strip()
        if value[:1] in "\"'" and value[-1:] == value[:1]:
            name = value[1:-1]
            if name.endswith("+"):
                return None
            return name.replace("%(class)s", model.name.lower()).replace(
                "%(app_label)s", model.app_label.lower()
            )
        return None
    if field.field_class == "OneToOneField":
        return model.name.lower()
    return f"{model.name.lower()}_set"


def _format_names(
    records: tuple[ConstraintRecord, ...], app_label: str, class_name: str
) -> tuple[ConstraintRecord, ...]:
    names = {"app_label": app_label.lower(), "class": class_name.lower()}
    result = []
    for record in records:
        if record.name and "%" in record.name:
            with contextlib.suppress(KeyError, ValueError, TypeError):
                record = replace(record, name=record.name % names)
        result.append(record)
    return tuple(result)


_CLASS_NAMES = ("class names", None)


@functools.cache
def _builtin_names() -> frozenset[str]:
    return frozenset(cls.name for module in builtin_modules() for cls in module.classes)


def _is_modelish_base(base: str, seeds: set[str]) -> bool:
    if base in seeds:
        return True
    return bool(_MODELISH_BASE.search(base)) and not _NOT_MODEL_BASE.search(base)


def _is_dotted(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def truncate_name(identifier: str, length: int | None, hash_len: int = 4) -> str:
    """Django's `truncate_name`: shorten to `length` with a 4-character md5 suffix."""
    if length is None or len(identifier) <= length:
        return identifier
    digest = hashlib.md5(identifier.encode(), usedforsecurity=False).hexdigest()[:hash_len]
    return f"{identifier[: length - hash_len]}{digest}"
