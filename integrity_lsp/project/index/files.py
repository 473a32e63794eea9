"""The index's file table: walking the root, reading and scanning each file, which files
may hold models and are parsed, module names, apps and settings. `IndexFiles` also holds the
state every part of the index shares (the link, the per-generation memo)."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrity_lsp.config import Settings
from integrity_lsp.project.apps import (
    AppConfigInfo,
    app_folder,
    creates_its_models,
    discover_apps,
    module_name_for,
    package_config,
    parse_app_configs,
)
from integrity_lsp.project.builtin import (
    KNOWN_MODULES,
    builtin_modules,
)
from integrity_lsp.project.field_classes import (
    FieldClasses,
    may_define_field_class,
    read_field_classes,
)
from integrity_lsp.project.guarded_creators import catching_functions, creator_methods
from integrity_lsp.project.imports import ImportTable
from integrity_lsp.project.libraries import Libraries, interpreter_site_packages
from integrity_lsp.project.loaders import Loader
from integrity_lsp.project.models import ParsedClass, ParsedModule, parse_module
from integrity_lsp.project.records import (
    AppRecord,
    ModelRecord,
    ProjectSettings,
    SourceRef,
)
from integrity_lsp.project.settings_reader import (
    SettingsFacts,
    find_settings_path,
    read_settings,
)
from integrity_lsp.project.signals import PreSaveFills, may_connect_pre_save, read_pre_save_fills
from integrity_lsp.syntax.files import exists, is_dir, over_size_cap, read_project_text
from integrity_lsp.syntax.source import content_hash, parse
from integrity_lsp.syntax.walk import SKIP_FOLDERS, python_files

ClassKey = tuple[str, str]  # (module, class name)


_CLASS_RE = re.compile(r"^[ \t]*class[ \t]+(\w+)[ \t]*(?:\(([^)]*)\))?[ \t]*:", re.MULTILINE)


_MODELISH_BASE = re.compile(r"Model|Manager$|QuerySet$")


NOT_MODEL_BASE = re.compile(
    r"(Form|FormSet|Admin|Inline|Serializer|ViewSet|View|Backend|Field|Schema|Filter|FilterSet"
    r"|Resource|TestCase|Factory)$"
)


CLASS_NAMES_KEY = ("class names", None)


@dataclass
class _File:
    path: Path
    digest: str
    module: str | None
    classes: tuple[tuple[str, tuple[str, ...]], ...]  # regex scan: (name, base last names)
    mentions_app_config: bool = False
    defines_field_class: bool = False  # a class with a `…Field` base, and an `__init__`
    mentions_pre_save: bool = False
    # `create_*` methods of its classes, and functions catching IntegrityError around an insert
    # (`guarded_creators`), read when the file is scanned
    creators: tuple[tuple[str, str, bool, str | None], ...] = ()
    catching: frozenset[str] = frozenset()
    names_default_config: bool = False  # `default_app_config` in a package's __init__.py
    parsed: ParsedModule | None = None
    app_configs: tuple[AppConfigInfo, ...] = ()


@dataclass
class Link:
    """Everything derived from the parsed files; rebuilt when facts change."""

    modules: dict[str, ParsedModule]
    classes: dict[ClassKey, tuple[ParsedClass, ParsedModule]]
    models: dict[ClassKey, ModelRecord]
    by_label: dict[str, ModelRecord]
    by_table: dict[str, ModelRecord]
    by_path: dict[Path, tuple[ModelRecord, ...]]


class IndexFiles:
    """The project's files, modules and apps; the state the index's other parts share."""

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
        self._module_aliases: dict[str, str] = {}
        self._source_roots: tuple[Path, ...] = ()
        self._modelish: frozenset[str] = frozenset()
        self._lazy_imports: dict[Path, tuple[str, ImportTable]] = {}
        self._lazy_loaders: dict[Path, tuple[str, Mapping[str, Loader]]] = {}
        self._link = Link({}, {}, {}, {}, {}, {})
        self._labels: dict[ClassKey, str] = {}
        self._canonical: dict[str, str] = {}  # "shop.product" -> "shop.Product"
        self._bare_relations: dict[SourceRef, str] = {}  # field -> "Team" of ForeignKey("Team")
        self._memo: dict[tuple[str, Any], Any] = {}
        self.field_classes = FieldClasses()
        self.libraries = Libraries(interpreter_site_packages(self.root))
        self._library_modules: set[str] = set()  # modules of `_link` read from `libraries`
        self._link_builtin: frozenset[str] = frozenset(
            parsed.module or "" for parsed in builtin_modules()
        )
        self.pre_save_fills = PreSaveFills()

    def _walk(self) -> Iterator[Path]:
        return python_files(self.root, self.settings)

    def _excluded(self, path: Path) -> bool:
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return True
        if set(relative.parts) & SKIP_FOLDERS:
            return True
        return self.settings.is_excluded(relative, self.root)

    def _read_disk(self, path: Path) -> str | None:
        return read_project_text(path, errors="replace")

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
            creators=creator_methods(text),
            catching=catching_functions(text),
            names_default_config=path.name == "__init__.py" and "default_app_config" in text,
        )

    def is_plain_class(self, name: str) -> bool:
        """The project defines classes of this name and none may be a model (by name, the
        over-approximation the index parses by): `Name(…)` never constructs a model."""
        names = self._memo.get(CLASS_NAMES_KEY)
        if names is None:
            names = frozenset(n for state in self._files.values() for n, _bases in state.classes)
            self._memo[CLASS_NAMES_KEY] = names
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
        if text is None or over_size_cap(text, state.path):
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
        self._module_aliases.clear()
        for path in sorted(self._files, key=lambda p: (len(p.parts), str(p))):
            state = self._files[path]
            state.module = self.module_name(path)
            if state.module is not None:
                self._path_by_module.setdefault(state.module, path)
        # The folder of a manage.py is on `sys.path` when Django runs: label-studio's
        # `from fsm.models import …` names `label_studio.fsm.models`.
        self._source_roots = tuple(
            sorted({path.parent for path in self._files if path.name == "manage.py"})
        )

    def canonical_module(self, module: str) -> str:
        """The index's name of a project module imported relative to a manage.py's folder
        (`fsm.models` -> `label_studio.fsm.models`); other names unchanged."""
        if module in self._path_by_module or not self._source_roots:
            return module
        found = self._module_aliases.get(module)
        if found is None:
            found = module
            folders = self._source_roots if is_dotted_module(module) else ()
            relative = Path(*module.split("."))
            for folder in folders:
                for candidate in (folder / f"{relative}.py", folder / relative / "__init__.py"):
                    named = self._files.get(candidate)
                    if named is not None and named.module is not None:
                        found = named.module
                        break
                if found != module:
                    break
            self._module_aliases[module] = found
        return found

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
                or is_dir(folder / "migrations")
            ),
            installed=self.project_settings.installed_apps,
            creates=lambda app, folder: creates_its_models(
                (c for p, s in self._files.items() if app_folder(p) == folder for c in s.classes),
                (t for p in self._files if p.parent == app / "migrations" and (t := self._text(p))),
            ),
        )
        self._move_migrations()

    def _move_migrations(self) -> None:
        """Apply MIGRATION_MODULES: an app's migrations read from the package it names."""
        for label, module in self.settings_facts.migration_modules:
            app = self.apps.get(label)
            # Django runs from the root: `dbmigrations.shop` is <root>/dbmigrations/shop even
            # when the root itself is a package (its modules are then `proj.dbmigrations…`).
            init = self.path_for_module(module) or self.root.joinpath(
                *module.split("."), "__init__.py"
            )
            if app is None or init.name != "__init__.py" or init not in self._files:
                continue
            self.apps[label] = dataclasses.replace(
                app, migrations_path=init.parent, has_migrations=True
            )

    def _app_config(self, folder: Path) -> AppConfigInfo | None:
        state = self._files.get(folder / "apps.py")
        apps_configs = state.app_configs if state is not None else ()
        package = self.module_name(folder / "__init__.py")
        init = self._files.get(folder / "__init__.py")
        reads_init = init is not None and (init.names_default_config or init.mentions_app_config)
        text = self._text(init.path) if init is not None and reads_init else None
        tree = None
        if text is not None and not over_size_cap(text, init.path if init else folder):
            try:
                tree = parse(text)
            except RecursionError:  # absurdly nested code: no config read from it
                tree = None
        installed = self.settings_facts.installed_apps
        return package_config(tree, package, apps_configs, installed)

    def source_paths(self) -> tuple[Path, ...]:
        """Every Python file of the project the index walked."""
        return tuple(self._files)

    def is_index_source(self, path: Path) -> bool:
        """Whether `update_file(path, …)` can matter: a Python file under the root, not excluded."""
        path = Path(os.path.abspath(path))
        return path.suffix == ".py" and not self._excluded(path)

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
                cached = exists(init)
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
        return (
            name in self._path_by_module
            or self.canonical_module(name) != name
            or name in KNOWN_MODULES
            or name in self._link.modules
            or self.libraries.module_path(name) is not None
        )


def is_dotted_module(name: str) -> bool:
    return bool(name) and all(part.isidentifier() for part in name.split("."))


@functools.cache
def _builtin_names() -> frozenset[str]:
    return frozenset(cls.name for module in builtin_modules() for cls in module.classes)


def _is_modelish_base(base: str, seeds: set[str]) -> bool:
    if base in seeds:
        return True
    return bool(_MODELISH_BASE.search(base)) and not NOT_MODEL_BASE.search(base)
