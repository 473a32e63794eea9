"""Django apps found on disk without importing anything, and dotted module names of files.

An app is a package holding `models.py` or a `models/` package. Its label comes from the
`AppConfig` its `__init__.py` names as `default_app_config` (a class of that `__init__.py` or of
its `apps.py`: before Django 4.1 it takes over), else the one Django picks in its `apps.py`
(`label = "…"`, else the last part of `name = "…"`), else one its `__init__.py` defines for the
package itself (`package_config`), else from the folder name. A file's module
name is built by walking up while `__init__.py` exists; the first folder without one is taken as
the sys.path root (so a `src/` layout works).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrity_lsp.project.records import AppRecord
from integrity_lsp.syntax.declarations import (
    argument_list,
    assignment_parts,
    bool_value,
    class_assignments,
    iter_statements,
    small_statements,
    source,
    string_value,
)

_APP_CONFIG_HINT = re.compile(r"AppConfig")


@dataclass(frozen=True)
class AppConfigInfo:
    """An `AppConfig` subclass read from apps.py."""

    class_name: str
    name: str | None = None
    label: str | None = None
    default_auto_field: str | None = None
    default: bool | None = None


def module_name_for(path: Path, has_init: Callable[[Path], bool]) -> str | None:
    """`shop.models.catalog` for …/shop/models/catalog.py (`shop.models` for its __init__.py)."""
    if path.suffix != ".py":
        return None
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while has_init(folder):
        parts.append(folder.name)
        if folder.parent == folder:
            break
        folder = folder.parent
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(reversed(parts))


def app_folder(path: Path) -> Path | None:
    """The app folder a models file marks (…/shop for shop/models.py or shop/models/__init__.py)."""
    if path.name == "models.py":
        return path.parent
    if path.name == "__init__.py" and path.parent.name == "models":
        return path.parent.parent
    return None


def parse_app_configs(tree: Any) -> list[AppConfigInfo]:
    """Every class of an apps.py whose bases mention AppConfig, with its literal attributes."""
    configs = []
    for classdef in tree.iter_classdefs():
        arglist = classdef.get_super_arglist()
        if arglist is None:
            continue
        bases = [source(node) for node in argument_list(arglist).positional]
        if not any(_APP_CONFIG_HINT.search(base) for base in bases):
            continue
        values = class_assignments(classdef)
        configs.append(
            AppConfigInfo(
                class_name=str(classdef.name.value),
                name=string_value(values.get("name")),
                label=string_value(values.get("label")),
                default_auto_field=string_value(values.get("default_auto_field")),
                default=bool_value(values.get("default")) if "default" in values else None,
            )
        )
    return configs


def choose_config(configs: Iterable[AppConfigInfo], package: str | None) -> AppConfigInfo | None:
    """The config Django would pick: `default = True`, else the one naming this package, else
    the only one."""
    candidates = [config for config in configs if config.default is not False]
    for config in candidates:
        if config.default is True:
            return config
    for config in candidates:
        if package is not None and config.name == package:
            return config
    return candidates[0] if len(candidates) == 1 else None


def default_app_config(
    init_tree: Any, package: str | None, apps_configs: Sequence[AppConfigInfo]
) -> AppConfigInfo | None:
    """The config a package's `__init__.py` names as `default_app_config = "shop.ShopConfig"`
    (or `__name__ + ".apps.ShopConfig"`), when that class is in the `__init__.py` itself or in
    the package's `apps.py` (`apps_configs`). Before Django 4.1 it takes over from the config
    found in apps.py, and a project written for those (shuup's `shuup.core`, labelled "shuup")
    names its models by that label in every migration. A class elsewhere is not read: editing
    it would not re-read the apps."""
    if package is None:
        return None
    named = None
    for statement in iter_statements(init_tree):
        for small in small_statements(statement):
            if small.type != "expr_stmt":
                continue
            targets, _annotation, value = assignment_parts(small)
            if [source(target) for target in targets] == ["default_app_config"]:
                named = _dotted_config_path(value, package)
    if named is None or "." not in named:
        return None
    module, class_name = named.rsplit(".", 1)
    if module == package:
        configs: Sequence[AppConfigInfo] = parse_app_configs(init_tree)
    elif module == f"{package}.apps":
        configs = apps_configs
    else:
        return None
    return next((config for config in configs if config.class_name == class_name), None)


def package_config(
    init_tree: Any,
    package: str | None,
    apps_configs: Sequence[AppConfigInfo],
    installed: Iterable[str] = (),
) -> AppConfigInfo | None:
    """The config Django uses for a package, read from its `__init__.py` and `apps.py`.

    In order: the class INSTALLED_APPS names by its dotted path when the `__init__.py` defines
    it; the `default_app_config` the `__init__.py` names; the one Django picks in `apps.py`;
    else an `AppConfig` the `__init__.py` defines for this very package (`name` = the
    package) -- a pulp plugin's `galaxy_ng.app.PulpGalaxyPluginAppConfig`, labelled "galaxy",
    which INSTALLED_APPS gets from the plugin's entry point, not from the settings file. That
    last one is not taken when INSTALLED_APPS, as read, lists the bare package: Django then
    makes a default config named after the folder."""
    own = parse_app_configs(init_tree) if init_tree is not None else []
    listed = set(installed)
    for config in own:
        if package is not None and f"{package}.{config.class_name}" in listed:
            return config
    named = default_app_config(init_tree, package, apps_configs) if init_tree is not None else None
    chosen = named or choose_config(apps_configs, package)
    if chosen is not None or package is None or package in listed:
        return chosen
    for_package = [config for config in own if config.name == package]
    return for_package[0] if len(for_package) == 1 else None


def _dotted_config_path(value: Any, package: str) -> str | None:
    """`"shop.apps.ShopConfig"`, or `__name__ + ".apps.ShopConfig"` read in package `shop`."""
    if value is None:
        return None
    text = string_value(value)
    if text is not None:
        return text
    parts = value.children if value.type == "arith_expr" else []
    if len(parts) == 3 and source(parts[0]) == "__name__" and source(parts[1]) == "+":
        suffix = string_value(parts[2])
        return package + suffix if suffix is not None else None
    return None


def app_label(folder: Path, config: AppConfigInfo | None) -> str:
    if config is not None:
        if config.label:
            return config.label
        if config.name:
            return config.name.rsplit(".", 1)[-1]
    return folder.name


def discover_apps(
    models_files: Iterable[Path],
    *,
    module_of: Callable[[Path], str | None],
    config_of: Callable[[Path], AppConfigInfo | None],
    has_migrations: Callable[[Path], bool],
    installed: Iterable[str] = (),
    creates: Callable[[Path, Path], bool] = lambda _app, _folder: False,
) -> dict[str, AppRecord]:
    """Label -> AppRecord for the app folders these models files mark.

    When two folders claim one label, the one named in INSTALLED_APPS wins, then the shallower
    path, then the first in path order.
    """
    installed_names = {entry.split(".apps.")[0] for entry in installed}
    found: dict[str, AppRecord] = {}
    marked = {folder for path in models_files if (folder := app_folder(path)) is not None}
    # A `models.py` inside an app's `models/` package (nautobot's extras/models/models.py) is
    # one more module of that app, not an app of its own labelled "models".
    marked = {f for f in marked if not (f.name == "models" and f.parent in marked)}
    # A models.py in a sub-package of a migrated app, with no AppConfig, no migrations and no
    # INSTALLED_APPS entry of its own, whose models the app's migrations create, is one more
    # module of that app (django-sql-explorer's explorer/ee/db_connections/models.py): Django
    # labels its models by the containing app.
    marked = {
        f
        for f in marked
        if not _module_of_enclosing_app(
            f, marked, module_of, config_of, has_migrations, installed_names, creates
        )
    }
    folders = sorted(marked, key=lambda folder: (len(folder.parts), str(folder)))
    for folder in folders:
        init = folder / "__init__.py"
        package = module_of(init) or folder.name
        record = AppRecord(
            label=app_label(folder, config_of(folder)),
            name=package,
            path=folder,
            has_migrations=has_migrations(folder),
        )
        current = found.get(record.label)
        if current is None or (package in installed_names and current.name not in installed_names):
            found[record.label] = record
    return found


def _module_of_enclosing_app(
    folder: Path,
    marked: set[Path],
    module_of: Callable[[Path], str | None],
    config_of: Callable[[Path], AppConfigInfo | None],
    has_migrations: Callable[[Path], bool],
    installed_names: set[str],
    creates: Callable[[Path, Path], bool],
) -> bool:
    enclosing = next((parent for parent in folder.parents if parent in marked), None)
    if enclosing is None or not has_migrations(enclosing):
        return False
    if has_migrations(folder) or config_of(folder) is not None:
        return False
    if (module_of(folder / "__init__.py") or folder.name) in installed_names:
        return False
    return creates(enclosing, folder)


def creates_its_models(
    class_bases: Iterable[tuple[str, tuple[str, ...]]], texts: Iterable[str]
) -> bool:
    """Do these migrations `CreateModel(name=…)` every class deriving from `Model` directly
    (and there is one)? Checked against all of them, not one: askbot's importers declare their
    own `User` and `Post` beside askbot's."""
    names = {name for name, bases in class_bases if "Model" in bases}
    if not names:
        return False
    created = " ".join(texts)
    return all(
        re.search(rf"CreateModel\(\s*name\s*=\s*['\"]{re.escape(name)}['\"]", created)
        for name in names
    )


def containing_app(module: str, apps_by_name: dict[str, AppRecord]) -> AppRecord | None:
    """The app whose package is the longest prefix of `module` (Django's containing config)."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        record = apps_by_name.get(".".join(parts[:end]))
        if record is not None:
            return record
    return None
